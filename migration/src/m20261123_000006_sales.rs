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
                    .table(SalesTransaction::Table)
                    .col(pk_uuid(SalesTransaction::Id))
                    .col(uuid(SalesTransaction::BranchId))
                    .col(uuid(SalesTransaction::TerminalId))
                    .col(uuid(SalesTransaction::TerminalTransactionId))
                    .col(string_len(SalesTransaction::ReceiptNumber, 64))
                    .col(string_len(SalesTransaction::Kind, 16))
                    .col(string_len(SalesTransaction::Status, 16))
                    .col(integer(SalesTransaction::Revision))
                    .col(uuid_null(SalesTransaction::VoidsTransactionId))
                    .col(uuid_null(SalesTransaction::VoidedByTransactionId))
                    .col(instant(backend, SalesTransaction::OccurredAt))
                    .col(integer(SalesTransaction::UtcOffsetMinutes))
                    .col(date(SalesTransaction::BusinessDate))
                    .col(uuid(SalesTransaction::StaffUserId))
                    .col(uuid_null(SalesTransaction::CustomerId))
                    .col(string_len_null(SalesTransaction::OrderType, 16))
                    .col(string_len_null(SalesTransaction::TableLabel, 32))
                    .col(integer_null(SalesTransaction::Covers))
                    .col(boolean(SalesTransaction::TaxInclusive))
                    .col(big_integer(SalesTransaction::Subtotal))
                    .col(big_integer(SalesTransaction::DiscountTotal))
                    .col(big_integer(SalesTransaction::TaxTotal))
                    .col(big_integer(SalesTransaction::Total))
                    .col(string_len(SalesTransaction::ContentHash, 64))
                    .col(instant(backend, SalesTransaction::ReceivedAt))
                    .col(instant(backend, SalesTransaction::UpdatedAt))
                    .col(instant_null(backend, SalesTransaction::SettledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sales_transaction_branch")
                            .from(SalesTransaction::Table, SalesTransaction::BranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sales_transaction_terminal")
                            .from(SalesTransaction::Table, SalesTransaction::TerminalId)
                            .to(Terminal::Table, Terminal::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The terminal's own id is its exactly-once key, kept forever.
        manager
            .create_index(
                Index::create()
                    .name("idx_sales_transaction_terminal_key")
                    .table(SalesTransaction::Table)
                    .col(SalesTransaction::TerminalId)
                    .col(SalesTransaction::TerminalTransactionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_sales_transaction_branch_date",
                vec![SalesTransaction::BranchId, SalesTransaction::BusinessDate],
            ),
            (
                "idx_sales_transaction_branch_receipt",
                vec![SalesTransaction::BranchId, SalesTransaction::ReceiptNumber],
            ),
            // A void names its transaction by the terminal's id, from any terminal of the branch.
            (
                "idx_sales_transaction_key",
                vec![SalesTransaction::TerminalTransactionId],
            ),
            (
                "idx_sales_transaction_customer",
                vec![SalesTransaction::CustomerId],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(SalesTransaction::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        // A void reverses what its transaction moved: found by the document.
        manager
            .create_index(
                Index::create()
                    .name("idx_stock_movement_document")
                    .table(StockMovement::Table)
                    .col(StockMovement::DocumentType)
                    .col(StockMovement::DocumentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SalesLine::Table)
                    .col(uuid(SalesLine::SalesTransactionId))
                    .col(integer(SalesLine::LineNo))
                    .col(uuid(SalesLine::ItemId))
                    .col(big_integer(SalesLine::Quantity))
                    .col(big_integer(SalesLine::UnitPrice))
                    .col(big_integer(SalesLine::Discount))
                    .col(big_integer(SalesLine::Tax))
                    .col(big_integer(SalesLine::LineTotal))
                    .primary_key(
                        Index::create()
                            .col(SalesLine::SalesTransactionId)
                            .col(SalesLine::LineNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sales_line_transaction")
                            .from(SalesLine::Table, SalesLine::SalesTransactionId)
                            .to(SalesTransaction::Table, SalesTransaction::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sales_line_item")
                            .from(SalesLine::Table, SalesLine::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SalesPayment::Table)
                    .col(uuid(SalesPayment::SalesTransactionId))
                    .col(integer(SalesPayment::LineNo))
                    .col(uuid(SalesPayment::PaymentMethodId))
                    .col(big_integer(SalesPayment::Amount))
                    .col(string_len_null(SalesPayment::Reference, 128))
                    .primary_key(
                        Index::create()
                            .col(SalesPayment::SalesTransactionId)
                            .col(SalesPayment::LineNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sales_payment_transaction")
                            .from(SalesPayment::Table, SalesPayment::SalesTransactionId)
                            .to(SalesTransaction::Table, SalesTransaction::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sales_payment_method")
                            .from(SalesPayment::Table, SalesPayment::PaymentMethodId)
                            .to(PaymentMethod::Table, PaymentMethod::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_stock_movement_document")
                    .table(StockMovement::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            SalesPayment::Table.into_iden(),
            SalesLine::Table.into_iden(),
            SalesTransaction::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Branch {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Terminal {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StockMovement {
    Table,
    DocumentType,
    DocumentId,
}

#[derive(DeriveIden)]
enum PaymentMethod {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum SalesTransaction {
    Table,
    Id,
    BranchId,
    TerminalId,
    TerminalTransactionId,
    ReceiptNumber,
    Kind,
    Status,
    Revision,
    VoidsTransactionId,
    VoidedByTransactionId,
    OccurredAt,
    UtcOffsetMinutes,
    BusinessDate,
    StaffUserId,
    CustomerId,
    OrderType,
    TableLabel,
    Covers,
    TaxInclusive,
    Subtotal,
    DiscountTotal,
    TaxTotal,
    Total,
    ContentHash,
    ReceivedAt,
    UpdatedAt,
    SettledAt,
}

#[derive(DeriveIden)]
enum SalesLine {
    Table,
    SalesTransactionId,
    LineNo,
    ItemId,
    Quantity,
    UnitPrice,
    Discount,
    Tax,
    LineTotal,
}

#[derive(DeriveIden)]
enum SalesPayment {
    Table,
    SalesTransactionId,
    LineNo,
    PaymentMethodId,
    Amount,
    Reference,
}
