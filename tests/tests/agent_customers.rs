//! Customers made at a till: recorded offline by the agent, sent in its cycle, received by
//! another branch's till; an edit made on a version the hub has moved past is set aside with
//! the hub's record, and the merged edit goes through.

use hubshake_tests::{
    hub_process::with_hub_and_admin,
    terminal_agent::{LocalStore, TerminalAgent},
};
use serde_json::json;

fn record_customer(agent: &TerminalAgent, args: &[&str]) -> String {
    let mut all = vec!["customer"];
    all.extend_from_slice(args);
    let output = agent.run(&all);
    assert!(
        output.status.success(),
        "customer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_made_offline_reaches_another_branch_and_a_stale_edit_is_set_aside() {
    with_hub_and_admin(|base, admin| {
        let north = admin.branch("N");
        let south = admin.branch("S");
        let (north_id, north_secret) = admin.terminal(&north, "Till N");
        let (south_id, south_secret) = admin.terminal(&south, "Till S");
        let maker = TerminalAgent::new(base, &north_id, &north_secret, &LocalStore::Sqlite);
        let other = TerminalAgent::new(base, &south_id, &south_secret, &LocalStore::Sqlite);

        // Made before the till ever reached the hub.
        let id = record_customer(&maker, &["--code", "C-1", "--name", "Maria Santos"]);
        assert_eq!(maker.status()["pending_customers"], 1);
        maker.sync_once();
        let stored = admin.get(&format!("/api/v1/customers/{id}"));
        assert_eq!(
            (stored["name"].as_str(), stored["version"].as_i64()),
            (Some("Maria Santos"), Some(1))
        );
        assert_eq!(maker.status()["pending_customers"], 0);

        other.sync_once();
        assert_eq!(
            other.dump()["objects"]["customer"][&id]["name"],
            "Maria Santos"
        );

        // Head office renames her; the other till, not yet told, edits the version it saw.
        admin.put(
            &format!("/api/v1/customers/{id}"),
            json!({ "code": "C-1", "name": "Maria S. Santos" }),
        );
        record_customer(
            &other,
            &["--id", &id, "--code", "C-1", "--name", "Maria Cruz"],
        );
        other.sync_once();
        assert_eq!(other.status()["customer_conflicts"], 1);
        let local = &other.dump()["objects"]["customer"][&id];
        assert_eq!(
            (local["name"].as_str(), local["version"].as_i64()),
            (Some("Maria S. Santos"), Some(2))
        );
        assert_eq!(
            admin.get(&format!("/api/v1/customers/{id}"))["name"],
            "Maria S. Santos"
        );

        // Merged on the hub's version, the edit goes through and reaches the first till.
        record_customer(
            &other,
            &["--id", &id, "--code", "C-1", "--name", "Maria Santos-Cruz"],
        );
        other.sync_once();
        let stored = admin.get(&format!("/api/v1/customers/{id}"));
        assert_eq!(
            (stored["name"].as_str(), stored["version"].as_i64()),
            (Some("Maria Santos-Cruz"), Some(3))
        );
        maker.sync_once();
        assert_eq!(
            maker.dump()["objects"]["customer"][&id]["name"],
            "Maria Santos-Cruz"
        );
    })
    .await;
}
