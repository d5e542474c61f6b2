//! `GET /api/v1/ws`: a terminal's WebSocket, in seed 003's message model. The terminal sends
//! commands (`{"command": …, "parameters": {…}}`) and gets events or errors back; the hub
//! broadcasts `updatepos` when the branch's view of master data or its stock moved past what
//! the terminal was last told. Each command spends the client's socket budget.
//!
//! The token comes in the upgrade's `Authorization` header, or as `parameters.api_key` of the
//! first message (never in the URL). A socket whose terminal is deactivated is closed at once.

mod commands;
mod connection;

use std::{sync::Arc, time::Duration};

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use self::connection::Connection;
use crate::{
    AppState,
    auth::{
        caller::{self, Caller, TerminalCaller},
        jwt::Principal,
    },
    error::ApiError,
};

/// How long a socket may stay without a token.
const AUTH_DEADLINE: Duration = Duration::from_secs(10);

/// Upgrades to a WebSocket. A token in the header is checked first (401 without an upgrade).
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = if req.headers().contains_key(header::AUTHORIZATION) {
        Some(authenticate(&state, &caller::bearer_token(&req)?).await?)
    } else {
        None
    };
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::BadRequest(format!("not a WebSocket upgrade: {e}")))?;
    let limit = state.body_limit;
    let stream = stream
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    let state = state.into_inner();
    match caller {
        // Listening before the upgrade is answered: a change the terminal could miss between
        // its answer and its first pull wakes the socket.
        Some(caller) => {
            let connection = Connection::new(state, session, caller);
            actix_web::rt::spawn(connection.serve(None, stream));
        }
        None => {
            actix_web::rt::spawn(serve_first_message(state, session, stream));
        }
    }
    Ok(response)
}

/// Who is behind a terminal's verified token, and when the token expires.
struct Authenticated {
    principal: Principal,
    terminal: TerminalCaller,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// A terminal's verified token and who it is.
async fn authenticate(state: &AppState, token: &str) -> Result<Authenticated, ApiError> {
    let (principal, expires_at) = state
        .tokens
        .verify_with_expiry(token)
        .map_err(ApiError::invalid_token)?;
    match caller::current_caller(state, principal.clone()).await? {
        Caller::Terminal {
            terminal_id,
            branch_id,
        } => Ok(Authenticated {
            principal,
            terminal: TerminalCaller {
                terminal_id,
                branch_id,
            },
            expires_at,
        }),
        Caller::Client { .. } | Caller::Channel { .. } => Err(ApiError::Forbidden(
            "the WebSocket is for terminals (scope terminal)".into(),
        )),
    }
}

/// A command as sent.
#[derive(Debug, Deserialize)]
struct Command {
    command: String,
    #[serde(default)]
    parameters: Map<String, Value>,
}

/// A socket whose token comes in its first message.
async fn serve_first_message(
    state: Arc<AppState>,
    mut session: Session,
    mut stream: AggregatedMessageStream,
) {
    match authenticate_first(&state, &mut session, &mut stream).await {
        Ok((caller, first)) => {
            Connection::new(state, session, caller)
                .serve(first, stream)
                .await
        }
        Err(reason) => {
            let _ = session.close(Some(reason)).await;
        }
    }
}

/// Waits for the first message to carry a token; it is then answered as any command.
async fn authenticate_first(
    state: &AppState,
    session: &mut Session,
    stream: &mut AggregatedMessageStream,
) -> Result<(Authenticated, Option<String>), CloseReason> {
    let deadline = Instant::now() + AUTH_DEADLINE;
    let no_token = || CloseReason {
        code: CloseCode::Policy,
        description: Some("the first message must carry a token, within 10 s".into()),
    };
    loop {
        let message = tokio::time::timeout_at(deadline, stream.recv())
            .await
            .map_err(|_| no_token())?;
        let text = match message {
            Some(Ok(AggregatedMessage::Text(text))) => text.to_string(),
            Some(Ok(AggregatedMessage::Ping(bytes))) => {
                session.pong(&bytes).await.map_err(|_| no_token())?;
                continue;
            }
            Some(Ok(AggregatedMessage::Pong(_))) => continue,
            Some(Err(err)) => return Err(protocol_close(&err)),
            _ => return Err(no_token()),
        };
        let token = serde_json::from_str::<Command>(&text)
            .ok()
            .and_then(|command| {
                command
                    .parameters
                    .get("api_key")?
                    .as_str()
                    .map(String::from)
            });
        let refusal = match token {
            None => ApiError::Unauthorized {
                error: None,
                detail: "the first message must carry the access token as parameters.api_key"
                    .into(),
            },
            Some(token) => match authenticate(state, &token).await {
                Ok(caller) => return Ok((caller, Some(text))),
                Err(refusal) => refusal,
            },
        };
        let _ = session.text(error_frame(&refusal, None).to_string()).await;
        return Err(CloseReason {
            code: CloseCode::Policy,
            description: Some(refusal.to_string()),
        });
    }
}

fn protocol_close(err: &actix_ws::ProtocolError) -> CloseReason {
    match err {
        actix_ws::ProtocolError::Overflow => CloseReason {
            code: CloseCode::Size,
            description: Some("the message is larger than the limit".into()),
        },
        other => CloseReason {
            code: CloseCode::Protocol,
            description: Some(other.to_string()),
        },
    }
}

/// An error message: the problem type's slug, the HTTP status it would have, what happened.
fn error_frame(refusal: &ApiError, command: Option<&str>) -> Value {
    use actix_web::ResponseError;
    let status = refusal.status_code();
    let message = if status.is_server_error() {
        tracing::error!(error = %refusal, "a socket command failed");
        "the hub failed; the cause is in its log".to_string()
    } else {
        refusal.to_string()
    };
    let mut result = json!({
        "error": refusal.problem_type().slug(),
        "code": status.as_u16(),
        "message": message,
    });
    if let Some(command) = command {
        result["command"] = command.into();
    }
    match refusal {
        ApiError::Domain(crate::error::DomainError::Invalid(errors)) => {
            result["errors"] = serde_json::to_value(errors).unwrap_or_default();
        }
        ApiError::OverBudget {
            retry_after_secs, ..
        } => result["retry_after_secs"] = (*retry_after_secs).into(),
        _ => {}
    }
    json!({"type": "error", "result": result})
}
