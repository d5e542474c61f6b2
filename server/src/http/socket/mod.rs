//! `GET /api/v1/ws`: a terminal's WebSocket, in seed 003's message model. The terminal sends
//! commands (`{"command": …, "parameters": {…}}`) and gets events or errors back; the hub
//! broadcasts `updatepos` when the branch's view of master data or its stock moved past what
//! the terminal was last told. Each command spends the client's socket budget.
//!
//! The token comes in the upgrade's `Authorization` header, or as `parameters.api_key` of the
//! first message (never in the URL). A socket whose terminal is deactivated is closed at once.

mod commands;

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::{
    sync::watch,
    time::{Instant, sleep_until},
};

use crate::{
    AppState,
    auth::{
        caller::{self, Caller, TerminalCaller},
        jwt::Principal,
    },
    budget::Spent,
    error::ApiError,
    problems::ProblemType,
};

/// How long a socket may stay without a token.
const AUTH_DEADLINE: Duration = Duration::from_secs(10);
/// Broadcasts to one socket are at least this far apart: a burst of changes is one message.
const BROADCAST_GAP: Duration = Duration::from_millis(500);
/// When a deactivation could not be checked (the database did not answer), the next try.
const RECHECK_AFTER: Duration = Duration::from_secs(1);
/// How often the hub pings; a socket silent for two of these is closed.
const PING_EVERY: Duration = Duration::from_secs(20);

/// Upgrades to a WebSocket. A token in the header is checked first (401 without an upgrade).
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = match req.headers().contains_key(header::AUTHORIZATION) {
        true => Some(authenticate(&state, &caller::bearer_token(&req)?).await?),
        false => None,
    };
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::BadRequest(format!("not a WebSocket upgrade: {e}")))?;
    let limit = state.body_limit;
    let stream = stream
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    actix_web::rt::spawn(serve(state.into_inner(), session, stream, caller));
    Ok(response)
}

/// A terminal's verified token and who it is.
async fn authenticate(
    state: &AppState,
    token: &str,
) -> Result<(Principal, TerminalCaller), ApiError> {
    let principal = state
        .tokens
        .verify(token)
        .map_err(ApiError::invalid_token)?;
    match caller::current_caller(state, principal.clone()).await? {
        Caller::Terminal {
            terminal_id,
            branch_id,
        } => Ok((
            principal,
            TerminalCaller {
                terminal_id,
                branch_id,
            },
        )),
        Caller::Client { .. } => Err(ApiError::Forbidden(
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

/// What the socket knows of its terminal and what it told it.
struct Connection {
    state: std::sync::Arc<AppState>,
    session: Session,
    principal: Principal,
    terminal: TerminalCaller,
    /// Whom budgets know it as.
    client: String,
    credentials: u64,
    /// The heads the terminal was last told (master, stock).
    told: (i64, i64),
    last_broadcast: Option<Instant>,
}

enum Next {
    Continue,
    Close(CloseReason),
}

fn close(code: CloseCode, description: &str) -> Next {
    Next::Close(CloseReason {
        code,
        description: Some(description.into()),
    })
}

async fn serve(
    state: std::sync::Arc<AppState>,
    mut session: Session,
    mut stream: AggregatedMessageStream,
    caller: Option<(Principal, TerminalCaller)>,
) {
    let (caller, first) = match caller {
        Some(caller) => (caller, None),
        None => match authenticate_first(&state, &mut session, &mut stream).await {
            Ok(authenticated) => authenticated,
            Err(reason) => {
                let _ = session.close(Some(reason)).await;
                return;
            }
        },
    };
    let (principal, terminal) = caller;
    let heads = &state.heads;
    let [mut everywhere, mut at_branch] = heads.subscribe(terminal.branch_id);
    let mut connection = Connection {
        credentials: heads.credentials_generation(),
        told: (
            heads.master(terminal.branch_id),
            heads.stock(terminal.branch_id),
        ),
        state: state.clone(),
        session,
        client: Caller::Terminal {
            terminal_id: terminal.terminal_id,
            branch_id: terminal.branch_id,
        }
        .client_name(),
        principal,
        terminal,
        last_broadcast: None,
    };
    if let Some(first) = first
        && connection.answer(first).await.is_err()
    {
        return;
    }
    let reason = connection
        .run(&mut stream, &mut everywhere, &mut at_branch)
        .await;
    let _ = connection.session.close(reason).await;
}

/// Waits for the first message to carry a token; it is then answered as any command.
async fn authenticate_first(
    state: &AppState,
    session: &mut Session,
    stream: &mut AggregatedMessageStream,
) -> Result<((Principal, TerminalCaller), Option<String>), CloseReason> {
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

impl Connection {
    async fn run(
        &mut self,
        stream: &mut AggregatedMessageStream,
        everywhere: &mut watch::Receiver<u64>,
        at_branch: &mut watch::Receiver<u64>,
    ) -> Option<CloseReason> {
        let mut pings = tokio::time::interval(PING_EVERY);
        let mut last_heard = Instant::now();
        let mut pending_broadcast: Option<Instant> = None;
        let mut recheck: Option<Instant> = None;
        loop {
            let next = tokio::select! {
                message = stream.recv() => {
                    last_heard = Instant::now();
                    self.received(message).await
                }
                changed = everywhere.changed() => match changed {
                    Ok(()) => self.heads_moved(&mut pending_broadcast, &mut recheck).await,
                    Err(_) => close(CloseCode::Away, "the hub is stopping"),
                },
                changed = at_branch.changed() => match changed {
                    Ok(()) => self.heads_moved(&mut pending_broadcast, &mut recheck).await,
                    Err(_) => close(CloseCode::Away, "the hub is stopping"),
                },
                () = sleep_until(pending_broadcast.unwrap_or_else(far_future)), if pending_broadcast.is_some() => {
                    pending_broadcast = None;
                    self.broadcast().await
                }
                () = sleep_until(recheck.unwrap_or_else(far_future)), if recheck.is_some() => {
                    recheck = None;
                    self.heads_moved(&mut pending_broadcast, &mut recheck).await
                }
                _ = pings.tick() => {
                    if last_heard.elapsed() > 2 * PING_EVERY {
                        close(CloseCode::Away, "no answer to pings")
                    } else if self.session.ping(b"").await.is_err() {
                        return None;
                    } else {
                        Next::Continue
                    }
                }
            };
            if let Next::Close(reason) = next {
                return Some(reason);
            }
        }
    }

    async fn received(
        &mut self,
        message: Option<Result<AggregatedMessage, actix_ws::ProtocolError>>,
    ) -> Next {
        match message {
            Some(Ok(AggregatedMessage::Text(text))) => match self.answer(text.to_string()).await {
                Ok(()) => Next::Continue,
                Err(()) => close(CloseCode::Normal, "gone"),
            },
            Some(Ok(AggregatedMessage::Binary(_))) => {
                let refusal = ApiError::BadRequest("messages are JSON text, not binary".into());
                self.send(error_frame(&refusal, None)).await
            }
            Some(Ok(AggregatedMessage::Ping(bytes))) => match self.session.pong(&bytes).await {
                Ok(()) => Next::Continue,
                Err(_) => close(CloseCode::Normal, "gone"),
            },
            Some(Ok(AggregatedMessage::Pong(_))) => Next::Continue,
            Some(Ok(AggregatedMessage::Close(_))) | None => close(CloseCode::Normal, "bye"),
            Some(Err(err)) => Next::Close(protocol_close(&err)),
        }
    }

    /// Answers one message: an event, or an error that keeps the socket open.
    async fn answer(&mut self, text: String) -> Result<(), ()> {
        let frame = match serde_json::from_str::<Command>(&text) {
            Err(err) => error_frame(
                &ApiError::BadRequest(format!(
                    "not a command ({{\"command\": …, \"parameters\": {{…}}}}): {err}"
                )),
                None,
            ),
            Ok(command) => self.run_command(command).await,
        };
        match self.send(frame).await {
            Next::Continue => Ok(()),
            Next::Close(_) => Err(()),
        }
    }

    async fn run_command(&mut self, mut command: Command) -> Value {
        let name = command.command.as_str();
        let Some(cost) = commands::cost(name) else {
            return json!({"type": "error", "result": {
                "error": ProblemType::UnknownCommand.slug(),
                "code": 404,
                "message": format!("no command {name}; README lists them"),
                "command": name,
            }});
        };
        let budgets = &self.state.budgets.socket;
        if let Spent::Refused { retry_after_secs } = budgets.spend(&self.client, cost) {
            let refusal = ApiError::OverBudget {
                detail: format!(
                    "{name} costs {cost} of this terminal's budget of {}; retry in {retry_after_secs} s",
                    budgets.budget()
                ),
                retry_after_secs,
                policy: String::new(),
                rate: String::new(),
            };
            let mut frame = error_frame(&refusal, Some(name));
            frame["result"]["retry_after_secs"] = retry_after_secs.into();
            return frame;
        }
        command.parameters.remove("api_key");
        match commands::run(&self.state, self.terminal, name, command.parameters).await {
            Ok(parameters) => {
                json!({"type": "event", "result": {"event": name, "parameters": parameters}})
            }
            Err(refusal) => error_frame(&refusal, Some(name)),
        }
    }

    /// Heads moved, or credentials changed somewhere: checks the terminal is still allowed in
    /// (again in a second when the database could not say), then tells it, at most once per
    /// [`BROADCAST_GAP`].
    async fn heads_moved(
        &mut self,
        pending: &mut Option<Instant>,
        recheck: &mut Option<Instant>,
    ) -> Next {
        let generation = self.state.heads.credentials_generation();
        if generation != self.credentials {
            match caller::current_caller(&self.state, self.principal.clone()).await {
                Ok(_) => self.credentials = generation,
                Err(refusal) if refusal.problem_type() == ProblemType::InvalidToken => {
                    return close(CloseCode::Policy, "the terminal was deactivated");
                }
                Err(_) => *recheck = Some(Instant::now() + RECHECK_AFTER),
            }
        }
        if pending.is_some() || !self.behind() {
            return Next::Continue;
        }
        match self.last_broadcast {
            Some(last) if last.elapsed() < BROADCAST_GAP => {
                *pending = Some(last + BROADCAST_GAP);
                Next::Continue
            }
            _ => self.broadcast().await,
        }
    }

    /// Whether the branch's heads moved past what the terminal was told.
    fn behind(&self) -> bool {
        let heads = &self.state.heads;
        let branch_id = self.terminal.branch_id;
        heads.master(branch_id) > self.told.0 || heads.stock(branch_id) > self.told.1
    }

    async fn broadcast(&mut self) -> Next {
        if !self.behind() {
            return Next::Continue;
        }
        let heads = &self.state.heads;
        let branch_id = self.terminal.branch_id;
        self.told = (heads.master(branch_id), heads.stock(branch_id));
        self.last_broadcast = Some(Instant::now());
        self.send(json!({"type": "broadcast", "result": {
            "message": "updatepos",
            "parameters": {"master": self.told.0, "stock": self.told.1},
        }}))
        .await
    }

    async fn send(&mut self, frame: Value) -> Next {
        match self.session.text(frame.to_string()).await {
            Ok(()) => Next::Continue,
            Err(_) => close(CloseCode::Normal, "gone"),
        }
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(24 * 3600)
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
    if let ApiError::Domain(crate::error::DomainError::Invalid(errors)) = refusal {
        result["errors"] = serde_json::to_value(errors).unwrap_or_default();
    }
    json!({"type": "error", "result": result})
}
