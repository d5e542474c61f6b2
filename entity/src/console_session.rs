use sea_orm::entity::prelude::*;

/// A logged-in console user's session; the cookie holds the token, the row its SHA-256.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "console_session")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub user_id: Uuid,
    /// Every form of the session carries it; a post without it is refused.
    pub csrf_token: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub user: HasOne<super::console_user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
