//! What admins and terminals read of transactions, with amounts as decimals.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::sales_transaction::{self, Kind, OrderType, Status};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::{DailyFigures, KindFigures, TransactionDetail};
use crate::{channels, decimal::from_fixed4};

/// A transaction as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionSummary {
    /// The hub's id.
    pub id: Uuid,
    pub branch_id: Uuid,
    pub terminal_id: Uuid,
    /// The terminal's id.
    pub terminal_transaction_id: Uuid,
    pub receipt_number: String,
    pub kind: Kind,
    pub status: Status,
    pub revision: i32,
    /// For a void: the hub's id of the transaction it cancels.
    pub voids_transaction_id: Option<Uuid>,
    /// The void that cancelled it.
    pub voided_by_transaction_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub utc_offset_minutes: i32,
    #[schema(value_type = String)]
    pub business_date: NaiveDate,
    pub staff_user_id: Uuid,
    pub staff_user_name: String,
    pub customer_id: Option<Uuid>,
    pub order_type: Option<OrderType>,
    pub table: Option<String>,
    pub covers: Option<i32>,
    pub tax_inclusive: bool,
    #[schema(value_type = String)]
    pub subtotal: Decimal,
    #[schema(value_type = String)]
    pub discount: Decimal,
    #[schema(value_type = String)]
    pub tax: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
    pub received_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

impl TransactionSummary {
    pub(super) fn new(t: sales_transaction::Model, staff_user_name: String) -> Self {
        Self {
            id: t.id,
            branch_id: t.branch_id,
            terminal_id: t.terminal_id,
            terminal_transaction_id: t.terminal_transaction_id,
            receipt_number: t.receipt_number,
            kind: t.kind,
            status: t.status,
            revision: t.revision,
            voids_transaction_id: t.voids_transaction_id,
            voided_by_transaction_id: t.voided_by_transaction_id,
            occurred_at: t.occurred_at,
            utc_offset_minutes: t.utc_offset_minutes,
            business_date: t.business_date,
            staff_user_id: t.staff_user_id,
            staff_user_name,
            customer_id: t.customer_id,
            order_type: t.order_type,
            table: t.table_label,
            covers: t.covers,
            tax_inclusive: t.tax_inclusive,
            subtotal: from_fixed4(t.subtotal),
            discount: from_fixed4(t.discount_total),
            tax: from_fixed4(t.tax_total),
            total: from_fixed4(t.total),
            received_at: t.received_at,
            settled_at: t.settled_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesLine {
    pub line_no: i32,
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub discount: Decimal,
    #[schema(value_type = String)]
    pub tax: Decimal,
    #[schema(value_type = String)]
    pub line_total: Decimal,
    /// Restaurants: the options chosen.
    pub options: Vec<SalesLineOption>,
}

/// An option chosen on a line, with its group and item named.
#[derive(Debug, Serialize, ToSchema)]
pub struct SalesLineOption {
    pub group_id: Uuid,
    pub group_name: String,
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    /// Per unit of the line.
    pub quantity: i32,
    #[schema(value_type = String)]
    pub price_delta: Decimal,
    /// Its part of the line's revenue: a modifier's delta × quantity × the line's quantity; a
    /// combo part's share of the rest of the line total by list price.
    #[schema(value_type = String)]
    pub revenue: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesPayment {
    pub payment_method_id: Uuid,
    pub payment_method_name: String,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub reference: Option<String>,
}

/// One transaction whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transaction {
    #[serde(flatten)]
    pub transaction: TransactionSummary,
    pub lines: Vec<SalesLine>,
    pub payments: Vec<SalesPayment>,
}

impl From<TransactionDetail> for Transaction {
    fn from(d: TransactionDetail) -> Self {
        let (items, methods) = (&d.items, &d.methods);
        let mut options: HashMap<i32, Vec<SalesLineOption>> = HashMap::new();
        for o in d.options {
            let (sku, item_name) = items.get(&o.item_id).cloned().unwrap_or_default();
            options.entry(o.line_no).or_default().push(SalesLineOption {
                group_id: o.item_group_id,
                group_name: d
                    .group_names
                    .get(&o.item_group_id)
                    .cloned()
                    .unwrap_or_default(),
                item_id: o.item_id,
                sku,
                item_name,
                quantity: o.quantity,
                price_delta: from_fixed4(o.price_delta),
                revenue: from_fixed4(o.revenue),
            });
        }
        Self {
            transaction: TransactionSummary::new(d.transaction, d.staff_user_name),
            lines: d
                .lines
                .into_iter()
                .map(|l| {
                    let (sku, item_name) = items.get(&l.item_id).cloned().unwrap_or_default();
                    SalesLine {
                        line_no: l.line_no,
                        item_id: l.item_id,
                        sku,
                        item_name,
                        quantity: from_fixed4(l.quantity),
                        unit_price: from_fixed4(l.unit_price),
                        discount: from_fixed4(l.discount),
                        tax: from_fixed4(l.tax),
                        line_total: from_fixed4(l.line_total),
                        options: options.remove(&l.line_no).unwrap_or_default(),
                    }
                })
                .collect(),
            payments: d
                .payments
                .into_iter()
                .map(|p| SalesPayment {
                    payment_method_name: methods
                        .get(&p.payment_method_id)
                        .cloned()
                        .unwrap_or_default(),
                    payment_method_id: p.payment_method_id,
                    amount: from_fixed4(p.amount),
                    reference: p.reference,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KindTotals {
    pub count: i64,
    /// Sum of line totals.
    #[schema(value_type = String)]
    pub subtotal: Decimal,
    #[schema(value_type = String)]
    pub discount: Decimal,
    #[schema(value_type = String)]
    pub tax: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
}

impl From<KindFigures> for KindTotals {
    fn from(t: KindFigures) -> Self {
        Self {
            count: t.count,
            subtotal: from_fixed4(t.subtotal),
            discount: from_fixed4(t.discount),
            tax: from_fixed4(t.tax),
            total: from_fixed4(t.total),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DailySales {
    #[schema(value_type = String)]
    pub business_date: NaiveDate,
    /// Settled sales and work orders, voided ones left out.
    pub sales: KindTotals,
    /// Returns, voided ones left out.
    pub returns: KindTotals,
    /// Voids recorded that day.
    pub voids: i64,
    /// Sales total minus returns total.
    #[schema(value_type = String)]
    pub net_total: Decimal,
    /// Paid minus refunded, by payment method (by name).
    pub payments: Vec<MethodAmount>,
    /// Sales channels' orders the branch shipped, and what came back: not in the figures above.
    pub online: channels::OnlineTotals,
}

/// An amount taken with one payment method.
#[derive(Debug, Serialize, ToSchema)]
pub struct MethodAmount {
    pub payment_method_id: Uuid,
    pub payment_method_name: String,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

impl DailySales {
    /// A day's figures, its payment methods named from `names`.
    pub(super) fn new(d: DailyFigures, names: &HashMap<Uuid, String>) -> Self {
        let mut payments: Vec<MethodAmount> = d
            .payments
            .into_iter()
            .map(|(method, amount)| MethodAmount {
                payment_method_id: method,
                payment_method_name: names.get(&method).cloned().unwrap_or_default(),
                amount: from_fixed4(amount),
            })
            .collect();
        payments.sort_by(|a, b| a.payment_method_name.cmp(&b.payment_method_name));
        Self {
            business_date: d.business_date,
            net_total: from_fixed4(d.sales.total - d.returns.total),
            sales: d.sales.into(),
            returns: d.returns.into(),
            voids: d.voids,
            payments,
            online: d.online.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Held {
    /// The terminal's id.
    pub id: Uuid,
    /// The hub's id.
    pub transaction_id: Uuid,
    /// `settled`, or `open` for a work order.
    pub status: Status,
    pub revision: i32,
}
