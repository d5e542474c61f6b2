use sea_orm::entity::prelude::*;

/// A branch whose stock a channel sells; orders take stock from branches by `priority`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_branch")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub branch_id: Uuid,
    pub priority: i32,
}

impl ActiveModelBehavior for ActiveModel {}
