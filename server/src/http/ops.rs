use actix_web::{HttpResponse, get, http::header, web};

use crate::{AppState, db::health::RETRY_AFTER_SECS};

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers; a load balancer sends traffic only to ready hubs. During an outage
/// the answer is 503 at once, without waiting for a connection.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready"),
        (status = 503, description = "The database does not answer"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if !state.db_health.is_down() && state.db_health.probe(&state.db).await {
        return HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }));
    }
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()))
        .json(serde_json::json!({ "status": "database unavailable" }))
}
