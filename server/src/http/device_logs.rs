//! Terminals' log lines: uploaded by the terminal, read by admins.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    PageView,
    extract::{Json, Query},
    listing::ListRequest,
};
use crate::{
    AppState,
    auth::caller::{ReportsCaller, TerminalCaller},
    error::{ApiError, Problem},
    pagination::PageQuery,
    registry::{self, LogFilter, LogLevel, LogLine, LogLineInput, Uploaded},
    time::DateOrInstant,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload_logs).service(list_logs);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogLineRequest {
    level: LogLevel,
    /// When the terminal logged it.
    at: DateTime<Utc>,
    /// The part of the terminal that logged it (up to 100 characters).
    component: String,
    /// Up to 4,000 characters.
    message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogUpload {
    #[schema(min_items = 1, max_items = 500)]
    lines: Vec<LogLineRequest>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    terminal_id: Option<Uuid>,
    branch_id: Option<Uuid>,
    /// This level and the more serious ones.
    level: Option<LogLevel>,
    /// Lines logged from this instant (inclusive); a date is the start of that day, UTC.
    #[param(schema_with = super::api_doc::date_or_instant, example = "2026-12-01")]
    from: Option<DateOrInstant>,
    /// Lines logged until this instant (exclusive); a date takes the whole of that day, UTC.
    #[param(schema_with = super::api_doc::date_or_instant, example = "2026-12-02")]
    to: Option<DateOrInstant>,
}

/// Upload log lines (up to 500; at most `HUBSHAKE_DEVICE_LOG_LINES_PER_DAY` in 24 hours); lines
/// older than the retention period are not kept, and this terminal's lines past it are dropped.
#[utoipa::path(
    request_body = LogUpload,
    tag = "sync",
    security(("bearer" = ["terminal"])),
    responses(
        (status = 200, body = Uploaded),
        (status = 413, description = "Body larger than the limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid lines, too many of them, or over the day's limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sync/logs")]
pub async fn upload_logs(
    terminal: TerminalCaller,
    state: web::Data<AppState>,
    body: Json<LogUpload>,
) -> Result<web::Json<Uploaded>, ApiError> {
    let lines = body
        .into_inner()
        .lines
        .into_iter()
        .map(|l| LogLineInput {
            level: l.level,
            at: l.at,
            component: l.component,
            message: l.message,
        })
        .collect();
    let uploaded = registry::upload_logs(
        &state.db,
        state.log_limits,
        terminal.terminal_id,
        terminal.branch_id,
        lines,
    )
    .await?;
    Ok(web::Json(uploaded))
}

/// Terminals' log lines, newest first, with the terminal's and branch's names.
#[utoipa::path(tag = "terminals", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery, LogQuery), responses((status = 200, body = PageView<LogLine>)))]
#[get("/device-logs")]
pub async fn list_logs(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = LogFilter {
        terminal_id: query.terminal_id,
        branch_id: query.branch_id,
        level: query.level,
        from: query.from.map(|from| from.start(chrono_tz::UTC)),
        to: query.to.map(|to| to.end(chrono_tz::UTC)),
    };
    list.answer(state, async move |db, page| {
        registry::list_logs(db, filter.clone(), page).await
    })
    .await
}
