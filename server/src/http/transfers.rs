use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::Query;
use super::listing::ListRequest;
use super::{DecimalInput, DocumentFilter, PageView, idempotent::WriteRequest};
use crate::{
    AppState,
    auth::caller::{ReportsCaller, StockCaller},
    error::{ApiError, Problem},
    inventory::{
        LineInput,
        transfers::{self, ReceivedLine, Transfer, TransferInput},
    },
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_transfer)
        .service(list_transfers)
        .service(get_transfer)
        .service(dispatch_transfer)
        .service(receive_transfer)
        .service(cancel_transfer);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    item_id: Uuid,
    #[schema(value_type = DecimalInput, example = "12")]
    quantity: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    from_branch_id: Uuid,
    to_branch_id: Uuid,
    note: Option<String>,
    lines: Vec<LineRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceivedLineRequest {
    line_no: i32,
    /// What arrived; the difference from what was sent is recorded as a discrepancy.
    #[schema(value_type = DecimalInput)]
    quantity: Decimal,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveRequest {
    /// Lines that did not arrive in full; lines not named arrived as sent.
    #[serde(default)]
    lines: Vec<ReceivedLineRequest>,
}

/// Create a draft transfer ticket between two branches.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    request_body = TransferRequest,
    responses(
        (status = 201, body = Transfer),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A branch is deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid lines", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/transfers")]
pub async fn create_transfer(
    client: StockCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let request: TransferRequest = write.json()?;
    let input = TransferInput {
        from_branch_id: request.from_branch_id,
        to_branch_id: request.to_branch_id,
        note: request.note,
        lines: request
            .lines
            .into_iter()
            .map(|l| LineInput {
                item_id: l.item_id,
                quantity: l.quantity,
            })
            .collect(),
    };
    write
        .run(&client.client_id, StatusCode::CREATED, async |txn| {
            transfers::create_transfer(txn, &client.branch_scope(), &client.client_id, input).await
        })
        .await
}

/// Dispatch: the source branch's stock goes down and is in transit to the destination.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    responses(
        (status = 200, body = Transfer),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft, or not enough stock at the source", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/transfers/{transfer_id}/dispatch")]
pub async fn dispatch_transfer(
    client: StockCaller,
    write: WriteRequest,
    transfer_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = *transfer_id;
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            transfers::dispatch_transfer(txn, &client.client_id, id).await
        })
        .await
}

/// Receive at the destination; lines that arrived short or over record a discrepancy.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    request_body = ReceiveRequest,
    responses(
        (status = 200, body = Transfer),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not dispatched", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid lines", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/transfers/{transfer_id}/receive")]
pub async fn receive_transfer(
    client: StockCaller,
    write: WriteRequest,
    transfer_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let request: ReceiveRequest = write.json_or_default()?;
    let received = request
        .lines
        .into_iter()
        .map(|l| ReceivedLine {
            line_no: l.line_no,
            quantity: l.quantity,
        })
        .collect();
    let id = *transfer_id;
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            transfers::receive_transfer(txn, &client.client_id, id, received).await
        })
        .await
}

/// Cancel a draft, or a dispatched ticket by returning its stock to the source.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    responses(
        (status = 200, body = Transfer),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already received or cancelled", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/transfers/{transfer_id}/cancel")]
pub async fn cancel_transfer(
    client: StockCaller,
    write: WriteRequest,
    transfer_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = *transfer_id;
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            transfers::cancel_transfer(txn, &client.client_id, id).await
        })
        .await
}

/// One transfer ticket.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = Transfer), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/transfers/{transfer_id}")]
pub async fn get_transfer(
    client: ReportsCaller,
    state: web::Data<AppState>,
    transfer_id: web::Path<Uuid>,
) -> Result<web::Json<Transfer>, ApiError> {
    Ok(web::Json(
        transfers::get_transfer(&state.db, &client.branch_scope(), *transfer_id).await?,
    ))
}

/// Transfer tickets, newest first.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery, DocumentFilter), responses((status = 200, body = PageView<Transfer>)))]
#[get("/transfers")]
pub async fn list_transfers(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    filter: Query<DocumentFilter>,
) -> Result<HttpResponse, ApiError> {
    let scope = client.branch_scope();
    list.answer(state, async move |db, page| {
        transfers::list_transfers(db, &scope, filter.branch_id, filter.status.as_deref(), page)
            .await
    })
    .await
}
