//! A third party's receiving server, as outbound deliveries meet it: a webhook endpoint that
//! records what arrives (or fails on demand), and an OAuth2 token endpoint of its own whose
//! tokens the webhook endpoint checks.

use std::{
    net::TcpListener,
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::watch;

/// The credentials the receiver's token endpoint accepts.
pub const CLIENT_ID: &str = "hubshake-at-receiver";
pub const CLIENT_SECRET: &str = "receiver-secret";

/// One POST the webhook endpoint took (answered 2xx).
#[derive(Clone, Debug)]
pub struct Delivery {
    pub webhook_id: String,
    pub timestamp: String,
    pub signature: String,
    pub authorization: Option<String>,
    pub raw: Vec<u8>,
    pub body: Value,
}

impl Delivery {
    /// Whether the Standard Webhooks signature is right for `secret` (`whsec_<base64>`).
    pub fn signed_with(&self, secret: &str) -> bool {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .expect("a base64 secret");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
        mac.update(format!("{}.{}.", self.webhook_id, self.timestamp).as_bytes());
        mac.update(&self.raw);
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signature
            .split(' ')
            .any(|signature| signature == expected)
    }

    /// The events of a delivery in Hubshake's format.
    pub fn events(&self) -> Vec<Value> {
        self.body["events"].as_array().cloned().unwrap_or_default()
    }

    /// The messages of a delivery in seed 004's format.
    pub fn messages(&self) -> Vec<Value> {
        self.body["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Debug, Default)]
pub struct State {
    /// Every POST to the webhook endpoint, taken or not.
    pub posts: usize,
    pub deliveries: Vec<Delivery>,
    /// Answer 500 to this many POSTs.
    pub failures_left: usize,
    /// Answer 503 to every POST.
    pub down: bool,
    /// How long the webhook endpoint takes to answer: a slow receiver, so that a hub can be
    /// killed while a delivery is in flight.
    pub delay: Duration,
    /// Whether the webhook endpoint wants a token from the token endpoint.
    pub wants_token: bool,
    pub tokens_issued: usize,
    pub valid_tokens: Vec<String>,
}

/// The receiving server, on a port of its own.
pub struct Receiver {
    pub base: String,
    state: Arc<Mutex<State>>,
    changed: watch::Receiver<u64>,
}

struct Shared {
    state: Arc<Mutex<State>>,
    changed: watch::Sender<u64>,
}

impl Receiver {
    /// Starts it on the current tokio runtime.
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let (changed_tx, changed) = watch::channel(0);
        let shared = web::Data::new(Shared {
            state: state.clone(),
            changed: changed_tx,
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/hook", web::post().to(hook))
                .route("/token", web::post().to(token))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            state,
            changed,
        }
    }

    pub fn hook_url(&self) -> String {
        format!("{}/hook", self.base)
    }

    pub fn token_url(&self) -> String {
        format!("{}/token", self.base)
    }

    /// Changes what the receiver does.
    pub fn set(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.state.lock().unwrap());
    }

    /// Reads what the receiver saw.
    pub fn read<T>(&self, read: impl FnOnce(&State) -> T) -> T {
        read(&self.state.lock().unwrap())
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.read(|state| state.deliveries.clone())
    }

    /// Waits until `done` holds of what arrived, woken by each POST; false after `limit`.
    pub async fn wait_until(&self, limit: Duration, done: impl Fn(&State) -> bool) -> bool {
        let mut changed = self.changed.clone();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if self.read(&done) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                return self.read(&done);
            }
        }
    }

    /// Every event that arrived in Hubshake's format, in arrival order.
    pub fn events(&self) -> Vec<Value> {
        self.deliveries()
            .iter()
            .flat_map(Delivery::events)
            .collect()
    }
}

async fn hook(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let delay = {
        let mut state = shared.state.lock().unwrap();
        state.posts += 1;
        state.delay
    };
    shared.changed.send_modify(|n| *n += 1);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let answer = {
        let mut state = shared.state.lock().unwrap();
        let authorization = header("authorization");
        let token_ok = !state.wants_token
            || authorization
                .as_deref()
                .and_then(|a| a.strip_prefix("Bearer "))
                .is_some_and(|t| state.valid_tokens.iter().any(|v| v == t));
        if state.down {
            HttpResponse::ServiceUnavailable().body("down for maintenance")
        } else if state.failures_left > 0 {
            state.failures_left -= 1;
            HttpResponse::InternalServerError().body("x".repeat(10_000))
        } else if !token_ok {
            HttpResponse::Unauthorized().body("token expired")
        } else {
            state.deliveries.push(Delivery {
                webhook_id: header("webhook-id").unwrap_or_default(),
                timestamp: header("webhook-timestamp").unwrap_or_default(),
                signature: header("webhook-signature").unwrap_or_default(),
                authorization,
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                raw: body.to_vec(),
            });
            HttpResponse::Ok().json(json!({ "received": true }))
        }
    };
    shared.changed.send_modify(|n| *n += 1);
    answer
}

async fn token(req: HttpRequest, shared: web::Data<Shared>) -> HttpResponse {
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a == expected);
    if !authorized {
        return HttpResponse::Unauthorized().json(json!({ "error": "invalid_client" }));
    }
    let mut state = shared.state.lock().unwrap();
    state.tokens_issued += 1;
    let token = format!("receiver-token-{}", state.tokens_issued);
    state.valid_tokens.push(token.clone());
    HttpResponse::Ok().json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": 3600,
    }))
}
