//! The channel's own ids for the items it sells (seed 001's `item_ecommerce_id`); an item not
//! mapped is invisible to the channel.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{channel_item, item};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::OnConflict,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    availability::{channel_branches, touch_items},
    setup::find,
};
use crate::{
    decimal::{from_fixed4, non_negative_fixed4},
    error::{DomainError, FieldError},
    inventory::ledger::{self, ROWS_PER_INSERT},
    pagination::{Page, PageRequest, fetch_page},
    validation::required_text,
};

/// Mappings per request, all or nothing.
pub const MAX_MAPPINGS: usize = 5_000;
const MAX_EXTERNAL_ID_LEN: usize = 200;

/// One item to map: by its id or its SKU.
#[derive(Clone, Debug)]
pub struct MappingInput {
    pub item_id: Option<Uuid>,
    pub sku: Option<String>,
    pub external_id: String,
    /// Overrides the channel's safety stock for this item.
    pub safety_stock: Option<Decimal>,
}

/// An item a channel sells, with its names.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemMapping {
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    pub external_id: String,
    /// This item's own safety stock; none when the channel's applies.
    pub safety_stock: Option<Decimal>,
    pub updated_at: DateTime<Utc>,
}

/// Maps items to the channel's ids (replacing an item's earlier id); every row is checked and
/// every error named by row before anything is written.
#[tracing::instrument(skip_all, fields(channel_id = %channel_id, rows = rows.len()), err(level = "info"))]
pub async fn map_items<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    rows: Vec<MappingInput>,
) -> Result<Vec<ItemMapping>, DomainError> {
    find(txn, channel_id).await?;
    if rows.is_empty() || rows.len() > MAX_MAPPINGS {
        return Err(DomainError::invalid(
            "items",
            format!("must hold 1 to {MAX_MAPPINGS} mappings"),
        ));
    }
    // Writers of stock at the channel's branches read its mappings under these locks.
    ledger::lock_branches(txn, &channel_branches(txn, channel_id).await?).await?;
    let items = items_named(txn, &rows).await?;
    let mut errors = Vec::new();
    let mut error = |row: usize, field: &str, message: String| {
        errors.push(FieldError {
            field: format!("items[{row}].{field}"),
            message,
        })
    };
    let mut mapped: Vec<(item::Model, String, Option<entity::Fixed4>)> = Vec::new();
    let (mut items_seen, mut ids_seen) = (HashSet::new(), HashSet::new());
    for (row, input) in rows.into_iter().enumerate() {
        let found = match (input.item_id, input.sku.as_deref()) {
            (Some(id), None) => items.by_id.get(&id).cloned().ok_or("no item has this id"),
            (None, Some(sku)) => items.by_sku.get(sku).cloned().ok_or("no item has this SKU"),
            _ => Err("give either item_id or sku"),
        };
        let external_id = required_text(&input.external_id, MAX_EXTERNAL_ID_LEN);
        let safety = input.safety_stock.map(non_negative_fixed4).transpose();
        match (found, external_id, safety) {
            (Err(why), ..) => error(row, "item_id", why.into()),
            (_, Err(why), _) => error(row, "external_id", why),
            (.., Err(why)) => error(row, "safety_stock", why),
            (Ok(item), Ok(external_id), Ok(safety)) => {
                if !items_seen.insert(item.id) {
                    error(row, "item_id", "maps an item an earlier row maps".into());
                } else if !ids_seen.insert(external_id.clone()) {
                    error(row, "external_id", "is given by an earlier row".into());
                } else {
                    mapped.push((item, external_id, safety));
                }
            }
        }
    }
    let current = current_mappings(txn, channel_id, &mapped).await?;
    for (row, (item, external_id, _)) in mapped.iter().enumerate() {
        if let Some(owner) = current.by_external.get(external_id)
            && *owner != item.id
            && !items_seen_remapped(&mapped, *owner)
        {
            errors.push(FieldError {
                field: format!("items[{row}].external_id"),
                message: format!("is already the id of another item ({owner})"),
            });
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    let now = Utc::now();
    let mut touched: Vec<String> = mapped.iter().map(|(_, id, _)| id.clone()).collect();
    touched.extend(
        mapped
            .iter()
            .filter_map(|(item, _, _)| current.by_item.get(&item.id).cloned()),
    );
    // An external id moving from one item to another in this request: the old rows go first.
    channel_item::Entity::delete_many()
        .filter(channel_item::Column::ChannelId.eq(channel_id))
        .filter(channel_item::Column::ItemId.is_in(mapped.iter().map(|(item, ..)| item.id)))
        .exec(txn)
        .await?;
    let rows: Vec<channel_item::ActiveModel> = mapped
        .iter()
        .map(|(item, external_id, safety)| channel_item::ActiveModel {
            channel_id: Set(channel_id),
            item_id: Set(item.id),
            external_id: Set(external_id.clone()),
            safety_stock: Set(*safety),
            updated_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        channel_item::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    channel_item::Column::ChannelId,
                    channel_item::Column::ItemId,
                ])
                .update_columns([
                    channel_item::Column::ExternalId,
                    channel_item::Column::SafetyStock,
                    channel_item::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await
            .map_err(|err| {
                DomainError::conflict_on_duplicate(err, "an external id is already in use")
            })?;
    }
    touch_items(txn, channel_id, touched).await?;
    Ok(mapped
        .into_iter()
        .map(|(item, external_id, safety)| ItemMapping {
            item_id: item.id,
            sku: item.sku,
            item_name: item.name,
            external_id,
            safety_stock: safety.map(from_fixed4),
            updated_at: now,
        })
        .collect())
}

/// Whether `item_id` is itself mapped again in this request (so its old external id frees up).
fn items_seen_remapped(
    mapped: &[(item::Model, String, Option<entity::Fixed4>)],
    item_id: Uuid,
) -> bool {
    mapped.iter().any(|(item, ..)| item.id == item_id)
}

struct NamedItems {
    by_id: HashMap<Uuid, item::Model>,
    by_sku: HashMap<String, item::Model>,
}

async fn items_named<C: ConnectionTrait>(
    txn: &C,
    rows: &[MappingInput],
) -> Result<NamedItems, DomainError> {
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.item_id).collect();
    let skus: Vec<String> = rows.iter().filter_map(|r| r.sku.clone()).collect();
    let mut named = NamedItems {
        by_id: HashMap::new(),
        by_sku: HashMap::new(),
    };
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        for item in item::Entity::find()
            .filter(item::Column::Id.is_in(chunk.iter().copied()))
            .all(txn)
            .await?
        {
            named.by_id.insert(item.id, item);
        }
    }
    for chunk in skus.chunks(ROWS_PER_INSERT) {
        for item in item::Entity::find()
            .filter(item::Column::Sku.is_in(chunk.iter().cloned()))
            .all(txn)
            .await?
        {
            named.by_sku.insert(item.sku.clone(), item);
        }
    }
    Ok(named)
}

struct CurrentMappings {
    /// External id → the item it names now.
    by_external: HashMap<String, Uuid>,
    /// Item → its external id now.
    by_item: HashMap<Uuid, String>,
}

async fn current_mappings<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    mapped: &[(item::Model, String, Option<entity::Fixed4>)],
) -> Result<CurrentMappings, DomainError> {
    let mut current = CurrentMappings {
        by_external: HashMap::new(),
        by_item: HashMap::new(),
    };
    for chunk in mapped.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(Uuid, String)> = channel_item::Entity::find()
            .select_only()
            .columns([
                channel_item::Column::ItemId,
                channel_item::Column::ExternalId,
            ])
            .filter(channel_item::Column::ChannelId.eq(channel_id))
            .filter(
                sea_orm::Condition::any()
                    .add(channel_item::Column::ItemId.is_in(chunk.iter().map(|(i, ..)| i.id)))
                    .add(
                        channel_item::Column::ExternalId
                            .is_in(chunk.iter().map(|(_, id, _)| id.clone())),
                    ),
            )
            .into_tuple()
            .all(txn)
            .await?;
        for (item_id, external_id) in rows {
            current.by_external.insert(external_id.clone(), item_id);
            current.by_item.insert(item_id, external_id);
        }
    }
    Ok(current)
}

/// Stops a channel selling an item; its feed tells the channel so.
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "info"))]
pub async fn unmap_item<C: ConnectionTrait>(
    txn: &C,
    channel_id: Uuid,
    item_id: Uuid,
) -> Result<(), DomainError> {
    find(txn, channel_id).await?;
    ledger::lock_branches(txn, &channel_branches(txn, channel_id).await?).await?;
    let mapping = channel_item::Entity::find_by_id((channel_id, item_id))
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("item mapping"))?;
    channel_item::Entity::delete_by_id((channel_id, item_id))
        .exec(txn)
        .await?;
    touch_items(txn, channel_id, [mapping.external_id]).await
}

/// A channel's mappings by external id.
pub async fn list_mappings<C: ConnectionTrait>(
    conn: &C,
    channel_id: Uuid,
    page: PageRequest,
) -> Result<Page<ItemMapping>, DomainError> {
    find(conn, channel_id).await?;
    let select = channel_item::Entity::find()
        .filter(channel_item::Column::ChannelId.eq(channel_id))
        .order_by_asc(channel_item::Column::ExternalId);
    let page = fetch_page(conn, select, page).await?;
    let items: HashMap<Uuid, item::Model> = item::Entity::find()
        .filter(item::Column::Id.is_in(page.items.iter().map(|m| m.item_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|item| (item.id, item))
        .collect();
    Ok(page.map(|mapping| {
        let (sku, item_name) = items
            .get(&mapping.item_id)
            .map(|item| (item.sku.clone(), item.name.clone()))
            .unwrap_or_default();
        ItemMapping {
            item_id: mapping.item_id,
            sku,
            item_name,
            external_id: mapping.external_id,
            safety_stock: mapping.safety_stock.map(from_fixed4),
            updated_at: mapping.updated_at,
        }
    }))
}
