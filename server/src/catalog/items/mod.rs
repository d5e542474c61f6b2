//! Items, their barcodes, and how each branch departs from the catalogue (own price, hidden).

mod branch_items;
mod feed;
mod import;
mod validate;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{item, item_barcode, outbound_event::EventType};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::ExprTrait,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

pub use branch_items::{
    BranchItem, BranchItemInput, clear_branch_item, list_branch_items, set_branch_item,
};
pub use import::{ImportRow, MAX_IMPORT_ROWS, check_rows, import_items};

use self::{
    feed::publish_items,
    validate::{ValidItem, check_references, checked},
};
use super::{CHUNK, insert_or_update};
use crate::{
    decimal::from_fixed4,
    error::{Conflict, DomainError},
    outbound::{self, emitted},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed as master_feed,
};

pub const KIND: &str = "item";

/// An item as an admin submits it, for create, full update and import.
#[derive(Clone, Debug)]
pub struct ItemInput {
    pub sku: String,
    pub name: String,
    pub category_id: Option<Uuid>,
    /// `piece` when absent.
    pub unit: Option<String>,
    pub base_price: Decimal,
    pub cost: Option<Decimal>,
    /// Percent; 0 when absent.
    pub tax_rate: Option<Decimal>,
    /// True when absent.
    pub track_stock: Option<bool>,
    /// True when absent.
    pub active: Option<bool>,
    pub barcodes: Vec<String>,
}

async fn replace_barcodes<C: ConnectionTrait>(
    txn: &C,
    item_id: Uuid,
    barcodes: &[String],
) -> Result<(), DomainError> {
    item_barcode::Entity::delete_many()
        .filter(item_barcode::Column::ItemId.eq(item_id))
        .exec(txn)
        .await?;
    if barcodes.is_empty() {
        return Ok(());
    }
    let rows = barcodes.iter().map(|barcode| item_barcode::ActiveModel {
        barcode: Set(barcode.clone()),
        item_id: Set(item_id),
    });
    item_barcode::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

/// Writes a checked item: a new row when `existing` is none, else over it.
/// The row for a checked item: a new one when `existing` is none, else over it.
fn item_model(existing: Option<item::Model>, valid: &ValidItem) -> item::ActiveModel {
    let now = Utc::now();
    let mut model = match existing {
        Some(current) => item::ActiveModel::from(current),
        None => item::ActiveModel {
            id: Set(Uuid::now_v7()),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.sku = Set(valid.sku.clone());
    model.name = Set(valid.name.clone());
    model.category_id = Set(valid.category_id);
    model.unit = Set(valid.unit.clone());
    model.base_price = Set(valid.base_price);
    model.cost = Set(valid.cost);
    model.tax_rate = Set(valid.tax_rate);
    model.track_stock = Set(valid.track_stock);
    model.active = Set(valid.active);
    model.updated_at = Set(now);
    model
}

fn duplicate_sku(err: sea_orm::DbErr, sku: &str) -> DomainError {
    DomainError::conflict_on_duplicate(err, format!("an item with SKU {sku} already exists"))
}

/// Writes a checked item: a new row when `existing` is none, else over it.
async fn save<C: ConnectionTrait>(
    txn: &C,
    existing: Option<item::Model>,
    valid: ValidItem,
) -> Result<item::Model, DomainError> {
    let new = existing.is_none();
    let saved = insert_or_update(txn, item_model(existing, &valid), new)
        .await
        .map_err(|err| duplicate_sku(err, &valid.sku))?;
    replace_barcodes(txn, saved.id, &valid.barcodes).await?;
    Ok(saved)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Item {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub category_id: Option<Uuid>,
    pub unit: String,
    #[schema(value_type = String)]
    pub base_price: Decimal,
    #[schema(value_type = Option<String>)]
    pub cost: Option<Decimal>,
    #[schema(value_type = String)]
    pub tax_rate: Decimal,
    pub track_stock: bool,
    pub active: bool,
    pub barcodes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Item {
    /// The item with its barcodes in one order wherever it comes from (read, or just written),
    /// so every view of it is the same text.
    fn new(i: item::Model, mut barcodes: Vec<String>) -> Self {
        barcodes.sort();
        Self {
            id: i.id,
            sku: i.sku,
            name: i.name,
            category_id: i.category_id,
            unit: i.unit,
            base_price: from_fixed4(i.base_price),
            cost: i.cost.map(from_fixed4),
            tax_rate: from_fixed4(i.tax_rate),
            track_stock: i.track_stock,
            active: i.active,
            barcodes,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_item<C: ConnectionTrait>(
    txn: &C,
    input: ItemInput,
) -> Result<Item, DomainError> {
    let valid = checked(&input, "").await?;
    master_feed::lock_master(txn).await?;
    check_references(txn, None, &valid).await?;
    let barcodes = valid.barcodes.clone();
    let item = save(txn, None, valid).await?;
    publish_items(txn, &[item.id]).await?;
    emitted(txn, EventType::ItemCreated, None, Item::new(item, barcodes)).await
}

/// Replaces every field of an item.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update_item<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    input: ItemInput,
) -> Result<Item, DomainError> {
    let valid = checked(&input, "").await?;
    master_feed::lock_master(txn).await?;
    let current = item::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    check_references(txn, Some(id), &valid).await?;
    let barcodes = valid.barcodes.clone();
    let item = save(txn, Some(current), valid).await?;
    publish_items(txn, &[item.id]).await?;
    emitted(txn, EventType::ItemUpdated, None, Item::new(item, barcodes)).await
}

/// Deletes an item; terminals receive a tombstone.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn delete_item<C: ConnectionTrait>(txn: &C, id: Uuid) -> Result<(), DomainError> {
    master_feed::lock_master(txn).await?;
    let groups = super::item_groups::groups_using_item(txn, id).await?;
    if groups > 0 {
        return Err(DomainError::conflict(
            Conflict::InUse,
            format!("the item is used by {groups} item groups; take it out of them first"),
        ));
    }
    let deleted = item::Entity::delete_by_id(id)
        .exec(txn)
        .await
        .map_err(|e| {
            DomainError::conflict_on_reference(
                e,
                "the item has stock, documents or sales; deactivate it instead",
            )
        })?;
    if deleted.rows_affected == 0 {
        return Err(DomainError::NotFound("item"));
    }
    publish_items(txn, &[id]).await?;
    emitted(txn, EventType::ItemDeleted, None, json!({ "id": id })).await?;
    Ok(())
}

/// Emits `event_type` for each of `items`, a chunk's events to an outbox row.
async fn emit_each<C: ConnectionTrait>(
    txn: &C,
    event_type: EventType,
    items: &[Item],
) -> Result<(), DomainError> {
    for chunk in items.chunks(CHUNK) {
        let mut events = Vec::with_capacity(chunk.len());
        for item in chunk {
            let data = serde_json::to_value(item)
                .map_err(|e| DomainError::internal("an item event's data", e))?;
            events.push(outbound::Event::chain_wide(event_type, data));
        }
        outbound::emit(txn, events).await?;
    }
    Ok(())
}

pub async fn get_item(db: &DatabaseConnection, id: Uuid) -> Result<Item, DomainError> {
    let item = item::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    let mut details = with_barcodes(db, vec![item]).await?;
    details.pop().ok_or(DomainError::NotFound("item"))
}

async fn with_barcodes<C: ConnectionTrait>(
    db: &C,
    items: Vec<item::Model>,
) -> Result<Vec<Item>, DomainError> {
    let mut codes: HashMap<Uuid, Vec<String>> = HashMap::new();
    for barcode in item_barcode::Entity::find()
        .filter(item_barcode::Column::ItemId.is_in(items.iter().map(|i| i.id)))
        .all(db)
        .await?
    {
        codes
            .entry(barcode.item_id)
            .or_default()
            .push(barcode.barcode);
    }
    Ok(items
        .into_iter()
        .map(|item| {
            let barcodes = codes.remove(&item.id).unwrap_or_default();
            Item::new(item, barcodes)
        })
        .collect())
}

/// The items of `ids` (those that exist), by id.
pub async fn by_id<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, item::Model>, DomainError> {
    Ok(item::Entity::find()
        .filter(item::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect())
}

/// The SKU and name of each of `ids`, for answers that show items next to their ids.
pub async fn sku_and_name<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, (String, String)>, DomainError> {
    let rows: Vec<(Uuid, String, String)> = item::Entity::find()
        .select_only()
        .columns([item::Column::Id, item::Column::Sku, item::Column::Name])
        .filter(item::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, sku, name)| (id, (sku, name)))
        .collect())
}

/// Filters of the item list.
#[derive(Clone, Debug, Default)]
pub struct ItemFilter {
    /// Part of the SKU or name.
    pub search: Option<String>,
    pub category_id: Option<Uuid>,
    pub active: Option<bool>,
}

/// Items ordered by SKU.
pub async fn list_items(
    db: &DatabaseConnection,
    filter: ItemFilter,
    page: PageRequest,
) -> Result<Page<Item>, DomainError> {
    let mut select = item::Entity::find().order_by_asc(item::Column::Sku);
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        select = select.filter(
            item::Column::Sku
                .contains(search)
                .or(item::Column::Name.contains(search)),
        );
    }
    if let Some(category_id) = filter.category_id {
        select = select.filter(item::Column::CategoryId.eq(category_id));
    }
    if let Some(active) = filter.active {
        select = select.filter(item::Column::Active.eq(active));
    }
    let page = fetch_page(db, select, page).await?;
    let items = with_barcodes(db, page.items).await?;
    Ok(Page {
        items,
        total: page.total,
        request: page.request,
    })
}
