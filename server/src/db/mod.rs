//! Database connection: one code path for SQLite, PostgreSQL and MySQL/MariaDB.

pub mod health;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use sea_orm::{DbBackend, IsolationLevel, SqliteTransactionMode, TransactionOptions};

/// How long a SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The page cache of each SQLite connection, in KiB. SQLite's default of 2 MiB per connection
/// times a pool of connections held most of the hub's memory; the file's pages stay in the
/// operating system's cache either way.
const SQLITE_PAGE_CACHE_KIB: u32 = 512;

/// Connects to the database named by `url`. SQLite gets WAL mode and a busy timeout so that
/// concurrent requests wait for each other instead of failing with "database is locked".
///
/// A request waits at most `acquire_timeout` for a connection of a database server, so that an
/// outage answers 503 quickly instead of hanging; SQLite's connections wait for its write lock
/// instead (up to the busy timeout), which is load, not an outage.
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let acquire_timeout = if url.starts_with("sqlite:") {
        acquire_timeout.max(SQLITE_BUSY_TIMEOUT)
    } else {
        acquire_timeout
    };
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect_timeout(acquire_timeout)
        // A ping on every checkout doubled the round trips of a poll; only a connection idle
        // long enough for a server, proxy or firewall to have dropped it is checked first.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .pragma("cache_size", format!("-{SQLITE_PAGE_CACHE_KIB}"))
        });
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN IMMEDIATE`:
/// a deferred transaction that reads and then writes fails with SQLITE_BUSY whatever the timeout.
/// On MySQL it reads committed, as PostgreSQL does by default: every statement sees the latest
/// commits, and InnoDB takes no gap locks, which otherwise deadlock writers that create rows
/// side by side (first stock of a branch or item).
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let isolation_level =
        (db.get_database_backend() == DbBackend::MySql).then_some(IsolationLevel::ReadCommitted);
    db.begin_with_options(TransactionOptions {
        isolation_level,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
