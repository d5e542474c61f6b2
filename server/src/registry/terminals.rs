use chrono::{DateTime, Utc};
use entity::terminal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::find_branch;
use crate::{
    auth::secret,
    error::{Conflict, DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed,
    validation::{optional_text, required_text},
};

const MAX_NAME_LEN: usize = 200;
const MAX_DEVICE_ID_LEN: usize = 200;
const MAX_AGENT_VERSION_LEN: usize = 64;
const CLIENT_ID_PREFIX: &str = "trm";
/// The oldest a queued sale can be said to be.
pub const MAX_QUEUED_AGE_SECS: i64 = 100 * 365 * 24 * 3600;

#[derive(Debug)]
pub struct NewTerminal {
    pub name: String,
    /// The device the terminal runs on; when set, heartbeats from another device are refused.
    pub device_id: Option<String>,
}

/// A terminal with its client secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalCredentials {
    pub terminal: Terminal,
    /// OAuth2 client id of the terminal.
    pub client_id: String,
    pub client_secret: String,
}

impl TerminalCredentials {
    fn new(terminal: terminal::Model, client_secret: String) -> Self {
        Self {
            client_id: terminal.client_id.clone(),
            client_secret,
            terminal: terminal.into(),
        }
    }
}

/// What a terminal reports about itself on each heartbeat.
#[derive(Debug)]
pub struct Heartbeat {
    pub device_id: Option<String>,
    pub agent_version: Option<String>,
    pub queued_backlog: Option<i64>,
    /// The `next_cursor` the terminal keeps for each feed.
    pub master_cursor: Option<i64>,
    pub stock_cursor: Option<i64>,
    /// The terminal's clock when it sent the heartbeat.
    pub clock: Option<DateTime<Utc>>,
    /// How old the oldest queued sale is, in seconds; none when nothing is queued.
    pub oldest_queued_age_secs: Option<i64>,
    /// Files of sales the hub rejected, kept on the terminal.
    pub rejected_files: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Terminal {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub name: String,
    /// OAuth2 client id of the terminal.
    pub client_id: String,
    pub device_id: Option<String>,
    pub agent_version: Option<String>,
    /// Transactions the terminal reported as waiting to be sent, at its last heartbeat.
    pub queued_backlog: Option<i32>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<terminal::Model> for Terminal {
    fn from(t: terminal::Model) -> Self {
        Self {
            id: t.id,
            branch_id: t.branch_id,
            name: t.name,
            client_id: t.client_id,
            device_id: t.device_id,
            agent_version: t.agent_version,
            queued_backlog: t.queued_backlog,
            last_seen_at: t.last_seen_at,
            active: t.active,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Registers a terminal under an active branch and gives it client credentials.
#[tracing::instrument(skip_all, fields(branch_id = %branch_id), err(level = "info"))]
pub async fn register_terminal<C: ConnectionTrait>(
    db: &C,
    branch_id: Uuid,
    new: NewTerminal,
) -> Result<TerminalCredentials, DomainError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required_text(&new.name, MAX_NAME_LEN));
    let device_id = errors.check(
        "device_id",
        optional_text(new.device_id.as_deref(), MAX_DEVICE_ID_LEN),
    );
    let (Some(name), Some(device_id)) = (name, device_id) else {
        return Err(errors.into_error());
    };
    let branch = find_branch(db, branch_id).await?;
    if !branch.active {
        return Err(DomainError::conflict(
            Conflict::BranchDeactivated,
            format!(
                "branch {} is deactivated; reactivate it before registering terminals",
                branch.code
            ),
        ));
    }
    let client_secret = secret::generate_secret();
    let now = Utc::now();
    let terminal = terminal::ActiveModel {
        id: Set(Uuid::now_v7()),
        branch_id: Set(branch.id),
        client_id: Set(secret::generate_client_id(CLIENT_ID_PREFIX)),
        secret_hash: Set(secret::hash_generated_secret(&client_secret)),
        name: Set(name),
        device_id: Set(device_id),
        agent_version: Set(None),
        queued_backlog: Set(None),
        last_seen_at: Set(None),
        master_cursor: Set(None),
        stock_cursor: Set(None),
        clock_skew_ms: Set(None),
        oldest_queued_at: Set(None),
        rejected_count: Set(None),
        active: Set(true),
        credential_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(TerminalCredentials::new(terminal, client_secret))
}

pub async fn get_terminal<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Terminal, DomainError> {
    find_terminal(db, id).await.map(Terminal::from)
}

async fn find_terminal<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<terminal::Model, DomainError> {
    terminal::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("terminal"))
}

/// The terminals of a branch, ordered by name.
pub async fn list_terminals(
    db: &DatabaseConnection,
    branch_id: Uuid,
    page: PageRequest,
) -> Result<Page<Terminal>, DomainError> {
    find_branch(db, branch_id).await?;
    let select = terminal::Entity::find()
        .filter(terminal::Column::BranchId.eq(branch_id))
        .order_by_asc(terminal::Column::Name)
        .order_by_asc(terminal::Column::Id);
    Ok(fetch_page(db, select, page).await?.map(Terminal::from))
}

/// Replaces a terminal's secret; the old one stops working for new tokens at once.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn rotate_terminal_secret<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<TerminalCredentials, DomainError> {
    let client_secret = secret::generate_secret();
    let mut terminal = find_terminal(db, id).await?.into_active_model();
    terminal.secret_hash = Set(secret::hash_generated_secret(&client_secret));
    terminal.credential_version = Set(terminal.credential_version.as_ref() + 1);
    terminal.updated_at = Set(Utc::now());
    let terminal = terminal.update(db).await?;
    feed::credentials_changed(db).await?;
    Ok(TerminalCredentials::new(terminal, client_secret))
}

/// Deactivates or reactivates a terminal; a deactivated terminal's tokens are refused at once.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn set_terminal_active<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    active: bool,
) -> Result<Terminal, DomainError> {
    let current = find_terminal(db, id).await?;
    if current.active == active {
        // Nothing changes: its tokens stay good.
        return Ok(current.into());
    }
    let mut terminal = current.into_active_model();
    terminal.active = Set(active);
    // Reactivation must not bring back tokens issued before the deactivation.
    terminal.credential_version = Set(terminal.credential_version.as_ref() + 1);
    terminal.updated_at = Set(Utc::now());
    let terminal = terminal.update(db).await?;
    feed::credentials_changed(db).await?;
    Ok(terminal.into())
}

/// Forgets the device a terminal is bound to; the next heartbeat binds it to the device it names.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn reset_terminal_device<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Terminal, DomainError> {
    let mut terminal = find_terminal(db, id).await?.into_active_model();
    terminal.device_id = Set(None);
    terminal.updated_at = Set(Utc::now());
    Ok(terminal.update(db).await?.into())
}

/// Records that a terminal is alive, with what it reports about itself.
#[tracing::instrument(skip_all, fields(terminal_id = %terminal_id), err(level = "info"))]
pub async fn record_heartbeat(
    db: &DatabaseConnection,
    terminal_id: Uuid,
    heartbeat: Heartbeat,
) -> Result<Terminal, DomainError> {
    let mut errors = FieldErrors::default();
    let device_id = errors.check(
        "device_id",
        optional_text(heartbeat.device_id.as_deref(), MAX_DEVICE_ID_LEN),
    );
    let agent_version = errors.check(
        "agent_version",
        optional_text(heartbeat.agent_version.as_deref(), MAX_AGENT_VERSION_LEN),
    );
    let count = |value: Option<i64>| -> Result<Option<i32>, String> {
        value
            .map(i32::try_from)
            .transpose()
            .ok()
            .filter(|n| n.is_none_or(|n| n >= 0))
            .ok_or_else(|| "must be between 0 and 2147483647".to_string())
    };
    let not_negative = |value: Option<i64>| match value {
        Some(n) if n < 0 => Err("must not be negative".to_string()),
        other => Ok(other),
    };
    let queued_backlog = errors.check("queued_backlog", count(heartbeat.queued_backlog));
    let rejected_count = errors.check("rejected_files", count(heartbeat.rejected_files));
    let master_cursor = errors.check("master_cursor", not_negative(heartbeat.master_cursor));
    let stock_cursor = errors.check("stock_cursor", not_negative(heartbeat.stock_cursor));
    let now = Utc::now();
    let oldest_queued_at = errors.check(
        "oldest_queued_age_secs",
        match heartbeat.oldest_queued_age_secs {
            Some(secs) if !(0..=MAX_QUEUED_AGE_SECS).contains(&secs) => Err(format!(
                "must be between 0 and {MAX_QUEUED_AGE_SECS} (a hundred years)"
            )),
            age => Ok(age.map(|secs| now - chrono::TimeDelta::seconds(secs))),
        },
    );
    let (
        Some(device_id),
        Some(agent_version),
        Some(queued_backlog),
        Some(rejected_count),
        Some(master_cursor),
        Some(stock_cursor),
        Some(oldest_queued_at),
    ) = (
        device_id,
        agent_version,
        queued_backlog,
        rejected_count,
        master_cursor,
        stock_cursor,
        oldest_queued_at,
    )
    else {
        return Err(errors.into_error());
    };

    let current = find_terminal(db, terminal_id).await?;
    if let (Some(registered), Some(reported)) = (&current.device_id, &device_id)
        && registered != reported
    {
        return Err(DomainError::conflict(
            Conflict::DeviceMismatch,
            format!(
                "this terminal is registered to device {registered}, not {reported}; if the \
             terminal has moved to a new device, an admin clears the binding with \
             POST /api/v1/terminals/{terminal_id}/reset-device and the next heartbeat binds anew"
            ),
        ));
    }
    let mut terminal = current.into_active_model();
    if device_id.is_some() {
        terminal.device_id = Set(device_id);
    }
    if agent_version.is_some() {
        terminal.agent_version = Set(agent_version);
    }
    if queued_backlog.is_some() {
        terminal.queued_backlog = Set(queued_backlog);
        // What is queued now says how old its oldest sale is; nothing queued, nothing old.
        terminal.oldest_queued_at = Set(oldest_queued_at.filter(|_| queued_backlog > Some(0)));
    }
    if rejected_count.is_some() {
        terminal.rejected_count = Set(rejected_count);
    }
    if master_cursor.is_some() {
        terminal.master_cursor = Set(master_cursor);
    }
    if stock_cursor.is_some() {
        terminal.stock_cursor = Set(stock_cursor);
    }
    if let Some(clock) = heartbeat.clock {
        terminal.clock_skew_ms = Set(Some((now - clock).num_milliseconds()));
    }
    terminal.last_seen_at = Set(Some(now));
    Ok(terminal.update(db).await?.into())
}
