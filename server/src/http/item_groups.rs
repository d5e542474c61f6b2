use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::DecimalInput;
use super::PageView;
use super::extract::{Json, Query};
use crate::{
    AppState,
    auth::caller::AdminCaller,
    catalog::item_groups::{self, ItemGroupDetail, ItemGroupInput, OptionInput},
    decimal::from_fixed4,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionView {
    item_id: Uuid,
    #[schema(value_type = String)]
    price_delta: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemGroupView {
    id: Uuid,
    name: String,
    kind: String,
    min_choices: i32,
    max_choices: i32,
    active: bool,
    options: Vec<OptionView>,
    item_ids: Vec<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ItemGroupDetail> for ItemGroupView {
    fn from(d: ItemGroupDetail) -> Self {
        let g = d.group;
        Self {
            id: g.id,
            name: g.name,
            kind: g.group_kind,
            min_choices: g.min_choices,
            max_choices: g.max_choices,
            active: g.active,
            options: d
                .options
                .into_iter()
                .map(|o| OptionView {
                    item_id: o.item_id,
                    price_delta: from_fixed4(o.price_delta),
                })
                .collect(),
            item_ids: d.item_ids,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// Create a modifier group or combo.
#[utoipa::path(
    tag = "catalog",
    security(("bearer" = [])),
    responses(
        (status = 201, body = ItemGroupView),
        (status = 422, description = "Invalid fields or unknown items", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/item-groups")]
pub async fn create_item_group(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    body: Json<ItemGroupRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = item_groups::save_item_group(&state.db, None, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(ItemGroupView::from(created)))
}

/// List item groups by name.
#[utoipa::path(tag = "catalog", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = PageView<ItemGroupView>)))]
#[get("/item-groups")]
pub async fn list_item_groups(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    page: Query<PageQuery>,
) -> Result<web::Json<PageView<ItemGroupView>>, ApiError> {
    let page = item_groups::list_item_groups(&state.db, page.parse()?).await?;
    Ok(web::Json(PageView::from_page(page, ItemGroupView::from)))
}

/// One item group.
#[utoipa::path(tag = "catalog", security(("bearer" = [])), responses((status = 200, body = ItemGroupView), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/item-groups/{item_group_id}")]
pub async fn get_item_group(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    item_group_id: web::Path<Uuid>,
) -> Result<web::Json<ItemGroupView>, ApiError> {
    Ok(web::Json(
        item_groups::get_item_group(&state.db, *item_group_id)
            .await?
            .into(),
    ))
}

/// Replace an item group, its options and the items offering it.
#[utoipa::path(
    tag = "catalog",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ItemGroupView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or unknown items", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/item-groups/{item_group_id}")]
pub async fn update_item_group(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    item_group_id: web::Path<Uuid>,
    body: Json<ItemGroupRequest>,
) -> Result<web::Json<ItemGroupView>, ApiError> {
    let saved =
        item_groups::save_item_group(&state.db, Some(*item_group_id), body.into_inner().into())
            .await?;
    Ok(web::Json(saved.into()))
}

/// Delete an item group; terminals receive a tombstone.
#[utoipa::path(tag = "catalog", security(("bearer" = [])), responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/item-groups/{item_group_id}")]
pub async fn delete_item_group(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    item_group_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    item_groups::delete_item_group(&state.db, *item_group_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
