use sea_orm::entity::prelude::*;

/// One settled transaction in its branch's journal: `hash = SHA-256(prev_hash ‖ record)`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journal_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub branch_id: Uuid,
    /// 1, 2, … in the branch's commit order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    #[sea_orm(unique)]
    pub transaction_id: Uuid,
    /// The transaction's canonical form (README, "The sales journal").
    #[sea_orm(column_type = "Text")]
    pub record: String,
    /// Hex; 64 zeros for a branch's first entry.
    pub prev_hash: String,
    /// Hex.
    pub hash: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
