use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// An OAuth2 client of head office (tools, integrations, people's scripts), with a role.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_client")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub client_id: String,
    pub secret_hash: String,
    pub name: String,
    pub role: ClientRole,
    pub active: bool,
    /// Raised when the secret is replaced or the client is deactivated or reactivated; tokens
    /// issued under another version are refused.
    pub credential_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// What an API client may do; roles are ordered, each one may do what the ones below it may.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum ClientRole {
    /// Read-only: lists, queries, reports, exports.
    #[sea_orm(string_value = "reports")]
    Reports,
    /// Documents and stock, besides what `reports` may.
    #[sea_orm(string_value = "stock")]
    Stock,
    /// Everything: master data, branches, terminals, clients, settings.
    #[sea_orm(string_value = "admin")]
    Admin,
}
