use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

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
    pub reason: Reason,
    /// The kind of document the movement came from (`adjustment`, `transfer_ticket`, …).
    pub document_type: String,
    pub document_id: Uuid,
    pub line_no: i32,
    /// The client id of whoever caused it.
    pub actor: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// Why a quantity changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    #[sea_orm(string_value = "sale")]
    Sale,
    #[sea_orm(string_value = "return")]
    Return,
    /// The reversal of a voided sale or return.
    #[sea_orm(string_value = "void")]
    Void,
    #[sea_orm(string_value = "po_receipt")]
    PoReceipt,
    #[sea_orm(string_value = "transfer_out")]
    TransferOut,
    #[sea_orm(string_value = "transfer_in")]
    TransferIn,
    #[sea_orm(string_value = "adjustment")]
    Adjustment,
    #[sea_orm(string_value = "count")]
    Count,
    /// Thrown away (an adjustment line with reason code `waste`).
    #[sea_orm(string_value = "waste")]
    Waste,
    /// A sales channel's order, shipped.
    #[sea_orm(string_value = "online_sale")]
    OnlineSale,
    /// A shipped channel order, sent back.
    #[sea_orm(string_value = "online_return")]
    OnlineReturn,
}
