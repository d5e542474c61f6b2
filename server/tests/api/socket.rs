//! The terminals' WebSocket (`/api/v1/ws`): seed 003's commands for the caller's branch,
//! `updatepos` broadcasts scoped to the branch and coalesced, the token in the header or the
//! first message, bad frames, and a deactivated terminal shut out at once.

use std::time::{Duration, Instant};

use hubshake_tests::socket::{Ending, Socket};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use hubshake::budget::Budget;

use crate::common::{
    sales::{Chain, result_of, transaction},
    spawn_app_with,
};

/// Gap between broadcasts to one socket (the hub's `BROADCAST_GAP`).
const BROADCAST_GAP: Duration = Duration::from_millis(500);

#[tokio::test]
async fn commands_answer_for_the_terminals_branch_and_a_sale_is_recorded_once() {
    // More commands than seed 003's budget allows in 30 s (budgets have their own tests).
    let app = spawn_app_with(|settings| settings.budget_socket = Budget::new(1000, 30)).await;
    let chain = Chain::with(app).await;
    let branch = chain.branch("SOCK-1", "retail").await;
    let other = chain.branch("SOCK-2", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let latte = chain.item("LATTE", "115").await;
    let priced = chain
        .app
        .call(
            Method::PUT,
            &format!("/api/v1/branches/{branch}/items/{latte}"),
            &chain.admin,
            Some(json!({ "price": "120" })),
        )
        .await;
    assert_eq!(priced.status, StatusCode::OK, "{}", priced.body);
    let elsewhere = chain
        .app
        .call(
            Method::PUT,
            &format!("/api/v1/branches/{other}/items/{latte}"),
            &chain.admin,
            Some(json!({ "price": "99" })),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::OK);

    let mut socket = Socket::open(&chain.app.base, Some(&till.token)).await;
    let version = socket.command("version", json!({})).await;
    assert_eq!(version["type"], "event");
    assert_eq!(version["result"]["event"], "version");
    assert_eq!(
        version["result"]["parameters"]["Version"],
        env!("CARGO_PKG_VERSION")
    );

    let products = socket.command("listproducts", json!({ "Limit": 10 })).await;
    let products = &products["result"]["parameters"];
    assert_eq!(products["Count"], 1, "{products}");
    assert_eq!(products["Products"][0]["id"], latte.as_str());
    assert_eq!(
        products["Products"][0]["price"], "120",
        "the branch's own price"
    );

    let methods = socket.command("listpm", json!({})).await;
    assert_eq!(methods["result"]["parameters"]["Count"], 2, "{methods}");

    let registered = socket
        .command(
            "registerdevice",
            json!({ "UUID": "till-device-1", "agent_version": "pos 7" }),
        )
        .await;
    assert_eq!(
        registered["result"]["event"], "registerdevice",
        "{registered}"
    );
    let terminal = chain
        .app
        .get(
            &format!("/api/v1/terminals/{}", till.terminal_id),
            &chain.admin,
        )
        .await;
    assert_eq!(
        terminal.body["device_id"], "till-device-1",
        "{}",
        terminal.body
    );

    let sale = transaction("sale", &staff, &chain.cash, &[(&latte, "2", "120")]);
    let first = socket
        .command("payitems", json!({ "transaction": sale }))
        .await;
    assert_eq!(
        result_of(&first["result"]["parameters"]["result"]),
        "accepted",
        "{first}"
    );
    let again = socket
        .command("payitems", json!({ "transaction": sale }))
        .await;
    assert_eq!(
        result_of(&again["result"]["parameters"]["result"]),
        "duplicate",
        "{again}"
    );

    let listed = socket
        .command("listtransactions", json!({ "Limit": 5 }))
        .await;
    let listed = &listed["result"]["parameters"];
    assert_eq!(listed["Count"], 1, "one sale, sent twice: {listed}");
    assert_eq!(
        listed["Transactions"][0]["id"],
        first["result"]["parameters"]["result"]["transaction_id"]
    );

    let status = socket.command("getstatus", json!({})).await;
    assert_eq!(status["result"]["parameters"]["status"], "success");
    assert!(
        status["result"]["parameters"]["stock"].as_i64().unwrap() > 0,
        "{status}"
    );
}

#[tokio::test]
async fn the_token_may_come_in_the_first_message_and_bad_frames_get_their_error_or_close_code() {
    let chain = Chain::new().await;
    let branch = chain.branch("SOCK-1", "retail").await;
    let till = chain.till(&branch, "Till 1").await;

    // seed 003's `api_key` on the first message.
    let mut socket = Socket::open(&chain.app.base, None).await;
    let status = socket
        .command("getstatus", json!({ "api_key": till.token }))
        .await;
    assert_eq!(status["result"]["event"], "getstatus", "{status}");

    socket.send_text("this is not JSON").await;
    let error = socket.answer().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["result"]["error"], "bad-request");
    assert_eq!(error["result"]["code"], 400);
    let unknown = socket.command("getlicense", json!({})).await;
    assert_eq!(unknown["result"]["error"], "unknown-command", "{unknown}");
    assert_eq!(unknown["result"]["code"], 404);
    let wrong = socket
        .command("listtransactions", json!({ "Limit": 0 }))
        .await;
    assert_eq!(wrong["result"]["error"], "invalid-fields", "{wrong}");
    assert_eq!(wrong["result"]["errors"][0]["field"], "Limit");
    let still_open = socket.command("getstatus", json!({})).await;
    assert_eq!(
        still_open["result"]["event"], "getstatus",
        "the socket survived them"
    );

    let oversize = format!(
        r#"{{"command":"getstatus","parameters":{{"pad":"{}"}}}}"#,
        "x".repeat(chain.app.settings.body_limit_bytes + 1)
    );
    socket.send_text(&oversize).await;
    assert_eq!(socket.ending().await.0, Ending::Closed(1009));

    let mut wrong_token = Socket::open(&chain.app.base, None).await;
    wrong_token
        .send_text(
            &json!({ "command": "version", "parameters": { "api_key": "nope" } }).to_string(),
        )
        .await;
    let (ending, frames) = wrong_token.ending().await;
    assert_eq!(ending, Ending::Closed(1008));
    assert_eq!(frames[0]["result"]["error"], "invalid-token", "{frames:?}");

    // No token within 10 s: closed with 1008 (`ending` waits up to 15 s).
    let mut silent = Socket::open(&chain.app.base, None).await;
    let started = Instant::now();
    assert_eq!(silent.ending().await.0, Ending::Closed(1008));
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "closed only at the deadline"
    );

    // In the header: a bad token or an API client is refused before the upgrade.
    assert_eq!(
        Socket::refused_with(&chain.app.base, Some("nope")).await,
        Some(401)
    );
    assert_eq!(
        Socket::refused_with(&chain.app.base, Some(&chain.admin)).await,
        Some(403)
    );
}

/// What a broadcast says the branch's heads are.
fn heads(broadcast: &Value) -> (i64, i64) {
    assert_eq!(broadcast["result"]["message"], "updatepos", "{broadcast}");
    let parameters = &broadcast["result"]["parameters"];
    (
        parameters["master"].as_i64().unwrap(),
        parameters["stock"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn updatepos_reaches_only_the_branch_whose_data_moved_and_a_burst_is_a_handful() {
    let chain = Chain::new().await;
    let a = chain.branch("SOCK-A", "retail").await;
    let b = chain.branch("SOCK-B", "retail").await;
    let item = chain.item("BEANS", "10").await;
    let till_a = chain.till(&a, "A 1").await;
    let till_b = chain.till(&b, "B 1").await;
    let mut socket_a = Socket::open(&chain.app.base, Some(&till_a.token)).await;
    let mut socket_b = Socket::open(&chain.app.base, Some(&till_b.token)).await;
    // Both sockets are authenticated and subscribed once they answer.
    socket_a.command("getstatus", json!({})).await;
    let before_b = socket_b.command("getstatus", json!({})).await;
    let b_stock = before_b["result"]["parameters"]["stock"].as_i64().unwrap();

    chain.receive(&a, &item, "5").await;
    let (_, stock_a) = heads(
        &socket_a
            .broadcast(Duration::from_secs(5))
            .await
            .expect("A hears of its stock"),
    );
    assert!(stock_a > 0);

    // A change every branch sees: B's next message is about it, so nothing came for A's stock.
    chain.item("MILK", "2").await;
    let (_, stock_b) = heads(
        &socket_b
            .broadcast(Duration::from_secs(5))
            .await
            .expect("B hears of the new item"),
    );
    assert_eq!(stock_b, b_stock, "B was never told of A's stock");
    socket_a
        .broadcast(Duration::from_secs(5))
        .await
        .expect("A hears of the new item too");

    // 500 edits of A's price: a handful of broadcasts, the last one at the final head.
    let started = Instant::now();
    for n in 0..500 {
        let answer = chain
            .app
            .call(
                Method::PUT,
                &format!("/api/v1/branches/{a}/items/{item}"),
                &chain.admin,
                Some(json!({ "price": format!("{}.00", 11 + n) })),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let elapsed = started.elapsed();
    let final_master =
        socket_a.command("getstatus", json!({})).await["result"]["parameters"]["master"]
            .as_i64()
            .unwrap();
    let mut broadcasts = 0;
    loop {
        let broadcast = socket_a
            .broadcast(Duration::from_secs(5))
            .await
            .expect("the burst's last change is told");
        broadcasts += 1;
        if heads(&broadcast).0 == final_master {
            break;
        }
    }
    let most = elapsed.as_millis() / BROADCAST_GAP.as_millis() + 2;
    println!("500 edits in {elapsed:?}: {broadcasts} broadcasts");
    assert!(
        broadcasts as u128 <= most,
        "{broadcasts} broadcasts for 500 edits in {elapsed:?}"
    );
    assert!(broadcasts < 50, "a handful, not 500: {broadcasts}");
    // B's view did not move: its next message is the answer to a command, not a broadcast.
    let status_b = socket_b.command("getstatus", json!({})).await;
    assert_eq!(status_b["result"]["event"], "getstatus");
    assert!(socket_b.broadcasts.is_empty(), "{:?}", socket_b.broadcasts);
}

#[tokio::test]
async fn deactivating_a_terminal_closes_its_socket_at_once() {
    let chain = Chain::new().await;
    let branch = chain.branch("SOCK-1", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let mut socket = Socket::open(&chain.app.base, Some(&till.token)).await;
    socket.command("getstatus", json!({})).await;
    let deactivated = chain
        .app
        .post(
            &format!("/api/v1/terminals/{}/deactivate", till.terminal_id),
            &chain.admin,
            json!({}),
        )
        .await;
    assert_eq!(deactivated.status, StatusCode::OK, "{}", deactivated.body);
    assert_eq!(socket.ending().await.0, Ending::Closed(1008));
    assert_eq!(
        Socket::refused_with(&chain.app.base, Some(&till.token)).await,
        Some(401),
        "the old token opens no socket"
    );
}

#[tokio::test]
async fn readyz_says_how_this_hub_learns_of_other_hubs_writes() {
    let chain = Chain::new().await;
    let ready = chain.app.get("/readyz", "").await;
    assert_eq!(ready.status, StatusCode::OK);
    let expected = match chain.app.settings.database_url.split(':').next() {
        Some("postgres") => "listen",
        _ => "interval",
    };
    assert_eq!(ready.body["feeds"]["watch"], expected, "{}", ready.body);
    assert!(ready.body["feeds"]["connected"].is_boolean());
}

#[tokio::test]
async fn a_socket_ends_with_its_token() {
    let app = spawn_app_with(|settings| settings.token_lifetime_secs = 3).await;
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "EXPIRES").await;
    let mut socket = Socket::open(&app.base, Some(&token)).await;
    let opened = Instant::now();
    assert_eq!(
        socket.command("getstatus", json!({})).await["type"],
        "event"
    );
    assert_eq!(socket.ending().await.0, Ending::Closed(1008));
    assert!(
        opened.elapsed() >= Duration::from_secs(1),
        "closed at the token's expiry, not before"
    );
}
