//! Reading one branch's stock feed: its levels that changed after a cursor, in commit order.

use chrono::{DateTime, Utc};
use entity::stock_level;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

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
    let feed = stock_level::Entity::find().filter(stock_level::Column::BranchId.eq(branch_id));
    super::cursor_since(
        db,
        feed,
        stock_level::Column::Seq,
        stock_level::Column::UpdatedAt,
        since,
    )
    .await
}
