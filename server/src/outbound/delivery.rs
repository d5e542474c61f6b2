//! Delivering: each hub process looks for subscriptions with events to send (woken by the
//! outbox's head, and on an interval), takes a lease on each before sending (so one process at a
//! time delivers a subscription; another takes over once a lease runs out), and sends from the
//! subscription's cursor, in order, a batch at a time. A 2xx moves the cursor; anything else is
//! tried again after an exponential backoff with jitter, the same events under the same
//! `webhook-id`, until the subscription pauses itself when its first event has failed for longer
//! than the configured age.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use entity::{
    delivery_attempt::{self, AttemptOutcome},
    outbound_event, subscription,
    subscription::SubscriptionState,
};
use rand::Rng;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::{
    message::{self, OutboundEvent},
    sender::{Posted, Sender},
    subscriptions::{matching, outbox_head},
};
use crate::{db, error::DomainError, metrics::Metrics, sync::heads::Heads};

/// How deliveries are paced.
#[derive(Clone, Debug)]
pub struct DeliverySettings {
    /// Wait before the first retry; each later one waits twice as long, up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// A subscription whose first event has failed for this long pauses.
    pub pause_after: chrono::Duration,
    /// How long a process holds a subscription without renewing its lease.
    pub lease: chrono::Duration,
    /// How often a process looks for due subscriptions when nothing wakes it.
    pub poll_interval: Duration,
}

/// The deliveries of one hub process.
pub struct Deliverer {
    db: DatabaseConnection,
    sender: Arc<Sender>,
    heads: Arc<Heads>,
    metrics: Arc<Metrics>,
    settings: DeliverySettings,
    /// This process's name on the leases it takes.
    owner: String,
    /// Subscriptions this process is delivering, each with whether new events came meanwhile.
    running: std::sync::Mutex<HashMap<Uuid, bool>>,
}

/// What came of one batch.
enum Step {
    /// Delivered: there may be more.
    More,
    /// Caught up, failed (its retry is scheduled), or no longer this process's to deliver.
    Stop,
}

impl Deliverer {
    pub fn new(
        db: DatabaseConnection,
        sender: Arc<Sender>,
        heads: Arc<Heads>,
        metrics: Arc<Metrics>,
        settings: DeliverySettings,
    ) -> Self {
        Self {
            db,
            sender,
            heads,
            metrics,
            settings,
            owner: format!("hub-{}", Uuid::new_v4().simple()),
            running: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Delivers for as long as the hub runs.
    pub async fn run(self: Arc<Self>) {
        let mut outbox_moved = self.heads.outbox_moved();
        loop {
            if let Err(err) = self.start_due().await {
                tracing::warn!(error = %err, "outbound: cannot look for subscriptions to deliver");
            }
            tokio::select! {
                _ = outbox_moved.changed() => {}
                _ = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
    }

    /// Starts a delivery of each subscription that has events due and no other deliverer.
    async fn start_due(self: &Arc<Self>) -> Result<(), DomainError> {
        let now = Utc::now();
        let head = outbox_head(&self.db).await?;
        let due: Vec<Uuid> = subscription::Entity::find()
            .select_only()
            .column(subscription::Column::Id)
            .filter(subscription::Column::State.eq(SubscriptionState::Active))
            .filter(subscription::Column::Cursor.lt(head))
            .filter(subscription::Column::NextAttemptAt.lte(now))
            .filter(self.lease_free(now))
            .into_tuple()
            .all(&self.db)
            .await?;
        for id in due {
            if let Ok(mut running) = self.running.lock()
                && let Some(again) = running.get_mut(&id)
            {
                // Its delivery is under way: it looks once more before it stops.
                *again = true;
                continue;
            }
            if !self.take_lease(id, now).await? {
                continue;
            }
            if let Ok(mut running) = self.running.lock() {
                running.insert(id, false);
            }
            let deliverer = self.clone();
            tokio::spawn(async move { deliverer.deliver(id).await });
        }
        Ok(())
    }

    /// A lease nobody holds, one that ran out, or this process's own.
    fn lease_free(&self, now: DateTime<Utc>) -> Condition {
        Condition::any()
            .add(subscription::Column::LeaseOwner.is_null())
            .add(subscription::Column::LeaseOwner.eq(&self.owner))
            .add(subscription::Column::LeaseUntil.lt(now))
    }

    async fn take_lease(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool, DomainError> {
        let taken = subscription::Entity::update_many()
            .col_expr(subscription::Column::LeaseOwner, Expr::value(&self.owner))
            .col_expr(
                subscription::Column::LeaseUntil,
                Expr::value(now + self.settings.lease),
            )
            .filter(subscription::Column::Id.eq(id))
            .filter(subscription::Column::State.eq(SubscriptionState::Active))
            .filter(self.lease_free(now))
            .exec(&self.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    /// Delivers batches while they succeed, then gives the lease back; once more if new events
    /// came meanwhile. The lease is given back before the subscription leaves `running`, so a
    /// delivery started after this one never has its lease taken away by it.
    async fn deliver(self: Arc<Self>, id: Uuid) {
        loop {
            loop {
                match self.deliver_batch(id).await {
                    Ok(Step::More) => continue,
                    Ok(Step::Stop) => break,
                    Err(err) => {
                        tracing::warn!(subscription_id = %id, error = %err, "outbound: delivery stopped");
                        break;
                    }
                }
            }
            self.release_lease(id).await;
            let again = match self.running.lock() {
                Ok(mut running) => match running.get_mut(&id) {
                    Some(again) if *again => {
                        *again = false;
                        true
                    }
                    _ => {
                        running.remove(&id);
                        false
                    }
                },
                Err(_) => false,
            };
            if !again {
                return;
            }
            if !matches!(self.take_lease(id, Utc::now()).await, Ok(true)) {
                if let Ok(mut running) = self.running.lock() {
                    running.remove(&id);
                }
                return;
            }
        }
    }

    async fn release_lease(&self, id: Uuid) {
        let released = subscription::Entity::update_many()
            .col_expr(
                subscription::Column::LeaseOwner,
                Expr::value(None::<String>),
            )
            .col_expr(
                subscription::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(subscription::Column::Id.eq(id))
            .filter(subscription::Column::LeaseOwner.eq(&self.owner))
            .exec(&self.db)
            .await;
        if let Err(err) = released {
            // It runs out on its own.
            tracing::warn!(subscription_id = %id, error = %err, "outbound: cannot give a lease back");
        }
    }

    /// The subscription's row, updated only while this process holds its lease.
    fn while_leased(&self, id: Uuid) -> sea_orm::UpdateMany<subscription::Entity> {
        subscription::Entity::update_many()
            .filter(subscription::Column::Id.eq(id))
            .filter(subscription::Column::LeaseOwner.eq(&self.owner))
    }

    async fn deliver_batch(&self, id: Uuid) -> Result<Step, DomainError> {
        let now = Utc::now();
        let Some(sub) = subscription::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(Step::Stop);
        };
        if sub.state != SubscriptionState::Active
            || sub.lease_owner.as_deref() != Some(&self.owner)
            || sub.next_attempt_at > now
        {
            return Ok(Step::Stop);
        }
        let (events, through) = self.batch(&sub).await?;
        if events.is_empty() {
            if through > sub.cursor {
                self.while_leased(id)
                    .col_expr(subscription::Column::Cursor, Expr::value(through))
                    .col_expr(subscription::Column::BatchThrough, Expr::value(None::<i64>))
                    .exec(&self.db)
                    .await?;
            }
            return Ok(Step::Stop);
        }
        // The batch is kept, so a retry (here or by another process) sends the same events
        // under the same webhook-id; the lease is renewed with it.
        let kept = self
            .while_leased(id)
            .col_expr(subscription::Column::BatchThrough, Expr::value(through))
            .col_expr(
                subscription::Column::LeaseUntil,
                Expr::value(now + self.settings.lease),
            )
            .exec(&self.db)
            .await?;
        if kept.rows_affected != 1 {
            return Ok(Step::Stop);
        }
        let webhook_id = message::webhook_id(&events);
        let body = serde_json::to_vec(&message::body(sub.format, &events))
            .map_err(|e| DomainError::internal("a delivery's body", e))?;
        let posted = self.sender.post(&sub, &webhook_id, body).await;
        let delivered = posted.delivered();
        self.metrics.outbound_attempt(
            if delivered { "delivered" } else { "failed" },
            events.len(),
            f64::from(posted.latency_ms) / 1000.0,
        );
        self.record(&sub, &events, &webhook_id, through, posted)
            .await?;
        Ok(if delivered { Step::More } else { Step::Stop })
    }

    /// The batch to send, and the cursor it moves to once delivered: the kept batch when one is
    /// being tried, else the next events up to the batch size.
    async fn batch(
        &self,
        sub: &subscription::Model,
    ) -> Result<(Vec<OutboundEvent>, i64), DomainError> {
        let select = outbound_event::Entity::find()
            .filter(outbound_event::Column::Seq.gt(sub.cursor))
            .filter(matching(sub)?)
            .order_by_asc(outbound_event::Column::Seq);
        let limit = usize::try_from(sub.batch_size).unwrap_or(1).max(1);
        if let Some(through) = sub.batch_through {
            let rows = select
                .filter(outbound_event::Column::Seq.lte(through))
                .all(&self.db)
                .await?;
            let mut events = Vec::new();
            for row in rows {
                events.extend(message::expand(row)?);
            }
            return Ok((events, through));
        }
        // Every row up to the head has committed: the numbers are taken in commit order.
        let head = outbox_head(&self.db).await?;
        let rows = select
            .filter(outbound_event::Column::Seq.lte(head))
            .limit(limit as u64)
            .all(&self.db)
            .await?;
        let read_all = rows.len() < limit;
        // Whole rows (a change's events of one type go together), while they fit the batch size;
        // always at least one.
        let (mut events, mut through, mut taken_all) = (Vec::new(), sub.cursor, true);
        for row in rows {
            let count = usize::try_from(row.event_count).unwrap_or(usize::MAX);
            if !events.is_empty() && events.len().saturating_add(count) > limit {
                taken_all = false;
                break;
            }
            through = row.seq.unwrap_or(through);
            events.extend(message::expand(row)?);
        }
        if read_all && taken_all {
            through = head;
        }
        Ok((events, through))
    }

    /// Records the attempt and moves the subscription on: its cursor after a delivery, its next
    /// attempt (or a pause) after a failure.
    async fn record(
        &self,
        sub: &subscription::Model,
        events: &[OutboundEvent],
        webhook_id: &str,
        through: i64,
        posted: Posted,
    ) -> Result<(), DomainError> {
        let now = Utc::now();
        let delivered = posted.delivered();
        let txn = db::begin_write(&self.db).await?;
        delivery_attempt::Entity::insert(delivery_attempt::ActiveModel {
            id: Set(Uuid::now_v7()),
            subscription_id: Set(sub.id),
            at: Set(now),
            webhook_id: Set(webhook_id.to_string()),
            first_seq: Set(events.first().map(|e| e.seq)),
            last_seq: Set(events.last().map(|e| e.seq)),
            event_count: Set(events.len() as i32),
            status_code: Set(posted.status_code.and_then(|s| i16::try_from(s).ok())),
            latency_ms: Set(posted.latency_ms),
            outcome: Set(if delivered {
                AttemptOutcome::Delivered
            } else {
                AttemptOutcome::Failed
            }),
            error: Set(posted.error.clone()),
        })
        .exec_without_returning(&txn)
        .await?;
        let update = self
            .while_leased(sub.id)
            .col_expr(subscription::Column::UpdatedAt, Expr::value(now));
        let update = if delivered {
            update
                .col_expr(subscription::Column::Cursor, Expr::value(through))
                .col_expr(subscription::Column::BatchThrough, Expr::value(None::<i64>))
                .col_expr(subscription::Column::FailedAttempts, Expr::value(0))
                .col_expr(
                    subscription::Column::FailingSince,
                    Expr::value(None::<DateTime<Utc>>),
                )
                .col_expr(subscription::Column::LastError, Expr::value(None::<String>))
                .col_expr(subscription::Column::NextAttemptAt, Expr::value(now))
        } else {
            let failed_attempts = sub.failed_attempts.saturating_add(1);
            let failing_since = sub.failing_since.unwrap_or(now);
            let error = posted.error.unwrap_or_default();
            let update = update
                .col_expr(
                    subscription::Column::FailedAttempts,
                    Expr::value(failed_attempts),
                )
                .col_expr(
                    subscription::Column::FailingSince,
                    Expr::value(failing_since),
                )
                .col_expr(subscription::Column::LastError, Expr::value(&error))
                .col_expr(
                    subscription::Column::NextAttemptAt,
                    Expr::value(now + self.backoff(failed_attempts)),
                );
            if now - failing_since >= self.settings.pause_after {
                let first = events.first().map(|e| e.id.to_string()).unwrap_or_default();
                tracing::warn!(subscription_id = %sub.id, event_id = %first, "outbound: paused");
                update
                    .col_expr(
                        subscription::Column::State,
                        Expr::value(SubscriptionState::Paused),
                    )
                    .col_expr(
                        subscription::Column::PausedReason,
                        Expr::value(format!(
                            "event {first} kept failing for {} s (last: {error})",
                            (now - failing_since).num_seconds()
                        )),
                    )
            } else {
                update
            }
        };
        update.exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The wait before attempt `failed_attempts + 1`: doubling from the base, capped, with
    /// ±25 % jitter so receivers coming back are not hit by every subscription at once.
    fn backoff(&self, failed_attempts: i32) -> chrono::Duration {
        let doublings = u32::try_from(failed_attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        let wait = self
            .settings
            .retry_base
            .saturating_mul(1 << doublings)
            .min(self.settings.retry_max);
        let jittered = wait.mul_f64(rand::rng().random_range(0.75..1.25));
        chrono::Duration::from_std(jittered).unwrap_or(chrono::Duration::MAX)
    }
}
