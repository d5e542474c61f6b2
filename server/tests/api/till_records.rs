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

#[tokio::test]
async fn a_shift_close_shows_exact_expected_amounts_and_differences_once() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let till = chain.till(&north, "Till 1").await;
    let staff = chain.cashier("ANA", &[&north]).await;
    let rice = chain.item("RICE", "10").await;
    let shift_id = uuid::Uuid::new_v4().to_string();
    let opened = json!({ "id": shift_id, "staff_user_id": staff, "opened_at": "2026-11-23T06:00:00Z", "opening_float": "2000" });
    let open = chain
        .app
        .post("/api/v1/sync/shifts", &till.token, opened.clone())
        .await;
    assert_eq!(open.status, StatusCode::CREATED, "{}", open.body);
    assert_eq!(
        chain
            .app
            .post("/api/v1/sync/shifts", &till.token, opened)
            .await
            .status,
        StatusCode::OK
    );

    // In the shift (06:00 to 14:00 UTC): two cash sales (125.50 and 40), a card sale (300), a
    // cash refund (20), and a sale voided.
    let at = |time: &str| json!(format!("2026-11-23T{time}+08:00"));
    let mut sales = vec![
        transaction("sale", &staff, &chain.cash, &[(&rice, "1", "125.50")]),
        transaction("sale", &staff, &chain.cash, &[(&rice, "4", "10")]),
        transaction("sale", &staff, &chain.card, &[(&rice, "30", "10")]),
        transaction("return", &staff, &chain.cash, &[(&rice, "2", "10")]),
        transaction("sale", &staff, &chain.cash, &[(&rice, "1", "999")]),
    ];
    for (n, sale) in sales.iter_mut().enumerate() {
        sale["local_time"] = at(&format!("1{}:30:00", n + 5));
    }
    for result in chain.post(&till, &sales).await {
        assert_eq!(result["result"], "accepted", "{result}");
    }
    let mut void = crate::common::sales::void(&staff, &sales[4]["id"]);
    void["local_time"] = at("20:30:00");
    assert_eq!(chain.post_one(&till, &void).await["result"], "accepted");
    // A sale after the close is not the shift's.
    let mut later = transaction("sale", &staff, &chain.cash, &[(&rice, "1", "7")]);
    later["local_time"] = at("23:00:00");
    chain.post_one(&till, &later).await;

    let movements = format!("/api/v1/sync/shifts/{shift_id}/cash-movements");
    let paid_out = json!({ "id": uuid::Uuid::new_v4(), "kind": "paid_out", "amount": "150", "reason": "ice delivery", "at": "2026-11-23T09:00:00Z" });
    for _ in 0..2 {
        let answer = chain
            .app
            .post(&movements, &till.token, paid_out.clone())
            .await;
        assert!(answer.status.is_success(), "{}", answer.body);
    }
    // Counted: cash 1,990 (expected 2,000 + 125.50 + 40 − 20 − 150 = 1,995.50: short 5.50),
    // card 300 (as expected).
    let close = json!({ "closed_at": "2026-11-23T14:00:00Z", "counted": [
        { "payment_method_id": chain.cash, "amount": "1990" },
        { "payment_method_id": chain.card, "amount": "300" },
    ] });
    let path = format!("/api/v1/sync/shifts/{shift_id}/close");
    let mut reports = Vec::new();
    for _ in 0..3 {
        let closed = chain.app.post(&path, &till.token, close.clone()).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
        reports.push(closed.body);
    }
    assert!(
        reports.iter().all(|r| *r == reports[0]),
        "a close sent three times is recorded once"
    );
    let report = &reports[0];
    assert_eq!(report["state"], "closed");
    assert_eq!(report["transactions"], 4, "{report}");
    let tenders: Vec<(&str, &str, &str, &str)> = report["tenders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["payment_method_name"].as_str().unwrap(),
                t["expected"].as_str().unwrap(),
                t["counted"].as_str().unwrap(),
                t["difference"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tenders,
        [
            ("CARD", "300", "300", "0"),
            ("CASH", "1995.5", "1990", "-5.5")
        ]
    );
    assert_eq!(report["difference"], "-5.5");
    assert_eq!(report["movements"][0]["reason"], "ice delivery");
    // Another count for the closed shift is refused; the drawer takes no more movements.
    let recount = json!({ "closed_at": "2026-11-23T14:00:00Z", "counted": [{ "payment_method_id": chain.cash, "amount": "1995.5" }] });
    chain
        .app
        .post(&path, &till.token, recount)
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");
    let late = json!({ "id": uuid::Uuid::new_v4(), "kind": "paid_in", "amount": "5", "reason": "found", "at": "2026-11-23T15:00:00Z" });
    chain
        .app
        .post(&movements, &till.token, late)
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");

    // Admins list shifts with a discrepancy, and record the cash's bank deposit.
    let short = chain
        .app
        .get(
            &format!("/api/v1/shifts?branch_id={north}&discrepancy=true"),
            &chain.admin,
        )
        .await;
    assert_eq!(short.body["total"], 1, "{}", short.body);
    assert_eq!(short.body["items"][0]["staff_user_name"], "ANA");
    let deposit = chain
        .app
        .post(
            &format!("/api/v1/branches/{north}/deposits"),
            &chain.admin,
            json!({ "amount": "1990", "deposited_at": "2026-11-24T02:00:00Z", "reference": "SLIP-77", "shift_ids": [shift_id] }),
        )
        .await;
    assert_eq!(deposit.status, StatusCode::CREATED, "{}", deposit.body);
    assert_eq!(
        (
            deposit.body["expected"].as_str(),
            deposit.body["difference"].as_str()
        ),
        (Some("1990"), Some("0"))
    );
    let twice = chain
        .app
        .post(
            &format!("/api/v1/branches/{north}/deposits"),
            &chain.admin,
            json!({ "amount": "1990", "deposited_at": "2026-11-24T02:00:00Z", "shift_ids": [shift_id] }),
        )
        .await;
    twice.assert_problem_type(StatusCode::CONFLICT, "wrong-state");
    // Another branch's till does not see the shift.
    let south = chain.branch("S", "retail").await;
    let stranger = chain.till(&south, "Till S").await;
    chain
        .app
        .get(&format!("/api/v1/shifts/{shift_id}"), &stranger.token)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}
