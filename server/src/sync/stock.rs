//! Reading one branch's stock feed: its levels that changed after a cursor, in commit order.

use chrono::{DateTime, Utc};
use entity::stock_level;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::FeedPage;
use crate::error::DomainError;

/// The branch's levels changed after `cursor`; a level changed several times comes once, as it is now.
pub async fn levels_after(
    db: &DatabaseConnection,
    branch_id: Uuid,
    cursor: i64,
    limit: u64,
) -> Result<FeedPage<stock_level::Model>, DomainError> {
    let levels = stock_level::Entity::find()
        .filter(stock_level::Column::BranchId.eq(branch_id))
        .filter(stock_level::Column::Seq.gt(cursor))
        .order_by_asc(stock_level::Column::Seq)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(FeedPage::after(levels, cursor, limit, |level| level.seq))
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
