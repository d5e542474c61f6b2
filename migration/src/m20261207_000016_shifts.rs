use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{instant, instant_null};

/// Shifts and cash drawers: a terminal's shift (under the terminal's own id) with its opening
/// float, paid-ins and paid-outs, its close (counted, expected and the difference per payment
/// method), and bank deposits of the cash of closed shifts.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(CashDeposit::Table)
                    .col(uuid(CashDeposit::Id).primary_key())
                    .col(uuid(CashDeposit::BranchId))
                    .col(big_integer(CashDeposit::Amount))
                    .col(big_integer(CashDeposit::Expected))
                    .col(instant(backend, CashDeposit::DepositedAt))
                    .col(string_len_null(CashDeposit::Reference, 200))
                    .col(string_len(CashDeposit::RecordedBy, 200))
                    .col(instant(backend, CashDeposit::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Shift::Table)
                    .col(uuid(Shift::Id).primary_key())
                    .col(uuid(Shift::TerminalId))
                    .col(uuid(Shift::BranchId))
                    .col(uuid(Shift::StaffUserId))
                    .col(instant(backend, Shift::OpenedAt))
                    .col(big_integer(Shift::OpeningFloat))
                    .col(string_len(Shift::State, 16))
                    .col(instant_null(backend, Shift::ClosedAt))
                    .col(string_len_null(Shift::CloseHash, 64))
                    .col(big_integer_null(Shift::Difference))
                    .col(uuid_null(Shift::DepositId))
                    .col(instant(backend, Shift::CreatedAt))
                    .col(instant(backend, Shift::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Shift::Table, Shift::DepositId)
                            .to(CashDeposit::Table, CashDeposit::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_shift_branch_opened", Shift::BranchId),
            ("idx_shift_terminal_opened", Shift::TerminalId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Shift::Table)
                        .col(col)
                        .col(Shift::OpenedAt)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ShiftMovement::Table)
                    .col(uuid(ShiftMovement::Id).primary_key())
                    .col(uuid(ShiftMovement::ShiftId))
                    .col(string_len(ShiftMovement::Kind, 16))
                    .col(big_integer(ShiftMovement::Amount))
                    .col(string_len(ShiftMovement::Reason, 200))
                    .col(instant(backend, ShiftMovement::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShiftMovement::Table, ShiftMovement::ShiftId)
                            .to(Shift::Table, Shift::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shift_movement_shift")
                    .table(ShiftMovement::Table)
                    .col(ShiftMovement::ShiftId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ShiftTender::Table)
                    .col(uuid(ShiftTender::ShiftId))
                    .col(uuid(ShiftTender::PaymentMethodId))
                    .col(big_integer(ShiftTender::Expected))
                    .col(big_integer(ShiftTender::Counted))
                    .col(big_integer(ShiftTender::Difference))
                    .primary_key(
                        Index::create()
                            .col(ShiftTender::ShiftId)
                            .col(ShiftTender::PaymentMethodId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShiftTender::Table, ShiftTender::ShiftId)
                            .to(Shift::Table, Shift::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ShiftTender::Table.into_iden(),
            ShiftMovement::Table.into_iden(),
            Shift::Table.into_iden(),
            CashDeposit::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Shift {
    Table,
    Id,
    TerminalId,
    BranchId,
    StaffUserId,
    OpenedAt,
    OpeningFloat,
    State,
    ClosedAt,
    CloseHash,
    Difference,
    DepositId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ShiftMovement {
    Table,
    Id,
    ShiftId,
    Kind,
    Amount,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum ShiftTender {
    Table,
    ShiftId,
    PaymentMethodId,
    Expected,
    Counted,
    Difference,
}

#[derive(DeriveIden)]
enum CashDeposit {
    Table,
    Id,
    BranchId,
    Amount,
    Expected,
    DepositedAt,
    Reference,
    RecordedBy,
    CreatedAt,
}
