use sea_orm::entity::prelude::*;

use crate::admin_client::ClientRole;

/// A person who uses the web console, with the same roles as API clients.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "console_user")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-cased; what the person logs in with.
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    /// argon2id, PHC string format.
    pub password_hash: String,
    pub role: ClientRole,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub sessions: HasMany<super::console_session::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
