//! The fleet view: every terminal with what its heartbeats say, and the filters head office uses
//! to find the ones that need attention.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{
    TestApp,
    sales::{Chain, Till},
};

/// The fleet as `query` filters it: the terminal ids, in the order listed.
async fn fleet(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let answer = app.get(&format!("/api/v1/terminals?{query}"), token).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

async fn health(app: &TestApp, token: &str, till: &Till) -> Value {
    let answer = app.get("/api/v1/terminals?limit=500", token).await;
    answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == till.terminal_id.as_str())
        .cloned()
        .unwrap()
}

/// The head of a feed and how many changes a pull from 0 delivers, as the terminal reads it.
async fn feed(app: &TestApp, till: &Till, feed: &str) -> (i64, u64) {
    let page = app
        .get(
            &format!("/api/v1/sync/{feed}?cursor=0&limit=5000"),
            &till.token,
        )
        .await;
    let rows = if feed == "master" {
        "changes"
    } else {
        "levels"
    };
    (
        page.body["next_cursor"].as_i64().unwrap(),
        page.body[rows].as_array().unwrap().len() as u64,
    )
}

async fn beat(app: &TestApp, till: &Till, report: Value) {
    let answer = app
        .post("/api/v1/sync/heartbeat", &till.token, report)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn a_terminal_that_stopped_syncing_shows_as_behind_with_its_lag_backlog_and_rejects() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let started = Utc::now();
    let branch_a = chain.branch("A", "retail").await;
    let branch_b = chain.branch("B", "retail").await;
    let item = chain.item("RICE", "55").await;
    chain.receive(&branch_a, &item, "10").await;
    let current = chain.till(&branch_a, "Till 1").await;
    let stopped = chain.till(&branch_a, "Till 2").await;
    let never_seen = chain.till(&branch_b, "Till 3").await;

    let (master_head, _) = feed(app, &current, "master").await;
    let (stock_head, _) = feed(app, &current, "stock").await;
    let clock = Utc::now() - Duration::seconds(5);
    beat(
        app,
        &current,
        json!({ "device_id": "SN-1", "agent_version": "1.2.3", "master_cursor": master_head,
                "stock_cursor": stock_head, "clock": clock, "queued_backlog": 0, "rejected_files": 0 }),
    )
    .await;
    beat(
        app,
        &stopped,
        json!({ "master_cursor": 0, "stock_cursor": 0, "queued_backlog": 3,
                "oldest_queued_age_secs": 120, "rejected_files": 2 }),
    )
    .await;

    let seen = health(app, &chain.admin, &current).await;
    assert_eq!(seen["branch_code"], "A");
    assert_eq!(seen["agent_version"], "1.2.3");
    assert_eq!(seen["device_id"], "SN-1");
    assert_eq!(seen["behind"], false, "{seen}");
    assert_eq!(
        seen["master"],
        json!({ "cursor": master_head, "head": master_head, "changes": 0, "seconds": 0 })
    );
    assert_eq!(seen["stock"]["changes"], 0);
    let skew = seen["clock_skew_ms"].as_i64().unwrap();
    assert!(
        (5_000..60_000).contains(&skew),
        "the terminal's clock is 5 s behind: {skew}"
    );

    let behind = health(app, &chain.admin, &stopped).await;
    let (_, master_changes) = feed(app, &stopped, "master").await;
    let (_, stock_levels) = feed(app, &stopped, "stock").await;
    assert_eq!(behind["behind"], true);
    assert_eq!(behind["master"]["cursor"], 0);
    assert_eq!(behind["master"]["head"], master_head);
    assert_eq!(behind["master"]["changes"], master_changes);
    assert_eq!(behind["stock"]["changes"], stock_levels);
    assert_eq!(stock_levels, 1, "one level changed at branch A");
    let waited = (Utc::now() - started).num_seconds() + 1;
    let lag_secs = behind["master"]["seconds"].as_i64().unwrap();
    assert!(
        (0..=waited).contains(&lag_secs),
        "{lag_secs} s since the first change"
    );
    assert_eq!(behind["queued_backlog"], 3);
    let backlog_age = behind["backlog_age_secs"].as_i64().unwrap();
    assert!((120..120 + waited).contains(&backlog_age), "{backlog_age}");
    assert_eq!(behind["rejected_count"], 2);

    let never = health(app, &chain.admin, &never_seen).await;
    assert_eq!(never["last_seen_at"], Value::Null);
    assert_eq!(never["master"]["cursor"], Value::Null);
    assert_eq!(
        never["behind"], true,
        "a never-seen terminal has the whole master feed to pull"
    );

    // Never-seen first, then the longest unseen.
    let ids =
        |tills: &[&Till]| -> Vec<String> { tills.iter().map(|t| t.terminal_id.clone()).collect() };
    assert_eq!(
        fleet(app, &chain.admin, "").await,
        ids(&[&never_seen, &current, &stopped])
    );
    assert_eq!(
        fleet(app, &chain.admin, "behind=true").await,
        ids(&[&never_seen, &stopped])
    );
    assert_eq!(
        fleet(app, &chain.admin, "behind=false").await,
        ids(&[&current])
    );
    assert_eq!(
        fleet(app, &chain.admin, "stale_for=1d").await,
        ids(&[&never_seen])
    );
    assert_eq!(fleet(app, &chain.admin, "stale_for=0s").await.len(), 3);
    // Longer ago than any date: only the never-seen one.
    assert_eq!(
        fleet(app, &chain.admin, "stale_for=999999999d").await,
        ids(&[&never_seen])
    );
    assert_eq!(
        fleet(app, &chain.admin, "backlog_min=3").await,
        ids(&[&stopped])
    );
    assert_eq!(
        fleet(app, &chain.admin, "rejected=true").await,
        ids(&[&stopped])
    );
    assert_eq!(
        fleet(app, &chain.admin, "rejected=false").await,
        ids(&[&never_seen, &current])
    );
    assert_eq!(
        fleet(
            app,
            &chain.admin,
            &format!("branch_id={branch_a}&behind=true")
        )
        .await,
        ids(&[&stopped])
    );

    // A new change puts the up-to-date terminal one change behind.
    chain.item("BEANS", "12").await;
    let now_behind = health(app, &chain.admin, &current).await;
    assert_eq!(now_behind["behind"], true);
    assert_eq!(now_behind["master"]["changes"], 1);
    assert_eq!(now_behind["master"]["head"], master_head + 1);
    assert_eq!(
        fleet(app, &chain.admin, "behind=false").await,
        Vec::<String>::new()
    );

    // A deactivated terminal is found as such.
    let off = app
        .post(
            &format!("/api/v1/terminals/{}/deactivate", never_seen.terminal_id),
            &chain.admin,
            json!({}),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(
        fleet(app, &chain.admin, "inactive=true").await,
        ids(&[&never_seen])
    );
    assert_eq!(fleet(app, &chain.admin, "inactive=false").await.len(), 2);

    // Nothing queued, nothing old.
    beat(app, &stopped, json!({ "queued_backlog": 0 })).await;
    assert_eq!(
        health(app, &chain.admin, &stopped).await["backlog_age_secs"],
        Value::Null
    );
}

#[tokio::test]
async fn fleet_filters_and_heartbeat_reports_are_checked() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let branch = chain.branch("A", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    for (query, field) in [
        ("stale_for=15x", "stale_for"),
        ("stale_for=m", "stale_for"),
        ("backlog_min=-1", "backlog_min"),
        ("behind=maybe", "behind"),
    ] {
        let answer = app
            .get(&format!("/api/v1/terminals?{query}"), &chain.admin)
            .await;
        answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
        assert_eq!(answer.error_fields(), [field], "{query}");
    }
    let bad = app
        .post(
            "/api/v1/sync/heartbeat",
            &till.token,
            json!({ "master_cursor": -1, "oldest_queued_age_secs": -5, "rejected_files": -1, "clock": "noon" }),
        )
        .await;
    bad.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    // The terminal's own view is not head office's.
    app.get("/api/v1/terminals", &till.token)
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
}
