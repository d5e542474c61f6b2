use sea_orm::entity::prelude::*;

/// The last sequence number handed out in a stream. Writers bump it inside their transaction, so
/// sequence numbers are taken in commit order.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sequence_counter")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub stream: String,
    pub value: i64,
}

impl ActiveModelBehavior for ActiveModel {}
