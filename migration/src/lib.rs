//! Schema migrations. A landed migration is never edited: change the schema by adding a new one.

pub use sea_orm_migration::prelude::*;

mod columns;

mod m20261123_000001_identity_and_branches;
mod m20261123_000002_master_data;
mod m20261123_000003_item_groups;
mod m20261123_000004_stock;
mod m20261123_000005_purchase_orders_and_item_requests;
mod m20261123_000006_sales;
mod m20261201_000007_credential_versions;
mod m20261201_000008_client_roles_and_audit;
mod m20261201_000009_terminal_health;
mod m20261201_000010_feed_heads;
mod m20261207_000011_outbound;
mod m20261207_000012_sales_journal;
mod m20261207_000013_sales_channels;
mod m20261207_000014_device_logs;
mod m20261207_000015_customer_versions;
mod m20261207_000016_shifts;
mod m20261207_000017_console_users;
mod m20261207_000018_restaurant_sales;
mod m20261208_000019_item_group_links_by_item;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_identity_and_branches::Migration),
            Box::new(m20261123_000002_master_data::Migration),
            Box::new(m20261123_000003_item_groups::Migration),
            Box::new(m20261123_000004_stock::Migration),
            Box::new(m20261123_000005_purchase_orders_and_item_requests::Migration),
            Box::new(m20261123_000006_sales::Migration),
            Box::new(m20261201_000007_credential_versions::Migration),
            Box::new(m20261201_000008_client_roles_and_audit::Migration),
            Box::new(m20261201_000009_terminal_health::Migration),
            Box::new(m20261201_000010_feed_heads::Migration),
            Box::new(m20261207_000011_outbound::Migration),
            Box::new(m20261207_000012_sales_journal::Migration),
            Box::new(m20261207_000013_sales_channels::Migration),
            Box::new(m20261207_000014_device_logs::Migration),
            Box::new(m20261207_000015_customer_versions::Migration),
            Box::new(m20261207_000016_shifts::Migration),
            Box::new(m20261207_000017_console_users::Migration),
            Box::new(m20261207_000018_restaurant_sales::Migration),
            Box::new(m20261208_000019_item_group_links_by_item::Migration),
        ]
    }
}
