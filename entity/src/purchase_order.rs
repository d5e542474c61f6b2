use sea_orm::entity::prelude::*;

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
    /// `draft`, `ordered`, `partially_received`, `received`, `closed` or `cancelled`.
    pub status: String,
    /// Whether more than ordered may be received.
    pub allow_over_receipt: bool,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
