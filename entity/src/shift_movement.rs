use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Fixed4;

/// Cash put into or taken out of a shift's drawer, with why.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shift_movement")]
pub struct Model {
    /// The terminal's own id (the exactly-once key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub shift_id: Uuid,
    pub kind: MovementKind,
    #[sea_orm(column_type = "BigInteger")]
    pub amount: Fixed4,
    pub reason: String,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    #[sea_orm(string_value = "paid_in")]
    PaidIn,
    #[sea_orm(string_value = "paid_out")]
    PaidOut,
}
