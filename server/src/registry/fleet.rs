//! The fleet view: every terminal across branches, with what its heartbeats say about its health
//! (how far behind each feed it is, its queue, rejected files, clock skew), filtered for the
//! ones that need someone's attention.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{branch, terminal};
use futures_util::{StreamExt, TryStreamExt, stream};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait as _},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
    sync::{self, FeedLag},
};

/// Which terminals to list; absent filters take every terminal.
#[derive(Clone, Debug, Default)]
pub struct FleetFilter {
    pub branch_id: Option<Uuid>,
    /// Not seen for at least this long (or never).
    pub stale_for: Option<Duration>,
    /// Behind a feed's head (`true`), or up to date with both (`false`).
    pub behind: Option<bool>,
    /// At least this many transactions queued.
    pub backlog_min: Option<i32>,
    /// With rejected files (`true`), or none (`false`).
    pub rejected: Option<bool>,
    /// Deactivated (`true`) or active (`false`).
    pub inactive: Option<bool>,
}

/// How far a terminal is behind one feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lag {
    /// The cursor the terminal last reported; none when it never did.
    pub cursor: Option<i64>,
    /// The newest change the terminal's branch can see.
    pub head: i64,
    /// Changes after the cursor, which its next pull would deliver.
    pub changes: u64,
    /// Seconds since the oldest of them was made; 0 when up to date.
    pub seconds: i64,
}

impl Lag {
    fn new(cursor: Option<i64>, lag: FeedLag, now: DateTime<Utc>) -> Self {
        Self {
            cursor,
            head: lag.head,
            changes: lag.unseen,
            seconds: lag.oldest_unseen_at.map_or(0, |at| seconds_since(at, now)),
        }
    }
}

/// A terminal and its health.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalHealth {
    pub id: Uuid,
    pub name: String,
    pub client_id: String,
    pub branch_id: Uuid,
    pub branch_code: String,
    pub branch_name: String,
    pub active: bool,
    pub device_id: Option<String>,
    pub agent_version: Option<String>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Seconds since the last heartbeat; none when the terminal was never seen.
    pub seen_ago_secs: Option<i64>,
    pub master: Lag,
    pub stock: Lag,
    /// Transactions queued on the terminal at its last heartbeat.
    pub queued_backlog: Option<i32>,
    /// Age, now, of the oldest of them.
    pub backlog_age_secs: Option<i64>,
    /// Files of transactions the hub rejected, kept on the terminal.
    pub rejected_count: Option<i32>,
    /// The hub's clock minus the terminal's at the last heartbeat (positive: the terminal is
    /// behind).
    pub clock_skew_ms: Option<i64>,
    /// Behind the master or the stock feed.
    pub behind: bool,
}

/// Every terminal the filter takes: never-seen and longest-unseen first.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn list_fleet(
    db: &DatabaseConnection,
    filter: FleetFilter,
    page: PageRequest,
) -> Result<Page<TerminalHealth>, DomainError> {
    let now = Utc::now();
    let mut select = terminal::Entity::find()
        .order_by(
            Expr::col(terminal::Column::LastSeenAt).is_null(),
            Order::Desc,
        )
        .order_by_asc(terminal::Column::LastSeenAt)
        .order_by_asc(terminal::Column::Name)
        .order_by_asc(terminal::Column::Id);
    if let Some(branch_id) = filter.branch_id {
        select = select.filter(terminal::Column::BranchId.eq(branch_id));
    }
    if let Some(stale_for) = filter.stale_for {
        let mut stale = Condition::any().add(terminal::Column::LastSeenAt.is_null());
        // A cutoff before the epoch is older than any heartbeat: only the never-seen are stale
        // (and such an instant is not one every database can store).
        if let Some(cutoff) = now
            .checked_sub_signed(stale_for)
            .filter(|cutoff| *cutoff >= DateTime::UNIX_EPOCH)
        {
            stale = stale.add(terminal::Column::LastSeenAt.lte(cutoff));
        }
        select = select.filter(stale);
    }
    if let Some(least) = filter.backlog_min {
        select = select.filter(terminal::Column::QueuedBacklog.gte(least));
    }
    if let Some(rejected) = filter.rejected {
        select = select.filter(if rejected {
            Condition::all().add(terminal::Column::RejectedCount.gt(0))
        } else {
            Condition::any()
                .add(terminal::Column::RejectedCount.is_null())
                .add(terminal::Column::RejectedCount.eq(0))
        });
    }
    if let Some(inactive) = filter.inactive {
        select = select.filter(terminal::Column::Active.eq(!inactive));
    }
    let branches = branches(db, filter.branch_id).await?;
    // The feeds' heads are read only to filter by them (each listed terminal's lag is read below).
    if let Some(behind) = filter.behind {
        match (behind, behind_condition(&heads(db, &branches).await?)) {
            (true, Some(condition)) => select = select.filter(condition),
            (false, Some(condition)) => select = select.filter(condition.not()),
            // No feed has a change: no terminal is behind.
            (true, None) => return Ok(Page::of_all(Vec::new(), page)),
            (false, None) => {}
        }
    }
    let found = fetch_page(db, select, page).await?;
    let lags = lags(db, &found.items).await?;

    let mut items = Vec::with_capacity(found.items.len());
    for terminal in found.items {
        let Some(branch) = branches.get(&terminal.branch_id) else {
            return Err(DomainError::NotFound("branch"));
        };
        let lag = |feed, cursor| {
            lags.get(&(feed, terminal.branch_id, cursor))
                .copied()
                .ok_or_else(|| DomainError::internal("a terminal's lag", "was not read"))
        };
        let master = lag(Feed::Master, terminal.master_cursor)?;
        let stock = lag(Feed::Stock, terminal.stock_cursor)?;
        items.push(TerminalHealth {
            behind: master.unseen > 0 || stock.unseen > 0,
            id: terminal.id,
            name: terminal.name,
            client_id: terminal.client_id,
            branch_id: terminal.branch_id,
            branch_code: branch.code.clone(),
            branch_name: branch.name.clone(),
            active: terminal.active,
            device_id: terminal.device_id,
            agent_version: terminal.agent_version,
            last_seen_at: terminal.last_seen_at,
            seen_ago_secs: terminal.last_seen_at.map(|at| (now - at).num_seconds()),
            master: Lag::new(terminal.master_cursor, master, now),
            stock: Lag::new(terminal.stock_cursor, stock, now),
            queued_backlog: terminal.queued_backlog,
            backlog_age_secs: terminal.oldest_queued_at.map(|at| seconds_since(at, now)),
            rejected_count: terminal.rejected_count,
            clock_skew_ms: terminal.clock_skew_ms,
        });
    }
    Ok(Page {
        items,
        total: found.total,
        request: found.request,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Feed {
    Master,
    Stock,
}

/// Lags read at the same time: enough to use the database's cores, few enough to leave the pool
/// to the terminals.
const LAG_READS_AT_ONCE: usize = 4;

/// How far behind each feed the terminals are, read once per branch and cursor (terminals of a
/// branch often stand at the same place) and concurrently: a lag far behind a large feed is a
/// count over it.
async fn lags(
    db: &DatabaseConnection,
    terminals: &[terminal::Model],
) -> Result<HashMap<(Feed, Uuid, Option<i64>), FeedLag>, DomainError> {
    let mut wanted: Vec<(Feed, Uuid, Option<i64>)> = terminals
        .iter()
        .flat_map(|t| {
            [
                (Feed::Master, t.branch_id, t.master_cursor),
                (Feed::Stock, t.branch_id, t.stock_cursor),
            ]
        })
        .collect();
    wanted.sort_by_key(|(feed, branch, cursor)| (*feed as u8, *branch, *cursor));
    wanted.dedup();
    let read = wanted.iter().map(|&(feed, branch_id, cursor)| async move {
        match feed {
            Feed::Master => sync::master::lag(db, branch_id, cursor).await,
            Feed::Stock => sync::stock::lag(db, branch_id, cursor).await,
        }
    });
    let found: Vec<FeedLag> = stream::iter(read)
        .buffered(LAG_READS_AT_ONCE)
        .try_collect()
        .await?;
    Ok(wanted.into_iter().zip(found).collect())
}

/// Whole seconds from `at` to `now`, never negative.
fn seconds_since(at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    std::cmp::max((now - at).num_seconds(), 0)
}

/// The branches of the listed terminals, by id.
async fn branches(
    db: &DatabaseConnection,
    only: Option<Uuid>,
) -> Result<HashMap<Uuid, branch::Model>, DomainError> {
    let mut select = branch::Entity::find();
    if let Some(id) = only {
        select = select.filter(branch::Column::Id.eq(id));
    }
    Ok(select
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect())
}

/// The head of each branch's master and stock feeds.
async fn heads(
    db: &DatabaseConnection,
    branches: &HashMap<Uuid, branch::Model>,
) -> Result<Vec<(Uuid, i64, i64)>, DomainError> {
    let mut heads = Vec::with_capacity(branches.len());
    for id in branches.keys() {
        let master = sync::master::head(db, *id).await?;
        let stock = sync::stock::head(db, *id).await?;
        heads.push((*id, master, stock));
    }
    Ok(heads)
}

/// A terminal behind its branch's master or stock head (a cursor never reported is behind a
/// feed that has changes); none when no feed has a change.
fn behind_condition(heads: &[(Uuid, i64, i64)]) -> Option<Condition> {
    let behind = |cursor: terminal::Column, head: i64| {
        (head > 0).then(|| Condition::any().add(cursor.is_null()).add(cursor.lt(head)))
    };
    let per_branch: Vec<Condition> = heads
        .iter()
        .filter_map(|(branch_id, master, stock)| {
            let feeds: Vec<Condition> = [
                behind(terminal::Column::MasterCursor, *master),
                behind(terminal::Column::StockCursor, *stock),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!feeds.is_empty()).then(|| {
                let any_feed = feeds.into_iter().fold(Condition::any(), Condition::add);
                Condition::all()
                    .add(terminal::Column::BranchId.eq(*branch_id))
                    .add(any_feed)
            })
        })
        .collect();
    (!per_branch.is_empty()).then(|| {
        per_branch
            .into_iter()
            .fold(Condition::any(), Condition::add)
    })
}
