use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// An item a channel sells, under the channel's own id for it (seed 001's `item_ecommerce_id`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: Uuid,
    pub external_id: String,
    /// Overrides the channel's safety stock for this item.
    #[sea_orm(column_type = "BigInteger", nullable)]
    pub safety_stock: Option<Fixed4>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
