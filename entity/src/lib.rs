//! Database entities, one module per table. They hold no logic: rules live in the server's domain modules.

pub mod admin_client;
pub mod branch;
pub mod signing_key;
pub mod terminal;
