//! What a sales channel itself calls (scope `channel`): its availability feed and its orders.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    DecimalInput, PageView, channels::FeedQuery, extract::Query, idempotent::WriteRequest,
    listing::ListRequest,
};
use crate::{
    AppState,
    auth::caller::ChannelCaller,
    channels::{
        self, AvailabilityPage, Order, OrderActor, OrderFilter, OrderInput, OrderLineInput,
        OrderState,
    },
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(availability)
        .service(place_order)
        .service(list_orders)
        .service(get_order)
        .service(cancel_order)
        .service(return_order);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineRequest {
    /// The channel's id of the item (as mapped).
    item: String,
    #[schema(value_type = DecimalInput, example = "2")]
    quantity: Decimal,
    #[schema(value_type = DecimalInput, example = "19.90")]
    unit_price: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// The channel's own order id: sent again, the order is not placed twice.
    order_id: String,
    /// The channel's reference of its customer.
    customer_ref: Option<String>,
    #[schema(min_items = 1, max_items = 500)]
    lines: Vec<OrderLineRequest>,
}

impl From<OrderRequest> for OrderInput {
    fn from(r: OrderRequest) -> Self {
        Self {
            order_id: r.order_id,
            customer_ref: r.customer_ref,
            lines: r
                .lines
                .into_iter()
                .map(|l| OrderLineInput {
                    item: l.item,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StateQuery {
    state: Option<OrderState>,
}

fn actor(channel: &ChannelCaller) -> OrderActor {
    OrderActor::Channel {
        channel_id: channel.channel_id,
        name: format!("channel:{}", channel.client_id),
    }
}

/// The channel's availability feed: each changed item's current figure, by the channel's ids.
#[utoipa::path(tag = "channel", security(("bearer" = ["channel"])), params(FeedQuery), responses((status = 200, body = AvailabilityPage)))]
#[get("/channel/availability")]
pub async fn availability(
    channel: ChannelCaller,
    state: web::Data<AppState>,
    query: Query<FeedQuery>,
) -> Result<web::Json<AvailabilityPage>, ApiError> {
    let (cursor, limit) = query.parse()?;
    let page =
        channels::read_feed(&state.db, &state.heads, channel.channel_id, cursor, limit).await?;
    Ok(web::Json(page))
}

/// Place an order: its stock is held at once. 201 when placed, 200 with the same order when
/// sent again; 409 `insufficient_stock` naming each line that asks for more than is available.
#[utoipa::path(request_body = OrderRequest, tag = "channel", security(("bearer" = ["channel"])), responses((status = 201, body = Order), (status = 200, description = "Sent before: the order as placed", body = Order), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/channel/orders")]
pub async fn place_order(
    channel: ChannelCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: OrderRequest = write.json()?;
    let placed_by = format!("channel:{}", channel.client_id);
    write
        .run_answering(&channel.client_id, async |txn| {
            let placed =
                channels::place_order(txn, channel.channel_id, &placed_by, body.into()).await?;
            let status = if placed.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, placed.order))
        })
        .await
}

/// The channel's orders, newest first.
#[utoipa::path(tag = "channel", security(("bearer" = ["channel"])), params(PageQuery, StateQuery), responses((status = 200, body = PageView<Order>)))]
#[get("/channel/orders")]
pub async fn list_orders(
    channel: ChannelCaller,
    state: web::Data<AppState>,
    list: ListRequest,
    query: Query<StateQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = actor(&channel);
    let filter = OrderFilter {
        state: query.state,
        ..OrderFilter::default()
    };
    list.answer(state, async move |db, page| {
        channels::list_orders(db, &actor, filter.clone(), page).await
    })
    .await
}

/// One of the channel's orders; another channel's is 404.
#[utoipa::path(tag = "channel", security(("bearer" = ["channel"])), responses((status = 200, body = Order), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/channel/orders/{order_id}")]
pub async fn get_order(
    channel: ChannelCaller,
    state: web::Data<AppState>,
    order_id: web::Path<Uuid>,
) -> Result<web::Json<Order>, ApiError> {
    Ok(web::Json(
        channels::get_order(&state.db, &actor(&channel), *order_id).await?,
    ))
}

/// Cancel one of the channel's orders before it ships; its stock is released.
#[utoipa::path(tag = "channel", security(("bearer" = ["channel"])), responses((status = 200, body = Order), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Already shipped", body = Problem, content_type = "application/problem+json")))]
#[post("/channel/orders/{order_id}/cancel")]
pub async fn cancel_order(
    channel: ChannelCaller,
    write: WriteRequest,
    order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = actor(&channel);
    write
        .run(&channel.client_id, StatusCode::OK, async |txn| {
            channels::cancel_order(txn, &actor, *order_id).await
        })
        .await
}

/// Send back one of the channel's shipped orders: its stock returns.
#[utoipa::path(tag = "channel", security(("bearer" = ["channel"])), responses((status = 200, body = Order), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not shipped", body = Problem, content_type = "application/problem+json")))]
#[post("/channel/orders/{order_id}/return")]
pub async fn return_order(
    channel: ChannelCaller,
    write: WriteRequest,
    order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = actor(&channel);
    write
        .run(&channel.client_id, StatusCode::OK, async |txn| {
            channels::return_order(txn, &actor, *order_id).await
        })
        .await
}
