//! Admin clients: the first one made at start, the configured credentials checked against the
//! stored ones, and a lost secret replaced from the machine.

use chrono::Utc;
use entity::admin_client;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::secret;
use crate::{config::Settings, error::DomainError};

/// The client id of the first admin when the settings name none.
pub const DEFAULT_ADMIN_CLIENT_ID: &str = "admin";

/// What the start did about the admin client of the settings.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminBootstrap {
    /// The database had no admin client: this one was made. A generated secret is shown once.
    Created {
        client_id: String,
        generated_secret: Option<String>,
    },
    /// Admin clients exist and the settings give no secret, or the one stored.
    Kept,
    /// Admin clients exist, and the configured secret is not the stored one of that client id
    /// (or there is no such client): the settings are used only on first start.
    ConfiguredSecretIgnored { client_id: String },
}

fn configured_client_id(settings: &Settings) -> String {
    settings
        .admin_client_id
        .clone()
        .unwrap_or_else(|| DEFAULT_ADMIN_CLIENT_ID.to_string())
}

/// Creates the first admin client when there is none; otherwise tells whether the configured
/// secret still is the stored one, so a changed setting is not ignored without a word.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn bootstrap_admin(
    db: &DatabaseConnection,
    settings: &Settings,
) -> Result<AdminBootstrap, DomainError> {
    let client_id = configured_client_id(settings);
    if admin_client::Entity::find().count(db).await? > 0 {
        let Some(configured) = settings.admin_client_secret.clone() else {
            return Ok(AdminBootstrap::Kept);
        };
        let stored = find(db, &client_id).await?;
        let matches = match stored {
            Some(admin) => secret::verify_secret_off_workers(admin.secret_hash, configured).await?,
            None => false,
        };
        return Ok(if matches {
            AdminBootstrap::Kept
        } else {
            AdminBootstrap::ConfiguredSecretIgnored { client_id }
        });
    }
    let (secret, generated) = match &settings.admin_client_secret {
        Some(secret) => (secret.clone(), false),
        None => (secret::generate_secret(), true),
    };
    let now = Utc::now();
    let inserted = admin_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client_id.clone()),
        secret_hash: Set(secret::hash_chosen_secret_off_workers(secret.clone()).await?),
        name: Set("bootstrap admin".into()),
        role: Set(admin_client::ClientRole::Admin),
        active: Set(true),
        credential_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(AdminBootstrap::Created {
            client_id,
            generated_secret: generated.then_some(secret),
        }),
        // Another replica bootstrapped at the same moment.
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Ok(AdminBootstrap::Kept)
        }
        Err(err) => Err(err.into()),
    }
}

/// Gives the admin client `client_id` a new generated secret and returns it; `None` when there is
/// no such client. The old secret stops working at once.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn reset_admin_secret(
    db: &DatabaseConnection,
    client_id: &str,
) -> Result<Option<String>, DomainError> {
    let Some(admin) = find(db, client_id).await? else {
        return Ok(None);
    };
    let new_secret = secret::generate_secret();
    let mut admin = admin.into_active_model();
    admin.credential_version = Set(admin.credential_version.as_ref() + 1);
    admin.secret_hash = Set(secret::hash_chosen_secret_off_workers(new_secret.clone()).await?);
    admin.updated_at = Set(Utc::now());
    let txn = db.begin().await?;
    admin.update(&txn).await?;
    crate::sync::feed::credentials_changed(&txn).await?;
    txn.commit().await?;
    Ok(Some(new_secret))
}

/// The admin client with this client id.
pub(super) async fn find(
    db: &DatabaseConnection,
    client_id: &str,
) -> Result<Option<admin_client::Model>, DbErr> {
    admin_client::Entity::find()
        .filter(admin_client::Column::ClientId.eq(client_id))
        .one(db)
        .await
}
