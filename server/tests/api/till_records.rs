//! What else a till sends besides its sales: its receipt numbering (read back after a
//! reinstall, its gaps and duplicates listed) and its log lines.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{
    sales::{Chain, Till, transaction},
    spawn_app_with,
};

async fn sell_with_receipt(chain: &Chain, till: &Till, staff: &str, item: &str, receipt: &str) {
    let mut sale = transaction("sale", staff, &chain.cash, &[(item, "1", "10")]);
    sale["receipt_number"] = json!(receipt);
    let result = chain.post_one(till, &sale).await;
    assert_eq!(result["result"], "accepted", "{result}");
}

#[tokio::test]
async fn a_till_reads_back_its_receipt_counters_and_admins_see_gaps_and_duplicates() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let till = chain.till(&north, "Till 1").await;
    let staff = chain.cashier("ANA", &[&north]).await;
    let rice = chain.item("RICE", "10").await;
    for receipt in [
        "R-000001", "R-000002", "R-000005", "R-000005", "R-000009", "X-7",
    ] {
        sell_with_receipt(&chain, &till, &staff, &rice, receipt).await;
    }

    let counters = chain
        .app
        .get("/api/v1/sync/receipt-counters", &till.token)
        .await;
    assert_eq!(counters.status, StatusCode::OK, "{}", counters.body);
    assert_eq!(
        counters.body["counters"],
        json!([
            { "series": "R-", "last_number": 9, "last_receipt_number": "R-000009" },
            { "series": "X-", "last_number": 7, "last_receipt_number": "X-7" },
        ])
    );
    // Another till of the branch has its own numbering.
    let other = chain.till(&north, "Till 2").await;
    let none = chain
        .app
        .get("/api/v1/sync/receipt-counters", &other.token)
        .await;
    assert_eq!(none.body["counters"], json!([]));

    let numbering = chain
        .app
        .get(
            &format!("/api/v1/terminals/{}/receipt-numbers", till.terminal_id),
            &chain.admin,
        )
        .await;
    assert_eq!(numbering.status, StatusCode::OK, "{}", numbering.body);
    assert_eq!(numbering.body["terminal_name"], "Till 1");
    let series = &numbering.body["series"][0];
    assert_eq!(series["series"], "R-");
    assert_eq!(
        (
            series["first_number"].as_u64(),
            series["last_number"].as_u64()
        ),
        (Some(1), Some(9))
    );
    assert_eq!(series["transactions"], 5);
    assert_eq!(
        series["missing"],
        json!([{ "from": 3, "to": 4 }, { "from": 6, "to": 8 }])
    );
    assert_eq!(series["missing_count"], 5);
    assert_eq!(series["duplicate_count"], 1);
    assert_eq!(series["duplicates"][0]["receipt_number"], "R-000005");
    assert_eq!(
        series["duplicates"][0]["transaction_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // A terminal may not read the admins' view, even of itself.
    chain
        .app
        .get(
            &format!("/api/v1/terminals/{}/receipt-numbers", till.terminal_id),
            &till.token,
        )
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}

fn line(level: &str, at: chrono::DateTime<Utc>, message: &str) -> Value {
    json!({ "level": level, "at": at, "component": "sync", "message": message })
}

#[tokio::test]
async fn log_uploads_are_bounded_kept_for_the_retention_and_filtered_for_admins() {
    let app = spawn_app_with(|settings| {
        settings.device_log_lines_per_day = 5;
        settings.device_log_retention_days = 7;
    })
    .await;
    let chain = Chain::with(app).await;
    let north = chain.branch("N", "retail").await;
    let south = chain.branch("S", "retail").await;
    let till = chain.till(&north, "Till N").await;
    let other = chain.till(&south, "Till S").await;
    let now = Utc::now();
    let upload = |token: String, lines: Vec<Value>| {
        let app = &chain.app;
        async move {
            app.post("/api/v1/sync/logs", &token, json!({ "lines": lines }))
                .await
        }
    };

    // Too many lines, a message too long, a body over the limit, a clock a week ahead.
    let many = (0..501)
        .map(|n| line("info", now, &format!("line {n}")))
        .collect();
    let refused = upload(till.token.clone(), many).await;
    assert_eq!(refused.error_fields(), ["lines"], "{}", refused.body);
    let long = upload(
        till.token.clone(),
        vec![line("info", now, &"x".repeat(4001))],
    )
    .await;
    assert_eq!(long.error_fields(), ["lines[0].message"], "{}", long.body);
    let huge = (0..500)
        .map(|_| line("info", now, &"x".repeat(3000)))
        .collect();
    upload(till.token.clone(), huge)
        .await
        .assert_problem_type(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large");
    let ahead = upload(
        till.token.clone(),
        vec![line("info", now + Duration::days(7), "later")],
    )
    .await;
    assert_eq!(ahead.error_fields(), ["lines[0].at"], "{}", ahead.body);

    // A line older than the retention is not kept; the others are, up to five a day.
    let first = upload(
        till.token.clone(),
        vec![
            line("error", now - Duration::days(10), "long ago"),
            line("warn", now - Duration::days(2), "disk almost full"),
            line("info", now - Duration::minutes(5), "synced"),
        ],
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body, json!({ "accepted": 2, "expired": 1 }));
    let three = (0..3)
        .map(|n| line("debug", now, &format!("tick {n}")))
        .collect();
    assert_eq!(
        upload(till.token.clone(), three).await.status,
        StatusCode::OK
    );
    let over = upload(till.token.clone(), vec![line("error", now, "one more")]).await;
    assert_eq!(over.error_fields(), ["lines"], "{}", over.body);
    // The limit is the terminal's own.
    let elsewhere = upload(
        other.token.clone(),
        vec![line("error", now, "printer jammed")],
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.body);

    let read = |query: String| {
        let app = &chain.app;
        let admin = chain.admin.clone();
        async move {
            let answer = app
                .get(&format!("/api/v1/device-logs?{query}"), &admin)
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            answer.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["terminal_name"].as_str().unwrap().to_string(),
                        l["message"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        read("level=warn".into()).await,
        [
            ("Till S".to_string(), "printer jammed".to_string()),
            ("Till N".into(), "disk almost full".into())
        ]
    );
    assert_eq!(
        read(format!("terminal_id={}", till.terminal_id))
            .await
            .len(),
        5
    );
    assert_eq!(read(format!("branch_id={south}")).await.len(), 1);
    let since = (now - Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let recent = read(format!(
        "terminal_id={}&from={}",
        till.terminal_id,
        since.replace('+', "%2B")
    ))
    .await;
    assert_eq!(recent.len(), 4, "{recent:?}");
    // Terminals do not read logs.
    chain
        .app
        .get("/api/v1/device-logs", &till.token)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_customer_made_at_one_till_reaches_the_others_and_a_stale_edit_is_refused() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let south = chain.branch("S", "retail").await;
    let maker = chain.till(&north, "Till N").await;
    let elsewhere = chain.till(&south, "Till S").await;
    let id = uuid::Uuid::new_v4().to_string();
    let made =
        json!({ "id": id, "code": "C-100", "name": "Maria Santos", "phone": "+63 917 000 0000" });

    let created = chain
        .app
        .post("/api/v1/sync/customers", &maker.token, made.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        (
            created.body["id"].as_str(),
            created.body["version"].as_i64()
        ),
        (Some(id.as_str()), Some(1))
    );
    // Sent again (the till did not hear the answer): made once.
    let again = chain
        .app
        .post("/api/v1/sync/customers", &maker.token, made)
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let listed = chain
        .app
        .get("/api/v1/customers?q=C-100", &chain.admin)
        .await;
    assert_eq!(listed.body["total"], 1, "{}", listed.body);

    // Another branch's till receives it through the master feed.
    let mut store = crate::common::TerminalStore::default();
    store.sync(&chain.app, &elsewhere.token, 500).await;
    let seen = store
        .get("customer", &id)
        .expect("the customer reached the other branch");
    assert_eq!(
        (seen["name"].as_str(), seen["version"].as_i64()),
        (Some("Maria Santos"), Some(1))
    );

    // Head office changes it; an edit made on version 1 is refused with the customer as it is now.
    let renamed = chain
        .app
        .put(
            &format!("/api/v1/customers/{id}"),
            &chain.admin,
            json!({ "code": "C-100", "name": "Maria S. Santos", "loyalty_points": "40" }),
        )
        .await;
    assert_eq!(renamed.body["version"], 2, "{}", renamed.body);
    let edit = |version: i64| json!({ "version": version, "code": "C-100", "name": "Maria Santos-Cruz", "email": "maria@example.com" });
    let path = format!("/api/v1/sync/customers/{id}");
    let stale = chain.app.put(&path, &elsewhere.token, edit(1)).await;
    stale.assert_problem_type(StatusCode::CONFLICT, "stale-version");
    assert_eq!(
        stale.body["current"]["name"], "Maria S. Santos",
        "{}",
        stale.body
    );
    assert_eq!(stale.body["current"]["version"], 2);
    // Merged on the current version, it is taken; sent again, nothing changes twice.
    for _ in 0..2 {
        let merged = chain.app.put(&path, &elsewhere.token, edit(2)).await;
        assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
        assert_eq!(merged.body["version"], 3);
        assert_eq!(merged.body["email"], "maria@example.com");
        assert_eq!(
            merged.body["loyalty_points"], "40",
            "the hub keeps the points"
        );
    }
    let mut fresh = crate::common::TerminalStore::default();
    fresh.sync(&chain.app, &maker.token, 500).await;
    assert_eq!(
        fresh.get("customer", &id).unwrap()["name"],
        "Maria Santos-Cruz"
    );
    // Another customer under a taken id is refused.
    let clash = chain
        .app
        .post(
            "/api/v1/sync/customers",
            &maker.token,
            json!({ "id": id, "code": "C-101", "name": "Someone else" }),
        )
        .await;
    clash.assert_problem_type(StatusCode::CONFLICT, "stale-version");
}
