//! Settings: key/value pairs, global or per branch; a branch's own value wins for its terminals.

use chrono::{DateTime, Utc};
use entity::setting;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
    sync::feed::{self, ALL_BRANCHES, View},
};

pub const KIND: &str = "setting";
const MAX_KEY_LEN: usize = 100;
const MAX_VALUE_LEN: usize = 10_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct Setting {
    key: String,
    /// The branch this value is for; none for the global value.
    branch_id: Option<Uuid>,
    value: String,
    updated_at: DateTime<Utc>,
}

impl From<setting::Model> for Setting {
    fn from(s: setting::Model) -> Self {
        let branch_id = (s.scope != ALL_BRANCHES)
            .then(|| s.scope.parse().ok())
            .flatten();
        Self {
            key: s.key,
            branch_id,
            value: s.value,
            updated_at: s.updated_at,
        }
    }
}

fn key(value: &str) -> Result<String, DomainError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_KEY_LEN
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(value.to_string())
    } else {
        Err(DomainError::invalid(
            "key",
            format!("must be 1 to {MAX_KEY_LEN} letters, digits, '_', '-' or '.'"),
        ))
    }
}

fn scope(branch_id: Option<Uuid>) -> String {
    branch_id.map_or_else(|| ALL_BRANCHES.to_string(), |id| id.to_string())
}

/// Publishes every view of one key: the global value to all, each branch's own value to that branch.
async fn publish_key<C: ConnectionTrait>(txn: &C, key: &str) -> Result<(), DomainError> {
    let rows = setting::Entity::find()
        .filter(setting::Column::Key.eq(key))
        .all(txn)
        .await?;
    let views = rows
        .into_iter()
        .map(|row| View {
            payload: Some(json!({ "key": row.key, "value": row.value })),
            audience: row.scope,
        })
        .collect();
    feed::publish(txn, KIND, key.to_string(), views).await?;
    Ok(())
}

/// Sets a key globally (`branch_id` none) or for one branch.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn put_setting<C: ConnectionTrait>(
    txn: &C,
    branch_id: Option<Uuid>,
    key_name: &str,
    value: String,
) -> Result<Setting, DomainError> {
    let key = key(key_name)?;
    if value.len() > MAX_VALUE_LEN {
        return Err(DomainError::invalid(
            "value",
            format!("must be at most {MAX_VALUE_LEN} bytes"),
        ));
    }
    feed::lock_master(txn).await?;
    if let Some(branch_id) = branch_id {
        entity::branch::Entity::find_by_id(branch_id)
            .one(txn)
            .await?
            .ok_or(DomainError::NotFound("branch"))?;
    }
    let model = setting::ActiveModel {
        key: Set(key.clone()),
        scope: Set(scope(branch_id)),
        value: Set(value),
        updated_at: Set(Utc::now()),
    };
    let saved = match setting::Entity::find_by_id((key.clone(), scope(branch_id)))
        .one(txn)
        .await?
    {
        Some(_) => model.update(txn).await?,
        None => model.insert(txn).await?,
    };
    publish_key(txn, &key).await?;
    Ok(saved.into())
}

/// Removes a global value or a branch's own value (the branch then sees the global one).
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn delete_setting<C: ConnectionTrait>(
    txn: &C,
    branch_id: Option<Uuid>,
    key_name: &str,
) -> Result<(), DomainError> {
    let key = key(key_name)?;
    feed::lock_master(txn).await?;
    if setting::Entity::delete_by_id((key.clone(), scope(branch_id)))
        .exec(txn)
        .await?
        .rows_affected
        == 0
    {
        return Err(DomainError::NotFound("setting"));
    }
    publish_key(txn, &key).await?;
    Ok(())
}

/// Settings by key; only one branch's own values when `branch_id` is given, else the global ones.
pub async fn list_settings(
    db: &DatabaseConnection,
    branch_id: Option<Uuid>,
    page: PageRequest,
) -> Result<Page<Setting>, DomainError> {
    let select = setting::Entity::find()
        .filter(setting::Column::Scope.eq(scope(branch_id)))
        .order_by_asc(setting::Column::Key);
    Ok(fetch_page(db, select, page).await?.map(Setting::from))
}
