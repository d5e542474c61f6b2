//! The audit trail (admin only): who made which write.

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::PageView;
use super::extract::Query;
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
    page: Query<PageQuery>,
    query: Query<AuditQuery>,
) -> Result<web::Json<PageView<AuditEntry>>, ApiError> {
    let query = query.into_inner();
    let filter = AuditFilter {
        actor: query.actor,
        path_prefix: query.path,
    };
    let page = audit::list(&state.db, filter, page.parse()?).await?;
    Ok(web::Json(page.into()))
}
