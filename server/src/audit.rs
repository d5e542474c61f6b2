//! The audit trail: every write made through the API (documents, master data, branches,
//! terminals, clients), with who made it, in the transaction of the write itself.

use chrono::{DateTime, Utc};
use entity::audit_entry;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
};

/// A write and who made it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// The client id of the caller (`terminal:<id>` for a terminal).
    pub actor: String,
    pub method: String,
    /// The path, its ids in canonical form.
    pub path: String,
    /// The status the write was answered with.
    pub status: u16,
}

impl From<audit_entry::Model> for AuditEntry {
    fn from(entry: audit_entry::Model) -> Self {
        Self {
            id: entry.id,
            at: entry.at,
            actor: entry.actor,
            method: entry.method,
            path: entry.path,
            status: u16::try_from(entry.status).unwrap_or_default(),
        }
    }
}

/// The write being recorded.
#[derive(Debug)]
pub struct Write<'a> {
    pub actor: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
}

/// Records a write, in the transaction that makes it.
pub async fn record<C: ConnectionTrait>(txn: &C, write: Write<'_>) -> Result<(), DbErr> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        actor: Set(write.actor.to_string()),
        method: Set(write.method.to_string()),
        path: Set(write.path.to_string()),
        status: Set(i16::try_from(write.status).unwrap_or(i16::MAX)),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Paths starting with this (`/api/v1/items` for every item write).
    pub path_prefix: Option<String>,
}

/// The newest writes first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEntry>, DomainError> {
    let mut select = audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::At)
        .order_by_desc(audit_entry::Column::Id);
    if let Some(actor) = filter.actor {
        select = select.filter(audit_entry::Column::Actor.eq(actor));
    }
    if let Some(prefix) = filter.path_prefix {
        select = select.filter(audit_entry::Column::Path.starts_with(prefix));
    }
    Ok(fetch_page(db, select, page).await?.map(AuditEntry::from))
}
