//! Numbering the outbox. Changes write their events unnumbered (a global counter taken by every
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

/// Events numbered per transaction.
const BATCH: u64 = 5_000;

/// Numbers committed events, oldest first; how many it numbered (fewer than the batch: none
/// are left).
pub async fn number_committed(db: &DatabaseConnection, heads: &Heads) -> Result<u64, DomainError> {
    // Looked for without the lock first: most calls find nothing.
    let waiting = outbound_event::Entity::find()
        .select_only()
        .column(outbound_event::Column::Id)
        .filter(outbound_event::Column::Seq.is_null())
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    if waiting.is_none() {
        return Ok(0);
    }
    let txn = db::begin_write(db).await?;
    feed::lock_stream(&txn, OUTBOX_STREAM).await?;
    let ids: Vec<i64> = outbound_event::Entity::find()
        .select_only()
        .column(outbound_event::Column::Id)
        .filter(outbound_event::Column::Seq.is_null())
        .order_by_asc(outbound_event::Column::Id)
        .limit(BATCH)
        .into_tuple()
        .all(&txn)
        .await?;
    if ids.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    let first = feed::allocate(&txn, OUTBOX_STREAM, ids.len() as i64).await?;
    // Ids mostly come in unbroken runs (a gap is a write still running or rolled back): one
    // statement numbers a run, `seq = id + offset`.
    let mut next_seq = first;
    for (run_first, run_last) in runs(&ids) {
        outbound_event::Entity::update_many()
            .col_expr(
                outbound_event::Column::Seq,
                Expr::col(outbound_event::Column::Id).add(next_seq - run_first),
            )
            .filter(outbound_event::Column::Id.between(run_first, run_last))
            .exec(&txn)
            .await?;
        next_seq += run_last - run_first + 1;
    }
    let last = first + ids.len() as i64 - 1;
    let announced = [(OUTBOX_STREAM.to_string(), last)];
    heads::advance(&txn, &announced).await?;
    txn.commit().await?;
    // Deliveries in this process hear of it at once; others through the database.
    heads.apply(&announced);
    Ok(ids.len() as u64)
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

/// Numbers committed events every `interval` for as long as the hub runs, draining a backlog
/// without waiting.
pub async fn keep_numbering(db: DatabaseConnection, heads: Arc<Heads>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        loop {
            match number_committed(&db, &heads).await {
                Ok(numbered) if numbered == BATCH => continue,
                Ok(_) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "outbound: cannot number events");
                    break;
                }
            }
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
