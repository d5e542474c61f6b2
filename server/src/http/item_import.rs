//! Importing items by SKU, all or nothing: a JSON body (`{"items":[…]}`), or a CSV file
//! (`text/csv`, a header row naming the columns) whose errors name the line.

use actix_web::{HttpResponse, http::StatusCode, post, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{idempotent::WriteRequest, items::ItemRequest};
use crate::{
    auth::caller::AdminCaller,
    catalog::items::{self, ImportRow, ItemInput},
    decimal,
    error::{ApiError, DomainError, FieldErrors, Problem},
};

/// An import of 5,000 items is a few megabytes; other bodies keep the configured limit.
const IMPORT_BODY_LIMIT: usize = 16 * 1024 * 1024;
/// The columns a CSV import may have; `sku`, `name` and `base_price` it must have.
const COLUMNS: [&str; 10] = [
    "sku",
    "name",
    "category_id",
    "unit",
    "base_price",
    "cost",
    "tax_rate",
    "track_stock",
    "active",
    "barcodes",
];
const REQUIRED_COLUMNS: [&str; 3] = ["sku", "name", "base_price"];
/// Separates an item's barcodes in their one CSV cell.
const BARCODE_SEPARATOR: char = '|';

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/items/import")
            .app_data(web::PayloadConfig::new(IMPORT_BODY_LIMIT))
            .service(import_items),
    );
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// Up to 5,000 items, created or replaced by SKU.
    items: Vec<ItemRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Items created or replaced.
    imported: u64,
}

/// Create or replace up to 5,000 items by SKU, all or nothing. JSON rows' errors are named
/// `items[i].field`; a CSV file's (`text/csv`: a header row of `sku`, `name`, `category_id`,
/// `unit`, `base_price`, `cost`, `tax_rate`, `track_stock`, `active`, `barcodes` separated by
/// `|`; empty cells are absent values) `rows[n].field`, `n` being the line of the file.
#[utoipa::path(
    request_body(content(
        (ImportRequest = "application/json"),
        (String = "text/csv"),
    )),
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "catalog",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = ImportResult),
        (status = 422, description = "Invalid rows; nothing was imported", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn import_items(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let (whole, rows) = match write.csv() {
        Some(csv) => {
            let (rows, mut errors) = csv_rows(csv)?;
            if !errors.is_empty() {
                // Cells that cannot be read, and every other rule the rows break, at once.
                items::check_rows(&rows, &mut errors);
                return Err(errors.into_error().into());
            }
            ("rows", rows)
        }
        None => {
            let body: ImportRequest = write.json()?;
            let rows = body
                .items
                .into_iter()
                .enumerate()
                .map(|(i, item)| ImportRow {
                    label: format!("items[{i}]"),
                    input: item.into(),
                })
                .collect();
            ("items", rows)
        }
    };
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            items::import_items(txn, whole, rows)
                .await
                .map(|imported| ImportResult { imported })
        })
        .await
}

/// The rows of a CSV import, each named by its line, and the cells that cannot be read (their
/// rows left out). A header that is not the import's is refused at once.
fn csv_rows(csv: &[u8]) -> Result<(Vec<ImportRow>, FieldErrors), ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| DomainError::invalid("rows[1]", format!("cannot read the header: {e}")))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut errors = FieldErrors::default();
    for column in &header {
        if !COLUMNS.contains(&column.as_str()) {
            errors.check::<()>(
                "rows[1]",
                Err(format!(
                    "unknown column {column}; the columns are {}",
                    COLUMNS.join(", ")
                )),
            );
        }
    }
    for required in REQUIRED_COLUMNS {
        if !header.iter().any(|c| c == required) {
            errors.check::<()>("rows[1]", Err(format!("the column {required} is missing")));
        }
    }
    errors.into_result()?;

    let mut errors = FieldErrors::default();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                errors.check::<()>(
                    &format!("rows[{line}]"),
                    Err(format!("cannot be read: {e}")),
                );
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let label = format!("rows[{line}]");
        if record.len() != header.len() {
            errors.check::<()>(
                &label,
                Err(format!(
                    "has {} cells; the header has {}",
                    record.len(),
                    header.len()
                )),
            );
            continue;
        }
        let cell = |column: &str| {
            header
                .iter()
                .position(|c| c == column)
                .and_then(|i| record.get(i))
                .filter(|text| !text.is_empty())
        };
        let field = |column: &str| format!("{label}.{column}");
        let decimal = |errors: &mut FieldErrors, column: &str| -> Option<Option<Decimal>> {
            errors.check(
                &field(column),
                cell(column).map(decimal::parse_text).transpose(),
            )
        };
        let flag = |errors: &mut FieldErrors, column: &str| -> Option<Option<bool>> {
            errors.check(&field(column), cell(column).map(parse_flag).transpose())
        };
        let base_price = decimal(&mut errors, "base_price");
        let cost = decimal(&mut errors, "cost");
        let tax_rate = decimal(&mut errors, "tax_rate");
        let track_stock = flag(&mut errors, "track_stock");
        let active = flag(&mut errors, "active");
        let category_id = errors.check(
            &field("category_id"),
            cell("category_id")
                .map(|id| Uuid::parse_str(id).map_err(|_| "must be a UUID".to_string()))
                .transpose(),
        );
        let base_price = match base_price {
            Some(None) => errors.check(&field("base_price"), Err("is required".to_string())),
            other => other.flatten(),
        };
        let (
            Some(base_price),
            Some(cost),
            Some(tax_rate),
            Some(track_stock),
            Some(active),
            Some(category_id),
        ) = (base_price, cost, tax_rate, track_stock, active, category_id)
        else {
            continue;
        };
        let barcodes = cell("barcodes")
            .map(|cell| {
                cell.split(BARCODE_SEPARATOR)
                    .map(str::trim)
                    .filter(|code| !code.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        rows.push(ImportRow {
            label,
            input: ItemInput {
                sku: cell("sku").unwrap_or_default().to_string(),
                name: cell("name").unwrap_or_default().to_string(),
                category_id,
                unit: cell("unit").map(String::from),
                base_price,
                cost,
                tax_rate,
                track_stock,
                active,
                barcodes,
            },
        });
    }
    Ok((rows, errors))
}

fn parse_flag(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err("must be true or false".into()),
    }
}
