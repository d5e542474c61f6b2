//! Recipes of items (admin writes; every client reads).

use actix_web::{HttpResponse, delete, get, http::StatusCode, put, web};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{DecimalInput, PageView, idempotent::WriteRequest, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
    catalog::recipes::{self, IngredientInput, Recipe},
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(save_recipe)
        .service(delete_recipe)
        .service(list_recipes);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngredientRequest {
    /// An item that tracks stock.
    item_id: Uuid,
    /// Per unit of the recipe's item, in the ingredient's unit.
    #[schema(value_type = DecimalInput, example = "18")]
    quantity: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipeRequest {
    ingredients: Vec<IngredientRequest>,
}

/// Set an item's recipe from a business date on (replacing the one saved for that date). Sales
/// of earlier dates keep what they used up.
#[utoipa::path(
    request_body = RecipeRequest,
    params(
        ("item_id" = Uuid, Path),
        ("effective_from" = String, Path, format = Date, description = "The first business date it applies to", example = "2026-12-01"),
        ("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM),
    ),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Recipe),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid ingredients", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/items/{item_id}/recipes/{effective_from}")]
pub async fn save_recipe(
    admin: AdminCaller,
    write: WriteRequest,
    path: web::Path<(Uuid, NaiveDate)>,
) -> Result<HttpResponse, ApiError> {
    let (item_id, effective_from) = path.into_inner();
    let body: RecipeRequest = write.json()?;
    let ingredients: Vec<IngredientInput> = body
        .ingredients
        .into_iter()
        .map(|i| IngredientInput {
            item_id: i.item_id,
            quantity: i.quantity,
        })
        .collect();
    let actor = admin.client_id.clone();
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            recipes::save_recipe(txn, item_id, effective_from, &actor, ingredients).await
        })
        .await
}

/// Remove an item's recipe of a date: from then its earlier recipe applies again (or none).
/// Sales already recorded keep what they used up.
#[utoipa::path(
    params(
        ("item_id" = Uuid, Path),
        ("effective_from" = String, Path, format = Date, example = "2026-12-01"),
        ("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM),
    ),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No recipe of that item and date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/items/{item_id}/recipes/{effective_from}")]
pub async fn delete_recipe(
    admin: AdminCaller,
    write: WriteRequest,
    path: web::Path<(Uuid, NaiveDate)>,
) -> Result<HttpResponse, ApiError> {
    let (item_id, effective_from) = path.into_inner();
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            recipes::delete_recipe(txn, item_id, effective_from).await
        })
        .await
}

/// An item's recipes, newest first.
#[utoipa::path(
    params(("item_id" = Uuid, Path), PageQuery),
    tag = "catalog",
    security(("bearer" = ["admin", "stock", "reports"])),
    responses(
        (status = 200, body = PageView<Recipe>),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/items/{item_id}/recipes")]
pub async fn list_recipes(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    item_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let item_id = *item_id;
    list.answer(state, async move |db, page| {
        recipes::list_recipes(db, item_id, page).await
    })
    .await
}
