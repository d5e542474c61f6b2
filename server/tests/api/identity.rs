//! The token endpoint (RFC 6749) and access-token checks (RFC 6750, RFC 8725, RFC 9068).

use crate::common;

use crate::common::{
    ADMIN_ID, ADMIN_SECRET, TestApp, objects::concrete_path, sales::Chain, spawn_app,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode, header};
use sea_orm::{Database, EntityTrait};
use serde_json::{Value, json};

fn assert_oauth_error(answer: &common::Answer, status: StatusCode, error: &str) {
    assert_eq!(answer.status, status, "body: {}", answer.body);
    assert_eq!(answer.body["error"], error, "body: {}", answer.body);
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
}

async fn token_request(app: &TestApp, request: reqwest::RequestBuilder) -> common::Answer {
    app.send(request).await
}

#[tokio::test]
async fn token_is_issued_for_credentials_by_basic_form_and_json() {
    let app = spawn_app().await;
    let url = app.url("/oauth/token");

    let by_basic = token_request(
        &app,
        app.http
            .post(&url)
            .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    let by_form = app.token_by_form(ADMIN_ID, ADMIN_SECRET).await;
    // The seed's terminals send JSON with the credentials in the body.
    let by_json = token_request(
        &app,
        app.http.post(&url).json(&json!({
            "grant_type": "client_credentials",
            "client_id": ADMIN_ID,
            "client_secret": ADMIN_SECRET,
        })),
    )
    .await;

    for answer in [by_basic, by_form, by_json] {
        assert_eq!(answer.status, StatusCode::OK, "body: {}", answer.body);
        assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(answer.body["token_type"], "bearer");
        assert_eq!(answer.body["expires_in"], 3600);
        assert_eq!(answer.body["scope"], "admin");
        assert!(answer.body.get("refresh_token").is_none());
        let token = answer.body["access_token"].as_str().unwrap();
        let header = jsonwebtoken::decode_header(token).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        let claims = claims_of(token);
        for claim in [
            "iss",
            "aud",
            "sub",
            "exp",
            "nbf",
            "iat",
            "jti",
            "scope",
            "client_id",
        ] {
            assert!(
                claims.get(claim).is_some(),
                "claim {claim} missing from {claims}"
            );
        }
        assert_eq!(claims["sub"], ADMIN_ID);
        // The token opens admin routes.
        let branches = app.get("/api/v1/branches", token).await;
        assert_eq!(branches.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn terminal_token_names_its_branch() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal, token) = app.terminal_with_token(&admin, "T1").await;
    let claims = claims_of(&token);
    assert_eq!(claims["scope"], "terminal");
    assert_eq!(claims["branch_id"], terminal["terminal"]["branch_id"]);
    assert_eq!(claims["terminal_id"], terminal["terminal"]["id"]);
}

#[tokio::test]
async fn bad_token_requests_get_rfc6749_errors() {
    let app = spawn_app().await;
    let url = app.url("/oauth/token");

    let wrong_secret = app.token_by_form(ADMIN_ID, "not-the-secret").await;
    assert_oauth_error(&wrong_secret, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(wrong_secret.headers.contains_key(header::WWW_AUTHENTICATE));

    let unknown_client = app.token_by_form("nobody", "whatever").await;
    assert_oauth_error(&unknown_client, StatusCode::UNAUTHORIZED, "invalid_client");

    let wrong_basic = app
        .send(
            app.http
                .post(&url)
                .basic_auth(ADMIN_ID, Some("wrong"))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_oauth_error(&wrong_basic, StatusCode::UNAUTHORIZED, "invalid_client");

    let missing_grant = app
        .send(
            app.http
                .post(&url)
                .form(&[("client_id", ADMIN_ID), ("client_secret", ADMIN_SECRET)]),
        )
        .await;
    assert_oauth_error(&missing_grant, StatusCode::BAD_REQUEST, "invalid_request");

    let unsupported_grant = app
        .send(app.http.post(&url).form(&[
            ("grant_type", "password"),
            ("client_id", ADMIN_ID),
            ("client_secret", ADMIN_SECRET),
        ]))
        .await;
    assert_oauth_error(
        &unsupported_grant,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
    );

    let both_methods = app
        .send(
            app.http
                .post(&url)
                .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", ADMIN_ID),
                    ("client_secret", ADMIN_SECRET),
                ]),
        )
        .await;
    assert_oauth_error(&both_methods, StatusCode::BAD_REQUEST, "invalid_request");

    let in_query = app
        .send(
            app.http
                .post(format!(
                    "{url}?client_id={ADMIN_ID}&client_secret={ADMIN_SECRET}"
                ))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_oauth_error(&in_query, StatusCode::BAD_REQUEST, "invalid_request");

    let wrong_scope = app
        .send(app.http.post(&url).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", ADMIN_ID),
            ("client_secret", ADMIN_SECRET),
            ("scope", "terminal"),
        ]))
        .await;
    assert_oauth_error(&wrong_scope, StatusCode::BAD_REQUEST, "invalid_scope");

    let plain_text = app
        .send(
            app.http
                .post(&url)
                .header(header::CONTENT_TYPE, "text/plain")
                .body("grant_type=client_credentials"),
        )
        .await;
    assert_oauth_error(&plain_text, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn deactivated_clients_get_no_token_and_their_tokens_stop_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal, token) = app.terminal_with_token(&admin, "T1").await;
    let terminal_id = terminal["terminal"]["id"].as_str().unwrap();
    let heartbeat = json!({ "agent_version": "1.0.0" });
    assert_eq!(
        app.post("/api/v1/sync/heartbeat", &token, heartbeat.clone())
            .await
            .status,
        StatusCode::OK
    );

    let deactivated = app
        .post(
            &format!("/api/v1/terminals/{terminal_id}/deactivate"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(deactivated.status, StatusCode::OK);
    assert_eq!(deactivated.body["active"], false);

    let refused = app
        .post("/api/v1/sync/heartbeat", &token, heartbeat.clone())
        .await;
    refused.assert_problem_type(StatusCode::UNAUTHORIZED, "invalid-token");
    assert!(
        refused.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let new_token = app
        .token_by_form(
            terminal["client_id"].as_str().unwrap(),
            terminal["client_secret"].as_str().unwrap(),
        )
        .await;
    assert_oauth_error(&new_token, StatusCode::UNAUTHORIZED, "invalid_client");

    app.post(
        &format!("/api/v1/terminals/{terminal_id}/reactivate"),
        &admin,
        json!({}),
    )
    .await;
    // Reactivation does not bring back tokens issued before the deactivation; a new one works.
    app.post("/api/v1/sync/heartbeat", &token, heartbeat.clone())
        .await
        .assert_problem_type(StatusCode::UNAUTHORIZED, "invalid-token");
    let token = app
        .token(
            terminal["client_id"].as_str().unwrap(),
            terminal["client_secret"].as_str().unwrap(),
        )
        .await;
    assert_eq!(
        app.post("/api/v1/sync/heartbeat", &token, heartbeat.clone())
            .await
            .status,
        StatusCode::OK
    );

    // A deactivated branch shuts out its terminals too.
    let branch_id = terminal["terminal"]["branch_id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/branches/{branch_id}/deactivate"),
        &admin,
        json!({}),
    )
    .await;
    app.post("/api/v1/sync/heartbeat", &token, heartbeat)
        .await
        .assert_problem_type(StatusCode::UNAUTHORIZED, "invalid-token");
}

#[tokio::test]
async fn rotating_a_secret_retires_the_old_one() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal, _) = app.terminal_with_token(&admin, "T1").await;
    let terminal_id = terminal["terminal"]["id"].as_str().unwrap();
    let client_id = terminal["client_id"].as_str().unwrap();

    let rotated = app
        .post(
            &format!("/api/v1/terminals/{terminal_id}/rotate-secret"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let new_secret = rotated.body["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, terminal["client_secret"].as_str().unwrap());

    let old = app
        .token_by_form(client_id, terminal["client_secret"].as_str().unwrap())
        .await;
    assert_oauth_error(&old, StatusCode::UNAUTHORIZED, "invalid_client");
    app.token(client_id, new_secret).await;
}

#[tokio::test]
async fn secrets_are_not_stored_in_clear() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal, _) = app.terminal_with_token(&admin, "T1").await;
    let terminal_secret = terminal["client_secret"].as_str().unwrap();

    let db = Database::connect(&app.database.url).await.unwrap();
    let terminals = entity::terminal::Entity::find().all(&db).await.unwrap();
    let admins = entity::admin_client::Entity::find().all(&db).await.unwrap();
    assert_eq!(terminals.len(), 1);
    assert_eq!(admins.len(), 1);
    assert!(!terminals[0].secret_hash.contains(terminal_secret));
    assert!(terminals[0].secret_hash.starts_with("sha256:"));
    assert!(!admins[0].secret_hash.contains(ADMIN_SECRET));
    assert!(admins[0].secret_hash.starts_with("$argon2id$"));
    // The secret is shown once: reading the terminal back does not reveal it.
    let read = app
        .get(&format!("/api/v1/terminals/{}", terminals[0].id), &admin)
        .await;
    assert!(read.body.get("client_secret").is_none());
    assert!(!read.body.to_string().contains(terminal_secret));
}

#[tokio::test]
async fn repeated_attempts_for_one_client_id_are_throttled() {
    let app = common::spawn_app_with(|s| s.token_attempts_per_minute = 5).await;
    for _ in 0..5 {
        let answer = app.token_by_form(ADMIN_ID, "guess").await;
        assert_oauth_error(&answer, StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let throttled = app.token_by_form(ADMIN_ID, "guess").await;
    assert_oauth_error(&throttled, StatusCode::TOO_MANY_REQUESTS, "invalid_request");
    assert!(throttled.headers.contains_key(header::RETRY_AFTER));
    // Even the right secret waits: the answer must not tell a guesser it was right.
    let right = app.token_by_form(ADMIN_ID, ADMIN_SECRET).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client id is not affected.
    assert_eq!(
        app.token_by_form("someone-else", "x").await.status,
        StatusCode::UNAUTHORIZED
    );
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn forge(header: &Value, claims: &Value, key: &[u8]) -> String {
    let header: Header = serde_json::from_value(header.clone()).unwrap();
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(key)).unwrap()
}

#[tokio::test]
async fn invalid_access_tokens_are_refused_with_401() {
    const KEY: &str = "a-signing-key-the-test-knows-0123456789";
    let app = common::spawn_app_with(|s| s.signing_key = Some(KEY.into())).await;
    let admin = app.admin_token().await;
    let header: Value = serde_json::to_value(jsonwebtoken::decode_header(&admin).unwrap()).unwrap();
    let claims = claims_of(&admin);
    let now = chrono::Utc::now().timestamp();

    // The test's forgery is accepted when nothing is wrong with it, so each refusal below is for its one flaw.
    let faithful = forge(&header, &claims, KEY.as_bytes());
    assert_eq!(
        app.get("/api/v1/branches", &faithful).await.status,
        StatusCode::OK
    );

    let mut expired = claims.clone();
    expired["iat"] = json!(now - 7200);
    expired["nbf"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let mut not_yet = claims.clone();
    not_yet["nbf"] = json!(now + 3600);
    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("another-api");
    let mut wrong_issuer = claims.clone();
    wrong_issuer["iss"] = json!("someone-else");
    let mut wrong_type = header.clone();
    wrong_type["typ"] = json!("JWT");
    let mut unknown_kid = header.clone();
    unknown_kid["kid"] = json!("not-ours");
    let mut embedded_jwk = header.clone();
    embedded_jwk["jku"] = json!("https://attacker.invalid/keys");
    embedded_jwk["kid"] = json!("attacker");

    let (head, _, signature) = split3(&admin);
    let mut terminal_claims = claims.clone();
    terminal_claims["scope"] = json!("terminal");
    let tampered = format!(
        "{head}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(terminal_claims.to_string())
    );
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt","kid":"x"}"#);
    let alg_none = format!(
        "{none_header}.{}.",
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );

    let refused = [
        ("expired", forge(&header, &expired, KEY.as_bytes())),
        ("not yet valid", forge(&header, &not_yet, KEY.as_bytes())),
        (
            "wrong audience",
            forge(&header, &wrong_audience, KEY.as_bytes()),
        ),
        (
            "wrong issuer",
            forge(&header, &wrong_issuer, KEY.as_bytes()),
        ),
        ("wrong type", forge(&wrong_type, &claims, KEY.as_bytes())),
        ("unknown kid", forge(&unknown_kid, &claims, KEY.as_bytes())),
        (
            "jku header",
            forge(&embedded_jwk, &claims, b"the-attackers-own-key-0123456789"),
        ),
        (
            "wrongly signed",
            forge(&header, &claims, b"some-other-key-of-32-bytes-or-more"),
        ),
        ("tampered payload", tampered),
        ("alg none", alg_none),
        ("garbage", "not-a-jwt".to_string()),
    ];
    for (flaw, token) in refused {
        let answer = app.get("/api/v1/branches", &token).await;
        answer.assert_problem_type(StatusCode::UNAUTHORIZED, "invalid-token");
        let challenge = answer.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{flaw}: {challenge}"
        );
    }

    let no_token = app.send(app.http.get(app.url("/api/v1/branches"))).await;
    no_token.assert_problem_type(StatusCode::UNAUTHORIZED, "token-required");
    assert_eq!(
        no_token.headers[header::WWW_AUTHENTICATE],
        r#"Bearer realm="hubshake""#
    );
}

fn split3(token: &str) -> (&str, &str, &str) {
    let mut parts = token.split('.');
    (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    )
}

/// Every route of the OpenAPI document, called by a terminal of branch A with the ids of
/// branch B's real objects: admin routes answer 403, the routes a terminal may use for its own
/// branch answer 404, as if B's objects did not exist (which an admin's 200 shows they do).
#[tokio::test]
async fn a_terminal_gets_403_on_admin_routes_and_404_for_another_branchs_objects() {
    let chain = Chain::new().await;
    let own_branch = chain.branch("A", "retail").await;
    let till = chain.till(&own_branch, "Till A").await;
    let objects = common::objects::objects_of_another_branch(&chain, &own_branch).await;
    let other_branch = &objects[0].1;
    let spec = chain
        .app
        .send(chain.app.http.get(chain.app.url("/api-docs/openapi.json")))
        .await
        .body;
    // What a terminal may use beyond its own sync routes: each answers "not found" for B.
    let readable_by_terminals = [
        ("get", "/api/v1/branches/{branch_id}/stock"),
        ("get", "/api/v1/branches/{branch_id}/items/{item_id}/ledger"),
        ("get", "/api/v1/branches/{branch_id}/ledger"),
        (
            "get",
            "/api/v1/branches/{branch_id}/items/{item_id}/stock-at",
        ),
        ("get", "/api/v1/branches/{branch_id}/daily-sales"),
        ("get", "/api/v1/branches/{branch_id}/journal"),
        ("get", "/api/v1/branches/{branch_id}/journal/verify"),
        ("get", "/api/v1/transactions"),
        ("get", "/api/v1/transactions/{transaction_id}"),
        ("get", "/api/v1/item-requests/{item_request_id}"),
        ("post", "/api/v1/item-requests"),
        ("get", "/api/v1/channel-orders"),
        ("get", "/api/v1/channel-orders/{order_id}"),
        ("post", "/api/v1/channel-orders/{order_id}/fulfil"),
        ("get", "/api/v1/shifts"),
        ("get", "/api/v1/shifts/{shift_id}"),
    ];

    let (mut refused, mut hidden) = (0, 0);
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") || path.starts_with("/api/v1/sync/") {
            continue;
        }
        let concrete = concrete_path(path, &objects);
        let query = match path.as_str() {
            p if p.ends_with("/daily-sales") => "from=2026-01-01&to=2026-01-02".to_string(),
            "/api/v1/transactions" | "/api/v1/channel-orders" | "/api/v1/shifts" => {
                format!("branch_id={other_branch}")
            }
            _ => "at=2026-01-01T00:00:00Z".to_string(),
        };
        let concrete = format!("{concrete}?{query}");
        for method in item.as_object().unwrap().keys() {
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = if path == "/api/v1/item-requests" {
                json!({ "requesting_branch_id": other_branch, "supplying_branch_id": own_branch, "lines": [{ "item_id": objects[1].1, "quantity": "1" }] })
            } else {
                json!({})
            };
            let answer = chain
                .app
                .call(verb.clone(), &concrete, &till.token, Some(body))
                .await;
            let readable = readable_by_terminals.contains(&(method.as_str(), path.as_str()));
            let expected = if readable {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(answer.status, expected, "{verb} {path}: {}", answer.body);
            if readable {
                answer.assert_problem_type(StatusCode::NOT_FOUND, "not-found");
                if verb == Method::GET {
                    let seen = chain.app.get(&concrete, &chain.admin).await;
                    assert_eq!(
                        seen.status,
                        StatusCode::OK,
                        "{verb} {path} as admin: {}",
                        seen.body
                    );
                }
                hidden += 1;
            } else {
                answer.assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
                assert!(
                    answer.headers[header::WWW_AUTHENTICATE]
                        .to_str()
                        .unwrap()
                        .contains("insufficient_scope"),
                    "{verb} {path}"
                );
                refused += 1;
            }
        }
    }
    assert_eq!(
        hidden,
        readable_by_terminals.len(),
        "a terminal route left the document"
    );
    assert!(
        refused >= 60,
        "only {refused} admin routes found in the OpenAPI document"
    );

    // And an admin token is refused on terminal routes.
    chain
        .app
        .post("/api/v1/sync/heartbeat", &chain.admin, json!({}))
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
}

/// Secrets with the characters form encoding changes work however a client library sends them:
/// HTTP Basic raw (curl -u, requests, authlib) or form-encoded (RFC 6749 §2.3.1), or in the body.
#[tokio::test]
async fn secrets_with_plus_percent_slash_and_colon_work_through_every_encoding() {
    const SECRET: &str = "q7Yx+3kP/a%2Fb:c=";
    let app = common::spawn_app_with(|s| s.admin_client_secret = Some(SECRET.into())).await;
    let url = app.url("/oauth/token");
    let form_encoded: String = form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
    let basic = |secret: &str| {
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("{ADMIN_ID}:{secret}"));
        app.http
            .post(&url)
            .header(header::AUTHORIZATION, format!("Basic {pair}"))
            .form(&[("grant_type", "client_credentials")])
    };
    let answers = [
        ("basic, raw", app.send(basic(SECRET)).await),
        ("basic, form-encoded", app.send(basic(&form_encoded)).await),
        ("form body", app.token_by_form(ADMIN_ID, SECRET).await),
        (
            "JSON body",
            app.send(app.http.post(&url).json(&json!({
                "grant_type": "client_credentials", "client_id": ADMIN_ID, "client_secret": SECRET,
            })))
            .await,
        ),
    ];
    for (how, answer) in answers {
        assert_eq!(answer.status, StatusCode::OK, "{how}: {}", answer.body);
    }
    // Neither form of a wrong secret gets in.
    let wrong = app.send(basic("q7Yx+3kP/a%2Fb:c")).await;
    assert_oauth_error(&wrong, StatusCode::UNAUTHORIZED, "invalid_client");
}

/// A terminal token is good only for the branch the terminal belongs to: a token naming
/// another branch is refused even when it is signed with the hub's own key.
#[tokio::test]
async fn a_terminal_token_naming_another_branch_is_refused() {
    const KEY: &str = "a-signing-key-the-test-knows-0123456789";
    let app = common::spawn_app_with(|s| s.signing_key = Some(KEY.into())).await;
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "MNL-01").await;
    let other_branch = app.create_branch(&admin, "CEB-01", "retail").await;
    let header: Value = serde_json::to_value(jsonwebtoken::decode_header(&token).unwrap()).unwrap();
    let claims = claims_of(&token);

    let faithful = forge(&header, &claims, KEY.as_bytes());
    assert_eq!(
        app.get("/api/v1/sync/master", &faithful).await.status,
        StatusCode::OK,
        "the forgery itself is sound"
    );
    let mut moved = claims.clone();
    moved["branch_id"] = other_branch["id"].clone();
    app.get(
        "/api/v1/sync/master",
        &forge(&header, &moved, KEY.as_bytes()),
    )
    .await
    .assert_problem_type(StatusCode::UNAUTHORIZED, "invalid-token");
}
