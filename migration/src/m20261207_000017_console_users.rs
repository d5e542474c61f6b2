use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::instant;

/// People who use the web console (not machines): a password, a role, and their sessions.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(ConsoleUser::Table)
                    .col(uuid(ConsoleUser::Id).primary_key())
                    .col(string_len(ConsoleUser::Email, 254).unique_key())
                    .col(string_len(ConsoleUser::Name, 200))
                    .col(string_len(ConsoleUser::PasswordHash, 200))
                    .col(string_len(ConsoleUser::Role, 32))
                    .col(boolean(ConsoleUser::Active))
                    .col(instant(backend, ConsoleUser::CreatedAt))
                    .col(instant(backend, ConsoleUser::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsoleSession::Table)
                    .col(string_len(ConsoleSession::TokenHash, 64).primary_key())
                    .col(uuid(ConsoleSession::UserId))
                    .col(string_len(ConsoleSession::CsrfToken, 64))
                    .col(instant(backend, ConsoleSession::CreatedAt))
                    .col(instant(backend, ConsoleSession::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsoleSession::Table, ConsoleSession::UserId)
                            .to(ConsoleUser::Table, ConsoleUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_console_session_user")
                    .table(ConsoleSession::Table)
                    .col(ConsoleSession::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsoleSession::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ConsoleUser::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConsoleUser {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Role,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConsoleSession {
    Table,
    TokenHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}
