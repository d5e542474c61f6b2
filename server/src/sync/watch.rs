//! Keeps a process's [`Heads`] up with the other processes on the database: on PostgreSQL one
//! connection `LISTEN`s (reconnected with backoff); elsewhere the counter rows are read on an
//! interval (SQLite too: `hubshake admin` commands write from another process).

use std::time::Duration;

use rand::Rng;
use sea_orm::{DatabaseConnection, DbBackend, sqlx::postgres::PgListener};

use super::{
    feed,
    heads::{CHANNEL, Heads, parse_payload},
};

/// Longest wait between attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// How a process learns of other processes' writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watch {
    /// PostgreSQL notifications.
    Listen,
    /// Reading the counter rows every `interval`.
    Interval(Duration),
}

impl Watch {
    pub fn for_backend(backend: DbBackend, interval: Duration) -> Self {
        match backend {
            DbBackend::Postgres => Watch::Listen,
            _ => Watch::Interval(interval),
        }
    }

    /// How `/readyz` names it.
    pub fn name(self) -> &'static str {
        match self {
            Watch::Listen => "listen",
            Watch::Interval(_) => "interval",
        }
    }
}

impl Heads {
    /// Runs for the hub's life.
    pub async fn watch(&self, db: DatabaseConnection, watch: Watch) {
        match watch {
            Watch::Listen => self.listen(&db).await,
            Watch::Interval(interval) => self.read_every(&db, interval).await,
        }
    }

    /// Reads every counter row and merges it in.
    async fn reload(&self, db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
        self.apply(&feed::heads(db).await?);
        Ok(())
    }

    async fn read_every(&self, db: &DatabaseConnection, interval: Duration) {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.reload(db).await {
                Ok(()) => self.set_healthy(true),
                Err(err) => {
                    if self.is_healthy() {
                        tracing::warn!(error = %err, "cannot read the feed heads; polls ask the database");
                    }
                    self.set_healthy(false);
                }
            }
        }
    }

    async fn listen(&self, db: &DatabaseConnection) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match self.listen_until_lost(db).await {
                Ok(()) => {
                    tracing::warn!("lost the feed listener's connection; polls ask the database");
                    backoff = FIRST_BACKOFF;
                }
                Err(err) => tracing::warn!(error = %err, "cannot listen for feed changes"),
            }
            self.set_healthy(false);
            // Jitter, so that replicas that lost the database together do not return together.
            let jitter = rand::rng().random_range(0..=backoff.as_millis() as u64 / 2);
            tokio::time::sleep(backoff + Duration::from_millis(jitter)).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Listens, then reads the heads (so nothing committed in between is missed), then applies
    /// notifications until the connection is lost.
    async fn listen_until_lost(&self, db: &DatabaseConnection) -> anyhow::Result<()> {
        let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
        listener.listen(CHANNEL).await?;
        self.reload(db).await?;
        self.forget_callers();
        self.set_healthy(true);
        tracing::info!(channel = CHANNEL, "listening for feed changes");
        while let Some(notification) = listener.try_recv().await? {
            self.apply(&parse_payload(notification.payload()));
        }
        Ok(())
    }
}
