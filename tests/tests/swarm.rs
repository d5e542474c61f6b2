//! `hubshake-agent swarm` against the real hub: terminals register, poll and sell; what the
//! swarm reports as sold is what the hub holds; `/healthz` and initial-sync modes report too.

use std::process::Command;

use hubshake_tests::{hub_process::HubProcess, server_database, workspace_binary};
use serde_json::{Value, json};

const ADMIN_ID: &str = "swarm-admin";
const ADMIN_SECRET: &str = "swarm-admin-secret";

fn swarm(base: &str, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let output = Command::new(workspace_binary("hubshake-agent"))
        .args(["swarm", "--hub", base, "--json", report.to_str().unwrap()])
        .args(args)
        .env("HUBSHAKE_ADMIN_CLIENT_ID", ADMIN_ID)
        .env("HUBSHAKE_ADMIN_CLIENT_SECRET", ADMIN_SECRET)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "swarm failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(!table.trim().is_empty());
    serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap()
}

#[tokio::test]
async fn a_swarm_sells_polls_and_reports_what_the_hub_holds() {
    let database = server_database().await;
    let dir = tempfile::tempdir().unwrap();
    let hub =
        HubProcess::start_with_admin(dir.path(), database.as_ref(), (ADMIN_ID, ADMIN_SECRET), &[]);
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{}/oauth/token", hub.base))
        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = token["access_token"].as_str().unwrap().to_string();
    let items: Vec<Value> = (0..12)
        .map(|n| json!({ "sku": format!("S-{n}"), "name": format!("Item {n}"), "base_price": "2.35" }))
        .collect();
    let imported = http
        .post(format!("{}/api/v1/items/import", hub.base))
        .bearer_auth(&admin)
        .json(&json!({ "items": items }))
        .send()
        .await
        .unwrap();
    assert!(imported.status().is_success());

    let pid = hub.pid().to_string();
    let base = hub.base.clone();
    let report = tokio::task::spawn_blocking(move || {
        swarm(
            &base,
            &[
                "--terminals",
                "4",
                "--branches",
                "2",
                "--duration-secs",
                "2",
                "--poll-interval-ms",
                "200",
                "--sales-per-sec",
                "0",
                "--batch",
                "5",
                "--lines",
                "3",
                "--hub-pid",
                &pid,
            ],
        )
    })
    .await
    .unwrap();
    let sold = report["transactions"].as_u64().unwrap();
    assert!(sold > 0, "{report}");
    let endpoints = report["endpoints"].as_array().unwrap();
    let posted = endpoints
        .iter()
        .find(|e| e["endpoint"] == "POST /sync/transactions")
        .expect("the swarm posted sales");
    assert!(posted["requests"].as_u64().unwrap() > 0);
    assert_eq!(posted["errors"], json!({}), "{report}");
    assert!(
        endpoints
            .iter()
            .any(|e| e["endpoint"] == "GET /sync/master")
    );
    assert!(report["hub_max_rss_mib"].as_f64().unwrap() > 1.0);

    let held: Value = http
        .get(format!("{}/api/v1/transactions?limit=1", hub.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        held["total"].as_u64().unwrap(),
        sold,
        "the swarm counts what the hub holds"
    );

    let base = hub.base.clone();
    let (healthz, initial) = tokio::task::spawn_blocking(move || {
        (
            swarm(
                &base,
                &[
                    "--mode",
                    "healthz",
                    "--terminals",
                    "2",
                    "--duration-secs",
                    "1",
                ],
            ),
            swarm(&base, &["--mode", "initial-sync"]),
        )
    })
    .await
    .unwrap();
    assert!(healthz["endpoints"][0]["requests"].as_u64().unwrap() > 0);
    assert!(initial["changes"].as_u64().unwrap() >= 12, "{initial}");
}
