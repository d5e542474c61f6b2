//! How long the outbox keeps what it delivered: events older than the retention that every
//! subscription has passed, and attempts older than it, are deleted; an event a subscription has
//! not delivered is kept however old. A replay reaches back as far as the retention.

use std::time::Duration;

use chrono::Utc;
use entity::{delivery_attempt, outbound_event, subscription};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::error::DomainError;

/// Events deleted per statement, so a first pruning of a large outbox holds no long lock.
const CHUNK: i64 = 10_000;

/// Deletes what the retention lets go; the number of events deleted.
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn prune(db: &DatabaseConnection, keep: chrono::Duration) -> Result<u64, DomainError> {
    let before = Utc::now() - keep;
    let newest_old: Option<i64> = outbound_event::Entity::find()
        .select_only()
        .expr(Expr::col(outbound_event::Column::Seq).max())
        .filter(outbound_event::Column::OccurredAt.lt(before))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let least_cursor: Option<i64> = subscription::Entity::find()
        .select_only()
        .expr(Expr::col(subscription::Column::Cursor).min())
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let mut deleted = 0;
    if let Some(newest_old) = newest_old {
        let upto = least_cursor.map_or(newest_old, |cursor| std::cmp::min(cursor, newest_old));
        let oldest: Option<i64> = outbound_event::Entity::find()
            .select_only()
            .expr(Expr::col(outbound_event::Column::Seq).min())
            .into_tuple::<Option<i64>>()
            .one(db)
            .await?
            .flatten();
        let mut from = oldest.unwrap_or(upto + 1);
        while from <= upto {
            let to = std::cmp::min(upto, from + CHUNK - 1);
            deleted += outbound_event::Entity::delete_many()
                .filter(outbound_event::Column::Seq.between(from, to))
                .exec(db)
                .await?
                .rows_affected;
            from = to + 1;
        }
    }
    delivery_attempt::Entity::delete_many()
        .filter(delivery_attempt::Column::At.lt(before))
        .exec(db)
        .await?;
    Ok(deleted)
}

/// Prunes every `every` for as long as the hub runs (every process may: deletes of what is gone
/// change nothing).
pub async fn keep_pruning(db: DatabaseConnection, keep: chrono::Duration, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        if let Ok(deleted) = prune(&db, keep).await
            && deleted > 0
        {
            tracing::info!(deleted, "outbound: events past their retention deleted");
        }
    }
}
