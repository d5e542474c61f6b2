//! Outbound data sync through the public interface: subscriptions made over the API, events
//! received by a real HTTP server with its own token endpoint, checked for order, signature and
//! exactly what changed.

use std::time::Duration;

use hubshake_tests::receiver::{self, Receiver};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{
    TestApp,
    sales::{Chain, id, transaction},
    spawn_app_with,
};

/// Longest wait for deliveries that the hub makes within milliseconds.
const ARRIVAL: Duration = Duration::from_secs(20);

/// A hub that may deliver to a receiver on this host, and retries quickly.
async fn hub(adjust: impl FnOnce(&mut hubshake::config::Settings)) -> TestApp {
    spawn_app_with(|settings| {
        settings.outbound_allow_http = true;
        settings.outbound_allowed_networks = "127.0.0.0/8".parse().unwrap();
        settings.outbound_retry_base_ms = 20;
        settings.outbound_retry_max_ms = 200;
        settings.outbound_poll_interval_ms = 50;
        adjust(settings);
    })
    .await
}

const ALL_TYPES: &[&str] = &[
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.merged",
    "transaction.accepted",
    "stock.changed",
    "item.created",
    "item.updated",
    "item.deleted",
    "transfer.created",
    "transfer.dispatched",
    "transfer.received",
    "transfer.cancelled",
    "purchase_order.created",
    "purchase_order.ordered",
    "purchase_order.received",
    "purchase_order.closed",
    "purchase_order.cancelled",
];

/// Creates a subscription and returns its answer (with the signing secret).
async fn subscribe(app: &TestApp, admin: &str, body: Value) -> Value {
    let answer = app.post("/api/v1/subscriptions", admin, body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body
}

fn types_of(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

/// A subscription of `receiver` to `customer.created`, one event a POST.
async fn subscribe_to_new_customers(app: &TestApp, admin: &str, receiver: &Receiver) -> Value {
    subscribe(
        app,
        admin,
        json!({ "name": "CRM", "url": receiver.hook_url(), "event_types": ["customer.created"] }),
    )
    .await
}

async fn create_customer(app: &TestApp, admin: &str, code: &str) -> Value {
    let answer = app
        .post(
            "/api/v1/customers",
            admin,
            json!({ "code": code, "name": format!("Customer {code}") }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body
}

#[tokio::test]
async fn every_change_arrives_once_in_commit_order_signed() {
    let receiver = Receiver::start().await;
    let chain = Chain::with(hub(|_| {}).await).await;
    let (app, admin) = (&chain.app, chain.admin.as_str());
    let created = subscribe(
        app,
        admin,
        json!({ "name": "ERP", "url": receiver.hook_url(), "event_types": ALL_TYPES, "batch_size": 3 }),
    )
    .await;
    let secret = created["signing_secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{created}");

    let north = chain.branch("N", "retail").await;
    let south = chain.branch("S", "retail").await;
    let customer = create_customer(app, admin, "C1").await;
    let renamed = app
        .put(
            &format!("/api/v1/customers/{}", id(&customer)),
            admin,
            json!({ "code": "C1", "name": "Renamed" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let rice = chain.item("RICE", "10").await;
    chain.receive(&north, &rice, "20").await;
    let transfer = app
        .post(
            "/api/v1/transfers",
            admin,
            json!({ "from_branch_id": north, "to_branch_id": south, "lines": [{ "item_id": rice, "quantity": "5" }] }),
        )
        .await;
    assert_eq!(transfer.status, StatusCode::CREATED, "{}", transfer.body);
    let transfer_path = format!("/api/v1/transfers/{}", id(&transfer.body));
    for step in ["dispatch", "receive"] {
        let answer = app
            .post(&format!("{transfer_path}/{step}"), admin, json!({}))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{step}: {}", answer.body);
    }
    let order = app
        .post(
            "/api/v1/purchase-orders",
            admin,
            json!({ "branch_id": south, "supplier": "Acme", "lines": [{ "item_id": rice, "quantity": "4", "unit_cost": "6" }] }),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.body);
    let order_path = format!("/api/v1/purchase-orders/{}", id(&order.body));
    let submitted = app
        .post(&format!("{order_path}/submit"), admin, json!({}))
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    let received = app
        .post(
            &format!("{order_path}/receipts"),
            admin,
            json!({ "lines": [{ "line_no": 1, "quantity": "4" }] }),
        )
        .await;
    assert_eq!(received.status, StatusCode::CREATED, "{}", received.body);
    let till = chain.till(&north, "Till 1").await;
    let cashier = chain.cashier("ANA", &[&north]).await;
    let mut sale = transaction("sale", &cashier, &chain.cash, &[(&rice, "2", "10")]);
    sale["customer_id"] = json!(id(&customer));
    let result = chain.post_one(&till, &sale).await;
    assert_eq!(result["result"], "accepted", "{result}");
    // The resend changes nothing and tells nobody.
    let resent = chain.post_one(&till, &sale).await;
    assert_eq!(resent["result"], "duplicate", "{resent}");
    let deleted = app
        .delete(&format!("/api/v1/customers/{}", id(&customer)), admin)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let renamed = app
        .put(
            &format!("/api/v1/items/{rice}"),
            admin,
            json!({ "sku": "RICE", "name": "Rice, long grain", "base_price": "10" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let gone = chain.item("GONE", "1").await;
    let answer = app.delete(&format!("/api/v1/items/{gone}"), admin).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.body);
    let draft = app
        .post(
            "/api/v1/transfers",
            admin,
            json!({ "from_branch_id": north, "to_branch_id": south, "lines": [{ "item_id": rice, "quantity": "1" }] }),
        )
        .await;
    let answer = app
        .post(
            &format!("/api/v1/transfers/{}/cancel", id(&draft.body)),
            admin,
            json!({}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    for last_step in ["close", "cancel"] {
        let order = app
            .post(
                "/api/v1/purchase-orders",
                admin,
                json!({ "branch_id": south, "supplier": "Acme", "lines": [{ "item_id": rice, "quantity": "1", "unit_cost": "6" }] }),
            )
            .await;
        let order_path = format!("/api/v1/purchase-orders/{}", id(&order.body));
        let steps: &[&str] = if last_step == "close" {
            &["submit", "close"]
        } else {
            &["cancel"]
        };
        for step in steps {
            let answer = app
                .post(&format!("{order_path}/{step}"), admin, json!({}))
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{step}: {}", answer.body);
        }
    }

    let expected = [
        "customer.created",
        "customer.updated",
        "item.created",
        "stock.changed",
        "transfer.created",
        "stock.changed",
        "transfer.dispatched",
        "stock.changed",
        "transfer.received",
        "purchase_order.created",
        "purchase_order.ordered",
        "stock.changed",
        "purchase_order.received",
        "stock.changed",
        "transaction.accepted",
        "customer.deleted",
        "item.updated",
        "item.created",
        "item.deleted",
        "transfer.created",
        "transfer.cancelled",
        "purchase_order.created",
        "purchase_order.ordered",
        "purchase_order.closed",
        "purchase_order.created",
        "purchase_order.cancelled",
    ];
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| s
                .deliveries
                .iter()
                .map(|d| d.events().len())
                .sum::<usize>()
                >= expected.len())
            .await,
        "every event arrives: {:?}",
        types_of(&receiver.events())
    );
    let events = receiver.events();
    assert_eq!(types_of(&events), expected, "once each, in commit order");
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    for delivery in receiver.deliveries() {
        assert!(delivery.signed_with(secret), "a valid signature");
        assert!(delivery.events().len() <= 3, "batches of at most 3");
    }
    assert!(
        !receiver.deliveries()[0].signed_with("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        "the signature depends on the secret"
    );

    // What each event says.
    let sale_event = &events[14];
    assert_eq!(sale_event["branch_id"], north.as_str());
    assert_eq!(sale_event["data"]["terminal_transaction_id"], sale["id"]);
    assert_eq!(sale_event["data"]["customer_id"], id(&customer).as_str());
    assert_eq!(sale_event["data"]["total"], "20");
    assert_eq!(sale_event["data"]["lines"][0]["item_id"], rice.as_str());
    let sold = &events[13];
    assert_eq!(sold["data"]["item_id"], rice.as_str());
    assert_eq!(sold["data"]["on_hand"], "13");
    assert_eq!(sold["data"]["delta"], "-2");
    assert_eq!(sold["data"]["reason"], "sale");
    assert_eq!(events[0]["data"]["name"], "Customer C1");
    assert_eq!(events[1]["data"]["name"], "Renamed");
    assert_eq!(events[2]["data"]["sku"], "RICE");
    assert_eq!(events[8]["data"]["status"], "received");
    assert_eq!(events[12]["data"]["purchase_order"]["status"], "received");
    assert_eq!(events[15]["data"]["id"], id(&customer).as_str());
    assert_eq!(events[16]["data"]["name"], "Rice, long grain");
    assert_eq!(events[18]["data"]["id"], gone.as_str());
    assert_eq!(events[20]["data"]["status"], "cancelled");
    assert_eq!(events[23]["data"]["status"], "closed");
    assert_eq!(events[25]["data"]["status"], "cancelled");
    assert_eq!(events[25]["branch_id"], south.as_str());

    // The subscription catches up (once the last answer is recorded), shows no lag, and never
    // shows its secret again.
    let path = format!("/api/v1/subscriptions/{}", id(&created));
    let subscription = wait_for_caught_up(app, admin, &path).await;
    assert_eq!(subscription["lag_secs"], Value::Null);
    assert!(subscription.get("signing_secret").is_none());
    assert!(!subscription.to_string().contains(secret));
}

#[tokio::test]
async fn data_sync_messages_carry_the_receivers_token_fetched_again_when_refused() {
    let receiver = Receiver::start().await;
    receiver.set(|s| s.wants_token = true);
    let chain = Chain::with(hub(|_| {}).await).await;
    let (app, admin) = (&chain.app, chain.admin.as_str());
    let created = subscribe(
        app,
        admin,
        json!({
            "name": "Customer Engagement",
            "url": receiver.hook_url(),
            "event_types": ["customer.created", "customer.updated", "transaction.accepted"],
            "format": "data_sync",
            "batch_size": 10,
            "auth": { "token_url": receiver.token_url(), "client_id": receiver::CLIENT_ID, "client_secret": receiver::CLIENT_SECRET },
        }),
    )
    .await;
    assert_eq!(created["auth"]["client_id"], receiver::CLIENT_ID);
    assert!(!created.to_string().contains(receiver::CLIENT_SECRET));

    let customer = create_customer(app, admin, "C9").await;
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| !s.deliveries.is_empty())
            .await
    );
    let first = &receiver.deliveries()[0];
    assert_eq!(
        first.authorization.as_deref(),
        Some("Bearer receiver-token-1")
    );
    let message = &first.messages()[0];
    assert_eq!(message["action"], "CUSTOMERCRE");
    assert_eq!(message["type"], "CUSTOMER");
    assert_eq!(message["uniqueId"], id(&customer).as_str());
    let payload: Value = serde_json::from_str(message["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["code"], "C9");

    // The receiver forgets its tokens: the hub is refused once, fetches a new one, and delivers.
    receiver.set(|s| s.valid_tokens.clear());
    let branch = chain.branch("B", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let cashier = chain.cashier("BEN", &[&branch]).await;
    let rice = chain.item("RICE", "3").await;
    let sale = transaction("sale", &cashier, &chain.cash, &[(&rice, "1", "3")]);
    chain.post_one(&till, &sale).await;
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| s.deliveries.len() >= 2)
            .await
    );
    let second = &receiver.deliveries()[1];
    assert_eq!(
        second.authorization.as_deref(),
        Some("Bearer receiver-token-2")
    );
    assert_eq!(receiver.read(|s| s.tokens_issued), 2);
    let message = &second.messages()[0];
    assert_eq!(message["action"], "POSTRNCRE");
    assert_eq!(message["type"], "POSTRN");
    let payload: Value = serde_json::from_str(message["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["terminal_transaction_id"], sale["id"]);
}

#[tokio::test]
async fn a_failing_receiver_gets_everything_in_order_afterwards_and_the_attempts_are_listed() {
    let receiver = Receiver::start().await;
    receiver.set(|s| s.failures_left = 5);
    let app = hub(|settings| {
        settings.metrics_token = Some("outbound-metrics-token".into());
    })
    .await;
    let admin = app.admin_token().await;
    let created = subscribe_to_new_customers(&app, &admin, &receiver).await;
    for code in ["A", "B", "C"] {
        create_customer(&app, &admin, code).await;
    }
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| s.deliveries.len() >= 3)
            .await
    );
    let codes: Vec<Value> = receiver
        .events()
        .iter()
        .map(|e| e["data"]["code"].clone())
        .collect();
    assert_eq!(codes, [json!("A"), json!("B"), json!("C")]);
    assert_eq!(receiver.read(|s| s.posts), 8);

    // Once the last answer is recorded, the attempts tell the whole story.
    let path = format!("/api/v1/subscriptions/{}", id(&created));
    wait_for_caught_up(&app, &admin, &path).await;
    let attempts = app
        .get(
            &format!("/api/v1/subscriptions/{}/attempts?limit=20", id(&created)),
            &admin,
        )
        .await;
    assert_eq!(attempts.status, StatusCode::OK, "{}", attempts.body);
    let mut items = attempts.body["items"].as_array().unwrap().clone();
    items.reverse();
    assert_eq!(items.len(), 8);
    for failed in &items[..5] {
        assert_eq!(failed["outcome"], "failed");
        assert_eq!(failed["status_code"], 500);
        assert_eq!(
            failed["webhook_id"], items[5]["webhook_id"],
            "the same id each time"
        );
        assert!(failed["latency_ms"].is_number());
        assert_eq!(
            failed["error"],
            "the receiver answered 500 Internal Server Error"
        );
    }
    assert!(items[5..].iter().all(|a| a["outcome"] == "delivered"));
    assert_eq!(
        receiver.deliveries()[0].webhook_id,
        items[5]["webhook_id"].as_str().unwrap()
    );

    let scrape = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth("outbound-metrics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    let text = scrape.text().await.unwrap();
    for line in [
        r#"hubshake_outbound_attempts_total{outcome="failed"} 5"#,
        r#"hubshake_outbound_attempts_total{outcome="delivered"} 3"#,
        "hubshake_outbound_events_delivered_total 3",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_everything_when_it_is_back() {
    let receiver = Receiver::start().await;
    receiver.set(|s| s.down = true);
    let app = hub(|_| {}).await;
    let admin = app.admin_token().await;
    subscribe(
        &app,
        &admin,
        json!({ "name": "CRM", "url": receiver.hook_url(), "event_types": ["customer.created"], "batch_size": 2 }),
    )
    .await;
    for code in ["A", "B", "C"] {
        create_customer(&app, &admin, code).await;
    }
    assert!(receiver.wait_until(ARRIVAL, |s| s.posts >= 3).await);
    assert!(receiver.deliveries().is_empty());
    receiver.set(|s| s.down = false);
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| s
                .deliveries
                .iter()
                .map(|d| d.events().len())
                .sum::<usize>()
                >= 3)
            .await
    );
    let codes: Vec<Value> = receiver
        .events()
        .iter()
        .map(|e| e["data"]["code"].clone())
        .collect();
    assert_eq!(codes, [json!("A"), json!("B"), json!("C")]);
}

#[tokio::test]
async fn a_poison_event_pauses_until_skipped_and_a_replay_sends_again() {
    let receiver = Receiver::start().await;
    receiver.set(|s| s.failures_left = usize::MAX);
    let app = hub(|settings| settings.outbound_pause_after_secs = 0).await;
    let admin = app.admin_token().await;
    let created = subscribe_to_new_customers(&app, &admin, &receiver).await;
    let path = format!("/api/v1/subscriptions/{}", id(&created));
    create_customer(&app, &admin, "POISON").await;
    create_customer(&app, &admin, "GOOD").await;
    assert!(receiver.wait_until(ARRIVAL, |s| s.posts >= 1).await);

    let paused = wait_for_state(&app, &admin, &path, "paused").await;
    let failing = &paused["failing"];
    assert_eq!(failing["event_type"], "customer.created");
    assert!(failing["failed_attempts"].as_i64().unwrap() >= 1);
    assert_eq!(
        failing["last_error"],
        "the receiver answered 500 Internal Server Error"
    );
    let poison_event = failing["event_id"].as_str().unwrap().to_string();
    assert!(
        paused["paused_reason"]
            .as_str()
            .unwrap()
            .contains(&poison_event)
    );
    assert!(paused["lag_secs"].is_number());

    // Skipped: the next event is the head, and delivery goes on once resumed.
    let skipped = app.post(&format!("{path}/skip"), &admin, json!({})).await;
    assert_eq!(skipped.status, StatusCode::OK, "{}", skipped.body);
    assert_eq!(skipped.body["state"], "paused", "a skip does not resume");
    assert_eq!(skipped.body["failing"], Value::Null);
    receiver.set(|s| s.failures_left = 0);
    let resumed = app.post(&format!("{path}/resume"), &admin, json!({})).await;
    assert_eq!(resumed.status, StatusCode::OK, "{}", resumed.body);
    assert_eq!(resumed.body["state"], "active");
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| !s.deliveries.is_empty())
            .await
    );
    wait_for_caught_up(&app, &admin, &path).await;
    let codes: Vec<Value> = receiver
        .events()
        .iter()
        .map(|e| e["data"]["code"].clone())
        .collect();
    assert_eq!(codes, [json!("GOOD")], "the skipped event is not delivered");
    let attempts = app.get(&format!("{path}/attempts"), &admin).await;
    let skip = attempts.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["outcome"] == "skipped")
        .expect("the skip is recorded")
        .clone();
    assert_eq!(
        skip["error"],
        format!("skipped by {}", crate::common::ADMIN_ID)
    );
    assert_eq!(skip["first_seq"], failing["seq"]);

    // A replay from the skipped event sends both again, with their own ids.
    let good_id = receiver.events()[0]["id"].clone();
    let replayed = app
        .post(
            &format!("{path}/replay"),
            &admin,
            json!({ "event_id": poison_event }),
        )
        .await;
    assert_eq!(replayed.status, StatusCode::OK, "{}", replayed.body);
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| s.deliveries.len() >= 3)
            .await
    );
    let ids: Vec<Value> = receiver.events().iter().map(|e| e["id"].clone()).collect();
    assert_eq!(ids, [good_id.clone(), json!(poison_event), good_id.clone()]);
    let webhook_ids: Vec<String> = receiver
        .deliveries()
        .iter()
        .map(|d| d.webhook_id.clone())
        .collect();
    assert_eq!(
        webhook_ids[0], webhook_ids[2],
        "a redelivery has the same webhook-id"
    );
    wait_for_caught_up(&app, &admin, &path).await;

    // Paused by hand: events wait, shown as lag, until resumed.
    let paused = app.post(&format!("{path}/pause"), &admin, json!({})).await;
    assert_eq!(paused.status, StatusCode::OK);
    assert_eq!(paused.body["state"], "paused");
    create_customer(&app, &admin, "LATER").await;
    let shown = app.get(&path, &admin).await;
    assert!(
        shown.body["oldest_undelivered_at"].is_string(),
        "{}",
        shown.body
    );
    app.post(&format!("{path}/resume"), &admin, json!({})).await;
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| s.deliveries.len() >= 4)
            .await
    );
    assert_eq!(receiver.events()[3]["data"]["code"], "LATER");

    // A replay from an instant after everything sends nothing, and a bad one is refused.
    let neither = app.post(&format!("{path}/replay"), &admin, json!({})).await;
    neither.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
}

async fn wait_for_state(app: &TestApp, admin: &str, path: &str, state: &str) -> Value {
    wait_for_subscription(app, admin, path, |s| s["state"] == state).await
}

async fn wait_for_caught_up(app: &TestApp, admin: &str, path: &str) -> Value {
    wait_for_subscription(app, admin, path, |s| s["cursor"] == s["head"]).await
}

/// Reads the subscription until `done` holds of it (the hub moves it within milliseconds).
async fn wait_for_subscription(
    app: &TestApp,
    admin: &str,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + ARRIVAL;
    loop {
        let answer = app.get(path, admin).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        if done(&answer.body) {
            return answer.body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the subscription never got there: {}",
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_sample_message_answers_what_the_receiver_said() {
    let receiver = Receiver::start().await;
    let app = hub(|_| {}).await;
    let admin = app.admin_token().await;
    let created = subscribe(
        &app,
        &admin,
        json!({ "name": "CE", "url": receiver.hook_url(), "event_types": ["customer.created"], "format": "data_sync" }),
    )
    .await;
    let path = format!("/api/v1/subscriptions/{}", id(&created));
    let sample = app.post(&format!("{path}/sample"), &admin, json!({})).await;
    assert_eq!(sample.status, StatusCode::OK, "{}", sample.body);
    assert_eq!(sample.body["status_code"], 200);
    assert_eq!(sample.body["excerpt"], r#"{"received":true}"#);
    let delivery = &receiver.deliveries()[0];
    assert!(delivery.signed_with(created["signing_secret"].as_str().unwrap()));
    assert_eq!(
        delivery.body,
        json!({ "messages": [{ "action": "CUSTOMERCRE", "payload": "Test message", "type": "CUSTOMER", "uniqueId": "0" }] })
    );

    receiver.set(|s| s.failures_left = 1);
    let failed = app.post(&format!("{path}/sample"), &admin, json!({})).await;
    assert_eq!(failed.status, StatusCode::OK, "{}", failed.body);
    assert_eq!(failed.body["status_code"], 500);
    assert_eq!(
        failed.body["excerpt"].as_str().unwrap().len(),
        512,
        "a long answer is cut"
    );
    let attempts = app.get(&format!("{path}/attempts"), &admin).await;
    let outcomes: Vec<&Value> = attempts.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["outcome"])
        .collect();
    assert_eq!(outcomes, [&json!("sample"), &json!("sample")]);
    let subscription = app.get(&path, &admin).await;
    assert_eq!(
        subscription.body["failing"],
        Value::Null,
        "a sample moves nothing"
    );
}

#[tokio::test]
async fn destinations_inside_the_network_are_refused() {
    let app = hub(|_| {}).await;
    let admin = app.admin_token().await;
    for url in [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "https://192.168.1.10/hook",
        "http://[::1]/hook",
        "not a url",
    ] {
        let answer = app
            .post(
                "/api/v1/subscriptions",
                &admin,
                json!({ "name": "x", "url": url, "event_types": ["item.created"] }),
            )
            .await;
        answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
        assert_eq!(answer.error_fields(), ["url"], "{url}: {}", answer.body);
    }
    let bad_token_url = app
        .post(
            "/api/v1/subscriptions",
            &admin,
            json!({ "name": "x", "url": "https://example.com/hook", "event_types": ["item.created"],
                    "auth": { "token_url": "http://169.254.169.254/token", "client_id": "a", "client_secret": "b" } }),
        )
        .await;
    assert_eq!(bad_token_url.error_fields(), ["auth.token_url"]);

    // Without configuration, plain http and loopback are refused too, including a name that
    // resolves to loopback: the address is checked when the delivery connects.
    let strict = spawn_app_with(|_| {}).await;
    let admin = strict.admin_token().await;
    let answer = strict
        .post(
            "/api/v1/subscriptions",
            &admin,
            json!({ "name": "x", "url": "http://example.com/hook", "event_types": ["item.created"] }),
        )
        .await;
    assert_eq!(answer.error_fields(), ["url"]);
    let created = subscribe(
        &strict,
        &admin,
        json!({ "name": "x", "url": "https://localhost:9/hook", "event_types": ["item.created"] }),
    )
    .await;
    let sample = strict
        .post(
            &format!("/api/v1/subscriptions/{}/sample", id(&created)),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(sample.status, StatusCode::OK, "{}", sample.body);
    assert_eq!(sample.body["status_code"], Value::Null);
    assert!(
        sample.body["error"]
            .as_str()
            .unwrap()
            .contains("which deliveries may not reach"),
        "{}",
        sample.body
    );
}

#[tokio::test]
async fn a_merge_moves_transactions_and_emits_the_events() {
    let receiver = Receiver::start().await;
    let chain = Chain::with(hub(|_| {}).await).await;
    let (app, admin) = (&chain.app, chain.admin.as_str());
    let branch = chain.branch("M", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let cashier = chain.cashier("CY", &[&branch]).await;
    let tea = chain.item("TEA", "4").await;
    let kept = create_customer(app, admin, "KEEP").await;
    let duplicate = create_customer(app, admin, "DUP").await;
    let mut sale = transaction("sale", &cashier, &chain.cash, &[(&tea, "1", "4")]);
    sale["customer_id"] = json!(id(&duplicate));
    let result = chain.post_one(&till, &sale).await;
    subscribe(
        app,
        admin,
        json!({ "name": "CRM", "url": receiver.hook_url(), "event_types": ["customer.updated", "customer.deleted", "customer.merged"], "batch_size": 10 }),
    )
    .await;

    let merged = app
        .post(
            &format!("/api/v1/customers/{}/merge", id(&kept)),
            admin,
            json!({ "merged_customer_ids": [id(&duplicate)] }),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    assert_eq!(merged.body["transactions_moved"], 1);
    let moved = chain.transaction(&result["transaction_id"]).await;
    assert_eq!(moved["customer_id"], id(&kept).as_str());
    let gone = app
        .get(&format!("/api/v1/customers/{}", id(&duplicate)), admin)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    assert!(
        receiver
            .wait_until(ARRIVAL, |s| !s.deliveries.is_empty())
            .await
    );
    let events = receiver.events();
    assert_eq!(
        types_of(&events),
        ["customer.deleted", "customer.updated", "customer.merged"]
    );
    assert_eq!(events[0]["data"]["id"], id(&duplicate).as_str());
    assert_eq!(events[0]["data"]["merged_into"], id(&kept).as_str());
    assert_eq!(
        events[2]["data"]["merged_customer_ids"],
        json!([id(&duplicate)])
    );

    let itself = app
        .post(
            &format!("/api/v1/customers/{}/merge", id(&kept)),
            admin,
            json!({ "merged_customer_ids": [id(&kept)] }),
        )
        .await;
    itself.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
}

#[tokio::test]
async fn delivered_events_past_the_retention_go_and_undelivered_ones_stay() {
    let receiver = Receiver::start().await;
    let app = hub(|settings| {
        settings.outbound_retention_days = 0;
        settings.outbound_prune_interval_secs = 1;
    })
    .await;
    let admin = app.admin_token().await;
    let created = subscribe_to_new_customers(&app, &admin, &receiver).await;
    let path = format!("/api/v1/subscriptions/{}", id(&created));
    create_customer(&app, &admin, "OLD").await;
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| !s.deliveries.is_empty())
            .await
    );
    let delivered_id = receiver.events()[0]["id"].clone();
    wait_for_caught_up(&app, &admin, &path).await;
    app.post(&format!("{path}/pause"), &admin, json!({})).await;
    create_customer(&app, &admin, "WAITING").await;

    // Pruning runs: the attempts go, and so does the delivered event (a replay no longer finds
    // it).
    let deadline = tokio::time::Instant::now() + ARRIVAL;
    loop {
        let attempts = app.get(&format!("{path}/attempts"), &admin).await;
        if attempts.body["total"] == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never pruned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let replay = app
        .post(
            &format!("{path}/replay"),
            &admin,
            json!({ "event_id": delivered_id }),
        )
        .await;
    replay.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(replay.error_fields(), ["event_id"]);
    // The one it has not delivered stays, however old, and arrives once resumed.
    app.post(&format!("{path}/resume"), &admin, json!({})).await;
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| s.deliveries.len() >= 2)
            .await
    );
    assert_eq!(receiver.events()[1]["data"]["code"], "WAITING");
}

#[tokio::test]
async fn a_changes_events_of_one_type_travel_together_and_a_replay_finds_any_of_them() {
    let receiver = Receiver::start().await;
    let chain = Chain::with(hub(|_| {}).await).await;
    let (app, admin) = (&chain.app, chain.admin.as_str());
    let created = subscribe(
        app,
        admin,
        json!({ "name": "Stock", "url": receiver.hook_url(), "event_types": ["stock.changed"], "batch_size": 1 }),
    )
    .await;
    let branch = chain.branch("G", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let cashier = chain.cashier("GIA", &[&branch]).await;
    let (tea, cake) = (chain.item("TEA", "2").await, chain.item("CAKE", "3").await);
    let sale = transaction(
        "sale",
        &cashier,
        &chain.cash,
        &[(&tea, "1", "2"), (&cake, "2", "3")],
    );
    chain.post_one(&till, &sale).await;
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| !s.deliveries.is_empty())
            .await
    );
    let first = receiver.deliveries()[0].events();
    let items: Vec<&Value> = first.iter().map(|e| &e["data"]["item_id"]).collect();
    assert_eq!(
        items,
        [&json!(tea), &json!(cake)],
        "a sale's levels in one POST"
    );
    assert_ne!(first[0]["id"], first[1]["id"], "each event has its own id");
    assert_eq!(
        first[0]["seq"], first[1]["seq"],
        "they share their change's number"
    );

    let path = format!("/api/v1/subscriptions/{}", id(&created));
    wait_for_caught_up(app, admin, &path).await;
    let replayed = app
        .post(
            &format!("{path}/replay"),
            admin,
            json!({ "event_id": first[1]["id"] }),
        )
        .await;
    assert_eq!(replayed.status, StatusCode::OK, "{}", replayed.body);
    assert!(
        receiver
            .wait_until(ARRIVAL, |s| s.deliveries.len() >= 2)
            .await
    );
    assert_eq!(
        receiver.deliveries()[1].events(),
        first,
        "the whole change again"
    );
}
