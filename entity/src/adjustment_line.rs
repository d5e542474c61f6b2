use sea_orm::entity::prelude::*;

use crate::Fixed4;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "adjustment_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub adjustment_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub item_id: Uuid,
    /// `delta` (add the signed quantity) or `count` (set on hand to the quantity).
    pub mode: String,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity: Fixed4,
    /// What the line changed on hand by.
    #[sea_orm(column_type = "BigInteger")]
    pub delta_applied: Fixed4,
    pub reason_code: String,
}

impl ActiveModelBehavior for ActiveModel {}
