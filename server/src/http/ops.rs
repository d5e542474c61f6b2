use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use subtle::ConstantTimeEq;

use crate::{AppState, db::health::RETRY_AFTER_SECS, error::ApiError};

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers; a load balancer sends traffic only to ready hubs. During an outage
/// the answer is 503 at once, without waiting for a connection. `feeds` says how this process
/// learns of other processes' writes (`listen` on PostgreSQL, else `interval`) and whether that
/// is working now (`connected`); while it is not, polls ask the database.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready"),
        (status = 503, description = "The database does not answer"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let feeds = serde_json::json!({
        "watch": state.watch.name(),
        "connected": state.heads.is_healthy(),
    });
    if !state.db_health.is_down() && state.db_health.probe(&state.db).await {
        return HttpResponse::Ok().json(serde_json::json!({ "status": "ready", "feeds": feeds }));
    }
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()))
        .json(serde_json::json!({ "status": "database unavailable" }))
}

/// Prometheus text format, on the metrics listener (no token: it is on a private address).
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(PROMETHEUS_TEXT)
        .body(state.metrics.render(&state.db).await)
}

/// `/metrics` on the main listener: only with the configured metrics token; without one
/// configured, there is no such route.
pub async fn metrics_with_token(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(expected) = &state.metrics_token else {
        return Err(ApiError::NoRoute(req.path().to_string()));
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(ApiError::invalid_token("/metrics needs the metrics token"));
    }
    Ok(metrics(state).await)
}

/// The media type of the Prometheus text exposition format.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The OpenAPI document, serialised once at start.
pub struct ApiDocument(pub web::Bytes);

/// Serves the OpenAPI document (Swagger UI at `/docs/` reads it).
pub async fn api_doc(document: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(header::ContentType::json())
        .body(document.0.clone())
}
