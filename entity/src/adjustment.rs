use sea_orm::entity::prelude::*;

/// A stock adjustment document: signed changes and counts at one branch.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "adjustment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub branch_id: Uuid,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// The branch's stock stream position once it was applied (none before this was kept).
    pub stream_seq: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
