use sea_orm::entity::prelude::*;

/// An item that offers a group (the latte that offers "Milk").
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item_group_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_group_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}
