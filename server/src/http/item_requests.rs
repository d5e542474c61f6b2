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
    auth::caller::{Caller, ReportsCaller, StockCaller, StockWriter},
    error::{ApiError, Problem},
    inventory::{
        LineInput,
        item_requests::{self, ApprovedLine, ItemRequest, ItemRequestInput},
    },
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_item_request)
        .service(list_item_requests)
        .service(get_item_request)
        .service(approve_item_request)
        .service(reject_item_request);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestLine {
    item_id: Uuid,
    #[schema(value_type = DecimalInput, example = "10")]
    quantity: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequestRequest {
    /// The branch asking. A terminal asks for its own branch and may leave this out; an admin names it.
    requesting_branch_id: Option<Uuid>,
    /// The branch (or head office) asked to send the items.
    supplying_branch_id: Uuid,
    lines: Vec<RequestLine>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovedLineRequest {
    line_no: i32,
    /// What will be sent, at most what was requested; 0 declines the line.
    #[schema(value_type = DecimalInput)]
    quantity: Decimal,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// Lines approved for less than requested; lines not named are approved in full.
    #[serde(default)]
    lines: Vec<ApprovedLineRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    reason: String,
}

/// Ask a supplying branch for items. Terminals may ask for their own branch.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock", "terminal"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    request_body = ItemRequestRequest,
    responses(
        (status = 201, body = ItemRequest),
        (status = 404, description = "No such branch (for a terminal: another branch as the requester)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A branch is deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid lines", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/item-requests")]
pub async fn create_item_request(
    StockWriter(caller): StockWriter,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let request: ItemRequestRequest = write.json()?;
    let input = ItemRequestInput {
        requesting_branch_id: request.requesting_branch_id,
        supplying_branch_id: request.supplying_branch_id,
        lines: request
            .lines
            .into_iter()
            .map(|l| LineInput {
                item_id: l.item_id,
                quantity: l.quantity,
            })
            .collect(),
    };
    let (actor, scope) = (caller.client_name(), caller.branch_scope());
    write
        .run(&actor, StatusCode::CREATED, async |txn| {
            item_requests::create_item_request(txn, &scope, &actor, input).await
        })
        .await
}

/// Approve a pending request (possibly for less); a draft transfer ticket is made to fulfil it.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    request_body = ApproveRequest,
    responses(
        (status = 200, body = ItemRequest),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "More than requested, or nothing approved", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/item-requests/{item_request_id}/approve")]
pub async fn approve_item_request(
    client: StockCaller,
    write: WriteRequest,
    item_request_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let request: ApproveRequest = write.json_or_default()?;
    let approved = request
        .lines
        .into_iter()
        .map(|l| ApprovedLine {
            line_no: l.line_no,
            quantity: l.quantity,
        })
        .collect();
    let id = *item_request_id;
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            item_requests::approve_item_request(
                txn,
                &client.branch_scope(),
                &client.client_id,
                id,
                approved,
            )
            .await
        })
        .await
}

/// Reject a pending request, with a reason.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    request_body = RejectRequest,
    responses(
        (status = 200, body = ItemRequest),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/item-requests/{item_request_id}/reject")]
pub async fn reject_item_request(
    client: StockCaller,
    write: WriteRequest,
    item_request_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let request: RejectRequest = write.json()?;
    let id = *item_request_id;
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            item_requests::reject_item_request(txn, &client.branch_scope(), id, &request.reason)
                .await
        })
        .await
}

/// One item request.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports", "terminal"])), responses((status = 200, body = ItemRequest), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/item-requests/{item_request_id}")]
pub async fn get_item_request(
    caller: Caller,
    state: web::Data<AppState>,
    item_request_id: web::Path<Uuid>,
) -> Result<web::Json<ItemRequest>, ApiError> {
    let scope = caller.branch_scope();
    let detail = item_requests::get_item_request(&state.db, &scope, *item_request_id).await?;
    Ok(web::Json(detail))
}

/// Item requests made by or to a branch, newest first.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery, DocumentFilter), responses((status = 200, body = PageView<ItemRequest>)))]
#[get("/item-requests")]
pub async fn list_item_requests(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    filter: Query<DocumentFilter>,
) -> Result<HttpResponse, ApiError> {
    let scope = client.branch_scope();
    list.answer(state, async move |db, page| {
        item_requests::list_item_requests(
            db,
            &scope,
            filter.branch_id,
            filter.status.as_deref(),
            page,
        )
        .await
    })
    .await
}
