use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// A closed shift's figures for one payment method.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shift_tender")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shift_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub payment_method_id: Uuid,
    #[sea_orm(column_type = "BigInteger")]
    pub expected: Fixed4,
    #[sea_orm(column_type = "BigInteger")]
    pub counted: Fixed4,
    /// Counted minus expected: below zero is short.
    #[sea_orm(column_type = "BigInteger")]
    pub difference: Fixed4,
}

impl ActiveModelBehavior for ActiveModel {}
