//! Reading one branch's stock feed: its levels that changed after a cursor, in commit order.

use chrono::{DateTime, Utc};
use entity::stock_level;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::master::SINCE_MARGIN;
use crate::error::DomainError;

/// One page of changed levels, oldest change first.
#[derive(Debug)]
pub struct StockPage {
    pub levels: Vec<stock_level::Model>,
    pub next_cursor: i64,
    pub has_more: bool,
}

/// The branch's levels changed after `cursor`; a level changed several times comes once, as it is now.
pub async fn levels_after(
    db: &DatabaseConnection,
    branch_id: Uuid,
    cursor: i64,
    limit: u64,
) -> Result<StockPage, DomainError> {
    let mut levels = stock_level::Entity::find()
        .filter(stock_level::Column::BranchId.eq(branch_id))
        .filter(stock_level::Column::Seq.gt(cursor))
        .order_by_asc(stock_level::Column::Seq)
        .limit(limit + 1)
        .all(db)
        .await?;
    let has_more = levels.len() as u64 > limit;
    levels.truncate(limit as usize);
    let next_cursor = levels.last().map_or(cursor, |level| level.seq);
    Ok(StockPage {
        levels,
        next_cursor,
        has_more,
    })
}

/// Where to start reading for a terminal that only keeps a date watermark.
pub async fn cursor_since(
    db: &DatabaseConnection,
    branch_id: Uuid,
    since: DateTime<Utc>,
) -> Result<i64, DomainError> {
    let first: Option<Option<i64>> = stock_level::Entity::find()
        .select_only()
        .column_as(stock_level::Column::Seq.min(), "first")
        .filter(stock_level::Column::BranchId.eq(branch_id))
        .filter(stock_level::Column::UpdatedAt.gte(since - SINCE_MARGIN))
        .into_tuple()
        .one(db)
        .await?;
    if let Some(Some(first)) = first {
        return Ok(first - 1);
    }
    let last: Option<Option<i64>> = stock_level::Entity::find()
        .select_only()
        .column_as(stock_level::Column::Seq.max(), "last")
        .filter(stock_level::Column::BranchId.eq(branch_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().unwrap_or(0))
}
