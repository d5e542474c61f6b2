use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// How much of an ingredient item one unit of a recipe's item uses, in the ingredient's unit.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recipe_ingredient")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub recipe_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: Uuid,
    /// Order in which the recipe lists it.
    pub position: i32,
    #[sea_orm(column_type = "BigInteger")]
    pub quantity: Fixed4,
}

impl ActiveModelBehavior for ActiveModel {}
