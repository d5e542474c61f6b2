//! Pushing a channel's availability to its endpoint (seed 001's scheduled refresh): through an
//! outbound subscription (its URL, signature, receiver token and format), on a CRON schedule
//! while started, or at once on "force update". Each push is a run whose start, end, items sent,
//! outcome and error are kept. Every hub process looks for due pushes; one claims each.

use std::{str::FromStr, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use entity::{
    channel_item, channel_push_run,
    channel_push_run::{PushOutcome, PushTrigger},
    outbound_event::EventType,
    sales_channel, sequence_counter, subscription,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, sea_query::Expr,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    CHANNEL_CHANGES_STREAM,
    availability::availability_of,
    setup::{Channel, find, view},
};
use crate::{
    db,
    error::{Conflict, DomainError},
    outbound::{OutboundEvent, Sender, event_types_of, message_body},
    pagination::{Page, PageRequest, fetch_page},
};

/// How often each hub looks for due pushes: the schedule's finest unit.
const SCHEDULER_TICK: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
pub struct PushInput {
    /// A subscription whose event types include `channel.availability`.
    pub subscription_id: Uuid,
    /// CRON expression, seconds first; none for pushes on demand only.
    pub schedule: Option<String>,
}

/// One push, as seed 001's dashboard lists them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushRun {
    pub id: Uuid,
    pub trigger: PushTrigger,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub items_sent: i32,
    pub outcome: PushOutcome,
    pub error: Option<String>,
}

impl From<channel_push_run::Model> for PushRun {
    fn from(run: channel_push_run::Model) -> Self {
        Self {
            id: run.id,
            trigger: run.trigger,
            started_at: run.started_at,
            finished_at: run.finished_at,
            items_sent: run.items_sent,
            outcome: run.outcome,
            error: run.error,
        }
    }
}

fn parse_schedule(expression: &str) -> Result<cron::Schedule, DomainError> {
    cron::Schedule::from_str(expression).map_err(|e| {
        DomainError::invalid(
            "schedule",
            format!("is not a CRON expression with seconds (such as `0 */15 * * * *`): {e}"),
        )
    })
}

/// The next push of `schedule` after `after`.
fn next_after(
    expression: &str,
    after: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DomainError> {
    Ok(parse_schedule(expression)?.after(&after).next())
}

/// Sets where and when a channel's availability is pushed; a started schedule runs on from now.
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "info"))]
pub async fn configure_push<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    input: PushInput,
) -> Result<Channel, DomainError> {
    let channel = find(txn, channel_id).await?;
    let sub = subscription::Entity::find_by_id(input.subscription_id)
        .one(txn)
        .await?
        .ok_or_else(|| DomainError::invalid("subscription_id", "no subscription has this id"))?;
    if !event_types_of(&sub)?.contains(&EventType::ChannelAvailability) {
        return Err(DomainError::invalid(
            "subscription_id",
            "the subscription's event types must include channel.availability",
        ));
    }
    let next = match &input.schedule {
        Some(expression) => next_after(expression, Utc::now())?,
        None => None,
    };
    let running = channel.push_running && input.schedule.is_some();
    let mut channel = channel.into_active_model();
    channel.push_subscription_id = Set(Some(input.subscription_id));
    channel.push_schedule = Set(input.schedule);
    channel.push_running = Set(running);
    channel.next_push_at = Set(next.filter(|_| running));
    channel.updated_at = Set(Utc::now());
    view(txn, channel.update(txn).await?).await
}

/// Starts or stops the channel's schedule (seed 001's `start` and `stop`).
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "info"))]
pub async fn set_running<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    running: bool,
) -> Result<Channel, DomainError> {
    let channel = find(txn, channel_id).await?;
    let next = match (&channel.push_schedule, running) {
        (_, false) => None,
        (Some(expression), true) => next_after(expression, Utc::now())?,
        (None, true) => {
            return Err(DomainError::conflict(
                Conflict::WrongState,
                "the channel has no push schedule: set one first",
            ));
        }
    };
    if channel.push_running == running {
        return view(txn, channel).await;
    }
    let mut channel = channel.into_active_model();
    channel.push_running = Set(running);
    channel.next_push_at = Set(next);
    channel.updated_at = Set(Utc::now());
    view(txn, channel.update(txn).await?).await
}

/// Pushes the channel's whole availability now (seed 001's "force update").
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "info"))]
pub async fn force_push(
    db: &DatabaseConnection,
    sender: &Sender,
    channel_id: Uuid,
) -> Result<PushRun, DomainError> {
    let channel = find(db, channel_id).await?;
    if channel.push_subscription_id.is_none() {
        return Err(no_subscription());
    }
    let run = start_run(db, channel_id, PushTrigger::Forced).await?;
    finish_run(db, sender, &channel, run).await
}

fn no_subscription() -> DomainError {
    DomainError::conflict(
        Conflict::WrongState,
        "the channel has no push subscription: set one first",
    )
}

/// Records a run as started: from now on it is listed, as `running` until it ends.
async fn start_run<C: ConnectionTrait>(
    conn: &C,
    channel_id: Uuid,
    trigger: PushTrigger,
) -> Result<channel_push_run::Model, DomainError> {
    Ok(channel_push_run::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel_id: Set(channel_id),
        trigger: Set(trigger),
        started_at: Set(Utc::now()),
        finished_at: Set(None),
        items_sent: Set(0),
        outcome: Set(PushOutcome::Running),
        error: Set(None),
    }
    .insert(conn)
    .await?)
}

/// Sends the availability for a started run and records how it ended.
async fn finish_run(
    db: &DatabaseConnection,
    sender: &Sender,
    channel: &sales_channel::Model,
    run: channel_push_run::Model,
) -> Result<PushRun, DomainError> {
    let sent = match channel.push_subscription_id {
        Some(id) => match subscription::Entity::find_by_id(id).one(db).await? {
            Some(sub) => send_availability(db, sender, channel, &sub).await,
            None => Err(DomainError::NotFound("subscription")),
        },
        None => Err(no_subscription()),
    };
    let (items_sent, failure) = match sent {
        Ok(sent) => sent,
        Err(err) => (0, Some(err.to_string())),
    };
    let mut run = run.into_active_model();
    run.finished_at = Set(Some(Utc::now()));
    run.items_sent = Set(items_sent);
    run.outcome = Set(if failure.is_none() {
        PushOutcome::Succeeded
    } else {
        PushOutcome::Failed
    });
    run.error = Set(failure);
    Ok(run.update(db).await?.into())
}

/// POSTs every mapped item's availability in the subscription's batches, stopping at the first
/// batch the receiver does not take; the items it took, and why it stopped.
async fn send_availability(
    db: &DatabaseConnection,
    sender: &Sender,
    channel: &sales_channel::Model,
    sub: &subscription::Model,
) -> Result<(i32, Option<String>), DomainError> {
    let mappings = channel_item::Entity::find()
        .filter(channel_item::Column::ChannelId.eq(channel.id))
        .order_by_asc(channel_item::Column::ExternalId)
        .all(db)
        .await?;
    // The feed position the figures are as of: a receiver may read the feed on from it.
    let as_of = sequence_counter::Entity::find_by_id(CHANNEL_CHANGES_STREAM.to_string())
        .one(db)
        .await?
        .map_or(0, |counter| counter.value);
    let figures = availability_of(db, channel, &mappings).await?;
    let batch = usize::try_from(sub.batch_size).unwrap_or(1).max(1);
    let occurred_at = Utc::now();
    let mut sent = 0i32;
    for chunk in figures.chunks(batch) {
        let events: Vec<OutboundEvent> = chunk
            .iter()
            .map(|figure| OutboundEvent {
                seq: as_of,
                id: Uuid::now_v7(),
                event_type: EventType::ChannelAvailability,
                branch_id: None,
                occurred_at,
                data: json!({
                    "id": figure.external_id,
                    "channel_id": channel.id,
                    "external_id": figure.external_id,
                    "item_id": figure.item_id,
                    "available": figure.available,
                }),
            })
            .collect();
        let webhook_id = format!(
            "push_{}",
            events.first().map(|e| e.id).unwrap_or_default().simple()
        );
        let body = message_body(sub.format, &events).to_string().into_bytes();
        let posted = sender.post(sub, &webhook_id, body).await;
        if !posted.delivered() {
            let why = match (posted.status_code, posted.error) {
                (_, Some(error)) => error,
                (Some(status), None) => {
                    format!("the receiver answered {status}: {}", posted.excerpt)
                }
                (None, None) => "the receiver could not be reached".to_string(),
            };
            return Ok((sent, Some(why)));
        }
        sent += i32::try_from(chunk.len()).unwrap_or(i32::MAX);
    }
    Ok((sent, None))
}

/// A channel's push runs, newest first.
pub async fn list_runs<C: ConnectionTrait>(
    conn: &C,
    channel_id: Uuid,
    page: PageRequest,
) -> Result<Page<PushRun>, DomainError> {
    find(conn, channel_id).await?;
    let select = channel_push_run::Entity::find()
        .filter(channel_push_run::Column::ChannelId.eq(channel_id))
        .order_by_desc(channel_push_run::Column::StartedAt)
        .order_by_desc(channel_push_run::Column::Id);
    Ok(fetch_page(conn, select, page).await?.map(PushRun::from))
}

/// Runs due pushes for as long as the hub runs.
pub async fn keep_pushing(db: DatabaseConnection, sender: Arc<Sender>) {
    let mut ticks = tokio::time::interval(SCHEDULER_TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(err) = push_due(&db, &sender).await {
            tracing::warn!(error = %err, "channels: cannot run scheduled pushes");
        }
    }
}

/// Runs every push that is due and that this process claims first.
async fn push_due(db: &DatabaseConnection, sender: &Sender) -> Result<(), DomainError> {
    let now = Utc::now();
    let due = sales_channel::Entity::find()
        .filter(sales_channel::Column::PushRunning.eq(true))
        .filter(sales_channel::Column::NextPushAt.lte(now))
        .all(db)
        .await?;
    for channel in due {
        let (Some(expression), Some(due_at)) = (&channel.push_schedule, channel.next_push_at)
        else {
            continue;
        };
        // The claim: only the process that moves the next push on from this one runs it, and
        // its run is listed from the claim on, so a `stop` answered after it sees it.
        let txn = db::begin_write(db).await?;
        let claimed = sales_channel::Entity::update_many()
            .col_expr(
                sales_channel::Column::NextPushAt,
                Expr::value(next_after(expression, now)?),
            )
            .filter(sales_channel::Column::Id.eq(channel.id))
            .filter(sales_channel::Column::PushRunning.eq(true))
            .filter(sales_channel::Column::NextPushAt.eq(due_at))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            txn.rollback().await?;
            continue;
        }
        let run = start_run(&txn, channel.id, PushTrigger::Schedule).await?;
        txn.commit().await?;
        finish_run(db, sender, &channel, run).await?;
    }
    Ok(())
}
