use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::instant;

/// Terminals' log lines (warnings, errors, what support needs), kept for a retention period.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(DeviceLog::Table)
                    .col(big_integer(DeviceLog::Id).auto_increment().primary_key())
                    .col(uuid(DeviceLog::TerminalId))
                    .col(uuid(DeviceLog::BranchId))
                    .col(string_len(DeviceLog::Level, 8))
                    .col(instant(backend, DeviceLog::LoggedAt))
                    .col(instant(backend, DeviceLog::ReceivedAt))
                    .col(string_len(DeviceLog::Component, 100))
                    .col(text(DeviceLog::Message))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceLog::Table, DeviceLog::TerminalId)
                            .to(Terminal::Table, Terminal::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_device_log_terminal",
                [DeviceLog::TerminalId, DeviceLog::LoggedAt],
            ),
            (
                "idx_device_log_branch",
                [DeviceLog::BranchId, DeviceLog::LoggedAt],
            ),
            (
                "idx_device_log_received",
                [DeviceLog::TerminalId, DeviceLog::ReceivedAt],
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(DeviceLog::Table)
                        .col(cols[0].clone())
                        .col(cols[1].clone())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_device_log_logged")
                    .table(DeviceLog::Table)
                    .col(DeviceLog::LoggedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeviceLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum DeviceLog {
    Table,
    Id,
    TerminalId,
    BranchId,
    Level,
    LoggedAt,
    ReceivedAt,
    Component,
    Message,
}

#[derive(DeriveIden)]
enum Terminal {
    Table,
    Id,
}
