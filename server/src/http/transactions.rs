use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Json, Query, parse_json_shape, unstorable_text};
use super::listing::ListRequest;
use super::{PageView, json_body};
use crate::{
    AppState,
    auth::caller::{Caller, TerminalCaller},
    error::{ApiError, Problem},
    pagination::PageQuery,
    sales::{
        Kind, Status, Submitted, TransactionInput, TransactionResult, ingest,
        queries::{self, TransactionFilter},
        records::{DailySales, Held, Transaction, TransactionSummary},
    },
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(post_transactions)
        .service(held_transactions)
        .service(list_transactions)
        .service(get_transaction)
        .service(daily_sales);
}

/// A batch as sent; each transaction is read on its own, so one malformed transaction is
/// rejected alone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionBatch {
    /// 1 to 500 transactions, each a `TransactionInput`. Each is read on its own: one that does
    /// not fit that shape is answered `rejected` alone, never the whole batch.
    #[schema(value_type = Vec<Value>, min_items = 1, max_items = 500)]
    transactions: Vec<Box<RawValue>>,
}

#[derive(Debug, Deserialize)]
struct IdOnly {
    id: Option<Uuid>,
}

pub(super) fn submitted(raw: &RawValue) -> Submitted {
    let id = || {
        serde_json::from_str::<IdOnly>(raw.get())
            .ok()
            .and_then(|only| only.id)
    };
    if let Some(field) = unstorable_text(raw.get().as_bytes()) {
        return Submitted::Unreadable {
            id: id(),
            message: format!("{field} holds a NUL character, which cannot be stored"),
            field: Some(field),
        };
    }
    match serde_json::from_str::<TransactionInput>(raw.get()) {
        Ok(input) => Submitted::Readable(Box::new(input)),
        Err(err) => Submitted::Unreadable {
            id: id(),
            field: None,
            message: format!("the transaction does not fit: {err}"),
        },
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    /// One result per transaction, in the batch's order.
    results: Vec<TransactionResult>,
}

/// Send settled transactions (and retail work orders): each is recorded once, whatever is
/// resent, and moves the branch's stock. The answer has a result per transaction; one bad
/// transaction never sinks the others.
#[utoipa::path(
    tag = "sync",
    security(("bearer" = ["terminal"])),
    request_body = TransactionBatch,
    responses(
        (status = 200, body = BatchResponse),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No batch, or more than 500 transactions", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sync/transactions")]
pub async fn post_transactions(
    terminal: TerminalCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<BatchResponse>, ApiError> {
    let body = json_body(&req, payload, state.transaction_batch_limit).await?;
    // NUL characters are looked for in each transaction, so that one alone is rejected.
    let batch: TransactionBatch = parse_json_shape(&body)?;
    let submitted = batch
        .transactions
        .iter()
        .map(|raw| submitted(raw))
        .collect();
    let results = state
        .heads
        .announcing(ingest::ingest_batch(
            &state.db,
            terminal.terminal_id,
            terminal.branch_id,
            submitted,
        ))
        .await?;
    state
        .metrics
        .ingested(results.iter().map(|r| r.result.as_str()));
    Ok(web::Json(BatchResponse { results }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldRequest {
    /// Up to 5,000 of the terminal's own transaction ids.
    ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeldResponse {
    /// The ids the hub holds; the others it never recorded.
    held: Vec<Held>,
}

/// Which of the caller's transaction ids the hub holds: after a crash between sending and
/// reading the answer, an agent drops these from its queue and sends the rest.
#[utoipa::path(
    tag = "sync",
    security(("bearer" = ["terminal"])),
    responses(
        (status = 200, body = HeldResponse),
        (status = 422, description = "More than 5,000 ids", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sync/transactions/held")]
pub async fn held_transactions(
    terminal: TerminalCaller,
    state: web::Data<AppState>,
    body: Json<HeldRequest>,
) -> Result<web::Json<HeldResponse>, ApiError> {
    let held = queries::held(&state.db, terminal.terminal_id, &body.ids).await?;
    Ok(web::Json(HeldResponse { held }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransactionQuery {
    /// A terminal sees only its own branch, whatever it asks.
    branch_id: Option<Uuid>,
    terminal_id: Option<Uuid>,
    customer_id: Option<Uuid>,
    receipt_number: Option<String>,
    /// Business dates from (inclusive).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    from: Option<NaiveDate>,
    /// Business dates to (inclusive).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    to: Option<NaiveDate>,
    kind: Option<Kind>,
    status: Option<Status>,
}

/// Transactions, newest first. Admins see every branch; a terminal its own.
#[utoipa::path(
    tag = "sales",
    security(("bearer" = ["admin", "stock", "reports", "terminal"])),
    params(PageQuery, TransactionQuery),
    responses(
        (status = 200, body = PageView<TransactionSummary>),
        (status = 404, description = "A terminal asked for another branch", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/transactions")]
pub async fn list_transactions(
    caller: Caller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<TransactionQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = TransactionFilter {
        branch_id: query.branch_id,
        terminal_id: query.terminal_id,
        customer_id: query.customer_id,
        receipt_number: query.receipt_number,
        from: query.from,
        to: query.to,
        kind: query.kind,
        status: query.status,
    };
    let scope = caller.branch_scope();
    list.answer(state, async move |db, page| {
        queries::list_transactions(db, &scope, filter.clone(), page).await
    })
    .await
}

/// One transaction with its lines and payments (by the hub's id).
#[utoipa::path(
    tag = "sales",
    security(("bearer" = ["admin", "stock", "reports", "terminal"])),
    responses(
        (status = 200, body = Transaction),
        (status = 404, description = "No such transaction (at the terminal's branch)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/transactions/{transaction_id}")]
pub async fn get_transaction(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Transaction>, ApiError> {
    let detail = queries::get_transaction(&state.db, &caller.branch_scope(), *id).await?;
    Ok(web::Json(detail))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// First business date (inclusive); absent: `to`, or today in the branch's time zone.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    from: Option<NaiveDate>,
    /// Last business date (inclusive), at most 366 days after `from`; absent: `from`.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    to: Option<NaiveDate>,
}

/// Daily sales of a branch: counts, amounts, tax, discounts and payments per business day.
#[utoipa::path(
    tag = "sales",
    security(("bearer" = ["admin", "stock", "reports", "terminal"])),
    params(SummaryQuery, PageQuery),
    responses(
        (status = 200, body = PageView<DailySales>),
        (status = 404, description = "No such branch (for a terminal: another branch)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A range backwards or longer than 366 days", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/branches/{branch_id}/daily-sales")]
pub async fn daily_sales(
    caller: Caller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    query: Query<SummaryQuery>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.branch_scope();
    list.answer(state, async move |db, page| {
        queries::daily_sales(db, &scope, *branch_id, query.from, query.to, page).await
    })
    .await
}
