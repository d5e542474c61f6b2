//! Database entities, one module per table. They hold no logic: rules live in the server's domain modules.

pub mod adjustment;
pub mod adjustment_line;
pub mod admin_client;
pub mod branch;
pub mod branch_item;
pub mod category;
pub mod customer;
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
pub mod master_change;
pub mod payment_method;
pub mod payment_method_branch;
pub mod purchase_order;
pub mod purchase_order_line;
pub mod sales_line;
pub mod sales_payment;
pub mod sales_transaction;
pub mod sequence_counter;
pub mod setting;
pub mod signing_key;
pub mod staff_branch;
pub mod staff_user;
pub mod stock_level;
pub mod stock_movement;
pub mod terminal;
pub mod transfer_line;
pub mod transfer_ticket;

/// A decimal with exactly four fractional digits, stored as an integer count of 0.0001 units so
/// that every database (SQLite has no decimal type) stores, compares and adds it exactly.
pub type Fixed4 = i64;
