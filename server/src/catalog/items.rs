//! Items, their barcodes, and how each branch departs from the catalogue (own price, hidden).

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{branch_item, item, item_barcode};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, sea_query::ExprTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::{CHUNK, insert_or_update};
use crate::{
    decimal::{from_fixed4, non_negative_fixed4},
    error::{Conflict, DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed::{self, View},
    validation::{optional_text, required_text},
};

pub const KIND: &str = "item";
pub const MAX_IMPORT_ROWS: usize = 5_000;
const MAX_SKU_LEN: usize = 64;
const MAX_NAME_LEN: usize = 200;
const MAX_UNIT_LEN: usize = 16;
const MAX_BARCODE_LEN: usize = 64;
const MAX_BARCODES: usize = 20;

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

/// An item with its barcodes.
#[derive(Clone, Debug)]
pub struct ItemDetail {
    pub item: item::Model,
    pub barcodes: Vec<String>,
}

/// A branch's departure from the catalogue for one item.
#[derive(Clone, Debug)]
pub struct BranchItemInput {
    /// The branch's own price; the base price when absent.
    pub price: Option<Decimal>,
    pub hidden: bool,
}

struct ValidItem {
    sku: String,
    name: String,
    category_id: Option<Uuid>,
    unit: String,
    base_price: i64,
    cost: Option<i64>,
    tax_rate: i64,
    track_stock: bool,
    active: bool,
    barcodes: Vec<String>,
}

fn tax_rate(value: Decimal) -> Result<i64, String> {
    if value > Decimal::ONE_HUNDRED {
        return Err("must be a percentage between 0 and 100".into());
    }
    non_negative_fixed4(value)
}

/// Checks one input; errors are recorded under `prefix` + field name.
fn validate(input: &ItemInput, prefix: &str, errors: &mut FieldErrors) -> Option<ValidItem> {
    let field = |name: &str| format!("{prefix}{name}");
    let sku = errors.check(&field("sku"), required_text(&input.sku, MAX_SKU_LEN));
    let name = errors.check(&field("name"), required_text(&input.name, MAX_NAME_LEN));
    let unit = errors.check(
        &field("unit"),
        optional_text(input.unit.as_deref(), MAX_UNIT_LEN)
            .map(|u| u.unwrap_or_else(|| "piece".into()).to_lowercase()),
    );
    let base_price = errors.check(&field("base_price"), non_negative_fixed4(input.base_price));
    let cost = errors.check(
        &field("cost"),
        input.cost.map(non_negative_fixed4).transpose(),
    );
    let tax_rate = errors.check(
        &field("tax_rate"),
        tax_rate(input.tax_rate.unwrap_or_default()),
    );
    let barcodes = errors.check(&field("barcodes"), barcodes(&input.barcodes));
    Some(ValidItem {
        sku: sku?,
        name: name?,
        category_id: input.category_id,
        unit: unit?,
        base_price: base_price?,
        cost: cost?,
        tax_rate: tax_rate?,
        track_stock: input.track_stock.unwrap_or(true),
        active: input.active.unwrap_or(true),
        barcodes: barcodes?,
    })
}

fn barcodes(values: &[String]) -> Result<Vec<String>, String> {
    if values.len() > MAX_BARCODES {
        return Err(format!("at most {MAX_BARCODES} barcodes"));
    }
    let mut seen = HashSet::new();
    values
        .iter()
        .map(|value| {
            let barcode = required_text(value, MAX_BARCODE_LEN)?;
            if !seen.insert(barcode.clone()) {
                return Err(format!("barcode {barcode} is listed twice"));
            }
            Ok(barcode)
        })
        .collect()
}

/// The payload a terminal stores: the branch's price when it has one.
fn payload(
    item: &item::Model,
    barcodes: &[String],
    branch_price: Option<i64>,
) -> serde_json::Value {
    json!({
        "id": item.id,
        "sku": item.sku,
        "barcodes": barcodes,
        "name": item.name,
        "category_id": item.category_id,
        "unit": item.unit,
        "price": from_fixed4(branch_price.unwrap_or(item.base_price)),
        "tax_rate": from_fixed4(item.tax_rate),
        "track_stock": item.track_stock,
        "active": item.active,
    })
}

/// Publishes the current views of `item_ids` (tombstones for those that are gone).
async fn publish_items<C: ConnectionTrait>(txn: &C, item_ids: &[Uuid]) -> Result<(), DomainError> {
    let mut items = HashMap::new();
    let mut codes: HashMap<Uuid, Vec<String>> = HashMap::new();
    let mut overrides: HashMap<Uuid, Vec<branch_item::Model>> = HashMap::new();
    for chunk in item_ids.chunks(CHUNK) {
        for found in item::Entity::find()
            .filter(item::Column::Id.is_in(chunk.iter().copied()))
            .all(txn)
            .await?
        {
            items.insert(found.id, found);
        }
        for barcode in item_barcode::Entity::find()
            .filter(item_barcode::Column::ItemId.is_in(chunk.iter().copied()))
            .order_by_asc(item_barcode::Column::Barcode)
            .all(txn)
            .await?
        {
            codes
                .entry(barcode.item_id)
                .or_default()
                .push(barcode.barcode);
        }
        for departure in branch_item::Entity::find()
            .filter(branch_item::Column::ItemId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?
        {
            overrides
                .entry(departure.item_id)
                .or_default()
                .push(departure);
        }
    }
    let objects = item_ids.iter().map(|id| {
        let views = match items.get(id) {
            None => Vec::new(),
            Some(item) => {
                let barcodes = codes.get(id).map(Vec::as_slice).unwrap_or_default();
                let mut views = vec![View::everyone(payload(item, barcodes, None))];
                views.extend(overrides.get(id).into_iter().flatten().map(|departure| {
                    let seen =
                        (!departure.hidden).then(|| payload(item, barcodes, departure.price));
                    View::branch(departure.branch_id, seen)
                }));
                views
            }
        };
        (id.to_string(), views)
    });
    feed::publish_many(txn, KIND, objects.collect()).await?;
    Ok(())
}

/// Fails unless every category named exists.
async fn check_categories<C: ConnectionTrait>(
    txn: &C,
    wanted: &[(String, Uuid)],
) -> Result<(), DomainError> {
    let ids: HashSet<Uuid> = wanted.iter().map(|(_, id)| *id).collect();
    let mut found = HashSet::new();
    for chunk in ids.iter().copied().collect::<Vec<_>>().chunks(CHUNK) {
        for category in entity::category::Entity::find()
            .filter(entity::category::Column::Id.is_in(chunk.iter().copied()))
            .all(txn)
            .await?
        {
            found.insert(category.id);
        }
    }
    let mut errors = FieldErrors::default();
    for (field, id) in wanted.iter().filter(|(_, id)| !found.contains(id)) {
        errors.check::<()>(field, Err(format!("no category {id}")));
    }
    errors.into_result()
}

/// Fails when a barcode already belongs to an item other than the one taking it.
async fn check_barcodes<C: ConnectionTrait>(
    txn: &C,
    wanted: &[(String, Option<Uuid>, Vec<String>)],
) -> Result<(), DomainError> {
    let all: Vec<String> = wanted
        .iter()
        .flat_map(|(_, _, codes)| codes.iter().cloned())
        .collect();
    let mut owners = HashMap::new();
    for chunk in all.chunks(CHUNK) {
        for barcode in item_barcode::Entity::find()
            .filter(item_barcode::Column::Barcode.is_in(chunk.iter().cloned()))
            .all(txn)
            .await?
        {
            owners.insert(barcode.barcode, barcode.item_id);
        }
    }
    let mut claimed: HashMap<&str, &str> = HashMap::new();
    let mut errors = FieldErrors::default();
    for (field, item_id, codes) in wanted {
        for code in codes {
            let taken_here = owners
                .get(code)
                .is_some_and(|owner| Some(*owner) != *item_id);
            let taken_in_batch = claimed
                .insert(code, field)
                .is_some_and(|other| other != field);
            if taken_here || taken_in_batch {
                errors.check::<()>(
                    field,
                    Err(format!("barcode {code} belongs to another item")),
                );
            }
        }
    }
    errors.into_result()
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

/// Inserts new items in multi-row statements: an import of thousands stays a few round trips.
async fn insert_new<C: ConnectionTrait>(
    txn: &C,
    fresh: Vec<ValidItem>,
) -> Result<Vec<Uuid>, DomainError> {
    let mut ids = Vec::with_capacity(fresh.len());
    for chunk in fresh.chunks(CHUNK) {
        let models: Vec<item::ActiveModel> =
            chunk.iter().map(|valid| item_model(None, valid)).collect();
        let chunk_ids: Vec<Uuid> = models
            .iter()
            .filter_map(|m| m.id.try_as_ref().copied())
            .collect();
        item::Entity::insert_many(models)
            .exec_without_returning(txn)
            .await
            .map_err(|err| duplicate_sku(err, "in this import"))?;
        let barcodes: Vec<item_barcode::ActiveModel> = chunk
            .iter()
            .zip(&chunk_ids)
            .flat_map(|(valid, item_id)| {
                valid
                    .barcodes
                    .iter()
                    .map(|barcode| item_barcode::ActiveModel {
                        barcode: Set(barcode.clone()),
                        item_id: Set(*item_id),
                    })
            })
            .collect();
        for barcode_chunk in barcodes.chunks(CHUNK) {
            item_barcode::Entity::insert_many(barcode_chunk.to_vec())
                .exec_without_returning(txn)
                .await?;
        }
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

async fn checked(input: &ItemInput, prefix: &str) -> Result<ValidItem, DomainError> {
    let mut errors = FieldErrors::default();
    validate(input, prefix, &mut errors).ok_or_else(|| errors.into_error())
}

async fn check_references<C: ConnectionTrait>(
    txn: &C,
    item_id: Option<Uuid>,
    valid: &ValidItem,
) -> Result<(), DomainError> {
    if let Some(category_id) = valid.category_id {
        check_categories(txn, &[("category_id".into(), category_id)]).await?;
    }
    check_barcodes(txn, &[("barcodes".into(), item_id, valid.barcodes.clone())]).await
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_item(
    db: &DatabaseConnection,
    input: ItemInput,
) -> Result<ItemDetail, DomainError> {
    let valid = checked(&input, "").await?;
    let txn = feed::begin_master_write(db).await?;
    check_references(&txn, None, &valid).await?;
    let barcodes = valid.barcodes.clone();
    let item = save(&txn, None, valid).await?;
    publish_items(&txn, &[item.id]).await?;
    txn.commit().await?;
    Ok(ItemDetail { item, barcodes })
}

/// Replaces every field of an item.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update_item(
    db: &DatabaseConnection,
    id: Uuid,
    input: ItemInput,
) -> Result<ItemDetail, DomainError> {
    let valid = checked(&input, "").await?;
    let txn = feed::begin_master_write(db).await?;
    let current = item::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    check_references(&txn, Some(id), &valid).await?;
    let barcodes = valid.barcodes.clone();
    let item = save(&txn, Some(current), valid).await?;
    publish_items(&txn, &[item.id]).await?;
    txn.commit().await?;
    Ok(ItemDetail { item, barcodes })
}

/// Deletes an item; terminals receive a tombstone.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn delete_item(db: &DatabaseConnection, id: Uuid) -> Result<(), DomainError> {
    let txn = feed::begin_master_write(db).await?;
    let groups = super::item_groups::groups_using_item(&txn, id).await?;
    if groups > 0 {
        return Err(DomainError::conflict(
            Conflict::InUse,
            format!("the item is used by {groups} item groups; take it out of them first"),
        ));
    }
    let deleted = item::Entity::delete_by_id(id)
        .exec(&txn)
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
    publish_items(&txn, &[id]).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn get_item(db: &DatabaseConnection, id: Uuid) -> Result<ItemDetail, DomainError> {
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
) -> Result<Vec<ItemDetail>, DomainError> {
    let mut codes: HashMap<Uuid, Vec<String>> = HashMap::new();
    for barcode in item_barcode::Entity::find()
        .filter(item_barcode::Column::ItemId.is_in(items.iter().map(|i| i.id)))
        .order_by_asc(item_barcode::Column::Barcode)
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
        .map(|item| ItemDetail {
            barcodes: codes.remove(&item.id).unwrap_or_default(),
            item,
        })
        .collect())
}

/// Filters of the item list.
#[derive(Debug, Default)]
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
) -> Result<Page<ItemDetail>, DomainError> {
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

/// Creates or replaces up to [`MAX_IMPORT_ROWS`] items by SKU, all or nothing. Every invalid row
/// is reported, as `items[i].field`.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn import_items(
    db: &DatabaseConnection,
    inputs: Vec<ItemInput>,
) -> Result<u64, DomainError> {
    if inputs.len() > MAX_IMPORT_ROWS {
        return Err(DomainError::invalid(
            "items",
            format!("at most {MAX_IMPORT_ROWS} items per import"),
        ));
    }
    let mut errors = FieldErrors::default();
    let mut seen_skus = HashMap::new();
    let mut valid = Vec::with_capacity(inputs.len());
    for (row, input) in inputs.iter().enumerate() {
        let prefix = format!("items[{row}].");
        if let Some(item) = validate(input, &prefix, &mut errors) {
            if let Some(first) = seen_skus.insert(item.sku.clone(), row) {
                errors.check::<()>(
                    &format!("{prefix}sku"),
                    Err(format!("SKU {} is also in row {first}", item.sku)),
                );
            }
            valid.push((row, item));
        }
    }
    errors.into_result()?;

    let txn = feed::begin_master_write(db).await?;
    let skus: Vec<String> = valid.iter().map(|(_, item)| item.sku.clone()).collect();
    let mut existing = HashMap::new();
    for chunk in skus.chunks(CHUNK) {
        for found in item::Entity::find()
            .filter(item::Column::Sku.is_in(chunk.iter().cloned()))
            .all(&txn)
            .await?
        {
            existing.insert(found.sku.clone(), found);
        }
    }
    let categories: Vec<(String, Uuid)> = valid
        .iter()
        .filter_map(|(row, item)| {
            item.category_id
                .map(|id| (format!("items[{row}].category_id"), id))
        })
        .collect();
    check_categories(&txn, &categories).await?;
    let barcodes: Vec<(String, Option<Uuid>, Vec<String>)> = valid
        .iter()
        .map(|(row, item)| {
            (
                format!("items[{row}].barcodes"),
                existing.get(&item.sku).map(|i| i.id),
                item.barcodes.clone(),
            )
        })
        .collect();
    check_barcodes(&txn, &barcodes).await?;

    let count = valid.len() as u64;
    let mut saved_ids = Vec::with_capacity(valid.len());
    let mut fresh = Vec::new();
    for (_, item) in valid {
        match existing.remove(&item.sku) {
            Some(current) => saved_ids.push(save(&txn, Some(current), item).await?.id),
            None => fresh.push(item),
        }
    }
    saved_ids.extend(insert_new(&txn, fresh).await?);
    publish_items(&txn, &saved_ids).await?;
    txn.commit().await?;
    Ok(count)
}

/// Sets a branch's own price for an item, or hides the item there.
#[tracing::instrument(skip_all, fields(branch_id = %branch_id, item_id = %item_id), err(level = "info"))]
pub async fn set_branch_item(
    db: &DatabaseConnection,
    branch_id: Uuid,
    item_id: Uuid,
    input: BranchItemInput,
) -> Result<branch_item::Model, DomainError> {
    let price = input
        .price
        .map(non_negative_fixed4)
        .transpose()
        .map_err(|message| DomainError::invalid("price", message))?;
    let txn = feed::begin_master_write(db).await?;
    entity::branch::Entity::find_by_id(branch_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("branch"))?;
    item::Entity::find_by_id(item_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    let model = branch_item::ActiveModel {
        branch_id: Set(branch_id),
        item_id: Set(item_id),
        price: Set(price),
        hidden: Set(input.hidden),
        updated_at: Set(Utc::now()),
    };
    let saved = match branch_item::Entity::find_by_id((branch_id, item_id))
        .one(&txn)
        .await?
    {
        Some(_) => model.update(&txn).await?,
        None => model.insert(&txn).await?,
    };
    publish_items(&txn, &[item_id]).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Removes a branch's departure: the item is sold there at its base price again.
pub async fn clear_branch_item(
    db: &DatabaseConnection,
    branch_id: Uuid,
    item_id: Uuid,
) -> Result<(), DomainError> {
    let txn = feed::begin_master_write(db).await?;
    let deleted = branch_item::Entity::delete_by_id((branch_id, item_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(DomainError::NotFound("branch item"));
    }
    publish_items(&txn, &[item_id]).await?;
    txn.commit().await?;
    Ok(())
}

/// A branch's departures from the catalogue, by item.
pub async fn list_branch_items(
    db: &DatabaseConnection,
    branch_id: Uuid,
    page: PageRequest,
) -> Result<Page<branch_item::Model>, DomainError> {
    entity::branch::Entity::find_by_id(branch_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("branch"))?;
    let select = branch_item::Entity::find()
        .filter(branch_item::Column::BranchId.eq(branch_id))
        .order_by_asc(branch_item::Column::ItemId);
    Ok(fetch_page(db, select, page).await?)
}
