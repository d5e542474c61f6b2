use actix_web::{HttpResponse, delete, get, http::StatusCode, put, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::idempotent::WriteRequest;
use super::{PageView, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
    catalog::settings::{self, Setting},
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_global_settings)
        .service(put_global_setting)
        .service(delete_global_setting)
        .service(list_branch_settings)
        .service(put_branch_setting)
        .service(delete_branch_setting);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingRequest {
    #[schema(example = "Thank you for shopping!")]
    value: String,
}

/// Global settings by key.
#[utoipa::path(tag = "settings", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<Setting>)))]
#[get("/settings")]
pub async fn list_global_settings(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        settings::list_settings(db, None, page).await
    })
    .await
}

/// Set a global value (receipt header, currency, tax-inclusive pricing, …).
#[utoipa::path( request_body = SettingRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),tag = "settings", security(("bearer" = ["admin"])), responses((status = 200, body = Setting), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/settings/{key}")]
pub async fn put_global_setting(
    admin: AdminCaller,
    write: WriteRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let body: SettingRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            settings::put_setting(txn, None, &key, body.value).await
        })
        .await
}

/// Remove a global value.
#[utoipa::path( params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),tag = "settings", security(("bearer" = ["admin"])), responses((status = 204, description = "Removed"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/settings/{key}")]
pub async fn delete_global_setting(
    admin: AdminCaller,
    write: WriteRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            settings::delete_setting(txn, None, &key).await
        })
        .await
}

/// A branch's own settings by key.
#[utoipa::path(tag = "settings", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<Setting>)))]
#[get("/branches/{branch_id}/settings")]
pub async fn list_branch_settings(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        settings::list_settings(db, Some(*branch_id), page).await
    })
    .await
}

/// Set a branch's own value, which its terminals receive instead of the global one.
#[utoipa::path( request_body = SettingRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "settings",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Setting),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/branches/{branch_id}/settings/{key}")]
pub async fn put_branch_setting(
    admin: AdminCaller,
    write: WriteRequest,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let body: SettingRequest = write.json()?;
    let (branch_id, key) = path.into_inner();
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            settings::put_setting(txn, Some(branch_id), &key, body.value).await
        })
        .await
}

/// Remove a branch's own value; its terminals receive the global one again.
#[utoipa::path( params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),tag = "settings", security(("bearer" = ["admin"])), responses((status = 204, description = "Removed"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/branches/{branch_id}/settings/{key}")]
pub async fn delete_branch_setting(
    admin: AdminCaller,
    write: WriteRequest,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let (branch_id, key) = path.into_inner();
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            settings::delete_setting(txn, Some(branch_id), &key).await
        })
        .await
}
