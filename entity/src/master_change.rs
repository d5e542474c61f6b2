use sea_orm::entity::prelude::*;

/// The latest change of one master-data object as one audience sees it: several changes between
/// two pulls are one row, moved to the newest sequence number.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "master_change")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub object_id: String,
    /// `*` for every branch, or the id of the one branch this view is for.
    #[sea_orm(primary_key, auto_increment = false)]
    pub audience: String,
    #[sea_orm(unique)]
    pub seq: i64,
    /// `upsert` or `delete`.
    pub op: String,
    /// The object as the audience should store it (JSON); none for a delete.
    #[sea_orm(column_type = "Text", nullable)]
    pub payload: Option<String>,
    pub changed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
