use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{instant, instant_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(SigningKey::Table)
                    .col(string_len(SigningKey::Kid, 64).primary_key())
                    .col(string_len(SigningKey::Secret, 128))
                    .col(instant(backend, SigningKey::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AdminClient::Table)
                    .col(pk_uuid(AdminClient::Id))
                    .col(string_len_uniq(AdminClient::ClientId, 128))
                    .col(string_len(AdminClient::SecretHash, 255))
                    .col(string_len(AdminClient::Name, 200))
                    .col(boolean(AdminClient::Active))
                    .col(instant(backend, AdminClient::CreatedAt))
                    .col(instant(backend, AdminClient::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Branch::Table)
                    .col(pk_uuid(Branch::Id))
                    .col(string_len_uniq(Branch::Code, 32))
                    .col(string_len(Branch::Name, 200))
                    .col(string_len(Branch::PosType, 16))
                    .col(string_len(Branch::TimeZone, 64))
                    .col(boolean(Branch::Active))
                    .col(instant(backend, Branch::CreatedAt))
                    .col(instant(backend, Branch::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Terminal::Table)
                    .col(pk_uuid(Terminal::Id))
                    .col(uuid(Terminal::BranchId))
                    .col(string_len_uniq(Terminal::ClientId, 128))
                    .col(string_len(Terminal::SecretHash, 255))
                    .col(string_len(Terminal::Name, 200))
                    .col(string_len_null(Terminal::DeviceId, 200))
                    .col(string_len_null(Terminal::AgentVersion, 64))
                    .col(integer_null(Terminal::QueuedBacklog))
                    .col(instant_null(backend, Terminal::LastSeenAt))
                    .col(boolean(Terminal::Active))
                    .col(instant(backend, Terminal::CreatedAt))
                    .col(instant(backend, Terminal::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_terminal_branch")
                            .from(Terminal::Table, Terminal::BranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_index(
                Index::create()
                    .name("idx_terminal_branch_name")
                    .table(Terminal::Table)
                    .col(Terminal::BranchId)
                    .col(Terminal::Name)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Terminal::Table.into_iden(),
            Branch::Table.into_iden(),
            AdminClient::Table.into_iden(),
            SigningKey::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SigningKey {
    Table,
    Kid,
    Secret,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AdminClient {
    Table,
    Id,
    ClientId,
    SecretHash,
    Name,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Branch {
    Table,
    Id,
    Code,
    Name,
    PosType,
    TimeZone,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Terminal {
    Table,
    Id,
    BranchId,
    ClientId,
    SecretHash,
    Name,
    DeviceId,
    AgentVersion,
    QueuedBacklog,
    LastSeenAt,
    Active,
    CreatedAt,
    UpdatedAt,
}
