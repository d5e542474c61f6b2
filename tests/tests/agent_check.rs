//! `hubshake-agent check` against a real hub: the terminal logs in with the credentials of its
//! seed-format settings.ini and its heartbeat reaches the admin's view.

use std::{path::Path, process::Command};

use hubshake_tests::{hub_process::HubProcess, server_database, workspace_binary};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ADMIN_ID: &str = "e2e-admin";
const ADMIN_SECRET: &str = "e2e-admin-secret";

fn write_settings(path: &Path, host: &str, client_id: &str, client_secret: &str) {
    let settings = format!(
        "[cn-local]\nhost=localhost\nport=3306\nuser=root\npw=MjFwb3NpbmNiaWJpemE0MDEyMDA2\ndb=my_database\nflag=DefaultCommandTimeout=0;ConvertZeroDatetime=True;\n\n\
         [pos-config]\nlast_in_synced_inventory_update_date_time=1990-01-01T 00:00:00.0000Z\nlast_out_synced_date=1990-01-01 00:00:00\npos_type=retail\n\n\
         [api-auth]\nheader-content_type=application/json\nbody-grant_type=client_credentials\nbody-client_id={client_id}\nbody-client_secret={client_secret}\nhost={host}\nread_write_timeout=30000\n"
    );
    std::fs::write(path, settings).unwrap();
}

fn run_agent(settings: &Path) -> std::process::Output {
    Command::new(workspace_binary("hubshake-agent"))
        .args(["--settings", settings.to_str().unwrap(), "check"])
        .output()
        .expect("the agent runs")
}

async fn admin_call(request: reqwest::RequestBuilder, token: &str) -> Value {
    let answer = request.bearer_auth(token).send().await.unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    answer.json().await.unwrap()
}

#[tokio::test]
async fn agent_logs_in_from_seed_settings_and_its_heartbeat_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let database = server_database().await;
    let hub =
        HubProcess::start_with_admin(dir.path(), database.as_ref(), (ADMIN_ID, ADMIN_SECRET), &[]);
    let client = reqwest::Client::new();

    let token_answer = client
        .post(format!("{}/oauth/token", hub.base))
        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token_answer.status(), StatusCode::OK);
    let admin = token_answer.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let branch = admin_call(
        client
            .post(format!("{}/api/v1/branches", hub.base))
            .json(&json!({ "code": "B1", "name": "One", "pos_type": "retail" })),
        &admin,
    )
    .await;
    let terminal = admin_call(
        client
            .post(format!(
                "{}/api/v1/branches/{}/terminals",
                hub.base,
                branch["id"].as_str().unwrap()
            ))
            .json(&json!({ "name": "Till 1" })),
        &admin,
    )
    .await;

    let settings = dir.path().join("settings.ini");
    write_settings(
        &settings,
        &hub.base,
        terminal["client_id"].as_str().unwrap(),
        terminal["client_secret"].as_str().unwrap(),
    );
    let output = run_agent(&settings);
    assert!(
        output.status.success(),
        "agent failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("connected to"));

    let seen = admin_call(
        client.get(format!(
            "{}/api/v1/terminals/{}",
            hub.base,
            terminal["terminal"]["id"].as_str().unwrap()
        )),
        &admin,
    )
    .await;
    assert_eq!(seen["agent_version"], env!("CARGO_PKG_VERSION"));
    assert!(seen["last_seen_at"].is_string());

    write_settings(
        &settings,
        &hub.base,
        terminal["client_id"].as_str().unwrap(),
        "wrong-secret",
    );
    let refused = run_agent(&settings);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("refused the credentials"), "{message}");
}
