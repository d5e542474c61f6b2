use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A line a terminal logged and uploaded.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub terminal_id: Uuid,
    pub branch_id: Uuid,
    pub level: LogLevel,
    /// When the terminal logged it (its clock).
    pub logged_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    pub component: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
}

impl ActiveModelBehavior for ActiveModel {}

/// How serious a line is; ordered, so a filter names the least level it wants.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    #[sea_orm(string_value = "debug")]
    Debug,
    #[sea_orm(string_value = "info")]
    Info,
    #[sea_orm(string_value = "warn")]
    Warn,
    #[sea_orm(string_value = "error")]
    Error,
}
