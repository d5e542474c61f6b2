//! Keeping the channels' change rows small: the feed answers an item once, at its latest number,
//! so a row with a later one of the same item behind it only costs space and reading time.
//! Deleting it hides nothing from any reader, whatever its cursor.

use std::time::Duration;

use entity::channel_change;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait, Query},
};

use crate::error::DomainError;

/// Rows deleted per statement, so a first compaction of a long history holds no long lock.
const CHUNK: u64 = 5_000;

/// Deletes superseded change rows; how many.
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn compact_changes(db: &DatabaseConnection) -> Result<u64, DomainError> {
    use channel_change::Column;
    let (row, later) = (Alias::new("row"), Alias::new("later"));
    let superseded = Query::select()
        .expr(Expr::val(1))
        .from_as(channel_change::Entity, later.clone())
        .and_where(
            Expr::col((later.clone(), Column::ChannelId)).equals((row.clone(), Column::ChannelId)),
        )
        .and_where(
            Expr::col((later.clone(), Column::ExternalId))
                .equals((row.clone(), Column::ExternalId)),
        )
        .and_where(Expr::col((later, Column::Seq)).gt(Expr::col((row.clone(), Column::Seq))))
        .to_owned();
    let select = Query::select()
        .column((row.clone(), Column::Id))
        .from_as(channel_change::Entity, row.clone())
        .and_where(Expr::col((row, Column::Seq)).is_not_null())
        .and_where(Expr::exists(superseded))
        .limit(CHUNK)
        .to_owned();
    let mut deleted = 0;
    loop {
        let ids = db
            .query_all(&select)
            .await?
            .iter()
            .map(|found| found.try_get::<i64>("", "id"))
            .collect::<Result<Vec<i64>, _>>()?;
        if ids.is_empty() {
            return Ok(deleted);
        }
        let found = ids.len() as u64;
        deleted += channel_change::Entity::delete_many()
            .filter(Column::Id.is_in(ids))
            .exec(db)
            .await?
            .rows_affected;
        if found < CHUNK {
            return Ok(deleted);
        }
    }
}

/// Compacts every `interval` for as long as the hub runs.
pub async fn keep_compacting(db: DatabaseConnection, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Failures are logged by `compact_changes` itself; the next tick tries again.
        let _ = compact_changes(&db).await;
    }
}
