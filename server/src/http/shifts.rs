//! Shifts and cash drawers: what a terminal sends as its shift goes (open, paid-ins and
//! paid-outs, close with the count), what admins read, and bank deposits.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    DecimalInput, PageView, extract::Query, idempotent::WriteRequest, listing::ListRequest,
};
use crate::{
    AppState,
    auth::caller::{Caller, ReportsCaller, StockCaller, TerminalCaller},
    error::{ApiError, Problem},
    pagination::PageQuery,
    sales::shifts::{
        self, CashMovement, CashMovementInput, Deposit, DepositInput, MovementKind, Recorded,
        ShiftClose, ShiftFilter, ShiftOpening, ShiftReport, ShiftState, ShiftSummary,
    },
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(open_shift)
        .service(record_cash_movement)
        .service(close_shift)
        .service(list_shifts)
        .service(get_shift)
        .service(record_deposit)
        .service(list_deposits);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftOpenRequest {
    /// The terminal's own id for the shift: sent again, it opens once.
    id: Uuid,
    staff_user_id: Uuid,
    /// The terminal's clock.
    opened_at: DateTime<Utc>,
    #[schema(value_type = DecimalInput, example = "2000")]
    opening_float: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CashMovementRequest {
    /// The terminal's own id for it.
    id: Uuid,
    kind: MovementKind,
    #[schema(value_type = DecimalInput, example = "150")]
    amount: Decimal,
    reason: String,
    at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountedRequest {
    payment_method_id: Uuid,
    #[schema(value_type = DecimalInput)]
    amount: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftCloseRequest {
    closed_at: DateTime<Utc>,
    /// What was counted per payment method; a method left out counted nothing.
    #[schema(max_items = 50)]
    counted: Vec<CountedRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositRequest {
    #[schema(value_type = DecimalInput)]
    amount: Decimal,
    deposited_at: DateTime<Utc>,
    /// The bank's slip number.
    reference: Option<String>,
    /// Closed shifts of the branch whose cash this is.
    #[schema(min_items = 1, max_items = 500)]
    shift_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShiftQuery {
    branch_id: Option<Uuid>,
    terminal_id: Option<Uuid>,
    /// Opened on or after this day (UTC).
    #[param(value_type = Option<String>, format = Date)]
    from: Option<NaiveDate>,
    /// Opened on or before this day (UTC).
    #[param(value_type = Option<String>, format = Date)]
    to: Option<NaiveDate>,
    /// `true`: closed shifts whose count differed from what was expected; `false`: those that
    /// matched.
    discrepancy: Option<bool>,
    state: Option<ShiftState>,
}

fn created<T>(recorded: Recorded<T>) -> (StatusCode, T) {
    let status = if recorded.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, recorded.value)
}

fn actor(terminal: &TerminalCaller) -> String {
    format!("terminal:{}", terminal.terminal_id)
}

/// Open a shift at the terminal (201; 200 when sent again).
#[utoipa::path(request_body = ShiftOpenRequest, tag = "sync", security(("bearer" = ["terminal"])), responses((status = 201, body = ShiftReport), (status = 200, description = "Sent before", body = ShiftReport), (status = 409, description = "Another shift has this id", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/sync/shifts")]
pub async fn open_shift(
    terminal: TerminalCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: ShiftOpenRequest = write.json()?;
    let opening = ShiftOpening {
        id: body.id,
        staff_user_id: body.staff_user_id,
        opened_at: body.opened_at,
        opening_float: body.opening_float,
    };
    write
        .run_answering(&actor(&terminal), async |txn| {
            shifts::open_shift(txn, terminal.terminal_id, terminal.branch_id, opening)
                .await
                .map(created)
        })
        .await
}

/// A paid-in or paid-out of an open shift of the terminal (201; 200 when sent again).
#[utoipa::path(request_body = CashMovementRequest, tag = "sync", security(("bearer" = ["terminal"])), responses((status = 201, body = CashMovement), (status = 200, description = "Sent before", body = CashMovement), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "The shift is closed", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/sync/shifts/{shift_id}/cash-movements")]
pub async fn record_cash_movement(
    terminal: TerminalCaller,
    write: WriteRequest,
    shift_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: CashMovementRequest = write.json()?;
    let movement = CashMovementInput {
        id: body.id,
        kind: body.kind,
        amount: body.amount,
        reason: body.reason,
        at: body.at,
    };
    write
        .run_answering(&actor(&terminal), async |txn| {
            shifts::record_cash_movement(txn, terminal.terminal_id, *shift_id, movement)
                .await
                .map(created)
        })
        .await
}

/// Close a shift of the terminal with what was counted; answers its close report (sent again
/// with the same count, the same report).
#[utoipa::path(request_body = ShiftCloseRequest, tag = "sync", security(("bearer" = ["terminal"])), responses((status = 200, body = ShiftReport), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Closed already with another count", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/sync/shifts/{shift_id}/close")]
pub async fn close_shift(
    terminal: TerminalCaller,
    write: WriteRequest,
    shift_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: ShiftCloseRequest = write.json()?;
    let close = ShiftClose {
        closed_at: body.closed_at,
        counted: body
            .counted
            .into_iter()
            .map(|c| (c.payment_method_id, c.amount))
            .collect(),
    };
    write
        .run(&actor(&terminal), StatusCode::OK, async |txn| {
            shifts::close_shift(txn, terminal.terminal_id, *shift_id, close).await
        })
        .await
}

/// Shifts, newest first; a terminal sees its own branch's.
#[utoipa::path(tag = "sales", security(("bearer" = ["admin", "stock", "reports", "terminal"])), params(PageQuery, ShiftQuery), responses((status = 200, body = PageView<ShiftSummary>)))]
#[get("/shifts")]
pub async fn list_shifts(
    caller: Caller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<ShiftQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.branch_scope();
    let filter = ShiftFilter {
        branch_id: query.branch_id,
        terminal_id: query.terminal_id,
        from: query.from,
        to: query.to,
        discrepancy: query.discrepancy,
        state: query.state,
    };
    list.answer(state, async move |db, page| {
        shifts::list_shifts(db, &scope, filter.clone(), page).await
    })
    .await
}

/// One shift's close report: expected, counted and difference per payment method, its cash
/// movements and how many transactions it counted.
#[utoipa::path(tag = "sales", security(("bearer" = ["admin", "stock", "reports", "terminal"])), responses((status = 200, body = ShiftReport), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/shifts/{shift_id}")]
pub async fn get_shift(
    caller: Caller,
    state: web::Data<AppState>,
    shift_id: web::Path<Uuid>,
) -> Result<web::Json<ShiftReport>, ApiError> {
    let scope = caller.branch_scope();
    Ok(web::Json(
        shifts::get_shift(&state.db, &scope, *shift_id).await?,
    ))
}

/// Record cash of closed shifts of the branch taken to the bank.
#[utoipa::path(request_body = DepositRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)), tag = "sales", security(("bearer" = ["admin", "stock"])), responses((status = 201, body = Deposit), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "A shift is open or deposited already", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/branches/{branch_id}/deposits")]
pub async fn record_deposit(
    client: StockCaller,
    write: WriteRequest,
    branch_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: DepositRequest = write.json()?;
    let input = DepositInput {
        amount: body.amount,
        deposited_at: body.deposited_at,
        reference: body.reference,
        shift_ids: body.shift_ids,
    };
    let scope = client.branch_scope();
    write
        .run(&client.client_id, StatusCode::CREATED, async |txn| {
            shifts::record_deposit(txn, &scope, *branch_id, &client.client_id, input).await
        })
        .await
}

/// A branch's bank deposits, newest first (seed 002's deposit history).
#[utoipa::path(tag = "sales", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<Deposit>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/branches/{branch_id}/deposits")]
pub async fn list_deposits(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    branch_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (scope, branch_id) = (client.branch_scope(), *branch_id);
    list.answer(state, async move |db, page| {
        shifts::list_deposits(db, &scope, branch_id, page).await
    })
    .await
}
