use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::Query;
use super::idempotent::WriteRequest;
use super::{PageView, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
    error::{ApiError, FieldErrors, Problem},
    pagination::PageQuery,
    registry::{self, FleetFilter, NewTerminal, Terminal, TerminalCredentials, TerminalHealth},
    time,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_fleet)
        .service(register_terminal)
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
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        registry::list_terminals(db, *branch_id, page).await
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FleetQuery {
    branch_id: Option<Uuid>,
    /// Not seen for at least this long, or never: a count and a unit s, m, h or d (`15m`).
    #[param(example = "15m")]
    stale_for: Option<String>,
    /// Behind the master or the stock feed (`true`), or up to date with both (`false`).
    behind: Option<bool>,
    /// At least this many transactions queued.
    #[param(minimum = 0, maximum = 2147483647)]
    backlog_min: Option<i64>,
    /// With rejected files kept on the terminal (`true`), or none (`false`).
    rejected: Option<bool>,
    /// Deactivated (`true`) or active (`false`) terminals only.
    inactive: Option<bool>,
}

/// Every terminal of every branch with its health: last seen, agent, how far behind each feed
/// (changes and seconds), queued backlog and its age, rejected files, clock skew. Never-seen and
/// longest-unseen first.
#[utoipa::path(
    tag = "terminals",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, FleetQuery),
    responses((status = 200, body = PageView<TerminalHealth>))
)]
#[get("/terminals")]
pub async fn list_fleet(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<FleetQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = FieldErrors::default();
    let stale_for = errors.check(
        "stale_for",
        query.stale_for.as_deref().map(time::parse_span).transpose(),
    );
    let backlog_min = errors.check(
        "backlog_min",
        query
            .backlog_min
            .map(|n| i32::try_from(n).ok().filter(|n| *n >= 0))
            .map(|n| n.ok_or_else(|| "must be between 0 and 2147483647".to_string()))
            .transpose(),
    );
    let (Some(stale_for), Some(backlog_min)) = (stale_for, backlog_min) else {
        return Err(errors.into_error().into());
    };
    let filter = FleetFilter {
        branch_id: query.branch_id,
        stale_for,
        behind: query.behind,
        backlog_min,
        rejected: query.rejected,
        inactive: query.inactive,
    };
    list.answer(state, async move |db, page| {
        registry::list_fleet(db, filter.clone(), page).await
    })
    .await
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
