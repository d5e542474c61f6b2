//! Whether the database can be reached: requests that could get no connection answer 503 with
//! `Retry-After` (after the pool's short acquire timeout), the outage is logged once, `/readyz`
//! answers 503 at once while it lasts, and a watcher notices when the database is back.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, RuntimeErr};

/// How often the watcher tries the database during an outage.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// Seconds a client is told to wait before trying again.
pub const RETRY_AFTER_SECS: u64 = 2;

#[derive(Debug, Default)]
pub struct DatabaseHealth {
    down: AtomicBool,
}

impl DatabaseHealth {
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Records a request that found the database unreachable; logs the first one only.
    pub fn report_unavailable(&self, cause: &str) {
        if !self.down.swap(true, Ordering::AcqRel) {
            tracing::error!(
                error = cause,
                "database unavailable: requests answer 503 until it is back"
            );
        }
    }

    fn report_available(&self) {
        if self.down.swap(false, Ordering::AcqRel) {
            tracing::warn!("database reachable again");
        }
    }

    /// Tries the database now: `SELECT 1`, within the pool's acquire timeout.
    pub async fn probe(&self, db: &DatabaseConnection) -> bool {
        match db.execute_unprepared("SELECT 1").await {
            Ok(_) => {
                self.report_available();
                true
            }
            Err(err) => {
                self.report_unavailable(&err.to_string());
                false
            }
        }
    }

    /// Runs for the hub's life: during an outage, tries the database every second until it
    /// answers.
    pub async fn watch(&self, db: DatabaseConnection) {
        let mut ticks = tokio::time::interval(PROBE_INTERVAL);
        loop {
            ticks.tick().await;
            if self.is_down() {
                self.probe(&db).await;
            }
        }
    }
}

/// Whether an error means that no connection could be had or that the connection broke, as
/// opposed to a statement the database refused.
pub fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(
                **e,
                sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
                    | sea_orm::sqlx::Error::WorkerCrashed
            )
        }
        _ => false,
    }
}
