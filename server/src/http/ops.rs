use actix_web::{HttpResponse, get, web};
use sea_orm::ConnectionTrait;

use crate::AppState;

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers; a load balancer sends traffic only to ready hubs.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready"),
        (status = 503, description = "The database does not answer"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "database unavailable" }))
        }
    }
}
