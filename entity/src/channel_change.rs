use sea_orm::entity::prelude::*;

/// An item whose availability to a channel may have changed: written unnumbered by the change,
/// numbered after it committed (the `channel_changes` counter), read as the channel's feed.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: Uuid,
    pub external_id: String,
    pub seq: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
