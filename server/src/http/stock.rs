use actix_web::{HttpResponse, get, http::StatusCode, post, put, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::Query;
use super::listing::ListRequest;
use super::{DecimalInput, PageView, idempotent::WriteRequest};
use crate::{
    AppState,
    auth::caller::{Caller, ReportsCaller, StockCaller},
    decimal,
    error::{ApiError, DomainError, Problem},
    inventory::{
        adjustments::{self, Adjustment, AdjustmentInput, AdjustmentLineInput},
        queries::{self, StockFilter, StockLevel},
    },
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_adjustment)
        .service(list_adjustments)
        .service(get_adjustment)
        .service(branch_stock)
        .service(item_stock)
        .service(set_reorder_level);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentLineRequest {
    item_id: Uuid,
    /// `delta`: add the signed quantity; `count`: on hand becomes the quantity.
    #[schema(example = "delta")]
    mode: String,
    #[schema(value_type = DecimalInput, example = "-2")]
    quantity: Decimal,
    #[schema(example = "damaged")]
    reason_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    note: Option<String>,
    lines: Vec<AdjustmentLineRequest>,
}

impl From<AdjustmentRequest> for AdjustmentInput {
    fn from(r: AdjustmentRequest) -> Self {
        Self {
            note: r.note,
            lines: r
                .lines
                .into_iter()
                .map(|l| AdjustmentLineInput {
                    item_id: l.item_id,
                    mode: l.mode,
                    quantity: l.quantity,
                    reason_code: l.reason_code,
                })
                .collect(),
        }
    }
}

/// Adjust stock at a branch: signed changes with a reason, or counts that set the quantity.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    request_body = AdjustmentRequest,
    responses(
        (status = 201, body = Adjustment),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enough stock, or a deactivated branch", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid lines, or the key was used with another request", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/branches/{branch_id}/adjustments")]
pub async fn create_adjustment(
    client: StockCaller,
    write: WriteRequest,
    branch_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let input: AdjustmentInput = write.json::<AdjustmentRequest>()?.into();
    let (branch_id, scope) = (*branch_id, client.branch_scope());
    write
        .run(&client.client_id, StatusCode::CREATED, async |txn| {
            adjustments::create_adjustment(txn, &scope, branch_id, &client.client_id, input).await
        })
        .await
}

/// A branch's adjustments and counts, newest first.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<Adjustment>), (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json")))]
#[get("/branches/{branch_id}/adjustments")]
pub async fn list_adjustments(
    client: ReportsCaller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    let scope = client.branch_scope();
    list.answer(state, async move |db, page| {
        adjustments::list_adjustments(db, &scope, *branch_id, page).await
    })
    .await
}

/// One adjustment.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = Adjustment), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/branches/{branch_id}/adjustments/{adjustment_id}")]
pub async fn get_adjustment(
    client: ReportsCaller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<Adjustment>, ApiError> {
    let (branch_id, id) = path.into_inner();
    Ok(web::Json(
        adjustments::get_adjustment(&state.db, &client.branch_scope(), branch_id, id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    item_id: Option<Uuid>,
    category_id: Option<Uuid>,
    /// Only items with less than this on hand.
    #[param(pattern = r"^-?[0-9]{1,14}(\.[0-9]{1,4})?$", example = "3")]
    below: Option<String>,
    /// Only items below their reorder level at this branch.
    #[serde(default)]
    below_reorder_level: bool,
    /// Only items whose SKU or name contains this, in any case.
    #[param(max_length = 100)]
    search: Option<String>,
}

/// A branch's stock, by item. Admins, and terminals for their own branch.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports", "terminal"])), params(PageQuery, StockQuery), responses((status = 200, body = PageView<StockLevel>), (status = 404, description = "No such branch (for a terminal: another branch)", body = Problem, content_type = "application/problem+json")))]
#[get("/branches/{branch_id}/stock")]
pub async fn branch_stock(
    caller: Caller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    list: ListRequest,
    query: Query<StockQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let below = query
        .below
        .as_deref()
        .map(decimal::parse_text)
        .transpose()
        .map_err(|message| DomainError::invalid("below", message))?;
    let filter = StockFilter {
        item_id: query.item_id,
        category_id: query.category_id,
        below,
        below_reorder_level: query.below_reorder_level,
        search: query.search,
    };
    let scope = caller.branch_scope();
    list.answer(state, async move |db, page| {
        queries::branch_stock(db, &scope, *branch_id, filter.clone(), page).await
    })
    .await
}

/// An item's stock at every branch.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<StockLevel>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/items/{item_id}/stock")]
pub async fn item_stock(
    client: ReportsCaller,
    state: web::Data<AppState>,
    item_id: web::Path<Uuid>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    let scope = client.branch_scope();
    list.answer(state, async move |db, page| {
        queries::item_stock(db, &scope, *item_id, page).await
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderLevelRequest {
    /// Below this on hand the item should be reordered; none clears it.
    #[schema(value_type = Option<DecimalInput>, example = "12")]
    reorder_level: Option<Decimal>,
}

/// Set the quantity below which an item should be reordered at a branch.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    request_body = ReorderLevelRequest,
    responses(
        (status = 200, body = StockLevel),
        (status = 404, description = "No such branch, or no item that tracks stock", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The branch is deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/branches/{branch_id}/items/{item_id}/reorder-level")]
pub async fn set_reorder_level(
    client: StockCaller,
    write: WriteRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let body: ReorderLevelRequest = write.json()?;
    let (branch_id, item_id) = path.into_inner();
    let scope = client.branch_scope();
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            queries::set_reorder_level(txn, &scope, branch_id, item_id, body.reorder_level).await
        })
        .await
}
