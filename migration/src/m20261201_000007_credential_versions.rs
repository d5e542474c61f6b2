use sea_orm_migration::{prelude::*, schema::*};

/// Each client's credential version: raised when its secret is replaced or it is deactivated or
/// reactivated. Tokens carry the version they were issued under, so those from before are refused.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Terminal::Table)
                    .add_column(integer(Terminal::CredentialVersion).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AdminClient::Table)
                    .add_column(integer(AdminClient::CredentialVersion).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Terminal::Table)
                    .drop_column(Terminal::CredentialVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AdminClient::Table)
                    .drop_column(AdminClient::CredentialVersion)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Terminal {
    Table,
    CredentialVersion,
}

#[derive(DeriveIden)]
enum AdminClient {
    Table,
    CredentialVersion,
}
