use actix_web::{HttpResponse, get, http::StatusCode, patch, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::Query;
use super::idempotent::WriteRequest;
use super::{PageView, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
    error::{ApiError, Problem},
    pagination::PageQuery,
    registry::{self, Branch, BranchChanges, NewBranch},
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_branch)
        .service(list_branches)
        .service(get_branch)
        .service(update_branch)
        .service(deactivate_branch)
        .service(reactivate_branch);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBranchRequest {
    /// Unique short code, letters, digits, '-' and '_' (kept in upper case).
    #[schema(example = "MNL-01")]
    code: String,
    name: String,
    /// `retail` or `restaurant`.
    #[schema(example = "retail")]
    pos_type: String,
    /// IANA time zone name; UTC when absent.
    #[schema(example = "Asia/Manila")]
    time_zone: Option<String>,
    /// Whether documents may drive stock below zero (sales always may); false when absent.
    allow_negative_stock: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBranchRequest {
    code: Option<String>,
    name: Option<String>,
    pos_type: Option<String>,
    time_zone: Option<String>,
    allow_negative_stock: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BranchFilter {
    /// Only active (`true`) or only deactivated (`false`) branches.
    active: Option<bool>,
}

/// Create a branch.
#[utoipa::path(
    request_body = CreateBranchRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "branches",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = Branch),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/branches")]
pub async fn create_branch(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: CreateBranchRequest = write.json()?;
    let new = NewBranch {
        code: body.code,
        name: body.name,
        pos_type: body.pos_type,
        time_zone: body.time_zone,
        allow_negative_stock: body.allow_negative_stock,
    };
    write
        .run(&admin.client_id, StatusCode::CREATED, async |txn| {
            registry::create_branch(txn, new).await
        })
        .await
}

/// List branches, ordered by code.
#[utoipa::path(
    tag = "branches",
    security(("bearer" = ["admin", "stock", "reports"])),
    params(PageQuery, BranchFilter),
    responses((status = 200, body = PageView<Branch>))
)]
#[get("/branches")]
pub async fn list_branches(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    filter: Query<BranchFilter>,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        registry::list_branches(db, filter.active, page).await
    })
    .await
}

/// One branch.
#[utoipa::path(
    tag = "branches",
    security(("bearer" = ["admin", "stock", "reports"])),
    responses((status = 200, body = Branch), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/branches/{branch_id}")]
pub async fn get_branch(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
) -> Result<web::Json<Branch>, ApiError> {
    Ok(web::Json(
        registry::get_branch(&state.db, *branch_id).await?,
    ))
}

/// Change a branch's code, name, POS type or time zone.
#[utoipa::path(
    request_body = UpdateBranchRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "branches",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Branch),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/branches/{branch_id}")]
pub async fn update_branch(
    admin: AdminCaller,
    write: WriteRequest,
    branch_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: UpdateBranchRequest = write.json()?;
    let changes = BranchChanges {
        code: body.code,
        name: body.name,
        pos_type: body.pos_type,
        time_zone: body.time_zone,
        allow_negative_stock: body.allow_negative_stock,
    };
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            registry::update_branch(txn, *branch_id, changes).await
        })
        .await
}

/// Deactivate a branch: its terminals can no longer get or use tokens.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "branches",
    security(("bearer" = ["admin"])),
    responses((status = 200, body = Branch), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/branches/{branch_id}/deactivate")]
pub async fn deactivate_branch(
    admin: AdminCaller,
    write: WriteRequest,
    branch_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            registry::set_branch_active(txn, *branch_id, false).await
        })
        .await
}

/// Reactivate a branch.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "branches",
    security(("bearer" = ["admin"])),
    responses((status = 200, body = Branch), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/branches/{branch_id}/reactivate")]
pub async fn reactivate_branch(
    admin: AdminCaller,
    write: WriteRequest,
    branch_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            registry::set_branch_active(txn, *branch_id, true).await
        })
        .await
}
