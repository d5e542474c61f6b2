use actix_web::{HttpResponse, delete, get, http::StatusCode, post, put, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::Query;
use super::idempotent::WriteRequest;
use super::{PageView, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
    catalog::categories::{self, Category, CategoryInput},
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_category)
        .service(list_categories)
        .service(get_category)
        .service(update_category)
        .service(delete_category);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryRequest {
    name: String,
    /// The parent category; a top-level category when absent.
    parent_id: Option<Uuid>,
    /// True when absent.
    active: Option<bool>,
}

impl From<CategoryRequest> for CategoryInput {
    fn from(r: CategoryRequest) -> Self {
        Self {
            name: r.name,
            parent_id: r.parent_id,
            active: r.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryFilter {
    /// Only the children of this category.
    parent_id: Option<Uuid>,
}

/// Create a category.
#[utoipa::path( request_body = CategoryRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = Category),
        (status = 422, description = "Invalid fields or unknown parent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/categories")]
pub async fn create_category(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: CategoryRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::CREATED, async |txn| {
            categories::create_category(txn, body.into()).await
        })
        .await
}

/// List categories by name.
#[utoipa::path(tag = "catalog", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery, CategoryFilter), responses((status = 200, body = PageView<Category>)))]
#[get("/categories")]
pub async fn list_categories(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    filter: Query<CategoryFilter>,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        categories::list_categories(db, filter.parent_id, page).await
    })
    .await
}

/// One category.
#[utoipa::path(tag = "catalog", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = Category), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/categories/{category_id}")]
pub async fn get_category(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    category_id: web::Path<Uuid>,
) -> Result<web::Json<Category>, ApiError> {
    Ok(web::Json(
        categories::get_category(&state.db, *category_id).await?,
    ))
}

/// Replace a category's name, parent and active flag.
#[utoipa::path( request_body = CategoryRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Category),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown parent or a cycle", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/categories/{category_id}")]
pub async fn update_category(
    admin: AdminCaller,
    write: WriteRequest,
    category_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: CategoryRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            categories::update_category(txn, *category_id, body.into()).await
        })
        .await
}

/// Delete a category that has no subcategories and no items.
#[utoipa::path( params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still has subcategories or items", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/categories/{category_id}")]
pub async fn delete_category(
    admin: AdminCaller,
    write: WriteRequest,
    category_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            categories::delete_category(txn, *category_id).await
        })
        .await
}
