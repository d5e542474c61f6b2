//! The outbox: each change writes its events in the transaction that makes it, so a crash
//! leaves both or neither. They are written unnumbered, which takes no lock that writers of other
//! branches would wait on; the [sequencer](super::sequencer) numbers them once committed.

use chrono::Utc;
use entity::outbound_event::{self, EventType};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::{error::DomainError, inventory::ledger};

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

/// Writes `events` into the outbox of `txn`.
pub async fn emit<C: ConnectionTrait>(txn: &C, events: Vec<Event>) -> Result<(), DomainError> {
    if events.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = events
        .into_iter()
        .map(|event| outbound_event::ActiveModel {
            id: NotSet,
            event_id: Set(Uuid::now_v7()),
            seq: Set(None),
            event_type: Set(event.event_type),
            branch_id: Set(event.branch_id),
            occurred_at: Set(now),
            data: Set(event.data.to_string()),
        })
        .collect();
    ledger::insert_chunked(txn, rows).await
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
