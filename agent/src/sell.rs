//! What the POS does at the counter, for tests and demos: record a transaction in the local
//! database, priced from the master data the terminal received.

use std::str::FromStr;

use chrono::Local as LocalTime;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::local::{self, Local, entities::local_sale};

#[derive(Debug, thiserror::Error)]
pub enum SellError {
    #[error("local database: {0}")]
    Local(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Invalid(String),
}

/// A transaction to record.
#[derive(Clone, Debug)]
pub struct Sale {
    /// The terminal's id; a new one when absent. Giving an existing work order's id records its
    /// next revision.
    pub id: Option<String>,
    /// `sale`, `return`, `work_order` or `void`.
    pub kind: String,
    /// `settled`, or `open` (retail work orders).
    pub status: String,
    /// (item id, quantity).
    pub lines: Vec<(String, String)>,
    /// For a void: the transaction it cancels.
    pub voids: Option<String>,
    pub pos_type: String,
}

/// Records `sale` and returns the transaction as it will be sent.
pub async fn record(local: &Local, sale: Sale) -> Result<Value, SellError> {
    let id = sale
        .id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let earlier = local.sale(&id).await?;
    let revision = match &earlier {
        Some(earlier) if earlier.status == "open" && sale.kind == "work_order" => {
            earlier.revision + 1
        }
        Some(_) => {
            return Err(SellError::Invalid(format!(
                "transaction {id} is recorded already; only an open work order changes"
            )));
        }
        None => 1,
    };
    let staff = first_id(local, "staff_user").await?;
    let now = LocalTime::now();
    let mut body = json!({
        "id": id,
        "receipt_number": format!("R-{}", now.format("%Y%m%d%H%M%S%3f")),
        "kind": sale.kind,
        "status": sale.status,
        "local_time": now.to_rfc3339(),
        "business_date": now.format("%Y-%m-%d").to_string(),
        "staff_user_id": staff,
    });
    if let Some(voids) = &sale.voids {
        body["voids"] = json!(voids);
    } else {
        let (lines, total) = priced_lines(local, &sale.lines).await?;
        let total = total.normalize().to_string();
        body["lines"] = json!(lines);
        body["totals"] = json!({ "subtotal": total, "discount": "0", "tax": "0", "total": total });
        body["payments"] = if sale.status == "open" {
            json!([])
        } else {
            json!([{ "payment_method_id": first_id(local, "payment_method").await?, "amount": total }])
        };
        if sale.kind == "work_order" {
            body["revision"] = json!(revision);
        }
        if sale.pos_type == "restaurant" && sale.kind == "sale" {
            body["order_type"] = json!("dine_in");
        }
    }
    local
        .record_sale(local_sale::Model {
            id,
            revision,
            status: sale.status,
            body: body.to_string(),
            sync_state: local::PENDING.into(),
            created_at: earlier.map_or_else(|| now.timestamp_millis(), |e| e.created_at),
        })
        .await?;
    Ok(body)
}

/// Lines priced from the local catalogue.
async fn priced_lines(
    local: &Local,
    lines: &[(String, String)],
) -> Result<(Vec<Value>, Decimal), SellError> {
    if lines.is_empty() {
        return Err(SellError::Invalid("a sale needs at least one line".into()));
    }
    let mut priced = Vec::new();
    for (item_id, quantity) in lines {
        let item = local
            .object("item", item_id)
            .await?
            .ok_or_else(|| SellError::Invalid(format!("item {item_id} is not in the catalogue")))?;
        let price = item["price"]
            .as_str()
            .and_then(|p| Decimal::from_str(p).ok())
            .ok_or_else(|| SellError::Invalid(format!("item {item_id} has no price")))?;
        let quantity = Decimal::from_str(quantity)
            .map_err(|e| SellError::Invalid(format!("quantity {quantity}: {e}")))?;
        priced.push((item_id.clone(), quantity, price));
    }
    Ok(line_values(&priced))
}

/// The JSON lines of (item, quantity, unit price), each total rounded to cents, and their sum.
pub fn line_values(lines: &[(String, Decimal, Decimal)]) -> (Vec<Value>, Decimal) {
    let mut total = Decimal::ZERO;
    let values = lines
        .iter()
        .map(|(item_id, quantity, price)| {
            let line_total = (quantity * price)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
                .normalize();
            total += line_total;
            json!({
                "item_id": item_id,
                "quantity": quantity.normalize().to_string(),
                "unit_price": price.normalize().to_string(),
                "line_total": line_total.to_string(),
            })
        })
        .collect();
    (values, total)
}

/// The id of the first object of a kind the terminal received (its staff user, its cash).
async fn first_id(local: &Local, kind: &str) -> Result<String, SellError> {
    local
        .objects(kind)
        .await?
        .into_keys()
        .next()
        .ok_or_else(|| SellError::Invalid(format!("no {kind} received from the hub yet")))
}
