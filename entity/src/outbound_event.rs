use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The events of one type that one change made at one branch (a sale's five stock levels, say),
/// told to third parties together: written by the change's transaction, numbered once committed.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbound_event")]
pub struct Model {
    /// Order of writing: the database's own counter, which takes no lock a writer waits on.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The id of its first event, as receivers see it.
    #[sea_orm(unique)]
    pub event_id: Uuid,
    /// Its number in the outbox (the `outbox` counter), in the order changes committed; none
    /// until the sequencer numbers it. Its events share it.
    #[sea_orm(unique)]
    pub seq: Option<i64>,
    pub event_type: EventType,
    /// The branch the change happened at; none for chain-wide objects (items, customers).
    pub branch_id: Option<Uuid>,
    pub event_count: i32,
    pub occurred_at: DateTimeUtc,
    /// The events, as a JSON array of `{"id", "data"}`.
    #[sea_orm(column_type = "Text")]
    pub data: String,
}

impl ActiveModelBehavior for ActiveModel {}

/// What changed.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
pub enum EventType {
    #[sea_orm(string_value = "customer.created")]
    #[serde(rename = "customer.created")]
    CustomerCreated,
    #[sea_orm(string_value = "customer.updated")]
    #[serde(rename = "customer.updated")]
    CustomerUpdated,
    #[sea_orm(string_value = "customer.deleted")]
    #[serde(rename = "customer.deleted")]
    CustomerDeleted,
    #[sea_orm(string_value = "customer.merged")]
    #[serde(rename = "customer.merged")]
    CustomerMerged,
    #[sea_orm(string_value = "transaction.accepted")]
    #[serde(rename = "transaction.accepted")]
    TransactionAccepted,
    #[sea_orm(string_value = "stock.changed")]
    #[serde(rename = "stock.changed")]
    StockChanged,
    #[sea_orm(string_value = "item.created")]
    #[serde(rename = "item.created")]
    ItemCreated,
    #[sea_orm(string_value = "item.updated")]
    #[serde(rename = "item.updated")]
    ItemUpdated,
    #[sea_orm(string_value = "item.deleted")]
    #[serde(rename = "item.deleted")]
    ItemDeleted,
    #[sea_orm(string_value = "transfer.created")]
    #[serde(rename = "transfer.created")]
    TransferCreated,
    #[sea_orm(string_value = "transfer.dispatched")]
    #[serde(rename = "transfer.dispatched")]
    TransferDispatched,
    #[sea_orm(string_value = "transfer.received")]
    #[serde(rename = "transfer.received")]
    TransferReceived,
    #[sea_orm(string_value = "transfer.cancelled")]
    #[serde(rename = "transfer.cancelled")]
    TransferCancelled,
    #[sea_orm(string_value = "purchase_order.created")]
    #[serde(rename = "purchase_order.created")]
    PurchaseOrderCreated,
    #[sea_orm(string_value = "purchase_order.ordered")]
    #[serde(rename = "purchase_order.ordered")]
    PurchaseOrderOrdered,
    #[sea_orm(string_value = "purchase_order.received")]
    #[serde(rename = "purchase_order.received")]
    PurchaseOrderReceived,
    #[sea_orm(string_value = "purchase_order.closed")]
    #[serde(rename = "purchase_order.closed")]
    PurchaseOrderClosed,
    #[sea_orm(string_value = "purchase_order.cancelled")]
    #[serde(rename = "purchase_order.cancelled")]
    PurchaseOrderCancelled,
    /// A sales channel's availability, pushed on its schedule or on demand (never in the outbox).
    #[sea_orm(string_value = "channel.availability")]
    #[serde(rename = "channel.availability")]
    ChannelAvailability,
}
