use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    pub mode: Mode,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity: Fixed4,
    /// What the line changed on hand by.
    #[sea_orm(column_type = "BigInteger")]
    pub delta_applied: Fixed4,
    pub reason_code: String,
}

impl ActiveModelBehavior for ActiveModel {}

/// How an adjustment line changes on hand.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Add the signed quantity.
    #[sea_orm(string_value = "delta")]
    Delta,
    /// Set on hand to the quantity (a stock count).
    #[sea_orm(string_value = "count")]
    Count,
}
