//! Starts the real hub on a random port with a database of its own, and speaks HTTP to it.

pub mod objects;
pub mod sales;

use hubshake::{Application, budget::Budget, config::Settings};
use hubshake_tests::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const ADMIN_ID: &str = "test-admin";
pub const ADMIN_SECRET: &str = "test-admin-secret-for-the-suite";

pub struct TestApp {
    pub base: String,
    /// The metrics listener, when the settings ask for one.
    pub metrics_base: Option<String>,
    pub http: reqwest::Client,
    pub database: TestDatabase,
    pub settings: Settings,
}

/// An answer: status, headers and the body as JSON (Null when empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts an RFC 9457 problem with this status.
    pub fn assert_problem(&self, status: StatusCode) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "body: {}",
            self.body
        );
        assert_eq!(self.body["status"], status.as_u16(), "body: {}", self.body);
        assert!(self.body["title"].is_string(), "body: {}", self.body);
        assert!(
            self.body["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("/problems/")),
            "every problem has a type of its own: {}",
            self.body
        );
    }

    /// Asserts a problem with this status and problem type (`wrong-state` for
    /// `/problems/wrong-state`).
    pub fn assert_problem_type(&self, status: StatusCode, slug: &str) {
        self.assert_problem(status);
        assert_eq!(
            self.body["type"],
            format!("/problems/{slug}"),
            "body: {}",
            self.body
        );
    }

    /// Field names of a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A budget no test reaches.
const UNBOUNDED: Budget = Budget::new(1_000_000, 60);

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the hub with the suite's settings, changed by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::create().await;
    let mut settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: database.url.clone(),
        database_max_connections: 5,
        admin_client_id: Some(ADMIN_ID.into()),
        admin_client_secret: Some(ADMIN_SECRET.into()),
        // Tests call as fast as they can, which no budget made for people allows; budgets are
        // tested with budgets of their own (`budgets`).
        budget_sync: UNBOUNDED,
        budget_ingest: UNBOUNDED,
        budget_read: UNBOUNDED,
        budget_write: UNBOUNDED,
        ..Settings::default()
    };
    adjust(&mut settings);
    let app = Application::build(settings.clone())
        .await
        .expect("the hub starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics_base = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        metrics_base,
        http: reqwest::Client::new(),
        database,
        settings,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the hub answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    /// A request with a bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// A token request with form credentials in the body (`client_secret_post`).
    pub async fn token_by_form(&self, client_id: &str, client_secret: &str) -> Answer {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ];
        self.send(self.http.post(self.url("/oauth/token")).form(&form))
            .await
    }

    pub async fn token(&self, client_id: &str, client_secret: &str) -> String {
        let answer = self.token_by_form(client_id, client_secret).await;
        assert_eq!(answer.status, StatusCode::OK, "token: {}", answer.body);
        answer.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.token(ADMIN_ID, ADMIN_SECRET).await
    }

    /// Creates a branch and returns it.
    pub async fn create_branch(&self, admin: &str, code: &str, pos_type: &str) -> Value {
        let answer = self
            .post(
                "/api/v1/branches",
                admin,
                json!({ "code": code, "name": format!("Branch {code}"), "pos_type": pos_type, "time_zone": "Asia/Manila" }),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "create branch: {}",
            answer.body
        );
        answer.body
    }

    /// Registers a terminal and returns the answer holding its id, client id and secret.
    pub async fn register_terminal(&self, admin: &str, branch_id: &str, name: &str) -> Value {
        let answer = self
            .post(
                &format!("/api/v1/branches/{branch_id}/terminals"),
                admin,
                json!({ "name": name }),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "register terminal: {}",
            answer.body
        );
        answer.body
    }

    /// A branch with one terminal; returns the terminal's registration and a token for it.
    pub async fn terminal_with_token(&self, admin: &str, code: &str) -> (Value, String) {
        let branch = self.create_branch(admin, code, "retail").await;
        let terminal = self
            .register_terminal(admin, branch["id"].as_str().unwrap(), "Till 1")
            .await;
        let token = self
            .token(
                terminal["client_id"].as_str().unwrap(),
                terminal["client_secret"].as_str().unwrap(),
            )
            .await;
        (terminal, token)
    }
}

/// What a terminal keeps from the master feed: the latest data of each (kind, id).
#[derive(Debug, Default)]
pub struct TerminalStore {
    pub objects: std::collections::BTreeMap<(String, String), Value>,
    pub cursor: i64,
}

impl TerminalStore {
    pub fn apply(&mut self, change: &Value) {
        let key = (
            change["kind"].as_str().unwrap().to_string(),
            change["id"].as_str().unwrap().to_string(),
        );
        match change["op"].as_str().unwrap() {
            "upsert" => {
                self.objects.insert(key, change["data"].clone());
            }
            "delete" => {
                self.objects.remove(&key);
            }
            other => panic!("unknown op {other}"),
        }
    }

    pub fn get(&self, kind: &str, id: &str) -> Option<&Value> {
        self.objects.get(&(kind.to_string(), id.to_string()))
    }

    pub fn count(&self, kind: &str) -> usize {
        self.objects.keys().filter(|(k, _)| k == kind).count()
    }

    /// Pulls pages until the hub has nothing more; returns every change received.
    pub async fn sync(&mut self, app: &TestApp, token: &str, limit: u32) -> Vec<Value> {
        let mut received = Vec::new();
        loop {
            let answer = app
                .get(
                    &format!("/api/v1/sync/master?cursor={}&limit={limit}", self.cursor),
                    token,
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "pull: {}", answer.body);
            for change in answer.body["changes"].as_array().unwrap() {
                let seq = change["seq"].as_i64().unwrap();
                assert!(
                    seq > self.cursor,
                    "change {seq} is not after cursor {}",
                    self.cursor
                );
                self.apply(change);
                received.push(change.clone());
            }
            let next = answer.body["next_cursor"].as_i64().unwrap();
            assert!(next >= self.cursor, "the cursor went back");
            self.cursor = next;
            if !answer.body["has_more"].as_bool().unwrap() {
                return received;
            }
        }
    }
}

impl TestApp {
    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Creates an item and returns it.
    pub async fn create_item(&self, admin: &str, sku: &str, price: &str) -> Value {
        let answer = self
            .post(
                "/api/v1/items",
                admin,
                json!({ "sku": sku, "name": format!("Item {sku}"), "base_price": price }),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "create item: {}",
            answer.body
        );
        answer.body
    }
}
