use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::instant;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .alter_table(
                Table::alter()
                    .table(Branch::Table)
                    .add_column(boolean(Branch::AllowNegativeStock).default(false))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StockLevel::Table)
                    .col(uuid(StockLevel::BranchId))
                    .col(uuid(StockLevel::ItemId))
                    .col(big_integer(StockLevel::OnHand))
                    .col(big_integer(StockLevel::InTransitIn))
                    .col(big_integer(StockLevel::OnOrder))
                    .col(big_integer_null(StockLevel::ReorderLevel))
                    .col(big_integer(StockLevel::Seq))
                    .col(instant(backend, StockLevel::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(StockLevel::BranchId)
                            .col(StockLevel::ItemId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stock_level_branch")
                            .from(StockLevel::Table, StockLevel::BranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stock_level_item")
                            .from(StockLevel::Table, StockLevel::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stock_level_branch_seq")
                    .table(StockLevel::Table)
                    .col(StockLevel::BranchId)
                    .col(StockLevel::Seq)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StockMovement::Table)
                    .col(pk_uuid(StockMovement::Id))
                    .col(uuid(StockMovement::BranchId))
                    .col(uuid(StockMovement::ItemId))
                    .col(big_integer(StockMovement::Seq))
                    .col(big_integer(StockMovement::Delta))
                    .col(big_integer(StockMovement::BalanceAfter))
                    .col(string_len(StockMovement::Reason, 16))
                    .col(string_len(StockMovement::DocumentType, 24))
                    .col(uuid(StockMovement::DocumentId))
                    .col(integer(StockMovement::LineNo))
                    .col(string_len(StockMovement::Actor, 128))
                    .col(instant(backend, StockMovement::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stock_movement_level")
                            .from(
                                StockMovement::Table,
                                (StockMovement::BranchId, StockMovement::ItemId),
                            )
                            .to(
                                StockLevel::Table,
                                (StockLevel::BranchId, StockLevel::ItemId),
                            ),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stock_movement_branch_seq")
                    .table(StockMovement::Table)
                    .col(StockMovement::BranchId)
                    .col(StockMovement::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stock_movement_item_time")
                    .table(StockMovement::Table)
                    .col(StockMovement::BranchId)
                    .col(StockMovement::ItemId)
                    .col(StockMovement::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(string_len(IdempotencyKey::ClientId, 128))
                    .col(string_len(IdempotencyKey::Scope, 100))
                    .col(string_len(IdempotencyKey::Key, 200))
                    .col(string_len(IdempotencyKey::RequestHash, 64))
                    .col(integer(IdempotencyKey::StatusCode))
                    .col(text(IdempotencyKey::ResponseBody))
                    .col(instant(backend, IdempotencyKey::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKey::ClientId)
                            .col(IdempotencyKey::Scope)
                            .col(IdempotencyKey::Key),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Adjustment::Table)
                    .col(pk_uuid(Adjustment::Id))
                    .col(uuid(Adjustment::BranchId))
                    .col(text_null(Adjustment::Note))
                    .col(string_len(Adjustment::CreatedBy, 128))
                    .col(instant(backend, Adjustment::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_adjustment_branch")
                            .from(Adjustment::Table, Adjustment::BranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdjustmentLine::Table)
                    .col(uuid(AdjustmentLine::AdjustmentId))
                    .col(integer(AdjustmentLine::LineNo))
                    .col(uuid(AdjustmentLine::ItemId))
                    .col(string_len(AdjustmentLine::Mode, 8))
                    .col(big_integer(AdjustmentLine::Quantity))
                    .col(big_integer(AdjustmentLine::DeltaApplied))
                    .col(string_len(AdjustmentLine::ReasonCode, 32))
                    .primary_key(
                        Index::create()
                            .col(AdjustmentLine::AdjustmentId)
                            .col(AdjustmentLine::LineNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_adjustment_line_adjustment")
                            .from(AdjustmentLine::Table, AdjustmentLine::AdjustmentId)
                            .to(Adjustment::Table, Adjustment::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_adjustment_line_item")
                            .from(AdjustmentLine::Table, AdjustmentLine::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TransferTicket::Table)
                    .col(pk_uuid(TransferTicket::Id))
                    .col(uuid(TransferTicket::FromBranchId))
                    .col(uuid(TransferTicket::ToBranchId))
                    .col(string_len(TransferTicket::Status, 16))
                    .col(text_null(TransferTicket::Note))
                    .col(string_len(TransferTicket::CreatedBy, 128))
                    .col(instant(backend, TransferTicket::CreatedAt))
                    .col(instant(backend, TransferTicket::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_transfer_ticket_from")
                            .from(TransferTicket::Table, TransferTicket::FromBranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_transfer_ticket_to")
                            .from(TransferTicket::Table, TransferTicket::ToBranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TransferLine::Table)
                    .col(uuid(TransferLine::TransferTicketId))
                    .col(integer(TransferLine::LineNo))
                    .col(uuid(TransferLine::ItemId))
                    .col(big_integer(TransferLine::Quantity))
                    .col(big_integer_null(TransferLine::QuantityReceived))
                    .primary_key(
                        Index::create()
                            .col(TransferLine::TransferTicketId)
                            .col(TransferLine::LineNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_transfer_line_ticket")
                            .from(TransferLine::Table, TransferLine::TransferTicketId)
                            .to(TransferTicket::Table, TransferTicket::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_transfer_line_item")
                            .from(TransferLine::Table, TransferLine::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TransferLine::Table.into_iden(),
            TransferTicket::Table.into_iden(),
            AdjustmentLine::Table.into_iden(),
            Adjustment::Table.into_iden(),
            IdempotencyKey::Table.into_iden(),
            StockMovement::Table.into_iden(),
            StockLevel::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Branch::Table)
                    .drop_column(Branch::AllowNegativeStock)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Branch {
    Table,
    Id,
    AllowNegativeStock,
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StockLevel {
    Table,
    BranchId,
    ItemId,
    OnHand,
    InTransitIn,
    OnOrder,
    ReorderLevel,
    Seq,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StockMovement {
    Table,
    Id,
    BranchId,
    ItemId,
    Seq,
    Delta,
    BalanceAfter,
    Reason,
    DocumentType,
    DocumentId,
    LineNo,
    Actor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    ClientId,
    Scope,
    Key,
    RequestHash,
    StatusCode,
    ResponseBody,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Adjustment {
    Table,
    Id,
    BranchId,
    Note,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AdjustmentLine {
    Table,
    AdjustmentId,
    LineNo,
    ItemId,
    Mode,
    Quantity,
    DeltaApplied,
    ReasonCode,
}

#[derive(DeriveIden)]
enum TransferTicket {
    Table,
    Id,
    FromBranchId,
    ToBranchId,
    Status,
    Note,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TransferLine {
    Table,
    TransferTicketId,
    LineNo,
    ItemId,
    Quantity,
    QuantityReceived,
}
