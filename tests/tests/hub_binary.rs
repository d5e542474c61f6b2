//! The real `hubshake` binary: starts on a fresh machine with no set-up, bootstraps an admin,
//! shuts down gracefully on SIGTERM, and keeps its signing key across a restart.

use hubshake_tests::{
    hub_process::{HubProcess, log_field},
    server_database,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn json_token(client: &reqwest::Client, base: &str, client_id: &str, secret: &str) -> String {
    // The seed's terminals post JSON credentials; admins may too.
    let answer = client
        .post(format!("{base}/oauth/token"))
        .json(&json!({ "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn hub_starts_bare_bootstraps_an_admin_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = server_database().await;
    let env: Vec<(&str, &str)> = database
        .iter()
        .map(|db| ("HUBSHAKE_DATABASE_URL", db.url.as_str()))
        .collect();
    let client = reqwest::Client::new();

    let mut hub = HubProcess::start(dir.path(), &env);
    let bootstrap = hub.wait_for_line("created the first admin client");
    let admin_id = log_field(&bootstrap, "client_id").unwrap();
    let admin_secret = log_field(&bootstrap, "client_secret").unwrap();
    if database.is_none() {
        assert!(
            dir.path().join("hubshake.db").exists(),
            "the embedded database is created in the working directory"
        );
    }

    let ready = client
        .get(format!("{}/readyz", hub.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let token = json_token(&client, &hub.base, &admin_id, &admin_secret).await;
    let created = client
        .post(format!("{}/api/v1/branches", hub.base))
        .bearer_auth(&token)
        .json(&json!({ "code": "MNL-01", "name": "Manila", "pos_type": "retail" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    assert!(hub.terminate(), "SIGTERM ends the hub cleanly");

    let mut restarted = HubProcess::start(dir.path(), &env);
    // The token issued before the restart still works: the signing key was kept.
    let branches: Value = client
        .get(format!("{}/api/v1/branches", restarted.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(branches["total"], 1);
    assert_eq!(branches["items"][0]["code"], "MNL-01");
    // No second admin is made, and the first one's secret still works.
    assert!(
        !restarted
            .drain_log()
            .iter()
            .any(|line| line.contains("created the first admin client"))
    );
    json_token(&client, &restarted.base, &admin_id, &admin_secret).await;
    assert!(restarted.terminate());
}
