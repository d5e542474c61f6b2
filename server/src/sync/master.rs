//! Reading the master-data feed as one branch's terminal sees it.

use chrono::{DateTime, Utc};
use entity::master_change;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{FeedLag, FeedPage, Pull, feed::ALL_BRANCHES, heads::Heads};
use crate::error::DomainError;

/// One changed object.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    pub seq: i64,
    /// `category`, `item`, `item_group`, `staff_user`, `customer`, `payment_method` or `setting`.
    pub kind: String,
    /// The object's id (the key, for settings).
    pub id: String,
    /// `upsert` or `delete`.
    pub op: String,
    /// The object as this branch should store it; absent for a delete.
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Box<RawValue>>,
}

impl TryFrom<FeedRow> for Change {
    type Error = DomainError;

    fn try_from((seq, kind, id, op, payload): FeedRow) -> Result<Self, DomainError> {
        let data = payload
            .map(RawValue::from_string)
            .transpose()
            .map_err(|e| DomainError::internal("a stored change's payload is not JSON", e))?;
        Ok(Change {
            seq,
            kind,
            id,
            op,
            data,
        })
    }
}

impl TryFrom<master_change::Model> for Change {
    type Error = DomainError;

    fn try_from(change: master_change::Model) -> Result<Self, DomainError> {
        Change::try_from((
            change.seq,
            change.kind,
            change.object_id,
            change.op,
            change.payload,
        ))
    }
}

/// What a pull reads of a feed row: sequence number, kind, object id, op and payload (not the
/// audience and time it does not send, which would cost a decode a row).
type FeedRow = (i64, String, String, String, Option<String>);

/// Master data that changed for `branch_id`'s terminals, oldest first; several changes of one
/// object arrive as its latest state once.
pub async fn pull(
    db: &DatabaseConnection,
    heads: &Heads,
    branch_id: Uuid,
    pull: Pull,
) -> Result<FeedPage<Change>, DomainError> {
    if let Some(cursor) = pull.start.nothing_new(heads, || heads.master(branch_id)) {
        return Ok(FeedPage::empty(cursor));
    }
    let cursor = pull.start.cursor(|since| cursor_since(db, since)).await?;
    changes_after(db, branch_id, cursor, pull.limit)
        .await?
        .try_map(Change::try_from)
}

/// Where to start reading for a terminal that only keeps a date watermark.
async fn cursor_since(db: &DatabaseConnection, since: DateTime<Utc>) -> Result<i64, DomainError> {
    let feed = master_change::Entity::find();
    super::cursor_since(
        db,
        feed,
        master_change::Column::Seq,
        master_change::Column::ChangedAt,
        since,
    )
    .await
}

/// The master feed as `branch_id`'s terminals see it.
fn visible_to(branch_id: Uuid) -> sea_orm::Select<master_change::Entity> {
    master_change::Entity::find().filter(
        master_change::Column::Audience.is_in([ALL_BRANCHES.to_string(), branch_id.to_string()]),
    )
}

/// The newest change `branch_id`'s terminals can see.
pub async fn head(db: &DatabaseConnection, branch_id: Uuid) -> Result<i64, DomainError> {
    super::head_of(db, visible_to(branch_id), master_change::Column::Seq).await
}

/// How far a terminal of `branch_id` at `cursor` is behind the master feed.
pub async fn lag(
    db: &DatabaseConnection,
    branch_id: Uuid,
    cursor: Option<i64>,
) -> Result<FeedLag, DomainError> {
    super::lag_of(
        db,
        visible_to(branch_id),
        master_change::Column::Seq,
        master_change::Column::ChangedAt,
        cursor,
    )
    .await
}

/// The changes visible to `branch_id` after `cursor`, at most `limit` of them.
async fn changes_after(
    db: &DatabaseConnection,
    branch_id: Uuid,
    cursor: i64,
    limit: u64,
) -> Result<FeedPage<FeedRow>, DomainError> {
    let changes: Vec<FeedRow> = visible_to(branch_id)
        .select_only()
        .columns([
            master_change::Column::Seq,
            master_change::Column::Kind,
            master_change::Column::ObjectId,
            master_change::Column::Op,
            master_change::Column::Payload,
        ])
        .filter(master_change::Column::Seq.gt(cursor))
        .order_by_asc(master_change::Column::Seq)
        .limit(limit + 1)
        .into_tuple()
        .all(db)
        .await?;
    Ok(FeedPage::after(changes, cursor, limit, |change| change.0))
}

/// A terminal's date watermark: RFC 3339, or the seed's `1990-01-01T 00:00:00.0000Z` form.
pub fn parse_since(value: &str) -> Result<DateTime<Utc>, String> {
    let normalized = value.replacen("T ", "T", 1);
    DateTime::parse_from_rfc3339(&normalized)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| {
            "must be a UTC date-time such as 2026-01-31T08:00:00Z or 1990-01-01T 00:00:00.0000Z"
                .into()
        })
}

/// One page of the objects of a kind as a branch's terminals hold them now.
#[derive(Debug)]
pub struct ObjectsPage {
    /// Id and state of each object, in id order.
    pub objects: Vec<(String, Box<RawValue>)>,
    /// The id to read after for the next page; none at the end.
    pub next: Option<String>,
}

/// The objects of `kind` that `branch_id`'s terminals hold now (the branch's own view of an
/// object overrides the all-branches one; a branch tombstone hides it), after the id `after`,
/// at most `limit` of them.
pub async fn current_objects(
    db: &DatabaseConnection,
    branch_id: Uuid,
    kind: &str,
    after: Option<&str>,
    limit: u64,
) -> Result<ObjectsPage, DomainError> {
    let mut select = visible_to(branch_id).filter(master_change::Column::Kind.eq(kind));
    if let Some(after) = after {
        select = select.filter(master_change::Column::ObjectId.gt(after));
    }
    // An object has at most two rows here: 2 × limit + 1 rows hold `limit` whole objects and
    // tell whether more follow.
    let rows = select
        .order_by_asc(master_change::Column::ObjectId)
        .limit(2 * limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > 2 * limit;
    let mut views: Vec<(String, Option<master_change::Model>)> = Vec::new();
    for row in rows {
        match views.last_mut() {
            Some((id, view)) if *id == row.object_id => {
                // The branch's own view wins over the all-branches one.
                if row.audience != ALL_BRANCHES {
                    *view = Some(row);
                }
            }
            _ => views.push((row.object_id.clone(), Some(row))),
        }
    }
    if more {
        // The last object's rows may be cut off.
        views.pop();
    }
    views.truncate(limit as usize);
    let next = more
        .then(|| views.last().map(|(id, _)| id.clone()))
        .flatten();
    let mut objects = Vec::with_capacity(views.len());
    for (id, view) in views {
        if let Some(Change {
            data: Some(data), ..
        }) = view.map(Change::try_from).transpose()?
        {
            objects.push((id, data));
        }
    }
    Ok(ObjectsPage { objects, next })
}
