//! The audit trail (admin only): who made which write.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::Query;
use super::{PageView, listing::ListRequest};
use crate::{
    AppState,
    audit::{self, AuditEntry, AuditFilter},
    auth::caller::AdminCaller,
    error::ApiError,
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only writes of this client id (`terminal:<id>` for a terminal).
    actor: Option<String>,
    /// Only writes to paths starting so, e.g. `/api/v1/items`.
    path: Option<String>,
}

/// The writes made through the API, newest first: when, by whom, what, and the answer's status.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = ["admin"])),
    params(PageQuery, AuditQuery),
    responses((status = 200, body = PageView<AuditEntry>))
)]
#[get("/audit")]
pub async fn list_audit(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = AuditFilter {
        actor: query.actor,
        path_prefix: query.path,
    };
    list.answer(state, async move |db, page| {
        audit::list(db, filter.clone(), page).await
    })
    .await
}
