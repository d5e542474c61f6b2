//! The agent numbers its receipts in one series, and a terminal installed afresh (a new folder,
//! the same credentials, its new device bound by an admin) continues the numbering the hub holds of it: head office sees no gap
//! and no receipt used twice.

use hubshake_tests::{
    admin::id_of,
    hub_process::with_hub_and_admin,
    terminal_agent::{LocalStore, TerminalAgent},
};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_reinstalled_terminal_continues_its_receipt_numbers() {
    with_hub_and_admin(|base, admin| {
        let branch = admin.branch("MNL-01");
        admin.post(
            "/api/v1/staff",
            json!({ "code": "ANA", "name": "Ana", "role": "cashier", "pin": "1234", "branch_ids": [branch] }),
        );
        admin.post(
            "/api/v1/payment-methods",
            json!({ "code": "CASH", "name": "Cash", "kind": "cash" }),
        );
        let item = id_of(&admin.post(
            "/api/v1/items",
            json!({ "sku": "LAT-01", "name": "Latte", "base_price": "10" }),
        ));
        let terminal = admin.register_terminal(&branch, json!({ "name": "Till 1" }));
        let terminal_id = terminal["terminal"]["id"].as_str().unwrap().to_string();
        let credentials = (
            terminal["client_id"].as_str().unwrap().to_string(),
            terminal["client_secret"].as_str().unwrap().to_string(),
        );
        let first_install =
            TerminalAgent::new(base, &credentials.0, &credentials.1, &LocalStore::Sqlite);
        first_install.sync_once();
        for _ in 0..2 {
            first_install.sell("sale", &[(&item, "1")]);
        }
        first_install.sync_once();

        // Installed afresh, the agent makes a new device id: an admin lets the terminal bind it.
        admin.post(
            &format!("/api/v1/terminals/{terminal_id}/reset-device"),
            json!({}),
        );
        let reinstalled =
            TerminalAgent::new(base, &credentials.0, &credentials.1, &LocalStore::Sqlite);
        reinstalled.sync_once();
        reinstalled.sell("sale", &[(&item, "1")]);
        reinstalled.sync_once();

        let sales = admin.get(&format!("/api/v1/transactions?terminal_id={terminal_id}"));
        let mut receipts: Vec<&str> = sales["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["receipt_number"].as_str().unwrap())
            .collect();
        receipts.sort();
        assert_eq!(receipts, ["R-000001", "R-000002", "R-000003"]);
        let numbering = admin.get(&format!("/api/v1/terminals/{terminal_id}/receipt-numbers"));
        let series = &numbering["series"][0];
        assert_eq!(series["last_receipt_number"], "R-000003", "{numbering}");
        assert_eq!((series["missing_count"].as_u64(), series["duplicate_count"].as_u64()), (Some(0), Some(0)));
    })
    .await;
}
