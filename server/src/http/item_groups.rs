use actix_web::{HttpResponse, delete, get, http::StatusCode, post, put, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::DecimalInput;
use super::idempotent::WriteRequest;
use super::{PageView, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
    catalog::item_groups::{self, ItemGroup, ItemGroupInput, OptionInput},
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_item_group)
        .service(list_item_groups)
        .service(get_item_group)
        .service(update_item_group)
        .service(delete_item_group);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionRequest {
    item_id: Uuid,
    /// Added to the price when chosen; 0 when absent.
    #[schema(value_type = Option<DecimalInput>)]
    price_delta: Option<Decimal>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemGroupRequest {
    #[schema(example = "Milk")]
    name: String,
    /// `modifier` or `combo`.
    kind: String,
    min_choices: i32,
    max_choices: i32,
    /// True when absent.
    active: Option<bool>,
    /// The choices, in the order the POS lists them.
    options: Vec<OptionRequest>,
    /// The items that offer this group.
    #[serde(default)]
    item_ids: Vec<Uuid>,
}

impl From<ItemGroupRequest> for ItemGroupInput {
    fn from(r: ItemGroupRequest) -> Self {
        Self {
            name: r.name,
            kind: r.kind,
            min_choices: r.min_choices,
            max_choices: r.max_choices,
            active: r.active,
            options: r
                .options
                .into_iter()
                .map(|o| OptionInput {
                    item_id: o.item_id,
                    price_delta: o.price_delta,
                })
                .collect(),
            item_ids: r.item_ids,
        }
    }
}

/// Create a modifier group or combo.
#[utoipa::path( request_body = ItemGroupRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = ItemGroup),
        (status = 422, description = "Invalid fields or unknown items", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/item-groups")]
pub async fn create_item_group(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: ItemGroupRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::CREATED, async |txn| {
            item_groups::save_item_group(txn, None, body.into()).await
        })
        .await
}

/// List item groups by name.
#[utoipa::path(tag = "catalog", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<ItemGroup>)))]
#[get("/item-groups")]
pub async fn list_item_groups(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        item_groups::list_item_groups(db, page).await
    })
    .await
}

/// One item group.
#[utoipa::path(tag = "catalog", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = ItemGroup), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/item-groups/{item_group_id}")]
pub async fn get_item_group(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    item_group_id: web::Path<Uuid>,
) -> Result<web::Json<ItemGroup>, ApiError> {
    Ok(web::Json(
        item_groups::get_item_group(&state.db, *item_group_id).await?,
    ))
}

/// Replace an item group, its options and the items offering it.
#[utoipa::path( request_body = ItemGroupRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = ItemGroup),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or unknown items", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/item-groups/{item_group_id}")]
pub async fn update_item_group(
    admin: AdminCaller,
    write: WriteRequest,
    item_group_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: ItemGroupRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            item_groups::save_item_group(txn, Some(*item_group_id), body.into()).await
        })
        .await
}

/// Delete an item group; terminals receive a tombstone.
#[utoipa::path( params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),tag = "catalog", security(("bearer" = ["admin"])), responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/item-groups/{item_group_id}")]
pub async fn delete_item_group(
    admin: AdminCaller,
    write: WriteRequest,
    item_group_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            item_groups::delete_item_group(txn, *item_group_id).await
        })
        .await
}
