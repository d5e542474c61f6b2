//! Typed settings: built-in defaults < TOML file < `HUBSHAKE_*` environment variables.

use std::path::Path;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

use crate::{
    budget::Budget,
    outbound::{AllowedNetworks, DeliverySettings, Destinations},
};

/// Every setting of the hub. Nothing else in the server reads the environment.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: String,
    /// sea-orm database URL: `sqlite://…`, `postgres://…` or `mysql://…`.
    pub database_url: String,
    /// Upper bound of the connection pool.
    pub database_max_connections: u32,
    /// Longest wait for a connection of a database server, in milliseconds; then 503.
    pub database_acquire_timeout_ms: u64,
    /// Lifetime of issued access tokens, in seconds.
    pub token_lifetime_secs: u64,
    /// `iss` claim of issued tokens.
    pub token_issuer: String,
    /// `aud` claim of issued tokens; tokens for another audience are refused.
    pub token_audience: String,
    /// HMAC signing secret (at least 32 bytes). When unset, one is generated on first start and kept in the database.
    pub signing_key: Option<String>,
    /// Token requests allowed per client id and minute before the hub answers 429.
    pub token_attempts_per_minute: u32,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub body_limit_bytes: usize,
    /// Largest batch of transactions a terminal may post, in bytes (500 transactions fit).
    pub transaction_batch_limit_bytes: usize,
    /// tracing filter directive, e.g. `info,sqlx=warn`.
    pub log: String,
    /// `text` (for people) or `json` (one object per line, for a log pipeline).
    pub log_format: LogFormat,
    /// Address of a second listener that serves `/metrics` without a token (e.g.
    /// `127.0.0.1:9464`); none when unset.
    pub metrics_listen: Option<String>,
    /// A bearer token that opens `/metrics` on the main listener (at least 16 characters); the
    /// main listener serves no metrics when unset.
    pub metrics_token: Option<String>,
    /// How often a hub not on PostgreSQL reads the feed heads that other processes wrote, in
    /// milliseconds (PostgreSQL notifies instead).
    pub feed_poll_interval_ms: u64,
    /// Budget of each client for terminals' polls and heartbeats (`units/seconds`, one unit
    /// a call).
    pub budget_sync: Budget,
    /// Budget of each client for batches of sales.
    pub budget_ingest: Budget,
    /// Budget of each client for other reads.
    pub budget_read: Budget,
    /// Budget of each client for other writes.
    pub budget_write: Budget,
    /// Budget of each WebSocket client for its commands, which cost what README lists.
    pub budget_socket: Budget,
    /// Whether this process delivers outbound events (any number of processes may; each
    /// subscription is delivered by one at a time).
    pub outbound_deliver: bool,
    /// Whether deliveries and receivers' token URLs may be plain `http` (for tests and a
    /// receiver on the same host).
    pub outbound_allow_http: bool,
    /// Networks deliveries may reach although they are not public, e.g. `127.0.0.0/8`;
    /// loopback, private, link-local and metadata addresses are refused otherwise.
    pub outbound_allowed_networks: AllowedNetworks,
    /// Longest wait for a receiver's answer, in milliseconds.
    pub outbound_timeout_ms: u64,
    /// Wait before the first retry of a failed delivery, in milliseconds; each later retry
    /// waits twice as long, up to `outbound_retry_max_ms`.
    pub outbound_retry_base_ms: u64,
    pub outbound_retry_max_ms: u64,
    /// A subscription whose first undelivered event has failed for this long pauses.
    pub outbound_pause_after_secs: u64,
    /// How long a process holds a subscription it stopped renewing (it died): then another
    /// takes over.
    pub outbound_lease_secs: u64,
    /// How often a process looks for subscriptions to deliver when nothing wakes it, in
    /// milliseconds.
    pub outbound_poll_interval_ms: u64,
    /// How often a process numbers the events that committed, in milliseconds.
    pub outbound_sequence_interval_ms: u64,
    /// Days the outbox keeps delivered events (and attempts); undelivered events stay.
    pub outbound_retention_days: u32,
    /// How often a process deletes what the retention lets go, in seconds.
    pub outbound_prune_interval_secs: u64,
    /// Days a terminal's log lines are kept (by the time they were logged).
    pub device_log_retention_days: u32,
    /// Log lines a terminal may upload in 24 hours.
    pub device_log_lines_per_day: u32,
    /// Client id of the admin client created on first start with an empty database.
    pub admin_client_id: Option<String>,
    /// Secret of that admin client; generated and logged once when unset.
    pub admin_client_secret: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://hubshake.db?mode=rwc".into(),
            database_max_connections: 16,
            database_acquire_timeout_ms: 2000,
            token_lifetime_secs: 3600,
            token_issuer: "hubshake".into(),
            token_audience: "hubshake-api".into(),
            signing_key: None,
            token_attempts_per_minute: 20,
            body_limit_bytes: 1024 * 1024,
            transaction_batch_limit_bytes: 16 * 1024 * 1024,
            log: "info,sqlx=warn,sea_orm=warn".into(),
            log_format: LogFormat::Text,
            metrics_listen: None,
            metrics_token: None,
            feed_poll_interval_ms: 250,
            budget_sync: Budget::new(1200, 60),
            budget_ingest: Budget::new(1200, 60),
            budget_read: Budget::new(3000, 60),
            budget_write: Budget::new(3000, 60),
            budget_socket: Budget::new(100, 30),
            outbound_deliver: true,
            outbound_allow_http: false,
            outbound_allowed_networks: AllowedNetworks::default(),
            outbound_timeout_ms: 10_000,
            outbound_retry_base_ms: 1_000,
            outbound_retry_max_ms: 300_000,
            outbound_pause_after_secs: 24 * 3600,
            outbound_lease_secs: 30,
            outbound_poll_interval_ms: 1_000,
            outbound_sequence_interval_ms: 50,
            outbound_retention_days: 30,
            outbound_prune_interval_secs: 3600,
            device_log_retention_days: 14,
            device_log_lines_per_day: 20_000,
            admin_client_id: None,
            admin_client_secret: None,
        }
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Shortest metrics token accepted: it stands between the internet and the hub's internals.
const MIN_METRICS_TOKEN_LEN: usize = 16;

/// Longest access-token lifetime accepted: a stolen token must not outlive a working day.
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 24 * 3600;

/// Environment variables with the prefix that are not the hub's settings: the settings file's
/// path, and the agent's and the test suite's own variables (`HUBSHAKE_AGENT_LOG`,
/// `HUBSHAKE_TEST_…`), which may well be set in the same shell.
fn is_setting(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name != "config" && !name.starts_with("agent_") && !name.starts_with("test_")
}

impl Settings {
    /// Loads the settings: defaults, then the TOML file if it exists, then the environment.
    pub fn load(config_file: &Path) -> Result<Self, Box<figment::Error>> {
        let settings: Self = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(config_file))
            .merge(Env::prefixed("HUBSHAKE_").filter(|name| is_setting(name.as_str())))
            .extract()
            .map_err(Box::new)?;
        settings
            .check()
            .map_err(|e| Box::new(figment::Error::from(e)))?;
        Ok(settings)
    }

    pub fn database_acquire_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.database_acquire_timeout_ms)
    }

    pub fn feed_poll_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.feed_poll_interval_ms)
    }

    /// Where deliveries may go.
    pub fn destinations(&self) -> Destinations {
        Destinations {
            allow_http: self.outbound_allow_http,
            allowed_networks: self.outbound_allowed_networks.clone(),
        }
    }

    pub fn outbound_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.outbound_timeout_ms)
    }

    /// How long the outbox keeps delivered events.
    pub fn outbound_retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.outbound_retention_days))
    }

    pub fn outbound_sequence_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.outbound_sequence_interval_ms)
    }

    /// How a terminal's log lines are kept.
    pub fn device_log_limits(&self) -> crate::registry::LogLimits {
        crate::registry::LogLimits {
            retention: chrono::Duration::days(i64::from(self.device_log_retention_days)),
            lines_per_day: u64::from(self.device_log_lines_per_day),
        }
    }

    pub fn outbound_prune_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.outbound_prune_interval_secs)
    }

    /// How deliveries are paced.
    pub fn delivery(&self) -> DeliverySettings {
        let secs = |s: u64| chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX));
        DeliverySettings {
            retry_base: std::time::Duration::from_millis(self.outbound_retry_base_ms),
            retry_max: std::time::Duration::from_millis(self.outbound_retry_max_ms),
            pause_after: secs(self.outbound_pause_after_secs),
            lease: secs(self.outbound_lease_secs),
            poll_interval: std::time::Duration::from_millis(self.outbound_poll_interval_ms),
        }
    }

    /// Refuses values that load but make no sense.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=MAX_TOKEN_LIFETIME_SECS).contains(&self.token_lifetime_secs) {
            return Err(format!(
                "token_lifetime_secs must be between 1 and {MAX_TOKEN_LIFETIME_SECS} (24 hours)"
            ));
        }
        if !(100..=120_000).contains(&self.outbound_timeout_ms) {
            return Err("outbound_timeout_ms must be between 100 and 120000".into());
        }
        if self.outbound_retry_base_ms == 0
            || self.outbound_retry_max_ms < self.outbound_retry_base_ms
        {
            return Err(
                "outbound_retry_base_ms must be above 0 and at most outbound_retry_max_ms".into(),
            );
        }
        if !(1..=3600).contains(&self.outbound_lease_secs)
            || self.outbound_lease_secs * 1000 <= self.outbound_timeout_ms
        {
            return Err(
                "outbound_lease_secs must be between 1 and 3600 and longer than \
                 outbound_timeout_ms, or a slow receiver would lose its subscription's lease"
                    .into(),
            );
        }
        if !(5..=10_000).contains(&self.outbound_sequence_interval_ms) {
            return Err("outbound_sequence_interval_ms must be between 5 and 10000".into());
        }
        if !(10..=60_000).contains(&self.outbound_poll_interval_ms) {
            return Err("outbound_poll_interval_ms must be between 10 and 60000".into());
        }
        if self.outbound_retention_days > 3650 || self.outbound_prune_interval_secs == 0 {
            return Err(
                "outbound_retention_days must be at most 3650, outbound_prune_interval_secs above 0"
                    .into(),
            );
        }
        if !(1..=3650).contains(&self.device_log_retention_days)
            || self.device_log_lines_per_day == 0
        {
            return Err(
                "device_log_retention_days must be between 1 and 3650, device_log_lines_per_day \
                 above 0"
                    .into(),
            );
        }
        if self.outbound_pause_after_secs > 365 * 24 * 3600 {
            return Err("outbound_pause_after_secs must be at most a year".into());
        }
        if !(10..=60_000).contains(&self.feed_poll_interval_ms) {
            return Err("feed_poll_interval_ms must be between 10 and 60000".into());
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|token| token.len() < MIN_METRICS_TOKEN_LEN)
        {
            return Err(format!(
                "metrics_token must be at least {MIN_METRICS_TOKEN_LEN} characters"
            ));
        }
        Ok(())
    }
}
