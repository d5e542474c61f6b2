//! One POST to a receiver: the address checked again, the receiver's OAuth2 token (cached until
//! it expires, fetched again on 401), the Standard Webhooks headers, and a short excerpt of the
//! answer (never the whole of it).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use chrono::Utc;
use entity::subscription;
use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl, basic::BasicClient};
use reqwest::{StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{destination::Destinations, message::signature};
use crate::error::DomainError;

/// Bytes of a receiver's answer kept for the attempt's record.
const EXCERPT_BYTES: usize = 512;
/// A token is fetched again this long before it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(30);
/// Lifetime assumed for a token whose answer gives none.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// What a receiver made of a POST.
#[derive(Debug, Serialize, ToSchema)]
pub struct Posted {
    /// Its status; none when it could not be reached.
    pub status_code: Option<u16>,
    pub latency_ms: i32,
    /// The start of its answer.
    pub excerpt: String,
    /// Why the POST failed, when it did.
    pub error: Option<String>,
}

impl Posted {
    pub fn delivered(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }

    fn failed(started: Instant, error: String) -> Self {
        Self {
            status_code: None,
            latency_ms: elapsed_ms(started),
            excerpt: String::new(),
            error: Some(error),
        }
    }
}

fn elapsed_ms(started: Instant) -> i32 {
    i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)
}

/// A token of one subscription's receiver, and the credentials it was issued for.
struct CachedToken {
    token_url: String,
    client_id: String,
    access_token: String,
    renew_at: Instant,
}

/// Posts deliveries; shared by every delivery of this process and by sample messages.
pub struct Sender {
    http: reqwest::Client,
    destinations: Destinations,
    tokens: Mutex<HashMap<Uuid, CachedToken>>,
}

impl Sender {
    pub fn new(destinations: Destinations, timeout: Duration) -> Result<Self, DomainError> {
        let http = destinations
            .client(timeout)
            .map_err(|e| DomainError::internal("the outbound HTTP client", e))?;
        Ok(Self {
            http,
            destinations,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    pub fn destinations(&self) -> &Destinations {
        &self.destinations
    }

    /// POSTs `body` to the subscription's URL, signed, with the receiver's token if it takes one.
    pub async fn post(&self, sub: &subscription::Model, webhook_id: &str, body: Vec<u8>) -> Posted {
        let started = Instant::now();
        let url = match self.destinations.check_url(&sub.url) {
            Ok(url) => url,
            Err(why) => return Posted::failed(started, format!("the URL {why}")),
        };
        for fresh_token in [false, true] {
            let token = match sub.token_url {
                Some(_) => match self.token(sub, fresh_token).await {
                    Ok(token) => Some(token),
                    Err(why) => return Posted::failed(started, why),
                },
                None => None,
            };
            let timestamp = Utc::now().timestamp();
            let signed = match signature(&sub.signing_secret, webhook_id, timestamp, &body) {
                Ok(signed) => signed,
                Err(err) => return Posted::failed(started, err.to_string()),
            };
            let mut request = self
                .http
                .post(url.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .header("webhook-id", webhook_id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signed)
                .body(body.clone());
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(err) => return Posted::failed(started, describe(&err)),
            };
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && token.is_some() && !fresh_token {
                // The token expired early or was revoked: once more with a new one.
                continue;
            }
            let excerpt = excerpt(response).await;
            return Posted {
                status_code: Some(status.as_u16()),
                latency_ms: elapsed_ms(started),
                error: (!status.is_success()).then(|| format!("the receiver answered {status}")),
                excerpt,
            };
        }
        Posted::failed(started, "the receiver refused a fresh token".into())
    }

    /// The receiver's access token: the cached one unless `fresh` or about to expire.
    async fn token(&self, sub: &subscription::Model, fresh: bool) -> Result<String, String> {
        let (Some(token_url), Some(client_id)) = (&sub.token_url, &sub.oauth_client_id) else {
            return Err("the subscription has no token URL".into());
        };
        if !fresh
            && let Ok(tokens) = self.tokens.lock()
            && let Some(cached) = tokens.get(&sub.id)
            && cached.token_url == *token_url
            && cached.client_id == *client_id
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.access_token.clone());
        }
        let checked = self
            .destinations
            .check_url(token_url)
            .map_err(|why| format!("the token URL {why}"))?;
        let token_uri = TokenUrl::new(checked.to_string()).map_err(|e| e.to_string())?;
        let mut client =
            BasicClient::new(ClientId::new(client_id.clone())).set_token_uri(token_uri);
        if let Some(secret) = &sub.oauth_client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.clone()));
        }
        let mut request = client.exchange_client_credentials();
        for scope in sub.oauth_scope.iter().flat_map(|s| s.split_whitespace()) {
            request = request.add_scope(Scope::new(scope.to_string()));
        }
        let answer = request.request_async(&self.http).await.map_err(|e| {
            format!(
                "the receiver's token endpoint: {}",
                describe_token_error(&e)
            )
        })?;
        let lifetime = answer.expires_in().unwrap_or(DEFAULT_TOKEN_LIFETIME);
        let access_token = answer.access_token().secret().clone();
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(
                sub.id,
                CachedToken {
                    token_url: token_url.clone(),
                    client_id: client_id.clone(),
                    access_token: access_token.clone(),
                    renew_at: Instant::now() + lifetime.saturating_sub(RENEW_BEFORE),
                },
            );
        }
        Ok(access_token)
    }
}

/// The start of an answer's body, as text.
async fn excerpt(mut response: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(EXCERPT_BYTES);
    String::from_utf8_lossy(&kept).into_owned()
}

/// An error with its causes (a refused address says why).
fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

fn describe_token_error<RE: std::error::Error + 'static, T: oauth2::ErrorResponse + 'static>(
    err: &oauth2::RequestTokenError<RE, T>,
) -> String {
    match err {
        oauth2::RequestTokenError::ServerResponse(answer) => format!("refused: {answer}"),
        oauth2::RequestTokenError::Request(inner) => describe(inner),
        other => other.to_string(),
    }
}
