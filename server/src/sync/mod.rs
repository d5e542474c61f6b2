//! The change feeds terminals pull from. Sequence numbers are taken from a counter row bumped
//! inside the writing transaction, so they are handed out in commit order: a reader that has seen
//! sequence `s` has seen every change below `s` (DESIGN rule 4).

pub mod feed;
pub mod heads;
pub mod master;
pub mod stock;
pub mod watch;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Select};

use crate::error::DomainError;
use heads::Heads;

pub const DEFAULT_LIMIT: u64 = 500;
pub const MAX_LIMIT: u64 = 5_000;

/// One pull from a feed: where it starts and how many changes it takes at most.
#[derive(Clone, Copy, Debug)]
pub struct Pull {
    pub start: Start,
    pub limit: u64,
}

/// Where a pull starts: after a sequence number (0: a full snapshot), or from a date watermark
/// for a terminal that keeps only that.
#[derive(Clone, Copy, Debug)]
pub enum Start {
    After(i64),
    Since(DateTime<Utc>),
}

impl Start {
    /// Whether `heads` can tell a reader starting here that a feed whose known head is `head`
    /// has nothing new, without asking the database.
    fn nothing_new(self, heads: &Heads, head: impl FnOnce() -> i64) -> Option<i64> {
        match self {
            Start::After(cursor) if heads.nothing_new(cursor, head()) => Some(cursor),
            _ => None,
        }
    }

    /// The cursor to read after; `since` finds it for a date watermark in the feed at hand.
    async fn cursor<F>(self, since: impl FnOnce(DateTime<Utc>) -> F) -> Result<i64, DomainError>
    where
        F: Future<Output = Result<i64, DomainError>>,
    {
        match self {
            Start::After(cursor) => Ok(cursor),
            Start::Since(watermark) => since(watermark).await,
        }
    }
}

/// One page of a feed, oldest change first.
#[derive(Debug)]
pub struct FeedPage<T> {
    pub rows: Vec<T>,
    /// Where the next pull starts: the last delivered sequence number, or the cursor when none.
    pub next_cursor: i64,
    pub has_more: bool,
}

impl<T> FeedPage<T> {
    /// Nothing after `cursor`.
    fn empty(cursor: i64) -> Self {
        Self {
            rows: Vec::new(),
            next_cursor: cursor,
            has_more: false,
        }
    }

    fn try_map<U>(
        self,
        f: impl FnMut(T) -> Result<U, DomainError>,
    ) -> Result<FeedPage<U>, DomainError> {
        Ok(FeedPage {
            rows: self.rows.into_iter().map(f).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
            has_more: self.has_more,
        })
    }

    /// Cuts rows read with `limit + 1` down to one page after `cursor`.
    fn after(mut rows: Vec<T>, cursor: i64, limit: u64, seq: impl Fn(&T) -> i64) -> Self {
        let has_more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = rows.last().map_or(cursor, seq);
        Self {
            rows,
            next_cursor,
            has_more,
        }
    }
}

/// How far before a `since=` watermark a feed is re-read: a change stamped just before the
/// watermark may have committed just after it. Re-delivered states are harmless.
const SINCE_MARGIN: Duration = Duration::seconds(60);

/// Where a reader that keeps only a date watermark starts in a feed (`scope`): just before the
/// first change stamped from [`SINCE_MARGIN`] before it, or after everything when none is.
async fn cursor_since<E: EntityTrait>(
    db: &DatabaseConnection,
    scope: Select<E>,
    seq: E::Column,
    stamped: E::Column,
    since: DateTime<Utc>,
) -> Result<i64, DomainError> {
    let first: Option<Option<i64>> = scope
        .clone()
        .select_only()
        .column_as(seq.min(), "first")
        .filter(stamped.gte(since - SINCE_MARGIN))
        .into_tuple()
        .one(db)
        .await?;
    if let Some(Some(first)) = first {
        return Ok(first - 1);
    }
    let last: Option<Option<i64>> = scope
        .select_only()
        .column_as(seq.max(), "last")
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().unwrap_or(0))
}

/// How far a reader at a cursor is behind a feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedLag {
    /// The newest sequence number the reader can see.
    pub head: i64,
    /// Changes after the cursor (a pull would deliver these).
    pub unseen: u64,
    /// When the oldest of them was made.
    pub oldest_unseen_at: Option<DateTime<Utc>>,
}

/// The newest sequence number of a feed (`scope`), 0 when it is empty.
async fn head_of<E: EntityTrait>(
    db: &DatabaseConnection,
    scope: Select<E>,
    seq: E::Column,
) -> Result<i64, DomainError> {
    let head: Option<Option<i64>> = scope
        .select_only()
        .column_as(seq.max(), "head")
        .into_tuple()
        .one(db)
        .await?;
    Ok(head.flatten().unwrap_or(0))
}

/// How far a reader at `cursor` (none: it never said) is behind a feed (`scope`).
async fn lag_of<E: EntityTrait>(
    db: &DatabaseConnection,
    scope: Select<E>,
    seq: E::Column,
    stamped: E::Column,
    cursor: Option<i64>,
) -> Result<FeedLag, DomainError> {
    let head = head_of(db, scope.clone(), seq).await?;
    let cursor = cursor.unwrap_or(0);
    if cursor >= head {
        return Ok(FeedLag {
            head,
            unseen: 0,
            oldest_unseen_at: None,
        });
    }
    let unseen: Option<(i64, Option<DateTime<Utc>>)> = scope
        .select_only()
        .column_as(seq.count(), "unseen")
        .column_as(stamped.min(), "oldest")
        .filter(seq.gt(cursor))
        .into_tuple()
        .one(db)
        .await?;
    let (unseen, oldest_unseen_at) = unseen.unwrap_or((0, None));
    Ok(FeedLag {
        head,
        unseen: u64::try_from(unseen).unwrap_or(0),
        oldest_unseen_at,
    })
}
