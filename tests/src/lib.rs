//! Test kit: every test gets a database of its own, so suites run in parallel on any backend;
//! end-to-end tests start the real binaries.
//!
//! `HUBSHAKE_TEST_DATABASE_URL` names a PostgreSQL or MySQL/MariaDB server
//! (`postgres://postgres@127.0.0.1:5432/test`, `mysql://root@127.0.0.1:3306/test`); a test then
//! creates its own database named `hubshake_test_<uuid>` there. Unset, each test gets a SQLite file
//! in a temporary directory.

pub mod admin;
pub mod hub_process;
pub mod receiver;
pub mod socket;
pub mod terminal_agent;

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
        match server_url() {
            Some(url) => Self::on_server(&url).await,
            None => Self::sqlite(),
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

/// Path of a binary of this workspace, built by the same `cargo test --workspace` run: cargo builds
/// a package's binaries when that package has integration tests, as `server` and `agent` do.
pub fn workspace_binary(name: &str) -> std::path::PathBuf {
    let test_exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let profile_dir = test_exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps");
    let binary = profile_dir.join(name);
    assert!(
        binary.exists(),
        "{} is missing: run the suite with `cargo test --workspace`",
        binary.display()
    );
    binary
}

/// A server database for this test when `HUBSHAKE_TEST_DATABASE_URL` names one;
/// `None` means the hub's embedded default.
pub async fn server_database() -> Option<TestDatabase> {
    match server_url() {
        Some(url) => Some(TestDatabase::on_server(&url).await),
        None => None,
    }
}

/// Whether a test that needs PostgreSQL runs in this suite. Elsewhere it says it skipped;
/// with `HUBSHAKE_TEST_REQUIRE_POSTGRES` set (CI's PostgreSQL run) a skip is a failure, so a
/// misconfigured run cannot pass without these tests.
pub fn runs_on_postgres(test: &str) -> bool {
    if server_url().is_some_and(|url| url.starts_with("postgres")) {
        return true;
    }
    assert!(
        std::env::var_os("HUBSHAKE_TEST_REQUIRE_POSTGRES").is_none(),
        "{test} needs PostgreSQL, and this run requires it: set HUBSHAKE_TEST_DATABASE_URL=postgres://…"
    );
    eprintln!("skipped {test}: it needs PostgreSQL (HUBSHAKE_TEST_DATABASE_URL=postgres://…)");
    false
}

fn server_url() -> Option<String> {
    std::env::var("HUBSHAKE_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}
