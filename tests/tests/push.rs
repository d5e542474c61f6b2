//! Push across hub processes (real binaries): a change committed through one hub reaches
//! terminals on another within the notification delay (PostgreSQL `LISTEN`/`NOTIFY`; the counter
//! rows read on an interval on MySQL/MariaDB; in process on SQLite's single hub), the agent
//! runs a cycle on `updatepos`, deactivation closes sockets on every hub, and a killed listener
//! comes back.

use std::time::{Duration, Instant};

use hubshake_tests::{
    TestDatabase,
    admin::{ADMIN_ID, ADMIN_SECRET, Admin, id_of},
    hub_process::HubProcess,
    runs_on_postgres, server_database,
    socket::{Ending, Socket},
    terminal_agent::{LocalStore, TerminalAgent},
};
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

/// How long the issue allows from an admin's answer to the change at a terminal on another hub.
const PUSH_LIMIT: Duration = Duration::from_secs(2);

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Runtime::new().unwrap().block_on(future)
}

/// Hubs on the suite's database: two on a database server, one on SQLite (one process).
struct Hubs {
    _dirs: Vec<tempfile::TempDir>,
    first: HubProcess,
    second: Option<HubProcess>,
    _database: Option<TestDatabase>,
}

impl Hubs {
    fn start() -> Self {
        let database = block_on(server_database());
        let dirs = vec![tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let start = |dir: &tempfile::TempDir| {
            HubProcess::start_with_admin(
                dir.path(),
                database.as_ref(),
                (ADMIN_ID, ADMIN_SECRET),
                &[("HUBSHAKE_LOG", "warn,hubshake=info")],
            )
        };
        let first = start(&dirs[0]);
        let second = database.as_ref().map(|_| start(&dirs[1]));
        Hubs {
            first,
            second,
            _dirs: dirs,
            _database: database,
        }
    }

    /// The hub terminals use: the second where there is one.
    fn other(&self) -> &HubProcess {
        self.second.as_ref().unwrap_or(&self.first)
    }
}

fn token(base: &str, client_id: &str, secret: &str) -> String {
    let answer: Value = reqwest::blocking::Client::new()
        .post(format!("{base}/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    answer["access_token"].as_str().unwrap().to_string()
}

fn pull_master(base: &str, token: &str, cursor: i64) -> Value {
    reqwest::blocking::Client::new()
        .get(format!("{base}/api/v1/sync/master?cursor={cursor}"))
        .bearer_auth(token)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

/// Waits (up to 30 s) until `condition` holds, checking every 20 ms.
fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_price_change_through_one_hub_reaches_an_agent_on_another_within_two_seconds() {
    let hubs = Hubs::start();
    let admin = Admin::new(&hubs.first.base);
    let branch = admin.branch("PUSH-1");
    let (client_id, secret) = admin.terminal(&branch, "Till 1");
    let item = id_of(&admin.post(
        "/api/v1/items",
        json!({ "sku": "LATTE", "name": "Latte", "base_price": "10" }),
    ));
    let agent = TerminalAgent::new(&hubs.other().base, &client_id, &secret, &LocalStore::Sqlite);
    agent.sync_once();
    let mut running = agent.spawn(&["run", "--interval-secs", "3600"]);
    eventually("the agent's socket is open", || {
        agent.status()["push"]
            .as_str()
            .is_some_and(|state| state.starts_with("connected since"))
    });

    admin.put(
        &format!("/api/v1/items/{item}"),
        json!({ "sku": "LATTE", "name": "Latte", "base_price": "12" }),
    );
    let answered = Instant::now();
    let price = || agent.dump()["objects"]["item"][&item]["price"].clone();
    while price() != "12" {
        assert!(
            answered.elapsed() < PUSH_LIMIT,
            "the agent still has price {} {:?} after the admin's answer",
            price(),
            answered.elapsed()
        );
    }
    println!(
        "price change to the agent's local database: {:?} (two hubs: {})",
        answered.elapsed(),
        hubs.second.is_some()
    );
    running.kill().unwrap();
    running.wait().unwrap();
}

#[test]
fn an_empty_poll_on_another_hub_is_empty_only_until_the_notification_arrives() {
    let hubs = Hubs::start();
    let admin = Admin::new(&hubs.first.base);
    let branch = admin.branch("PUSH-1");
    let (client_id, secret) = admin.terminal(&branch, "Till 1");
    let other = &hubs.other().base;
    let terminal = token(other, &client_id, &secret);
    let head = pull_master(other, &terminal, 0)["next_cursor"]
        .as_i64()
        .unwrap();
    // Let the other hub's watcher be healthy, so that its memory answers empty polls.
    eventually("the other hub watches the feeds", || {
        let ready: Value = reqwest::blocking::get(format!("{other}/readyz"))
            .unwrap()
            .json()
            .unwrap();
        ready["feeds"]["connected"] == true
    });
    assert_eq!(pull_master(other, &terminal, head)["changes"], json!([]));

    admin.post(
        "/api/v1/items",
        json!({ "sku": "NEW", "name": "New", "base_price": "1" }),
    );
    let committed = Instant::now();
    let mut empty_polls = 0;
    loop {
        let page = pull_master(other, &terminal, head);
        if !page["changes"].as_array().unwrap().is_empty() {
            break;
        }
        empty_polls += 1;
        assert!(
            committed.elapsed() < PUSH_LIMIT,
            "still empty after {:?}",
            committed.elapsed()
        );
    }
    let delay = committed.elapsed();
    println!(
        "commit on one hub to a non-empty poll on the other: {delay:?} ({empty_polls} empty polls)"
    );
    if hubs.second.is_none() {
        assert_eq!(empty_polls, 0, "one hub sees its own commit at once");
    }
}

#[test]
fn deactivating_a_terminal_closes_its_socket_on_every_hub() {
    let hubs = Hubs::start();
    let admin = Admin::new(&hubs.first.base);
    let branch = admin.branch("PUSH-1");
    let registered = admin.register_terminal(&branch, json!({ "name": "Till 1" }));
    let terminal = token(
        &hubs.first.base,
        registered["client_id"].as_str().unwrap(),
        registered["client_secret"].as_str().unwrap(),
    );
    let terminal_id = id_of(&registered["terminal"]);
    block_on(async {
        let mut sockets = Vec::new();
        for hub in std::iter::once(&hubs.first).chain(hubs.second.as_ref()) {
            let mut socket = Socket::open(&hub.base, Some(&terminal)).await;
            assert_eq!(
                socket.command("getstatus", json!({})).await["type"],
                "event"
            );
            sockets.push(socket);
        }
        let base = hubs.first.base.clone();
        tokio::task::spawn_blocking(move || {
            Admin::new(&base).post(
                &format!("/api/v1/terminals/{terminal_id}/deactivate"),
                json!({}),
            )
        })
        .await
        .unwrap();
        let deactivated = Instant::now();
        for mut socket in sockets {
            assert_eq!(socket.ending().await.0, Ending::Closed(1008));
            println!(
                "socket closed {:?} after the deactivation's answer",
                deactivated.elapsed()
            );
        }
    });
    // The token is refused on every hub too (the socket's close came from the same news).
    for hub in std::iter::once(&hubs.first).chain(hubs.second.as_ref()) {
        let status = reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/sync/master", hub.base))
            .bearer_auth(&terminal)
            .send()
            .unwrap()
            .status();
        assert_eq!(status, 401, "{}", hub.base);
    }
}

#[test]
fn a_killed_listener_leaves_polls_right_and_comes_back() {
    if !runs_on_postgres("a_killed_listener_leaves_polls_right_and_comes_back") {
        return;
    }
    let hubs = Hubs::start();
    let second = hubs.second.as_ref().expect("two hubs on PostgreSQL");
    let admin = Admin::new(&hubs.first.base);
    let branch = admin.branch("PUSH-1");
    let (client_id, secret) = admin.terminal(&branch, "Till 1");
    let terminal = token(&second.base, &client_id, &secret);
    let database_url = hubs._database.as_ref().unwrap().url.clone();
    let listeners = || -> Vec<i64> {
        block_on(async {
            let db = Database::connect(&database_url).await.unwrap();
            let rows = db
                .query_all_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    "SELECT pid::bigint AS pid FROM pg_stat_activity \
                     WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
                ))
                .await
                .unwrap();
            rows.iter()
                .map(|row| row.try_get::<i64>("", "pid").unwrap())
                .collect()
        })
    };
    eventually("both hubs listen", || listeners().len() == 2);
    let before = listeners();
    block_on(async {
        let db = Database::connect(&database_url).await.unwrap();
        db.execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        )
        .await
        .unwrap();
    });

    // Whatever the listeners missed, a poll on the second hub sees the first hub's commit.
    let head = pull_master(&second.base, &terminal, 0)["next_cursor"]
        .as_i64()
        .unwrap();
    admin.post(
        "/api/v1/items",
        json!({ "sku": "DURING", "name": "During", "base_price": "1" }),
    );
    let committed = Instant::now();
    while pull_master(&second.base, &terminal, head)["changes"] == json!([]) {
        assert!(committed.elapsed() < PUSH_LIMIT, "a poll missed the commit");
    }

    eventually("the listeners are back", || {
        let now = listeners();
        now.len() == 2 && now.iter().all(|pid| !before.contains(pid))
    });
    let (status, ready) = {
        let answer = reqwest::blocking::get(format!("{}/readyz", second.base)).unwrap();
        (answer.status(), answer.json::<Value>().unwrap())
    };
    assert!(status.is_success());
    assert_eq!(
        ready["feeds"],
        json!({ "watch": "listen", "connected": true })
    );
    let head = pull_master(&second.base, &terminal, head)["next_cursor"]
        .as_i64()
        .unwrap();
    let (_, item) = admin.call_raw(
        Method::POST,
        "/api/v1/items",
        Some(json!({ "sku": "AFTER", "name": "After", "base_price": "1" })),
    );
    let committed = Instant::now();
    loop {
        let page = pull_master(&second.base, &terminal, head);
        if page["changes"][0]["id"] == item["id"] {
            break;
        }
        assert!(
            committed.elapsed() < PUSH_LIMIT,
            "the new listener heard nothing"
        );
    }
    println!("after the listener came back: {:?}", committed.elapsed());
}
