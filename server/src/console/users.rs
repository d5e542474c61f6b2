//! Console users: a name, an email to log in with, a password (argon2id) and a role.

use std::sync::OnceLock;

use chrono::Utc;
use entity::{admin_client::ClientRole, console_session, console_user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::sessions;
use crate::{
    auth::secret,
    error::{Conflict, DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    validation,
};

/// The shortest password a console user may choose.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A console user as the console shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConsoleUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: ClientRole,
    pub active: bool,
}

impl From<console_user::Model> for ConsoleUser {
    fn from(model: console_user::Model) -> Self {
        Self {
            id: model.id,
            email: model.email,
            name: model.name,
            role: model.role,
            active: model.active,
        }
    }
}

/// A new console user.
#[derive(Debug)]
pub struct NewConsoleUser {
    pub email: String,
    pub name: String,
    pub role: ClientRole,
    pub password: String,
}

/// A new user's fields, checked, with the password hashed: done before the transaction that
/// stores the user, since argon2id takes tens of milliseconds.
#[derive(Debug)]
pub struct CheckedConsoleUser {
    email: String,
    name: String,
    role: ClientRole,
    password_hash: String,
}

/// Checks a new user's fields and hashes the password.
pub async fn check_new_user(new: NewConsoleUser) -> Result<CheckedConsoleUser, DomainError> {
    let mut errors = FieldErrors::default();
    let email = errors.check("email", parse_email(&new.email));
    let name = errors.check("name", validation::required_text(&new.name, 200));
    errors.check("password", check_password_strength(&new.password));
    errors.into_result()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(DomainError::internal("checked fields", "missing"));
    };
    Ok(CheckedConsoleUser {
        email,
        name,
        role: new.role,
        password_hash: secret::hash_chosen_secret_off_workers(new.password).await?,
    })
}

/// Stores a console user; the email must be new.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_user<C: ConnectionTrait>(
    txn: &C,
    user: CheckedConsoleUser,
) -> Result<ConsoleUser, DomainError> {
    let now = Utc::now();
    let model = console_user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(user.email),
        name: Set(user.name),
        password_hash: Set(user.password_hash),
        role: Set(user.role),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(|e| DomainError::conflict_on_duplicate(e, "a console user with this email exists"))?;
    Ok(model.into())
}

/// Every console user, by email.
pub async fn list_users(
    db: &DatabaseConnection,
    page: PageRequest,
) -> Result<Page<ConsoleUser>, DomainError> {
    let select = console_user::Entity::find()
        .order_by_asc(console_user::Column::Email)
        .order_by_asc(console_user::Column::Id);
    Ok(fetch_page(db, select, page).await?.map(ConsoleUser::from))
}

/// Activates or deactivates a user; deactivation ends the user's sessions at once. The last
/// active admin cannot be deactivated, so someone can always manage users.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn set_user_active<C: ConnectionTrait>(
    txn: &C,
    user_id: Uuid,
    active: bool,
) -> Result<ConsoleUser, DomainError> {
    let user = console_user::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("console user"))?;
    if !active && user.active && user.role == ClientRole::Admin {
        let active_admins = console_user::Entity::find()
            .filter(console_user::Column::Role.eq(ClientRole::Admin))
            .filter(console_user::Column::Active.eq(true))
            .all(txn)
            .await?
            .len();
        if active_admins <= 1 {
            return Err(DomainError::conflict(
                Conflict::LastAdmin,
                "the last active admin cannot be deactivated",
            ));
        }
    }
    if !active {
        console_session::Entity::delete_many()
            .filter(console_session::Column::UserId.eq(user_id))
            .exec(txn)
            .await?;
    }
    let mut model: console_user::ActiveModel = user.into();
    model.active = Set(active);
    model.updated_at = Set(Utc::now());
    Ok(model.update(txn).await?.into())
}

/// A hash no password matches, made once per process: an unknown email is verified against it,
/// so that it takes as long as a known one.
static UNKNOWN_USER_HASH: OnceLock<String> = OnceLock::new();

/// The active user with this email and password; `None` for a wrong email or password alike, and
/// just as slowly.
pub async fn authenticate(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> Result<Option<ConsoleUser>, DomainError> {
    let user = console_user::Entity::find()
        .filter(console_user::Column::Email.eq(email.trim().to_lowercase()))
        .filter(console_user::Column::Active.eq(true))
        .one(db)
        .await?;
    let stored_hash = match (&user, UNKNOWN_USER_HASH.get()) {
        (Some(user), _) => user.password_hash.clone(),
        (None, Some(hash)) => hash.clone(),
        (None, None) => {
            let hash = secret::hash_chosen_secret_off_workers(secret::generate_secret()).await?;
            UNKNOWN_USER_HASH.get_or_init(|| hash).clone()
        }
    };
    let matches = secret::verify_secret_off_workers(stored_hash, password.to_string()).await?;
    Ok(user.filter(|_| matches).map(ConsoleUser::from))
}

/// A new password, checked and hashed, for [`set_password`].
#[derive(Debug)]
pub struct NewPassword(String);

/// Checks a password change: `current` must be the user's password, `new` long enough; hashes
/// `new` (before the transaction that stores it, as argon2id is slow).
pub async fn check_new_password(
    db: &DatabaseConnection,
    user_id: Uuid,
    current: &str,
    new: &str,
) -> Result<NewPassword, DomainError> {
    let user = console_user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("console user"))?;
    let matches =
        secret::verify_secret_off_workers(user.password_hash, current.to_string()).await?;
    let mut errors = FieldErrors::default();
    if !matches {
        errors.check::<()>("current_password", Err("is not your password".into()));
    }
    errors.check("new_password", check_password_strength(new));
    errors.into_result()?;
    Ok(NewPassword(
        secret::hash_chosen_secret_off_workers(new.to_string()).await?,
    ))
}

/// Stores a user's new password; their sessions end, but for the one that changed it.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn set_password<C: ConnectionTrait>(
    txn: &C,
    user_id: Uuid,
    password: NewPassword,
    keep_session: &str,
) -> Result<(), DomainError> {
    let user = console_user::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("console user"))?;
    let mut model: console_user::ActiveModel = user.into();
    model.password_hash = Set(password.0);
    model.updated_at = Set(Utc::now());
    model.update(txn).await?;
    sessions::end_other_sessions(txn, user_id, keep_session).await
}

fn parse_email(email: &str) -> Result<String, String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err("must be an email address".into())
    }
}

fn check_password_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"))
    } else {
        Ok(())
    }
}
