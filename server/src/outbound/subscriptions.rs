//! Subscriptions: what a third party receives, where and how, and where each stands (its
//! cursor, lag and the event it is stuck on).

use chrono::{DateTime, Utc};
use entity::{
    branch, outbound_event,
    outbound_event::EventType,
    sequence_counter, subscription,
    subscription::{MessageFormat, SubscriptionState},
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    OUTBOX_STREAM, destination::Destinations, events::lock_every_writer,
    message::new_signing_secret,
};
use crate::{
    error::{DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    validation::{optional_text, required_text},
};

/// Largest batch a subscription may ask for.
pub const MAX_BATCH_SIZE: u32 = 500;

/// OAuth2 client credentials towards the receiver (seed 004's `DataSyncTokenUrl`).
#[derive(Clone, Debug)]
pub struct ReceiverAuthInput {
    pub token_url: String,
    pub client_id: String,
    /// May be left out of an update to keep the stored one.
    pub client_secret: Option<String>,
    pub scope: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SubscriptionInput {
    pub name: String,
    pub url: String,
    pub event_types: Vec<EventType>,
    pub branch_id: Option<Uuid>,
    /// `hubshake` when absent.
    pub format: Option<MessageFormat>,
    /// 1 when absent.
    pub batch_size: Option<u32>,
    pub auth: Option<ReceiverAuthInput>,
}

/// The receiver's token endpoint, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiverAuth {
    pub token_url: String,
    pub client_id: String,
    pub scope: Option<String>,
}

/// The event a subscription is stuck on, and how it has been going.
#[derive(Debug, Serialize, ToSchema)]
pub struct Failing {
    /// The first event of the batch that keeps failing.
    pub event_id: Option<Uuid>,
    pub event_type: Option<EventType>,
    pub seq: Option<i64>,
    pub failed_attempts: i32,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
}

/// A subscription as admins see it; its secrets are never shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    pub id: Uuid,
    pub name: String,
    pub url: String,
    pub event_types: Vec<EventType>,
    /// Only this branch's events (and those of no branch: items, customers, transfers).
    pub branch_id: Option<Uuid>,
    pub branch_name: Option<String>,
    pub format: MessageFormat,
    pub batch_size: i32,
    pub auth: Option<ReceiverAuth>,
    pub state: SubscriptionState,
    pub paused_reason: Option<String>,
    /// The outbox number of the last event delivered or passed over.
    pub cursor: i64,
    /// The outbox's newest number.
    pub head: i64,
    /// When the oldest event it has not delivered happened; none when it is caught up.
    pub oldest_undelivered_at: Option<DateTime<Utc>>,
    /// Age of that event, in seconds: the subscription's lag.
    pub lag_secs: Option<i64>,
    /// Set while an attempt has failed and no later one succeeded.
    pub failing: Option<Failing>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new subscription, with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSubscription {
    #[serde(flatten)]
    pub subscription: Subscription,
    /// `whsec_<base64>`: verify each delivery's `webhook-signature` with it.
    pub signing_secret: String,
}

/// The events of the outbox that `sub` delivers.
pub(super) fn matching(sub: &subscription::Model) -> Result<Condition, DomainError> {
    let types = event_types_of(sub)?;
    let mut condition = Condition::all().add(outbound_event::Column::EventType.is_in(types));
    if let Some(branch_id) = sub.branch_id {
        condition = condition.add(
            Condition::any()
                .add(outbound_event::Column::BranchId.is_null())
                .add(outbound_event::Column::BranchId.eq(branch_id)),
        );
    }
    Ok(condition)
}

pub fn event_types_of(sub: &subscription::Model) -> Result<Vec<EventType>, DomainError> {
    parse_event_types(&sub.event_types)
}

/// The event types as a subscription stores them (a JSON array of their names).
pub(super) fn parse_event_types(stored: &str) -> Result<Vec<EventType>, DomainError> {
    serde_json::from_str(stored)
        .map_err(|e| DomainError::internal("a subscription's event types", e))
}

/// The outbox's newest committed number: every event up to it has committed.
pub(super) async fn outbox_head<C: ConnectionTrait>(db: &C) -> Result<i64, DomainError> {
    Ok(
        sequence_counter::Entity::find_by_id(OUTBOX_STREAM.to_string())
            .one(db)
            .await?
            .map_or(0, |counter| counter.value),
    )
}

/// The first outbox row after the cursor that `sub` delivers: the change it is at.
pub(super) async fn first_undelivered<C: ConnectionTrait>(
    db: &C,
    sub: &subscription::Model,
) -> Result<Option<outbound_event::Model>, DomainError> {
    Ok(outbound_event::Entity::find()
        .filter(outbound_event::Column::Seq.gt(sub.cursor))
        .filter(matching(sub)?)
        .order_by_asc(outbound_event::Column::Seq)
        .one(db)
        .await?)
}

/// When the oldest event `sub` has yet to deliver happened, numbered or not: one statement, so
/// an event numbered meanwhile is not missed between two.
async fn oldest_waiting<C: ConnectionTrait>(
    db: &C,
    sub: &subscription::Model,
) -> Result<Option<DateTime<Utc>>, DomainError> {
    Ok(outbound_event::Entity::find()
        .select_only()
        .expr(Expr::col(outbound_event::Column::OccurredAt).min())
        .filter(matching(sub)?)
        .filter(
            Condition::any()
                .add(outbound_event::Column::Seq.gt(sub.cursor))
                .add(outbound_event::Column::Seq.is_null()),
        )
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten())
}

async fn view<C: ConnectionTrait>(
    db: &C,
    sub: subscription::Model,
    head: i64,
) -> Result<Subscription, DomainError> {
    let waiting_since = oldest_waiting(db, &sub).await?;
    let event_types = event_types_of(&sub)?;
    let branch_name = match sub.branch_id {
        Some(id) => branch::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|b| b.name),
        None => None,
    };
    let failing = if sub.failed_attempts > 0 {
        let stuck_on = first_undelivered(db, &sub).await?;
        Some(Failing {
            event_id: stuck_on.as_ref().map(|e| e.event_id),
            event_type: stuck_on.as_ref().map(|e| e.event_type),
            seq: stuck_on.as_ref().and_then(|e| e.seq),
            failed_attempts: sub.failed_attempts,
            failing_since: sub.failing_since,
            last_error: sub.last_error.clone(),
            next_attempt_at: sub.next_attempt_at,
        })
    } else {
        None
    };
    Ok(Subscription {
        id: sub.id,
        name: sub.name,
        url: sub.url,
        event_types,
        branch_id: sub.branch_id,
        branch_name,
        format: sub.format,
        batch_size: sub.batch_size,
        auth: match (sub.token_url, sub.oauth_client_id) {
            (Some(token_url), Some(client_id)) => Some(ReceiverAuth {
                token_url,
                client_id,
                scope: sub.oauth_scope,
            }),
            _ => None,
        },
        state: sub.state,
        paused_reason: sub.paused_reason,
        cursor: sub.cursor,
        head,
        oldest_undelivered_at: waiting_since,
        lag_secs: waiting_since.map(|at| Ord::max((Utc::now() - at).num_seconds(), 0)),
        failing,
        created_at: sub.created_at,
        updated_at: sub.updated_at,
    })
}

struct ValidSubscription {
    name: String,
    url: String,
    event_types: String,
    batch_size: i32,
    auth: Option<(String, String, Option<String>, Option<String>)>,
}

fn checked(
    input: &SubscriptionInput,
    destinations: &Destinations,
) -> Result<ValidSubscription, DomainError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required_text(&input.name, 200));
    let url = errors.check(
        "url",
        destinations.check_url(&input.url).map(|u| u.to_string()),
    );
    let mut types = input.event_types.clone();
    types.sort_by_key(|t| format!("{t:?}"));
    types.dedup();
    let event_types = errors.check(
        "event_types",
        if types.is_empty() {
            Err("must name at least one event type".into())
        } else {
            serde_json::to_string(&types).map_err(|e| e.to_string())
        },
    );
    let batch_size = errors.check(
        "batch_size",
        match input.batch_size.unwrap_or(1) {
            n @ 1..=MAX_BATCH_SIZE => Ok(n as i32),
            _ => Err(format!("must be between 1 and {MAX_BATCH_SIZE}")),
        },
    );
    let auth = input.auth.as_ref().map(|auth| {
        let token_url = errors.check(
            "auth.token_url",
            destinations
                .check_url(&auth.token_url)
                .map(|u| u.to_string()),
        );
        let client_id = errors.check("auth.client_id", required_text(&auth.client_id, 200));
        let secret = errors.check(
            "auth.client_secret",
            optional_text(auth.client_secret.as_deref(), 400),
        );
        let scope = errors.check("auth.scope", optional_text(auth.scope.as_deref(), 400));
        (token_url, client_id, secret, scope)
    });
    let auth = match auth {
        Some((Some(token_url), Some(client_id), Some(secret), Some(scope))) => {
            Some((token_url, client_id, secret, scope))
        }
        _ => None,
    };
    let (Some(name), Some(url), Some(event_types), Some(batch_size)) =
        (name, url, event_types, batch_size)
    else {
        return Err(errors.into_error());
    };
    errors.into_result()?;
    Ok(ValidSubscription {
        name,
        url,
        event_types,
        batch_size,
        auth,
    })
}

async fn check_branch<C: ConnectionTrait>(
    db: &C,
    branch_id: Option<Uuid>,
) -> Result<(), DomainError> {
    if let Some(id) = branch_id
        && branch::Entity::find_by_id(id).one(db).await?.is_none()
    {
        return Err(DomainError::invalid("branch_id", "no such branch"));
    }
    Ok(())
}

/// Creates a subscription that delivers the events of the changes committed from now on.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_subscription<C: ConnectionTrait>(
    txn: &C,
    destinations: &Destinations,
    input: SubscriptionInput,
) -> Result<CreatedSubscription, DomainError> {
    let valid = checked(&input, destinations)?;
    check_branch(txn, input.branch_id).await?;
    let (token_url, client_id, client_secret, scope) = match valid.auth {
        Some((url, id, Some(secret), scope)) => (Some(url), Some(id), Some(secret), scope),
        Some(_) => {
            return Err(DomainError::invalid(
                "auth.client_secret",
                "is required with a token URL",
            ));
        }
        None => (None, None, None, None),
    };
    // Every change committed from here on sees the subscription, and writes its events.
    lock_every_writer(txn).await?;
    let now = Utc::now();
    let head = outbox_head(txn).await?;
    let signing_secret = new_signing_secret();
    let saved = subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(valid.name),
        url: Set(valid.url),
        event_types: Set(valid.event_types),
        branch_id: Set(input.branch_id),
        format: Set(input.format.unwrap_or(MessageFormat::Hubshake)),
        batch_size: Set(valid.batch_size),
        token_url: Set(token_url),
        oauth_client_id: Set(client_id),
        oauth_client_secret: Set(client_secret),
        oauth_scope: Set(scope),
        signing_secret: Set(signing_secret.clone()),
        state: Set(SubscriptionState::Active),
        paused_reason: Set(None),
        cursor: Set(head),
        batch_through: Set(None),
        failed_attempts: Set(0),
        failing_since: Set(None),
        last_error: Set(None),
        next_attempt_at: Set(now),
        lease_owner: Set(None),
        lease_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(CreatedSubscription {
        subscription: view(txn, saved, head).await?,
        signing_secret,
    })
}

/// The subscription, locked for a change by the admin; the delivering hub loses its lease, so
/// what it was doing cannot overwrite the admin's change.
pub(super) async fn for_change<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<(subscription::Model, subscription::ActiveModel), DomainError> {
    let current = subscription::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("subscription"))?;
    let mut model = subscription::ActiveModel::from(current.clone());
    model.lease_owner = Set(None);
    model.lease_until = Set(None);
    model.updated_at = Set(Utc::now());
    Ok((current, model))
}

pub(super) async fn saved<C: ConnectionTrait>(
    txn: &C,
    model: subscription::ActiveModel,
) -> Result<Subscription, DomainError> {
    let saved = model.update(txn).await?;
    view(txn, saved, outbox_head(txn).await?).await
}

/// Replaces a subscription's settings; its position and secrets stay (a client secret left out
/// keeps the stored one).
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update_subscription<C: ConnectionTrait>(
    txn: &C,
    destinations: &Destinations,
    id: Uuid,
    input: SubscriptionInput,
) -> Result<Subscription, DomainError> {
    let valid = checked(&input, destinations)?;
    check_branch(txn, input.branch_id).await?;
    // It may want more than before: every change committed from here on sees that.
    lock_every_writer(txn).await?;
    let (current, mut model) = for_change(txn, id).await?;
    let stored_secret = current.oauth_client_secret;
    let (token_url, client_id, client_secret, scope) = match valid.auth {
        Some((url, id, secret, scope)) => match secret.or(stored_secret) {
            Some(secret) => (Some(url), Some(id), Some(secret), scope),
            None => {
                return Err(DomainError::invalid(
                    "auth.client_secret",
                    "is required with a token URL",
                ));
            }
        },
        None => (None, None, None, None),
    };
    model.name = Set(valid.name);
    model.url = Set(valid.url);
    model.event_types = Set(valid.event_types);
    model.branch_id = Set(input.branch_id);
    model.format = Set(input.format.unwrap_or(MessageFormat::Hubshake));
    model.batch_size = Set(valid.batch_size);
    model.token_url = Set(token_url);
    model.oauth_client_id = Set(client_id);
    model.oauth_client_secret = Set(client_secret);
    model.oauth_scope = Set(scope);
    // The batch being tried was made under the old settings.
    model.batch_through = Set(None);
    saved(txn, model).await
}

#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn delete_subscription<C: ConnectionTrait>(txn: &C, id: Uuid) -> Result<(), DomainError> {
    let deleted = subscription::Entity::delete_by_id(id).exec(txn).await?;
    if deleted.rows_affected == 0 {
        return Err(DomainError::NotFound("subscription"));
    }
    Ok(())
}

pub async fn get_subscription(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<Subscription, DomainError> {
    let sub = subscription::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("subscription"))?;
    view(db, sub, outbox_head(db).await?).await
}

/// Subscriptions by name.
pub async fn list_subscriptions(
    db: &DatabaseConnection,
    page: PageRequest,
) -> Result<Page<Subscription>, DomainError> {
    let select = subscription::Entity::find()
        .order_by_asc(subscription::Column::Name)
        .order_by_asc(subscription::Column::Id);
    let page = fetch_page(db, select, page).await?;
    let head = outbox_head(db).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for sub in page.items {
        items.push(view(db, sub, head).await?);
    }
    Ok(Page {
        items,
        total: page.total,
        request: page.request,
    })
}
