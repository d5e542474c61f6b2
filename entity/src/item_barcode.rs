use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item_barcode")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub barcode: String,
    pub item_id: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}
