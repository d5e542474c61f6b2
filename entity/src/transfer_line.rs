use sea_orm::entity::prelude::*;

use crate::Fixed4;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfer_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub transfer_ticket_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub item_id: Uuid,
    /// Quantity sent.
    #[sea_orm(column_type = "BigInteger")]
    pub quantity: Fixed4,
    /// Quantity that arrived, once received; any difference is the line's discrepancy.
    #[sea_orm(column_type = "BigInteger", nullable)]
    pub quantity_received: Option<Fixed4>,
}

impl ActiveModelBehavior for ActiveModel {}
