//! Receipt numbers: where a terminal's series stand (for a reinstalled terminal) and their gaps
//! and duplicates (for admins).

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    AppState,
    auth::caller::{ReportsCaller, TerminalCaller},
    error::{ApiError, Problem},
    sales::receipts::{self, ReceiptCounter, ReceiptNumbering},
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(receipt_counters).service(receipt_numbering);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptCounters {
    /// One per series, by series.
    counters: Vec<ReceiptCounter>,
}

/// The last receipt number of each series this terminal used, from the transactions the hub
/// holds: a reinstalled terminal continues after it.
#[utoipa::path(tag = "sync", security(("bearer" = ["terminal"])), responses((status = 200, body = ReceiptCounters)))]
#[get("/sync/receipt-counters")]
pub async fn receipt_counters(
    terminal: TerminalCaller,
    state: web::Data<AppState>,
) -> Result<web::Json<ReceiptCounters>, ApiError> {
    let counters = receipts::receipt_counters(&state.db, terminal.terminal_id).await?;
    Ok(web::Json(ReceiptCounters { counters }))
}

/// A terminal's receipt numbering per series: first and last numbers, the numbers missing
/// between them, and numbers used twice.
#[utoipa::path(tag = "terminals", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = ReceiptNumbering), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/terminals/{terminal_id}/receipt-numbers")]
pub async fn receipt_numbering(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    terminal_id: web::Path<Uuid>,
) -> Result<web::Json<ReceiptNumbering>, ApiError> {
    Ok(web::Json(
        receipts::receipt_numbering(&state.db, *terminal_id).await?,
    ))
}
