use sea_orm::entity::prelude::*;

/// An event an admin told a subscription to pass over, kept for the record.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "skipped_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub subscription_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub skipped_at: DateTimeUtc,
    pub skipped_by: String,
}

impl ActiveModelBehavior for ActiveModel {}
