//! A channel's orders. Placing one holds its stock at the channel's branches (taken in their
//! order), under the branches' locks, so two channels racing for the last unit never both get it;
//! the channel's order id is the exactly-once key, kept for ever. Then a branch ships its part
//! (stock leaves through the ledger as `online_sale`), or the order is cancelled (the hold is
//! released), or, once shipped, returned (stock comes back as `online_return`). Each step sent
//! again changes nothing and answers the order as it is.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    Fixed4, branch, channel_allocation, channel_allocation::AllocationState, channel_item,
    channel_order, channel_order::OrderState, channel_order_line, item, sales_channel,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, SqlErr, TransactionTrait, TryIntoModel,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    OrderActor,
    availability::{channel_branches, free_stock, safety_of, touch_levels},
    setup::find as find_channel,
};
use crate::{
    decimal::{from_fixed4, non_negative_fixed4, to_fixed4},
    error::{Conflict, DomainError, FieldError, FieldErrors},
    inventory::ledger::{self, Floor, Movement, Reason, Source},
    pagination::{Page, PageRequest, fetch_page},
    validation::{optional_text, required_text},
};

/// Lines per order.
pub const MAX_LINES: usize = 500;
const MAX_REF_LEN: usize = 200;
const DOCUMENT: &str = "channel_order";

#[derive(Clone, Debug)]
pub struct OrderLineInput {
    /// The channel's id of the item.
    pub item: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
}

#[derive(Clone, Debug)]
pub struct OrderInput {
    /// The channel's own order id: the exactly-once key.
    pub order_id: String,
    pub customer_ref: Option<String>,
    pub lines: Vec<OrderLineInput>,
}

/// The part of a line one branch ships.
#[derive(Debug, Serialize, ToSchema)]
pub struct Allocation {
    pub branch_id: Uuid,
    pub branch_name: String,
    pub quantity: Decimal,
    pub state: AllocationState,
    pub fulfilled_by: Option<String>,
    pub fulfilled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLine {
    pub line_no: i32,
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    /// The channel's id of the item.
    pub external_item_id: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// The part that was not available when the order was placed (channels that take
    /// backorders only).
    pub backordered: Decimal,
    pub allocations: Vec<Allocation>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    pub id: Uuid,
    pub channel_id: Uuid,
    pub channel_name: String,
    /// The channel's own order id.
    pub order_id: String,
    pub state: OrderState,
    pub customer_ref: Option<String>,
    pub total: Decimal,
    pub placed_by: String,
    pub lines: Vec<OrderLine>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
}

/// An order as placed, and whether this request placed it (false: a resend).
pub struct Placed {
    pub order: Order,
    pub created: bool,
}

/// A line as checked: the item it names and its stored amounts.
struct CheckedLine {
    item_id: Uuid,
    external_item_id: String,
    quantity: Fixed4,
    unit_price: Fixed4,
}

fn content_hash(input: &OrderInput) -> String {
    let lines: Vec<_> = input
        .lines
        .iter()
        .map(|l| serde_json::json!([l.item, l.quantity.normalize(), l.unit_price.normalize()]))
        .collect();
    let canonical = serde_json::json!([input.order_id, input.customer_ref, lines]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Places an order of the channel, or answers the one placed before under its order id.
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "info"))]
pub async fn place_order(
    txn: &DatabaseTransaction,
    channel_id: Uuid,
    actor: &str,
    input: OrderInput,
) -> Result<Placed, DomainError> {
    let mut errors = FieldErrors::default();
    let order_id = errors.check("order_id", required_text(&input.order_id, MAX_REF_LEN));
    let customer_ref = errors.check(
        "customer_ref",
        optional_text(input.customer_ref.as_deref(), MAX_REF_LEN),
    );
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        errors.check::<()>("lines", Err(format!("must hold 1 to {MAX_LINES} lines")));
    }
    let mut amounts = Vec::with_capacity(input.lines.len());
    for (i, line) in input.lines.iter().enumerate() {
        let item = errors.check(
            &format!("lines[{i}].item"),
            required_text(&line.item, MAX_REF_LEN),
        );
        let quantity = errors.check(
            &format!("lines[{i}].quantity"),
            to_fixed4(line.quantity).and_then(|q| {
                (q > Fixed4::ZERO)
                    .then_some(q)
                    .ok_or("must be above zero".into())
            }),
        );
        let price = errors.check(
            &format!("lines[{i}].unit_price"),
            non_negative_fixed4(line.unit_price),
        );
        amounts.push((item, quantity, price));
    }
    errors.into_result()?;
    let (Some(order_id), Some(customer_ref)) = (order_id, customer_ref) else {
        return Err(DomainError::invalid("order_id", "is required"));
    };
    let hash = content_hash(&input);

    let channel = find_channel(txn, channel_id).await?;
    let branch_ids = channel_branches(txn, channel_id).await?;
    if branch_ids.is_empty() {
        return Err(DomainError::conflict(
            Conflict::WrongState,
            "this channel sells from no branch",
        ));
    }
    if let Some(resent) = sent_before(txn, channel_id, &order_id, &hash).await? {
        return Ok(resent);
    }
    let lines = resolve_lines(txn, channel_id, amounts).await?;
    let total: Decimal = lines
        .iter()
        .map(|l| from_fixed4(l.quantity) * from_fixed4(l.unit_price))
        .sum();
    let total = to_fixed4(total.round_dp(4))
        .map_err(|why| DomainError::invalid("lines", format!("the total {why}")))?;
    let now = Utc::now();
    let order = channel_order::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel_id: Set(channel_id),
        external_order_id: Set(order_id.clone()),
        content_hash: Set(hash.clone()),
        state: Set(OrderState::Open),
        customer_ref: Set(customer_ref),
        total: Set(total),
        placed_by: Set(actor.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        fulfilled_at: Set(None),
        cancelled_at: Set(None),
        returned_at: Set(None),
    };
    // The order id is claimed first: a resend racing the first waits on the claim, then finds
    // the order, however the two would have taken stock. A plain insert in a savepoint: a
    // conflicting insert waits for the first and fails, where an upsert could deadlock on MySQL.
    let claim = txn.begin().await?;
    match channel_order::Entity::insert(order.clone())
        .exec_without_returning(&claim)
        .await
    {
        Ok(_) => claim.commit().await?,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            claim.rollback().await?;
            return sent_before(txn, channel_id, &order_id, &hash)
                .await?
                .ok_or(DomainError::NotFound("channel order"));
        }
        Err(err) => return Err(err.into()),
    }
    let allocations = allocate_locked(txn, &channel, &branch_ids, &lines).await?;
    let order = order.try_into_model()?;
    let line_rows = (1..)
        .zip(&lines)
        .zip(&allocations)
        .map(|((line_no, line), a)| channel_order_line::ActiveModel {
            order_id: Set(order.id),
            line_no: Set(line_no),
            item_id: Set(line.item_id),
            external_item_id: Set(line.external_item_id.clone()),
            quantity: Set(line.quantity),
            unit_price: Set(line.unit_price),
            backordered: Set(a.backordered),
        });
    ledger::insert_chunked(txn, line_rows.collect()).await?;
    let mut held = Vec::new();
    let mut allocation_rows = Vec::new();
    for ((line_no, line), a) in (1..).zip(&lines).zip(&allocations) {
        for (branch_id, quantity) in &a.parts {
            held.push((*branch_id, line.item_id));
            allocation_rows.push(channel_allocation::ActiveModel {
                order_id: Set(order.id),
                line_no: Set(line_no),
                branch_id: Set(*branch_id),
                item_id: Set(line.item_id),
                quantity: Set(*quantity),
                state: Set(AllocationState::Reserved),
                fulfilled_by: Set(None),
                fulfilled_at: Set(None),
            });
        }
    }
    ledger::insert_chunked(txn, allocation_rows).await?;
    touch_levels(txn, &held).await?;
    Ok(Placed {
        order: view(txn, order).await?,
        created: true,
    })
}

/// The order placed before under this order id, if any: the same order sent again, or 422 for
/// another order under its id.
async fn sent_before<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    order_id: &str,
    hash: &str,
) -> Result<Option<Placed>, DomainError> {
    let Some(existing) = channel_order::Entity::find()
        .filter(channel_order::Column::ChannelId.eq(channel_id))
        .filter(channel_order::Column::ExternalOrderId.eq(order_id))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    if existing.content_hash != hash {
        return Err(DomainError::invalid(
            "order_id",
            "was used before for a different order",
        ));
    }
    Ok(Some(Placed {
        order: view(txn, existing).await?,
        created: false,
    }))
}

/// The channel's items the lines name, or an error per line naming one it does not sell.
async fn resolve_lines<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    amounts: Vec<(Option<String>, Option<Fixed4>, Option<Fixed4>)>,
) -> Result<Vec<CheckedLine>, DomainError> {
    let external_ids: BTreeSet<String> = amounts.iter().filter_map(|(id, ..)| id.clone()).collect();
    let mapped: HashMap<String, Uuid> = channel_item::Entity::find()
        .filter(channel_item::Column::ChannelId.eq(channel_id))
        .filter(channel_item::Column::ExternalId.is_in(external_ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.external_id, m.item_id))
        .collect();
    let mut errors = Vec::new();
    let mut lines = Vec::with_capacity(amounts.len());
    for (i, (external_id, quantity, unit_price)) in amounts.into_iter().enumerate() {
        let (Some(external_item_id), Some(quantity), Some(unit_price)) =
            (external_id, quantity, unit_price)
        else {
            continue;
        };
        match mapped.get(&external_item_id) {
            Some(item_id) => lines.push(CheckedLine {
                item_id: *item_id,
                external_item_id,
                quantity,
                unit_price,
            }),
            None => errors.push(FieldError {
                field: format!("lines[{i}].item"),
                message: "this channel does not sell this item".into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(DomainError::Invalid(errors))
    }
}

/// [`allocate`] under the locks of the branches it takes stock from: found without locks first,
/// those branches are locked and the allocation made again; when stock moved meanwhile so that
/// it needs other branches, every branch of the channel is locked and it is made once more.
/// Orders of one channel mostly take from its first branches, so they wait only for the writers
/// of those, not for every till of the chain.
async fn allocate_locked<C: ConnectionTrait>(
    txn: &C,
    channel: &sales_channel::Model,
    branch_ids: &[Uuid],
    lines: &[CheckedLine],
) -> Result<Vec<LineAllocation>, DomainError> {
    let branches_of = |allocations: &[LineAllocation]| -> BTreeSet<Uuid> {
        allocations
            .iter()
            .flat_map(|a| a.parts.iter().map(|(branch_id, _)| *branch_id))
            .collect()
    };
    let estimate = allocate(txn, channel, branch_ids, lines).await?;
    let locked = branches_of(&estimate);
    ledger::lock_branches(txn, &locked.iter().copied().collect::<Vec<_>>()).await?;
    let allocations = allocate(txn, channel, branch_ids, lines).await?;
    if branches_of(&allocations).is_subset(&locked) {
        return Ok(allocations);
    }
    ledger::lock_branches(txn, branch_ids).await?;
    allocate(txn, channel, branch_ids, lines).await
}

/// Where a line's quantity is held, branch by branch, and what of it is backordered.
struct LineAllocation {
    parts: Vec<(Uuid, Fixed4)>,
    backordered: Fixed4,
}

/// Holds each line's quantity at the channel's branches in their order, within what the
/// channel may sell; what is short is refused per line, or held at the first branch as a
/// backorder where the channel takes them.
async fn allocate<C: ConnectionTrait>(
    txn: &C,
    channel: &sales_channel::Model,
    branch_ids: &[Uuid],
    lines: &[CheckedLine],
) -> Result<Vec<LineAllocation>, DomainError> {
    let item_ids: Vec<Uuid> = lines.iter().map(|l| l.item_id).collect();
    let mut free = free_stock(txn, branch_ids, &item_ids).await?;
    let mappings: HashMap<Uuid, channel_item::Model> = channel_item::Entity::find()
        .filter(channel_item::Column::ChannelId.eq(channel.id))
        .filter(channel_item::Column::ItemId.is_in(item_ids.iter().copied()))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.item_id, m))
        .collect();
    // What the channel may still sell of each item: Σ free − safety stock.
    let mut sellable: HashMap<Uuid, Fixed4> = HashMap::new();
    for item_id in &item_ids {
        let safety = mappings
            .get(item_id)
            .map_or(channel.safety_stock, |m| safety_of(channel, m));
        let total: Fixed4 = branch_ids
            .iter()
            .map(|b| free.get(&(*b, *item_id)).copied().unwrap_or_default())
            .sum();
        sellable.entry(*item_id).or_insert(total - safety);
    }
    let mut errors = Vec::new();
    let mut allocations = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let left = sellable.entry(line.item_id).or_default();
        let granted = line.quantity.min((*left).max(Fixed4::ZERO));
        *left -= granted;
        let mut parts: Vec<(Uuid, Fixed4)> = Vec::new();
        let mut to_place = granted;
        for branch_id in branch_ids {
            if to_place <= Fixed4::ZERO {
                break;
            }
            let at_branch = free.entry((*branch_id, line.item_id)).or_default();
            let taken = to_place.min((*at_branch).max(Fixed4::ZERO));
            if taken > Fixed4::ZERO {
                *at_branch -= taken;
                to_place -= taken;
                parts.push((*branch_id, taken));
            }
        }
        let backordered = line.quantity - granted;
        if backordered > Fixed4::ZERO {
            if !channel.allow_backorders {
                errors.push(FieldError {
                    field: format!("lines[{i}].quantity"),
                    message: format!(
                        "only {} of {} available",
                        from_fixed4(granted),
                        line.external_item_id
                    ),
                });
                continue;
            }
            let first = branch_ids.first().copied().unwrap_or_default();
            match parts.iter_mut().find(|(branch_id, _)| *branch_id == first) {
                Some((_, quantity)) => *quantity += backordered,
                None => parts.insert(0, (first, backordered)),
            }
        }
        allocations.push(LineAllocation { parts, backordered });
    }
    if errors.is_empty() {
        Ok(allocations)
    } else {
        Err(DomainError::NotEnoughStock(errors))
    }
}

/// An order this actor may see, or not found.
async fn visible_order<C: ConnectionTrait>(
    conn: &C,
    actor: &OrderActor,
    order_id: Uuid,
) -> Result<channel_order::Model, DomainError> {
    let not_found = DomainError::NotFound("channel order");
    let order = channel_order::Entity::find_by_id(order_id)
        .one(conn)
        .await?
        .ok_or(DomainError::NotFound("channel order"))?;
    let visible = match actor {
        OrderActor::Channel { channel_id, .. } => order.channel_id == *channel_id,
        OrderActor::Staff { scope, .. } => allocations_of(conn, order.id)
            .await?
            .iter()
            .any(|a| scope.admits(a.branch_id)),
    };
    if visible { Ok(order) } else { Err(not_found) }
}

async fn allocations_of<C: ConnectionTrait>(
    conn: &C,
    order_id: Uuid,
) -> Result<Vec<channel_allocation::Model>, DomainError> {
    Ok(channel_allocation::Entity::find()
        .filter(channel_allocation::Column::OrderId.eq(order_id))
        .order_by_asc(channel_allocation::Column::LineNo)
        .order_by_asc(channel_allocation::Column::BranchId)
        .all(conn)
        .await?)
}

/// Takes the locks of every branch the order holds stock at, then reads it again: every change
/// of one order runs after the one before it.
async fn lock_order<C: ConnectionTrait>(
    txn: &C,
    actor: &OrderActor,
    order_id: Uuid,
) -> Result<(channel_order::Model, Vec<channel_allocation::Model>), DomainError> {
    visible_order(txn, actor, order_id).await?;
    let branches: Vec<Uuid> = allocations_of(txn, order_id)
        .await?
        .iter()
        .map(|a| a.branch_id)
        .collect();
    ledger::lock_branches(txn, &branches).await?;
    let order = visible_order(txn, actor, order_id).await?;
    Ok((order, allocations_of(txn, order_id).await?))
}

fn wrong_state(order: &channel_order::Model, what: &str) -> DomainError {
    DomainError::conflict(
        Conflict::WrongState,
        format!(
            "order {} is {}: it cannot be {what}",
            order.external_order_id,
            order.state.to_value()
        ),
    )
}

/// Ships the caller's part of an order (all of it for head office, its own branch's for a
/// terminal): its stock leaves through the ledger as `online_sale`.
#[tracing::instrument(skip_all, fields(order_id = %order_id), err(level = "info"))]
pub async fn fulfil_order<C: ConnectionTrait>(
    txn: &C,
    actor: &OrderActor,
    order_id: Uuid,
) -> Result<Order, DomainError> {
    let OrderActor::Staff { scope, .. } = actor else {
        return Err(DomainError::NotFound("channel order"));
    };
    let (order, allocations) = lock_order(txn, actor, order_id).await?;
    if matches!(order.state, OrderState::Cancelled | OrderState::Returned) {
        return Err(wrong_state(&order, "fulfilled"));
    }
    let to_ship: Vec<&channel_allocation::Model> = allocations
        .iter()
        .filter(|a| a.state == AllocationState::Reserved && scope.admits(a.branch_id))
        .collect();
    if to_ship.is_empty() {
        return view(txn, order).await;
    }
    let source = Source {
        document_type: DOCUMENT,
        document_id: order.id,
        actor: actor.name().to_string(),
    };
    let now = Utc::now();
    for allocation in &to_ship {
        let branch = ledger::active_branch(txn, allocation.branch_id).await?;
        ledger::move_stock(
            txn,
            Movement {
                branch_id: allocation.branch_id,
                item_id: allocation.item_id,
                delta: -allocation.quantity,
                reason: Reason::OnlineSale,
                source: &source,
                line_no: allocation.line_no,
            },
            Floor::Enforced {
                allow_negative: branch.allow_negative_stock,
            },
        )
        .await?;
        let mut shipped = (*allocation).clone().into_active_model();
        shipped.state = Set(AllocationState::Fulfilled);
        shipped.fulfilled_by = Set(Some(actor.name().to_string()));
        shipped.fulfilled_at = Set(Some(now));
        shipped.update(txn).await?;
    }
    let all_shipped = allocations
        .iter()
        .all(|a| a.state == AllocationState::Fulfilled || to_ship.iter().any(|s| same(s, a)));
    let mut order = order.into_active_model();
    if all_shipped {
        order.state = Set(OrderState::Fulfilled);
        order.fulfilled_at = Set(Some(now));
    } else {
        order.state = Set(OrderState::PartiallyFulfilled);
    }
    order.updated_at = Set(now);
    let order = order.update(txn).await?;
    view(txn, order).await
}

fn same(a: &channel_allocation::Model, b: &channel_allocation::Model) -> bool {
    (a.order_id, a.line_no, a.branch_id) == (b.order_id, b.line_no, b.branch_id)
}

/// Cancels an order nothing of which has shipped: its holds are released.
#[tracing::instrument(skip_all, fields(order_id = %order_id), err(level = "info"))]
pub async fn cancel_order<C: ConnectionTrait>(
    txn: &C,
    actor: &OrderActor,
    order_id: Uuid,
) -> Result<Order, DomainError> {
    let (order, allocations) = lock_order(txn, actor, order_id).await?;
    match order.state {
        OrderState::Cancelled => return view(txn, order).await,
        OrderState::Open => {}
        _ => return Err(wrong_state(&order, "cancelled")),
    }
    channel_allocation::Entity::update_many()
        .col_expr(
            channel_allocation::Column::State,
            sea_orm::sea_query::Expr::value(AllocationState::Released),
        )
        .filter(channel_allocation::Column::OrderId.eq(order.id))
        .exec(txn)
        .await?;
    let released: Vec<(Uuid, Uuid)> = allocations
        .iter()
        .map(|a| (a.branch_id, a.item_id))
        .collect();
    touch_levels(txn, &released).await?;
    let now = Utc::now();
    let mut order = order.into_active_model();
    order.state = Set(OrderState::Cancelled);
    order.cancelled_at = Set(Some(now));
    order.updated_at = Set(now);
    let order = order.update(txn).await?;
    view(txn, order).await
}

/// Takes back a shipped order: its stock comes back to the branches it left, as
/// `online_return`.
#[tracing::instrument(skip_all, fields(order_id = %order_id), err(level = "info"))]
pub async fn return_order<C: ConnectionTrait>(
    txn: &C,
    actor: &OrderActor,
    order_id: Uuid,
) -> Result<Order, DomainError> {
    let (order, allocations) = lock_order(txn, actor, order_id).await?;
    match order.state {
        OrderState::Returned => return view(txn, order).await,
        OrderState::Fulfilled => {}
        _ => return Err(wrong_state(&order, "returned")),
    }
    let source = Source {
        document_type: DOCUMENT,
        document_id: order.id,
        actor: actor.name().to_string(),
    };
    let movements: Vec<Movement> = allocations
        .iter()
        .map(|a| Movement {
            branch_id: a.branch_id,
            item_id: a.item_id,
            delta: a.quantity,
            reason: Reason::OnlineReturn,
            source: &source,
            line_no: a.line_no,
        })
        .collect();
    ledger::move_stock_many(txn, &movements, Vec::new()).await?;
    channel_allocation::Entity::update_many()
        .col_expr(
            channel_allocation::Column::State,
            sea_orm::sea_query::Expr::value(AllocationState::Returned),
        )
        .filter(channel_allocation::Column::OrderId.eq(order.id))
        .exec(txn)
        .await?;
    let now = Utc::now();
    let mut order = order.into_active_model();
    order.state = Set(OrderState::Returned);
    order.returned_at = Set(Some(now));
    order.updated_at = Set(now);
    let order = order.update(txn).await?;
    view(txn, order).await
}

pub async fn get_order<C: ConnectionTrait>(
    conn: &C,
    actor: &OrderActor,
    order_id: Uuid,
) -> Result<Order, DomainError> {
    let order = visible_order(conn, actor, order_id).await?;
    view(conn, order).await
}

/// What to list: the actor's orders, narrowed.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    pub channel_id: Option<Uuid>,
    pub state: Option<OrderState>,
    /// Orders holding or having shipped stock at this branch (of the actor's scope).
    pub branch_id: Option<Uuid>,
}

/// Orders the actor may see, newest first.
pub async fn list_orders<C: ConnectionTrait>(
    conn: &C,
    actor: &OrderActor,
    filter: OrderFilter,
    page: PageRequest,
) -> Result<Page<Order>, DomainError> {
    let mut condition = Condition::all();
    match actor {
        OrderActor::Channel { channel_id, .. } => {
            condition = condition.add(channel_order::Column::ChannelId.eq(*channel_id));
        }
        OrderActor::Staff { scope, .. } => {
            let scope = scope.narrowed(filter.branch_id)?;
            if scope.single().is_some() {
                let at_branch = channel_allocation::Entity::find()
                    .select_only()
                    .column(channel_allocation::Column::OrderId)
                    .filter(scope.condition(channel_allocation::Column::BranchId))
                    .into_query();
                condition = condition.add(channel_order::Column::Id.in_subquery(at_branch));
            }
        }
    }
    if let Some(channel_id) = filter.channel_id {
        condition = condition.add(channel_order::Column::ChannelId.eq(channel_id));
    }
    if let Some(state) = filter.state {
        condition = condition.add(channel_order::Column::State.eq(state));
    }
    let select = channel_order::Entity::find()
        .filter(condition)
        .order_by_desc(channel_order::Column::CreatedAt)
        .order_by_desc(channel_order::Column::Id);
    let page = fetch_page(conn, select, page).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for order in page.items {
        items.push(view(conn, order).await?);
    }
    Ok(Page {
        items,
        total: page.total,
        request: page.request,
    })
}

async fn view<C: ConnectionTrait>(
    conn: &C,
    order: channel_order::Model,
) -> Result<Order, DomainError> {
    let channel_name = find_channel(conn, order.channel_id).await?.name;
    let lines = channel_order_line::Entity::find()
        .filter(channel_order_line::Column::OrderId.eq(order.id))
        .order_by_asc(channel_order_line::Column::LineNo)
        .all(conn)
        .await?;
    let allocations = allocations_of(conn, order.id).await?;
    let items: HashMap<Uuid, item::Model> = item::Entity::find()
        .filter(item::Column::Id.is_in(lines.iter().map(|l| l.item_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let branches: HashMap<Uuid, String> = branch::Entity::find()
        .filter(branch::Column::Id.is_in(allocations.iter().map(|a| a.branch_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    let lines = lines
        .into_iter()
        .map(|line| {
            let (sku, item_name) = items
                .get(&line.item_id)
                .map(|i| (i.sku.clone(), i.name.clone()))
                .unwrap_or_default();
            OrderLine {
                line_no: line.line_no,
                item_id: line.item_id,
                sku,
                item_name,
                external_item_id: line.external_item_id,
                quantity: from_fixed4(line.quantity),
                unit_price: from_fixed4(line.unit_price),
                backordered: from_fixed4(line.backordered),
                allocations: allocations
                    .iter()
                    .filter(|a| a.line_no == line.line_no)
                    .map(|a| Allocation {
                        branch_id: a.branch_id,
                        branch_name: branches.get(&a.branch_id).cloned().unwrap_or_default(),
                        quantity: from_fixed4(a.quantity),
                        state: a.state,
                        fulfilled_by: a.fulfilled_by.clone(),
                        fulfilled_at: a.fulfilled_at,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Order {
        id: order.id,
        channel_id: order.channel_id,
        channel_name,
        order_id: order.external_order_id,
        state: order.state,
        customer_ref: order.customer_ref,
        total: from_fixed4(order.total),
        placed_by: order.placed_by,
        lines,
        created_at: order.created_at,
        updated_at: order.updated_at,
        fulfilled_at: order.fulfilled_at,
        cancelled_at: order.cancelled_at,
        returned_at: order.returned_at,
    })
}
