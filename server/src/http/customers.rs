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
    catalog::customers::{self, Customer, CustomerInput, Merged},
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_customer)
        .service(merge_customers)
        .service(list_customers)
        .service(get_customer)
        .service(update_customer)
        .service(delete_customer);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerRequest {
    code: String,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    /// 0 when absent.
    #[schema(value_type = Option<DecimalInput>)]
    loyalty_points: Option<Decimal>,
    tax_id: Option<String>,
    /// True when absent.
    active: Option<bool>,
}

impl From<CustomerRequest> for CustomerInput {
    fn from(r: CustomerRequest) -> Self {
        Self {
            code: r.code,
            name: r.name,
            phone: r.phone,
            email: r.email,
            loyalty_points: r.loyalty_points,
            tax_id: r.tax_id,
            active: r.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Part of the code, name, phone or email.
    q: Option<String>,
}

/// Create a customer.
#[utoipa::path( request_body = CustomerRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "people",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = Customer),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers")]
pub async fn create_customer(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: CustomerRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::CREATED, async |txn| {
            customers::save_customer(txn, None, body.into()).await
        })
        .await
}

/// List customers by code.
#[utoipa::path(tag = "people", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery, CustomerQuery), responses((status = 200, body = PageView<Customer>)))]
#[get("/customers")]
pub async fn list_customers(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<CustomerQuery>,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        customers::list_customers(db, query.q.as_deref(), page).await
    })
    .await
}

/// One customer.
#[utoipa::path(tag = "people", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = Customer), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/customers/{customer_id}")]
pub async fn get_customer(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    customer_id: web::Path<Uuid>,
) -> Result<web::Json<Customer>, ApiError> {
    Ok(web::Json(
        customers::get_customer(&state.db, *customer_id).await?,
    ))
}

/// Replace a customer.
#[utoipa::path( request_body = CustomerRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "people",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Customer),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/customers/{customer_id}")]
pub async fn update_customer(
    admin: AdminCaller,
    write: WriteRequest,
    customer_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: CustomerRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            customers::save_customer(txn, Some(*customer_id), body.into()).await
        })
        .await
}

/// Delete a customer; terminals receive a tombstone.
#[utoipa::path( params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),tag = "people", security(("bearer" = ["admin"])), responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/customers/{customer_id}")]
pub async fn delete_customer(
    admin: AdminCaller,
    write: WriteRequest,
    customer_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            customers::delete_customer(txn, *customer_id).await
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The customers merged into the one of the path and deleted (1 to 100).
    #[schema(min_items = 1, max_items = 100)]
    merged_customer_ids: Vec<Uuid>,
}

/// Merge customers into this one (seed 004's `mergeCustomers`): their transactions and loyalty
/// points move to it and they are deleted; subscribers receive `customer.deleted`,
/// `customer.updated` and `customer.merged`.
#[utoipa::path( request_body = MergeRequest, params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "people",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Merged),
        (status = 404, description = "A customer does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{customer_id}/merge")]
pub async fn merge_customers(
    admin: AdminCaller,
    write: WriteRequest,
    customer_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: MergeRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            customers::merge_customers(txn, *customer_id, body.merged_customer_ids).await
        })
        .await
}
