use sea_orm::entity::prelude::*;

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
    /// `pending`, `approved`, `rejected` or `fulfilled`.
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    /// The transfer ticket made on approval.
    pub transfer_ticket_id: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
