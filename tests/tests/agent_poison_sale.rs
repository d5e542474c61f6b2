//! A sale the hub can never store (a NUL character in its receipt number) does not stop a
//! terminal's queue: the hub rejects that sale alone, the agent moves its file to
//! `Out/rejected/` with the reason beside it, and the sales queued with it reach the hub. The
//! agent's heartbeat shows head office the rejected file, the backlog and its age, and its
//! warning reaches head office's log view.

use hubshake_tests::{
    admin::id_of,
    hub_process::with_hub_and_admin,
    terminal_agent::{LocalStore, TerminalAgent},
};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_poisoned_sale_is_set_aside_and_the_queue_keeps_flowing() {
    with_hub_and_admin(|base, admin| {
        let branch = admin.branch("MNL-01");
        let staff = id_of(&admin.post(
            "/api/v1/staff",
            json!({ "code": "ANA", "name": "Ana", "role": "cashier", "pin": "1234", "branch_ids": [branch] }),
        ));
        let cash = id_of(&admin.post(
            "/api/v1/payment-methods",
            json!({ "code": "CASH", "name": "Cash", "kind": "cash" }),
        ));
        let item = id_of(&admin.post(
            "/api/v1/items",
            json!({ "sku": "LAT-01", "name": "Latte", "base_price": "10" }),
        ));
        let (client_id, secret) = admin.terminal(&branch, "Till 1");
        let agent = TerminalAgent::new(base, &client_id, &secret, &LocalStore::Sqlite);
        agent.sync_once();

        for _ in 0..3 {
            agent.sell("sale", &[(&item, "1")]);
        }
        // The oldest file of the queue, as a POS that wrote a bad receipt number would leave it.
        let poisoned = json!({
            "id": uuid::Uuid::new_v4(), "receipt_number": "x\u{0}y", "kind": "sale",
            "status": "settled", "local_time": "2026-11-23T14:05:00+08:00",
            "business_date": "2026-11-23", "staff_user_id": staff,
            "lines": [{ "item_id": item, "quantity": "1", "unit_price": "10", "line_total": "10" }],
            "payments": [{ "payment_method_id": cash, "amount": "10" }],
            "totals": { "subtotal": "10", "discount": "0", "tax": "0", "total": "10" },
        });
        let out = agent.dir.path().join("Out");
        std::fs::create_dir_all(&out).unwrap();
        let name = format!("0000000000001-{}-r00001.out", poisoned["id"].as_str().unwrap());
        std::fs::write(out.join(&name), poisoned.to_string()).unwrap();

        agent.sync_once();
        let status = agent.status();
        assert_eq!(status["queued_files"], 0, "{status}");
        assert_eq!(status["rejected_files"], 1, "{status}");
        let reason =
            std::fs::read_to_string(out.join("rejected").join(format!("{name}.reason"))).unwrap();
        assert!(reason.contains("receipt_number"), "{reason}");
        assert_eq!(admin.transaction_count(&branch), 3, "the good sales arrived");
        // The agent's warning about it reached head office's log view in the same cycle.
        let logs = admin.get("/api/v1/device-logs?level=warn");
        let warning = &logs["items"][0];
        assert_eq!(warning["terminal_name"], "Till 1", "{logs}");
        assert_eq!(warning["component"], "hubshake_agent::cycle", "{logs}");
        assert!(
            warning["message"].as_str().unwrap().contains("the hub will not take a transaction"),
            "{logs}"
        );

        // The next sale flows as usual.
        agent.sell("sale", &[(&item, "1")]);
        agent.sync_once();
        assert_eq!(admin.transaction_count(&branch), 4);
        let status = agent.status();
        assert_eq!(status["rejected_files"], 1);

        // Head office sees all of it in the fleet view, from the agent's heartbeat.
        let fleet = admin.get("/api/v1/terminals");
        let till = &fleet["items"][0];
        assert_eq!(fleet["total"], 1, "{fleet}");
        assert_eq!(till["agent_version"], env!("CARGO_PKG_VERSION"), "{till}");
        assert_eq!(till["rejected_count"], 1, "{till}");
        assert_eq!(till["queued_backlog"], 0);
        assert_eq!(till["backlog_age_secs"], serde_json::Value::Null);
        assert_eq!(till["master"]["cursor"], status["master_cursor"]);
        assert_eq!(till["stock"]["cursor"], status["stock_cursor"]);
        assert_eq!(till["behind"], false, "{till}");
        assert!(till["clock_skew_ms"].as_i64().unwrap().abs() < 60_000, "{till}");

        // A void whose sale has not reached the hub stays queued: the backlog and its age show.
        let ten_minutes_ago = chrono::Utc::now().timestamp_millis() - 600_000;
        let void = json!({
            "id": uuid::Uuid::new_v4(), "receipt_number": "V-1", "kind": "void",
            "voids": uuid::Uuid::new_v4(), "status": "settled",
            "local_time": "2026-11-23T14:06:00+08:00", "business_date": "2026-11-23",
            "staff_user_id": staff,
        });
        let name = format!("{ten_minutes_ago:013}-{}-r00001.out", void["id"].as_str().unwrap());
        std::fs::write(out.join(name), void.to_string()).unwrap();
        agent.sync_once();
        assert_eq!(agent.status()["queued_files"], 1, "the void is kept");
        let till = &admin.get("/api/v1/terminals")["items"][0];
        assert_eq!(till["queued_backlog"], 1, "{till}");
        let age = till["backlog_age_secs"].as_i64().unwrap();
        assert!((600..660).contains(&age), "queued ten minutes ago: {age}");
    })
    .await;
}
