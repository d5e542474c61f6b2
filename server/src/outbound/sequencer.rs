//! Numbering the outbox (and the sales channels' changes, by the same technique). Changes write their events unnumbered (a global counter taken by every
//! writer would make the commits of all branches wait for each other, fsync after fsync); this
//! task numbers what has committed, in one short transaction that holds the `outbox` counter's
//! lock, so the numbers follow the order events became visible and every number up to the
//! counter's value belongs to a committed event. Events that became visible together are numbered
//! in the order they were written (the database's own id), so one branch's events, whose
//! transactions run one after another, keep their order; so do the events of one transaction.
//! Every hub process runs it; the counter's lock makes them take turns.

use std::{sync::Arc, time::Duration};

use entity::outbound_event;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    db,
    error::DomainError,
    sync::{feed, heads, heads::Heads},
};

/// The counter that numbers outbound events.
pub const OUTBOX_STREAM: &str = "outbox";

/// Rows numbered per transaction.
const BATCH: u64 = 5_000;

/// A table whose rows are written unnumbered and numbered here once committed: the outbox, and
/// the sales channels' changes of availability.
pub trait Numbered: EntityTrait {
    /// The counter that numbers it.
    const STREAM: &'static str;
    /// The database's own id, in the order rows were written.
    const ID: Self::Column;
    const SEQ: Self::Column;
    /// Whether readers wait on the stream's head (deliveries on the outbox's); a channel's feed
    /// is read on request, so its numbers wake no one.
    const ANNOUNCED: bool;
}

impl Numbered for outbound_event::Entity {
    const STREAM: &'static str = OUTBOX_STREAM;
    const ID: outbound_event::Column = outbound_event::Column::Id;
    const SEQ: outbound_event::Column = outbound_event::Column::Seq;
    const ANNOUNCED: bool = true;
}

/// Numbers committed rows of `T`, oldest first; how many it numbered (fewer than the batch:
/// none are left).
pub async fn number_committed<T: Numbered>(
    db: &DatabaseConnection,
    heads: &Heads,
) -> Result<u64, DomainError> {
    // Looked for without the lock first: most calls find nothing.
    let waiting = T::find()
        .select_only()
        .column(T::ID)
        .filter(T::SEQ.is_null())
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    if waiting.is_none() {
        return Ok(0);
    }
    let txn = db::begin_write(db).await?;
    feed::lock_stream(&txn, T::STREAM).await?;
    let ids: Vec<i64> = T::find()
        .select_only()
        .column(T::ID)
        .filter(T::SEQ.is_null())
        .order_by_asc(T::ID)
        .limit(BATCH)
        .into_tuple()
        .all(&txn)
        .await?;
    if ids.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    let first = feed::allocate(&txn, T::STREAM, ids.len() as i64).await?;
    // Ids mostly come in unbroken runs (a gap is a write still running or rolled back): one
    // statement numbers a run, `seq = id + offset`.
    let mut next_seq = first;
    for (run_first, run_last) in runs(&ids) {
        T::update_many()
            .col_expr(T::SEQ, Expr::col(T::ID).add(next_seq - run_first))
            .filter(T::ID.between(run_first, run_last))
            .exec(&txn)
            .await?;
        next_seq += run_last - run_first + 1;
    }
    if !T::ANNOUNCED {
        txn.commit().await?;
        return Ok(ids.len() as u64);
    }
    let last = first + ids.len() as i64 - 1;
    let announced = [(T::STREAM.to_string(), last)];
    heads::advance(&txn, &announced).await?;
    txn.commit().await?;
    // Readers in this process hear of it at once; others through the database.
    heads.apply(&announced);
    Ok(ids.len() as u64)
}

/// Numbers every committed row of `T` there is now.
pub async fn number_all_committed<T: Numbered>(
    db: &DatabaseConnection,
    heads: &Heads,
) -> Result<(), DomainError> {
    while number_committed::<T>(db, heads).await? == BATCH {}
    Ok(())
}

/// The unbroken runs of consecutive numbers in `ids` (ascending), as (first, last).
fn runs(ids: &[i64]) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &id in ids {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == id => *last = id,
            _ => runs.push((id, id)),
        }
    }
    runs
}

/// Numbers committed rows of `T` every `interval` for as long as the hub runs, draining a
/// backlog without waiting.
pub async fn keep_numbering<T: Numbered>(
    db: DatabaseConnection,
    heads: Arc<Heads>,
    interval: Duration,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(err) = number_all_committed::<T>(&db, &heads).await {
            tracing::warn!(error = %err, stream = T::STREAM, "cannot number committed changes");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn ids_fall_into_unbroken_runs() {
        assert_eq!(runs(&[]), vec![]);
        assert_eq!(runs(&[4]), vec![(4, 4)]);
        assert_eq!(runs(&[1, 2, 3, 5, 6, 9]), vec![(1, 3), (5, 6), (9, 9)]);
    }
}
