use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// A sales channel (a web shop, a marketplace): an OAuth2 client with scope `channel` that
/// sells the stock of its branches, and the schedule of its availability pushes.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales_channel")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub client_id: String,
    pub secret_hash: String,
    /// Raised when the secret is replaced or the channel is deactivated; older tokens stop.
    pub credential_version: i32,
    pub active: bool,
    /// Kept back from what the channel may sell, per item unless the item says otherwise.
    #[sea_orm(column_type = "BigInteger")]
    pub safety_stock: Fixed4,
    pub allow_backorders: bool,
    /// The outbound subscription its availability is pushed through.
    pub push_subscription_id: Option<Uuid>,
    /// A CRON expression (seconds first) of the scheduled pushes.
    pub push_schedule: Option<String>,
    /// Whether the schedule runs (seed 001's start and stop).
    pub push_running: bool,
    pub next_push_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
