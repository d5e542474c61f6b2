use sea_orm::entity::prelude::*;

use crate::Fixed4;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item_request_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_request_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub item_id: Uuid,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity_requested: Fixed4,
    /// What the supplier agreed to send, once approved (possibly less, or 0).
    #[sea_orm(column_type = "BigInteger", nullable)]
    pub quantity_approved: Option<Fixed4>,
}

impl ActiveModelBehavior for ActiveModel {}
