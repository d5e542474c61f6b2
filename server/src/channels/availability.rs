//! What a channel may sell of each item it maps:
//! `available = Σ on_hand over its branches − held by open orders at them − safety stock`,
//! never shown below zero. Every change that may move it (stock at a branch, an order's hold, a
//! mapping, a safety stock, the channel's branches) writes a change row in its own transaction;
//! rows are numbered once committed, and the feed answers the current figure of each item whose
//! change is past the reader's cursor.

use std::collections::{BTreeSet, HashMap, HashSet};

use entity::{
    Fixed4, channel_allocation, channel_allocation::AllocationState, channel_branch,
    channel_change, channel_item, sales_channel, stock_level,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, Func, SimpleExpr},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    decimal::from_fixed4,
    error::DomainError,
    inventory::ledger::{ROWS_PER_INSERT, insert_chunked},
    outbound::number_all_committed,
    sync::heads::Heads,
};

/// One item's availability to a channel, or its removal from the channel.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AvailabilityChange {
    /// The channel's own id for the item.
    pub external_id: String,
    /// None when the item is no longer mapped (a tombstone).
    pub item_id: Option<Uuid>,
    pub available: Decimal,
    /// On hand at the channel's branches, summed.
    pub on_hand: Decimal,
    /// Held by open orders (of every channel) at those branches.
    pub reserved: Decimal,
    pub safety_stock: Decimal,
    /// True when the channel no longer sells the item.
    pub deleted: bool,
}

/// A page of a channel's availability feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityPage {
    pub changes: Vec<AvailabilityChange>,
    /// Pass it as `cursor` next time.
    pub next_cursor: i64,
    pub has_more: bool,
}

/// The channel's branches, in the order orders take stock from them.
pub(super) async fn channel_branches<C: ConnectionTrait>(
    conn: &C,
    channel_id: Uuid,
) -> Result<Vec<Uuid>, DomainError> {
    Ok(channel_branch::Entity::find()
        .select_only()
        .column(channel_branch::Column::BranchId)
        .filter(channel_branch::Column::ChannelId.eq(channel_id))
        .order_by_asc(channel_branch::Column::Priority)
        .into_tuple()
        .all(conn)
        .await?)
}

/// On hand and held by open orders, per (branch, item) of `branch_ids` × `item_ids`.
async fn levels_and_holds<C: ConnectionTrait>(
    conn: &C,
    branch_ids: &[Uuid],
    item_ids: &[Uuid],
) -> Result<HashMap<(Uuid, Uuid), Sums>, DomainError> {
    let mut sums: HashMap<(Uuid, Uuid), Sums> = HashMap::new();
    if branch_ids.is_empty() {
        return Ok(sums);
    }
    for chunk in item_ids.chunks(ROWS_PER_INSERT) {
        let levels: Vec<(Uuid, Uuid, Fixed4)> = stock_level::Entity::find()
            .select_only()
            .columns([
                stock_level::Column::BranchId,
                stock_level::Column::ItemId,
                stock_level::Column::OnHand,
            ])
            .filter(stock_level::Column::BranchId.is_in(branch_ids.iter().copied()))
            .filter(stock_level::Column::ItemId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        for (branch_id, item_id, on_hand) in levels {
            sums.entry((branch_id, item_id)).or_default().on_hand += on_hand;
        }
        let held: Vec<(Uuid, Uuid, Fixed4)> = channel_allocation::Entity::find()
            .select_only()
            .columns([
                channel_allocation::Column::BranchId,
                channel_allocation::Column::ItemId,
                channel_allocation::Column::Quantity,
            ])
            .filter(channel_allocation::Column::BranchId.is_in(branch_ids.iter().copied()))
            .filter(channel_allocation::Column::ItemId.is_in(chunk.iter().copied()))
            .filter(channel_allocation::Column::State.eq(AllocationState::Reserved))
            .into_tuple()
            .all(conn)
            .await?;
        for (branch_id, item_id, quantity) in held {
            sums.entry((branch_id, item_id)).or_default().reserved += quantity;
        }
    }
    Ok(sums)
}

/// What each branch holds free of open orders' holds (may be negative), per (branch, item).
pub(super) async fn free_stock<C: ConnectionTrait>(
    conn: &C,
    branch_ids: &[Uuid],
    item_ids: &[Uuid],
) -> Result<HashMap<(Uuid, Uuid), Fixed4>, DomainError> {
    Ok(levels_and_holds(conn, branch_ids, item_ids)
        .await?
        .into_iter()
        .map(|(key, sums)| (key, sums.on_hand - sums.reserved))
        .collect())
}

/// On hand and held at some branches, summed.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    on_hand: Fixed4,
    reserved: Fixed4,
}

/// [`levels_and_holds`] summed over the branches, per item.
async fn sums<C: ConnectionTrait>(
    conn: &C,
    branch_ids: &[Uuid],
    item_ids: &[Uuid],
) -> Result<HashMap<Uuid, Sums>, DomainError> {
    let mut per_item: HashMap<Uuid, Sums> = HashMap::new();
    for ((_, item_id), at_branch) in levels_and_holds(conn, branch_ids, item_ids).await? {
        let sum = per_item.entry(item_id).or_default();
        sum.on_hand += at_branch.on_hand;
        sum.reserved += at_branch.reserved;
    }
    Ok(per_item)
}

/// The safety stock that applies to a mapped item.
pub(super) fn safety_of(channel: &sales_channel::Model, mapping: &channel_item::Model) -> Fixed4 {
    mapping.safety_stock.unwrap_or(channel.safety_stock)
}

/// The availability of `mappings` (items of `channel`) now.
pub(super) async fn availability_of<C: ConnectionTrait>(
    conn: &C,
    channel: &sales_channel::Model,
    mappings: &[channel_item::Model],
) -> Result<Vec<AvailabilityChange>, DomainError> {
    let branch_ids = channel_branches(conn, channel.id).await?;
    let item_ids: Vec<Uuid> = mappings.iter().map(|m| m.item_id).collect();
    let sums = sums(conn, &branch_ids, &item_ids).await?;
    Ok(mappings
        .iter()
        .map(|mapping| {
            let (on_hand, reserved) = sums
                .get(&mapping.item_id)
                .map_or((Fixed4::ZERO, Fixed4::ZERO), |s| (s.on_hand, s.reserved));
            let safety = safety_of(channel, mapping);
            AvailabilityChange {
                external_id: mapping.external_id.clone(),
                item_id: Some(mapping.item_id),
                available: from_fixed4((on_hand - reserved - safety).max(Fixed4::ZERO)),
                on_hand: from_fixed4(on_hand),
                reserved: from_fixed4(reserved),
                safety_stock: from_fixed4(safety),
                deleted: false,
            }
        })
        .collect())
}

/// Records that the availability of `external_ids` to a channel may have changed.
pub(super) async fn touch_items<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    external_ids: impl IntoIterator<Item = String>,
) -> Result<(), DomainError> {
    let rows: Vec<channel_change::ActiveModel> = external_ids
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|external_id| channel_change::ActiveModel {
            channel_id: Set(channel_id),
            external_id: Set(external_id),
            seq: Set(None),
            ..Default::default()
        })
        .collect();
    insert_chunked(txn, rows).await
}

/// Records a change for every item a channel maps (its branches or safety stock changed).
pub(super) async fn touch_channel<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
) -> Result<(), DomainError> {
    let external_ids: Vec<String> = channel_item::Entity::find()
        .select_only()
        .column(channel_item::Column::ExternalId)
        .filter(channel_item::Column::ChannelId.eq(channel_id))
        .into_tuple()
        .all(txn)
        .await?;
    touch_items(txn, channel_id, external_ids).await
}

/// Records that stock or holds of these (branch, item) pairs moved, for every channel selling
/// the item from the branch. The writer holds the branches' locks, and a channel's branches and
/// mappings change only under them, so what it reads here is what the channels are.
pub async fn touch_levels<C: ConnectionTrait>(
    txn: &C,
    moved: &[(Uuid, Uuid)],
) -> Result<(), DomainError> {
    let branch_ids: HashSet<Uuid> = moved.iter().map(|(branch_id, _)| *branch_id).collect();
    let selling: Vec<(Uuid, Uuid)> = channel_branch::Entity::find()
        .select_only()
        .columns([
            channel_branch::Column::ChannelId,
            channel_branch::Column::BranchId,
        ])
        .filter(channel_branch::Column::BranchId.is_in(branch_ids))
        .into_tuple()
        .all(txn)
        .await?;
    if selling.is_empty() {
        return Ok(());
    }
    let mut channels_of_branch: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (channel_id, branch_id) in &selling {
        channels_of_branch
            .entry(*branch_id)
            .or_default()
            .push(*channel_id);
    }
    let wanted: HashSet<(Uuid, Uuid)> = moved
        .iter()
        .flat_map(|(branch_id, item_id)| {
            channels_of_branch
                .get(branch_id)
                .into_iter()
                .flatten()
                .map(move |channel_id| (*channel_id, *item_id))
        })
        .collect();
    let channel_ids: BTreeSet<Uuid> = wanted.iter().map(|(channel_id, _)| *channel_id).collect();
    let item_ids: BTreeSet<Uuid> = wanted.iter().map(|(_, item_id)| *item_id).collect();
    let item_ids: Vec<Uuid> = item_ids.into_iter().collect();
    let mut rows = Vec::new();
    for chunk in item_ids.chunks(ROWS_PER_INSERT) {
        let mapped: Vec<(Uuid, Uuid, String)> = channel_item::Entity::find()
            .select_only()
            .columns([
                channel_item::Column::ChannelId,
                channel_item::Column::ItemId,
                channel_item::Column::ExternalId,
            ])
            .filter(channel_item::Column::ChannelId.is_in(channel_ids.iter().copied()))
            .filter(channel_item::Column::ItemId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        rows.extend(
            mapped
                .into_iter()
                .filter(|(channel_id, item_id, _)| wanted.contains(&(*channel_id, *item_id)))
                .map(|(channel_id, _, external_id)| channel_change::ActiveModel {
                    channel_id: Set(channel_id),
                    external_id: Set(external_id),
                    seq: Set(None),
                    ..Default::default()
                }),
        );
    }
    insert_chunked(txn, rows).await
}

/// The channel's availability feed from `cursor`: the current figure of each item whose
/// availability may have changed since, in the order the changes committed.
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "info"))]
pub async fn read_feed(
    db: &DatabaseConnection,
    heads: &Heads,
    channel_id: Uuid,
    cursor: i64,
    limit: u64,
) -> Result<AvailabilityPage, DomainError> {
    let channel = sales_channel::Entity::find_by_id(channel_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("sales channel"))?;
    // A reader sees its own writes: whatever has committed is numbered before it reads.
    number_all_committed::<channel_change::Entity>(db, heads).await?;
    let last_seq: SimpleExpr = Func::max(Expr::col(channel_change::Column::Seq)).into();
    let mut changed: Vec<(String, i64)> = channel_change::Entity::find()
        .select_only()
        .column(channel_change::Column::ExternalId)
        .column_as(last_seq.clone(), "last_seq")
        .filter(channel_change::Column::ChannelId.eq(channel_id))
        .filter(channel_change::Column::Seq.gt(cursor))
        .group_by(channel_change::Column::ExternalId)
        .order_by_asc(last_seq)
        .limit(limit + 1)
        .into_tuple()
        .all(db)
        .await?;
    let has_more = changed.len() as u64 > limit;
    changed.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = changed.last().map_or(cursor, |(_, seq)| *seq);
    let external_ids: Vec<String> = changed.into_iter().map(|(id, _)| id).collect();
    let mappings = channel_item::Entity::find()
        .filter(channel_item::Column::ChannelId.eq(channel_id))
        .filter(channel_item::Column::ExternalId.is_in(external_ids.iter().cloned()))
        .all(db)
        .await?;
    let mut current: HashMap<String, AvailabilityChange> = availability_of(db, &channel, &mappings)
        .await?
        .into_iter()
        .map(|change| (change.external_id.clone(), change))
        .collect();
    let changes = external_ids
        .into_iter()
        .map(|external_id| match current.remove(&external_id) {
            Some(change) => change,
            None => AvailabilityChange {
                external_id,
                item_id: None,
                available: Decimal::ZERO,
                on_hand: Decimal::ZERO,
                reserved: Decimal::ZERO,
                safety_stock: Decimal::ZERO,
                deleted: true,
            },
        })
        .collect();
    Ok(AvailabilityPage {
        changes,
        next_cursor,
        has_more,
    })
}
