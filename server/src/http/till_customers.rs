//! Customers a till makes or edits: under the till's own id, edits naming the version the till
//! saw. They reach every branch through the master feed.

use actix_web::{HttpResponse, http::StatusCode, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::idempotent::WriteRequest;
use crate::{
    auth::caller::TerminalCaller,
    catalog::customers::{self, Customer, TillCustomerInput, TillSaved},
    error::{ApiError, Problem},
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_customer).service(update_customer);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TillCustomerRequest {
    /// The till's own id for the new customer: sent again, it is not made twice.
    id: Uuid,
    code: String,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    tax_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TillCustomerEdit {
    /// The customer's `version` when the till last saw it.
    version: i32,
    code: String,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    tax_id: Option<String>,
}

fn answer(saved: TillSaved) -> (StatusCode, Customer) {
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, saved.customer)
}

/// A customer made at the till (201; 200 when sent again).
#[utoipa::path(
    request_body = TillCustomerRequest,
    tag = "sync",
    security(("bearer" = ["terminal"])),
    responses(
        (status = 201, body = Customer),
        (status = 200, description = "Sent before: the customer as made", body = Customer),
        (status = 409, description = "The code is taken (`already-exists`), or another customer has this id (`stale-version`, with `current`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sync/customers")]
pub async fn create_customer(
    terminal: TerminalCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: TillCustomerRequest = write.json()?;
    let input = TillCustomerInput {
        code: body.code,
        name: body.name,
        phone: body.phone,
        email: body.email,
        tax_id: body.tax_id,
    };
    let actor = format!("terminal:{}", terminal.terminal_id);
    write
        .run_answering(&actor, async |txn| {
            customers::create_customer_from_till(txn, body.id, input)
                .await
                .map(answer)
        })
        .await
}

/// A till's edit of a customer, made on the version it names; refused with the customer as it
/// is now (`current`) when it changed since.
#[utoipa::path(
    request_body = TillCustomerEdit,
    tag = "sync",
    security(("bearer" = ["terminal"])),
    responses(
        (status = 200, body = Customer),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since that version (`stale-version`, with `current`), or the code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/sync/customers/{customer_id}")]
pub async fn update_customer(
    terminal: TerminalCaller,
    write: WriteRequest,
    customer_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: TillCustomerEdit = write.json()?;
    let input = TillCustomerInput {
        code: body.code,
        name: body.name,
        phone: body.phone,
        email: body.email,
        tax_id: body.tax_id,
    };
    let actor = format!("terminal:{}", terminal.terminal_id);
    write
        .run_answering(&actor, async |txn| {
            customers::update_customer_from_till(txn, *customer_id, body.version, input)
                .await
                .map(answer)
        })
        .await
}
