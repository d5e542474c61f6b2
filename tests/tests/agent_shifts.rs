//! A shift kept offline at the till: opened with a float, two cash sales, a paid-out, closed
//! with a count that is short; the next cycle sends the sales, then the shift's steps in order,
//! and head office reads the exact expected amount and difference. Sent again, nothing doubles.

use hubshake_tests::{
    admin::id_of,
    hub_process::with_hub_and_admin,
    terminal_agent::{LocalStore, TerminalAgent},
};
use serde_json::json;

fn shift_step(agent: &TerminalAgent, args: &[&str]) -> String {
    let mut all = vec!["shift"];
    all.extend_from_slice(args);
    let output = agent.run(&all);
    assert!(
        output.status.success(),
        "shift {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offline_shift_arrives_after_its_sales_and_balances_exactly() {
    with_hub_and_admin(|base, admin| {
        let branch = admin.branch("MNL-01");
        admin.post(
            "/api/v1/staff",
            json!({ "code": "ANA", "name": "Ana", "role": "cashier", "pin": "1234", "branch_ids": [branch] }),
        );
        let cash = id_of(&admin.post(
            "/api/v1/payment-methods",
            json!({ "code": "CASH", "name": "Cash", "kind": "cash" }),
        ));
        let item = id_of(&admin.post(
            "/api/v1/items",
            json!({ "sku": "LAT-01", "name": "Latte", "base_price": "115" }),
        ));
        let (client_id, secret) = admin.terminal(&branch, "Till 1");
        let agent = TerminalAgent::new(base, &client_id, &secret, &LocalStore::Sqlite);
        agent.sync_once();

        // Offline from here to the close.
        let shift = shift_step(&agent, &["open", "--float", "2000"]);
        agent.sell("sale", &[(&item, "2")]);
        agent.sell("sale", &[(&item, "1")]);
        shift_step(&agent, &["paid-out", "--amount", "150", "--reason", "ice delivery"]);
        // Expected cash: 2000 + 230 + 115 − 150 = 2195; counted 2190: short 5.
        shift_step(&agent, &["close", "--counted", &format!("{cash}=2190")]);
        agent.sync_once();
        agent.sync_once();

        let report = admin.get(&format!("/api/v1/shifts/{shift}"));
        assert_eq!(report["state"], "closed", "{report}");
        assert_eq!(report["transactions"], 2, "{report}");
        let tender = &report["tenders"][0];
        assert_eq!(
            (tender["expected"].as_str(), tender["counted"].as_str(), tender["difference"].as_str()),
            (Some("2195"), Some("2190"), Some("-5")),
            "{report}"
        );
        assert_eq!(report["movements"].as_array().unwrap().len(), 1);
        assert_eq!(admin.get("/api/v1/shifts")["total"], 1);
    })
    .await;
}
