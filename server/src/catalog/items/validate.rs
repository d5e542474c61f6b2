//! Checking an item as submitted: fields, barcodes, and the categories and barcodes it names.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::ItemInput;
use crate::{
    catalog::CHUNK,
    decimal::non_negative_fixed4,
    error::{DomainError, FieldErrors},
    validation::{optional_text, required_text},
};
use entity::{Fixed4, item_barcode};

const MAX_SKU_LEN: usize = 64;

const MAX_NAME_LEN: usize = 200;

const MAX_UNIT_LEN: usize = 16;

const MAX_BARCODE_LEN: usize = 64;

const MAX_BARCODES: usize = 20;

pub(super) struct ValidItem {
    pub(super) sku: String,
    pub(super) name: String,
    pub(super) category_id: Option<Uuid>,
    pub(super) unit: String,
    pub(super) base_price: Fixed4,
    pub(super) cost: Option<Fixed4>,
    pub(super) tax_rate: Fixed4,
    pub(super) track_stock: bool,
    pub(super) active: bool,
    pub(super) barcodes: Vec<String>,
}

fn tax_rate(value: Decimal) -> Result<Fixed4, String> {
    if value > Decimal::ONE_HUNDRED {
        return Err("must be a percentage between 0 and 100".into());
    }
    non_negative_fixed4(value)
}

/// Checks one input; errors are recorded under `prefix` + field name.
pub(super) fn validate(
    input: &ItemInput,
    prefix: &str,
    errors: &mut FieldErrors,
) -> Option<ValidItem> {
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

/// Fails unless every category named exists.
pub(super) async fn check_categories<C: ConnectionTrait>(
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
pub(super) async fn check_barcodes<C: ConnectionTrait>(
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

pub(super) async fn checked(input: &ItemInput, prefix: &str) -> Result<ValidItem, DomainError> {
    let mut errors = FieldErrors::default();
    validate(input, prefix, &mut errors).ok_or_else(|| errors.into_error())
}

pub(super) async fn check_references<C: ConnectionTrait>(
    txn: &C,
    item_id: Option<Uuid>,
    valid: &ValidItem,
) -> Result<(), DomainError> {
    if let Some(category_id) = valid.category_id {
        check_categories(txn, &[("category_id".into(), category_id)]).await?;
    }
    check_barcodes(txn, &[("barcodes".into(), item_id, valid.barcodes.clone())]).await
}
