use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{instant, instant_null};

/// The outbox of events for third parties (written unnumbered by each change, then numbered in
/// the order they committed by the `outbox` counter), the subscriptions that deliver them, and
/// each delivery attempt (or skip).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(OutboundEvent::Table)
                    .col(
                        big_integer(OutboundEvent::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(uuid_uniq(OutboundEvent::EventId))
                    .col(big_integer_null(OutboundEvent::Seq).unique_key())
                    .col(string_len(OutboundEvent::EventType, 40))
                    .col(uuid_null(OutboundEvent::BranchId))
                    .col(integer(OutboundEvent::EventCount))
                    .col(instant(backend, OutboundEvent::OccurredAt))
                    .col(text(OutboundEvent::Data))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbound_event_occurred_at")
                    .table(OutboundEvent::Table)
                    .col(OutboundEvent::OccurredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Subscription::Table)
                    .col(uuid(Subscription::Id).primary_key())
                    .col(string_len(Subscription::Name, 200))
                    .col(string_len(Subscription::Url, 2000))
                    .col(text(Subscription::EventTypes))
                    .col(uuid_null(Subscription::BranchId))
                    .col(string_len(Subscription::Format, 16))
                    .col(integer(Subscription::BatchSize))
                    .col(string_len_null(Subscription::TokenUrl, 2000))
                    .col(string_len_null(Subscription::OauthClientId, 200))
                    .col(string_len_null(Subscription::OauthClientSecret, 400))
                    .col(string_len_null(Subscription::OauthScope, 400))
                    .col(string_len(Subscription::SigningSecret, 100))
                    .col(string_len(Subscription::State, 16))
                    .col(text_null(Subscription::PausedReason))
                    .col(big_integer(Subscription::Cursor))
                    .col(big_integer_null(Subscription::BatchThrough))
                    .col(integer(Subscription::FailedAttempts))
                    .col(instant_null(backend, Subscription::FailingSince))
                    .col(text_null(Subscription::LastError))
                    .col(instant(backend, Subscription::NextAttemptAt))
                    .col(string_len_null(Subscription::LeaseOwner, 64))
                    .col(instant_null(backend, Subscription::LeaseUntil))
                    .col(instant(backend, Subscription::CreatedAt))
                    .col(instant(backend, Subscription::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryAttempt::Table)
                    .col(uuid(DeliveryAttempt::Id).primary_key())
                    .col(uuid(DeliveryAttempt::SubscriptionId))
                    .col(instant(backend, DeliveryAttempt::At))
                    .col(string_len(DeliveryAttempt::WebhookId, 100))
                    .col(big_integer_null(DeliveryAttempt::FirstSeq))
                    .col(big_integer_null(DeliveryAttempt::LastSeq))
                    .col(integer(DeliveryAttempt::EventCount))
                    .col(small_integer_null(DeliveryAttempt::StatusCode))
                    .col(integer(DeliveryAttempt::LatencyMs))
                    .col(string_len(DeliveryAttempt::Outcome, 16))
                    .col(text_null(DeliveryAttempt::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeliveryAttempt::Table, DeliveryAttempt::SubscriptionId)
                            .to(Subscription::Table, Subscription::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_delivery_attempt_subscription_at")
                    .table(DeliveryAttempt::Table)
                    .col(DeliveryAttempt::SubscriptionId)
                    .col(DeliveryAttempt::At)
                    .to_owned(),
            )
            .await?;
        let counter = Query::insert()
            .into_table(SequenceCounter::Table)
            .columns([SequenceCounter::Stream, SequenceCounter::Value])
            .values_panic([OUTBOX.into(), 0i64.into()])
            .to_owned();
        manager.get_connection().execute(&counter).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DeliveryAttempt::Table.into_iden(),
            Subscription::Table.into_iden(),
            OutboundEvent::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        let delete = Query::delete()
            .from_table(SequenceCounter::Table)
            .and_where(Expr::col(SequenceCounter::Stream).eq(OUTBOX))
            .to_owned();
        manager.get_connection().execute(&delete).await?;
        Ok(())
    }
}

const OUTBOX: &str = "outbox";

#[derive(DeriveIden)]
enum OutboundEvent {
    Table,
    Id,
    EventId,
    Seq,
    EventType,
    BranchId,
    EventCount,
    OccurredAt,
    Data,
}

#[derive(DeriveIden)]
enum Subscription {
    Table,
    Id,
    Name,
    Url,
    EventTypes,
    BranchId,
    Format,
    BatchSize,
    TokenUrl,
    OauthClientId,
    OauthClientSecret,
    OauthScope,
    SigningSecret,
    State,
    PausedReason,
    Cursor,
    BatchThrough,
    FailedAttempts,
    FailingSince,
    LastError,
    NextAttemptAt,
    LeaseOwner,
    LeaseUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DeliveryAttempt {
    Table,
    Id,
    SubscriptionId,
    At,
    WebhookId,
    FirstSeq,
    LastSeq,
    EventCount,
    StatusCode,
    LatencyMs,
    Outcome,
    Error,
}

#[derive(DeriveIden)]
enum SequenceCounter {
    Table,
    Stream,
    Value,
}
