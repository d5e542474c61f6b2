use sea_orm::entity::prelude::*;

use crate::Fixed4;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sales_transaction_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub item_id: Uuid,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub unit_price: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub discount: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub tax: Fixed4,
    /// quantity × unit_price − discount.
    #[sea_orm(column_type = "BigInteger")]
    pub line_total: Fixed4,
}

impl ActiveModelBehavior for ActiveModel {}
