//! Bad input and bad days: text a database cannot store, a guesser at the token endpoint,
//! revocation, keys spelt another way, oversold stock corrected, arrays for objects.

use crate::common;

use crate::common::{
    ADMIN_ID, ADMIN_SECRET, TestApp,
    sales::{Chain, id, reason_codes, result_of, transaction},
};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

/// A NUL character (which PostgreSQL text cannot hold) is refused as a field error anywhere, on
/// every backend; inside a batch of sales it rejects that sale alone.
#[tokio::test]
async fn a_nul_character_is_a_field_error_and_never_poisons_a_batch() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let admin = &chain.admin;
    for (path, body, field) in [
        (
            "/api/v1/branches",
            json!({ "code": "N1", "name": "Nul\u{0}branch", "pos_type": "retail" }),
            "name",
        ),
        (
            "/api/v1/items",
            json!({ "sku": "NUL-1", "name": "Latte", "barcodes": ["48\u{0}1"], "base_price": "1" }),
            "barcodes[0]",
        ),
        (
            "/api/v1/customers",
            json!({ "code": "C1", "name": "Ana", "email": "a\u{0}@b.c" }),
            "email",
        ),
    ] {
        let answer = app.post(path, admin, body).await;
        answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
        assert_eq!(answer.error_fields(), [field], "{path}: {}", answer.body);
    }
    let search = app.get("/api/v1/items?q=la%00tte", admin).await;
    search.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(search.error_fields(), ["q"]);
    let token = app
        .send(app.http.post(app.url("/oauth/token")).json(&json!({
            "grant_type": "client_credentials", "client_id": "adm\u{0}in", "client_secret": "x",
        })))
        .await;
    assert_eq!(token.status, StatusCode::UNAUTHORIZED, "{}", token.body);

    let branch = chain.branch("MNL-01", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let item = chain.item("LAT-01", "115").await;
    let beat = app
        .post(
            "/api/v1/sync/heartbeat",
            &till.token,
            json!({ "agent_version": "1.0\u{0}" }),
        )
        .await;
    beat.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(beat.error_fields(), ["agent_version"]);

    let good: Vec<Value> = (0..3)
        .map(|_| transaction("sale", &staff, &chain.cash, &[(&item, "1", "115")]))
        .collect();
    let mut poisoned = transaction("sale", &staff, &chain.cash, &[(&item, "1", "115")]);
    poisoned["receipt_number"] = json!("x\u{0}y");
    let batch = [
        good[0].clone(),
        poisoned.clone(),
        good[1].clone(),
        good[2].clone(),
    ];
    let results = chain.post(&till, &batch).await;
    let outcomes: Vec<&str> = results.iter().map(result_of).collect();
    assert_eq!(outcomes, ["accepted", "rejected", "accepted", "accepted"]);
    assert_eq!(reason_codes(&results[1]), ["invalid"]);
    assert_eq!(results[1]["reasons"][0]["field"], "receipt_number");
    assert_eq!(results[1]["id"], poisoned["id"]);
    let held = app
        .get(&format!("/api/v1/transactions?branch_id={branch}"), admin)
        .await;
    assert_eq!(held.body["total"], 3);
}

async fn token_from(app: &TestApp, from: &reqwest::Client, secret: &str) -> StatusCode {
    from.post(app.url("/oauth/token"))
        .basic_auth(ADMIN_ID, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
}

/// A guesser hammering the admin's client id from one address is slowed, and the real admin
/// calling from another address gets its tokens all the while (loopback has many addresses).
#[tokio::test]
async fn a_guesser_is_slowed_without_locking_the_real_client_out() {
    let app = common::spawn_app_with(|s| s.token_attempts_per_minute = 5).await;
    let from = |address: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(address))
            .build()
            .unwrap()
    };
    let guesser = from([127, 0, 0, 2]);
    let admin = from([127, 0, 0, 1]);
    let mut throttled = 0;
    for attempt in 0..12 {
        match token_from(&app, &guesser, &format!("guess-{attempt}")).await {
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => assert_eq!(other, StatusCode::UNAUTHORIZED),
        }
        assert_eq!(
            token_from(&app, &admin, ADMIN_SECRET).await,
            StatusCode::OK,
            "the real client is never refused for the guesser's failures (attempt {attempt})"
        );
    }
    assert!(
        throttled >= 6,
        "the guesser is slowed after its budget of 5: {throttled}"
    );
    // The guesser's address is refused even with the right secret while it is blocked, with a
    // Retry-After it can honour.
    let blocked = guesser
        .post(app.url("/oauth/token"))
        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = blocked.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

/// Guessing spread over many addresses trips a guard per client id, which still lets in the
/// addresses that logged in as that client before.
#[tokio::test]
async fn guessing_from_many_addresses_is_stopped_but_known_addresses_get_in() {
    let app = common::spawn_app_with(|s| s.token_attempts_per_minute = 2).await;
    let from = |last: u8| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 1, last]))
            .build()
            .unwrap()
    };
    let known = from(1);
    assert_eq!(token_from(&app, &known, ADMIN_SECRET).await, StatusCode::OK);
    // 2 failures per address, 20 per client id across addresses: 11 addresses make 22.
    for last in 10..21 {
        let guesser = from(last);
        for _ in 0..2 {
            token_from(&app, &guesser, "guess").await;
        }
    }
    assert_eq!(
        token_from(&app, &from(99), ADMIN_SECRET).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a new address waits while the client id is under attack"
    );
    assert_eq!(token_from(&app, &known, ADMIN_SECRET).await, StatusCode::OK);
}

/// Tokens issued before a secret rotation, a deactivation-reactivation or a branch's
/// reactivation are refused; a lifetime above 24 hours is refused at start.
#[tokio::test]
async fn rotation_and_reactivation_end_earlier_tokens() {
    let app = common::spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal, before_rotation) = app.terminal_with_token(&admin, "MNL-01").await;
    let terminal_id = terminal["terminal"]["id"].as_str().unwrap();
    let branch_id = terminal["terminal"]["branch_id"].as_str().unwrap();
    let pull = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/sync/master", &token).await.status }
    };
    assert_eq!(pull(before_rotation.clone()).await, StatusCode::OK);

    let rotated = app
        .post(
            &format!("/api/v1/terminals/{terminal_id}/rotate-secret"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    assert_eq!(pull(before_rotation).await, StatusCode::UNAUTHORIZED);
    let secret = rotated.body["client_secret"].as_str().unwrap();
    let client_id = rotated.body["client_id"].as_str().unwrap();
    let before_deactivation = app.token(client_id, secret).await;
    for action in ["deactivate", "reactivate"] {
        app.post(
            &format!("/api/v1/terminals/{terminal_id}/{action}"),
            &admin,
            json!({}),
        )
        .await;
    }
    assert_eq!(pull(before_deactivation).await, StatusCode::UNAUTHORIZED);
    let before_branch_closed = app.token(client_id, secret).await;
    for action in ["deactivate", "reactivate"] {
        app.post(
            &format!("/api/v1/branches/{branch_id}/{action}"),
            &admin,
            json!({}),
        )
        .await;
    }
    assert_eq!(pull(before_branch_closed).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        pull(app.token(client_id, secret).await).await,
        StatusCode::OK
    );

    let too_long = hubshake::Application::build(hubshake::config::Settings {
        listen: "127.0.0.1:0".into(),
        database_url: app.database.url.clone(),
        token_lifetime_secs: 25 * 3600,
        ..hubshake::config::Settings::default()
    })
    .await;
    let message = too_long.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("token_lifetime_secs"), "{message}");
}

/// One key, one document however its path is spelt.
#[tokio::test]
async fn an_idempotency_key_replays_across_spellings_of_the_path() {
    let chain = Chain::new().await;
    let branch = chain.branch("MNL-01", "retail").await;
    let item = chain.item("LAT-01", "115").await;
    let body = json!({ "lines": [{ "item_id": item, "mode": "delta", "quantity": "1", "reason_code": "found" }] });
    let spellings = [
        branch.clone(),
        branch.to_uppercase(),
        branch.replace('-', ""),
    ];
    let mut answers = Vec::new();
    for spelling in &spellings {
        let answer = chain
            .app
            .send(
                chain
                    .app
                    .http
                    .post(
                        chain
                            .app
                            .url(&format!("/api/v1/branches/{spelling}/adjustments")),
                    )
                    .bearer_auth(&chain.admin)
                    .header("Idempotency-Key", "found-one")
                    .json(&body),
            )
            .await;
        assert!(answer.status.is_success(), "{spelling}: {}", answer.body);
        answers.push(answer);
    }
    assert!(answers[1].headers.contains_key("idempotent-replayed"));
    assert!(answers[2].headers.contains_key("idempotent-replayed"));
    assert_eq!(id(&answers[0].body), id(&answers[2].body));
    assert_eq!(chain.on_hand(&branch, &item).await, common::sales::dec("1"));
}

/// Stock driven below zero by sales can be corrected upwards by a document.
#[tokio::test]
async fn oversold_stock_is_corrected_by_a_positive_adjustment() {
    let chain = Chain::new().await;
    let branch = chain.branch("MNL-01", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let item = chain.item("LAT-01", "115").await;
    let sale = transaction("sale", &staff, &chain.cash, &[(&item, "5", "115")]);
    assert_eq!(result_of(&chain.post_one(&till, &sale).await), "accepted");
    assert_eq!(
        chain.on_hand(&branch, &item).await,
        common::sales::dec("-5")
    );

    let adjustments = format!("/api/v1/branches/{branch}/adjustments");
    let adjust = |line: Value| {
        chain
            .app
            .post(&adjustments, &chain.admin, json!({ "lines": [line] }))
    };
    let raised = adjust(
        json!({ "item_id": item, "mode": "delta", "quantity": "1", "reason_code": "found" }),
    )
    .await;
    assert_eq!(raised.status, StatusCode::CREATED, "{}", raised.body);
    assert_eq!(
        chain.on_hand(&branch, &item).await,
        common::sales::dec("-4")
    );
    let counted = adjust(
        json!({ "item_id": item, "mode": "delta", "quantity": "2", "reason_code": "found" }),
    )
    .await;
    assert_eq!(counted.status, StatusCode::CREATED, "{}", counted.body);
    // Lower is refused, as before.
    adjust(json!({ "item_id": item, "mode": "delta", "quantity": "-1", "reason_code": "lost" }))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "insufficient-stock");
    assert_eq!(
        chain.on_hand(&branch, &item).await,
        common::sales::dec("-2")
    );
}

/// A JSON array is refused wherever an object is required.
#[tokio::test]
async fn arrays_are_refused_where_objects_are_required() {
    let chain = Chain::new().await;
    let branch = chain.branch("MNL-01", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let beat = chain
        .app
        .post(
            "/api/v1/sync/heartbeat",
            &till.token,
            json!(["SN-1", "1.0", 0]),
        )
        .await;
    beat.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let shown = chain
        .app
        .get(
            &format!("/api/v1/terminals/{}", till.terminal_id),
            &chain.admin,
        )
        .await;
    assert!(
        shown.body["device_id"].is_null(),
        "nothing was stored: {}",
        shown.body
    );
    chain
        .app
        .post(
            &format!("/api/v1/branches/{branch}/adjustments"),
            &chain.admin,
            json!([[]]),
        )
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
}
