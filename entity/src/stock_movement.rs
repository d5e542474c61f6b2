use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// One row of the stock ledger: a signed change of an item's quantity at a branch.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub branch_id: Uuid,
    pub item_id: Uuid,
    /// Position in the branch's stream, in commit order.
    pub seq: i64,
    #[sea_orm(column_type = "BigInteger")]
    pub delta: Fixed4,
    /// `on_hand` right after this movement.
    #[sea_orm(column_type = "BigInteger")]
    pub balance_after: Fixed4,
    /// `sale`, `return`, `po_receipt`, `transfer_out`, `transfer_in`, `adjustment` or `count`.
    pub reason: String,
    /// The kind of document the movement came from (`adjustment`, `transfer_ticket`, …).
    pub document_type: String,
    pub document_id: Uuid,
    pub line_no: i32,
    /// The client id of whoever caused it.
    pub actor: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
