use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// An item a guest may choose in a group, and what it adds to the price.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item_group_option")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_group_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: Uuid,
    /// Added to the parent item's price when chosen (may be negative in a combo).
    #[sea_orm(column_type = "BigInteger")]
    pub price_delta: Fixed4,
    /// Order in which the POS lists the options.
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
