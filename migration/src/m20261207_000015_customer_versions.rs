use sea_orm_migration::{prelude::*, schema::*};

/// A customer's version, raised by every change: a till's edit names the version it saw, and is
/// refused when the customer changed since.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customer::Table)
                    .add_column(integer(Customer::Version).default(1))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customer::Table)
                    .drop_column(Customer::Version)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Customer {
    Table,
    Version,
}
