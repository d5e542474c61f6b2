use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// A person who works at the POS (cashier, waiter, manager), not an API client.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_user")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub role: Role,
    /// argon2id PHC string of the PIN.
    pub pin_hash: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// What a staff user may do at the till.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[sea_orm(string_value = "cashier")]
    Cashier,
    #[sea_orm(string_value = "waiter")]
    Waiter,
    #[sea_orm(string_value = "supervisor")]
    Supervisor,
    #[sea_orm(string_value = "manager")]
    Manager,
}
