use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::PageView;
use super::extract::Query;
use super::idempotent::WriteRequest;
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
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
    request_body = RegisterTerminalRequest,
    tag = "terminals",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = TerminalCredentials),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The branch is deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/branches/{branch_id}/terminals")]
pub async fn register_terminal(
    admin: AdminCaller,
    write: WriteRequest,
    branch_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: RegisterTerminalRequest = write.json()?;
    let new = NewTerminal {
        name: body.name,
        device_id: body.device_id,
    };
    write
        .run_unkept(&admin.client_id, StatusCode::CREATED, async |txn| {
            registry::register_terminal(txn, *branch_id, new).await
        })
        .await
}

/// List a branch's terminals, ordered by name.
#[utoipa::path(
    tag = "terminals",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery),
    responses(
        (status = 200, body = PageView<Terminal>),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/branches/{branch_id}/terminals")]
pub async fn list_terminals(
    _client: ReportsCaller,
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
    security(("bearer" = ["admin", "stock", "reports"])),
    responses((status = 200, body = Terminal), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/terminals/{terminal_id}")]
pub async fn get_terminal(
    _client: ReportsCaller,
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
    security(("bearer" = ["admin"])),
    responses((status = 200, body = TerminalCredentials), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/terminals/{terminal_id}/rotate-secret")]
pub async fn rotate_secret(
    admin: AdminCaller,
    write: WriteRequest,
    terminal_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run_unkept(&admin.client_id, StatusCode::OK, async |txn| {
            registry::rotate_terminal_secret(txn, *terminal_id).await
        })
        .await
}

/// Clear the device a terminal is bound to (a till replaced or reinstalled): its next heartbeat
/// binds it to the device that heartbeat names.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "terminals",
    security(("bearer" = ["admin"])),
    responses((status = 200, body = Terminal), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/terminals/{terminal_id}/reset-device")]
pub async fn reset_device(
    admin: AdminCaller,
    write: WriteRequest,
    terminal_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            registry::reset_terminal_device(txn, *terminal_id).await
        })
        .await
}

/// Deactivate a terminal: its tokens are refused at once.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "terminals",
    security(("bearer" = ["admin"])),
    responses((status = 200, body = Terminal), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/terminals/{terminal_id}/deactivate")]
pub async fn deactivate_terminal(
    admin: AdminCaller,
    write: WriteRequest,
    terminal_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            registry::set_terminal_active(txn, *terminal_id, false).await
        })
        .await
}

/// Reactivate a terminal.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "terminals",
    security(("bearer" = ["admin"])),
    responses((status = 200, body = Terminal), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/terminals/{terminal_id}/reactivate")]
pub async fn reactivate_terminal(
    admin: AdminCaller,
    write: WriteRequest,
    terminal_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            registry::set_terminal_active(txn, *terminal_id, true).await
        })
        .await
}
