//! The hub as the agent sees it: an OAuth2 token endpoint and a JSON API. The session logs in
//! with the `oauth2` crate (client credentials, in the body as the seed's terminals send them)
//! and logs in again when its token is about to expire or the hub answers 401.

use std::time::{Duration, Instant};

use oauth2::{AuthType, ClientId, ClientSecret, TokenResponse, TokenUrl, basic::BasicClient};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::settings::ApiAuth;

/// A token is renewed this long before it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("grant type {0} is not supported; use client_credentials")]
    UnsupportedGrant(String),
    #[error("invalid hub address: {0}")]
    Address(String),
    #[error("the hub refused the credentials: {0}")]
    Token(String),
    #[error("the hub cannot be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the hub answered {status}: {body}")]
    Refused { status: u16, body: String },
}

/// What the agent tells the hub about itself; what it does not know is left out.
#[derive(Debug, Default, Serialize)]
pub struct HeartbeatRequest<'a> {
    pub device_id: &'a str,
    pub agent_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued_backlog: Option<usize>,
    /// Age of the oldest queued transaction; none when nothing is queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest_queued_age_secs: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_files: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_cursor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_cursor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Deserialize)]
pub struct HeartbeatResponse {
    pub server_time: String,
}

/// One page of the master-data feed.
#[derive(Debug, Deserialize)]
pub struct MasterPage {
    pub changes: Vec<Change>,
    pub next_cursor: i64,
    pub has_more: bool,
}

#[derive(Debug, Deserialize)]
pub struct Change {
    pub kind: String,
    pub id: String,
    /// `upsert` or `delete`.
    pub op: String,
    pub data: Option<Value>,
}

/// One page of the branch's stock feed.
#[derive(Debug, Deserialize)]
pub struct StockPage {
    pub levels: Vec<Level>,
    pub next_cursor: i64,
    pub has_more: bool,
}

#[derive(Debug, Deserialize)]
pub struct Level {
    pub item_id: String,
    pub on_hand: String,
    pub in_transit_in: String,
    pub seq: i64,
}

#[derive(Debug, Deserialize)]
pub struct BatchAnswer {
    pub results: Vec<TransactionResult>,
}

#[derive(Debug, Deserialize)]
pub struct TransactionResult {
    pub index: usize,
    /// `accepted`, `duplicate`, `conflict` or `rejected`.
    pub result: String,
    #[serde(default)]
    pub retryable: bool,
    #[serde(default)]
    pub reasons: Vec<Value>,
    pub detail: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HeldAnswer {
    pub held: Vec<Held>,
}

#[derive(Debug, Deserialize)]
pub struct Held {
    pub id: String,
    pub revision: i32,
}

/// A session with the hub.
pub struct Hub {
    auth: ApiAuth,
    http: reqwest::Client,
    token: Option<(String, Instant)>,
}

impl Hub {
    pub fn new(auth: &ApiAuth) -> Result<Self, HubError> {
        if auth.grant_type != "client_credentials" {
            return Err(HubError::UnsupportedGrant(auth.grant_type.clone()));
        }
        let http = reqwest::Client::builder()
            .timeout(auth.timeout)
            // A token request must never follow a redirect to somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            auth: auth.clone(),
            http,
            token: None,
        })
    }

    /// A session that has logged in.
    pub async fn connect(auth: &ApiAuth) -> Result<Self, HubError> {
        let mut hub = Self::new(auth)?;
        hub.log_in().await?;
        Ok(hub)
    }

    async fn log_in(&mut self) -> Result<&str, HubError> {
        let auth = &self.auth;
        let token_url = TokenUrl::new(format!("{}/oauth/token", auth.host))
            .map_err(|e| HubError::Address(e.to_string()))?;
        let client = BasicClient::new(ClientId::new(auth.client_id.clone()))
            .set_client_secret(ClientSecret::new(auth.client_secret.clone()))
            .set_token_uri(token_url)
            .set_auth_type(AuthType::RequestBody);
        let token = client
            .exchange_client_credentials()
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                oauth2::RequestTokenError::Request(oauth2::HttpClientError::Reqwest(e)) => {
                    HubError::Unreachable(*e)
                }
                other => HubError::Token(describe(&other)),
            })?;
        let lifetime = token
            .expires_in()
            .unwrap_or(Duration::from_secs(300))
            .saturating_sub(RENEW_BEFORE);
        let (token, _) = self.token.insert((
            token.access_token().secret().clone(),
            Instant::now() + lifetime,
        ));
        Ok(token)
    }

    /// A valid access token, logging in when there is none or it is about to expire.
    pub async fn bearer(&mut self) -> Result<String, HubError> {
        match &self.token {
            Some((token, renew_at)) if Instant::now() < *renew_at => Ok(token.clone()),
            _ => Ok(self.log_in().await?.to_string()),
        }
    }

    /// Calls the API; on 401 (the token expired early, or the hub's key changed) logs in again
    /// and retries once.
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, HubError> {
        for attempt in 0..2 {
            let token = self.bearer().await?;
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.auth.host))
                .bearer_auth(token);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && attempt == 0 {
                self.token = None;
                continue;
            }
            if !status.is_success() {
                return Err(HubError::Refused {
                    status: status.as_u16(),
                    body: response.text().await.unwrap_or_default(),
                });
            }
            return Ok(response.json().await?);
        }
        Err(HubError::Token("the hub refused a fresh token".into()))
    }

    pub async fn heartbeat(
        &mut self,
        report: &HeartbeatRequest<'_>,
    ) -> Result<HeartbeatResponse, HubError> {
        self.call(Method::POST, "/api/v1/sync/heartbeat", Some(report))
            .await
    }

    pub async fn pull_master(&mut self, cursor: i64, limit: u32) -> Result<MasterPage, HubError> {
        self.call::<(), _>(
            Method::GET,
            &format!("/api/v1/sync/master?cursor={cursor}&limit={limit}"),
            None,
        )
        .await
    }

    /// A page of the stock feed from `cursor`, or from a date watermark when there is none yet.
    pub async fn pull_stock(
        &mut self,
        cursor: Option<i64>,
        since: &str,
        limit: u32,
    ) -> Result<StockPage, HubError> {
        let position = match cursor {
            Some(cursor) => format!("cursor={cursor}"),
            None => format!("since={}", since.replace(' ', "%20")),
        };
        self.call::<(), _>(
            Method::GET,
            &format!("/api/v1/sync/stock?{position}&limit={limit}"),
            None,
        )
        .await
    }

    pub async fn post_transactions(&mut self, batch: &[Value]) -> Result<BatchAnswer, HubError> {
        let body = serde_json::json!({ "transactions": batch });
        self.call(Method::POST, "/api/v1/sync/transactions", Some(&body))
            .await
    }

    /// Sends a customer made at the till (`seen_version` none) or an edit of one.
    pub async fn send_customer(
        &mut self,
        customer_id: &str,
        seen_version: Option<i32>,
        body: &Value,
    ) -> Result<Value, HubError> {
        match seen_version {
            None => {
                let mut created = body.clone();
                created["id"] = Value::String(customer_id.into());
                self.call(Method::POST, "/api/v1/sync/customers", Some(&created))
                    .await
            }
            Some(version) => {
                let mut edit = body.clone();
                edit["version"] = Value::from(version);
                let path = format!("/api/v1/sync/customers/{customer_id}");
                self.call(Method::PUT, &path, Some(&edit)).await
            }
        }
    }

    /// Sends a step of a shift: its opening, a cash movement or its close.
    pub async fn send_shift_event(
        &mut self,
        shift_id: &str,
        kind: &str,
        body: &Value,
    ) -> Result<Value, HubError> {
        let path = match kind {
            "open" => "/api/v1/sync/shifts".to_string(),
            "movement" => format!("/api/v1/sync/shifts/{shift_id}/cash-movements"),
            _ => format!("/api/v1/sync/shifts/{shift_id}/close"),
        };
        self.call(Method::POST, &path, Some(body)).await
    }

    /// Uploads log lines (at most 500).
    pub async fn upload_logs(&mut self, lines: &[Value]) -> Result<(), HubError> {
        let body = serde_json::json!({ "lines": lines });
        self.call::<_, Value>(Method::POST, "/api/v1/sync/logs", Some(&body))
            .await?;
        Ok(())
    }

    /// The last receipt number of each series this terminal used, as the hub holds them.
    pub async fn receipt_counters(&mut self) -> Result<Vec<ReceiptCounter>, HubError> {
        let answer: ReceiptCounters = self
            .call::<(), _>(Method::GET, "/api/v1/sync/receipt-counters", None)
            .await?;
        Ok(answer.counters)
    }

    /// Which of `ids` the hub holds.
    pub async fn held(&mut self, ids: &[String]) -> Result<Vec<Held>, HubError> {
        let body = serde_json::json!({ "ids": ids });
        let answer: HeldAnswer = self
            .call(Method::POST, "/api/v1/sync/transactions/held", Some(&body))
            .await?;
        Ok(answer.held)
    }
}

#[derive(Debug, Deserialize)]
struct ReceiptCounters {
    counters: Vec<ReceiptCounter>,
}

#[derive(Debug, Deserialize)]
pub struct ReceiptCounter {
    pub series: String,
    pub last_number: u64,
}

fn describe<E: std::error::Error>(err: &E) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
