//! Publishing master-data changes.

use std::collections::HashMap;

use chrono::Utc;
use entity::{master_change, sequence_counter};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Statement,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::heads;

/// The stream of master-data changes (one for all branches: admin edits are rare).
pub const MASTER_STREAM: &str = "master";
/// The audience of a view every branch sees.
pub const ALL_BRANCHES: &str = "*";

/// Makes `txn` a master-data write: takes the master stream's counter lock before anything is
/// read, so master-data writers run one after another and each reads what the previous one
/// committed. The first statement of every master-data write.
///
/// On PostgreSQL the write's statements are also planned for their parameters. A prepared
/// statement otherwise switches to a generic plan after five runs, made with the table sizes of
/// that moment; an import grows the catalogue from nothing within seconds, before any `ANALYZE`,
/// and kept sequential scans of tables it had made large (100,000 items: 8 s became 40 s).
/// Everywhere else generic plans are kept: planning every statement of a sale cost a fifth of
/// the ingest rate.
pub async fn lock_master<C: ConnectionTrait>(txn: &C) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await?;
    }
    if !lock_stream(txn, MASTER_STREAM).await? {
        return Err(DbErr::RecordNotFound(format!(
            "sequence stream {MASTER_STREAM}"
        )));
    }
    Ok(())
}

/// Locks a stream's counter row until the transaction ends, without taking numbers: writers of
/// the stream then run one after another. False when the stream has no row yet.
pub async fn lock_stream<C: ConnectionTrait>(txn: &C, stream: &str) -> Result<bool, DbErr> {
    let locked = sequence_counter::Entity::update_many()
        .col_expr(
            sequence_counter::Column::Value,
            Expr::col(sequence_counter::Column::Value),
        )
        .filter(sequence_counter::Column::Stream.eq(stream))
        .exec(txn)
        .await?;
    Ok(locked.rows_affected == 1)
}

/// Takes `count` consecutive sequence numbers from `stream` and returns the first. The counter
/// row stays locked until the caller's transaction ends, so numbers are taken in commit order.
pub async fn allocate<C: ConnectionTrait>(txn: &C, stream: &str, count: i64) -> Result<i64, DbErr> {
    let bump = sequence_counter::Entity::update_many()
        .col_expr(
            sequence_counter::Column::Value,
            Expr::col(sequence_counter::Column::Value).add(count),
        )
        .filter(sequence_counter::Column::Stream.eq(stream));
    let last = if txn.support_returning() {
        // One round trip where the database returns the bumped row.
        bump.exec_with_returning(txn).await?.pop()
    } else if bump.exec(txn).await?.rows_affected == 1 {
        sequence_counter::Entity::find_by_id(stream.to_string())
            .one(txn)
            .await?
    } else {
        None
    };
    let last = last
        .ok_or_else(|| DbErr::RecordNotFound(format!("sequence stream {stream}")))?
        .value;
    Ok(last - count + 1)
}

/// [`allocate`], then announces the stream's new head ([`heads::advance`]); on PostgreSQL in
/// one statement, whose `RETURNING` sends the `NOTIFY` (a round trip less under the writer's
/// lock).
pub async fn allocate_announced<C: ConnectionTrait>(
    txn: &C,
    stream: &str,
    count: i64,
) -> Result<i64, DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        let first = allocate(txn, stream, count).await?;
        heads::advance(txn, &[(stream.to_string(), first + count - 1)]).await?;
        return Ok(first);
    }
    // The payload is one pair, as `heads::advance` writes it.
    let bumped = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE sequence_counter SET value = value + $1 WHERE stream = $2 \
         RETURNING value, pg_notify($3, stream || $4 || value) IS NULL AS notified",
        [
            count.into(),
            stream.into(),
            heads::CHANNEL.into(),
            heads::PAIR_SEPARATOR.into(),
        ],
    );
    let last: i64 = txn
        .query_one_raw(bumped)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("sequence stream {stream}")))?
        .try_get("", "value")?;
    heads::remember(&[(stream.to_string(), last)]);
    Ok(last - count + 1)
}

/// How one audience should see an object: its payload, or `None` when it must delete it.
#[derive(Debug)]
pub struct View {
    pub audience: String,
    pub payload: Option<serde_json::Value>,
}

impl View {
    pub fn everyone(payload: serde_json::Value) -> Self {
        Self {
            audience: ALL_BRANCHES.into(),
            payload: Some(payload),
        }
    }

    pub fn branch(branch_id: uuid::Uuid, payload: Option<serde_json::Value>) -> Self {
        Self {
            audience: branch_id.to_string(),
            payload,
        }
    }
}

/// Largest number of objects looked up or rows written in one statement.
const CHUNK: usize = 500;

/// Records the current views of objects of one kind; call it in the transaction that changed
/// them, with every view each object has now (none when it is gone).
///
/// An object's rows are written in an order that leaves every terminal with the right state
/// whatever page boundary it stops at: first tombstones for audiences that no longer see the
/// object, then the all-branches view, then branch views, which thereby override it.
pub async fn publish_many<C: ConnectionTrait>(
    txn: &C,
    kind: &str,
    objects: Vec<(String, Vec<View>)>,
) -> Result<(), DbErr> {
    // What each audience holds now: its payload, none for a tombstone.
    let mut existing: HashMap<String, HashMap<String, Option<String>>> = HashMap::new();
    for chunk in objects.chunks(CHUNK) {
        let rows: Vec<(String, String, Option<String>)> = master_change::Entity::find()
            .select_only()
            .column(master_change::Column::ObjectId)
            .column(master_change::Column::Audience)
            .column(master_change::Column::Payload)
            .filter(master_change::Column::Kind.eq(kind))
            .filter(master_change::Column::ObjectId.is_in(chunk.iter().map(|(id, _)| id.clone())))
            .into_tuple()
            .all(txn)
            .await?;
        for (object_id, audience, payload) in rows {
            existing
                .entry(object_id)
                .or_default()
                .insert(audience, payload);
        }
    }

    let mut rows: Vec<(String, View)> = Vec::new();
    for (object_id, views) in objects {
        let stored = existing.remove(&object_id).unwrap_or_default();
        rows.extend(
            changed_rows(stored, views)
                .into_iter()
                .map(|view| (object_id.clone(), view)),
        );
    }
    write_views(txn, kind, rows).await
}

/// [`publish_many`] for objects that never had a view (just created with a new id): nothing
/// stored to compare with, so every view is written without reading the feed first.
pub async fn publish_new<C: ConnectionTrait>(
    txn: &C,
    kind: &str,
    objects: Vec<(String, Vec<View>)>,
) -> Result<(), DbErr> {
    let rows = objects
        .into_iter()
        .flat_map(|(object_id, mut views)| {
            views.sort_by_key(|view| view.audience != ALL_BRANCHES);
            views.into_iter().map(move |view| (object_id.clone(), view))
        })
        .collect();
    write_views(txn, kind, rows).await
}

/// Writes the feed rows of `rows`, in order, with new sequence numbers, and announces the heads
/// of the audiences they reach.
async fn write_views<C: ConnectionTrait>(
    txn: &C,
    kind: &str,
    rows: Vec<(String, View)>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let first = allocate(txn, MASTER_STREAM, rows.len() as i64).await?;
    let mut audience_heads: HashMap<&str, i64> = HashMap::new();
    for ((_, view), seq) in rows.iter().zip(first..) {
        audience_heads.insert(&view.audience, seq);
    }
    let audience_heads: Vec<(String, i64)> = audience_heads
        .into_iter()
        .map(|(audience, seq)| (heads::master_audience(audience), seq))
        .collect();
    set_heads(txn, &audience_heads).await?;
    heads::advance(txn, &audience_heads).await?;
    let now = Utc::now();
    let mut models = rows
        .into_iter()
        .zip(first..)
        .map(|((object_id, view), seq)| master_change::ActiveModel {
            kind: Set(kind.to_string()),
            object_id: Set(object_id),
            audience: Set(view.audience),
            seq: Set(seq),
            op: Set(if view.payload.is_some() {
                "upsert"
            } else {
                "delete"
            }
            .into()),
            payload: Set(view.payload.map(|payload| payload.to_string())),
            changed_at: Set(now),
        });
    loop {
        let chunk: Vec<_> = models.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        master_change::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([
                    master_change::Column::Kind,
                    master_change::Column::ObjectId,
                    master_change::Column::Audience,
                ])
                .update_columns([
                    master_change::Column::Seq,
                    master_change::Column::Op,
                    master_change::Column::Payload,
                    master_change::Column::ChangedAt,
                ])
                .to_owned(),
            )
            .exec(txn)
            .await?;
    }
}

/// The rows to write for an object whose audiences hold `stored` and should now see `views`.
///
/// Unchanged views are not written again, so that an edit of one branch's view (its price)
/// does not make every other branch pull the object. But when the all-branches view changes, or
/// an audience must be told to fall back to it (a tombstone first, then the all-branches view
/// after it), every view is written, the branch views last, so they stay on top of it.
fn changed_rows(stored: HashMap<String, Option<String>>, mut views: Vec<View>) -> Vec<View> {
    // Serialised only where there is a stored view to compare with (not for new objects).
    let unchanged = |stored: &HashMap<String, Option<String>>, view: &View| {
        stored
            .get(&view.audience)
            .is_some_and(|held| *held == view.payload.as_ref().map(ToString::to_string))
    };
    let mut falls_back = false;
    let mut tombstones = Vec::new();
    for (audience, payload) in &stored {
        if views.iter().any(|view| view.audience == *audience) {
            continue;
        }
        falls_back = true;
        // A tombstone already written needs no second one; the views after it still do.
        if payload.is_some() {
            tombstones.push(View {
                audience: audience.clone(),
                payload: None,
            });
        }
    }
    let everyone_changed = views
        .iter()
        .any(|view| view.audience == ALL_BRANCHES && !unchanged(&stored, view));
    views.sort_by_key(|view| view.audience != ALL_BRANCHES);
    if everyone_changed || falls_back {
        tombstones.extend(views);
        return tombstones;
    }
    views.retain(|view| !unchanged(&stored, view));
    views
}

/// Records where streams that no writer allocates from now end (the newest master change each
/// audience sees), for processes that learn of them from the counter rows.
async fn set_heads<C: ConnectionTrait>(txn: &C, streams: &[(String, i64)]) -> Result<(), DbErr> {
    for chunk in streams.chunks(CHUNK) {
        let rows = chunk
            .iter()
            .map(|(stream, value)| sequence_counter::ActiveModel {
                stream: Set(stream.clone()),
                value: Set(*value),
            });
        sequence_counter::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(sequence_counter::Column::Stream)
                    .update_column(sequence_counter::Column::Value)
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Records in `txn` that who may get in changed (a deactivation, a new secret, a new role), so
/// that every hub process checks its callers again.
pub async fn credentials_changed<C: ConnectionTrait>(txn: &C) -> Result<(), DbErr> {
    allocate_announced(txn, heads::CREDENTIALS, 1).await?;
    Ok(())
}

/// [`publish_many`] for one object.
pub async fn publish<C: ConnectionTrait>(
    txn: &C,
    kind: &str,
    object_id: String,
    views: Vec<View>,
) -> Result<(), DbErr> {
    publish_many(txn, kind, vec![(object_id, views)]).await
}

/// The last sequence number of every stream (`master`, `stock:<branch id>`, …).
pub async fn heads(db: &impl ConnectionTrait) -> Result<Vec<(String, i64)>, DbErr> {
    Ok(sequence_counter::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|counter| (counter.stream, counter.value))
        .collect())
}
