use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// A branch asking a supplying branch for items: pending → approved (a transfer ticket is made)
/// or rejected; fulfilled when that transfer is received.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub requesting_branch_id: Uuid,
    pub supplying_branch_id: Uuid,
    pub status: ItemRequestStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    /// The transfer ticket made on approval.
    pub transfer_ticket_id: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where an item request is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum ItemRequestStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "fulfilled")]
    Fulfilled,
}
