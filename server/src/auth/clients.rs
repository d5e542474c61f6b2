//! Managing head office's API clients: each has a role (`admin`, `stock`, `reports`), a secret
//! the hub generates and shows once, and may be deactivated. There is always an active admin.

use chrono::{DateTime, Utc};
use entity::admin_client::{self, ClientRole};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::secret;
use crate::{
    error::{Conflict, DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed,
    validation::{one_of, required_text},
};

const MAX_NAME_LEN: usize = 200;
const MAX_CLIENT_ID_LEN: usize = 64;
/// Generated client ids start so; terminals' start with `trm_`, which a chosen id may not.
const CLIENT_ID_PREFIX: &str = "api";
const TERMINAL_PREFIX: &str = "trm_";
const CHANNEL_PREFIX: &str = "chn_";

/// An API client as admins see it (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClient {
    pub client_id: String,
    pub name: String,
    pub role: ClientRole,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<admin_client::Model> for ApiClient {
    fn from(client: admin_client::Model) -> Self {
        Self {
            client_id: client.client_id,
            name: client.name,
            role: client.role,
            active: client.active,
            created_at: client.created_at,
            updated_at: client.updated_at,
        }
    }
}

/// A client with its secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientCredentials {
    pub client: ApiClient,
    pub client_id: String,
    pub client_secret: String,
}

impl ApiClientCredentials {
    fn new(client: admin_client::Model, client_secret: String) -> Self {
        Self {
            client_id: client.client_id.clone(),
            client_secret,
            client: client.into(),
        }
    }
}

/// A client to make; without a client id one is generated.
#[derive(Debug)]
pub struct NewClient {
    pub client_id: Option<String>,
    pub name: String,
    pub role: String,
}

/// What an update changes; absent fields stay.
#[derive(Debug, Default)]
pub struct ClientChange {
    pub name: Option<String>,
    pub role: Option<String>,
}

fn client_id(value: &str) -> Result<String, String> {
    let id = required_text(value, MAX_CLIENT_ID_LEN)?;
    if id.len() < 3
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "must be 3 to {MAX_CLIENT_ID_LEN} letters, digits, '-', '_' or '.'"
        ));
    }
    if let Some(kept) = [TERMINAL_PREFIX, CHANNEL_PREFIX]
        .into_iter()
        .find(|prefix| id.starts_with(prefix))
    {
        return Err(format!(
            "must not start with {kept}, kept for terminals and sales channels"
        ));
    }
    Ok(id)
}

/// Makes an API client with a generated secret.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_client<C: ConnectionTrait>(
    txn: &C,
    new: NewClient,
) -> Result<ApiClientCredentials, DomainError> {
    let mut errors = FieldErrors::default();
    let id = match new.client_id.as_deref() {
        Some(id) => errors.check("client_id", client_id(id)),
        None => Some(secret::generate_client_id(CLIENT_ID_PREFIX)),
    };
    let name = errors.check("name", required_text(&new.name, MAX_NAME_LEN));
    let role = errors.check("role", one_of::<ClientRole>(&new.role));
    let (Some(id), Some(name), Some(role)) = (id, name, role) else {
        return Err(errors.into_error());
    };
    let client_secret = secret::generate_secret();
    let now = Utc::now();
    let client = admin_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(id),
        secret_hash: Set(secret::hash_generated_secret(&client_secret)),
        name: Set(name),
        role: Set(role),
        active: Set(true),
        credential_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(|err| DomainError::conflict_on_duplicate(err, "this client id is taken"))?;
    Ok(ApiClientCredentials::new(client, client_secret))
}

/// Every API client, ordered by client id.
pub async fn list_clients<C: ConnectionTrait>(
    db: &C,
    page: PageRequest,
) -> Result<Page<ApiClient>, DomainError> {
    let select = admin_client::Entity::find().order_by_asc(admin_client::Column::ClientId);
    Ok(fetch_page(db, select, page).await?.map(ApiClient::from))
}

pub async fn get_client<C: ConnectionTrait>(
    db: &C,
    client_id: &str,
) -> Result<ApiClient, DomainError> {
    find(db, client_id).await.map(ApiClient::from)
}

/// Renames a client or changes its role. A change of role ends its tokens (they were issued
/// for the old one); the last active admin keeps its role.
#[tracing::instrument(skip_all, fields(client_id), err(level = "info"))]
pub async fn update_client<C: ConnectionTrait>(
    txn: &C,
    client_id: &str,
    change: ClientChange,
) -> Result<ApiClient, DomainError> {
    let mut errors = FieldErrors::default();
    let name = errors.check(
        "name",
        match change.name.as_deref() {
            Some(name) => required_text(name, MAX_NAME_LEN).map(Some),
            None => Ok(None),
        },
    );
    let role = errors.check(
        "role",
        change.role.as_deref().map(one_of::<ClientRole>).transpose(),
    );
    let (Some(name), Some(role)) = (name, role) else {
        return Err(errors.into_error());
    };
    let current = find(txn, client_id).await?;
    let mut client = current.clone().into_active_model();
    if let Some(name) = name {
        client.name = Set(name);
    }
    if let Some(role) = role
        && role != current.role
    {
        if current.role == ClientRole::Admin && current.active {
            ensure_another_admin(txn, "demoted").await?;
        }
        client.role = Set(role);
        client.credential_version = Set(current.credential_version + 1);
    }
    client.updated_at = Set(Utc::now());
    let updated = client.update(txn).await?;
    // After the client's row, as every credentials change takes them: no two wait in a cycle.
    if updated.role != current.role {
        feed::credentials_changed(txn).await?;
    }
    Ok(updated.into())
}

/// Replaces a client's secret; the old one and every token issued with it stop working.
#[tracing::instrument(skip_all, fields(client_id), err(level = "info"))]
pub async fn rotate_client_secret<C: ConnectionTrait>(
    txn: &C,
    client_id: &str,
) -> Result<ApiClientCredentials, DomainError> {
    let client_secret = secret::generate_secret();
    let mut client = find(txn, client_id).await?.into_active_model();
    client.secret_hash = Set(secret::hash_generated_secret(&client_secret));
    client.credential_version = Set(client.credential_version.as_ref() + 1);
    client.updated_at = Set(Utc::now());
    let client = client.update(txn).await?;
    feed::credentials_changed(txn).await?;
    Ok(ApiClientCredentials::new(client, client_secret))
}

/// Deactivates (its tokens are refused at once) or reactivates a client; the last active
/// admin stays active. A client already so is left as it is.
#[tracing::instrument(skip_all, fields(client_id), err(level = "info"))]
pub async fn set_client_active<C: ConnectionTrait>(
    txn: &C,
    client_id: &str,
    active: bool,
) -> Result<ApiClient, DomainError> {
    let current = find(txn, client_id).await?;
    if current.active == active {
        // Nothing changes: its tokens stay good.
        return Ok(current.into());
    }
    if !active && current.role == ClientRole::Admin {
        ensure_another_admin(txn, "deactivated").await?;
    }
    let mut client = current.into_active_model();
    client.active = Set(active);
    // Reactivation must not bring back tokens issued before the deactivation.
    client.credential_version = Set(client.credential_version.as_ref() + 1);
    client.updated_at = Set(Utc::now());
    let client = client.update(txn).await?;
    feed::credentials_changed(txn).await?;
    Ok(client.into())
}

/// Refuses when the admin about to lose its rights is the only active one. The active admins'
/// rows are locked first, so two admins demoting each other at once cannot both succeed.
async fn ensure_another_admin<C: ConnectionTrait>(
    txn: &C,
    what_happens: &str,
) -> Result<(), DomainError> {
    let active_admins = || {
        admin_client::Entity::find()
            .filter(admin_client::Column::Role.eq(ClientRole::Admin))
            .filter(admin_client::Column::Active.eq(true))
    };
    admin_client::Entity::update_many()
        .col_expr(
            admin_client::Column::Active,
            Expr::col(admin_client::Column::Active),
        )
        .filter(admin_client::Column::Role.eq(ClientRole::Admin))
        .filter(admin_client::Column::Active.eq(true))
        .exec(txn)
        .await?;
    if active_admins().count(txn).await? > 1 {
        return Ok(());
    }
    Err(DomainError::conflict(
        Conflict::LastAdmin,
        format!(
            "this is the last active admin client and cannot be {what_happens}; make another \
             admin first"
        ),
    ))
}

async fn find<C: ConnectionTrait>(
    db: &C,
    client_id: &str,
) -> Result<admin_client::Model, DomainError> {
    admin_client::Entity::find()
        .filter(admin_client::Column::ClientId.eq(client_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("API client"))
}
