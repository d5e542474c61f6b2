//! Outbound deliveries survive a hub killed mid-delivery (real binaries): with two hubs on one
//! database server, the other takes the subscription over once the dead one's lease runs out; on
//! SQLite the restarted hub does. Every event reaches the receiver, in order of first arrival,
//! and an event seen twice carries the same `webhook-id` both times.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use hubshake_tests::{
    admin::{ADMIN_ID, ADMIN_SECRET, Admin},
    hub_process::HubProcess,
    receiver::Receiver,
    server_database,
};
use serde_json::{Value, json};

/// What the hubs are started with: loopback receivers allowed, a short lease, quick retries.
const OUTBOUND: &[(&str, &str)] = &[
    ("HUBSHAKE_LOG", "warn,hubshake=info"),
    ("HUBSHAKE_OUTBOUND_ALLOW_HTTP", "true"),
    ("HUBSHAKE_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8"),
    ("HUBSHAKE_OUTBOUND_LEASE_SECS", "2"),
    ("HUBSHAKE_OUTBOUND_TIMEOUT_MS", "1000"),
    ("HUBSHAKE_OUTBOUND_RETRY_BASE_MS", "50"),
    ("HUBSHAKE_OUTBOUND_RETRY_MAX_MS", "500"),
    ("HUBSHAKE_OUTBOUND_POLL_INTERVAL_MS", "100"),
];

#[test]
fn a_hub_killed_mid_delivery_loses_no_event() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let receiver = runtime.block_on(Receiver::start());
    receiver.set(|s| s.delay = Duration::from_millis(300));
    let database = runtime.block_on(server_database());
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let start = |dir: &tempfile::TempDir| {
        HubProcess::start_with_admin(
            dir.path(),
            database.as_ref(),
            (ADMIN_ID, ADMIN_SECRET),
            OUTBOUND,
        )
    };

    let first = start(&dirs[0]);
    let admin = Admin::new(&first.base);
    admin.post(
        "/api/v1/subscriptions",
        json!({ "name": "ERP", "url": receiver.hook_url(), "event_types": ["customer.created"] }),
    );
    let mut codes = Vec::new();
    for n in 0..12 {
        let code = format!("C{n:02}");
        admin.post(
            "/api/v1/customers",
            json!({ "code": code, "name": format!("Customer {n}") }),
        );
        codes.push(code);
    }
    assert!(runtime.block_on(receiver.wait_until(Duration::from_secs(20), |s| s.posts >= 3)));
    // The third POST is in flight: the receiver is still answering it.
    first.kill();
    let killed = Instant::now();

    // Another hub on the server's database; on SQLite the same hub started again.
    let second = start(&dirs[if database.is_some() { 1 } else { 0 }]);
    let admin = Admin::new(&second.base);
    for n in 12..15 {
        let code = format!("C{n:02}");
        admin.post(
            "/api/v1/customers",
            json!({ "code": code, "name": format!("Customer {n}") }),
        );
        codes.push(code);
    }
    let distinct = |deliveries: &[hubshake_tests::receiver::Delivery]| {
        let mut ids: Vec<Value> = deliveries
            .iter()
            .flat_map(|d| d.events())
            .map(|e| e["id"].clone())
            .collect();
        ids.sort_by_key(|id| id.to_string());
        ids.dedup();
        ids.len()
    };
    assert!(
        runtime.block_on(
            receiver.wait_until(Duration::from_secs(60), |s| distinct(&s.deliveries) >= 15)
        ),
        "every event arrives after the kill: {} of 15",
        distinct(&receiver.deliveries())
    );
    println!(
        "all 15 events at the receiver {:?} after the kill ({} POSTs, {} taken)",
        killed.elapsed(),
        receiver.read(|s| s.posts),
        receiver.deliveries().len()
    );

    let mut first_arrivals = Vec::new();
    let mut webhook_ids: HashMap<String, String> = HashMap::new();
    for delivery in receiver.deliveries() {
        for event in delivery.events() {
            let event_id = event["id"].as_str().unwrap().to_string();
            match webhook_ids.get(&event_id) {
                Some(seen) => assert_eq!(
                    seen, &delivery.webhook_id,
                    "a redelivery of {event_id} has the webhook-id it had"
                ),
                None => {
                    webhook_ids.insert(event_id, delivery.webhook_id.clone());
                    first_arrivals.push(event["data"]["code"].as_str().unwrap().to_string());
                }
            }
        }
    }
    assert_eq!(first_arrivals, codes, "in commit order, none lost");
}
