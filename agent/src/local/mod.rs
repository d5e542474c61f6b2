//! The POS's local database (SQLite, or the POS's MySQL): what the terminal received from the
//! hub, and the transactions it recorded.

pub mod entities;

use std::collections::BTreeMap;

use entities::{
    local_customer, local_log, local_object, local_sale, local_shift_event, local_stock,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Schema, TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use serde_json::Value;

use crate::{
    hub::{Change, Level},
    logbook::LogLine,
    settings::LocalDatabase,
};

/// Log lines kept at most while the hub cannot be reached.
const MAX_KEPT_LOG_LINES: u64 = 10_000;

pub struct Local {
    db: DatabaseConnection,
}

/// A sync state of a local sale.
pub const PENDING: &str = "pending";
pub const SPOOLED: &str = "spooled";
pub const SENT: &str = "sent";
pub const REJECTED: &str = "rejected";
/// A customer edit the hub refused because the customer changed since.
pub const CONFLICT: &str = "conflict";

/// The kind under which the last receipt number of each series is kept.
const RECEIPT_COUNTER: &str = "receipt_counter";

impl Local {
    /// Connects and creates the agent's tables where they are missing.
    pub async fn open(config: &LocalDatabase) -> Result<Self, DbErr> {
        let mut options = ConnectOptions::new(config.url());
        options.max_connections(2).sqlx_logging(false);
        let db = Database::connect(options).await?;
        let schema = Schema::new(db.get_database_backend());
        db.execute(
            schema
                .create_table_from_entity(local_object::Entity)
                .if_not_exists(),
        )
        .await?;
        db.execute(
            schema
                .create_table_from_entity(local_stock::Entity)
                .if_not_exists(),
        )
        .await?;
        db.execute(
            schema
                .create_table_from_entity(local_sale::Entity)
                .if_not_exists(),
        )
        .await?;
        db.execute(
            schema
                .create_table_from_entity(local_log::Entity)
                .if_not_exists(),
        )
        .await?;
        db.execute(
            schema
                .create_table_from_entity(local_customer::Entity)
                .if_not_exists(),
        )
        .await?;
        db.execute(
            schema
                .create_table_from_entity(local_shift_event::Entity)
                .if_not_exists(),
        )
        .await?;
        Ok(Self { db })
    }

    /// Stores a page of master-data changes in one transaction.
    pub async fn apply_changes(&self, changes: &[Change]) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        for change in changes {
            match (&change.data, change.op.as_str()) {
                (Some(data), "upsert") => {
                    local_object::Entity::insert(local_object::ActiveModel {
                        kind: Set(change.kind.clone()),
                        object_id: Set(change.id.clone()),
                        data: Set(data.to_string()),
                    })
                    .on_conflict(
                        OnConflict::columns([
                            local_object::Column::Kind,
                            local_object::Column::ObjectId,
                        ])
                        .update_column(local_object::Column::Data)
                        .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
                }
                _ => {
                    local_object::Entity::delete_many()
                        .filter(local_object::Column::Kind.eq(&change.kind))
                        .filter(local_object::Column::ObjectId.eq(&change.id))
                        .exec(&txn)
                        .await?;
                }
            }
        }
        txn.commit().await
    }

    /// Stores a page of the branch's levels in one transaction.
    pub async fn apply_levels(&self, levels: &[Level]) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        for level in levels {
            local_stock::Entity::insert(local_stock::ActiveModel {
                item_id: Set(level.item_id.clone()),
                on_hand: Set(level.on_hand.clone()),
                in_transit_in: Set(level.in_transit_in.clone()),
                seq: Set(level.seq),
            })
            .on_conflict(
                OnConflict::column(local_stock::Column::ItemId)
                    .update_columns([
                        local_stock::Column::OnHand,
                        local_stock::Column::InTransitIn,
                        local_stock::Column::Seq,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        txn.commit().await
    }

    /// The master-data objects of one kind, by id.
    pub async fn objects(&self, kind: &str) -> Result<BTreeMap<String, Value>, DbErr> {
        let rows = local_object::Entity::find()
            .filter(local_object::Column::Kind.eq(kind))
            .order_by_asc(local_object::Column::ObjectId)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((row.object_id, serde_json::from_str(&row.data).ok()?)))
            .collect())
    }

    pub async fn object(&self, kind: &str, id: &str) -> Result<Option<Value>, DbErr> {
        let row = local_object::Entity::find_by_id((kind.to_string(), id.to_string()))
            .one(&self.db)
            .await?;
        Ok(row.and_then(|row| serde_json::from_str(&row.data).ok()))
    }

    pub async fn stock(&self) -> Result<Vec<local_stock::Model>, DbErr> {
        local_stock::Entity::find()
            .order_by_asc(local_stock::Column::ItemId)
            .all(&self.db)
            .await
    }

    pub async fn sales(&self) -> Result<Vec<local_sale::Model>, DbErr> {
        local_sale::Entity::find()
            .order_by_asc(local_sale::Column::CreatedAt)
            .order_by_asc(local_sale::Column::Id)
            .all(&self.db)
            .await
    }

    pub async fn sale(&self, id: &str) -> Result<Option<local_sale::Model>, DbErr> {
        local_sale::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
    }

    /// Records a transaction, or a new revision of a work order, waiting to be sent.
    pub async fn record_sale(&self, sale: local_sale::Model) -> Result<(), DbErr> {
        local_sale::Entity::insert(local_sale::ActiveModel::from(sale))
            .on_conflict(
                OnConflict::column(local_sale::Column::Id)
                    .update_columns([
                        local_sale::Column::Revision,
                        local_sale::Column::Status,
                        local_sale::Column::Body,
                        local_sale::Column::SyncState,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        Ok(())
    }

    /// Transactions not yet written to the queue, oldest first.
    pub async fn pending_sales(&self) -> Result<Vec<local_sale::Model>, DbErr> {
        local_sale::Entity::find()
            .filter(local_sale::Column::SyncState.eq(PENDING))
            .order_by_asc(local_sale::Column::CreatedAt)
            .order_by_asc(local_sale::Column::Id)
            .all(&self.db)
            .await
    }

    /// Records a customer made (`seen_version` none) or edited at the till, to send.
    pub async fn record_customer(
        &self,
        customer_id: &str,
        seen_version: Option<i32>,
        body: &Value,
    ) -> Result<(), DbErr> {
        local_customer::Entity::insert(local_customer::ActiveModel {
            customer_id: Set(customer_id.into()),
            seen_version: Set(seen_version),
            body: Set(body.to_string()),
            sync_state: Set(PENDING.into()),
            reason: Set(None),
            ..Default::default()
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Customer changes made at the till, oldest first.
    pub async fn customer_changes(&self) -> Result<Vec<local_customer::Model>, DbErr> {
        local_customer::Entity::find()
            .order_by_asc(local_customer::Column::Seq)
            .all(&self.db)
            .await
    }

    pub async fn set_customer_state(
        &self,
        seq: i64,
        state: &str,
        reason: Option<String>,
    ) -> Result<(), DbErr> {
        local_customer::Entity::update_many()
            .col_expr(local_customer::Column::SyncState, Expr::value(state))
            .col_expr(local_customer::Column::Reason, Expr::value(reason))
            .filter(local_customer::Column::Seq.eq(seq))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Records a step of a shift, to send in order.
    pub async fn record_shift_event(
        &self,
        shift_id: &str,
        kind: &str,
        body: &Value,
    ) -> Result<(), DbErr> {
        local_shift_event::Entity::insert(local_shift_event::ActiveModel {
            shift_id: Set(shift_id.into()),
            kind: Set(kind.into()),
            body: Set(body.to_string()),
            sync_state: Set(PENDING.into()),
            reason: Set(None),
            ..Default::default()
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Shift steps not yet sent, oldest first.
    pub async fn pending_shift_events(&self) -> Result<Vec<local_shift_event::Model>, DbErr> {
        local_shift_event::Entity::find()
            .filter(local_shift_event::Column::SyncState.eq(PENDING))
            .order_by_asc(local_shift_event::Column::Seq)
            .all(&self.db)
            .await
    }

    pub async fn set_shift_event_state(
        &self,
        seq: i64,
        state: &str,
        reason: Option<String>,
    ) -> Result<(), DbErr> {
        local_shift_event::Entity::update_many()
            .col_expr(local_shift_event::Column::SyncState, Expr::value(state))
            .col_expr(local_shift_event::Column::Reason, Expr::value(reason))
            .filter(local_shift_event::Column::Seq.eq(seq))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Stores an object as the hub holds it now (a customer it answered with).
    pub async fn put_object(&self, kind: &str, id: &str, data: &Value) -> Result<(), DbErr> {
        local_object::Entity::insert(local_object::ActiveModel {
            kind: Set(kind.into()),
            object_id: Set(id.into()),
            data: Set(data.to_string()),
        })
        .on_conflict(
            OnConflict::columns([local_object::Column::Kind, local_object::Column::ObjectId])
                .update_column(local_object::Column::Data)
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Keeps log lines until the hub has them; past [`MAX_KEPT_LOG_LINES`], the oldest go.
    pub async fn keep_log_lines(&self, lines: &[LogLine]) -> Result<(), DbErr> {
        if lines.is_empty() {
            return Ok(());
        }
        let rows = lines.iter().map(|line| local_log::ActiveModel {
            level: Set(line.level.into()),
            at: Set(line.at.to_rfc3339()),
            component: Set(line.component.clone()),
            message: Set(line.message.clone()),
            ..Default::default()
        });
        for chunk in rows.collect::<Vec<_>>().chunks(500) {
            local_log::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&self.db)
                .await?;
        }
        let newest: Vec<local_log::Model> = local_log::Entity::find()
            .order_by_desc(local_log::Column::Id)
            .offset(MAX_KEPT_LOG_LINES)
            .limit(1)
            .all(&self.db)
            .await?;
        if let Some(oldest_kept) = newest.first() {
            local_log::Entity::delete_many()
                .filter(local_log::Column::Id.lte(oldest_kept.id))
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    /// The oldest `limit` log lines kept.
    pub async fn kept_log_lines(&self, limit: u64) -> Result<Vec<local_log::Model>, DbErr> {
        local_log::Entity::find()
            .order_by_asc(local_log::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
    }

    /// Forgets log lines the hub has (or refused for good).
    pub async fn drop_log_lines(&self, through_id: i64) -> Result<(), DbErr> {
        local_log::Entity::delete_many()
            .filter(local_log::Column::Id.lte(through_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Whether the terminal has numbered any receipt since it was installed.
    pub async fn has_receipt_counters(&self) -> Result<bool, DbErr> {
        Ok(!self.objects(RECEIPT_COUNTER).await?.is_empty())
    }

    /// The last number of a receipt series (0 when none was used).
    async fn last_receipt_number(&self, series: &str) -> Result<u64, DbErr> {
        Ok(self
            .object(RECEIPT_COUNTER, series)
            .await?
            .and_then(|counter| counter["last_number"].as_u64())
            .unwrap_or(0))
    }

    async fn set_last_receipt_number(&self, series: &str, number: u64) -> Result<(), DbErr> {
        let counter = serde_json::json!({ "last_number": number });
        self.put_object(RECEIPT_COUNTER, series, &counter).await
    }

    /// Takes the next number of a receipt series.
    pub async fn next_receipt_number(&self, series: &str) -> Result<u64, DbErr> {
        let next = self.last_receipt_number(series).await? + 1;
        self.set_last_receipt_number(series, next).await?;
        Ok(next)
    }

    /// Keeps a series at 0 when it has no number yet, so the till knows it has asked the hub.
    pub async fn start_receipt_series(&self, series: &str) -> Result<(), DbErr> {
        if self.object(RECEIPT_COUNTER, series).await?.is_none() {
            self.set_last_receipt_number(series, 0).await?;
        }
        Ok(())
    }

    /// Moves a series on to at least `number` (what the hub holds of a reinstalled terminal).
    pub async fn raise_receipt_number(&self, series: &str, number: u64) -> Result<(), DbErr> {
        if self.last_receipt_number(series).await? < number {
            self.set_last_receipt_number(series, number).await?;
        }
        Ok(())
    }

    /// Moves a sale to `state`, unless a newer revision of it was recorded meanwhile.
    pub async fn set_sale_state(&self, id: &str, revision: i32, state: &str) -> Result<(), DbErr> {
        local_sale::Entity::update_many()
            .col_expr(local_sale::Column::SyncState, Expr::value(state))
            .filter(local_sale::Column::Id.eq(id))
            .filter(local_sale::Column::Revision.eq(revision))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
