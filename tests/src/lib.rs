//! Test kit: every test gets a database of its own, so suites run in parallel on any backend.
//!
//! `HUBSHAKE_TEST_DATABASE_URL` names a PostgreSQL or MySQL/MariaDB server
//! (`postgres://postgres@127.0.0.1:5432/test`, `mysql://root@127.0.0.1:3306/test`); a test then
//! creates its own database named `hubshake_test_<uuid>` there. Unset, each test gets a SQLite file
//! in a temporary directory.

use sea_orm::{ConnectionTrait, Database};
use tempfile::TempDir;

/// Prefix of every database the kit creates; `.ci/run` drops leftovers by it.
pub const DATABASE_PREFIX: &str = "hubshake_test_";

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    /// Keeps the SQLite file's directory alive for as long as the test runs.
    _dir: Option<TempDir>,
}

impl TestDatabase {
    /// Creates an empty database on the server named by `HUBSHAKE_TEST_DATABASE_URL`, or a SQLite file.
    pub async fn create() -> Self {
        match std::env::var("HUBSHAKE_TEST_DATABASE_URL") {
            Ok(server_url) if !server_url.is_empty() => Self::on_server(&server_url).await,
            _ => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("hub.db").display());
        Self {
            url,
            _dir: Some(dir),
        }
    }

    async fn on_server(server_url: &str) -> Self {
        let name = format!("{DATABASE_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(server_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test database server {server_url}: {e}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("CREATE DATABASE");
        admin.close().await.expect("close the admin connection");
        let base = server_url
            .rsplit_once('/')
            .map(|(base, _)| base)
            .expect("the URL names a database");
        Self {
            url: format!("{base}/{name}"),
            _dir: None,
        }
    }
}
