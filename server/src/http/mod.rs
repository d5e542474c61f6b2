//! The HTTP surface: one module per resource. Handlers parse, authorise, call one domain function
//! and map its result.

mod api_doc;
mod audit;
mod branches;
mod budgets;
mod categories;
mod channel_api;
mod channels;
mod clients;
pub mod console;
mod customers;
mod device_logs;
mod extract;
pub(crate) mod idempotent;
mod item_groups;
mod item_import;
mod item_requests;
mod items;
mod journal;
mod ledger;
pub(crate) mod listing;
mod ops;
mod payment_methods;
mod purchase_orders;
mod receipts;
mod recipes;
mod reports;
mod settings;
mod shifts;
mod socket;
mod staff;
mod stock;
mod subscriptions;
mod sync;
mod terminals;
mod till_customers;
mod transactions;
mod transfers;

use actix_web::{
    HttpMessage, HttpRequest, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    error::{JsonPayloadError, PathError},
    middleware::{Next, from_fn},
    web,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    auth::{caller, token_endpoint},
    error::{ApiError, DatabaseUnavailable},
    pagination::Page,
};

/// Registers every documented route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(token_endpoint::issue_token)
        .service(ops::healthz)
        .service(ops::readyz)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .wrap(from_fn(budgets::spend_budget))
                .wrap(from_fn(caller::authenticate))
                // First: the router tries resources in order, matching each dynamic path with a
                // regex, and terminals' polls and sales are most of the traffic (a profile under 300
                // polling terminals showed ~8% of the hub's time in those regexes).
                .configure(sync::routes)
                .configure(transactions::routes)
                .configure(receipts::routes)
                .configure(device_logs::routes)
                .configure(till_customers::routes)
                .configure(shifts::routes)
                .configure(branches::routes)
                .configure(terminals::routes)
                .configure(clients::routes)
                .configure(audit::routes)
                .configure(categories::routes)
                .configure(items::routes)
                .configure(item_groups::routes)
                .configure(recipes::routes)
                .configure(staff::routes)
                .configure(customers::routes)
                .configure(payment_methods::routes)
                .configure(settings::routes)
                .configure(stock::routes)
                .configure(ledger::routes)
                .configure(journal::routes)
                .configure(transfers::routes)
                .configure(purchase_orders::routes)
                .configure(item_requests::routes)
                .configure(reports::routes)
                .configure(subscriptions::routes)
                .configure(channels::routes)
                .configure(channel_api::routes),
        );
}

/// Path parsing errors as problem documents (bodies and query strings have extractors of their
/// own, in `extract`; a body's limit is the nearest `PayloadConfig`).
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _| path_error(err).into())
}

/// Middleware: a request that could not reach the database marks the outage (logged once, and
/// `/readyz` answers 503 at once until the database is back).
pub async fn watch_database(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let answered = next.call(req).await;
    let cause = match &answered {
        Ok(res) => res
            .response()
            .extensions()
            .get::<DatabaseUnavailable>()
            .map(|marker| marker.0.clone()),
        Err(err) => err
            .as_error::<ApiError>()
            .and_then(ApiError::database_unavailable)
            .map(ToString::to_string),
    };
    if let (Some(state), Some(cause)) = (state, cause) {
        state.db_health.report_unavailable(&cause);
    }
    answered
}

/// Middleware: every answer counts in the metrics, by route pattern, method and status.
pub async fn count_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let started = std::time::Instant::now();
    let method = req.method().to_string();
    let answered = next.call(req).await;
    if let Some(state) = state {
        let (route, status) = match &answered {
            Ok(res) => (
                res.request().match_pattern(),
                res.response().status().as_u16(),
            ),
            Err(err) => (None, err.as_response_error().status_code().as_u16()),
        };
        let route = route.as_deref().unwrap_or("unmatched").to_string();
        state
            .metrics
            .request(&route, &method, status, started.elapsed().as_secs_f64());
    }
    answered
}

use crate::decimal::DecimalInput;
pub use api_doc::{ApiDoc, RouteMethods, declare_common_responses};
pub use ops::{ApiDocument, api_doc, metrics, metrics_with_token};
pub use socket::connect as socket;

/// The answer for a request no route matched: 405 with `Allow` when the path exists with other
/// methods, else 404.
pub async fn no_route(
    req: HttpRequest,
    routes: web::Data<RouteMethods>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path().to_string();
    let allowed = routes.allowed(&path);
    Err(if !allowed.is_empty() {
        ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            path,
            allow: allowed.join(", "),
        }
    } else if req.resource_map().has_resource(&path) {
        // Served outside the API document (the docs page): reading is all it allows.
        ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            path,
            allow: "GET".into(),
        }
    } else {
        ApiError::NoRoute(path)
    })
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge(format!("the body is larger than {limit} bytes"))
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("the body must be application/json".into())
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::Unprocessable(format!("the body does not fit this request: {e}"))
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::BadRequest(format!("the body is not valid JSON: {e}"))
        }
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// Reads a JSON body of up to `limit` bytes, for a route whose limit is not the default one.
async fn json_body(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    if !req.content_type().eq_ignore_ascii_case("application/json") {
        return Err(json_error(JsonPayloadError::ContentType));
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(err)) => Err(ApiError::BadRequest(format!("cannot read the body: {err}"))),
        Err(_) => Err(json_error(JsonPayloadError::Overflow { limit })),
    }
}

fn path_error(err: PathError) -> ApiError {
    ApiError::BadRequest(format!("invalid path: {err}"))
}

/// Filters of a list of stock documents.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentFilter {
    /// Only documents of this branch (from or to it, for transfers and requests).
    branch_id: Option<uuid::Uuid>,
    status: Option<String>,
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageView<T> {
    pub items: Vec<T>,
    /// Number of items in the whole list.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

impl<T> From<Page<T>> for PageView<T> {
    fn from(page: Page<T>) -> Self {
        Self {
            items: page.items,
            total: page.total,
            limit: page.request.limit,
            offset: page.request.offset,
        }
    }
}
