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
    catalog::staff::{self, Staff, StaffInput},
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_staff)
        .service(list_staff)
        .service(get_staff)
        .service(update_staff)
        .service(delete_staff);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffRequest {
    code: String,
    name: String,
    /// `cashier`, `waiter`, `supervisor` or `manager`.
    role: String,
    /// 4 to 8 digits, stored hashed; required to create, kept when absent on update.
    pin: Option<String>,
    /// The branches the user works in; at least one.
    branch_ids: Vec<Uuid>,
    /// True when absent.
    active: Option<bool>,
}

impl From<StaffRequest> for StaffInput {
    fn from(r: StaffRequest) -> Self {
        Self {
            code: r.code,
            name: r.name,
            role: r.role,
            pin: r.pin,
            branch_ids: r.branch_ids,
            active: r.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffFilter {
    /// Only the staff of this branch.
    branch_id: Option<Uuid>,
}

/// Create a staff user of the POS.
#[utoipa::path( request_body = StaffRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "people",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = Staff),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or unknown branch", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff")]
pub async fn create_staff(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: StaffRequest = write.json()?;
    let checked = staff::check_staff(None, body.into()).await?;
    write
        .run(&admin.client_id, StatusCode::CREATED, async |txn| {
            staff::save_staff(txn, None, checked).await
        })
        .await
}

/// List staff users by code.
#[utoipa::path(tag = "people", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery, StaffFilter), responses((status = 200, body = PageView<Staff>)))]
#[get("/staff")]
pub async fn list_staff(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    filter: Query<StaffFilter>,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        staff::list_staff(db, filter.branch_id, page).await
    })
    .await
}

/// One staff user.
#[utoipa::path(tag = "people", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = Staff), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/staff/{staff_id}")]
pub async fn get_staff(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    staff_id: web::Path<Uuid>,
) -> Result<web::Json<Staff>, ApiError> {
    Ok(web::Json(staff::get_staff(&state.db, *staff_id).await?))
}

/// Replace a staff user (the PIN only when given).
#[utoipa::path( request_body = StaffRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "people",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Staff),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/staff/{staff_id}")]
pub async fn update_staff(
    admin: AdminCaller,
    write: WriteRequest,
    staff_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: StaffRequest = write.json()?;
    let checked = staff::check_staff(Some(*staff_id), body.into()).await?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            staff::save_staff(txn, Some(*staff_id), checked).await
        })
        .await
}

/// Delete a staff user; their branches' terminals receive a tombstone.
#[utoipa::path( params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),tag = "people", security(("bearer" = ["admin"])), responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/staff/{staff_id}")]
pub async fn delete_staff(
    admin: AdminCaller,
    write: WriteRequest,
    staff_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            staff::delete_staff(txn, *staff_id).await
        })
        .await
}
