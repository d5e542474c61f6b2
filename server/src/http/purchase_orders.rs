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
        purchase_orders::{
            self, GoodsReceipt, OrderLineInput, PurchaseOrder, PurchaseOrderInput, Receipt,
            ReceiptLineInput,
        },
    },
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_purchase_order)
        .service(list_purchase_orders)
        .service(get_purchase_order)
        .service(submit_purchase_order)
        .service(receive_goods)
        .service(list_receipts)
        .service(close_purchase_order)
        .service(cancel_purchase_order);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineRequest {
    item_id: Uuid,
    #[schema(value_type = DecimalInput, example = "24")]
    quantity: Decimal,
    #[schema(value_type = DecimalInput, example = "41.50")]
    unit_cost: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderRequest {
    /// The branch that orders and receives.
    branch_id: Uuid,
    #[schema(example = "Acme Rice Mills")]
    supplier: String,
    supplier_reference: Option<String>,
    /// Allow receiving more than ordered; false when absent.
    #[serde(default)]
    allow_over_receipt: bool,
    lines: Vec<OrderLineRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineRequest {
    line_no: i32,
    #[schema(value_type = DecimalInput)]
    quantity: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsReceiptRequest {
    /// What this delivery brought, by order line.
    lines: Vec<ReceiptLineRequest>,
}

/// Create a draft purchase order for a branch.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    request_body = PurchaseOrderRequest,
    responses(
        (status = 201, body = PurchaseOrder),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A branch is deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders")]
pub async fn create_purchase_order(
    client: StockCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let request: PurchaseOrderRequest = write.json()?;
    let input = PurchaseOrderInput {
        branch_id: request.branch_id,
        supplier: request.supplier,
        supplier_reference: request.supplier_reference,
        allow_over_receipt: request.allow_over_receipt,
        lines: request
            .lines
            .into_iter()
            .map(|l| OrderLineInput {
                line: LineInput {
                    item_id: l.item_id,
                    quantity: l.quantity,
                },
                unit_cost: l.unit_cost,
            })
            .collect(),
    };
    write
        .run(&client.client_id, StatusCode::CREATED, async |txn| {
            purchase_orders::create_purchase_order(
                txn,
                &client.branch_scope(),
                &client.client_id,
                input,
            )
            .await
        })
        .await
}

/// Send a draft to the supplier: its quantities are on order at the branch.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    responses(
        (status = 200, body = PurchaseOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{purchase_order_id}/submit")]
pub async fn submit_purchase_order(
    client: StockCaller,
    write: WriteRequest,
    purchase_order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = *purchase_order_id;
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            purchase_orders::submit_purchase_order(txn, id).await
        })
        .await
}

/// Record a delivery (goods receipt): each line's quantity enters the branch's stock.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    request_body = GoodsReceiptRequest,
    responses(
        (status = 201, body = GoodsReceipt),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not ordered, or already received, closed or cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid lines or more than ordered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{purchase_order_id}/receipts")]
pub async fn receive_goods(
    client: StockCaller,
    write: WriteRequest,
    purchase_order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let request: GoodsReceiptRequest = write.json()?;
    let delivered = request
        .lines
        .into_iter()
        .map(|l| ReceiptLineInput {
            line_no: l.line_no,
            quantity: l.quantity,
        })
        .collect();
    let id = *purchase_order_id;
    write
        .run(&client.client_id, StatusCode::CREATED, async |txn| {
            purchase_orders::receive_goods(txn, &client.client_id, id, delivered).await
        })
        .await
}

/// Close an order short: nothing more will come; what was due is no longer on order.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    responses(
        (status = 200, body = PurchaseOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not ordered or partially received", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{purchase_order_id}/close")]
pub async fn close_purchase_order(
    client: StockCaller,
    write: WriteRequest,
    purchase_order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = *purchase_order_id;
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            purchase_orders::close_purchase_order(txn, id).await
        })
        .await
}

/// Cancel a draft or ordered purchase order.
#[utoipa::path(
    tag = "stock",
    security(("bearer" = ["admin", "stock"])),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    responses(
        (status = 200, body = PurchaseOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already receiving, received, closed or cancelled", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{purchase_order_id}/cancel")]
pub async fn cancel_purchase_order(
    client: StockCaller,
    write: WriteRequest,
    purchase_order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = *purchase_order_id;
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            purchase_orders::cancel_purchase_order(txn, id).await
        })
        .await
}

/// One purchase order.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = PurchaseOrder), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/purchase-orders/{purchase_order_id}")]
pub async fn get_purchase_order(
    client: ReportsCaller,
    state: web::Data<AppState>,
    purchase_order_id: web::Path<Uuid>,
) -> Result<web::Json<PurchaseOrder>, ApiError> {
    Ok(web::Json(
        purchase_orders::get_purchase_order(&state.db, &client.branch_scope(), *purchase_order_id)
            .await?,
    ))
}

/// The deliveries recorded against a purchase order, oldest first.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<Receipt>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/purchase-orders/{purchase_order_id}/receipts")]
pub async fn list_receipts(
    client: ReportsCaller,
    state: web::Data<AppState>,
    purchase_order_id: web::Path<Uuid>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    let scope = client.branch_scope();
    list.answer(state, async move |db, page| {
        purchase_orders::list_receipts(db, &scope, *purchase_order_id, page).await
    })
    .await
}

/// Purchase orders, newest first.
#[utoipa::path(tag = "stock", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery, DocumentFilter), responses((status = 200, body = PageView<PurchaseOrder>)))]
#[get("/purchase-orders")]
pub async fn list_purchase_orders(
    client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    filter: Query<DocumentFilter>,
) -> Result<HttpResponse, ApiError> {
    let scope = client.branch_scope();
    list.answer(state, async move |db, page| {
        purchase_orders::list_purchase_orders(
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
