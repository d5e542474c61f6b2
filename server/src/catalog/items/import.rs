//! Importing items by SKU, all or nothing.

use std::collections::HashMap;

use entity::{item, item_barcode, outbound_event::EventType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TryIntoModel,
};
use uuid::Uuid;

use super::{
    Item, ItemInput, duplicate_sku, emit_each, emit_items,
    feed::{publish_items, publish_new_items},
    item_model, save,
    validate::{ValidItem, check_barcodes, check_categories, validate},
};
use crate::{
    catalog::CHUNK,
    error::{DomainError, FieldErrors},
    sync::feed,
};

pub const MAX_IMPORT_ROWS: usize = 5_000;

/// Inserts new items in multi-row statements (an import of thousands stays a few round trips),
/// and returns them as the API shows them, without reading them back.
async fn insert_new<C: ConnectionTrait>(
    txn: &C,
    fresh: Vec<ValidItem>,
) -> Result<Vec<Item>, DomainError> {
    let mut created = Vec::with_capacity(fresh.len());
    for chunk in fresh.chunks(CHUNK) {
        let models: Vec<item::ActiveModel> =
            chunk.iter().map(|valid| item_model(None, valid)).collect();
        let rows = models
            .iter()
            .map(|model| model.clone().try_into_model())
            .collect::<Result<Vec<item::Model>, _>>()?;
        item::Entity::insert_many(models)
            .exec_without_returning(txn)
            .await
            .map_err(|err| duplicate_sku(err, "in this import"))?;
        let barcodes: Vec<item_barcode::ActiveModel> = chunk
            .iter()
            .zip(&rows)
            .flat_map(|(valid, row)| {
                valid
                    .barcodes
                    .iter()
                    .map(|barcode| item_barcode::ActiveModel {
                        barcode: Set(barcode.clone()),
                        item_id: Set(row.id),
                    })
            })
            .collect();
        for barcode_chunk in barcodes.chunks(CHUNK) {
            item_barcode::Entity::insert_many(barcode_chunk.to_vec())
                .exec_without_returning(txn)
                .await?;
        }
        created.extend(chunk.iter().zip(rows).map(|(valid, row)| {
            // In the order the database lists them in, as an item read back would have them.
            let mut barcodes = valid.barcodes.clone();
            barcodes.sort();
            Item::new(row, barcodes)
        }));
    }
    Ok(created)
}

/// One row of an import, with the name its errors give it (`items[3]` of a JSON body,
/// `rows[5]` for line 5 of a CSV file).
#[derive(Debug)]
pub struct ImportRow {
    pub label: String,
    pub input: ItemInput,
}

/// Checks every row by the rules that need no database (fields, SKUs twice in the import),
/// recording what is wrong in `errors`.
pub fn check_rows(rows: &[ImportRow], errors: &mut FieldErrors) {
    valid_rows(rows, errors);
}

/// [`check_rows`], keeping the valid rows with their labels.
fn valid_rows<'a>(rows: &'a [ImportRow], errors: &mut FieldErrors) -> Vec<(&'a str, ValidItem)> {
    let mut seen_skus: HashMap<String, &str> = HashMap::new();
    let mut valid = Vec::with_capacity(rows.len());
    for row in rows {
        let prefix = format!("{}.", row.label);
        if let Some(item) = validate(&row.input, &prefix, errors) {
            if let Some(first) = seen_skus.insert(item.sku.clone(), &row.label) {
                errors.check::<()>(
                    &format!("{prefix}sku"),
                    Err(format!("SKU {} is also in {first}", item.sku)),
                );
            }
            valid.push((row.label.as_str(), item));
        }
    }
    valid
}

/// Creates or replaces up to [`MAX_IMPORT_ROWS`] items by SKU, all or nothing. Every invalid row
/// is reported, as `<label>.field`; `whole` names the import itself.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn import_items<C: ConnectionTrait>(
    txn: &C,
    whole: &str,
    rows: Vec<ImportRow>,
) -> Result<u64, DomainError> {
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(DomainError::invalid(
            whole,
            format!("at most {MAX_IMPORT_ROWS} items per import"),
        ));
    }
    let mut errors = FieldErrors::default();
    let valid = valid_rows(&rows, &mut errors);
    errors.into_result()?;

    feed::lock_master(txn).await?;
    let skus: Vec<String> = valid.iter().map(|(_, item)| item.sku.clone()).collect();
    let mut existing = HashMap::new();
    for chunk in skus.chunks(CHUNK) {
        for found in item::Entity::find()
            .filter(item::Column::Sku.is_in(chunk.iter().cloned()))
            .all(txn)
            .await?
        {
            existing.insert(found.sku.clone(), found);
        }
    }
    let categories: Vec<(String, Uuid)> = valid
        .iter()
        .filter_map(|(row, item)| {
            item.category_id
                .map(|id| (format!("{row}.category_id"), id))
        })
        .collect();
    check_categories(txn, &categories).await?;
    let barcodes: Vec<(String, Option<Uuid>, Vec<String>)> = valid
        .iter()
        .map(|(row, item)| {
            (
                format!("{row}.barcodes"),
                existing.get(&item.sku).map(|i| i.id),
                item.barcodes.clone(),
            )
        })
        .collect();
    check_barcodes(txn, &barcodes).await?;

    let count = valid.len() as u64;
    let mut updated_ids = Vec::with_capacity(valid.len());
    let mut fresh = Vec::new();
    for (_, item) in valid {
        match existing.remove(&item.sku) {
            Some(current) => updated_ids.push(save(txn, Some(current), item).await?.id),
            None => fresh.push(item),
        }
    }
    let created = insert_new(txn, fresh).await?;
    publish_items(txn, &updated_ids).await?;
    publish_new_items(txn, &created).await?;
    emit_items(txn, EventType::ItemUpdated, &updated_ids).await?;
    emit_each(txn, EventType::ItemCreated, &created).await?;
    Ok(count)
}
