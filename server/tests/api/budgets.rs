//! Budgets per client: a call over budget is refused with 429, `Retry-After` and the IETF
//! `RateLimit-Policy`/`RateLimit` headers (an error event on the socket), and nothing is done
//! for it.

use hubshake::budget::Budget;
use hubshake_tests::socket::Socket;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{
    sales::{Chain, transaction},
    spawn_app_with,
};

#[tokio::test]
async fn a_rest_call_over_budget_is_refused_with_its_headers_and_changes_nothing() {
    let app = spawn_app_with(|settings| {
        settings.budget_write = Budget::new(3, 60);
        settings.budget_read = Budget::new(2, 60);
    })
    .await;
    let admin = app.admin_token().await;
    // The token endpoint has its own throttle; creating categories spends the write budget.
    for n in 0..3 {
        let made = app
            .post(
                "/api/v1/categories",
                &admin,
                json!({ "name": format!("Cat {n}") }),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(made.headers["ratelimit-policy"], r#""write";q=3;w=60"#);
        let rate = made.headers["ratelimit"].to_str().unwrap();
        assert!(
            rate.starts_with(&format!("\"write\";r={};t=", 2 - n)),
            "{rate}"
        );
    }
    let refused = app
        .post(
            "/api/v1/categories",
            &admin,
            json!({ "name": "One too many" }),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["type"], "/problems/over-budget");
    let retry: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=20).contains(&retry),
        "one unit grows back in 20 s: {retry}"
    );
    assert_eq!(refused.headers["ratelimit-policy"], r#""write";q=3;w=60"#);
    assert!(
        refused.headers["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("\"write\";r=0;")
    );

    // Reads have a budget of their own, which the writes did not spend.
    let listed = app.get("/api/v1/categories", &admin).await;
    assert_eq!(listed.status, StatusCode::OK);
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Cat 0", "Cat 1", "Cat 2"],
        "the refused call made nothing"
    );
}

#[tokio::test]
async fn socket_commands_spend_seed_003s_costs_and_a_refused_one_does_nothing() {
    let app = spawn_app_with(|_| {}).await;
    let chain = Chain::with(app).await;
    let branch = chain.branch("BUDGET", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let item = chain.item("TEA", "3").await;
    let mut socket = Socket::open(&chain.app.base, Some(&till.token)).await;
    // getconfig costs 25 of 100 per 30 s: the fifth in a row is refused.
    for _ in 0..4 {
        let config = socket.command("getconfig", json!({})).await;
        assert_eq!(config["type"], "event", "{config}");
    }
    let refused = socket.command("getconfig", json!({})).await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["result"]["error"], "over-budget");
    assert_eq!(refused["result"]["code"], 429);
    assert_eq!(refused["result"]["command"], "getconfig");
    assert!(refused["result"]["retry_after_secs"].as_u64().unwrap() >= 1);

    // A sale refused for the budget is not recorded.
    let sale = transaction("sale", &staff, &chain.cash, &[(&item, "1", "3")]);
    let paid = socket
        .command("payitems", json!({ "transaction": sale }))
        .await;
    assert_eq!(paid["result"]["error"], "over-budget", "{paid}");
    let sales = chain
        .app
        .get(
            &format!("/api/v1/transactions?branch_id={branch}"),
            &chain.admin,
        )
        .await;
    assert_eq!(sales.body["total"], 0, "{}", sales.body);
}
