//! Console sessions, kept in the database so that every hub process behind a load balancer knows
//! them, and so that deactivating a user ends them at once. The cookie holds a random token; the
//! row holds its SHA-256, so a copy of the table logs nobody in.

use chrono::{DateTime, Duration, Utc};
use entity::{console_session, console_user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::users::ConsoleUser;
use crate::{auth::secret, error::DomainError};

/// How long a session lasts from login.
pub const SESSION_LENGTH: Duration = Duration::hours(12);

/// A new session: the token for the cookie, shown only now.
#[derive(Debug)]
pub struct StartedSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// A live session and its user.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: ConsoleUser,
    /// What every form of this session must carry back.
    pub csrf_token: String,
}

/// Starts a session for a user who just logged in; expired sessions of everyone are dropped on
/// the way, so the table stays the size of the sessions in use.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn start_session(
    db: &DatabaseConnection,
    user_id: Uuid,
) -> Result<StartedSession, DomainError> {
    let now = Utc::now();
    console_session::Entity::delete_many()
        .filter(console_session::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let token = secret::generate_secret();
    let expires_at = now + SESSION_LENGTH;
    console_session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        csrf_token: Set(secret::generate_secret()),
        created_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(db)
    .await?;
    Ok(StartedSession { token, expires_at })
}

/// The session a cookie's token names, while it lasts and its user is active.
pub async fn find_session(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<Session>, DomainError> {
    let found = console_session::Entity::find_by_id(token_hash(token))
        .filter(console_session::Column::ExpiresAt.gt(Utc::now()))
        .find_also_related(console_user::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((session, Some(user))) if user.active => Some(Session {
            user: user.into(),
            csrf_token: session.csrf_token,
        }),
        _ => None,
    })
}

/// Ends the session a cookie's token names (logging out).
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn end_session(db: &DatabaseConnection, token: &str) -> Result<(), DomainError> {
    console_session::Entity::delete_by_id(token_hash(token))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of `user_id` but the one `keep` names (after a password change).
pub async fn end_other_sessions<C: ConnectionTrait>(
    txn: &C,
    user_id: Uuid,
    keep: &str,
) -> Result<(), DomainError> {
    console_session::Entity::delete_many()
        .filter(console_session::Column::UserId.eq(user_id))
        .filter(console_session::Column::TokenHash.ne(token_hash(keep)))
        .exec(txn)
        .await?;
    Ok(())
}

fn token_hash(token: &str) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()))
}
