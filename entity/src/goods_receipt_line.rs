use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// What one delivery brought for one purchase-order line.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "goods_receipt_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub goods_receipt_id: Uuid,
    /// The purchase-order line received.
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity: Fixed4,
}

impl ActiveModelBehavior for ActiveModel {}
