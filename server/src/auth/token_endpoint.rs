//! `POST /oauth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4) with its own error format (§5.2).

use std::{
    net::{IpAddr, Ipv6Addr},
    time::Duration,
};

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    http::{StatusCode, header},
    post, web,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    AppState, auth,
    db::health::{RETRY_AFTER_SECS, is_unavailable},
    error::{DatabaseUnavailable, DomainError},
};

/// Longest client id or secret looked at; longer ones cannot be ours.
const MAX_CREDENTIAL_LEN: usize = 256;

/// The token request, as a form or as JSON (the seed's terminals send JSON).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    grant_type: Option<String>,
    /// For `client_secret_post`; use HTTP Basic instead where possible.
    client_id: Option<String>,
    client_secret: Option<String>,
    /// Optional; when given it must be the client's scope (`admin` or `terminal`).
    scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A signed JWT (`typ: at+jwt`).
    access_token: String,
    /// Always `bearer`.
    token_type: &'static str,
    /// Seconds until the token expires.
    expires_in: u64,
    scope: &'static str,
}

/// An RFC 6749 §5.2 error answer.
#[derive(Debug, Serialize, ToSchema, thiserror::Error)]
#[error("{error}: {error_description}")]
pub struct OAuthError {
    error: &'static str,
    error_description: String,
    #[serde(skip)]
    status: StatusCode,
    /// Seconds, for a 429 or a 503.
    #[serde(skip)]
    retry_after: Option<u64>,
    /// Why the database could not be reached, for a 503.
    #[serde(skip)]
    unavailable: Option<String>,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: description.into(),
            status,
            retry_after: None,
            unavailable: None,
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn invalid_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        )
    }

    fn throttled(retry_after: Duration) -> Self {
        Self {
            retry_after: Some(retry_after.as_secs().max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "invalid_request",
                "too many failed token requests for this client id from this address; retry later",
            )
        }
    }

    /// 503 `temporarily_unavailable` when the database cannot be reached, else 500.
    fn from_domain(err: DomainError) -> Self {
        let DomainError::Database(err) = err else {
            return Self::server_error(err);
        };
        if !is_unavailable(&err) {
            return Self::server_error(err);
        }
        Self {
            retry_after: Some(RETRY_AFTER_SECS),
            unavailable: Some(err.to_string()),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the database cannot be reached; retry later",
            )
        }
    }

    fn server_error(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "token endpoint failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "internal error",
        )
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="hubshake""#));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Some(cause) = &self.unavailable {
            response
                .extensions_mut()
                .insert(DatabaseUnavailable(cause.clone()));
        }
        response.json(self)
    }
}

/// Issue an access token for a client's own credentials.
#[utoipa::path(
    tag = "identity",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "Token issued", body = TokenResponse),
        (status = 400, description = "invalid_request, unsupported_grant_type or invalid_scope", body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError),
        (status = 429, description = "Too many attempts for this client id", body = OAuthError),
    ),
    security(("client_basic" = []), ())
)]
#[post("/oauth/token")]
pub async fn issue_token(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthError> {
    let answer = answer_token_request(&req, &body, &state).await;
    if let Err(refusal) = &answer {
        if refusal.status == StatusCode::TOO_MANY_REQUESTS {
            state.metrics.throttled();
        }
        state.metrics.token_refused(refusal.error);
    }
    answer
}

async fn answer_token_request(
    req: &HttpRequest,
    body: &[u8],
    state: &AppState,
) -> Result<HttpResponse, OAuthError> {
    if query_carries_credentials(req.query_string()) {
        return Err(OAuthError::invalid_request(
            "client credentials must not be sent in the query string",
        ));
    }
    let request = parse_body(req, body)?;
    let presented = client_credentials(req, &request)?;
    match request.grant_type.as_deref() {
        None => return Err(OAuthError::invalid_request("grant_type is required")),
        Some("client_credentials") => {}
        Some(other) => {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant type {other} is not supported; use client_credentials"),
            ));
        }
    }
    // The connection's own address: a forwarded-for header is the caller's to forge.
    let address = req
        .peer_addr()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |peer| peer.ip());
    let throttle = &state.token_throttle;
    throttle
        .check(address, &presented.client_id)
        .map_err(OAuthError::throttled)?;
    let mut principal = None;
    for (client_id, secret) in presented.candidates() {
        principal = auth::authenticate_client(&state.db, client_id, secret)
            .await
            .map_err(OAuthError::from_domain)?;
        if principal.is_some() {
            break;
        }
    }
    let Some(principal) = principal else {
        throttle
            .record_failure(address, &presented.client_id)
            .map_err(OAuthError::throttled)?;
        return Err(OAuthError::invalid_client());
    };
    throttle.record_success(address, &presented.client_id);
    if let Some(scope) = request.scope.as_deref()
        && scope
            .split_whitespace()
            .any(|asked| asked != principal.scope())
    {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!("this client may only ask for scope {}", principal.scope()),
        ));
    }
    let access_token = state
        .tokens
        .issue(&principal)
        .map_err(OAuthError::server_error)?;
    state.metrics.token_issued(principal.scope());
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            token_type: "bearer",
            expires_in: state.tokens.lifetime().as_secs(),
            scope: principal.scope(),
        }))
}

fn query_carries_credentials(query: &str) -> bool {
    url_form_pairs(query).any(|(name, _)| name == "client_secret" || name == "client_id")
}

fn url_form_pairs(input: &str) -> impl Iterator<Item = (String, String)> + '_ {
    serde_urlencoded::from_str::<Vec<(String, String)>>(input)
        .unwrap_or_default()
        .into_iter()
}

fn parse_body(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, OAuthError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if media_type.eq_ignore_ascii_case("application/json") {
        serde_json::from_slice(body)
            .map_err(|e| OAuthError::invalid_request(format!("the JSON body is malformed: {e}")))
    } else if media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(body)
            .map_err(|e| OAuthError::invalid_request(format!("the form body is malformed: {e}")))
    } else {
        Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded or application/json",
        ))
    }
}

/// A client's id and secret as presented. HTTP Basic credentials are form-encoded before base64
/// by RFC 6749 §2.3.1, but curl, Python's requests, authlib and others send them as they are: a
/// Basic header whose decoded form differs from its raw form offers both, tried in that order.
struct Presented {
    client_id: String,
    secret: String,
    raw: Option<(String, String)>,
}

impl Presented {
    fn candidates(&self) -> impl Iterator<Item = (&str, &str)> {
        std::iter::once((self.client_id.as_str(), self.secret.as_str())).chain(
            self.raw
                .iter()
                .map(|(id, secret)| (id.as_str(), secret.as_str())),
        )
    }
}

/// The client's id and secret from exactly one of HTTP Basic (`client_secret_basic`) or the body
/// (`client_secret_post`).
fn client_credentials(req: &HttpRequest, request: &TokenRequest) -> Result<Presented, OAuthError> {
    let basic = req.headers().get(header::AUTHORIZATION).map(|value| {
        value.to_str().ok().and_then(parse_basic).ok_or_else(|| {
            OAuthError::invalid_request("the Authorization header is not valid HTTP Basic")
        })
    });
    let presented = match (basic, &request.client_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not both Basic and the body",
            ));
        }
        (Some(basic), None) => {
            let basic = basic?;
            if let Some(body_id) = &request.client_id
                && basic.candidates().all(|(id, _)| id != body_id)
            {
                return Err(OAuthError::invalid_request(
                    "client_id differs from the Basic credentials",
                ));
            }
            basic
        }
        (None, Some(secret)) => match &request.client_id {
            Some(id) => Presented {
                client_id: id.clone(),
                secret: secret.clone(),
                raw: None,
            },
            None => return Err(OAuthError::invalid_request("client_id is required")),
        },
        (None, None) => return Err(OAuthError::invalid_client()),
    };
    // None of ours is empty, that long, or holds a NUL (which PostgreSQL cannot even compare).
    let cannot_be_ours = |(id, secret): (&str, &str)| {
        id.is_empty()
            || id.len() > MAX_CREDENTIAL_LEN
            || secret.len() > MAX_CREDENTIAL_LEN
            || id.contains('\0')
            || secret.contains('\0')
    };
    if presented.candidates().any(cannot_be_ours) {
        return Err(OAuthError::invalid_client());
    }
    Ok(presented)
}

/// HTTP Basic credentials, form-decoded, with the raw form too where decoding changed them.
fn parse_basic(value: &str) -> Option<Presented> {
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |part: &str| {
        percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|s| s.into_owned())
    };
    let raw = (id.to_string(), secret.to_string());
    match (unescape(id), unescape(secret)) {
        (Some(client_id), Some(secret)) => Some(Presented {
            raw: (raw != (client_id.clone(), secret.clone())).then_some(raw),
            client_id,
            secret,
        }),
        // Not valid form encoding: it can only have been meant as it is.
        _ => Some(Presented {
            client_id: raw.0,
            secret: raw.1,
            raw: None,
        }),
    }
}
