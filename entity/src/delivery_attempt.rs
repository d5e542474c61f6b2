use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// One POST to a subscription's receiver, and what came of it; or an event an admin skipped.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_attempt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub at: DateTimeUtc,
    pub webhook_id: String,
    /// The outbox numbers of the first and last event sent; none for a sample message.
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub event_count: i32,
    /// The receiver's status; none when it could not be reached.
    pub status_code: Option<i16>,
    pub latency_ms: i32,
    pub outcome: AttemptOutcome,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    #[sea_orm(string_value = "delivered")]
    Delivered,
    #[sea_orm(string_value = "failed")]
    Failed,
    /// A sample message the admin asked for.
    #[sea_orm(string_value = "sample")]
    Sample,
    /// An event the admin told the subscription to pass over (by whom: in `error`); it stays
    /// in the outbox.
    #[sea_orm(string_value = "skipped")]
    Skipped,
}
