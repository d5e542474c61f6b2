use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// Cash of a branch's closed shifts taken to the bank (seed 002's deposit history).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cash_deposit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub branch_id: Uuid,
    #[sea_orm(column_type = "BigInteger")]
    pub amount: Fixed4,
    /// The cash the shifts counted.
    #[sea_orm(column_type = "BigInteger")]
    pub expected: Fixed4,
    pub deposited_at: DateTimeUtc,
    pub reference: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
