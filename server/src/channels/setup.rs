//! Channels as head office sets them up: credentials, branches, safety stock, backorders.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{branch, channel_branch, channel_item, sales_channel, subscription};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::availability::{channel_branches, touch_channel};
use crate::{
    auth::secret,
    decimal::{from_fixed4, non_negative_fixed4},
    error::{DomainError, FieldErrors},
    inventory::ledger,
    pagination::{Page, PageRequest, fetch_page},
    sync::feed,
    validation::required_text,
};

const CLIENT_ID_PREFIX: &str = "chn";
const MAX_NAME_LEN: usize = 200;
/// Branches a channel may sell from.
pub const MAX_BRANCHES: usize = 100;

#[derive(Clone, Debug)]
pub struct ChannelInput {
    pub name: String,
    /// In the order orders take stock from them.
    pub branch_ids: Vec<Uuid>,
    pub safety_stock: Option<Decimal>,
    pub allow_backorders: Option<bool>,
}

/// A branch a channel sells from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelBranch {
    pub branch_id: Uuid,
    pub branch_code: String,
    pub branch_name: String,
}

/// How a channel's availability is pushed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushSettings {
    pub subscription_id: Option<Uuid>,
    pub subscription_name: Option<String>,
    /// CRON expression, seconds first (`0 */15 * * * *`: every quarter hour).
    pub schedule: Option<String>,
    /// Whether the schedule runs (started) or not (stopped).
    pub running: bool,
    pub next_push_at: Option<DateTime<Utc>>,
}

/// A channel as admins see it; its secret is never shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Channel {
    pub id: Uuid,
    pub name: String,
    /// Its OAuth2 client id (scope `channel`).
    pub client_id: String,
    pub active: bool,
    /// In the order orders take stock from them.
    pub branches: Vec<ChannelBranch>,
    pub safety_stock: Decimal,
    pub allow_backorders: bool,
    pub mapped_items: u64,
    pub push: PushSettings,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new channel (or a new secret), with its client secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedChannel {
    #[serde(flatten)]
    pub channel: Channel,
    pub client_secret: String,
}

struct Checked {
    name: String,
    branch_ids: Vec<Uuid>,
    safety_stock: entity::Fixed4,
    allow_backorders: bool,
}

async fn checked<C: ConnectionTrait>(txn: &C, input: ChannelInput) -> Result<Checked, DomainError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required_text(&input.name, MAX_NAME_LEN));
    let safety_stock = errors.check(
        "safety_stock",
        non_negative_fixed4(input.safety_stock.unwrap_or_default()),
    );
    let mut seen = std::collections::HashSet::new();
    let branches_ok = if input.branch_ids.is_empty() || input.branch_ids.len() > MAX_BRANCHES {
        Err(format!("must list 1 to {MAX_BRANCHES} branches"))
    } else if !input.branch_ids.iter().all(|id| seen.insert(*id)) {
        Err("lists a branch twice".to_string())
    } else {
        Ok(())
    };
    errors.check("branch_ids", branches_ok);
    errors.into_result()?;
    let found = branch::Entity::find()
        .filter(branch::Column::Id.is_in(input.branch_ids.iter().copied()))
        .count(txn)
        .await?;
    if found != input.branch_ids.len() as u64 {
        return Err(DomainError::invalid(
            "branch_ids",
            "names a branch that does not exist",
        ));
    }
    let (Some(name), Some(safety_stock)) = (name, safety_stock) else {
        return Err(DomainError::invalid("name", "is required"));
    };
    Ok(Checked {
        name,
        branch_ids: input.branch_ids,
        safety_stock,
        allow_backorders: input.allow_backorders.unwrap_or(false),
    })
}

async fn save_branches<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    branch_ids: &[Uuid],
) -> Result<(), DomainError> {
    channel_branch::Entity::delete_many()
        .filter(channel_branch::Column::ChannelId.eq(channel_id))
        .exec(txn)
        .await?;
    let rows = (0..)
        .zip(branch_ids)
        .map(|(priority, branch_id)| channel_branch::ActiveModel {
            channel_id: Set(channel_id),
            branch_id: Set(*branch_id),
            priority: Set(priority),
        });
    channel_branch::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Makes a channel with generated credentials.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_channel<C: ConnectionTrait>(
    txn: &C,
    input: ChannelInput,
) -> Result<CreatedChannel, DomainError> {
    let checked = checked(txn, input).await?;
    // A stock write at these branches reads the channels selling from them under their locks.
    ledger::lock_branches(txn, &checked.branch_ids).await?;
    let client_secret = secret::generate_secret();
    let now = Utc::now();
    let channel = sales_channel::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(checked.name),
        client_id: Set(secret::generate_client_id(CLIENT_ID_PREFIX)),
        secret_hash: Set(secret::hash_generated_secret(&client_secret)),
        credential_version: Set(0),
        active: Set(true),
        safety_stock: Set(checked.safety_stock),
        allow_backorders: Set(checked.allow_backorders),
        push_subscription_id: Set(None),
        push_schedule: Set(None),
        push_running: Set(false),
        next_push_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    save_branches(txn, channel.id, &checked.branch_ids).await?;
    Ok(CreatedChannel {
        channel: view(txn, channel).await?,
        client_secret,
    })
}

/// Replaces a channel's name, branches, safety stock and backorder rule.
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "info"))]
pub async fn update_channel<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    input: ChannelInput,
) -> Result<Channel, DomainError> {
    let current = find(txn, channel_id).await?;
    let checked = checked(txn, input).await?;
    let mut locked = channel_branches(txn, channel_id).await?;
    locked.extend(&checked.branch_ids);
    ledger::lock_branches(txn, &locked).await?;
    let mut channel = current.into_active_model();
    channel.name = Set(checked.name);
    channel.safety_stock = Set(checked.safety_stock);
    channel.allow_backorders = Set(checked.allow_backorders);
    channel.updated_at = Set(Utc::now());
    let channel = channel.update(txn).await?;
    save_branches(txn, channel_id, &checked.branch_ids).await?;
    touch_channel(txn, channel_id).await?;
    view(txn, channel).await
}

/// Replaces a channel's secret; the old one and every token issued with it stop working.
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "info"))]
pub async fn rotate_channel_secret<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
) -> Result<CreatedChannel, DomainError> {
    let client_secret = secret::generate_secret();
    let mut channel = find(txn, channel_id).await?.into_active_model();
    channel.secret_hash = Set(secret::hash_generated_secret(&client_secret));
    channel.credential_version = Set(channel.credential_version.as_ref() + 1);
    channel.updated_at = Set(Utc::now());
    let channel = channel.update(txn).await?;
    feed::credentials_changed(txn).await?;
    Ok(CreatedChannel {
        channel: view(txn, channel).await?,
        client_secret,
    })
}

/// Deactivates (its tokens are refused at once; its open orders stay) or reactivates a channel.
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "info"))]
pub async fn set_channel_active<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    active: bool,
) -> Result<Channel, DomainError> {
    let current = find(txn, channel_id).await?;
    if current.active == active {
        return view(txn, current).await;
    }
    let mut channel = current.into_active_model();
    channel.active = Set(active);
    channel.credential_version = Set(channel.credential_version.as_ref() + 1);
    channel.updated_at = Set(Utc::now());
    let channel = channel.update(txn).await?;
    feed::credentials_changed(txn).await?;
    view(txn, channel).await
}

pub async fn get_channel<C: ConnectionTrait>(
    conn: &C,
    channel_id: Uuid,
) -> Result<Channel, DomainError> {
    let channel = find(conn, channel_id).await?;
    view(conn, channel).await
}

/// Channels by name.
pub async fn list_channels<C: ConnectionTrait>(
    conn: &C,
    page: PageRequest,
) -> Result<Page<Channel>, DomainError> {
    let select = sales_channel::Entity::find()
        .order_by_asc(sales_channel::Column::Name)
        .order_by_asc(sales_channel::Column::Id);
    let page = fetch_page(conn, select, page).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for channel in page.items {
        items.push(view(conn, channel).await?);
    }
    Ok(Page {
        items,
        total: page.total,
        request: page.request,
    })
}

pub(super) async fn find<C: ConnectionTrait>(
    conn: &C,
    channel_id: Uuid,
) -> Result<sales_channel::Model, DomainError> {
    sales_channel::Entity::find_by_id(channel_id)
        .one(conn)
        .await?
        .ok_or(DomainError::NotFound("sales channel"))
}

pub(super) async fn view<C: ConnectionTrait>(
    conn: &C,
    channel: sales_channel::Model,
) -> Result<Channel, DomainError> {
    let branch_ids = channel_branches(conn, channel.id).await?;
    let mut branches: HashMap<Uuid, branch::Model> = branch::Entity::find()
        .filter(branch::Column::Id.is_in(branch_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let branches = branch_ids
        .iter()
        .filter_map(|id| branches.remove(id))
        .map(|b| ChannelBranch {
            branch_id: b.id,
            branch_code: b.code,
            branch_name: b.name,
        })
        .collect();
    let mapped_items = channel_item::Entity::find()
        .filter(channel_item::Column::ChannelId.eq(channel.id))
        .count(conn)
        .await?;
    let subscription_name = match channel.push_subscription_id {
        Some(id) => subscription::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|s| s.name),
        None => None,
    };
    Ok(Channel {
        id: channel.id,
        name: channel.name,
        client_id: channel.client_id,
        active: channel.active,
        branches,
        safety_stock: from_fixed4(channel.safety_stock),
        allow_backorders: channel.allow_backorders,
        mapped_items,
        push: PushSettings {
            subscription_id: channel.push_subscription_id,
            subscription_name,
            schedule: channel.push_schedule,
            running: channel.push_running,
            next_push_at: channel.next_push_at,
        },
        created_at: channel.created_at,
        updated_at: channel.updated_at,
    })
}
