use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// Stock moving from one branch to another: draft → dispatched → received, or cancelled.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfer_ticket")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub from_branch_id: Uuid,
    pub to_branch_id: Uuid,
    pub status: TransferStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where a transfer ticket is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "dispatched")]
    Dispatched,
    #[sea_orm(string_value = "received")]
    Received,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}
