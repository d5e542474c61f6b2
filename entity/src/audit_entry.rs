use sea_orm::entity::prelude::*;

/// One write made through the API, and who made it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// The client id of the caller (`terminal:<id>` for a terminal).
    pub actor: String,
    pub method: String,
    /// The path with its ids in canonical form.
    pub path: String,
    pub status: i16,
}

impl ActiveModelBehavior for ActiveModel {}
