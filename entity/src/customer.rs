use sea_orm::entity::prelude::*;

use crate::Fixed4;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[sea_orm(column_type = "BigInteger")]
    pub loyalty_points: Fixed4,
    pub tax_id: Option<String>,
    pub active: bool,
    /// Raised by every change; a till's edit names the version it saw.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
