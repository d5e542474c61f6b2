use sea_orm::entity::prelude::*;

/// A POS terminal of one branch; it is also an OAuth2 client with scope `terminal`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "terminal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub branch_id: Uuid,
    #[sea_orm(unique)]
    pub client_id: String,
    pub secret_hash: String,
    pub name: String,
    pub device_id: Option<String>,
    pub agent_version: Option<String>,
    pub queued_backlog: Option<i32>,
    pub last_seen_at: Option<DateTimeUtc>,
    /// The feed cursors the terminal reported at its last heartbeat.
    pub master_cursor: Option<i64>,
    pub stock_cursor: Option<i64>,
    /// The hub's clock minus the terminal's, at its last heartbeat.
    pub clock_skew_ms: Option<i64>,
    /// When the oldest sale still queued on the terminal was made (by the hub's clock).
    pub oldest_queued_at: Option<DateTimeUtc>,
    /// Files of sales the hub rejected, kept on the terminal.
    pub rejected_count: Option<i32>,
    pub active: bool,
    /// Raised when the secret is replaced or the client is deactivated or reactivated; tokens
    /// issued under another version are refused.
    pub credential_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "branch_id", to = "id")]
    pub branch: HasOne<super::branch::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
