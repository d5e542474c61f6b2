use sea_orm::entity::prelude::*;

use crate::Fixed4;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchase_order_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub purchase_order_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub item_id: Uuid,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity_ordered: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity_received: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub unit_cost: Fixed4,
}

impl ActiveModelBehavior for ActiveModel {}
