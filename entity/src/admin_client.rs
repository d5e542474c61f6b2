use sea_orm::entity::prelude::*;

/// An OAuth2 client with scope `admin` (head-office tools).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_client")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub client_id: String,
    pub secret_hash: String,
    pub name: String,
    pub active: bool,
    /// Raised when the secret is replaced or the client is deactivated or reactivated; tokens
    /// issued under another version are refused.
    pub credential_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
