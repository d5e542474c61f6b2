use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Fixed4;

/// A transaction a terminal sent: a sale, a return, a void of an earlier one, or a retail work
/// order. Amounts are as the terminal computed them, checked to add up.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales_transaction")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub branch_id: Uuid,
    pub terminal_id: Uuid,
    /// The terminal's own id for it: the exactly-once key, unique per terminal forever.
    pub terminal_transaction_id: Uuid,
    pub receipt_number: String,
    pub kind: Kind,
    pub status: Status,
    /// The terminal's revision of a work order; 1 for everything else.
    pub revision: i32,
    /// For a void: the transaction it cancels.
    pub voids_transaction_id: Option<Uuid>,
    /// The void that cancelled this transaction.
    pub voided_by_transaction_id: Option<Uuid>,
    /// When it happened, in UTC (the terminal's clock).
    pub occurred_at: DateTimeUtc,
    /// The terminal's offset from UTC when it happened.
    pub utc_offset_minutes: i32,
    pub business_date: Date,
    pub staff_user_id: Uuid,
    pub customer_id: Option<Uuid>,
    /// Restaurants.
    pub order_type: Option<OrderType>,
    pub table_label: Option<String>,
    pub covers: Option<i32>,
    /// Whether line totals already include the tax.
    pub tax_inclusive: bool,
    #[sea_orm(column_type = "BigInteger")]
    pub subtotal: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub discount_total: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub tax_total: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub total: Fixed4,
    /// SHA-256 of the transaction as sent, to tell a resend from a different transaction.
    pub content_hash: String,
    pub received_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the hub recorded it settled and moved its stock.
    pub settled_at: Option<DateTimeUtc>,
    /// Its hash in the branch's sales journal, once settled.
    pub journal_hash: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[sea_orm(string_value = "sale")]
    Sale,
    #[sea_orm(string_value = "return")]
    Return,
    /// Cancels an earlier sale or return of the branch: its stock effect is reversed.
    #[sea_orm(string_value = "void")]
    Void,
    /// Retail only: may arrive open and be sent again as it changes; stock moves once settled.
    #[sea_orm(string_value = "work_order")]
    WorkOrder,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[sea_orm(string_value = "settled")]
    Settled,
    /// Only retail work orders may be open.
    #[sea_orm(string_value = "open")]
    Open,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    #[sea_orm(string_value = "dine_in")]
    DineIn,
    #[sea_orm(string_value = "take_away")]
    TakeAway,
    #[sea_orm(string_value = "delivery")]
    Delivery,
}
