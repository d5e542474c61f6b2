//! Purchase orders: draft → ordered → partially received → received; closed short, or cancelled
//! from draft or ordered. Each delivery is a goods receipt that adds stock line by line.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    Fixed4, goods_receipt, goods_receipt_line, outbound_event::EventType, purchase_order,
    purchase_order::PurchaseOrderStatus, purchase_order_line, stock_level,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Lifecycle, LineInput, MAX_LINES, checked_lines,
    ledger::{self, Floor, Movement, Reason, Source},
    positive,
};
use crate::{
    decimal::{from_fixed4, non_negative_fixed4},
    error::{DomainError, FieldErrors},
    outbound::emitted,
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
    validation::{optional_text, required_text},
};

pub const RECEIPT_DOCUMENT: &str = "goods_receipt";

#[derive(Clone, Debug)]
pub struct OrderLineInput {
    pub line: LineInput,
    pub unit_cost: Decimal,
}

#[derive(Clone, Debug)]
pub struct PurchaseOrderInput {
    pub branch_id: Uuid,
    pub supplier: String,
    pub supplier_reference: Option<String>,
    pub allow_over_receipt: bool,
    pub lines: Vec<OrderLineInput>,
}

/// What one delivery brought for one line.
#[derive(Clone, Debug)]
pub struct ReceiptLineInput {
    pub line_no: i32,
    pub quantity: Decimal,
}

#[derive(Clone, Debug)]
struct PurchaseOrderDetail {
    pub order: purchase_order::Model,
    pub lines: Vec<purchase_order_line::Model>,
}

fn lifecycle() -> Lifecycle<purchase_order::Entity> {
    Lifecycle {
        document: "purchase order",
        id: purchase_order::Column::Id,
        status: purchase_order::Column::Status,
        updated_at: purchase_order::Column::UpdatedAt,
    }
}

async fn load<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<PurchaseOrderDetail, DomainError> {
    let order = purchase_order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("purchase order"))?;
    let lines = purchase_order_line::Entity::find()
        .filter(purchase_order_line::Column::PurchaseOrderId.eq(id))
        .order_by_asc(purchase_order_line::Column::LineNo)
        .all(db)
        .await?;
    Ok(PurchaseOrderDetail { order, lines })
}

/// Changes the quantity a branch has on order for an item (no ledger row: nothing is on hand yet).
async fn move_on_order<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
    item_id: Uuid,
    delta: Fixed4,
) -> Result<(), DomainError> {
    ledger::add_to_level(txn, branch_id, item_id, stock_level::Column::OnOrder, delta).await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrderLine {
    pub line_no: i32,
    pub item_id: Uuid,
    #[schema(value_type = String)]
    pub quantity_ordered: Decimal,
    #[schema(value_type = String)]
    pub quantity_received: Decimal,
    #[schema(value_type = String)]
    pub unit_cost: Decimal,
}

impl From<purchase_order_line::Model> for PurchaseOrderLine {
    fn from(l: purchase_order_line::Model) -> Self {
        Self {
            line_no: l.line_no,
            item_id: l.item_id,
            quantity_ordered: from_fixed4(l.quantity_ordered),
            quantity_received: from_fixed4(l.quantity_received),
            unit_cost: from_fixed4(l.unit_cost),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrder {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub supplier: String,
    pub supplier_reference: Option<String>,
    pub status: PurchaseOrderStatus,
    pub allow_over_receipt: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub lines: Vec<PurchaseOrderLine>,
}

impl From<PurchaseOrderDetail> for PurchaseOrder {
    fn from(d: PurchaseOrderDetail) -> Self {
        let o = d.order;
        Self {
            id: o.id,
            branch_id: o.branch_id,
            supplier: o.supplier,
            supplier_reference: o.supplier_reference,
            status: o.status,
            allow_over_receipt: o.allow_over_receipt,
            created_by: o.created_by,
            created_at: o.created_at,
            updated_at: o.updated_at,
            lines: d.lines.into_iter().map(PurchaseOrderLine::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GoodsReceiptLine {
    pub line_no: i32,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

impl From<goods_receipt_line::Model> for GoodsReceiptLine {
    fn from(l: goods_receipt_line::Model) -> Self {
        Self {
            line_no: l.line_no,
            quantity: from_fixed4(l.quantity),
        }
    }
}

/// A delivery recorded against an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub id: Uuid,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub lines: Vec<GoodsReceiptLine>,
}

impl Receipt {
    fn new(receipt: goods_receipt::Model, lines: Vec<goods_receipt_line::Model>) -> Self {
        Self {
            id: receipt.id,
            created_by: receipt.created_by,
            created_at: receipt.created_at,
            lines: lines.into_iter().map(GoodsReceiptLine::from).collect(),
        }
    }
}

/// A goods receipt and the order as it stands after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoodsReceipt {
    #[serde(flatten)]
    pub receipt: Receipt,
    pub purchase_order: PurchaseOrder,
}

/// Creates a draft purchase order; nothing is on order until it is submitted.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_purchase_order<C: ConnectionTrait>(
    txn: &C,
    scope: &BranchScope,
    actor: &str,
    input: PurchaseOrderInput,
) -> Result<PurchaseOrder, DomainError> {
    scope.branch(input.branch_id)?;
    let mut errors = FieldErrors::default();
    let supplier = errors.check("supplier", required_text(&input.supplier, 200));
    let reference = errors.check(
        "supplier_reference",
        optional_text(input.supplier_reference.as_deref(), 100),
    );
    let plain: Vec<LineInput> = input.lines.iter().map(|l| l.line.clone()).collect();
    let lines = checked_lines(&plain, &mut errors);
    let mut costs = Vec::with_capacity(input.lines.len());
    for (n, line) in input.lines.iter().enumerate() {
        costs.push(errors.check(
            &format!("lines[{n}].unit_cost"),
            non_negative_fixed4(line.unit_cost),
        ));
    }
    errors.into_result()?;
    let (Some(supplier), Some(reference), Some(lines)) = (supplier, reference, lines) else {
        return Err(DomainError::invalid("lines", "invalid order"));
    };

    ledger::lock_branches(txn, &[input.branch_id]).await?;
    ledger::active_branch(txn, input.branch_id).await?;
    let item_ids: Vec<Uuid> = lines.iter().map(|(item_id, _)| *item_id).collect();
    ledger::check_stock_items(txn, &item_ids).await?;
    let now = Utc::now();
    let order = purchase_order::Entity::insert(purchase_order::ActiveModel {
        id: Set(Uuid::now_v7()),
        branch_id: Set(input.branch_id),
        supplier: Set(supplier),
        supplier_reference: Set(reference),
        status: Set(PurchaseOrderStatus::Draft),
        allow_over_receipt: Set(input.allow_over_receipt),
        created_by: Set(actor.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(txn)
    .await?;
    let rows = (1..)
        .zip(lines.iter().zip(costs))
        .map(
            |(line_no, ((item_id, quantity), cost))| purchase_order_line::ActiveModel {
                purchase_order_id: Set(order.id),
                line_no: Set(line_no),
                item_id: Set(*item_id),
                quantity_ordered: Set(*quantity),
                quantity_received: Set(Fixed4::ZERO),
                unit_cost: Set(cost.unwrap_or_default()),
            },
        );
    purchase_order_line::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    let order: PurchaseOrder = load(txn, order.id).await?.into();
    emitted(
        txn,
        EventType::PurchaseOrderCreated,
        Some(order.branch_id),
        order,
    )
    .await
}

/// Sends a draft to the supplier: its quantities are on order at the branch.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn submit_purchase_order<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<PurchaseOrder, DomainError> {
    if !lifecycle()
        .transition(
            txn,
            id,
            PurchaseOrderStatus::Draft,
            PurchaseOrderStatus::Ordered,
        )
        .await?
    {
        return Err(lifecycle().refused(txn, id, "submitted").await);
    }
    let detail = load(txn, id).await?;
    ledger::lock_branches(txn, &[detail.order.branch_id]).await?;
    for line in &detail.lines {
        move_on_order(
            txn,
            detail.order.branch_id,
            line.item_id,
            line.quantity_ordered,
        )
        .await?;
    }
    let order: PurchaseOrder = detail.into();
    emitted(
        txn,
        EventType::PurchaseOrderOrdered,
        Some(order.branch_id),
        order,
    )
    .await
}

/// Records one delivery: each named line's quantity enters the branch's stock as `po_receipt`.
/// Received quantities never exceed those ordered unless the order allows over-receipt.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn receive_goods<C: ConnectionTrait>(
    txn: &C,
    actor: &str,
    id: Uuid,
    delivered: Vec<ReceiptLineInput>,
) -> Result<GoodsReceipt, DomainError> {
    // Moving the order to itself locks its row, so deliveries of one order run one at a time.
    let locked = lifecycle()
        .transition(
            txn,
            id,
            PurchaseOrderStatus::Ordered,
            PurchaseOrderStatus::Ordered,
        )
        .await?
        || lifecycle()
            .transition(
                txn,
                id,
                PurchaseOrderStatus::PartiallyReceived,
                PurchaseOrderStatus::PartiallyReceived,
            )
            .await?;
    if !locked {
        return Err(lifecycle().refused(txn, id, "received against").await);
    }
    let order = load(txn, id).await?;
    ledger::lock_branches(txn, &[order.order.branch_id]).await?;

    let mut errors = FieldErrors::default();
    if delivered.is_empty() || delivered.len() > MAX_LINES {
        errors.check::<()>("lines", Err(format!("must have 1 to {MAX_LINES} lines")));
    }
    let mut quantities: HashMap<i32, Fixed4> = HashMap::new();
    for (n, line) in delivered.iter().enumerate() {
        let Some(ordered) = order.lines.iter().find(|l| l.line_no == line.line_no) else {
            errors.check::<()>(
                &format!("lines[{n}].line_no"),
                Err(format!("the order has no line {}", line.line_no)),
            );
            continue;
        };
        let Some(quantity) = errors.check(&format!("lines[{n}].quantity"), positive(line.quantity))
        else {
            continue;
        };
        if quantities.insert(line.line_no, quantity).is_some() {
            errors.check::<()>(
                &format!("lines[{n}].line_no"),
                Err("the line is named twice".into()),
            );
        }
        if !order.order.allow_over_receipt
            && ordered.quantity_received + quantity > ordered.quantity_ordered
        {
            errors.check::<()>(
                &format!("lines[{n}].quantity"),
                Err(
                    "more than is still to be received; the order does not allow over-receipt"
                        .into(),
                ),
            );
        }
    }
    errors.into_result()?;

    let receipt = goods_receipt::Entity::insert(goods_receipt::ActiveModel {
        id: Set(Uuid::now_v7()),
        purchase_order_id: Set(id),
        created_by: Set(actor.to_string()),
        created_at: Set(Utc::now()),
    })
    .exec_with_returning(txn)
    .await?;
    let source = Source {
        document_type: RECEIPT_DOCUMENT,
        document_id: receipt.id,
        actor: actor.to_string(),
    };
    let branch_id = order.order.branch_id;
    let mut fully_received = true;
    for line in &order.lines {
        let quantity = quantities.get(&line.line_no).copied().unwrap_or_default();
        let still_due = (line.quantity_ordered - line.quantity_received).max(Fixed4::ZERO);
        if quantity > Fixed4::ZERO {
            let movement = Movement {
                branch_id,
                item_id: line.item_id,
                delta: quantity,
                reason: Reason::PoReceipt,
                source: &source,
                line_no: line.line_no,
            };
            ledger::move_stock(txn, movement, Floor::None).await?;
            move_on_order(txn, branch_id, line.item_id, -quantity.min(still_due)).await?;
            purchase_order_line::Entity::update_many()
                .col_expr(
                    purchase_order_line::Column::QuantityReceived,
                    sea_orm::sea_query::Expr::value(line.quantity_received + quantity),
                )
                .filter(purchase_order_line::Column::PurchaseOrderId.eq(id))
                .filter(purchase_order_line::Column::LineNo.eq(line.line_no))
                .exec(txn)
                .await?;
            goods_receipt_line::Entity::insert(goods_receipt_line::ActiveModel {
                goods_receipt_id: Set(receipt.id),
                line_no: Set(line.line_no),
                quantity: Set(quantity),
            })
            .exec_without_returning(txn)
            .await?;
        }
        fully_received &= line.quantity_received + quantity >= line.quantity_ordered;
    }
    let status = if fully_received {
        PurchaseOrderStatus::Received
    } else {
        PurchaseOrderStatus::PartiallyReceived
    };
    lifecycle()
        .transition(txn, id, order.order.status, status)
        .await?;
    let lines = goods_receipt_line::Entity::find()
        .filter(goods_receipt_line::Column::GoodsReceiptId.eq(receipt.id))
        .order_by_asc(goods_receipt_line::Column::LineNo)
        .all(txn)
        .await?;
    let purchase_order: PurchaseOrder = load(txn, id).await?.into();
    let branch_id = Some(purchase_order.branch_id);
    emitted(
        txn,
        EventType::PurchaseOrderReceived,
        branch_id,
        GoodsReceipt {
            receipt: Receipt::new(receipt, lines),
            purchase_order,
        },
    )
    .await
}

/// Closes an order that will receive no more: what was still due is no longer on order.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn close_purchase_order<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<PurchaseOrder, DomainError> {
    let closed = lifecycle()
        .transition(
            txn,
            id,
            PurchaseOrderStatus::Ordered,
            PurchaseOrderStatus::Closed,
        )
        .await?
        || lifecycle()
            .transition(
                txn,
                id,
                PurchaseOrderStatus::PartiallyReceived,
                PurchaseOrderStatus::Closed,
            )
            .await?;
    if !closed {
        return Err(lifecycle().refused(txn, id, "closed").await);
    }
    let order: PurchaseOrder = release_on_order(txn, id).await?.into();
    emitted(
        txn,
        EventType::PurchaseOrderClosed,
        Some(order.branch_id),
        order,
    )
    .await
}

/// Cancels a draft or an ordered purchase order (nothing received yet).
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn cancel_purchase_order<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<PurchaseOrder, DomainError> {
    if lifecycle()
        .transition(
            txn,
            id,
            PurchaseOrderStatus::Draft,
            PurchaseOrderStatus::Cancelled,
        )
        .await?
    {
        let order: PurchaseOrder = load(txn, id).await?.into();
        // Locked as every emitting write is (see `outbound::emit`).
        ledger::lock_branches(txn, &[order.branch_id]).await?;
        return emitted(
            txn,
            EventType::PurchaseOrderCancelled,
            Some(order.branch_id),
            order,
        )
        .await;
    }
    if !lifecycle()
        .transition(
            txn,
            id,
            PurchaseOrderStatus::Ordered,
            PurchaseOrderStatus::Cancelled,
        )
        .await?
    {
        return Err(lifecycle().refused(txn, id, "cancelled").await);
    }
    let order: PurchaseOrder = release_on_order(txn, id).await?.into();
    emitted(
        txn,
        EventType::PurchaseOrderCancelled,
        Some(order.branch_id),
        order,
    )
    .await
}

async fn release_on_order<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<PurchaseOrderDetail, DomainError> {
    let detail = load(txn, id).await?;
    ledger::lock_branches(txn, &[detail.order.branch_id]).await?;
    for line in &detail.lines {
        let still_due = (line.quantity_ordered - line.quantity_received).max(Fixed4::ZERO);
        if still_due > Fixed4::ZERO {
            move_on_order(txn, detail.order.branch_id, line.item_id, -still_due).await?;
        }
    }
    Ok(detail)
}

pub async fn get_purchase_order(
    db: &DatabaseConnection,
    scope: &BranchScope,
    id: Uuid,
) -> Result<PurchaseOrder, DomainError> {
    let order = PurchaseOrder::from(load(db, id).await?);
    scope.object(order.branch_id, order, "purchase order")
}

/// Purchase orders, newest first, optionally of one branch and one status.
pub async fn list_purchase_orders(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Option<Uuid>,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<PurchaseOrder>, DomainError> {
    let mut select = purchase_order::Entity::find()
        .filter(scope.condition(purchase_order::Column::BranchId))
        .order_by_desc(purchase_order::Column::Id);
    if let Some(branch_id) = branch_id {
        select = select.filter(purchase_order::Column::BranchId.eq(branch_id));
    }
    if let Some(status) = status {
        select = select.filter(purchase_order::Column::Status.eq(status));
    }
    let page = fetch_page(db, select, page).await?;
    super::page_with_lines::<_, purchase_order::Entity, purchase_order_line::Entity, _>(
        db,
        page,
        |o| o.id,
        super::LinesOf {
            document: purchase_order_line::Column::PurchaseOrderId,
            document_of: |l| l.purchase_order_id,
            line_no: purchase_order_line::Column::LineNo,
        },
        |order, lines| PurchaseOrder::from(PurchaseOrderDetail { order, lines }),
    )
    .await
}

/// The deliveries recorded against an order of the scope, oldest first, with their lines.
pub async fn list_receipts(
    db: &DatabaseConnection,
    scope: &BranchScope,
    id: Uuid,
    page: PageRequest,
) -> Result<Page<Receipt>, DomainError> {
    get_purchase_order(db, scope, id).await?;
    let select = goods_receipt::Entity::find()
        .filter(goods_receipt::Column::PurchaseOrderId.eq(id))
        .order_by_asc(goods_receipt::Column::Id);
    let page = fetch_page(db, select, page).await?;
    super::page_with_lines::<_, goods_receipt::Entity, goods_receipt_line::Entity, _>(
        db,
        page,
        |r| r.id,
        super::LinesOf {
            document: goods_receipt_line::Column::GoodsReceiptId,
            document_of: |l| l.goods_receipt_id,
            line_no: goods_receipt_line::Column::LineNo,
        },
        Receipt::new,
    )
    .await
}
