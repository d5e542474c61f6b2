use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Fixed4;

/// A terminal's shift, under the terminal's own id (the exactly-once key).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shift")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub terminal_id: Uuid,
    pub branch_id: Uuid,
    pub staff_user_id: Uuid,
    /// The terminal's clock.
    pub opened_at: DateTimeUtc,
    #[sea_orm(column_type = "BigInteger")]
    pub opening_float: Fixed4,
    pub state: ShiftState,
    pub closed_at: Option<DateTimeUtc>,
    /// SHA-256 of the close as sent, to tell a resend from another close.
    pub close_hash: Option<String>,
    /// Counted minus expected, over every payment method, once closed.
    #[sea_orm(column_type = "BigInteger", nullable)]
    pub difference: Option<Fixed4>,
    /// The bank deposit its cash went into.
    pub deposit_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum ShiftState {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "closed")]
    Closed,
}
