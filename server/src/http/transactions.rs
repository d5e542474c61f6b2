use std::collections::BTreeMap;

use actix_web::{HttpRequest, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Json, Query, parse_json_shape, unstorable_text};
use super::{PageView, json_body};
use crate::{
    AppState,
    auth::caller::{Caller, TerminalCaller},
    decimal::from_fixed4,
    error::{ApiError, Problem},
    pagination::PageQuery,
    sales::{
        Kind, Status, Submitted, TransactionInput, TransactionResult, ingest,
        queries::{self, DailySales, KindTotals, TransactionDetail, TransactionFilter},
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

fn submitted(raw: &RawValue) -> Submitted {
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
    security(("bearer" = [])),
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
    let results = ingest::ingest_batch(
        &state.db,
        terminal.terminal_id,
        terminal.branch_id,
        submitted,
    )
    .await?;
    Ok(web::Json(BatchResponse { results }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldRequest {
    /// Up to 5,000 of the terminal's own transaction ids.
    ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeldView {
    /// The terminal's id.
    id: Uuid,
    /// The hub's id.
    transaction_id: Uuid,
    /// `settled`, or `open` for a work order.
    status: String,
    revision: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeldResponse {
    /// The ids the hub holds; the others it never recorded.
    held: Vec<HeldView>,
}

/// Which of the caller's transaction ids the hub holds: after a crash between sending and
/// reading the answer, an agent drops these from its queue and sends the rest.
#[utoipa::path(
    tag = "sync",
    security(("bearer" = [])),
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
    let held = queries::held_transactions(&state.db, terminal.terminal_id, &body.ids).await?;
    let held = held
        .into_iter()
        .map(|t| HeldView {
            id: t.terminal_transaction_id,
            transaction_id: t.id,
            status: t.status,
            revision: t.revision,
        })
        .collect();
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

/// A transaction as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionSummaryView {
    /// The hub's id.
    id: Uuid,
    branch_id: Uuid,
    terminal_id: Uuid,
    /// The terminal's id.
    terminal_transaction_id: Uuid,
    receipt_number: String,
    kind: String,
    status: String,
    revision: i32,
    /// For a void: the hub's id of the transaction it cancels.
    voids_transaction_id: Option<Uuid>,
    /// The void that cancelled it.
    voided_by_transaction_id: Option<Uuid>,
    occurred_at: DateTime<Utc>,
    utc_offset_minutes: i32,
    #[schema(value_type = String)]
    business_date: NaiveDate,
    staff_user_id: Uuid,
    customer_id: Option<Uuid>,
    order_type: Option<String>,
    table: Option<String>,
    covers: Option<i32>,
    tax_inclusive: bool,
    #[schema(value_type = String)]
    subtotal: Decimal,
    #[schema(value_type = String)]
    discount: Decimal,
    #[schema(value_type = String)]
    tax: Decimal,
    #[schema(value_type = String)]
    total: Decimal,
    received_at: DateTime<Utc>,
    settled_at: Option<DateTime<Utc>>,
}

impl From<entity::sales_transaction::Model> for TransactionSummaryView {
    fn from(t: entity::sales_transaction::Model) -> Self {
        Self {
            id: t.id,
            branch_id: t.branch_id,
            terminal_id: t.terminal_id,
            terminal_transaction_id: t.terminal_transaction_id,
            receipt_number: t.receipt_number,
            kind: t.kind,
            status: t.status,
            revision: t.revision,
            voids_transaction_id: t.voids_transaction_id,
            voided_by_transaction_id: t.voided_by_transaction_id,
            occurred_at: t.occurred_at,
            utc_offset_minutes: t.utc_offset_minutes,
            business_date: t.business_date,
            staff_user_id: t.staff_user_id,
            customer_id: t.customer_id,
            order_type: t.order_type,
            table: t.table_label,
            covers: t.covers,
            tax_inclusive: t.tax_inclusive,
            subtotal: from_fixed4(t.subtotal),
            discount: from_fixed4(t.discount_total),
            tax: from_fixed4(t.tax_total),
            total: from_fixed4(t.total),
            received_at: t.received_at,
            settled_at: t.settled_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesLineView {
    line_no: i32,
    item_id: Uuid,
    #[schema(value_type = String)]
    quantity: Decimal,
    #[schema(value_type = String)]
    unit_price: Decimal,
    #[schema(value_type = String)]
    discount: Decimal,
    #[schema(value_type = String)]
    tax: Decimal,
    #[schema(value_type = String)]
    line_total: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesPaymentView {
    payment_method_id: Uuid,
    #[schema(value_type = String)]
    amount: Decimal,
    reference: Option<String>,
}

/// One transaction whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionView {
    #[serde(flatten)]
    transaction: TransactionSummaryView,
    lines: Vec<SalesLineView>,
    payments: Vec<SalesPaymentView>,
}

impl From<TransactionDetail> for TransactionView {
    fn from(d: TransactionDetail) -> Self {
        Self {
            transaction: d.transaction.into(),
            lines: d
                .lines
                .into_iter()
                .map(|l| SalesLineView {
                    line_no: l.line_no,
                    item_id: l.item_id,
                    quantity: from_fixed4(l.quantity),
                    unit_price: from_fixed4(l.unit_price),
                    discount: from_fixed4(l.discount),
                    tax: from_fixed4(l.tax),
                    line_total: from_fixed4(l.line_total),
                })
                .collect(),
            payments: d
                .payments
                .into_iter()
                .map(|p| SalesPaymentView {
                    payment_method_id: p.payment_method_id,
                    amount: from_fixed4(p.amount),
                    reference: p.reference,
                })
                .collect(),
        }
    }
}

/// Transactions, newest first. Admins see every branch; a terminal its own.
#[utoipa::path(
    tag = "sales",
    security(("bearer" = [])),
    params(PageQuery, TransactionQuery),
    responses(
        (status = 200, body = PageView<TransactionSummaryView>),
        (status = 404, description = "A terminal asked for another branch", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/transactions")]
pub async fn list_transactions(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<PageQuery>,
    query: Query<TransactionQuery>,
) -> Result<web::Json<PageView<TransactionSummaryView>>, ApiError> {
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
    let page = queries::list_transactions(&state.db, &caller.branch_scope(), filter, page.parse()?)
        .await?;
    Ok(web::Json(PageView::from_page(
        page,
        TransactionSummaryView::from,
    )))
}

/// One transaction with its lines and payments (by the hub's id).
#[utoipa::path(
    tag = "sales",
    security(("bearer" = [])),
    responses(
        (status = 200, body = TransactionView),
        (status = 404, description = "No such transaction (at the terminal's branch)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/transactions/{transaction_id}")]
pub async fn get_transaction(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransactionView>, ApiError> {
    let detail = queries::get_transaction(&state.db, &caller.branch_scope(), *id).await?;
    Ok(web::Json(detail.into()))
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

#[derive(Debug, Serialize, ToSchema)]
pub struct KindTotalsView {
    count: i64,
    /// Sum of line totals.
    #[schema(value_type = String)]
    subtotal: Decimal,
    #[schema(value_type = String)]
    discount: Decimal,
    #[schema(value_type = String)]
    tax: Decimal,
    #[schema(value_type = String)]
    total: Decimal,
}

impl From<KindTotals> for KindTotalsView {
    fn from(t: KindTotals) -> Self {
        Self {
            count: t.count,
            subtotal: from_fixed4(t.subtotal),
            discount: from_fixed4(t.discount),
            tax: from_fixed4(t.tax),
            total: from_fixed4(t.total),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DailySalesView {
    #[schema(value_type = String)]
    business_date: NaiveDate,
    /// Settled sales and work orders, voided ones left out.
    sales: KindTotalsView,
    /// Returns, voided ones left out.
    returns: KindTotalsView,
    /// Voids recorded that day.
    voids: i64,
    /// Sales total minus returns total.
    #[schema(value_type = String)]
    net_total: Decimal,
    /// Paid minus refunded, by payment method id.
    #[schema(value_type = BTreeMap<String, String>)]
    payments: BTreeMap<Uuid, Decimal>,
}

impl From<DailySales> for DailySalesView {
    fn from(d: DailySales) -> Self {
        Self {
            business_date: d.business_date,
            net_total: from_fixed4(d.sales.total - d.returns.total),
            sales: d.sales.into(),
            returns: d.returns.into(),
            voids: d.voids,
            payments: d
                .payments
                .into_iter()
                .map(|(method, amount)| (method, from_fixed4(amount)))
                .collect(),
        }
    }
}

/// Daily sales of a branch: counts, amounts, tax, discounts and payments per business day.
#[utoipa::path(
    tag = "sales",
    security(("bearer" = [])),
    params(SummaryQuery, PageQuery),
    responses(
        (status = 200, body = PageView<DailySalesView>),
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
    page: Query<PageQuery>,
) -> Result<web::Json<PageView<DailySalesView>>, ApiError> {
    let scope = caller.branch_scope();
    let days = queries::daily_sales(
        &state.db,
        &scope,
        *branch_id,
        query.from,
        query.to,
        page.parse()?,
    )
    .await?;
    Ok(web::Json(PageView::from_page(days, DailySalesView::from)))
}
