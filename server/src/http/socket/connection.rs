//! One authenticated socket: its commands, its broadcasts, its pings, and the check that its
//! terminal is still allowed in.

use std::{sync::Arc, time::Duration};

use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use serde_json::{Value, json};
use tokio::{
    sync::watch,
    time::{Instant, sleep_until},
};

use super::{Authenticated, Command, commands, error_frame, protocol_close};
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

/// Broadcasts to one socket are at least this far apart: a burst of changes is one message.
const BROADCAST_GAP: Duration = Duration::from_millis(500);
/// When a deactivation could not be checked (the database did not answer), the next try.
const RECHECK_AFTER: Duration = Duration::from_secs(1);
/// How often the hub pings; a socket silent for two of these is closed.
const PING_EVERY: Duration = Duration::from_secs(20);

/// What the socket knows of its terminal and what it told it.
pub(super) struct Connection {
    state: Arc<AppState>,
    session: Session,
    principal: Principal,
    terminal: TerminalCaller,
    /// Whom budgets know it as.
    client: String,
    credentials: u64,
    /// The heads the terminal was last told (master, stock).
    told: (i64, i64),
    last_broadcast: Option<Instant>,
    /// Wakes when what every branch sees moves, or credentials change.
    everywhere: watch::Receiver<u64>,
    /// Wakes when the branch's own heads move.
    at_branch: watch::Receiver<u64>,
    /// The socket ends with its token: the terminal reconnects with a new one.
    token_expires: Instant,
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

impl Connection {
    pub(super) fn new(state: Arc<AppState>, session: Session, caller: Authenticated) -> Self {
        let Authenticated {
            principal,
            terminal,
            expires_at,
        } = caller;
        let token_left = (expires_at - chrono::Utc::now())
            .to_std()
            .unwrap_or_default();
        let heads = &state.heads;
        // Subscribed before the heads are read: a change in between wakes the socket.
        let [everywhere, at_branch] = heads.subscribe(terminal.branch_id);
        Connection {
            token_expires: Instant::now() + token_left,
            everywhere,
            at_branch,
            credentials: heads.credentials_generation(),
            told: (
                heads.master(terminal.branch_id),
                heads.stock(terminal.branch_id),
            ),
            client: Caller::Terminal {
                terminal_id: terminal.terminal_id,
                branch_id: terminal.branch_id,
            }
            .client_name(),
            state,
            session,
            principal,
            terminal,
            last_broadcast: None,
        }
    }

    /// Answers the first message (when it carried the token), then serves until the socket ends.
    pub(super) async fn serve(
        mut self,
        first: Option<String>,
        mut stream: AggregatedMessageStream,
    ) {
        if let Some(first) = first
            && self.answer(first).await.is_err()
        {
            return;
        }
        let reason = self.run(&mut stream).await;
        let _ = self.session.close(reason).await;
    }
}

impl Connection {
    async fn run(&mut self, stream: &mut AggregatedMessageStream) -> Option<CloseReason> {
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
                changed = self.everywhere.changed() => match changed {
                    Ok(()) => self.heads_moved(&mut pending_broadcast, &mut recheck).await,
                    Err(_) => close(CloseCode::Away, "the hub is stopping"),
                },
                changed = self.at_branch.changed() => match changed {
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
                () = sleep_until(self.token_expires) => {
                    close(CloseCode::Policy, "the token expired; reconnect with a new one")
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
            return error_frame(&ApiError::UnknownCommand(name.into()), Some(name));
        };
        let budgets = &self.state.budgets.socket;
        let spent = budgets.spend(&self.client, cost);
        if let Spent::Refused { retry_after_secs } = spent {
            let refusal = ApiError::OverBudget {
                detail: format!(
                    "{name} costs {cost} of this terminal's budget of {}; retry in {retry_after_secs} s",
                    budgets.budget()
                ),
                retry_after_secs,
                policy: budgets.budget().policy_header("socket"),
                rate: budgets.rate_header("socket", spent),
            };
            return error_frame(&refusal, Some(name));
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
