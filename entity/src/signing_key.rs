use sea_orm::entity::prelude::*;

/// A key the hub signs access tokens with; persisted so tokens survive a restart and are shared by replicas.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    /// The HMAC secret, base64url without padding.
    pub secret: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
