//! Sales channels as head office runs them: set-up, item mapping, availability, pushes, and the
//! channels' orders (which branches and terminals also ship).

use actix_web::{HttpResponse, delete, get, http::StatusCode, post, put, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    DecimalInput, PageView, extract::Query, idempotent::WriteRequest, listing::ListRequest,
};
use crate::{
    AppState,
    auth::caller::{AdminCaller, Caller, ReportsCaller, StockCaller, StockWriter},
    channels::{
        self, AvailabilityPage, Channel, ChannelInput, CreatedChannel, ItemMapping, MappingInput,
        Order, OrderActor, OrderFilter, OrderState, PushInput, PushRun,
    },
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_channel)
        .service(list_channels)
        .service(get_channel)
        .service(update_channel)
        .service(rotate_secret)
        .service(deactivate_channel)
        .service(activate_channel)
        .service(map_items)
        .service(list_mappings)
        .service(unmap_item)
        .service(channel_availability)
        .service(configure_push)
        .service(start_push)
        .service(stop_push)
        .service(force_push)
        .service(list_runs)
        .service(list_orders)
        .service(get_order)
        .service(fulfil_order)
        .service(cancel_order)
        .service(return_order);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    name: String,
    /// The branches whose stock it sells, in the order orders take stock from them.
    #[schema(min_items = 1, max_items = 100)]
    branch_ids: Vec<Uuid>,
    /// Kept back from each item's availability (default 0).
    #[schema(value_type = Option<DecimalInput>)]
    safety_stock: Option<Decimal>,
    /// Whether an order may ask for more than is available (default false).
    allow_backorders: Option<bool>,
}

impl From<ChannelRequest> for ChannelInput {
    fn from(r: ChannelRequest) -> Self {
        Self {
            name: r.name,
            branch_ids: r.branch_ids,
            safety_stock: r.safety_stock,
            allow_backorders: r.allow_backorders,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingRequest {
    /// The item, by id or (instead) by SKU.
    item_id: Option<Uuid>,
    sku: Option<String>,
    /// The channel's own id for the item.
    external_id: String,
    /// This item's safety stock, instead of the channel's.
    #[schema(value_type = Option<DecimalInput>)]
    safety_stock: Option<Decimal>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingsRequest {
    /// 1 to 5,000 mappings, all applied or none.
    #[schema(min_items = 1, max_items = 5000)]
    items: Vec<MappingRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// A subscription whose event types include `channel.availability`: the URL, signature,
    /// receiver token and format of the pushes.
    subscription_id: Uuid,
    /// CRON expression, seconds first (`0 */15 * * * *`); none for pushes on demand only.
    schedule: Option<String>,
}

/// `?cursor=&limit=` of an availability feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `next_cursor` of the last page read (0 or absent: from the start).
    #[param(minimum = 0)]
    pub cursor: Option<i64>,
    /// Items per page, 1 to 1000 (default 500).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

impl FeedQuery {
    pub fn parse(&self) -> Result<(i64, u64), ApiError> {
        let cursor = match self.cursor {
            Some(c) if c < 0 => {
                return Err(
                    crate::error::DomainError::invalid("cursor", "must not be negative").into(),
                );
            }
            c => c.unwrap_or(0),
        };
        let limit = match self.limit {
            None => 500,
            Some(n @ 1..=1000) => n as u64,
            Some(_) => {
                return Err(crate::error::DomainError::invalid(
                    "limit",
                    "must be between 1 and 1000",
                )
                .into());
            }
        };
        Ok((cursor, limit))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Only this channel's orders.
    pub channel_id: Option<Uuid>,
    pub state: Option<OrderState>,
    /// Only orders holding or having shipped stock at this branch.
    pub branch_id: Option<Uuid>,
}

const KEY: &str = super::idempotent::KEY_PARAM;

/// Create a channel; its client secret is in this answer only.
#[utoipa::path(request_body = ChannelRequest, tag = "channels", security(("bearer" = ["admin"])), responses((status = 201, body = CreatedChannel), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/channels")]
pub async fn create_channel(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: ChannelRequest = write.json()?;
    write
        .run_unkept(&admin.client_id, StatusCode::CREATED, async |txn| {
            channels::create_channel(txn, body.into()).await
        })
        .await
}

/// List channels by name.
#[utoipa::path(tag = "channels", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<Channel>)))]
#[get("/channels")]
pub async fn list_channels(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        channels::list_channels(db, page).await
    })
    .await
}

/// One channel, with its branches and push settings.
#[utoipa::path(tag = "channels", security(("bearer" = ["admin", "stock", "reports"])), responses((status = 200, body = Channel), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/channels/{channel_id}")]
pub async fn get_channel(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    channel_id: web::Path<Uuid>,
) -> Result<web::Json<Channel>, ApiError> {
    Ok(web::Json(
        channels::get_channel(&state.db, *channel_id).await?,
    ))
}

/// Replace a channel's name, branches, safety stock and backorder rule.
#[utoipa::path(request_body = ChannelRequest, params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin"])), responses((status = 200, body = Channel), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/channels/{channel_id}")]
pub async fn update_channel(
    admin: AdminCaller,
    write: WriteRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: ChannelRequest = write.json()?;
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            channels::update_channel(txn, *channel_id, body.into()).await
        })
        .await
}

/// Replace a channel's client secret; tokens issued before stop working.
#[utoipa::path(tag = "channels", security(("bearer" = ["admin"])), responses((status = 200, body = CreatedChannel), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/channels/{channel_id}/rotate-secret")]
pub async fn rotate_secret(
    admin: AdminCaller,
    write: WriteRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run_unkept(&admin.client_id, StatusCode::OK, async |txn| {
            channels::rotate_channel_secret(txn, *channel_id).await
        })
        .await
}

/// Deactivate a channel: its tokens are refused at once; its orders stay.
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin"])), responses((status = 200, body = Channel), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/channels/{channel_id}/deactivate")]
pub async fn deactivate_channel(
    admin: AdminCaller,
    write: WriteRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            channels::set_channel_active(txn, *channel_id, false).await
        })
        .await
}

/// Reactivate a channel (tokens issued before the deactivation stay refused).
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin"])), responses((status = 200, body = Channel), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/channels/{channel_id}/activate")]
pub async fn activate_channel(
    admin: AdminCaller,
    write: WriteRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            channels::set_channel_active(txn, *channel_id, true).await
        })
        .await
}

/// Map items to the channel's ids, by item id or SKU: one or up to 5,000, all or nothing, each
/// error named by row (`items[3].external_id`).
#[utoipa::path(request_body = MappingsRequest, params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin"])), responses((status = 200, body = Vec<ItemMapping>), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/channels/{channel_id}/items")]
pub async fn map_items(
    admin: AdminCaller,
    write: WriteRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: MappingsRequest = write.json()?;
    let rows = body
        .items
        .into_iter()
        .map(|r| MappingInput {
            item_id: r.item_id,
            sku: r.sku,
            external_id: r.external_id,
            safety_stock: r.safety_stock,
        })
        .collect();
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            channels::map_items(txn, *channel_id, rows).await
        })
        .await
}

/// The items a channel sells, by external id.
#[utoipa::path(tag = "channels", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<ItemMapping>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/channels/{channel_id}/items")]
pub async fn list_mappings(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let channel_id = *channel_id;
    list.answer(state, async move |db, page| {
        channels::list_mappings(db, channel_id, page).await
    })
    .await
}

/// Stop selling an item on the channel; its feed says so.
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin"])), responses((status = 204, description = "Unmapped"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/channels/{channel_id}/items/{item_id}")]
pub async fn unmap_item(
    admin: AdminCaller,
    write: WriteRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (channel_id, item_id) = *path;
    write
        .run(&admin.client_id, StatusCode::NO_CONTENT, async |txn| {
            channels::unmap_item(txn, channel_id, item_id).await
        })
        .await
}

/// A channel's availability feed, as the channel reads it.
#[utoipa::path(tag = "channels", security(("bearer" = ["admin", "stock", "reports"])), params(FeedQuery), responses((status = 200, body = AvailabilityPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/channels/{channel_id}/availability")]
pub async fn channel_availability(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    channel_id: web::Path<Uuid>,
    query: Query<FeedQuery>,
) -> Result<web::Json<AvailabilityPage>, ApiError> {
    let (cursor, limit) = query.parse()?;
    let page = channels::read_feed(&state.db, &state.heads, *channel_id, cursor, limit).await?;
    Ok(web::Json(page))
}

/// Set the subscription and CRON schedule of a channel's availability pushes.
#[utoipa::path(request_body = PushRequest, params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin"])), responses((status = 200, body = Channel), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/channels/{channel_id}/push")]
pub async fn configure_push(
    admin: AdminCaller,
    write: WriteRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body: PushRequest = write.json()?;
    let input = PushInput {
        subscription_id: body.subscription_id,
        schedule: body.schedule,
    };
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            channels::configure_push(txn, *channel_id, input).await
        })
        .await
}

/// Start the schedule (seed 001's `start`).
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin"])), responses((status = 200, body = Channel), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "No schedule set", body = Problem, content_type = "application/problem+json")))]
#[post("/channels/{channel_id}/push/start")]
pub async fn start_push(
    admin: AdminCaller,
    write: WriteRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            channels::set_running(txn, *channel_id, true).await
        })
        .await
}

/// Stop the schedule (seed 001's `stop`); forced pushes still run.
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin"])), responses((status = 200, body = Channel), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/channels/{channel_id}/push/stop")]
pub async fn stop_push(
    admin: AdminCaller,
    write: WriteRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            channels::set_running(txn, *channel_id, false).await
        })
        .await
}

/// Push the channel's whole availability now ("force update"); answers the run.
#[utoipa::path(tag = "channels", security(("bearer" = ["admin"])), responses((status = 200, body = PushRun), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "No push subscription set", body = Problem, content_type = "application/problem+json")))]
#[post("/channels/{channel_id}/push/run")]
pub async fn force_push(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    channel_id: web::Path<Uuid>,
) -> Result<web::Json<PushRun>, ApiError> {
    let run = channels::force_push(&state.db, &state.outbound, *channel_id).await?;
    Ok(web::Json(run))
}

/// A channel's push runs, newest first (seed 001's job dashboard).
#[utoipa::path(tag = "channels", security(("bearer" = ["admin", "stock", "reports"])), params(PageQuery), responses((status = 200, body = PageView<PushRun>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/channels/{channel_id}/push/runs")]
pub async fn list_runs(
    _client: ReportsCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    channel_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let channel_id = *channel_id;
    list.answer(state, async move |db, page| {
        channels::list_runs(db, channel_id, page).await
    })
    .await
}

/// Who acts on an order: head office, or a terminal of a branch it holds stock at.
fn staff(caller: &Caller) -> OrderActor {
    OrderActor::Staff {
        scope: caller.branch_scope(),
        name: caller.client_name(),
    }
}

/// Channels' orders, newest first; a terminal sees those its branch ships.
#[utoipa::path(tag = "channels", security(("bearer" = ["admin", "stock", "reports", "terminal"])), params(PageQuery, OrderQuery), responses((status = 200, body = PageView<Order>)))]
#[get("/channel-orders")]
pub async fn list_orders(
    caller: Caller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<OrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = staff(&caller);
    let filter = OrderFilter {
        channel_id: query.channel_id,
        state: query.state,
        branch_id: query.branch_id,
    };
    list.answer(state, async move |db, page| {
        channels::list_orders(db, &actor, filter.clone(), page).await
    })
    .await
}

/// One channel order, with where each line is held or shipped from.
#[utoipa::path(tag = "channels", security(("bearer" = ["admin", "stock", "reports", "terminal"])), responses((status = 200, body = Order), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/channel-orders/{order_id}")]
pub async fn get_order(
    caller: Caller,
    state: web::Data<AppState>,
    order_id: web::Path<Uuid>,
) -> Result<web::Json<Order>, ApiError> {
    let order = channels::get_order(&state.db, &staff(&caller), *order_id).await?;
    Ok(web::Json(order))
}

/// Ship an order: all of it (head office) or the caller's branch's part (a terminal). Stock
/// leaves through the ledger as `online_sale`; sent again, it changes nothing.
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin", "stock", "terminal"])), responses((status = 200, body = Order), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Cancelled or returned, or not enough stock on hand", body = Problem, content_type = "application/problem+json")))]
#[post("/channel-orders/{order_id}/fulfil")]
pub async fn fulfil_order(
    writer: StockWriter,
    write: WriteRequest,
    order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = staff(&writer.0);
    write
        .run(&writer.0.client_name(), StatusCode::OK, async |txn| {
            channels::fulfil_order(txn, &actor, *order_id).await
        })
        .await
}

/// Cancel an order nothing of which has shipped; its stock is released.
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin", "stock"])), responses((status = 200, body = Order), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Already shipped", body = Problem, content_type = "application/problem+json")))]
#[post("/channel-orders/{order_id}/cancel")]
pub async fn cancel_order(
    client: StockCaller,
    write: WriteRequest,
    order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = OrderActor::Staff {
        scope: client.branch_scope(),
        name: client.client_id.clone(),
    };
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            channels::cancel_order(txn, &actor, *order_id).await
        })
        .await
}

/// Take back a shipped order: its stock returns as `online_return`.
#[utoipa::path(params(("Idempotency-Key" = Option<String>, Header, description = KEY)), tag = "channels", security(("bearer" = ["admin", "stock"])), responses((status = 200, body = Order), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not shipped", body = Problem, content_type = "application/problem+json")))]
#[post("/channel-orders/{order_id}/return")]
pub async fn return_order(
    client: StockCaller,
    write: WriteRequest,
    order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = OrderActor::Staff {
        scope: client.branch_scope(),
        name: client.client_id.clone(),
    };
    write
        .run(&client.client_id, StatusCode::OK, async |txn| {
            channels::return_order(txn, &actor, *order_id).await
        })
        .await
}
