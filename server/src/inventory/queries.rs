//! Reading stock: levels of a branch, an item across branches, the ledger, the past.

use chrono::{DateTime, Utc};
use entity::{Fixed4, item, stock_level, stock_movement, stock_movement::Reason};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ledger;
use crate::{
    decimal::{from_fixed4, non_negative_fixed4, to_fixed4},
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
    time::{self, DateOrInstant},
};

/// The levels with their items' SKU and name, read for the whole page in one query.
async fn named<C: ConnectionTrait>(
    db: &C,
    levels: Vec<stock_level::Model>,
) -> Result<Vec<StockLevel>, DomainError> {
    let ids: Vec<Uuid> = levels.iter().map(|level| level.item_id).collect();
    let names = crate::catalog::items::sku_and_name(db, ids).await?;
    Ok(levels
        .into_iter()
        .map(|level| {
            // One item can be on many rows (its levels at every branch).
            let (sku, name) = names.get(&level.item_id).cloned().unwrap_or_default();
            StockLevel::new(level, sku, name)
        })
        .collect())
}

/// Filters of a branch's stock list.
#[derive(Debug, Default)]
pub struct StockFilter {
    pub item_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    /// Only levels whose on-hand quantity is below this.
    pub below: Option<Decimal>,
    /// Only levels below their own reorder level.
    pub below_reorder_level: bool,
}

/// An item's quantities at a branch.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockLevel {
    pub branch_id: Uuid,
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    /// Dispatched to this branch, not yet received.
    #[schema(value_type = String)]
    pub in_transit_in: Decimal,
    /// Ordered from suppliers, not yet received.
    #[schema(value_type = String)]
    pub on_order: Decimal,
    #[schema(value_type = Option<String>)]
    pub reorder_level: Option<Decimal>,
    /// The branch's stock-feed sequence number of the last change.
    pub seq: i64,
    pub updated_at: DateTime<Utc>,
}

impl StockLevel {
    fn new(l: stock_level::Model, sku: String, item_name: String) -> Self {
        Self {
            branch_id: l.branch_id,
            item_id: l.item_id,
            sku,
            item_name,
            on_hand: from_fixed4(l.on_hand),
            in_transit_in: from_fixed4(l.in_transit_in),
            on_order: from_fixed4(l.on_order),
            reorder_level: l.reorder_level.map(from_fixed4),
            seq: l.seq,
            updated_at: l.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockMovement {
    pub seq: i64,
    #[schema(value_type = String)]
    pub delta: Decimal,
    #[schema(value_type = String)]
    pub balance_after: Decimal,
    pub reason: Reason,
    pub document_type: String,
    pub document_id: Uuid,
    pub line_no: i32,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

impl From<stock_movement::Model> for StockMovement {
    fn from(m: stock_movement::Model) -> Self {
        Self {
            seq: m.seq,
            delta: from_fixed4(m.delta),
            balance_after: from_fixed4(m.balance_after),
            reason: m.reason,
            document_type: m.document_type,
            document_id: m.document_id,
            line_no: m.line_no,
            actor: m.actor,
            created_at: m.created_at,
        }
    }
}

/// A branch's levels, by item.
pub async fn branch_stock(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    filter: StockFilter,
    page: PageRequest,
) -> Result<Page<StockLevel>, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let mut select = stock_level::Entity::find()
        .filter(stock_level::Column::BranchId.eq(branch_id))
        .order_by_asc(stock_level::Column::ItemId);
    if let Some(item_id) = filter.item_id {
        select = select.filter(stock_level::Column::ItemId.eq(item_id));
    }
    if let Some(category_id) = filter.category_id {
        let items = item::Entity::find()
            .select_only()
            .column(item::Column::Id)
            .filter(item::Column::CategoryId.eq(category_id))
            .into_query();
        select = select.filter(stock_level::Column::ItemId.in_subquery(items));
    }
    if let Some(below) = filter.below {
        let below = to_fixed4(below).map_err(|message| DomainError::invalid("below", message))?;
        select = select.filter(stock_level::Column::OnHand.lt(below));
    }
    if filter.below_reorder_level {
        select = select.filter(
            Expr::col(stock_level::Column::OnHand).lt(Expr::col(stock_level::Column::ReorderLevel)),
        );
    }
    let page = fetch_page(db, select, page).await?;
    Ok(Page {
        items: named(db, page.items).await?,
        total: page.total,
        request: page.request,
    })
}

/// Sets (or clears) the on-hand quantity below which an item should be reordered at a branch.
#[tracing::instrument(skip_all, fields(branch_id = %branch_id, item_id = %item_id), err(level = "info"))]
pub async fn set_reorder_level<C: ConnectionTrait>(
    txn: &C,
    scope: &BranchScope,
    branch_id: Uuid,
    item_id: Uuid,
    reorder_level: Option<Decimal>,
) -> Result<StockLevel, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let stored = reorder_level
        .map(non_negative_fixed4)
        .transpose()
        .map_err(|message| DomainError::invalid("reorder_level", message))?;
    ledger::lock_branches(txn, &[branch_id]).await?;
    ledger::active_branch(txn, branch_id).await?;
    ledger::check_stock_items(txn, &[item_id])
        .await
        .map_err(|err| match err {
            DomainError::Invalid(_) => DomainError::NotFound("item that tracks stock"),
            other => other,
        })?;
    ledger::ensure_levels(txn, branch_id, &[item_id]).await?;
    stock_level::Entity::update_many()
        .col_expr(stock_level::Column::ReorderLevel, Expr::value(stored))
        .filter(stock_level::Column::BranchId.eq(branch_id))
        .filter(stock_level::Column::ItemId.eq(item_id))
        .exec(txn)
        .await?;
    let level = ledger::level(txn, branch_id, item_id).await?;
    named(txn, vec![level])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("item"))
}

/// An item's levels at every branch of the scope that ever held it.
pub async fn item_stock(
    db: &DatabaseConnection,
    scope: &BranchScope,
    item_id: Uuid,
    page: PageRequest,
) -> Result<Page<StockLevel>, DomainError> {
    item::Entity::find_by_id(item_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    let select = stock_level::Entity::find()
        .filter(stock_level::Column::ItemId.eq(item_id))
        .filter(scope.condition(stock_level::Column::BranchId))
        .order_by_asc(stock_level::Column::BranchId);
    let page = fetch_page(db, select, page).await?;
    Ok(Page {
        items: named(db, page.items).await?,
        total: page.total,
        request: page.request,
    })
}

/// The ledger of an item at a branch, oldest first, from an instant (inclusive) to another
/// (exclusive), both optional; a plain date is that whole day in the branch's time zone.
pub async fn ledger(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    item_id: Uuid,
    from: Option<DateOrInstant>,
    to: Option<DateOrInstant>,
    page: PageRequest,
) -> Result<Page<StockMovement>, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let zone = time::branch_time_zone(db, branch_id).await?;
    let (from, to) = (from.map(|f| f.start(zone)), to.map(|t| t.end(zone)));
    let mut select = stock_movement::Entity::find()
        .filter(stock_movement::Column::BranchId.eq(branch_id))
        .filter(stock_movement::Column::ItemId.eq(item_id))
        .order_by_asc(stock_movement::Column::Seq);
    if let Some(from) = from {
        select = select.filter(stock_movement::Column::CreatedAt.gte(from));
    }
    if let Some(to) = to {
        select = select.filter(stock_movement::Column::CreatedAt.lt(to));
    }
    Ok(fetch_page(db, select, page).await?.map(StockMovement::from))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuantityAt {
    pub at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
}

/// The on-hand quantity of an item at a branch at an instant (a plain date: the start of that
/// day in the branch's time zone): the balance after the last movement stamped at or before it.
pub async fn quantity_at(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    item_id: Uuid,
    at: DateOrInstant,
) -> Result<QuantityAt, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let at = at.start(time::branch_time_zone(db, branch_id).await?);
    let last = stock_movement::Entity::find()
        .filter(stock_movement::Column::BranchId.eq(branch_id))
        .filter(stock_movement::Column::ItemId.eq(item_id))
        .filter(stock_movement::Column::CreatedAt.lte(at))
        .order_by_desc(stock_movement::Column::Seq)
        .one(db)
        .await?;
    Ok(QuantityAt {
        at,
        on_hand: from_fixed4(last.map_or(Fixed4::ZERO, |movement| movement.balance_after)),
    })
}
