//! What the POS does at the counter, for tests and demos: record a transaction in the local
//! database, priced from the master data the terminal received.

use std::str::FromStr;

use chrono::Local as LocalTime;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::local::{self, Local, entities::local_sale};

/// The series of the receipts this agent numbers: `R-000001`, `R-000002`, …
pub const RECEIPT_SERIES: &str = "R-";

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
    let receipt_number = match &earlier {
        // A work order's revisions keep its receipt.
        Some(earlier) => serde_json::from_str::<Value>(&earlier.body)
            .ok()
            .and_then(|body| body["receipt_number"].as_str().map(String::from))
            .unwrap_or_default(),
        None => format!(
            "{RECEIPT_SERIES}{:06}",
            local.next_receipt_number(RECEIPT_SERIES).await?
        ),
    };
    let mut body = json!({
        "id": id,
        "receipt_number": receipt_number,
        "kind": sale.kind,
        "status": sale.status,
        "local_time": now.to_rfc3339(),
        "business_date": now.format("%Y-%m-%d").to_string(),
        "staff_user_id": staff,
    });
    if let Some(voids) = &sale.voids {
        body["voids"] = json!(voids);
    } else {
        let priced = priced_lines(local, &sale.lines).await?;
        let total = priced.total().to_string();
        body["totals"] = priced.totals();
        body["lines"] = json!(priced.lines);
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

/// Lines priced and taxed from the local catalogue.
async fn priced_lines(local: &Local, lines: &[(String, String)]) -> Result<Priced, SellError> {
    if lines.is_empty() {
        return Err(SellError::Invalid("a sale needs at least one line".into()));
    }
    let mut priced = Vec::new();
    for (item_id, quantity) in lines {
        let item = local
            .object("item", item_id)
            .await?
            .ok_or_else(|| SellError::Invalid(format!("item {item_id} is not in the catalogue")))?;
        let decimal = |field: &str| item[field].as_str().and_then(|p| Decimal::from_str(p).ok());
        let unit_price = decimal("price")
            .ok_or_else(|| SellError::Invalid(format!("item {item_id} has no price")))?;
        let quantity = Decimal::from_str(quantity)
            .map_err(|e| SellError::Invalid(format!("quantity {quantity}: {e}")))?;
        priced.push(LineToPrice {
            item_id: item_id.clone(),
            quantity,
            unit_price,
            tax_rate: decimal("tax_rate").unwrap_or_default(),
        });
    }
    Ok(Priced::new(&priced))
}

/// A line before pricing: the item, how many, its unit price and its tax rate in percent.
pub struct LineToPrice {
    pub item_id: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub tax_rate: Decimal,
}

/// The JSON lines of a sale and their sums.
pub struct Priced {
    pub lines: Vec<Value>,
    pub subtotal: Decimal,
    pub tax: Decimal,
}

fn cents(amount: Decimal) -> Decimal {
    amount
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

impl Priced {
    /// Each line's total and tax rounded to cents (half away from zero), tax on top of the price.
    pub fn new(lines: &[LineToPrice]) -> Self {
        let mut subtotal = Decimal::ZERO;
        let mut tax = Decimal::ZERO;
        let lines = lines
            .iter()
            .map(|line| {
                let line_total = cents(line.quantity * line.unit_price);
                let line_tax = cents(line_total * line.tax_rate / Decimal::ONE_HUNDRED);
                subtotal += line_total;
                tax += line_tax;
                json!({
                    "item_id": line.item_id,
                    "quantity": line.quantity.normalize().to_string(),
                    "unit_price": line.unit_price.normalize().to_string(),
                    "tax": line_tax.to_string(),
                    "line_total": line_total.to_string(),
                })
            })
            .collect();
        Self {
            lines,
            subtotal,
            tax,
        }
    }

    pub fn total(&self) -> Decimal {
        (self.subtotal + self.tax).normalize()
    }

    /// The transaction's `totals`.
    pub fn totals(&self) -> Value {
        json!({
            "subtotal": self.subtotal.normalize().to_string(),
            "discount": "0",
            "tax": self.tax.normalize().to_string(),
            "total": self.total().to_string(),
        })
    }
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
