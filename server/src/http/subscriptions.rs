//! Outbound subscriptions (admin): where third parties receive Hubshake's events, and the
//! operations on their delivery.

use actix_web::{HttpResponse, delete, get, http::StatusCode, post, put, web};
use chrono::{DateTime, Utc};
use entity::{outbound_event::EventType, subscription::MessageFormat};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{PageView, idempotent::WriteRequest, listing::ListRequest};
use crate::{
    AppState,
    auth::caller::{AdminCaller, ReportsCaller},
    error::{ApiError, DomainError, Problem},
    outbound::{
        self, Attempt, CreatedSubscription, Posted, ReceiverAuthInput, ReplayFrom, Subscription,
        SubscriptionInput,
    },
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_subscription)
        .service(list_subscriptions)
        .service(get_subscription)
        .service(update_subscription)
        .service(delete_subscription)
        .service(pause_subscription)
        .service(resume_subscription)
        .service(skip_event)
        .service(replay)
        .service(send_sample)
        .service(list_attempts);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiverAuthRequest {
    /// The receiver's OAuth2 token endpoint (seed 004's `DataSyncTokenUrl`).
    token_url: String,
    client_id: String,
    /// Required when the subscription is created; left out of an update, the stored one stays.
    client_secret: Option<String>,
    /// Space-separated scopes to ask for.
    scope: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRequest {
    name: String,
    /// `https` URL the events are POSTed to.
    url: String,
    #[schema(min_items = 1)]
    event_types: Vec<EventType>,
    /// Only this branch's events, and those of no branch (items, customers, transfers).
    branch_id: Option<Uuid>,
    /// `hubshake` (default) or `data_sync` (seed 004's `messages`).
    format: Option<MessageFormat>,
    /// Events per POST, 1 (default) to 500.
    #[schema(minimum = 1, maximum = 500)]
    batch_size: Option<u32>,
    /// OAuth2 client credentials towards the receiver; none when it takes no token.
    auth: Option<ReceiverAuthRequest>,
}

impl From<SubscriptionRequest> for SubscriptionInput {
    fn from(r: SubscriptionRequest) -> Self {
        Self {
            name: r.name,
            url: r.url,
            event_types: r.event_types,
            branch_id: r.branch_id,
            format: r.format,
            batch_size: r.batch_size,
            auth: r.auth.map(|a| ReceiverAuthInput {
                token_url: a.token_url,
                client_id: a.client_id,
                client_secret: a.client_secret,
                scope: a.scope,
            }),
        }
    }
}

/// Where a replay starts: one of the two.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// This event and every later one.
    event_id: Option<Uuid>,
    /// Every event that happened at or after this instant.
    from: Option<DateTime<Utc>>,
}

impl ReplayRequest {
    fn start(&self) -> Result<ReplayFrom, DomainError> {
        match (self.event_id, self.from) {
            (Some(id), None) => Ok(ReplayFrom::Event(id)),
            (None, Some(at)) => Ok(ReplayFrom::Time(at)),
            _ => Err(DomainError::invalid(
                "event_id",
                "give either event_id or from, not both",
            )),
        }
    }
}

/// Create a subscription; its signing secret is in this answer only.
#[utoipa::path(
    request_body = SubscriptionRequest,
    tag = "integrations",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = CreatedSubscription),
        (status = 422, description = "Invalid fields, or a destination that is not allowed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/subscriptions")]
pub async fn create_subscription(
    admin: AdminCaller,
    state: web::Data<AppState>,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: SubscriptionRequest = write.json()?;
    let destinations = state.outbound.destinations().clone();
    write
        .run_unkept(&admin.client_id, StatusCode::CREATED, async |txn| {
            outbound::create_subscription(txn, &destinations, body.into()).await
        })
        .await
}

/// List subscriptions by name, with their lag and failures.
#[utoipa::path(tag = "integrations", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<Subscription>)))]
#[get("/subscriptions")]
pub async fn list_subscriptions(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        outbound::list_subscriptions(db, page).await
    })
    .await
}

/// One subscription: where it stands, its lag, and the event it is stuck on.
#[utoipa::path(tag = "integrations", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = Subscription), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/subscriptions/{subscription_id}")]
pub async fn get_subscription(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    subscription_id: web::Path<Uuid>,
) -> Result<web::Json<Subscription>, ApiError> {
    Ok(web::Json(
        outbound::get_subscription(&state.db, *subscription_id).await?,
    ))
}

/// Replace a subscription's settings; where it stands and its signing secret stay.
#[utoipa::path(
    request_body = SubscriptionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "integrations",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Subscription),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a destination that is not allowed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/subscriptions/{subscription_id}")]
pub async fn update_subscription(
    admin: AdminCaller,
    state: web::Data<AppState>,
    write: WriteRequest,
    subscription_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: SubscriptionRequest = write.json()?;
    let destinations = state.outbound.destinations().clone();
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            outbound::update_subscription(txn, &destinations, *subscription_id, body.into()).await
        })
        .await
}

/// Delete a subscription and its attempts; the events stay in the outbox.
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)), tag = "integrations", security(("bearer" = ["admin"])), responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/subscriptions/{subscription_id}")]
pub async fn delete_subscription(
    admin: AdminCaller,
    write: WriteRequest,
    subscription_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            outbound::delete_subscription(txn, *subscription_id).await
        })
        .await
}

/// Pause deliveries until resumed.
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)), tag = "integrations", security(("bearer" = ["admin"])), responses((status = 200, body = Subscription), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/subscriptions/{subscription_id}/pause")]
pub async fn pause_subscription(
    admin: AdminCaller,
    write: WriteRequest,
    subscription_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            outbound::pause_subscription(txn, &admin.client_id, *subscription_id).await
        })
        .await
}

/// Resume deliveries: the event it stopped at is tried again at once (the retry of a failing
/// event).
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)), tag = "integrations", security(("bearer" = ["admin"])), responses((status = 200, body = Subscription), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/subscriptions/{subscription_id}/resume")]
pub async fn resume_subscription(
    admin: AdminCaller,
    write: WriteRequest,
    subscription_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            outbound::resume_subscription(txn, *subscription_id).await
        })
        .await
}

/// Skip the first undelivered event (kept in the outbox, recorded as skipped); the
/// subscription's state stays.
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)), tag = "integrations", security(("bearer" = ["admin"])), responses((status = 200, body = Subscription), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Nothing left to deliver", body = Problem, content_type = "application/problem+json")))]
#[post("/subscriptions/{subscription_id}/skip")]
pub async fn skip_event(
    admin: AdminCaller,
    write: WriteRequest,
    subscription_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            outbound::skip_event(txn, &admin.client_id, *subscription_id).await
        })
        .await
}

/// Deliver again every event from an event or an instant on.
#[utoipa::path(
    request_body = ReplayRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "integrations",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = Subscription),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of event_id and from, or no such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/subscriptions/{subscription_id}/replay")]
pub async fn replay(
    admin: AdminCaller,
    write: WriteRequest,
    subscription_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: ReplayRequest = write.json()?;
    let start = body.start()?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            outbound::replay(txn, *subscription_id, start).await
        })
        .await
}

/// Send a sample message (seed 004's "Send Sample Message"), signed and authenticated as
/// deliveries are, and answer what the receiver said.
#[utoipa::path(tag = "integrations", security(("bearer" = ["admin"])), responses((status = 200, body = Posted), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/subscriptions/{subscription_id}/sample")]
pub async fn send_sample(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    subscription_id: web::Path<Uuid>,
) -> Result<web::Json<Posted>, ApiError> {
    Ok(web::Json(
        outbound::send_sample(&state.db, &state.outbound, *subscription_id).await?,
    ))
}

/// The subscription's attempts, newest first: time, status, latency, error.
#[utoipa::path(tag = "integrations", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<Attempt>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/subscriptions/{subscription_id}/attempts")]
pub async fn list_attempts(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    subscription_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = *subscription_id;
    list.answer(state, async move |db, page| {
        outbound::list_attempts(db, id, page).await
    })
    .await
}
