use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// An order to a supplier for one branch: draft → ordered → partially received → received;
/// closed short, or cancelled from draft or ordered.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchase_order")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub branch_id: Uuid,
    pub supplier: String,
    /// The supplier's own reference for the order.
    pub supplier_reference: Option<String>,
    pub status: PurchaseOrderStatus,
    /// Whether more than ordered may be received.
    pub allow_over_receipt: bool,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where a purchase order is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "snake_case")]
pub enum PurchaseOrderStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "ordered")]
    Ordered,
    #[sea_orm(string_value = "partially_received")]
    PartiallyReceived,
    #[sea_orm(string_value = "received")]
    Received,
    #[sea_orm(string_value = "closed")]
    Closed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}
