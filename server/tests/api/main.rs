//! The hub's HTTP API, tested through a real server on port 0: one test binary, one module per
//! area, sharing the kit in `common`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod common;
mod console;

mod bad_days;
mod branches_and_terminals;
mod budgets;
mod channels;
mod errors;
mod exports;
mod fleet;
mod identity;
mod journal;
mod master_data;
mod master_gap;
mod metrics;
mod openapi;
mod outbound;
mod reports;
mod restaurant;
mod roles;
mod sales;
mod sales_exactly_once;
mod socket;
mod stock;
mod stock_invariants;
mod till_records;
