use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::instant;

/// Each branch's tamper-evident sales journal: every settled transaction accepted at the branch,
/// in commit order, chained by `hash = SHA-256(previous hash ‖ record)`; the hash is also kept
/// with the transaction.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(JournalEntry::Table)
                    .col(uuid(JournalEntry::BranchId))
                    .col(big_integer(JournalEntry::Seq))
                    .col(uuid_uniq(JournalEntry::TransactionId))
                    .col(text(JournalEntry::Record))
                    .col(string_len(JournalEntry::PrevHash, 64))
                    .col(string_len(JournalEntry::Hash, 64))
                    .col(instant(backend, JournalEntry::RecordedAt))
                    .primary_key(
                        Index::create()
                            .col(JournalEntry::BranchId)
                            .col(JournalEntry::Seq),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SalesTransaction::Table)
                    .add_column(string_len_null(SalesTransaction::JournalHash, 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SalesTransaction::Table)
                    .drop_column(SalesTransaction::JournalHash)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(JournalEntry::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum JournalEntry {
    Table,
    BranchId,
    Seq,
    TransactionId,
    Record,
    PrevHash,
    Hash,
    RecordedAt,
}

#[derive(DeriveIden)]
enum SalesTransaction {
    Table,
    JournalHash,
}
