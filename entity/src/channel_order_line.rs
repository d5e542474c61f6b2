use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// A line of a channel's order.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_order_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub item_id: Uuid,
    pub external_item_id: String,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub unit_price: Fixed4,
    /// The part of the quantity that was not available when the order was placed.
    #[sea_orm(column_type = "BigInteger")]
    pub backordered: Fixed4,
}

impl ActiveModelBehavior for ActiveModel {}
