//! The database stopped under the hub: requests answer 503 with `Retry-After` within the acquire
//! timeout instead of hanging, `/readyz` answers 503 at once, the outage is logged once, and the
//! hub recovers by itself when the database is back. The test runs a PostgreSQL cluster of its
//! own on another port (never the shared server), so it runs in the PostgreSQL suite.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};

use hubshake_tests::{
    admin::{ADMIN_ID, ADMIN_SECRET},
    hub_process::HubProcess,
    runs_on_postgres,
};
use reqwest::{StatusCode, blocking::Client, header};

/// A PostgreSQL cluster in a temporary folder, run by the `postgres` user when the test is root
/// (PostgreSQL refuses to run as root).
struct PrivateCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

fn postgres_bin() -> PathBuf {
    let versions = std::fs::read_dir("/usr/lib/postgresql").expect("PostgreSQL is installed");
    let mut bins: Vec<PathBuf> = versions
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    bins.sort();
    bins.pop().expect("initdb of some PostgreSQL version")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0"))
}

impl PrivateCluster {
    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let status = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .status()
        } else {
            Command::new(&program).args(args).status()
        }
        .expect("a PostgreSQL tool runs");
        assert!(status.success(), "{} {args:?} failed", program.display());
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn create() -> Self {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let chown = Command::new("chown")
                .args(["postgres:postgres", &dir.path().display().to_string()])
                .status()
                .unwrap();
            assert!(chown.success());
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self {
            dir,
            bin: postgres_bin(),
            port,
        };
        cluster.run(
            "initdb",
            &["-D", &cluster.data(), "-A", "trust", "-U", "postgres"],
        );
        cluster.start();
        cluster
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        // A failed test must not leave its cluster running.
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .status();
    }
}

fn admin_token(http: &Client, base: &str) -> reqwest::blocking::Response {
    http.post(format!("{base}/oauth/token"))
        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap()
}

fn assert_unavailable(answer: &reqwest::blocking::Response, what: &str) {
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    let retry: u64 = answer.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "{what}: Retry-After {retry}");
}

fn outage_lines(hub: &mut HubProcess) -> usize {
    hub.drain_log()
        .iter()
        .filter(|line| line.contains("database unavailable"))
        .count()
}

#[test]
fn a_stopped_database_gets_fast_503s_and_the_hub_recovers_by_itself() {
    if !runs_on_postgres("a_stopped_database_gets_fast_503s_and_the_hub_recovers_by_itself") {
        return;
    }
    let cluster = PrivateCluster::create();
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.url();
    let mut hub = HubProcess::start(
        dir.path(),
        &[
            ("HUBSHAKE_DATABASE_URL", url.as_str()),
            ("HUBSHAKE_ADMIN_CLIENT_ID", ADMIN_ID),
            ("HUBSHAKE_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
            ("HUBSHAKE_DATABASE_ACQUIRE_TIMEOUT_MS", "1000"),
        ],
    );
    let http = Client::new();
    let token: serde_json::Value = admin_token(&http, &hub.base).json().unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let base = hub.base.clone();
    let branches = |http: &Client| {
        http.get(format!("{base}/api/v1/branches"))
            .bearer_auth(&token)
            .send()
            .unwrap()
    };
    assert_eq!(branches(&http).status(), StatusCode::OK);

    cluster.stop();
    for attempt in 0..3 {
        let started = Instant::now();
        let answer = branches(&http);
        assert_unavailable(
            &answer,
            &format!("an API call during the outage ({attempt})"),
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "answered within the 1 s acquire timeout, not the pool's old 30 s: {:?}",
            started.elapsed()
        );
        assert_eq!(
            answer.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
    assert_unavailable(&admin_token(&http, &hub.base), "the token endpoint");
    let started = Instant::now();
    let ready = http.get(format!("{}/readyz", hub.base)).send().unwrap();
    assert_unavailable(&ready, "/readyz");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "/readyz answers at once during a known outage: {:?}",
        started.elapsed()
    );
    assert_eq!(outage_lines(&mut hub), 1, "the outage is logged once");

    cluster.start();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http
        .get(format!("{}/readyz", hub.base))
        .send()
        .unwrap()
        .status()
        != StatusCode::OK
    {
        assert!(
            Instant::now() < deadline,
            "the hub never saw the database back"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(branches(&http).status(), StatusCode::OK);
    hub.wait_for_line("database reachable again");
    assert!(hub.terminate());
}
