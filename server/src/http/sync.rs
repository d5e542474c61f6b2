use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::extract::{Json, Query};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    auth::caller::TerminalCaller,
    error::{ApiError, DomainError, FieldErrors, Problem},
    registry::{self, Heartbeat},
    sync::{
        DEFAULT_LIMIT, MAX_LIMIT, Pull, Start,
        master::{self, Change},
        stock::{self, LevelChange},
    },
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(heartbeat)
        .service(pull_master)
        .service(pull_stock);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatRequest {
    device_id: Option<String>,
    agent_version: Option<String>,
    /// Transactions queued on the terminal, not yet acknowledged by the hub.
    #[schema(minimum = 0, maximum = 2147483647)]
    queued_backlog: Option<i64>,
    /// How old the oldest queued transaction is, in seconds (absent: none is queued).
    #[schema(minimum = 0, maximum = 3153600000_i64)] // registry::MAX_QUEUED_AGE_SECS
    oldest_queued_age_secs: Option<i64>,
    /// Files of transactions the hub rejected, kept on the terminal (`Out/rejected/`).
    #[schema(minimum = 0, maximum = 2147483647)]
    rejected_files: Option<i64>,
    /// The `next_cursor` the terminal keeps for the master feed.
    #[schema(minimum = 0)]
    master_cursor: Option<i64>,
    /// The `next_cursor` the terminal keeps for its branch's stock feed.
    #[schema(minimum = 0)]
    stock_cursor: Option<i64>,
    /// The terminal's clock, for the skew the fleet view shows.
    clock: Option<DateTime<Utc>>,
}

impl From<HeartbeatRequest> for Heartbeat {
    fn from(body: HeartbeatRequest) -> Self {
        Heartbeat {
            device_id: body.device_id,
            agent_version: body.agent_version,
            queued_backlog: body.queued_backlog,
            master_cursor: body.master_cursor,
            stock_cursor: body.stock_cursor,
            clock: body.clock,
            oldest_queued_age_secs: body.oldest_queued_age_secs,
            rejected_files: body.rejected_files,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeartbeatResponse {
    /// The hub's clock, so a terminal can notice its own drift.
    server_time: DateTime<Utc>,
}

/// A terminal says it is alive and how it is doing; head office sees it in `GET /terminals`.
#[utoipa::path(
    tag = "sync",
    security(("bearer" = ["terminal"])),
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
    body: Json<HeartbeatRequest>,
) -> Result<web::Json<HeartbeatResponse>, ApiError> {
    let report = body.into_inner().into();
    let recorded = registry::record_heartbeat(&state.db, terminal.terminal_id, report).await?;
    Ok(web::Json(HeartbeatResponse {
        server_time: recorded.last_seen_at.unwrap_or_else(Utc::now),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// The `next_cursor` of the previous pull; 0 or absent for a full snapshot. Not with `since`.
    #[param(minimum = 0)]
    cursor: Option<i64>,
    /// Changes per page, 1 to 5,000 (default 500).
    #[param(minimum = 1, maximum = 5000)]
    limit: Option<i64>,
    /// Instead of a cursor, a date watermark (RFC 3339, or the seed's `1990-01-01T 00:00:00.0000Z`).
    #[param(schema_with = super::api_doc::watermark)]
    since: Option<String>,
}

impl PullQuery {
    fn parse(&self) -> Result<Pull, DomainError> {
        let mut errors = FieldErrors::default();
        let cursor = errors.check(
            "cursor",
            match (self.cursor, &self.since) {
                (Some(_), Some(_)) => Err("give cursor or since, not both".into()),
                (Some(c), None) if c < 0 => Err("must not be negative".into()),
                (cursor, _) => Ok(cursor),
            },
        );
        let since = errors.check(
            "since",
            self.since.as_deref().map(master::parse_since).transpose(),
        );
        let limit = errors.check(
            "limit",
            match self.limit {
                None => Ok(DEFAULT_LIMIT),
                Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as u64),
                Some(_) => Err(format!("must be between 1 and {MAX_LIMIT}")),
            },
        );
        let (Some(cursor), Some(since), Some(limit)) = (cursor, since, limit) else {
            return Err(errors.into_error());
        };
        let start = since.map_or(Start::After(cursor.unwrap_or(0)), Start::Since);
        Ok(Pull { start, limit })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MasterPullResponse {
    changes: Vec<Change>,
    /// Pass this as `cursor` next time.
    next_cursor: i64,
    /// More changes are waiting: pull again at once.
    has_more: bool,
}

/// Master data that changed for the caller's branch since its cursor, oldest first; several
/// changes of one object arrive as its latest state once.
#[utoipa::path(
    tag = "sync",
    security(("bearer" = ["terminal"])),
    params(PullQuery),
    responses(
        (status = 200, body = MasterPullResponse),
        (status = 400, description = "A parameter is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sync/master")]
pub async fn pull_master(
    terminal: TerminalCaller,
    state: web::Data<AppState>,
    query: Query<PullQuery>,
) -> Result<web::Json<MasterPullResponse>, ApiError> {
    let page = master::pull(&state.db, &state.heads, terminal.branch_id, query.parse()?).await?;
    Ok(web::Json(MasterPullResponse {
        changes: page.rows,
        next_cursor: page.next_cursor,
        has_more: page.has_more,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockPullResponse {
    levels: Vec<LevelChange>,
    /// Pass this as `cursor` next time.
    next_cursor: i64,
    /// More changes are waiting: pull again at once.
    has_more: bool,
}

/// The caller's branch's quantities that changed since its cursor, in commit order; a level that
/// changed several times arrives once, as it is now.
#[utoipa::path(
    tag = "sync",
    security(("bearer" = ["terminal"])),
    params(PullQuery),
    responses(
        (status = 200, body = StockPullResponse),
        (status = 400, description = "A parameter is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sync/stock")]
pub async fn pull_stock(
    terminal: TerminalCaller,
    state: web::Data<AppState>,
    query: Query<PullQuery>,
) -> Result<web::Json<StockPullResponse>, ApiError> {
    let page = stock::pull(&state.db, &state.heads, terminal.branch_id, query.parse()?).await?;
    Ok(web::Json(StockPullResponse {
        levels: page.rows,
        next_cursor: page.next_cursor,
        has_more: page.has_more,
    }))
}
