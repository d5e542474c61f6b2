//! The admin's hands on a subscription's delivery: pause, resume (the retry of a failing
//! event), skip the event it is stuck on, replay from a point, a sample message, its attempts.

use chrono::{DateTime, Utc};
use entity::{
    delivery_attempt::{self, AttemptOutcome},
    outbound_event, subscription,
    subscription::SubscriptionState,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    message::{event_webhook_id, sample_body},
    sender::{Posted, Sender},
    subscriptions::{Subscription, first_undelivered, for_change, outbox_head, saved},
};
use crate::{
    error::{Conflict, DomainError},
    pagination::{Page, PageRequest, fetch_page},
};

/// Stops deliveries until resumed.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn pause_subscription<C: ConnectionTrait>(
    txn: &C,
    actor: &str,
    id: Uuid,
) -> Result<Subscription, DomainError> {
    let (_, mut model) = for_change(txn, id).await?;
    model.state = Set(SubscriptionState::Paused);
    model.paused_reason = Set(Some(format!("paused by {actor}")));
    saved(txn, model).await
}

/// Delivers again, starting at once with the event it stopped at (a retry of a failing event:
/// its time before the next pause starts anew).
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn resume_subscription<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<Subscription, DomainError> {
    let (current, mut model) = for_change(txn, id).await?;
    let now = Utc::now();
    if current.failing_since.is_some() {
        model.failing_since = Set(Some(now));
    }
    model.state = Set(SubscriptionState::Active);
    model.paused_reason = Set(None);
    model.next_attempt_at = Set(now);
    saved(txn, model).await
}

/// Passes over the first event the subscription has not delivered: it stays in the outbox, and
/// the subscription's attempts record the skip and who made it. The state stays as it is.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn skip_event<C: ConnectionTrait>(
    txn: &C,
    actor: &str,
    id: Uuid,
) -> Result<Subscription, DomainError> {
    let (current, mut model) = for_change(txn, id).await?;
    let Some(head) = first_undelivered(txn, &current).await? else {
        return Err(DomainError::conflict(
            Conflict::WrongState,
            "the subscription has delivered every event: there is none to skip",
        ));
    };
    let now = Utc::now();
    delivery_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        subscription_id: Set(id),
        at: Set(now),
        webhook_id: Set(event_webhook_id(head.event_id)),
        first_seq: Set(head.seq),
        last_seq: Set(head.seq),
        event_count: Set(head.event_count),
        status_code: Set(None),
        latency_ms: Set(0),
        outcome: Set(AttemptOutcome::Skipped),
        error: Set(Some(format!("skipped by {actor}"))),
    }
    .insert(txn)
    .await?;
    model.cursor = Set(head.seq.unwrap_or(current.cursor));
    model.batch_through = Set(None);
    model.failed_attempts = Set(0);
    model.failing_since = Set(None);
    model.last_error = Set(None);
    model.next_attempt_at = Set(now);
    saved(txn, model).await
}

/// Where a replay starts.
#[derive(Clone, Copy, Debug)]
pub enum ReplayFrom {
    /// This event and every later one.
    Event(Uuid),
    /// Every event that happened at or after this instant.
    Time(DateTime<Utc>),
}

/// The number of the outbox row that holds event `event_id`: the row it starts, or one written
/// within a second of the instant in the event's id (a UUIDv7) that lists it.
async fn row_holding<C: ConnectionTrait>(
    txn: &C,
    event_id: Uuid,
) -> Result<Option<i64>, DomainError> {
    if let Some(row) = outbound_event::Entity::find()
        .filter(outbound_event::Column::EventId.eq(event_id))
        .one(txn)
        .await?
    {
        return Ok(row.seq);
    }
    let Some((secs, nanos)) = event_id.get_timestamp().map(|t| t.to_unix()) else {
        return Ok(None);
    };
    let Some(made_at) = DateTime::from_timestamp(i64::try_from(secs).unwrap_or(i64::MAX), nanos)
    else {
        return Ok(None);
    };
    let window = chrono::Duration::seconds(1);
    Ok(outbound_event::Entity::find()
        .filter(outbound_event::Column::OccurredAt.between(made_at - window, made_at + window))
        .filter(outbound_event::Column::Data.contains(event_id.to_string()))
        .order_by_asc(outbound_event::Column::Seq)
        .one(txn)
        .await?
        .and_then(|row| row.seq))
}

/// Delivers again every event from a point on (those it delivered are sent again, with the same
/// event ids).
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn replay<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    from: ReplayFrom,
) -> Result<Subscription, DomainError> {
    let (_, mut model) = for_change(txn, id).await?;
    let first = match from {
        ReplayFrom::Event(event_id) => row_holding(txn, event_id)
            .await?
            .ok_or_else(|| DomainError::invalid("event_id", "no such event"))?,
        ReplayFrom::Time(at) => outbound_event::Entity::find()
            .select_only()
            .column(outbound_event::Column::Seq)
            .filter(outbound_event::Column::OccurredAt.gte(at))
            .order_by_asc(outbound_event::Column::Seq)
            .into_tuple::<i64>()
            .one(txn)
            .await?
            // Nothing happened since: the replay starts at the next event.
            .unwrap_or(outbox_head(txn).await? + 1),
    };
    model.cursor = Set(first - 1);
    model.batch_through = Set(None);
    model.failed_attempts = Set(0);
    model.failing_since = Set(None);
    model.last_error = Set(None);
    model.next_attempt_at = Set(Utc::now());
    saved(txn, model).await
}

/// One POST to the receiver as the admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub webhook_id: String,
    /// The outbox numbers of the first and last event sent; none for a sample message.
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub event_count: i32,
    /// The receiver's status; none when it could not be reached.
    pub status_code: Option<i16>,
    pub latency_ms: i32,
    pub outcome: AttemptOutcome,
    pub error: Option<String>,
}

impl From<delivery_attempt::Model> for Attempt {
    fn from(a: delivery_attempt::Model) -> Self {
        Self {
            id: a.id,
            at: a.at,
            webhook_id: a.webhook_id,
            first_seq: a.first_seq,
            last_seq: a.last_seq,
            event_count: a.event_count,
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            outcome: a.outcome,
            error: a.error,
        }
    }
}

/// A subscription's attempts, newest first.
pub async fn list_attempts(
    db: &DatabaseConnection,
    id: Uuid,
    page: PageRequest,
) -> Result<Page<Attempt>, DomainError> {
    if subscription::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(DomainError::NotFound("subscription"));
    }
    let select = delivery_attempt::Entity::find()
        .filter(delivery_attempt::Column::SubscriptionId.eq(id))
        .order_by_desc(delivery_attempt::Column::At)
        .order_by_desc(delivery_attempt::Column::Id);
    Ok(fetch_page(db, select, page).await?.map(Attempt::from))
}

/// Seed 004's "Send Sample Message": a test message to the receiver, signed and authenticated
/// as deliveries are, answered with what the receiver said; the subscription does not move.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn send_sample(
    db: &DatabaseConnection,
    sender: &Sender,
    id: Uuid,
) -> Result<Posted, DomainError> {
    let sub = subscription::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("subscription"))?;
    let webhook_id = format!("sample_{}", Uuid::now_v7().simple());
    let body = serde_json::to_vec(&sample_body(sub.format))
        .map_err(|e| DomainError::internal("a sample message", e))?;
    let posted = sender.post(&sub, &webhook_id, body).await;
    delivery_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        subscription_id: Set(id),
        at: Set(Utc::now()),
        webhook_id: Set(webhook_id),
        first_seq: Set(None),
        last_seq: Set(None),
        event_count: Set(1),
        status_code: Set(posted.status_code.and_then(|s| i16::try_from(s).ok())),
        latency_ms: Set(posted.latency_ms),
        outcome: Set(AttemptOutcome::Sample),
        error: Set(posted.error.clone()),
    }
    .insert(db)
    .await?;
    Ok(posted)
}
