//! What terminals receive for an item: one view for everyone, and one per branch that departs
//! from the catalogue (its own price, or hidden there).

use std::collections::HashMap;

use entity::{Fixed4, branch_item, item, item_barcode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::{Item, KIND};
use crate::{
    catalog::CHUNK,
    decimal::from_fixed4,
    error::DomainError,
    sync::feed::{self, View},
};

/// The payload a terminal stores: the branch's price when it has one.
fn payload(item: &Item, branch_price: Option<Fixed4>) -> serde_json::Value {
    json!({
        "id": item.id,
        "sku": item.sku,
        "barcodes": item.barcodes,
        "name": item.name,
        "category_id": item.category_id,
        "unit": item.unit,
        "price": branch_price.map_or(item.base_price, from_fixed4),
        "tax_rate": item.tax_rate,
        "track_stock": item.track_stock,
        "active": item.active,
    })
}

/// Publishes the views of items just created: everyone's, as no branch departs from them yet.
pub(super) async fn publish_new_items<C: ConnectionTrait>(
    txn: &C,
    items: &[Item],
) -> Result<(), DomainError> {
    let objects = items
        .iter()
        .map(|item| {
            (
                item.id.to_string(),
                vec![View::everyone(payload(item, None))],
            )
        })
        .collect();
    feed::publish_new(txn, KIND, objects).await?;
    Ok(())
}

/// Publishes the current views of `item_ids` (tombstones for those that are gone).
pub(super) async fn publish_items<C: ConnectionTrait>(
    txn: &C,
    item_ids: &[Uuid],
) -> Result<(), DomainError> {
    let mut found = Vec::with_capacity(item_ids.len());
    let mut codes: HashMap<Uuid, Vec<String>> = HashMap::new();
    for chunk in item_ids.chunks(CHUNK) {
        found.extend(
            item::Entity::find()
                .filter(item::Column::Id.is_in(chunk.iter().copied()))
                .all(txn)
                .await?,
        );
        for barcode in item_barcode::Entity::find()
            .filter(item_barcode::Column::ItemId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?
        {
            codes
                .entry(barcode.item_id)
                .or_default()
                .push(barcode.barcode);
        }
    }
    let items: Vec<Item> = found
        .into_iter()
        .map(|item| {
            let barcodes = codes.remove(&item.id).unwrap_or_default();
            Item::new(item, barcodes)
        })
        .collect();
    publish_written(txn, item_ids, &items).await
}

/// Publishes the views of `item_ids` given what was just written of them (`items`; an id with
/// none is gone): everyone's view and each branch's departure from it.
pub(super) async fn publish_written<C: ConnectionTrait>(
    txn: &C,
    item_ids: &[Uuid],
    items: &[Item],
) -> Result<(), DomainError> {
    let items: HashMap<Uuid, &Item> = items.iter().map(|item| (item.id, item)).collect();
    let mut overrides: HashMap<Uuid, Vec<branch_item::Model>> = HashMap::new();
    for chunk in item_ids.chunks(CHUNK) {
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
                let mut views = vec![View::everyone(payload(item, None))];
                views.extend(overrides.get(id).into_iter().flatten().map(|departure| {
                    let seen = (!departure.hidden).then(|| payload(item, departure.price));
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
