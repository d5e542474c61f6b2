use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::PageView;
use super::extract::{Json, Query};
use crate::{
    AppState,
    auth::caller::AdminCaller,
    error::{ApiError, Problem},
    pagination::PageQuery,
    registry::{self, NewTerminal, Terminal, TerminalCredentials},
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(register_terminal)
        .service(list_terminals)
        .service(get_terminal)
        .service(rotate_secret)
        .service(reset_device)
        .service(deactivate_terminal)
        .service(reactivate_terminal);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterTerminalRequest {
    #[schema(example = "Till 1")]
    name: String,
    /// The device this terminal runs on; when set, heartbeats from another device are refused.
    device_id: Option<String>,
}

/// Register a terminal under a branch; the answer holds its client secret, shown only this once.
#[utoipa::path(
    tag = "terminals",
    security(("bearer" = [])),
    responses(
        (status = 201, body = TerminalCredentials),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The branch is deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/branches/{branch_id}/terminals")]
pub async fn register_terminal(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    body: Json<RegisterTerminalRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewTerminal {
        name: body.name,
        device_id: body.device_id,
    };
    let registered = registry::register_terminal(&state.db, *branch_id, new).await?;
    Ok(HttpResponse::Created().json(registered))
}

/// List a branch's terminals, ordered by name.
#[utoipa::path(
    tag = "terminals",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = PageView<Terminal>),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/branches/{branch_id}/terminals")]
pub async fn list_terminals(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    page: Query<PageQuery>,
) -> Result<web::Json<PageView<Terminal>>, ApiError> {
    let page = registry::list_terminals(&state.db, *branch_id, page.parse()?).await?;
    Ok(web::Json(page.into()))
}

/// One terminal, with when it was last seen and its agent version.
#[utoipa::path(
    tag = "terminals",
    security(("bearer" = [])),
    responses((status = 200, body = Terminal), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/terminals/{terminal_id}")]
pub async fn get_terminal(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    terminal_id: web::Path<Uuid>,
) -> Result<web::Json<Terminal>, ApiError> {
    Ok(web::Json(
        registry::get_terminal(&state.db, *terminal_id).await?,
    ))
}

/// Give a terminal a new client secret (shown once); the old secret stops working.
#[utoipa::path(
    tag = "terminals",
    security(("bearer" = [])),
    responses((status = 200, body = TerminalCredentials), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/terminals/{terminal_id}/rotate-secret")]
pub async fn rotate_secret(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    terminal_id: web::Path<Uuid>,
) -> Result<web::Json<TerminalCredentials>, ApiError> {
    Ok(web::Json(
        registry::rotate_terminal_secret(&state.db, *terminal_id).await?,
    ))
}

/// Clear the device a terminal is bound to (a till replaced or reinstalled): its next heartbeat
/// binds it to the device that heartbeat names.
#[utoipa::path(
    tag = "terminals",
    security(("bearer" = [])),
    responses((status = 200, body = Terminal), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/terminals/{terminal_id}/reset-device")]
pub async fn reset_device(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    terminal_id: web::Path<Uuid>,
) -> Result<web::Json<Terminal>, ApiError> {
    Ok(web::Json(
        registry::reset_terminal_device(&state.db, *terminal_id).await?,
    ))
}

/// Deactivate a terminal: its tokens are refused at once.
#[utoipa::path(
    tag = "terminals",
    security(("bearer" = [])),
    responses((status = 200, body = Terminal), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/terminals/{terminal_id}/deactivate")]
pub async fn deactivate_terminal(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    terminal_id: web::Path<Uuid>,
) -> Result<web::Json<Terminal>, ApiError> {
    Ok(web::Json(
        registry::set_terminal_active(&state.db, *terminal_id, false).await?,
    ))
}

/// Reactivate a terminal.
#[utoipa::path(
    tag = "terminals",
    security(("bearer" = [])),
    responses((status = 200, body = Terminal), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/terminals/{terminal_id}/reactivate")]
pub async fn reactivate_terminal(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    terminal_id: web::Path<Uuid>,
) -> Result<web::Json<Terminal>, ApiError> {
    Ok(web::Json(
        registry::set_terminal_active(&state.db, *terminal_id, true).await?,
    ))
}
