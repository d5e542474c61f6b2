use actix_web::{HttpResponse, delete, get, http::StatusCode, post, put, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::DecimalInput;
use super::extract::Query;
use super::idempotent::WriteRequest;
use super::{PageView, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
    catalog::items::{self, BranchItem, BranchItemInput, Item, ItemFilter, ItemInput},
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(super::item_import::routes)
        .service(create_item)
        .service(list_items)
        .service(get_item)
        .service(update_item)
        .service(delete_item)
        .service(set_branch_item)
        .service(clear_branch_item)
        .service(list_branch_items);
}

/// An item as submitted; decimals may be JSON strings or numbers and keep every digit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ItemRequest {
    #[schema(example = "COF-001")]
    sku: String,
    name: String,
    category_id: Option<Uuid>,
    /// `piece` when absent; `kg`, `l`, … for fractional quantities.
    unit: Option<String>,
    #[schema(value_type = DecimalInput, example = "120.50")]
    base_price: Decimal,
    #[schema(value_type = Option<DecimalInput>)]
    cost: Option<Decimal>,
    /// Percent, 0 to 100; 0 when absent.
    #[schema(value_type = Option<DecimalInput>, example = "12")]
    tax_rate: Option<Decimal>,
    /// True when absent.
    track_stock: Option<bool>,
    /// True when absent.
    active: Option<bool>,
    /// Barcodes, each unique across all items.
    #[serde(default)]
    barcodes: Vec<String>,
}

impl From<ItemRequest> for ItemInput {
    fn from(r: ItemRequest) -> Self {
        Self {
            sku: r.sku,
            name: r.name,
            category_id: r.category_id,
            unit: r.unit,
            base_price: r.base_price,
            cost: r.cost,
            tax_rate: r.tax_rate,
            track_stock: r.track_stock,
            active: r.active,
            barcodes: r.barcodes,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Part of the SKU or name.
    q: Option<String>,
    category_id: Option<Uuid>,
    active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchItemRequest {
    /// The branch's own price; the base price when absent.
    #[schema(value_type = Option<DecimalInput>)]
    price: Option<Decimal>,
    /// Hide the item from this branch's terminals.
    #[serde(default)]
    hidden: bool,
}

/// Create an item.
#[utoipa::path( request_body = ItemRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = Item),
        (status = 409, description = "The SKU is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown category or a barcode of another item", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/items")]
pub async fn create_item(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: ItemRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::CREATED, async |txn| {
            items::create_item(txn, body.into()).await
        })
        .await
}

/// List items by SKU.
#[utoipa::path(tag = "catalog", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery, ItemQuery), responses((status = 200, body = PageView<Item>)))]
#[get("/items")]
pub async fn list_items(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<ItemQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = ItemFilter {
        search: query.q,
        category_id: query.category_id,
        active: query.active,
    };
    list.answer(state, async move |db, page| {
        items::list_items(db, filter.clone(), page).await
    })
    .await
}

/// One item.
#[utoipa::path(tag = "catalog", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = Item), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/items/{item_id}")]
pub async fn get_item(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    item_id: web::Path<Uuid>,
) -> Result<web::Json<Item>, ApiError> {
    Ok(web::Json(items::get_item(&state.db, *item_id).await?))
}

/// Replace every field of an item.
#[utoipa::path( request_body = ItemRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Item),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The SKU is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/items/{item_id}")]
pub async fn update_item(
    admin: AdminCaller,
    write: WriteRequest,
    item_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: ItemRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            items::update_item(txn, *item_id, body.into()).await
        })
        .await
}

/// Delete an item; terminals receive a tombstone.
#[utoipa::path( params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),tag = "catalog", security(("bearer" = ["admin"])), responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/items/{item_id}")]
pub async fn delete_item(
    admin: AdminCaller,
    write: WriteRequest,
    item_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            items::delete_item(txn, *item_id).await
        })
        .await
}

/// Give an item its own price at a branch, or hide it there.
#[utoipa::path( request_body = BranchItemRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = BranchItem),
        (status = 404, description = "No such branch or item", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid price", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/branches/{branch_id}/items/{item_id}")]
pub async fn set_branch_item(
    admin: AdminCaller,
    write: WriteRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let body: BranchItemRequest = write.json()?;
    let (branch_id, item_id) = path.into_inner();
    let input = BranchItemInput {
        price: body.price,
        hidden: body.hidden,
    };
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            items::set_branch_item(txn, branch_id, item_id, input).await
        })
        .await
}

/// Remove a branch's own price or hiding: the item is sold there as in the catalogue.
#[utoipa::path( params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),tag = "catalog", security(("bearer" = ["admin"])), responses((status = 204, description = "Removed"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/branches/{branch_id}/items/{item_id}")]
pub async fn clear_branch_item(
    admin: AdminCaller,
    write: WriteRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (branch_id, item_id) = path.into_inner();
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            items::clear_branch_item(txn, branch_id, item_id).await
        })
        .await
}

/// A branch's own prices and hidden items.
#[utoipa::path(tag = "catalog", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<BranchItem>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/branches/{branch_id}/items")]
pub async fn list_branch_items(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        items::list_branch_items(db, *branch_id, page).await
    })
    .await
}
