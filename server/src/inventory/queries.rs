//! Reading stock: levels of a branch, an item across branches, the ledger, the past.

use chrono::{DateTime, Utc};
use entity::{item, stock_level, stock_movement};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::{
    decimal::to_fixed4,
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
};

/// Filters of a branch's stock list.
#[derive(Debug, Default)]
pub struct StockFilter {
    pub item_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    /// Only levels whose on-hand quantity is below this (a reorder point).
    pub below: Option<Decimal>,
}

/// A branch's levels, by item.
pub async fn branch_stock(
    db: &DatabaseConnection,
    branch_id: Uuid,
    filter: StockFilter,
    page: PageRequest,
) -> Result<Page<stock_level::Model>, DomainError> {
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
    Ok(fetch_page(db, select, page).await?)
}

/// An item's levels at every branch that ever held it.
pub async fn item_stock(
    db: &DatabaseConnection,
    item_id: Uuid,
) -> Result<Vec<stock_level::Model>, DomainError> {
    item::Entity::find_by_id(item_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    Ok(stock_level::Entity::find()
        .filter(stock_level::Column::ItemId.eq(item_id))
        .order_by_asc(stock_level::Column::BranchId)
        .all(db)
        .await?)
}

/// The ledger of an item at a branch, oldest first, between two instants (both optional).
pub async fn ledger(
    db: &DatabaseConnection,
    branch_id: Uuid,
    item_id: Uuid,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    page: PageRequest,
) -> Result<Page<stock_movement::Model>, DomainError> {
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
    Ok(fetch_page(db, select, page).await?)
}

/// The on-hand quantity of an item at a branch at an instant: the balance after the last
/// movement stamped at or before it.
pub async fn quantity_at(
    db: &DatabaseConnection,
    branch_id: Uuid,
    item_id: Uuid,
    at: DateTime<Utc>,
) -> Result<i64, DomainError> {
    let last = stock_movement::Entity::find()
        .filter(stock_movement::Column::BranchId.eq(branch_id))
        .filter(stock_movement::Column::ItemId.eq(item_id))
        .filter(stock_movement::Column::CreatedAt.lte(at))
        .order_by_desc(stock_movement::Column::Seq)
        .one(db)
        .await?;
    Ok(last.map_or(0, |movement| movement.balance_after))
}
