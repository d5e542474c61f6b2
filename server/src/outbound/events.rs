//! The outbox: each change writes its events in the transaction that makes it, so a crash
//! leaves both or neither. They are written unnumbered, which takes no lock that writers of other
//! branches would wait on; the [sequencer](super::sequencer) numbers them once committed.
//!
//! Only events some subscription wants are written. A writer reads the subscriptions after it
//! took its lock (its branches' stock locks, or the master lock for chain-wide data), and a
//! subscription is made or widened holding every one of those locks ([`lock_every_writer`]):
//! so a change that commits after a subscription was made always sees it, and one that commits
//! before was not the subscription's to get.

use chrono::Utc;
use entity::{
    branch,
    outbound_event::{self, EventType},
    subscription,
};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait, EntityTrait, QuerySelect,
};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::subscriptions::parse_event_types;
use crate::{error::DomainError, inventory::ledger, sync::feed};

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

/// What the subscriptions want: for each, its event types and branch.
struct Wanted(Vec<(Vec<EventType>, Option<Uuid>)>);

impl Wanted {
    async fn read<C: ConnectionTrait>(txn: &C) -> Result<Self, DomainError> {
        let rows: Vec<(String, Option<Uuid>)> = subscription::Entity::find()
            .select_only()
            .columns([
                subscription::Column::EventTypes,
                subscription::Column::BranchId,
            ])
            .into_tuple()
            .all(txn)
            .await?;
        let mut wanted = Vec::with_capacity(rows.len());
        for (types, branch_id) in rows {
            wanted.push((parse_event_types(&types)?, branch_id));
        }
        Ok(Self(wanted))
    }

    fn wants(&self, event: &Event) -> bool {
        self.0.iter().any(|(types, branch_id)| {
            types.contains(&event.event_type)
                && (branch_id.is_none()
                    || event.branch_id.is_none()
                    || *branch_id == event.branch_id)
        })
    }
}

/// Takes the lock of every writer that emits events (every branch's stock lock, then the master
/// lock), so that a subscription made or widened in `txn` is seen by every change committed
/// after it.
pub async fn lock_every_writer<C: ConnectionTrait>(txn: &C) -> Result<(), DomainError> {
    let branch_ids: Vec<Uuid> = branch::Entity::find()
        .select_only()
        .column(branch::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    ledger::lock_branches(txn, &branch_ids).await?;
    feed::lock_master(txn).await?;
    Ok(())
}

/// Writes into the outbox of `txn` the `events` that some subscription wants. The caller holds
/// the lock of the data it changed (see the module's comment).
pub async fn emit<C: ConnectionTrait>(txn: &C, events: Vec<Event>) -> Result<(), DomainError> {
    if events.is_empty() {
        return Ok(());
    }
    let wanted = Wanted::read(txn).await?;
    let now = Utc::now();
    // One row for each run of events of one type at one branch: a sale's stock levels, a
    // batch's sales, travel as one row, so the outbox adds a row or two to a write, not one an
    // event.
    let mut runs: Vec<(EventType, Option<Uuid>, Vec<Value>)> = Vec::new();
    for event in events.into_iter().filter(|event| wanted.wants(event)) {
        match runs.last_mut() {
            Some((event_type, branch_id, data))
                if *event_type == event.event_type && *branch_id == event.branch_id =>
            {
                data.push(event.data)
            }
            _ => runs.push((event.event_type, event.branch_id, vec![event.data])),
        }
    }
    let models: Vec<outbound_event::ActiveModel> = runs
        .into_iter()
        .map(|(event_type, branch_id, data)| {
            let ids: Vec<Uuid> = data.iter().map(|_| Uuid::now_v7()).collect();
            let elements: Vec<Value> = ids
                .iter()
                .zip(data)
                .map(|(id, data)| json!({ "id": id, "data": data }))
                .collect();
            outbound_event::ActiveModel {
                id: NotSet,
                // A run is never empty.
                event_id: Set(ids.first().copied().unwrap_or_default()),
                seq: Set(None),
                event_type: Set(event_type),
                branch_id: Set(branch_id),
                event_count: Set(i32::try_from(ids.len()).unwrap_or(i32::MAX)),
                occurred_at: Set(now),
                data: Set(Value::Array(elements).to_string()),
            }
        })
        .collect();
    ledger::insert_chunked(txn, models).await
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
