//! Reading the master-data feed as one branch's terminal sees it.

use chrono::{DateTime, Utc};
use entity::master_change;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{FeedPage, feed::ALL_BRANCHES};
use crate::error::DomainError;

pub const DEFAULT_LIMIT: u64 = 500;
pub const MAX_LIMIT: u64 = 5_000;

/// Where to start reading for a terminal that only keeps a date watermark.
pub async fn cursor_since(
    db: &DatabaseConnection,
    since: DateTime<Utc>,
) -> Result<i64, DomainError> {
    let feed = master_change::Entity::find();
    super::cursor_since(
        db,
        feed,
        master_change::Column::Seq,
        master_change::Column::ChangedAt,
        since,
    )
    .await
}

/// The changes visible to `branch_id` after `cursor`, at most `limit` of them.
pub async fn changes_after(
    db: &DatabaseConnection,
    branch_id: Uuid,
    cursor: i64,
    limit: u64,
) -> Result<FeedPage<master_change::Model>, DomainError> {
    let changes = master_change::Entity::find()
        .filter(master_change::Column::Seq.gt(cursor))
        .filter(
            master_change::Column::Audience
                .is_in([ALL_BRANCHES.to_string(), branch_id.to_string()]),
        )
        .order_by_asc(master_change::Column::Seq)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(FeedPage::after(changes, cursor, limit, |change| change.seq))
}

/// A terminal's date watermark: RFC 3339, or the seed's `1990-01-01T 00:00:00.0000Z` form.
pub fn parse_since(value: &str) -> Result<DateTime<Utc>, String> {
    let normalized = value.replacen("T ", "T", 1);
    DateTime::parse_from_rfc3339(&normalized)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| {
            "must be a UTC date-time such as 2026-01-31T08:00:00Z or 1990-01-01T 00:00:00.0000Z"
                .into()
        })
}
