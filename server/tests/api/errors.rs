//! Every error the API gives is an RFC 9457 problem document, never an HTML or plain-text page.

use crate::common;

use crate::common::spawn_app;
use reqwest::{Method, StatusCode, header};
use serde_json::json;

#[tokio::test]
async fn framework_errors_are_problem_documents() {
    let app = common::spawn_app_with(|s| s.body_limit_bytes = 4096).await;
    let admin = app.admin_token().await;
    let branches = app.url("/api/v1/branches");

    let malformed = app
        .send(
            app.http
                .post(&branches)
                .bearer_auth(&admin)
                .header(header::CONTENT_TYPE, "application/json")
                .body("{\"code\":"),
        )
        .await;
    malformed.assert_problem_type(StatusCode::BAD_REQUEST, "bad-request");

    let oversize = app
        .send(
            app.http
                .post(&branches)
                .bearer_auth(&admin)
                .header(header::CONTENT_TYPE, "application/json")
                .body(format!("{{\"name\":\"{}\"}}", "x".repeat(5000))),
        )
        .await;
    oversize.assert_problem_type(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large");

    let oversize_token_request = app
        .send(
            app.http
                .post(app.url("/oauth/token"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(format!(
                    "grant_type=client_credentials&pad={}",
                    "x".repeat(5000)
                )),
        )
        .await;
    oversize_token_request.assert_problem_type(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large");

    let wrong_media = app
        .send(
            app.http
                .post(&branches)
                .bearer_auth(&admin)
                .header(header::CONTENT_TYPE, "text/plain")
                .body("{}"),
        )
        .await;
    wrong_media.assert_problem_type(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    // Media types are case-insensitive, and a charset parameter is fine.
    let spelt_otherwise = app
        .send(
            app.http
                .post(&branches)
                .bearer_auth(&admin)
                .header(header::CONTENT_TYPE, "Application/JSON; charset=UTF-8")
                .body(r#"{"code":"CT-1","name":"Case","pos_type":"retail"}"#),
        )
        .await;
    assert_eq!(
        spelt_otherwise.status,
        StatusCode::CREATED,
        "{}",
        spelt_otherwise.body
    );

    app.get("/no/such/route", &admin)
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "no-route");
    app.get("/api/v1/nothing", &admin)
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "no-route");
    // A 405 names the methods the path allows (RFC 9110 §15.5.6).
    for (method, path, allow) in [
        (Method::DELETE, "/api/v1/branches".to_string(), "GET, POST"),
        (Method::GET, "/oauth/token".to_string(), "POST"),
        (Method::DELETE, "/api/v1/items/import".to_string(), "POST"),
        (
            Method::POST,
            format!("/api/v1/items/{}", uuid::Uuid::now_v7()),
            "GET, PUT, DELETE",
        ),
    ] {
        let answer = app.call(method.clone(), &path, &admin, None).await;
        answer.assert_problem_type(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
        assert_eq!(answer.headers[header::ALLOW], allow, "{method} {path}");
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let health = app.send(app.http.get(app.url("/healthz"))).await;
    assert_eq!(health.status, StatusCode::OK);
    let ready = app.send(app.http.get(app.url("/readyz"))).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");
}

#[tokio::test]
async fn api_docs_are_served_offline() {
    let app = spawn_app().await;
    let spec = app
        .send(app.http.get(app.url("/api-docs/openapi.json")))
        .await;
    assert_eq!(spec.status, StatusCode::OK);
    assert!(spec.body["paths"]["/oauth/token"].is_object());
    let page = app.http.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "the docs page is Swagger UI");
    // The page's script is served by the hub itself, not by a CDN.
    let script = app
        .http
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    let initializer = app
        .http
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(initializer.status(), StatusCode::OK);
    let initializer = initializer.text().await.unwrap();
    assert!(
        initializer.contains("/api-docs/openapi.json"),
        "the page reads the hub's document: {initializer}"
    );
}

/// Every bad query parameter is a 422 naming it; plain dates are taken where an instant is asked,
/// and a one-day summary needs no `to`.
#[tokio::test]
async fn query_parameters_are_named_when_wrong_and_take_plain_dates() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let branch = app.create_branch(&admin, "MNL-01", "retail").await;
    let branch = branch["id"].as_str().unwrap();
    let item = app.create_item(&admin, "LAT-01", "115").await;
    let item = item["id"].as_str().unwrap();
    let ledger = format!("/api/v1/branches/{branch}/items/{item}/ledger");

    for ok in [
        format!("{ledger}?from=2026-12-01"),
        format!("{ledger}?from=2026-12-01&to=2026-12-02"),
        format!("{ledger}?from=2026-12-01T08:00:00%2B08:00"),
        format!("/api/v1/branches/{branch}/items/{item}/stock-at?at=2026-12-01"),
        format!("/api/v1/branches/{branch}/items/{item}/stock-at"),
        format!("/api/v1/branches/{branch}/daily-sales?from=2026-12-01"),
        format!("/api/v1/branches/{branch}/daily-sales"),
    ] {
        let answer = app.get(&ok, &admin).await;
        assert_eq!(answer.status, StatusCode::OK, "{ok}: {}", answer.body);
    }
    let one_day = app
        .get(
            &format!("/api/v1/branches/{branch}/daily-sales?from=2026-12-01"),
            &admin,
        )
        .await;
    assert_eq!(one_day.body["total"], 0, "a list shape: {}", one_day.body);
    assert!(one_day.body["items"].is_array());

    for (query, field) in [
        (format!("{ledger}?from=yesterday"), "from"),
        (format!("{ledger}?to=2026-02-30"), "to"),
        (
            format!("/api/v1/branches/{branch}/items/{item}/stock-at?at=noon"),
            "at",
        ),
        (
            format!("/api/v1/branches/{branch}/daily-sales?to=soon"),
            "to",
        ),
        (
            format!("/api/v1/branches/{branch}/stock?below=lots"),
            "below",
        ),
        (
            "/api/v1/transactions?kind=sale&from=1st".to_string(),
            "from",
        ),
        ("/api/v1/items?active=maybe".to_string(), "active"),
    ] {
        let answer = app.get(&query, &admin).await;
        answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
        assert_eq!(answer.error_fields(), [field], "{query}: {}", answer.body);
    }
}

/// A body field that is missing, unknown or of the wrong type is named in `errors[].field`, with
/// its path inside the body; an array where an object belongs is refused.
#[tokio::test]
async fn body_fields_are_named_when_missing_unknown_or_wrong() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let branch = app.create_branch(&admin, "MNL-01", "retail").await;
    let branch = branch["id"].as_str().unwrap();
    let item = app.create_item(&admin, "LAT-01", "115").await;
    let item = item["id"].as_str().unwrap();
    let cases = [
        (
            "/api/v1/branches".to_string(),
            json!({ "name": "No code", "pos_type": "retail" }),
            "code",
        ),
        (
            "/api/v1/branches".to_string(),
            json!({ "code": "X", "name": "X", "pos_type": "retail", "colour": "red" }),
            "colour",
        ),
        (
            format!("/api/v1/branches/{branch}/adjustments"),
            json!({ "lines": [{ "item_id": item, "mode": "delta", "quantity": "1", "reason_code": "x", "cost": 1 }] }),
            "lines[0].cost",
        ),
        (
            format!("/api/v1/branches/{branch}/adjustments"),
            json!({ "lines": [{ "item_id": item, "mode": "delta", "quantity": {}, "reason_code": "x" }] }),
            "lines[0].quantity",
        ),
        (
            "/api/v1/transfers".to_string(),
            json!({ "from_branch_id": branch, "lines": [] }),
            "to_branch_id",
        ),
    ];
    for (path, body, field) in cases {
        let answer = app.post(&path, &admin, body.clone()).await;
        answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
        assert_eq!(
            answer.error_fields(),
            [field],
            "{path} {body}: {}",
            answer.body
        );
    }
    for (path, body) in [
        (
            "/api/v1/branches",
            json!(["ARR-1", "Array branch", "retail", null, null]),
        ),
        ("/api/v1/categories", json!(["Drinks"])),
    ] {
        let answer = app.post(path, &admin, body).await;
        answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    }
    let branches = app.get("/api/v1/branches", &admin).await;
    assert_eq!(branches.body["total"], 1, "no array made a branch");
}

#[tokio::test]
async fn the_docs_address_without_its_slash_leads_to_the_page() {
    let app = spawn_app().await;
    let page = app.http.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "redirected to /docs/");
    assert_eq!(page.url().path(), "/docs/");
}
