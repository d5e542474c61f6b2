use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{instant, instant_null};

/// Sales channels (web shops, marketplaces): their credentials and branches, the channel's own
/// ids for items, the changes of availability they read as a feed, their orders with the stock
/// each line holds at a branch, and the runs of their scheduled pushes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(SalesChannel::Table)
                    .col(uuid(SalesChannel::Id).primary_key())
                    .col(string_len(SalesChannel::Name, 200))
                    .col(string_len_uniq(SalesChannel::ClientId, 100))
                    .col(string_len(SalesChannel::SecretHash, 200))
                    .col(integer(SalesChannel::CredentialVersion))
                    .col(boolean(SalesChannel::Active))
                    .col(big_integer(SalesChannel::SafetyStock))
                    .col(boolean(SalesChannel::AllowBackorders))
                    .col(uuid_null(SalesChannel::PushSubscriptionId))
                    .col(string_len_null(SalesChannel::PushSchedule, 120))
                    .col(boolean(SalesChannel::PushRunning))
                    .col(instant_null(backend, SalesChannel::NextPushAt))
                    .col(instant(backend, SalesChannel::CreatedAt))
                    .col(instant(backend, SalesChannel::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SalesChannel::Table, SalesChannel::PushSubscriptionId)
                            .to(Subscription::Table, Subscription::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelBranch::Table)
                    .col(uuid(ChannelBranch::ChannelId))
                    .col(uuid(ChannelBranch::BranchId))
                    .col(integer(ChannelBranch::Priority))
                    .primary_key(
                        Index::create()
                            .col(ChannelBranch::ChannelId)
                            .col(ChannelBranch::BranchId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelBranch::Table, ChannelBranch::ChannelId)
                            .to(SalesChannel::Table, SalesChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelBranch::Table, ChannelBranch::BranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_channel_branch_branch",
            ChannelBranch::Table,
            &[ChannelBranch::BranchId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelItem::Table)
                    .col(uuid(ChannelItem::ChannelId))
                    .col(uuid(ChannelItem::ItemId))
                    .col(string_len(ChannelItem::ExternalId, 200))
                    .col(big_integer_null(ChannelItem::SafetyStock))
                    .col(instant(backend, ChannelItem::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(ChannelItem::ChannelId)
                            .col(ChannelItem::ItemId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelItem::Table, ChannelItem::ChannelId)
                            .to(SalesChannel::Table, SalesChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelItem::Table, ChannelItem::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_channel_item_external")
                    .table(ChannelItem::Table)
                    .col(ChannelItem::ChannelId)
                    .col(ChannelItem::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_channel_item_item",
            ChannelItem::Table,
            &[ChannelItem::ItemId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelChange::Table)
                    .col(
                        big_integer(ChannelChange::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(uuid(ChannelChange::ChannelId))
                    .col(string_len(ChannelChange::ExternalId, 200))
                    .col(big_integer_null(ChannelChange::Seq).unique_key())
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_channel_change_channel_seq",
            ChannelChange::Table,
            &[ChannelChange::ChannelId, ChannelChange::Seq],
        )
        .await?;
        // Compaction looks for a later row of the same item.
        index(
            manager,
            "idx_channel_change_item",
            ChannelChange::Table,
            &[
                ChannelChange::ChannelId,
                ChannelChange::ExternalId,
                ChannelChange::Seq,
            ],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelOrder::Table)
                    .col(uuid(ChannelOrder::Id).primary_key())
                    .col(uuid(ChannelOrder::ChannelId))
                    .col(string_len(ChannelOrder::ExternalOrderId, 200))
                    .col(string_len(ChannelOrder::ContentHash, 64))
                    .col(string_len(ChannelOrder::State, 24))
                    .col(string_len_null(ChannelOrder::CustomerRef, 200))
                    .col(big_integer(ChannelOrder::Total))
                    .col(string_len(ChannelOrder::PlacedBy, 200))
                    .col(instant(backend, ChannelOrder::CreatedAt))
                    .col(instant(backend, ChannelOrder::UpdatedAt))
                    .col(instant_null(backend, ChannelOrder::FulfilledAt))
                    .col(instant_null(backend, ChannelOrder::CancelledAt))
                    .col(instant_null(backend, ChannelOrder::ReturnedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelOrder::Table, ChannelOrder::ChannelId)
                            .to(SalesChannel::Table, SalesChannel::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_channel_order_external")
                    .table(ChannelOrder::Table)
                    .col(ChannelOrder::ChannelId)
                    .col(ChannelOrder::ExternalOrderId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelOrderLine::Table)
                    .col(uuid(ChannelOrderLine::OrderId))
                    .col(integer(ChannelOrderLine::LineNo))
                    .col(uuid(ChannelOrderLine::ItemId))
                    .col(string_len(ChannelOrderLine::ExternalItemId, 200))
                    .col(big_integer(ChannelOrderLine::Quantity))
                    .col(big_integer(ChannelOrderLine::UnitPrice))
                    .col(big_integer(ChannelOrderLine::Backordered))
                    .primary_key(
                        Index::create()
                            .col(ChannelOrderLine::OrderId)
                            .col(ChannelOrderLine::LineNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelOrderLine::Table, ChannelOrderLine::OrderId)
                            .to(ChannelOrder::Table, ChannelOrder::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelAllocation::Table)
                    .col(uuid(ChannelAllocation::OrderId))
                    .col(integer(ChannelAllocation::LineNo))
                    .col(uuid(ChannelAllocation::BranchId))
                    .col(uuid(ChannelAllocation::ItemId))
                    .col(big_integer(ChannelAllocation::Quantity))
                    .col(string_len(ChannelAllocation::State, 16))
                    .col(string_len_null(ChannelAllocation::FulfilledBy, 200))
                    .col(instant_null(backend, ChannelAllocation::FulfilledAt))
                    .primary_key(
                        Index::create()
                            .col(ChannelAllocation::OrderId)
                            .col(ChannelAllocation::LineNo)
                            .col(ChannelAllocation::BranchId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelAllocation::Table, ChannelAllocation::OrderId)
                            .to(ChannelOrder::Table, ChannelOrder::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_channel_allocation_held",
            ChannelAllocation::Table,
            &[
                ChannelAllocation::BranchId,
                ChannelAllocation::ItemId,
                ChannelAllocation::State,
            ],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelPushRun::Table)
                    .col(uuid(ChannelPushRun::Id).primary_key())
                    .col(uuid(ChannelPushRun::ChannelId))
                    .col(string_len(ChannelPushRun::Trigger, 16))
                    .col(instant(backend, ChannelPushRun::StartedAt))
                    .col(instant_null(backend, ChannelPushRun::FinishedAt))
                    .col(integer(ChannelPushRun::ItemsSent))
                    .col(string_len(ChannelPushRun::Outcome, 16))
                    .col(text_null(ChannelPushRun::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelPushRun::Table, ChannelPushRun::ChannelId)
                            .to(SalesChannel::Table, SalesChannel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_channel_push_run_started",
            ChannelPushRun::Table,
            &[ChannelPushRun::ChannelId, ChannelPushRun::StartedAt],
        )
        .await?;
        let counter = Query::insert()
            .into_table(SequenceCounter::Table)
            .columns([SequenceCounter::Stream, SequenceCounter::Value])
            .values_panic([CHANNEL_CHANGES.into(), 0i64.into()])
            .to_owned();
        manager.get_connection().execute(&counter).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChannelPushRun::Table.into_iden(),
            ChannelAllocation::Table.into_iden(),
            ChannelOrderLine::Table.into_iden(),
            ChannelOrder::Table.into_iden(),
            ChannelChange::Table.into_iden(),
            ChannelItem::Table.into_iden(),
            ChannelBranch::Table.into_iden(),
            SalesChannel::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        let delete = Query::delete()
            .from_table(SequenceCounter::Table)
            .and_where(Expr::col(SequenceCounter::Stream).eq(CHANNEL_CHANGES))
            .to_owned();
        manager.get_connection().execute(&delete).await?;
        Ok(())
    }
}

async fn index<T: Iden + Clone + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[T],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col.clone());
    }
    manager.create_index(index.to_owned()).await
}

const CHANNEL_CHANGES: &str = "channel_changes";

#[derive(DeriveIden, Clone)]
enum SalesChannel {
    Table,
    Id,
    Name,
    ClientId,
    SecretHash,
    CredentialVersion,
    Active,
    SafetyStock,
    AllowBackorders,
    PushSubscriptionId,
    PushSchedule,
    PushRunning,
    NextPushAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum ChannelBranch {
    Table,
    ChannelId,
    BranchId,
    Priority,
}

#[derive(DeriveIden, Clone)]
enum ChannelItem {
    Table,
    ChannelId,
    ItemId,
    ExternalId,
    SafetyStock,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum ChannelChange {
    Table,
    Id,
    ChannelId,
    ExternalId,
    Seq,
}

#[derive(DeriveIden, Clone)]
enum ChannelOrder {
    Table,
    Id,
    ChannelId,
    ExternalOrderId,
    ContentHash,
    State,
    CustomerRef,
    Total,
    PlacedBy,
    CreatedAt,
    UpdatedAt,
    FulfilledAt,
    CancelledAt,
    ReturnedAt,
}

#[derive(DeriveIden, Clone)]
enum ChannelOrderLine {
    Table,
    OrderId,
    LineNo,
    ItemId,
    ExternalItemId,
    Quantity,
    UnitPrice,
    Backordered,
}

#[derive(DeriveIden, Clone)]
enum ChannelAllocation {
    Table,
    OrderId,
    LineNo,
    BranchId,
    ItemId,
    Quantity,
    State,
    FulfilledBy,
    FulfilledAt,
}

#[derive(DeriveIden, Clone)]
enum ChannelPushRun {
    Table,
    Id,
    ChannelId,
    Trigger,
    StartedAt,
    FinishedAt,
    ItemsSent,
    Outcome,
    Error,
}

#[derive(DeriveIden)]
enum Subscription {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Branch {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SequenceCounter {
    Table,
    Stream,
    Value,
}
