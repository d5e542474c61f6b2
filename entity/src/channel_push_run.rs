use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One push of a channel's availability, scheduled or forced (seed 001's job dashboard).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_push_run")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel_id: Uuid,
    pub trigger: PushTrigger,
    pub started_at: DateTimeUtc,
    /// None while it runs.
    pub finished_at: Option<DateTimeUtc>,
    pub items_sent: i32,
    pub outcome: PushOutcome,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum PushTrigger {
    #[sea_orm(string_value = "schedule")]
    Schedule,
    /// An admin's "force update".
    #[sea_orm(string_value = "forced")]
    Forced,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum PushOutcome {
    /// Started, not finished: a run claimed before a `stop` shows here until it ends.
    #[sea_orm(string_value = "running")]
    Running,
    /// Every message was taken by the receiver.
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
}
