//! The outbox: each change writes its events in the transaction that makes it, numbered in
//! commit order by the `outbox` counter (whose row stays locked until that transaction ends, so
//! a number is never passed by a later one), and announced like the feeds' heads.

use chrono::Utc;
use entity::outbound_event::{self, EventType};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    error::DomainError,
    inventory::ledger,
    sync::{feed, heads},
};

/// The counter that numbers outbound events.
pub const OUTBOX_STREAM: &str = "outbox";

/// One change to tell third parties of.
#[derive(Debug)]
pub struct Event {
    pub event_type: EventType,
    /// The branch it happened at; none for what the whole chain shares.
    pub branch_id: Option<Uuid>,
    pub data: Value,
}

impl Event {
    pub fn chain_wide(event_type: EventType, data: Value) -> Self {
        Self {
            event_type,
            branch_id: None,
            data,
        }
    }

    pub fn at_branch(event_type: EventType, branch_id: Uuid, data: Value) -> Self {
        Self {
            event_type,
            branch_id: Some(branch_id),
            data,
        }
    }
}

/// Writes `events` into the outbox of `txn`. Call it after the transaction's other locks are
/// taken (the outbox counter is the last lock of every write), and as late as the work allows:
/// writers of every branch wait on it from here to their commit.
pub async fn emit<C: ConnectionTrait>(txn: &C, events: Vec<Event>) -> Result<(), DomainError> {
    if events.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let first = feed::allocate(txn, OUTBOX_STREAM, events.len() as i64).await?;
    let mut last = first;
    let mut rows = Vec::with_capacity(events.len());
    for (event, seq) in events.into_iter().zip(first..) {
        last = seq;
        rows.push(outbound_event::ActiveModel {
            seq: Set(seq),
            id: Set(Uuid::now_v7()),
            event_type: Set(event.event_type),
            branch_id: Set(event.branch_id),
            occurred_at: Set(now),
            data: Set(event.data.to_string()),
        });
    }
    ledger::insert_chunked(txn, rows).await?;
    heads::advance(txn, &[(OUTBOX_STREAM.to_string(), last)]).await?;
    Ok(())
}

/// Emits one event whose data is `value` (the object as the admin API answers it), and gives
/// `value` back, so a domain function can end with it.
pub async fn emitted<C: ConnectionTrait, T: Serialize>(
    txn: &C,
    event_type: EventType,
    branch_id: Option<Uuid>,
    value: T,
) -> Result<T, DomainError> {
    let data = serde_json::to_value(&value)
        .map_err(|e| DomainError::internal("an outbound event's data", e))?;
    emit(
        txn,
        vec![Event {
            event_type,
            branch_id,
            data,
        }],
    )
    .await?;
    Ok(value)
}
