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
    sea_query::{CaseStatement, Expr},
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
/// Rows per `UPDATE … CASE`: well under every database's limit of bound parameters.
const ROWS_PER_UPDATE: usize = 1_000;

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
    for (chunk, chunk_first) in ids
        .chunks(ROWS_PER_UPDATE)
        .zip((first..).step_by(ROWS_PER_UPDATE))
    {
        let mut numbers = CaseStatement::new();
        for (id, seq) in chunk.iter().zip(chunk_first..) {
            numbers = numbers.case(outbound_event::Column::Id.eq(*id), Expr::value(seq));
        }
        outbound_event::Entity::update_many()
            .col_expr(
                outbound_event::Column::Seq,
                numbers
                    .finally(Expr::col(outbound_event::Column::Seq))
                    .into(),
            )
            .filter(outbound_event::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    let last = first + ids.len() as i64 - 1;
    let announced = [(OUTBOX_STREAM.to_string(), last)];
    heads::advance(&txn, &announced).await?;
    txn.commit().await?;
    // Deliveries in this process hear of it at once; others through the database.
    heads.apply(&announced);
    Ok(ids.len() as u64)
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
