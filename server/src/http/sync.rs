use actix_web::{post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::caller::TerminalCaller,
    error::{ApiError, Problem},
    registry::{self, Heartbeat},
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(heartbeat);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatRequest {
    device_id: Option<String>,
    agent_version: Option<String>,
    /// Transactions queued on the terminal, not yet acknowledged by the hub.
    queued_backlog: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeartbeatResponse {
    /// The hub's clock, so a terminal can notice its own drift.
    server_time: DateTime<Utc>,
}

/// A terminal says it is alive; the admin sees `last_seen_at` and the agent version.
#[utoipa::path(
    tag = "sync",
    security(("bearer" = [])),
    responses(
        (status = 200, body = HeartbeatResponse),
        (status = 409, description = "Another device than the registered one", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sync/heartbeat")]
pub async fn heartbeat(
    terminal: TerminalCaller,
    state: web::Data<AppState>,
    body: web::Json<HeartbeatRequest>,
) -> Result<web::Json<HeartbeatResponse>, ApiError> {
    let body = body.into_inner();
    let report = Heartbeat {
        device_id: body.device_id,
        agent_version: body.agent_version,
        queued_backlog: body.queued_backlog,
    };
    let recorded = registry::record_heartbeat(&state.db, terminal.terminal_id, report).await?;
    Ok(web::Json(HeartbeatResponse {
        server_time: recorded.last_seen_at.unwrap_or_else(Utc::now),
    }))
}
