//! Writes (documents, master data, branches): one transaction that claims the `Idempotency-Key`
//! (when given), does the work, and keeps the answer for retries. A handler names a
//! [`WriteRequest`] among its arguments and hands it the domain call; it owns the transaction,
//! the savepoint and the commit.

use std::{future::Future, pin::Pin};

use actix_web::{
    FromRequest, HttpRequest, HttpResponse, ResponseError,
    body::to_bytes,
    dev::Payload,
    http::StatusCode,
    web::{self, Bytes},
};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    AppState, audit, db,
    error::{ApiError, DomainError, PROBLEM_CONTENT_TYPE},
    idempotency::{self, Claim, KeyUse, MAX_KEY_LEN},
    sync::heads,
};

pub const HEADER: &str = "Idempotency-Key";
/// How the OpenAPI document describes the header.
pub const KEY_PARAM: &str = "Makes a retry return the first answer";

/// A request that writes: the hub, the request and its body as bytes (a retry is recognised by
/// them).
pub struct WriteRequest {
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Bytes,
    /// Whether the handler read a CSV body: any other route refuses one (415).
    csv_read: std::cell::Cell<bool>,
}

impl FromRequest for WriteRequest {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let body = super::extract::json_body(req, payload, super::extract::Body::OptionalOrCsv);
        let req = req.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| internal("hub state is missing", "no AppState on the app"))?;
            Ok(Self {
                state,
                body: body.await?,
                req,
                csv_read: std::cell::Cell::new(false),
            })
        })
    }
}

impl WriteRequest {
    /// The body as a JSON object of `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        self.refuse_unread_csv()?;
        super::extract::parse_json_object(&self.body)
    }

    /// The body, when it is CSV (`text/csv`).
    pub fn csv(&self) -> Option<&[u8]> {
        let csv = super::extract::is_csv(&self.req);
        self.csv_read.set(csv);
        csv.then_some(&self.body)
    }

    /// 415 for a CSV body the handler did not read.
    fn refuse_unread_csv(&self) -> Result<(), ApiError> {
        let unread =
            super::extract::is_csv(&self.req) && !self.body.is_empty() && !self.csv_read.get();
        if unread {
            return Err(ApiError::UnsupportedMediaType(
                "the body must be application/json".into(),
            ));
        }
        Ok(())
    }

    /// The body as `T`, or `T::default()` when there is none.
    pub fn json_or_default<T: DeserializeOwned + Default>(&self) -> Result<T, ApiError> {
        if self.body.is_empty() {
            Ok(T::default())
        } else {
            self.json()
        }
    }

    /// Runs `work` for `client_id` in one transaction, for an answer that holds a secret: it is
    /// never kept, so such a route takes no `Idempotency-Key` (400).
    pub async fn run_unkept<T: Serialize>(
        self,
        client_id: &str,
        success: StatusCode,
        work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, DomainError>,
    ) -> Result<HttpResponse, ApiError> {
        self.refuse_unread_csv()?;
        if self.req.headers().contains_key(HEADER) {
            return Err(ApiError::BadRequest(format!(
                "this route answers with a secret, which the hub never keeps, so it takes no \
                 {HEADER}"
            )));
        }
        let value = write_audited(&self.state, &self.req, client_id, success, work).await?;
        Ok(HttpResponse::build(success).json(value))
    }

    /// Runs `work` for `client_id` (see [`run`]).
    pub async fn run<T: Serialize>(
        self,
        client_id: &str,
        success: StatusCode,
        work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, DomainError>,
    ) -> Result<HttpResponse, ApiError> {
        self.run_answering(client_id, async |txn| {
            work(txn).await.map(|value| (success, value))
        })
        .await
    }

    /// [`run`](Self::run) for work that chooses its success status (201 for a new object, 200
    /// for one sent before).
    pub async fn run_answering<T: Serialize>(
        self,
        client_id: &str,
        work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<(StatusCode, T), DomainError>,
    ) -> Result<HttpResponse, ApiError> {
        self.refuse_unread_csv()?;
        let write = run(&self.state, &self.req, client_id, &self.body, work);
        self.state.heads.announcing(write).await
    }
}

/// Runs `work` in one write transaction with its audit entry, and announces what it changed in
/// the feeds once committed; no key is kept (the console's forms, routes that answer secrets).
pub(crate) async fn write_audited<T>(
    state: &AppState,
    req: &HttpRequest,
    actor: &str,
    success: StatusCode,
    work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, DomainError>,
) -> Result<T, ApiError> {
    let write = async {
        let txn = db::begin_write(&state.db)
            .await
            .map_err(DomainError::from)?;
        let value = work(&txn).await?;
        audit(&txn, req, actor, success).await?;
        txn.commit().await.map_err(DomainError::from)?;
        Ok::<T, ApiError>(value)
    };
    state.heads.announcing(write).await
}

fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let visible = |key: &str| key.bytes().all(|b| b.is_ascii_graphic());
    match value.to_str() {
        Ok(key) if !key.is_empty() && key.len() <= MAX_KEY_LEN && visible(key) => {
            Ok(Some(key.to_string()))
        }
        _ => Err(ApiError::BadRequest(format!(
            "{HEADER} must be 1 to {MAX_KEY_LEN} visible ASCII characters"
        ))),
    }
}

/// The path with its ids in their canonical form, so that one document spelt two ways
/// (`/branches/<UUID in upper case or without hyphens>/…`) is one path to keys and the audit.
fn canonical_path(req: &HttpRequest) -> String {
    let path: Vec<String> = req
        .path()
        .split('/')
        .map(|segment| {
            uuid::Uuid::parse_str(segment).map_or_else(|_| segment.to_string(), |id| id.to_string())
        })
        .collect();
    path.join("/")
}

/// What a key is scoped to: the method and the canonical path.
fn route_scope(req: &HttpRequest) -> String {
    format!("{} {}", req.method(), canonical_path(req))
}

/// Records in `txn` that `client_id` made this write.
async fn audit<C: sea_orm::ConnectionTrait>(
    txn: &C,
    req: &HttpRequest,
    client_id: &str,
    status: StatusCode,
) -> Result<(), DomainError> {
    let path = canonical_path(req);
    let write = audit::Write {
        actor: client_id,
        method: req.method().as_str(),
        path: &path,
        status: status.as_u16(),
    };
    Ok(audit::record(txn, write).await?)
}

/// Runs `work` in one transaction and answers with its status and result. With an
/// `Idempotency-Key`, a retry of the same request gets the first answer (success or refusal)
/// and changes nothing; the same key with another body gets 422.
async fn run<T: Serialize>(
    state: &AppState,
    req: &HttpRequest,
    client_id: &str,
    body: &[u8],
    work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<(StatusCode, T), DomainError>,
) -> Result<HttpResponse, ApiError> {
    let key = key_of(req)?.map(|key| KeyUse::new(client_id, route_scope(req), key, body));
    let txn = db::begin_write(&state.db)
        .await
        .map_err(DomainError::from)?;
    if let Some(key) = &key
        && let Claim::Replay { status, body } = idempotency::claim(&txn, key).await?
    {
        txn.rollback().await.map_err(DomainError::from)?;
        // A stored status that is not one is corruption, never a success to replay.
        let status = StatusCode::from_u16(status)
            .map_err(|e| internal("a stored Idempotency-Key answer has no valid status", e))?;
        return Ok(answer(status, body, true));
    }

    // The work runs in a savepoint, so a refusal undoes it but keeps the claimed key and answer.
    let savepoint = txn.begin().await.map_err(DomainError::from)?;
    let (status, text) = match work(&savepoint).await {
        Ok((success, value)) => {
            audit(&savepoint, req, client_id, success).await?;
            savepoint.commit().await.map_err(DomainError::from)?;
            // 204 has no body (RFC 9110 §15.3.5), whatever the work returned.
            let text = if success == StatusCode::NO_CONTENT {
                String::new()
            } else {
                serde_json::to_string(&value).map_err(|e| internal("cannot write the answer", e))?
            };
            (success, text)
        }
        // A database failure may be passing: keep no answer, so a retry does the work again.
        Err(DomainError::Database(err)) => return Err(DomainError::Database(err).into()),
        Err(refusal) => {
            savepoint.rollback().await.map_err(DomainError::from)?;
            heads::forget_pending();
            let response = ApiError::from(refusal).error_response();
            let status = response.status();
            let bytes = to_bytes(response.into_body())
                .await
                .map_err(|e| internal("cannot read the refusal", e))?;
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    if let Some(key) = &key {
        idempotency::record(&txn, key, status.as_u16(), &text).await?;
    }
    txn.commit().await.map_err(DomainError::from)?;
    Ok(answer(status, text, false))
}

fn internal(context: &'static str, cause: impl std::fmt::Display) -> ApiError {
    DomainError::internal(context, cause).into()
}

fn answer(status: StatusCode, body: String, replayed: bool) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    if status != StatusCode::NO_CONTENT {
        builder.content_type(if status.is_success() {
            "application/json"
        } else {
            PROBLEM_CONTENT_TYPE
        });
    }
    if replayed {
        builder.insert_header(("Idempotent-Replayed", "true"));
    }
    builder.body(body)
}
