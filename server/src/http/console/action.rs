//! What every console action does around the domain call: the role check, one transaction with
//! its audit entry, and back to the page the form was on.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode};
use sea_orm::DatabaseTransaction;

use super::{ConsoleError, layout, session::Operator};
use crate::{AppState, console::ClientRole, error::DomainError, http::idempotent::write_audited};

/// Runs `work` as `operator` when their role reaches `role`, in one transaction with its audit
/// entry, then returns to the object's page (the form's path without its last segment).
pub async fn act<T>(
    req: &HttpRequest,
    state: &AppState,
    operator: &Operator,
    role: ClientRole,
    work: impl AsyncFnOnce(&DatabaseTransaction, &str) -> Result<T, DomainError>,
) -> Result<HttpResponse, ConsoleError> {
    operator.require(role)?;
    let actor = operator.actor();
    write_audited(state, req, &actor, StatusCode::OK, async |txn| {
        work(txn, &actor).await
    })
    .await?;
    let back = req
        .path()
        .rsplit_once('/')
        .map_or("/console/", |(object, _action)| object);
    Ok(layout::see_other(back))
}
