use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::instant;

/// Each API client's role (`admin`, `stock`, `reports`; the clients made before roles are
/// admins), and the audit trail: who made every write that went through the API.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .alter_table(
                Table::alter()
                    .table(AdminClient::Table)
                    .add_column(string_len(AdminClient::Role, 32).default("admin"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEntry::Table)
                    .col(uuid(AuditEntry::Id).primary_key())
                    .col(instant(backend, AuditEntry::At))
                    .col(string_len(AuditEntry::Actor, 200))
                    .col(string_len(AuditEntry::Method, 10))
                    .col(string_len(AuditEntry::Path, 400))
                    .col(small_integer(AuditEntry::Status))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_entry_actor_at")
                    .table(AuditEntry::Table)
                    .col(AuditEntry::Actor)
                    .col(AuditEntry::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEntry::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AdminClient::Table)
                    .drop_column(AdminClient::Role)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AdminClient {
    Table,
    Role,
}

#[derive(DeriveIden)]
enum AuditEntry {
    Table,
    Id,
    At,
    Actor,
    Method,
    Path,
    Status,
}
