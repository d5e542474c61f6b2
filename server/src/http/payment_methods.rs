use actix_web::{HttpResponse, delete, get, http::StatusCode, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::idempotent::WriteRequest;
use super::{PageView, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
    catalog::payment_methods::{self, PaymentMethod, PaymentMethodInput},
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_payment_method)
        .service(list_payment_methods)
        .service(get_payment_method)
        .service(update_payment_method)
        .service(delete_payment_method);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethodRequest {
    #[schema(example = "GCASH")]
    code: String,
    name: String,
    /// `cash`, `card`, `voucher` or `other`.
    kind: String,
    /// True when absent.
    active: Option<bool>,
    /// The branches that offer it; every branch when empty or absent.
    #[serde(default)]
    branch_ids: Vec<Uuid>,
}

impl From<PaymentMethodRequest> for PaymentMethodInput {
    fn from(r: PaymentMethodRequest) -> Self {
        Self {
            code: r.code,
            name: r.name,
            kind: r.kind,
            active: r.active,
            branch_ids: r.branch_ids,
        }
    }
}

/// Create a payment method.
#[utoipa::path( request_body = PaymentMethodRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = PaymentMethod),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or unknown branch", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/payment-methods")]
pub async fn create_payment_method(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: PaymentMethodRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::CREATED, async |txn| {
            payment_methods::save_payment_method(txn, None, body.into()).await
        })
        .await
}

/// List payment methods by code.
#[utoipa::path(tag = "catalog", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<PaymentMethod>)))]
#[get("/payment-methods")]
pub async fn list_payment_methods(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        payment_methods::list_payment_methods(db, page).await
    })
    .await
}

/// One payment method.
#[utoipa::path(tag = "catalog", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = PaymentMethod), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/payment-methods/{payment_method_id}")]
pub async fn get_payment_method(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    payment_method_id: web::Path<Uuid>,
) -> Result<web::Json<PaymentMethod>, ApiError> {
    Ok(web::Json(
        payment_methods::get_payment_method(&state.db, *payment_method_id).await?,
    ))
}

/// Replace a payment method and the branches that offer it.
#[utoipa::path( request_body = PaymentMethodRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = PaymentMethod),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/payment-methods/{payment_method_id}")]
pub async fn update_payment_method(
    admin: AdminCaller,
    write: WriteRequest,
    payment_method_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: PaymentMethodRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            payment_methods::save_payment_method(txn, Some(*payment_method_id), body.into()).await
        })
        .await
}

/// Delete a payment method; terminals receive a tombstone.
#[utoipa::path( params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),tag = "catalog", security(("bearer" = ["admin"])), responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/payment-methods/{payment_method_id}")]
pub async fn delete_payment_method(
    admin: AdminCaller,
    write: WriteRequest,
    payment_method_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            payment_methods::delete_payment_method(txn, *payment_method_id).await
        })
        .await
}
