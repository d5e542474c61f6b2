use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// The quantities of one item at one branch. Changed only together with a ledger row
/// ([`super::stock_movement`]), by an atomic update in the same transaction.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_level")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub branch_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: Uuid,
    /// Always the sum of the item's ledger rows at the branch.
    #[sea_orm(column_type = "BigInteger")]
    pub on_hand: Fixed4,
    /// Dispatched to this branch and not yet received.
    #[sea_orm(column_type = "BigInteger")]
    pub in_transit_in: Fixed4,
    /// Ordered from suppliers and not yet received.
    #[sea_orm(column_type = "BigInteger")]
    pub on_order: Fixed4,
    /// Below this on hand, the item should be reordered at this branch.
    #[sea_orm(column_type = "BigInteger", nullable)]
    pub reorder_level: Option<Fixed4>,
    /// The branch stream's sequence number of the last change, for the terminal's stock feed.
    pub seq: i64,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
