use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Fixed4;

/// The part of an order line one branch ships: held while the order is open, then shipped,
/// released (cancelled) or returned.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_allocation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub branch_id: Uuid,
    pub item_id: Uuid,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity: Fixed4,
    pub state: AllocationState,
    pub fulfilled_by: Option<String>,
    pub fulfilled_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum AllocationState {
    /// Held: counts against every channel selling from the branch.
    #[sea_orm(string_value = "reserved")]
    Reserved,
    #[sea_orm(string_value = "fulfilled")]
    Fulfilled,
    #[sea_orm(string_value = "released")]
    Released,
    #[sea_orm(string_value = "returned")]
    Returned,
}
