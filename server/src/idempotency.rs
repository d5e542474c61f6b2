//! `Idempotency-Key` (IETF draft semantics): the first answer to a key is kept and given again to
//! retries with the same request; the same key with another request is refused. The key is claimed
//! in the transaction that does the work, so a crash leaves neither.

use chrono::Utc;
use entity::idempotency_key;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    SqlErr, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::error::{Conflict, DomainError};

pub const MAX_KEY_LEN: usize = 200;

/// Who used a key, for what, and with which request.
#[derive(Clone, Debug)]
pub struct KeyUse {
    pub client_id: String,
    /// Method and path of the request.
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

impl KeyUse {
    pub fn new(client_id: &str, scope: String, key: String, body: &[u8]) -> Self {
        Self {
            client_id: client_id.into(),
            scope,
            key,
            request_hash: hex::encode(Sha256::digest(body)),
        }
    }
}

/// The outcome of claiming a key.
#[derive(Debug)]
pub enum Claim {
    /// First use: do the work, then [`record`] the answer.
    New,
    /// Seen before with the same request: give this answer again.
    Replay { status: u16, body: String },
}

/// Claims `key` inside `txn`. A concurrent request with the same key waits on the claim until the
/// first commits, then gets its answer.
pub async fn claim(txn: &DatabaseTransaction, key: &KeyUse) -> Result<Claim, DomainError> {
    // A plain insert in a savepoint: its unique violation tells a repeat on every database
    // (MySQL reports an ignored duplicate as one affected row) and leaves the transaction usable.
    let attempt = txn.begin().await?;
    let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        client_id: Set(key.client_id.clone()),
        scope: Set(key.scope.clone()),
        key: Set(key.key.clone()),
        request_hash: Set(key.request_hash.clone()),
        status_code: Set(0),
        response_body: Set(String::new()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(&attempt)
    .await;
    match inserted {
        Ok(_) => {
            attempt.commit().await?;
            return Ok(Claim::New);
        }
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            attempt.rollback().await?
        }
        Err(err) => return Err(err.into()),
    }
    let first = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::ClientId.eq(key.client_id.as_str()))
        .filter(idempotency_key::Column::Scope.eq(key.scope.as_str()))
        .filter(idempotency_key::Column::Key.eq(key.key.as_str()))
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("idempotency key"))?;
    if first.request_hash != key.request_hash {
        return Err(DomainError::KeyReused);
    }
    if first.status_code == 0 {
        return Err(DomainError::conflict(
            Conflict::KeyInProgress,
            "a request with this Idempotency-Key is still running",
        ));
    }
    Ok(Claim::Replay {
        status: first.status_code as u16,
        body: first.response_body,
    })
}

/// Keeps the answer given for a claimed key, in the same transaction as the work.
pub async fn record<C: ConnectionTrait>(
    txn: &C,
    key: &KeyUse,
    status: u16,
    body: &str,
) -> Result<(), DomainError> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::StatusCode,
            sea_orm::sea_query::Expr::value(i32::from(status)),
        )
        .col_expr(
            idempotency_key::Column::ResponseBody,
            sea_orm::sea_query::Expr::value(body.to_string()),
        )
        .filter(idempotency_key::Column::ClientId.eq(key.client_id.as_str()))
        .filter(idempotency_key::Column::Scope.eq(key.scope.as_str()))
        .filter(idempotency_key::Column::Key.eq(key.key.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}
