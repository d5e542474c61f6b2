//! The hub as the agent sees it: an OAuth2 token endpoint and a JSON API.

use oauth2::{AuthType, ClientId, ClientSecret, TokenResponse, TokenUrl, basic::BasicClient};
use serde::{Deserialize, Serialize};

use crate::settings::ApiAuth;

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

#[derive(Debug, Serialize)]
struct HeartbeatRequest<'a> {
    agent_version: &'a str,
    queued_backlog: u32,
}

#[derive(Debug, Deserialize)]
pub struct HeartbeatResponse {
    pub server_time: String,
}

/// A logged-in session with the hub.
pub struct Hub {
    host: String,
    http: reqwest::Client,
    access_token: String,
}

impl Hub {
    /// Gets an access token with the client-credentials grant, credentials in the body as the
    /// seed's terminals send them.
    pub async fn log_in(auth: &ApiAuth) -> Result<Self, HubError> {
        if auth.grant_type != "client_credentials" {
            return Err(HubError::UnsupportedGrant(auth.grant_type.clone()));
        }
        let http = reqwest::Client::builder()
            .timeout(auth.timeout)
            // A token request must never follow a redirect to somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let token_url = TokenUrl::new(format!("{}/oauth/token", auth.host))
            .map_err(|e| HubError::Address(e.to_string()))?;
        let client = BasicClient::new(ClientId::new(auth.client_id.clone()))
            .set_client_secret(ClientSecret::new(auth.client_secret.clone()))
            .set_token_uri(token_url)
            .set_auth_type(AuthType::RequestBody);
        let token = client
            .exchange_client_credentials()
            .request_async(&http)
            .await
            .map_err(|e| HubError::Token(describe_token_error(&e)))?;
        Ok(Self {
            host: auth.host.clone(),
            http,
            access_token: token.access_token().secret().clone(),
        })
    }

    /// Tells the hub this terminal is alive.
    pub async fn heartbeat(&self, agent_version: &str) -> Result<HeartbeatResponse, HubError> {
        let response = self
            .http
            .post(format!("{}/api/v1/sync/heartbeat", self.host))
            .bearer_auth(&self.access_token)
            .json(&HeartbeatRequest {
                agent_version,
                queued_backlog: 0,
            })
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(HubError::Refused {
                status: status.as_u16(),
                body,
            });
        }
        Ok(response.json().await?)
    }
}

fn describe_token_error<E: std::error::Error>(err: &E) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
