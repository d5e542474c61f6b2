//! A branch's sales journal: its entries for auditors, and their verification.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{PageView, extract::Query, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::Caller,
    error::{ApiError, Problem},
    pagination::PageQuery,
    sales::journal::{self, JournalEntry, Verification},
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_entries).service(verify);
}

/// A branch's sales journal, oldest first: each settled transaction's canonical record, the
/// previous hash and its hash (export it as CSV to check it on your own).
#[utoipa::path(
    tag = "sales",
    security(("bearer" = ["admin", "stock", "reports", "terminal"])),
    params(PageQuery),
    responses(
        (status = 200, body = PageView<JournalEntry>),
        (status = 404, description = "No such branch (for a terminal: another branch)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/branches/{branch_id}/journal")]
pub async fn list_entries(
    caller: Caller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    let (scope, branch_id) = (caller.branch_scope(), *branch_id);
    list.answer(state, async move |db, page| {
        journal::list_entries(db, &scope, branch_id, page).await
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// The first entry to check (1 when absent).
    #[param(minimum = 1)]
    from_seq: Option<i64>,
    /// The last entry to check (the newest when absent).
    #[param(minimum = 1)]
    to_seq: Option<i64>,
}

/// Recompute a branch's journal (or a range of it): the chain of hashes, and each entry's record
/// from the transaction as stored now; the first entry that does not match is named.
#[utoipa::path(
    tag = "sales",
    security(("bearer" = ["admin", "stock", "reports", "terminal"])),
    params(RangeQuery),
    responses(
        (status = 200, body = Verification),
        (status = 404, description = "No such branch (for a terminal: another branch)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/branches/{branch_id}/journal/verify")]
pub async fn verify(
    caller: Caller,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    range: Query<RangeQuery>,
) -> Result<web::Json<Verification>, ApiError> {
    Ok(web::Json(
        journal::verify(
            &state.db,
            &caller.branch_scope(),
            *branch_id,
            range.from_seq,
            range.to_seq,
        )
        .await?,
    ))
}
