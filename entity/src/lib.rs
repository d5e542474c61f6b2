//! Database entities, one module per table. They hold no logic: rules live in the server's domain modules.

pub mod adjustment;
pub mod adjustment_line;
pub mod admin_client;
pub mod audit_entry;
pub mod branch;
pub mod branch_item;
pub mod cash_deposit;
pub mod category;
pub mod channel_allocation;
pub mod channel_branch;
pub mod channel_change;
pub mod channel_item;
pub mod channel_order;
pub mod channel_order_line;
pub mod channel_push_run;
pub mod console_session;
pub mod console_user;
pub mod customer;
pub mod delivery_attempt;
pub mod device_log;
pub mod goods_receipt;
pub mod goods_receipt_line;
pub mod idempotency_key;
pub mod item;
pub mod item_barcode;
pub mod item_group;
pub mod item_group_item;
pub mod item_group_option;
pub mod item_request;
pub mod item_request_line;
pub mod journal_entry;
pub mod master_change;
pub mod outbound_event;
pub mod payment_method;
pub mod payment_method_branch;
pub mod purchase_order;
pub mod purchase_order_line;
pub mod recipe;
pub mod recipe_ingredient;
pub mod sales_channel;
pub mod sales_line;
pub mod sales_line_option;
pub mod sales_payment;
pub mod sales_transaction;
pub mod sequence_counter;
pub mod setting;
pub mod shift;
pub mod shift_movement;
pub mod shift_tender;
pub mod signing_key;
pub mod staff_branch;
pub mod staff_user;
pub mod stock_level;
pub mod stock_movement;
pub mod subscription;
pub mod terminal;
pub mod transfer_line;
pub mod transfer_ticket;

/// A decimal with exactly four fractional digits, stored as an integer count of 0.0001 units so
/// that every database (SQLite has no decimal type) stores, compares and adds it exactly.
/// Serialized as the bare integer, so a fingerprint of stored amounts never changes with it.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    sea_orm::DeriveValueType,
)]
pub struct Fixed4(pub i64);

impl Fixed4 {
    pub const ZERO: Fixed4 = Fixed4(0);
}

impl std::ops::Add for Fixed4 {
    type Output = Fixed4;
    fn add(self, other: Fixed4) -> Fixed4 {
        Fixed4(self.0 + other.0)
    }
}

impl std::ops::Sub for Fixed4 {
    type Output = Fixed4;
    fn sub(self, other: Fixed4) -> Fixed4 {
        Fixed4(self.0 - other.0)
    }
}

impl std::ops::Neg for Fixed4 {
    type Output = Fixed4;
    fn neg(self) -> Fixed4 {
        Fixed4(-self.0)
    }
}

impl std::ops::AddAssign for Fixed4 {
    fn add_assign(&mut self, other: Fixed4) {
        self.0 += other.0;
    }
}

impl std::ops::SubAssign for Fixed4 {
    fn sub_assign(&mut self, other: Fixed4) {
        self.0 -= other.0;
    }
}

impl std::iter::Sum for Fixed4 {
    fn sum<I: Iterator<Item = Fixed4>>(iter: I) -> Fixed4 {
        Fixed4(iter.map(|f| f.0).sum())
    }
}
