//! Identity: OAuth2 client credentials for admin clients and terminals, access tokens, callers.

pub mod caller;
pub mod jwt;
pub mod secret;
pub mod throttle;
pub mod token_endpoint;

use chrono::Utc;
use entity::{admin_client, branch, terminal};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use self::jwt::Principal;
use crate::config::Settings;

/// Checks a client's credentials; `None` when the client is unknown, inactive or the secret is wrong
/// (the caller must not learn which).
pub async fn authenticate_client(
    db: &DatabaseConnection,
    client_id: &str,
    presented_secret: &str,
) -> Result<Option<Principal>, DbErr> {
    if let Some((terminal, branch)) = terminal::Entity::find()
        .filter(terminal::Column::ClientId.eq(client_id))
        .find_also_related(branch::Entity)
        .one(db)
        .await?
    {
        let usable = terminal.active && branch.is_some_and(|b| b.active);
        let matches = secret::verify_secret(&terminal.secret_hash, presented_secret);
        return Ok((usable && matches).then_some(Principal::Terminal {
            client_id: terminal.client_id,
            terminal_id: terminal.id,
            branch_id: terminal.branch_id,
        }));
    }
    let Some(admin) = admin_client::Entity::find()
        .filter(admin_client::Column::ClientId.eq(client_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let presented = presented_secret.to_string();
    let stored = admin.secret_hash.clone();
    let matches = tokio::task::spawn_blocking(move || secret::verify_secret(&stored, &presented))
        .await
        .map_err(|e| DbErr::Custom(format!("secret verification task failed: {e}")))?;
    Ok((admin.active && matches).then_some(Principal::Admin {
        client_id: admin.client_id,
    }))
}

/// Whether the client behind a verified token is still allowed in (and, for a terminal, its branch).
pub async fn principal_is_active(
    db: &DatabaseConnection,
    principal: &Principal,
) -> Result<bool, DbErr> {
    Ok(match principal {
        Principal::Admin { client_id } => admin_client::Entity::find()
            .filter(admin_client::Column::ClientId.eq(client_id.as_str()))
            .one(db)
            .await?
            .is_some_and(|admin| admin.active),
        Principal::Terminal { terminal_id, .. } => terminal_is_usable(db, *terminal_id).await?,
    })
}

async fn terminal_is_usable(db: &DatabaseConnection, terminal_id: Uuid) -> Result<bool, DbErr> {
    Ok(terminal::Entity::find_by_id(terminal_id)
        .find_also_related(branch::Entity)
        .one(db)
        .await?
        .is_some_and(|(terminal, branch)| terminal.active && branch.is_some_and(|b| b.active)))
}

/// The admin client made on first start with an empty database: the configured one, or a
/// generated one whose secret is returned so it can be shown once.
pub struct BootstrapAdmin {
    pub client_id: String,
    pub generated_secret: Option<String>,
}

/// Creates the first admin client when there is none.
pub async fn bootstrap_admin(
    db: &DatabaseConnection,
    settings: &Settings,
) -> Result<Option<BootstrapAdmin>, DbErr> {
    if admin_client::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let client_id = settings
        .admin_client_id
        .clone()
        .unwrap_or_else(|| "admin".to_string());
    let (secret, generated) = match &settings.admin_client_secret {
        Some(secret) => (secret.clone(), false),
        None => (secret::generate_secret(), true),
    };
    let hash_input = secret.clone();
    let secret_hash = tokio::task::spawn_blocking(move || secret::hash_chosen_secret(&hash_input))
        .await
        .map_err(|e| DbErr::Custom(format!("hashing task failed: {e}")))?
        .map_err(|e| DbErr::Custom(format!("cannot hash the admin secret: {e}")))?;
    let now = Utc::now();
    let inserted = admin_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client_id.clone()),
        secret_hash: Set(secret_hash),
        name: Set("bootstrap admin".into()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(Some(BootstrapAdmin {
            client_id,
            generated_secret: generated.then_some(secret),
        })),
        // Another replica bootstrapped at the same moment.
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Ok(None)
        }
        Err(err) => Err(err),
    }
}
