use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "branch")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub pos_type: PosType,
    /// IANA time zone name, e.g. `Asia/Manila`.
    pub time_zone: String,
    pub active: bool,
    /// Whether documents may drive an item's quantity below zero here (sales always may).
    pub allow_negative_stock: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub terminals: HasMany<super::terminal::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Which POS a branch runs; it decides which rules apply to its transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum PosType {
    #[sea_orm(string_value = "retail")]
    Retail,
    #[sea_orm(string_value = "restaurant")]
    Restaurant,
}
