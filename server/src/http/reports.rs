//! Reports (every API client): sales by item, staff user, hour and payment method; inventory
//! valuation; what to reorder. Lists like any other: JSON pages, or CSV whole.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

use super::{PageView, extract::Query, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::ReportsCaller,
    error::{ApiError, DomainError, Problem},
    pagination::{Page, PageQuery, PageRequest},
    reports::{
        Period,
        kitchen::{self, ItemWaste, OptionSales, UsageVariance},
        sales::{self, HourSales, ItemSales, MethodSales, SalesQuery, StaffSales},
        stock::{self, BranchValuation, Reorder},
    },
    time::DateOrInstant,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(sales_by_item)
        .service(sales_by_staff)
        .service(sales_by_hour)
        .service(sales_by_payment_method)
        .service(sales_by_option)
        .service(waste)
        .service(usage_variance)
        .service(inventory_valuation)
        .service(reorder);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesReportQuery {
    /// One branch; absent: every branch.
    branch_id: Option<Uuid>,
    /// First business date (inclusive); absent: `to`.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    from: Option<NaiveDate>,
    /// Last business date (inclusive), at most 366 days after `from`; absent: `from`.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    to: Option<NaiveDate>,
}

/// Answers a sales report for the query's branch and period.
async fn sales_report<T: Serialize + 'static>(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<SalesReportQuery>,
    report: impl AsyncFn(&DatabaseConnection, &SalesQuery, PageRequest) -> Result<Page<T>, DomainError>
    + 'static,
) -> Result<HttpResponse, ApiError> {
    let query = SalesQuery {
        scope: client.branch_scope(),
        branch_id: query.branch_id,
        period: Period::new(query.from, query.to)?,
    };
    list.answer(state, async move |db, page| report(db, &query, page).await)
        .await
}

/// Sales by item over business dates, best first: quantity sold less returned, net sales, tax.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, SalesReportQuery),
    responses((status = 200, body = PageView<ItemSales>), (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"))
)]
#[get("/reports/sales-by-item")]
pub async fn sales_by_item(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<SalesReportQuery>,
) -> Result<HttpResponse, ApiError> {
    sales_report(client, state, list, query, sales::by_item).await
}

/// Sales by staff user over business dates, best first.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, SalesReportQuery),
    responses((status = 200, body = PageView<StaffSales>), (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"))
)]
#[get("/reports/sales-by-staff")]
pub async fn sales_by_staff(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<SalesReportQuery>,
) -> Result<HttpResponse, ApiError> {
    sales_report(client, state, list, query, sales::by_staff).await
}

/// Sales by hour of the day at the till over business dates, all 24 hours.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, SalesReportQuery),
    responses((status = 200, body = PageView<HourSales>), (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"))
)]
#[get("/reports/sales-by-hour")]
pub async fn sales_by_hour(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<SalesReportQuery>,
) -> Result<HttpResponse, ApiError> {
    sales_report(client, state, list, query, sales::by_hour).await
}

/// What was paid with each payment method over business dates, less what was refunded.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, SalesReportQuery),
    responses((status = 200, body = PageView<MethodSales>), (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"))
)]
#[get("/reports/sales-by-payment-method")]
pub async fn sales_by_payment_method(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<SalesReportQuery>,
) -> Result<HttpResponse, ApiError> {
    sales_report(client, state, list, query, sales::by_payment_method).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValuationQuery {
    /// One branch; absent: every branch.
    branch_id: Option<Uuid>,
    /// As the stock was at this instant (RFC 3339, or a date: its start in UTC); absent: now.
    #[param(schema_with = super::api_doc::date_or_instant, example = "2026-11-30T18:00:00Z")]
    at: Option<DateOrInstant>,
}

/// Each branch's stock at cost (Σ on hand × the item's cost), now or at an instant.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, ValuationQuery),
    responses((status = 200, body = PageView<BranchValuation>), (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"))
)]
#[get("/reports/inventory-valuation")]
pub async fn inventory_valuation(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<ValuationQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, branch_id) = (client.branch_scope(), query.branch_id);
    let at = query.at.map(|at| at.start(chrono_tz::UTC));
    list.answer(state, async move |db, page| {
        stock::valuation(db, &scope, branch_id, at, page).await
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReorderQuery {
    /// One branch; absent: every branch.
    branch_id: Option<Uuid>,
}

/// Items below their reorder level, with the quantity that brings them back up to it.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, ReorderQuery),
    responses((status = 200, body = PageView<Reorder>))
)]
#[get("/reports/reorder")]
pub async fn reorder(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<ReorderQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, branch_id) = (client.branch_scope(), query.branch_id);
    list.answer(state, async move |db, page| {
        stock::reorder(db, &scope, branch_id, page).await
    })
    .await
}

/// Restaurants: sales by option (modifiers and combo parts) over business dates, highest revenue
/// first: lines it was chosen on, times chosen and its part of the lines' revenue.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, SalesReportQuery),
    responses((status = 200, body = PageView<OptionSales>), (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"))
)]
#[get("/reports/sales-by-option")]
pub async fn sales_by_option(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<SalesReportQuery>,
) -> Result<HttpResponse, ApiError> {
    sales_report(client, state, list, query, kitchen::by_option).await
}

/// Waste (adjustment lines with reason code `waste`) by branch and item, recorded on the dates
/// given (UTC), largest cost first.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, SalesReportQuery),
    responses(
        (status = 200, body = PageView<ItemWaste>),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No dates, or `to` before `from` or more than 366 days after it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/waste")]
pub async fn waste(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<SalesReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, branch_id) = (client.branch_scope(), query.branch_id);
    let period = Period::new(query.from, query.to)?;
    list.answer(state, async move |db, page| {
        kitchen::waste(db, &scope, branch_id, period, page).await
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VarianceQuery {
    branch_id: Uuid,
    /// The count (an adjustment with count lines) the period starts at.
    opening_count_id: Uuid,
    /// A later count of the branch, where the period ends.
    closing_count_id: Uuid,
}

/// Restaurants: theoretical against actual usage of each item counted at both counts: what the
/// sales' recipes used up, what was wasted, what the counts show, and the variance in quantity
/// and at cost.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, VarianceQuery),
    responses(
        (status = 200, body = PageView<UsageVariance>),
        (status = 404, description = "No such branch or count", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The counts are not two counts in order", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/usage-variance")]
pub async fn usage_variance(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<VarianceQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = client.branch_scope();
    let (branch_id, opening, closing) = (
        query.branch_id,
        query.opening_count_id,
        query.closing_count_id,
    );
    list.answer(state, async move |db, page| {
        kitchen::usage_variance(db, &scope, branch_id, opening, closing, page).await
    })
    .await
}
