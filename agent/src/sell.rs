//! What the POS does at the counter, for tests and demos: record a transaction in the local
//! database, priced from the master data the terminal received.

use std::{collections::BTreeMap, str::FromStr};

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
    pub lines: Vec<LineSpec>,
    /// For a void: the transaction it cancels.
    pub voids: Option<String>,
    pub pos_type: String,
}

/// A line as the cashier rings it up: `ITEM=QUANTITY` or `ITEM=QUANTITY:OPTION,OPTION,…`, items
/// and options by id or SKU; an option named twice is chosen twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineSpec {
    pub item: String,
    pub quantity: String,
    pub options: Vec<String>,
}

impl FromStr for LineSpec {
    type Err = SellError;

    fn from_str(text: &str) -> Result<Self, SellError> {
        let (item, rest) = text.split_once('=').ok_or_else(|| {
            SellError::Invalid(format!("--line {text}: ITEM=QUANTITY[:OPTION,…] expected"))
        })?;
        let (quantity, options) = rest.split_once(':').unwrap_or((rest, ""));
        Ok(Self {
            item: item.to_string(),
            quantity: quantity.to_string(),
            options: options
                .split(',')
                .filter(|o| !o.is_empty())
                .map(String::from)
                .collect(),
        })
    }
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

/// Lines priced and taxed from the local catalogue: the item's price plus its options' deltas.
async fn priced_lines(local: &Local, lines: &[LineSpec]) -> Result<Priced, SellError> {
    if lines.is_empty() {
        return Err(SellError::Invalid("a sale needs at least one line".into()));
    }
    let items = local.objects("item").await?;
    let groups = local.objects("item_group").await?;
    let mut priced = Vec::new();
    for line in lines {
        let (item_id, item) = find_item(&items, &line.item)?;
        let decimal = |value: &Value| value.as_str().and_then(|p| Decimal::from_str(p).ok());
        let mut unit_price = decimal(&item["price"])
            .ok_or_else(|| SellError::Invalid(format!("item {item_id} has no price")))?;
        let quantity = Decimal::from_str(&line.quantity)
            .map_err(|e| SellError::Invalid(format!("quantity {}: {e}", line.quantity)))?;
        let mut options: Vec<(String, String, i32, Decimal)> = Vec::new();
        for option in &line.options {
            let (option_id, _) = find_item(&items, option)?;
            let (group_id, delta) =
                offered_option(&groups, item_id, option_id).ok_or_else(|| {
                    SellError::Invalid(format!("{} offers no option {option}", line.item))
                })?;
            unit_price += delta;
            match options
                .iter_mut()
                .find(|(g, o, _, _)| *g == group_id && o == option_id)
            {
                Some((_, _, times, _)) => *times += 1,
                None => options.push((group_id, option_id.to_string(), 1, delta)),
            }
        }
        priced.push(LineToPrice {
            item_id: item_id.to_string(),
            quantity,
            unit_price,
            tax_rate: decimal(&item["tax_rate"]).unwrap_or_default(),
            options: options
                .into_iter()
                .map(|(group_id, item_id, quantity, delta)| {
                    json!({ "group_id": group_id, "item_id": item_id, "quantity": quantity, "price_delta": delta.normalize().to_string() })
                })
                .collect(),
        });
    }
    Ok(Priced::new(&priced))
}

/// An item of the local catalogue by id or SKU.
fn find_item<'a>(
    items: &'a BTreeMap<String, Value>,
    key: &str,
) -> Result<(&'a str, &'a Value), SellError> {
    items
        .get_key_value(key)
        .or_else(|| items.iter().find(|(_, item)| item["sku"] == key))
        .map(|(id, item)| (id.as_str(), item))
        .ok_or_else(|| SellError::Invalid(format!("item {key} is not in the catalogue")))
}

/// The active group `item_id` offers with `option_id` among its options, and the option's delta.
fn offered_option(
    groups: &BTreeMap<String, Value>,
    item_id: &str,
    option_id: &str,
) -> Option<(String, Decimal)> {
    groups.iter().find_map(|(group_id, group)| {
        let offered =
            group["active"] == true && group["item_ids"].as_array()?.iter().any(|id| id == item_id);
        let option = group["options"]
            .as_array()?
            .iter()
            .find(|o| o["item_id"] == option_id)?;
        let delta = Decimal::from_str(option["price_delta"].as_str()?).ok()?;
        offered.then(|| (group_id.clone(), delta))
    })
}

/// A line before pricing: the item, how many, its unit price and its tax rate in percent.
pub struct LineToPrice {
    pub item_id: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub tax_rate: Decimal,
    /// The options chosen, as sent.
    pub options: Vec<Value>,
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
                let mut sent = json!({
                    "item_id": line.item_id,
                    "quantity": line.quantity.normalize().to_string(),
                    "unit_price": line.unit_price.normalize().to_string(),
                    "tax": line_tax.to_string(),
                    "line_total": line_total.to_string(),
                });
                if !line.options.is_empty() {
                    sent["options"] = json!(line.options);
                }
                sent
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
