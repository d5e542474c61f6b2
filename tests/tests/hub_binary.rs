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

async fn token_status(
    client: &reqwest::Client,
    base: &str,
    client_id: &str,
    secret: &str,
) -> StatusCode {
    client
        .post(format!("{base}/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
}

/// A changed admin secret in the settings is not ignored without a word, and a lost secret is
/// replaced from the machine with `hubshake admin reset-secret`.
#[tokio::test]
async fn a_changed_admin_secret_is_warned_about_and_a_lost_one_is_reset_from_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let database = server_database().await;
    let client = reqwest::Client::new();
    let first =
        HubProcess::start_with_admin(dir.path(), database.as_ref(), ("ops", "first-secret"), &[]);
    assert_eq!(
        token_status(&client, &first.base, "ops", "first-secret").await,
        StatusCode::OK
    );
    assert!(first.terminate());

    let mut changed =
        HubProcess::start_with_admin(dir.path(), database.as_ref(), ("ops", "second-secret"), &[]);
    let warning = changed.wait_for_line("HUBSHAKE_ADMIN_CLIENT_SECRET is not the stored secret");
    assert!(
        warning.contains("WARN") && warning.contains("reset-secret"),
        "{warning}"
    );
    assert_eq!(
        token_status(&client, &changed.base, "ops", "second-secret").await,
        StatusCode::UNAUTHORIZED,
        "the stored secret stays in force"
    );

    let mut reset = std::process::Command::new(hubshake_tests::workspace_binary("hubshake"));
    reset
        .current_dir(dir.path())
        .env_clear()
        .env("HUBSHAKE_ADMIN_CLIENT_ID", "ops")
        .args(["admin", "reset-secret"]);
    if let Some(db) = &database {
        reset.env("HUBSHAKE_DATABASE_URL", &db.url);
    }
    let output = reset.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let new_secret = String::from_utf8(output.stdout).unwrap();
    let new_secret = new_secret.trim();
    assert!(
        new_secret.len() >= 32 && !new_secret.contains(char::is_whitespace),
        "only the secret is printed: {new_secret:?}"
    );
    assert_eq!(
        token_status(&client, &changed.base, "ops", new_secret).await,
        StatusCode::OK
    );
    assert_eq!(
        token_status(&client, &changed.base, "ops", "first-secret").await,
        StatusCode::UNAUTHORIZED,
        "the old secret stops working"
    );

    let unknown = std::process::Command::new(hubshake_tests::workspace_binary("hubshake"))
        .current_dir(dir.path())
        .env_clear()
        .envs(
            database
                .iter()
                .map(|db| ("HUBSHAKE_DATABASE_URL", db.url.as_str())),
        )
        .args(["admin", "reset-secret", "--client-id", "nobody"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no admin client nobody"));
}

/// With `log_format = "json"` every line is one JSON object, and a line logged for a request
/// carries that request's id.
#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let database = server_database().await;
    let mut hub = HubProcess::start_with_admin(
        dir.path(),
        database.as_ref(),
        ("ops", "a-secret"),
        &[("HUBSHAKE_LOG_FORMAT", "json")],
    );
    let client = reqwest::Client::new();
    let answer = client
        .get(format!("{}/api/v1/branches", hub.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    let request_line = hub.wait_for_line("/api/v1/branches");
    let line: Value = serde_json::from_str(&request_line).unwrap();
    let request_span = &line["spans"][0];
    assert_eq!(request_span["http.target"], "/api/v1/branches", "{line}");
    assert!(
        uuid::Uuid::parse_str(request_span["request_id"].as_str().unwrap()).is_ok(),
        "{line}"
    );
    for line in hub.drain_log() {
        assert!(serde_json::from_str::<Value>(line).is_ok(), "{line}");
    }
    assert!(hub.terminate());
}
