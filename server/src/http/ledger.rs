//! The ledger: a branch's movements (all of them, or an item's), and an item's quantity at a
//! past instant.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{PageView, extract::Query, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::Caller,
    error::{ApiError, FieldErrors},
    inventory::movements::{self, LedgerFilter, QuantityAt, StockMovement},
    pagination::PageQuery,
    time::DateOrInstant,
    validation::one_of,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(branch_ledger)
        .service(item_ledger)
        .service(quantity_at);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// From this instant (inclusive); a date (`2026-12-01`) is the start of that day in the
    /// branch's time zone.
    #[param(schema_with = super::api_doc::date_or_instant, example = "2026-12-01")]
    from: Option<DateOrInstant>,
    /// Until this instant (exclusive); a date takes the whole of that day.
    #[param(schema_with = super::api_doc::date_or_instant, example = "2026-12-01T18:00:00+08:00")]
    to: Option<DateOrInstant>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementQuery {
    item_id: Option<Uuid>,
    /// Why stock moved.
    reason: Option<String>,
    /// The kind of document: `adjustment`, `transfer_ticket`, `goods_receipt` or
    /// `sales_transaction`.
    document_type: Option<String>,
    document_id: Option<Uuid>,
}

/// A branch's ledger, every item, oldest first; filter by item, reason, document and period.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock", "reports", "terminal"])),
    params(PageQuery, MovementQuery, PeriodQuery),
    responses(
        (status = 200, body = PageView<StockMovement>),
        (status = 404, description = "No such branch (for a terminal: another branch)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/branches/{branch_id}/ledger")]
pub async fn branch_ledger(
    caller: Caller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    list: ListRequest,
    query: Query<MovementQuery>,
    period: Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let (query, period) = (query.into_inner(), period.into_inner());
    let mut errors = FieldErrors::default();
    let reason = errors.check("reason", query.reason.as_deref().map(one_of).transpose());
    let Some(reason) = reason else {
        return Err(errors.into_error().into());
    };
    let filter = LedgerFilter {
        item_id: query.item_id,
        reason,
        document_type: query.document_type,
        document_id: query.document_id,
        from: period.from,
        to: period.to,
    };
    let (scope, branch_id) = (caller.branch_scope(), *branch_id);
    list.answer(state, async move |db, page| {
        movements::ledger(db, &scope, branch_id, &filter, page).await
    })
    .await
}

/// The ledger of an item at a branch, oldest first.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock", "reports", "terminal"])),
    params(PageQuery, PeriodQuery),
    responses((status = 200, body = PageView<StockMovement>))
)]
#[get("/branches/{branch_id}/items/{item_id}/ledger")]
pub async fn item_ledger(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    list: ListRequest,
    period: Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let (branch_id, item_id) = path.into_inner();
    let filter = LedgerFilter {
        item_id: Some(item_id),
        from: period.from,
        to: period.to,
        ..LedgerFilter::default()
    };
    let scope = caller.branch_scope();
    list.answer(state, async move |db, page| {
        movements::ledger(db, &scope, branch_id, &filter, page).await
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtQuery {
    /// The instant (RFC 3339); a date is the start of that day in the branch's time zone;
    /// absent: now.
    #[param(schema_with = super::api_doc::date_or_instant, example = "2026-12-01T18:00:00+08:00")]
    at: Option<DateOrInstant>,
}

/// The on-hand quantity of an item at a branch at a past instant.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports", "terminal"])), params(AtQuery), responses((status = 200, body = QuantityAt)))]
#[get("/branches/{branch_id}/items/{item_id}/stock-at")]
pub async fn quantity_at(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    query: Query<AtQuery>,
) -> Result<web::Json<QuantityAt>, ApiError> {
    let (branch_id, item_id) = path.into_inner();
    let at = query
        .at
        .unwrap_or_else(|| DateOrInstant::Instant(chrono::Utc::now()));
    Ok(web::Json(
        movements::quantity_at(&state.db, &caller.branch_scope(), branch_id, item_id, at).await?,
    ))
}
