use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Fixed4;

/// An order a channel placed, under its own order id (the exactly-once key, kept for ever).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_order")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel_id: Uuid,
    pub external_order_id: String,
    /// SHA-256 of the order as placed, to tell a resend from a different order.
    pub content_hash: String,
    pub state: OrderState,
    pub customer_ref: Option<String>,
    #[sea_orm(column_type = "BigInteger")]
    pub total: Fixed4,
    pub placed_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub fulfilled_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub returned_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where an order stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Accepted: its stock is held at its branches.
    #[sea_orm(string_value = "open")]
    Open,
    /// Some branches have shipped their part.
    #[sea_orm(string_value = "partially_fulfilled")]
    PartiallyFulfilled,
    #[sea_orm(string_value = "fulfilled")]
    Fulfilled,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    /// Sent back after fulfilment: its stock came back.
    #[sea_orm(string_value = "returned")]
    Returned,
}
