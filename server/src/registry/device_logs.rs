//! Terminals' log lines, for support: uploaded in bounded batches, at most so many a day per
//! terminal, kept for a retention period by the time they were logged (the oldest go first),
//! and read by admins by terminal, branch, level and time.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};
pub use entity::device_log::LogLevel;
use entity::{branch, device_log, terminal};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    db,
    error::{DomainError, FieldErrors},
    inventory::ledger::insert_chunked,
    pagination::{Page, PageRequest, fetch_page},
    validation::required_text,
};

/// Lines per upload.
pub const MAX_LINES_PER_UPLOAD: usize = 500;
const MAX_MESSAGE_CHARS: usize = 4000;
const MAX_COMPONENT_CHARS: usize = 100;
/// How far ahead of the hub's clock a line's time may be.
const CLOCK_AHEAD: chrono::Duration = chrono::Duration::days(1);

/// How a terminal's log lines are kept.
#[derive(Clone, Copy, Debug)]
pub struct LogLimits {
    pub retention: chrono::Duration,
    pub lines_per_day: u64,
}

#[derive(Clone, Debug)]
pub struct LogLineInput {
    pub level: LogLevel,
    pub at: DateTime<Utc>,
    pub component: String,
    pub message: String,
}

/// What an upload kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct Uploaded {
    pub accepted: u64,
    /// Lines older than the retention period: not kept.
    pub expired: u64,
}

/// A log line as admins read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogLine {
    pub id: i64,
    pub terminal_id: Uuid,
    pub terminal_name: String,
    pub branch_id: Uuid,
    pub branch_name: String,
    pub level: LogLevel,
    pub at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub component: String,
    pub message: String,
}

/// Which lines to read; all optional.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    pub terminal_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    /// This level and the more serious ones.
    pub level: Option<LogLevel>,
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
}

/// Stores a terminal's lines and drops its lines past the retention.
#[tracing::instrument(skip_all, fields(terminal_id = %terminal_id), err(level = "info"))]
pub async fn upload_logs(
    db: &DatabaseConnection,
    limits: LogLimits,
    terminal_id: Uuid,
    branch_id: Uuid,
    lines: Vec<LogLineInput>,
) -> Result<Uploaded, DomainError> {
    let now = Utc::now();
    let mut errors = FieldErrors::default();
    if lines.is_empty() || lines.len() > MAX_LINES_PER_UPLOAD {
        errors.check::<()>(
            "lines",
            Err(format!("must hold 1 to {MAX_LINES_PER_UPLOAD} lines")),
        );
    }
    let mut rows = Vec::with_capacity(lines.len());
    let keep_from = now - limits.retention;
    let mut expired = 0;
    for (i, line) in lines.into_iter().enumerate() {
        let component = errors.check(
            &format!("lines[{i}].component"),
            required_text(&line.component, MAX_COMPONENT_CHARS),
        );
        let message = errors.check(
            &format!("lines[{i}].message"),
            required_text(&line.message, MAX_MESSAGE_CHARS),
        );
        let at = errors.check(
            &format!("lines[{i}].at"),
            (line.at <= now + CLOCK_AHEAD)
                .then_some(line.at)
                .ok_or_else(|| "is more than a day ahead of the hub's clock".to_string()),
        );
        let (Some(component), Some(message), Some(at)) = (component, message, at) else {
            continue;
        };
        if at < keep_from {
            expired += 1;
            continue;
        }
        rows.push(device_log::ActiveModel {
            terminal_id: Set(terminal_id),
            branch_id: Set(branch_id),
            level: Set(line.level),
            logged_at: Set(at),
            received_at: Set(now),
            component: Set(component),
            message: Set(message),
            ..Default::default()
        });
    }
    errors.into_result()?;
    let txn = db::begin_write(db).await?;
    // One upload of a terminal at a time, so two cannot both pass the day's limit.
    terminal::Entity::update_many()
        .col_expr(terminal::Column::Id, Expr::col(terminal::Column::Id))
        .filter(terminal::Column::Id.eq(terminal_id))
        .exec(&txn)
        .await?;
    let sent_today = device_log::Entity::find()
        .filter(device_log::Column::TerminalId.eq(terminal_id))
        .filter(device_log::Column::ReceivedAt.gt(now - chrono::Duration::days(1)))
        .count(&txn)
        .await?;
    let accepted = rows.len() as u64;
    if sent_today + accepted > limits.lines_per_day {
        return Err(DomainError::invalid(
            "lines",
            format!(
                "a terminal may upload {} lines in 24 hours; this one has uploaded {sent_today}",
                limits.lines_per_day
            ),
        ));
    }
    insert_chunked(&txn, rows).await?;
    device_log::Entity::delete_many()
        .filter(device_log::Column::TerminalId.eq(terminal_id))
        .filter(device_log::Column::LoggedAt.lt(keep_from))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Uploaded { accepted, expired })
}

/// Log lines, newest first.
pub async fn list_logs<C: ConnectionTrait>(
    db: &C,
    filter: LogFilter,
    page: PageRequest,
) -> Result<Page<LogLine>, DomainError> {
    use device_log::Column;
    let mut select = device_log::Entity::find()
        .order_by_desc(Column::LoggedAt)
        .order_by_desc(Column::Id);
    if let Some(terminal_id) = filter.terminal_id {
        select = select.filter(Column::TerminalId.eq(terminal_id));
    }
    if let Some(branch_id) = filter.branch_id {
        select = select.filter(Column::BranchId.eq(branch_id));
    }
    if let Some(least) = filter.level {
        let levels = [
            LogLevel::Debug,
            LogLevel::Info,
            LogLevel::Warn,
            LogLevel::Error,
        ];
        select = select.filter(Column::Level.is_in(levels.into_iter().filter(|l| *l >= least)));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::LoggedAt.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::LoggedAt.lt(to));
    }
    let page = fetch_page(db, select, page).await?;
    let terminals: HashMap<Uuid, String> = terminal::Entity::find()
        .filter(terminal::Column::Id.is_in(page.items.iter().map(|l| l.terminal_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let branches: HashMap<Uuid, String> = branch::Entity::find()
        .filter(branch::Column::Id.is_in(page.items.iter().map(|l| l.branch_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    Ok(page.map(|line| LogLine {
        id: line.id,
        terminal_id: line.terminal_id,
        terminal_name: terminals
            .get(&line.terminal_id)
            .cloned()
            .unwrap_or_default(),
        branch_id: line.branch_id,
        branch_name: branches.get(&line.branch_id).cloned().unwrap_or_default(),
        level: line.level,
        at: line.logged_at,
        received_at: line.received_at,
        component: line.component,
        message: line.message,
    }))
}

/// Drops every terminal's lines past the retention (terminals that stopped uploading too), every
/// `interval` for as long as the hub runs.
pub async fn keep_pruning_logs(db: DatabaseConnection, limits: LogLimits, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let pruned = device_log::Entity::delete_many()
            .filter(device_log::Column::LoggedAt.lt(Utc::now() - limits.retention))
            .exec(&db)
            .await;
        if let Err(err) = pruned {
            tracing::warn!(error = %err, "cannot prune terminals' log lines");
        }
    }
}
