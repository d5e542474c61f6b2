//! An admin client of a running hub, for end-to-end tests: blocking HTTP, each call asserted to
//! succeed unless the test asks for the raw answer.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The admin client end-to-end hubs are started with.
pub const ADMIN_ID: &str = "e2e-admin";
pub const ADMIN_SECRET: &str = "e2e-admin-secret";

pub struct Admin {
    http: reqwest::blocking::Client,
    base: String,
    token: String,
}

impl Admin {
    /// Logs in as `ADMIN_ID` to the hub at `base`.
    pub fn new(base: &str) -> Self {
        let http = reqwest::blocking::Client::new();
        let answer: Value = http
            .post(format!("{base}/oauth/token"))
            .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .expect("the hub answers")
            .json()
            .expect("a token answer");
        Self {
            http,
            base: base.to_string(),
            token: answer["access_token"]
                .as_str()
                .expect("an access token")
                .to_string(),
        }
    }

    /// Any call; its status and JSON body.
    pub fn call_raw(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().expect("the hub answers");
        let status = answer.status();
        (status, answer.json().unwrap_or(Value::Null))
    }

    /// A call that must succeed; its JSON body.
    pub fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.call_raw(method.clone(), path, body);
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }

    pub fn post(&self, path: &str, body: Value) -> Value {
        self.call(Method::POST, path, Some(body))
    }

    pub fn get(&self, path: &str) -> Value {
        self.call(Method::GET, path, None)
    }

    pub fn put(&self, path: &str, body: Value) -> Value {
        self.call(Method::PUT, path, Some(body))
    }

    /// Creates a retail branch; its id.
    pub fn branch(&self, code: &str) -> String {
        let branch = self.post(
            "/api/v1/branches",
            json!({ "code": code, "name": code, "pos_type": "retail", "time_zone": "Asia/Manila" }),
        );
        id_of(&branch)
    }

    /// Registers a terminal; returns (client id, secret).
    pub fn terminal(&self, branch: &str, name: &str) -> (String, String) {
        let terminal = self.register_terminal(branch, json!({ "name": name }));
        (
            text(&terminal["client_id"]),
            text(&terminal["client_secret"]),
        )
    }

    /// Registers a terminal as `body` describes it; the whole answer (with its secret).
    pub fn register_terminal(&self, branch: &str, body: Value) -> Value {
        self.post(&format!("/api/v1/branches/{branch}/terminals"), body)
    }

    pub fn adjust(&self, branch: &str, item: &str, mode: &str, quantity: &str) {
        self.post(
            &format!("/api/v1/branches/{branch}/adjustments"),
            json!({ "lines": [{ "item_id": item, "mode": mode, "quantity": quantity, "reason_code": "e2e" }] }),
        );
    }

    /// On hand by item id at a branch.
    pub fn on_hand(&self, branch: &str) -> HashMap<String, String> {
        self.get(&format!("/api/v1/branches/{branch}/stock?limit=500"))["items"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|l| (text(&l["item_id"]), text(&l["on_hand"])))
            .collect()
    }

    pub fn transaction_count(&self, branch: &str) -> u64 {
        self.get(&format!("/api/v1/transactions?branch_id={branch}&limit=1"))["total"]
            .as_u64()
            .expect("a total")
    }
}

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_string()
}

/// The `id` of an object the hub answered.
pub fn id_of(object: &Value) -> String {
    text(&object["id"])
}
