//! Importing items by SKU, all or nothing.

use std::collections::HashMap;

use entity::{item, item_barcode, outbound_event::EventType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TryIntoModel,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::{
    Item, ItemInput, duplicate_sku, emit_each,
    feed::{publish_new_items, publish_written},
    item_model,
    validate::{ValidItem, check_barcodes, check_categories, validate},
};
use crate::{
    catalog::CHUNK,
    error::{DomainError, FieldErrors},
    inventory::ledger::insert_chunked,
    sync::feed,
};

pub const MAX_IMPORT_ROWS: usize = 5_000;

/// Writes checked items in multi-row statements, new ones inserted and existing ones
/// (`replace`) overwritten with their barcodes, so an import of thousands stays a few round
/// trips; returns them as the API shows them, without reading them back.
async fn write_items<C: ConnectionTrait>(
    txn: &C,
    rows: Vec<(item::ActiveModel, ValidItem)>,
    replace: bool,
) -> Result<Vec<Item>, DomainError> {
    let mut written = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let models: Vec<item::ActiveModel> = chunk.iter().map(|(model, _)| model.clone()).collect();
        let items = models
            .iter()
            .map(|model| model.clone().try_into_model())
            .collect::<Result<Vec<item::Model>, _>>()?;
        let ids: Vec<Uuid> = items.iter().map(|item| item.id).collect();
        let insert = item::Entity::insert_many(models);
        if replace {
            insert
                .on_conflict(
                    OnConflict::column(item::Column::Id)
                        .update_columns(REPLACED_COLUMNS)
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
            item_barcode::Entity::delete_many()
                .filter(item_barcode::Column::ItemId.is_in(ids.iter().copied()))
                .exec(txn)
                .await?;
        } else {
            insert
                .exec_without_returning(txn)
                .await
                .map_err(|err| duplicate_sku(err, "in this import"))?;
        }
        let barcodes: Vec<item_barcode::ActiveModel> = chunk
            .iter()
            .zip(&ids)
            .flat_map(|((_, valid), item_id)| {
                valid
                    .barcodes
                    .iter()
                    .map(|barcode| item_barcode::ActiveModel {
                        barcode: Set(barcode.clone()),
                        item_id: Set(*item_id),
                    })
            })
            .collect();
        insert_chunked(txn, barcodes).await?;
        written.extend(
            chunk
                .iter()
                .zip(items)
                .map(|((_, valid), item)| Item::new(item, valid.barcodes.clone())),
        );
    }
    Ok(written)
}

/// What an import changes of an item it finds by SKU: everything but its id and creation time.
const REPLACED_COLUMNS: [item::Column; 10] = [
    item::Column::Sku,
    item::Column::Name,
    item::Column::CategoryId,
    item::Column::Unit,
    item::Column::BasePrice,
    item::Column::Cost,
    item::Column::TaxRate,
    item::Column::TrackStock,
    item::Column::Active,
    item::Column::UpdatedAt,
];

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
    let (mut replaced, mut fresh) = (Vec::new(), Vec::new());
    for (_, item) in valid {
        match existing.remove(&item.sku) {
            Some(current) => replaced.push((item_model(Some(current), &item), item)),
            None => fresh.push((item_model(None, &item), item)),
        }
    }
    let updated = write_items(txn, replaced, true).await?;
    let created = write_items(txn, fresh, false).await?;
    let updated_ids: Vec<Uuid> = updated.iter().map(|item| item.id).collect();
    publish_written(txn, &updated_ids, &updated).await?;
    publish_new_items(txn, &created).await?;
    emit_each(txn, EventType::ItemUpdated, &updated).await?;
    emit_each(txn, EventType::ItemCreated, &created).await?;
    Ok(count)
}
