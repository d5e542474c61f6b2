//! Every error the API gives is an RFC 9457 problem document, never an HTML or plain-text page.

mod common;

use common::spawn_app;
use reqwest::{Method, StatusCode, header};

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
    malformed.assert_problem(StatusCode::BAD_REQUEST);

    let oversize = app
        .send(
            app.http
                .post(&branches)
                .bearer_auth(&admin)
                .header(header::CONTENT_TYPE, "application/json")
                .body(format!("{{\"name\":\"{}\"}}", "x".repeat(5000))),
        )
        .await;
    oversize.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);

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
    oversize_token_request.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);

    let wrong_media = app
        .send(
            app.http
                .post(&branches)
                .bearer_auth(&admin)
                .header(header::CONTENT_TYPE, "text/plain")
                .body("{}"),
        )
        .await;
    wrong_media.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    app.get("/no/such/route", &admin)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/api/v1/nothing", &admin)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.call(Method::DELETE, "/api/v1/branches", &admin, None)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED);
    app.call(Method::GET, "/oauth/token", &admin, None)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED);
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
}
