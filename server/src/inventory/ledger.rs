//! The ledger: every change of a quantity is a movement row written together with an atomic
//! update of the level, and numbered in its branch's stream in commit order.

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    Fixed4, branch, item, outbound_event::EventType, sequence_counter, stock_level, stock_movement,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter,
    sea_query::{CaseStatement, Expr, ExprTrait, OnConflict},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    channels, db,
    decimal::from_fixed4,
    error::{Conflict, DomainError},
    outbound,
    sync::{
        feed::{allocate_announced, lock_stream},
        heads::stock_stream,
    },
};

pub use entity::stock_movement::Reason;

/// Where a movement came from and who caused it.
#[derive(Clone, Debug)]
pub struct Source {
    pub document_type: &'static str,
    pub document_id: Uuid,
    pub actor: String,
}

/// Where `branch_id`'s stock stream stands: the number of its last movement (0 before any).
/// Read under the branch's lock, it is exact.
pub async fn stream_position<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
) -> Result<i64, DomainError> {
    Ok(
        sequence_counter::Entity::find_by_id(stock_stream(branch_id))
            .one(txn)
            .await?
            .map_or(0, |counter| counter.value),
    )
}

/// Starts a transaction that changes stock at `branch_ids`. It takes their stream locks first,
/// in a fixed order so two documents never wait for each other in a cycle; writers of one branch
/// then run one after another, and branches never wait for each other.
pub async fn begin_stock_write(
    db: &DatabaseConnection,
    branch_ids: &[Uuid],
) -> Result<DatabaseTransaction, DomainError> {
    let txn = db::begin_write(db).await?;
    lock_branches(&txn, branch_ids).await?;
    Ok(txn)
}

/// Takes the stream locks of `branch_ids` inside `txn` (see [`begin_stock_write`]).
pub async fn lock_branches<C: ConnectionTrait>(
    txn: &C,
    branch_ids: &[Uuid],
) -> Result<(), DomainError> {
    let mut ordered = branch_ids.to_vec();
    ordered.sort();
    ordered.dedup();
    for branch_id in ordered {
        let stream = stock_stream(branch_id);
        if lock_stream(txn, &stream).await? {
            continue;
        }
        // The branch's first stock change: create its stream (a concurrent first writer may
        // create it too), then lock it.
        sequence_counter::Entity::insert(sequence_counter::ActiveModel {
            stream: Set(stream.clone()),
            value: Set(0),
        })
        .on_conflict(
            OnConflict::column(sequence_counter::Column::Stream)
                .do_nothing_on([sequence_counter::Column::Stream])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        lock_stream(txn, &stream).await?;
    }
    Ok(())
}

/// A branch that exists and is active, for a document.
pub async fn active_branch<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
) -> Result<branch::Model, DomainError> {
    let branch = branch::Entity::find_by_id(branch_id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("branch"))?;
    if !branch.active {
        return Err(DomainError::conflict(
            Conflict::BranchDeactivated,
            format!("branch {} is deactivated", branch.code),
        ));
    }
    Ok(branch)
}

/// Fails with a field error unless every line's item exists and tracks stock.
pub async fn check_stock_items<C: ConnectionTrait>(
    txn: &C,
    item_ids: &[Uuid],
) -> Result<(), DomainError> {
    let found = item::Entity::find()
        .filter(item::Column::Id.is_in(item_ids.iter().copied()))
        .all(txn)
        .await?;
    let mut errors = crate::error::FieldErrors::default();
    for (n, item_id) in item_ids.iter().enumerate() {
        let message = match found.iter().find(|item| item.id == *item_id) {
            None => Some(format!("no item {item_id}")),
            Some(item) if !item.track_stock => {
                Some(format!("item {} does not track stock", item.sku))
            }
            Some(_) => None,
        };
        if let Some(message) = message {
            errors.check::<()>(&format!("lines[{n}].item_id"), Err(message));
        }
    }
    errors.into_result()
}

/// Creates the level rows of items at a branch that have none yet, in one statement.
pub async fn ensure_levels<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
    item_ids: &[Uuid],
) -> Result<(), DomainError> {
    let now = Utc::now();
    for chunk in item_ids.chunks(ROWS_PER_INSERT) {
        stock_level::Entity::insert_many(chunk.iter().map(|item_id| stock_level::ActiveModel {
            branch_id: Set(branch_id),
            item_id: Set(*item_id),
            on_hand: Set(Fixed4::ZERO),
            in_transit_in: Set(Fixed4::ZERO),
            on_order: Set(Fixed4::ZERO),
            reorder_level: Set(None),
            seq: Set(0),
            updated_at: Set(now),
        }))
        .on_conflict(
            OnConflict::columns([stock_level::Column::BranchId, stock_level::Column::ItemId])
                .do_nothing_on([stock_level::Column::BranchId])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// The level of an item at a branch inside the transaction (zero when it never moved).
pub async fn level<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
    item_id: Uuid,
) -> Result<stock_level::Model, DomainError> {
    ensure_levels(txn, branch_id, &[item_id]).await?;
    stock_level::Entity::find_by_id((branch_id, item_id))
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("stock level"))
}

/// Adds `delta` to one column of a level in one atomic statement, numbers the change in the
/// branch's stream, and returns the level after it. The caller holds the branch's lock.
pub(super) async fn add_to_level<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
    item_id: Uuid,
    column: stock_level::Column,
    delta: Fixed4,
) -> Result<stock_level::Model, DomainError> {
    ensure_levels(txn, branch_id, &[item_id]).await?;
    let seq = allocate_announced(txn, &stock_stream(branch_id), 1).await?;
    stock_level::Entity::update_many()
        .col_expr(column, Expr::col(column).add(delta))
        .col_expr(stock_level::Column::Seq, Expr::value(seq))
        .col_expr(stock_level::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(stock_level::Column::BranchId.eq(branch_id))
        .filter(stock_level::Column::ItemId.eq(item_id))
        .exec(txn)
        .await?;
    stock_level::Entity::find_by_id((branch_id, item_id))
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("stock level"))
}

/// What a movement may do to `on_hand`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Floor {
    /// Refuse a result below zero unless the branch allows negative stock (documents).
    Enforced { allow_negative: bool },
    /// Never refuse (sales: they already happened).
    None,
}

/// One change of an item's on-hand quantity at a branch.
#[derive(Clone, Debug)]
pub struct Movement<'a> {
    pub branch_id: Uuid,
    pub item_id: Uuid,
    pub delta: Fixed4,
    pub reason: Reason,
    pub source: &'a Source,
    pub line_no: i32,
}

/// Changes `on_hand` by the movement's delta and writes the ledger row for it.
pub async fn move_stock<C: ConnectionTrait>(
    txn: &C,
    movement: Movement<'_>,
    floor: Floor,
) -> Result<stock_level::Model, DomainError> {
    let delta = movement.delta;
    let after = move_stock_many(txn, std::slice::from_ref(&movement), Vec::new())
        .await?
        .pop()
        .ok_or(DomainError::NotFound("stock level"))?;
    if let Floor::Enforced {
        allow_negative: false,
    } = floor
        && after.on_hand < Fixed4::ZERO
        // A level already below zero may always be raised (a correction of oversold stock).
        && delta < Fixed4::ZERO
    {
        return Err(DomainError::conflict(
            Conflict::InsufficientStock,
            format!(
                "not enough stock of item {}: {} on hand, {} needed",
                movement.item_id,
                from_fixed4(after.on_hand - delta),
                from_fixed4(-delta)
            ),
        ));
    }
    Ok(after)
}

/// Applies movements (never refused: see [`move_stock`] for the floor) with a few statements
/// per branch however many there are: missing levels are created, every movement gets its own
/// sequence number and balance in the order given, and each level is updated once, by the sum
/// of its deltas. The caller holds the branches' locks. Returns the levels after, one per
/// branch and item. `also` are the caller's own events of this write: they go to the outbox
/// after the levels' `stock.changed`, with one read of the subscriptions for all.
pub async fn move_stock_many<C: ConnectionTrait>(
    txn: &C,
    movements: &[Movement<'_>],
    also: Vec<outbound::Event>,
) -> Result<Vec<stock_level::Model>, DomainError> {
    let now = Utc::now();
    let mut branch_ids: Vec<Uuid> = movements.iter().map(|m| m.branch_id).collect();
    branch_ids.sort();
    branch_ids.dedup();
    let mut levels_after = Vec::new();
    let mut ledger_rows = Vec::with_capacity(movements.len());
    let mut events = Vec::new();
    for branch_id in branch_ids {
        let of_branch: Vec<&Movement> = movements
            .iter()
            .filter(|m| m.branch_id == branch_id)
            .collect();
        let first_seq =
            allocate_announced(txn, &stock_stream(branch_id), of_branch.len() as i64).await?;
        // Each level's change: the sum of its deltas, and its last movement with its number.
        let mut changes: HashMap<Uuid, LevelChange> = HashMap::new();
        for (movement, seq) in of_branch.iter().zip(first_seq..) {
            let change = changes.entry(movement.item_id).or_insert(LevelChange {
                delta: Fixed4::ZERO,
                last_seq: seq,
                last: movement,
            });
            change.delta += movement.delta;
            change.last_seq = seq;
            change.last = movement;
        }
        let mut item_ids: Vec<Uuid> = changes.keys().copied().collect();
        item_ids.sort();
        // Levels exist for most items after their first movement: update them, and create only
        // the ones the update did not find.
        let mut after = update_levels(txn, branch_id, &item_ids, &changes, now).await?;
        let missing: Vec<Uuid> = item_ids
            .iter()
            .filter(|id| !after.contains_key(*id))
            .copied()
            .collect();
        if !missing.is_empty() {
            ensure_levels(txn, branch_id, &missing).await?;
            after.extend(update_levels(txn, branch_id, &missing, &changes, now).await?);
        }
        // Each movement's balance: its level before the change (after, less the change's sum),
        // plus the deltas up to and including its own.
        let mut balances: HashMap<Uuid, Fixed4> = HashMap::with_capacity(after.len());
        for (item_id, level) in &after {
            let delta = changes.get(item_id).map_or(Fixed4::ZERO, |c| c.delta);
            balances.insert(*item_id, level.on_hand - delta);
        }
        for (movement, seq) in of_branch.into_iter().zip(first_seq..) {
            let balance = balances
                .get_mut(&movement.item_id)
                .ok_or(DomainError::NotFound("stock level"))?;
            *balance += movement.delta;
            ledger_rows.push(stock_movement::ActiveModel {
                id: Set(Uuid::now_v7()),
                branch_id: Set(branch_id),
                item_id: Set(movement.item_id),
                seq: Set(seq),
                delta: Set(movement.delta),
                balance_after: Set(*balance),
                reason: Set(movement.reason),
                document_type: Set(movement.source.document_type.into()),
                document_id: Set(movement.source.document_id),
                line_no: Set(movement.line_no),
                actor: Set(movement.source.actor.clone()),
                created_at: Set(now),
            });
        }
        for item_id in &item_ids {
            let Some((level, change)) = after.remove(item_id).zip(changes.get(item_id)) else {
                continue;
            };
            events.push(stock_changed(&level, change.delta, change.last));
            levels_after.push(level);
        }
    }
    insert_chunked(txn, ledger_rows).await?;
    events.extend(also);
    outbound::emit(txn, events).await?;
    let moved: Vec<(Uuid, Uuid)> = levels_after
        .iter()
        .map(|level| (level.branch_id, level.item_id))
        .collect();
    channels::touch_levels(txn, &moved).await?;
    Ok(levels_after)
}

/// What a write does to one level: adds `delta`, and takes the number of its last movement.
struct LevelChange<'m, 's> {
    delta: Fixed4,
    last_seq: i64,
    last: &'m Movement<'s>,
}

/// Applies the `changes` of `item_ids` at a branch, one statement per thousand levels, and
/// returns the levels after: those that exist (in the update's `RETURNING` where the database
/// has it, else read after it).
async fn update_levels<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
    item_ids: &[Uuid],
    changes: &HashMap<Uuid, LevelChange<'_, '_>>,
    now: chrono::DateTime<Utc>,
) -> Result<HashMap<Uuid, stock_level::Model>, DomainError> {
    let mut after = HashMap::with_capacity(item_ids.len());
    for chunk in item_ids.chunks(ROWS_PER_INSERT) {
        let mut on_hand = CaseStatement::new();
        let mut last_seq = CaseStatement::new();
        for item_id in chunk {
            let Some(change) = changes.get(item_id) else {
                continue;
            };
            let this_item = stock_level::Column::ItemId.eq(*item_id);
            on_hand = on_hand.case(
                this_item.clone(),
                Expr::col(stock_level::Column::OnHand).add(change.delta),
            );
            last_seq = last_seq.case(this_item, Expr::value(change.last_seq));
        }
        let update = stock_level::Entity::update_many()
            .col_expr(
                stock_level::Column::OnHand,
                on_hand
                    .finally(Expr::col(stock_level::Column::OnHand))
                    .into(),
            )
            .col_expr(
                stock_level::Column::Seq,
                last_seq.finally(Expr::col(stock_level::Column::Seq)).into(),
            )
            .col_expr(stock_level::Column::UpdatedAt, Expr::value(now))
            .filter(stock_level::Column::BranchId.eq(branch_id))
            .filter(stock_level::Column::ItemId.is_in(chunk.iter().copied()));
        let levels = if txn.support_returning() {
            update.exec_with_returning(txn).await?
        } else {
            update.exec(txn).await?;
            stock_level::Entity::find()
                .filter(stock_level::Column::BranchId.eq(branch_id))
                .filter(stock_level::Column::ItemId.is_in(chunk.iter().copied()))
                .all(txn)
                .await?
        };
        after.extend(levels.into_iter().map(|level| (level.item_id, level)));
    }
    Ok(after)
}

/// The outbound event of a level that moved by `delta`, naming the movement that moved it last.
fn stock_changed(level: &stock_level::Model, delta: Fixed4, last: &Movement) -> outbound::Event {
    outbound::Event::at_branch(
        EventType::StockChanged,
        level.branch_id,
        json!({
            "branch_id": level.branch_id,
            "item_id": level.item_id,
            "on_hand": from_fixed4(level.on_hand),
            "delta": from_fixed4(delta),
            "stock_seq": level.seq,
            "reason": last.reason,
            "document_type": last.source.document_type,
            "document_id": last.source.document_id,
        }),
    )
}

/// Rows per multi-row statement: well under every database's limit of bound parameters.
pub const ROWS_PER_INSERT: usize = 1000;

/// Inserts `rows` with as few statements as the databases' parameter limits allow.
pub async fn insert_chunked<C, A>(txn: &C, rows: Vec<A>) -> Result<(), DomainError>
where
    C: ConnectionTrait,
    A: sea_orm::ActiveModelTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Changes the quantity on its way to a branch (no ledger row: it is not on hand anywhere).
pub async fn move_in_transit<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
    item_id: Uuid,
    delta: Fixed4,
) -> Result<stock_level::Model, DomainError> {
    add_to_level(
        txn,
        branch_id,
        item_id,
        stock_level::Column::InTransitIn,
        delta,
    )
    .await
}
