use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "branch")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    /// `retail` or `restaurant`.
    pub pos_type: String,
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
