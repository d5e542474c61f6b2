//! Reading one branch's stock feed: its levels that changed after a cursor, in commit order.

use chrono::{DateTime, Utc};
use entity::stock_level;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{FeedLag, FeedPage, Pull, heads::Heads};
use crate::{decimal::from_fixed4, error::DomainError};

/// A level of the branch as it is now.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelChange {
    pub seq: i64,
    pub item_id: Uuid,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    /// Dispatched to this branch, not yet received.
    #[schema(value_type = String)]
    pub in_transit_in: Decimal,
}

/// The branch's quantities that changed since the start, in commit order; a level that changed
/// several times arrives once, as it is now.
pub async fn pull(
    db: &DatabaseConnection,
    heads: &Heads,
    branch_id: Uuid,
    pull: Pull,
) -> Result<FeedPage<LevelChange>, DomainError> {
    if let Some(cursor) = pull.start.nothing_new(heads, || heads.stock(branch_id)) {
        return Ok(FeedPage::empty(cursor));
    }
    let cursor = pull
        .start
        .cursor(|since| cursor_since(db, branch_id, since))
        .await?;
    levels_after(db, branch_id, cursor, pull.limit)
        .await?
        .try_map(|level| {
            Ok(LevelChange {
                seq: level.seq,
                item_id: level.item_id,
                on_hand: from_fixed4(level.on_hand),
                in_transit_in: from_fixed4(level.in_transit_in),
            })
        })
}

/// The branch's levels changed after `cursor`; a level changed several times comes once, as it is now.
async fn levels_after(
    db: &DatabaseConnection,
    branch_id: Uuid,
    cursor: i64,
    limit: u64,
) -> Result<FeedPage<stock_level::Model>, DomainError> {
    let levels = of_branch(branch_id)
        .filter(stock_level::Column::Seq.gt(cursor))
        .order_by_asc(stock_level::Column::Seq)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(FeedPage::after(levels, cursor, limit, |level| level.seq))
}

/// The branch's stock feed.
fn of_branch(branch_id: Uuid) -> sea_orm::Select<stock_level::Entity> {
    stock_level::Entity::find().filter(stock_level::Column::BranchId.eq(branch_id))
}

/// The newest change of the branch's stock feed.
pub async fn head(db: &DatabaseConnection, branch_id: Uuid) -> Result<i64, DomainError> {
    super::head_of(db, of_branch(branch_id), stock_level::Column::Seq).await
}

/// How far a terminal of `branch_id` at `cursor` is behind the branch's stock feed.
pub async fn lag(
    db: &DatabaseConnection,
    branch_id: Uuid,
    cursor: Option<i64>,
) -> Result<FeedLag, DomainError> {
    super::lag_of(
        db,
        of_branch(branch_id),
        stock_level::Column::Seq,
        stock_level::Column::UpdatedAt,
        cursor,
    )
    .await
}

/// Where to start reading for a terminal that only keeps a date watermark.
async fn cursor_since(
    db: &DatabaseConnection,
    branch_id: Uuid,
    since: DateTime<Utc>,
) -> Result<i64, DomainError> {
    super::cursor_since(
        db,
        of_branch(branch_id),
        stock_level::Column::Seq,
        stock_level::Column::UpdatedAt,
        since,
    )
    .await
}
