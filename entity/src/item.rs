use sea_orm::entity::prelude::*;

use crate::Fixed4;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub sku: String,
    pub name: String,
    pub category_id: Option<Uuid>,
    /// Unit of sale: `piece`, `kg`, …; quantities may be fractional.
    pub unit: String,
    #[sea_orm(column_type = "BigInteger")]
    pub base_price: Fixed4,
    #[sea_orm(column_type = "BigInteger", nullable)]
    pub cost: Option<Fixed4>,
    /// Tax rate in percent.
    #[sea_orm(column_type = "BigInteger")]
    pub tax_rate: Fixed4,
    pub track_stock: bool,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
