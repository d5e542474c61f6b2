use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::instant_null;

/// What a terminal's heartbeat reports about its health: its feed cursors, its clock's skew
/// against the hub, when its oldest queued sale was made, and how many files the hub rejected.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            big_integer_null(Terminal::MasterCursor),
            big_integer_null(Terminal::StockCursor),
            big_integer_null(Terminal::ClockSkewMs),
            instant_null(backend, Terminal::OldestQueuedAt),
            integer_null(Terminal::RejectedCount),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Terminal::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Terminal::MasterCursor,
            Terminal::StockCursor,
            Terminal::ClockSkewMs,
            Terminal::OldestQueuedAt,
            Terminal::RejectedCount,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Terminal::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Terminal {
    Table,
    MasterCursor,
    StockCursor,
    ClockSkewMs,
    OldestQueuedAt,
    RejectedCount,
}
