use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// How one branch departs from the catalogue for one item: its own price, or hidden there.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "branch_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub branch_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: Uuid,
    #[sea_orm(column_type = "BigInteger", nullable)]
    pub price: Option<Fixed4>,
    pub hidden: bool,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
