use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A third party's subscription to outbound events: where they go, in which format, and how far
/// it has got (`cursor`, the last event delivered or passed over).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscription")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub url: String,
    /// The event types delivered, as a JSON array of their names.
    #[sea_orm(column_type = "Text")]
    pub event_types: String,
    /// Only this branch's events (and chain-wide ones), when set.
    pub branch_id: Option<Uuid>,
    pub format: MessageFormat,
    pub batch_size: i32,
    /// OAuth2 client credentials towards the receiver; none when it takes no token.
    pub token_url: Option<String>,
    pub oauth_client_id: Option<String>,
    pub oauth_client_secret: Option<String>,
    pub oauth_scope: Option<String>,
    /// `whsec_<base64>`: the key of every delivery's signature.
    pub signing_secret: String,
    pub state: SubscriptionState,
    #[sea_orm(column_type = "Text", nullable)]
    pub paused_reason: Option<String>,
    pub cursor: i64,
    /// The cursor the batch being tried moves to once delivered: a retry sends the same events.
    pub batch_through: Option<i64>,
    /// Failed attempts at the batch being tried.
    pub failed_attempts: i32,
    pub failing_since: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub next_attempt_at: DateTimeUtc,
    /// The hub process delivering it, until `lease_until`.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// How messages are written.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum MessageFormat {
    /// `{"events":[{"id","type","occurred_at","branch_id","data"}]}`.
    #[sea_orm(string_value = "hubshake")]
    Hubshake,
    /// Seed 004's `{"messages":[{"action","payload","type","uniqueId"}]}`.
    #[sea_orm(string_value = "data_sync")]
    DataSync,
}

/// Whether a subscription delivers.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "paused")]
    Paused,
}
