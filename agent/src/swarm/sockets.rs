//! Terminals holding the hub's WebSocket while an admin writes a change a second: how long each
//! change takes from the admin's request to the `updatepos` at every socket, and the hub's memory.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::{Plan, admin_of, percentile_ms, register, watch_rss};
use crate::{
    hub::HubError,
    push::{self, Socket},
};

/// Sockets opened at once while the swarm connects.
const CONNECTING_AT_ONCE: usize = 200;
/// How long after the last change the sockets keep listening for its broadcast.
const GRACE: Duration = Duration::from_secs(3);

#[derive(Debug, Serialize)]
pub struct SocketReport {
    pub sockets: usize,
    pub connect_seconds: f64,
    pub changes: usize,
    /// (change, socket) pairs told by a broadcast.
    pub told: usize,
    /// (change, socket) pairs never told.
    pub missed: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub hub_max_rss_mib: Option<f64>,
}

impl SocketReport {
    pub fn table(&self) -> String {
        format!(
            "{} sockets (open in {:.1} s), {} changes: {} told, {} missed; request to updatepos \
             p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms{}\n",
            self.sockets,
            self.connect_seconds,
            self.changes,
            self.told,
            self.missed,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.hub_max_rss_mib
                .map(|m| format!("; hub RSS max {m:.0} MiB"))
                .unwrap_or_default()
        )
    }
}

/// When each change's request was sent, in order.
type Changes = Arc<Mutex<Vec<Instant>>>;

pub async fn run(plan: &Plan) -> Result<SocketReport, HubError> {
    let (hubs, _, _) = register(plan).await?;
    let started = Instant::now();
    let changes: Changes = Arc::default();
    let mut sockets = Vec::with_capacity(hubs.len());
    let mut hubs = hubs.into_iter();
    loop {
        let batch: Vec<_> = hubs.by_ref().take(CONNECTING_AT_ONCE).collect();
        if batch.is_empty() {
            break;
        }
        let mut opening = Vec::new();
        for mut hub in batch {
            let host = plan.hub.trim_end_matches('/').to_string();
            opening.push(tokio::spawn(async move {
                let token = hub.bearer().await?;
                push::open(&host, &token)
                    .await
                    .map_err(|e| HubError::Token(format!("socket: {e:#}")))
            }));
        }
        for socket in opening {
            let socket = socket
                .await
                .map_err(|e| HubError::Token(format!("a socket task failed: {e}")))??;
            sockets.push(socket);
        }
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    let deadline = tokio::time::Instant::now() + plan.duration;
    let memory = plan
        .hub_pid
        .map(|pid| tokio::spawn(watch_rss(pid, Instant::now() + plan.duration + GRACE)));
    let listeners: Vec<_> = sockets
        .into_iter()
        .map(|socket| tokio::spawn(listen(socket, changes.clone(), deadline + GRACE)))
        .collect();

    let mut admin = admin_of(plan, Duration::from_secs(30)).await?;
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let mut made = 0;
    while tokio::time::Instant::now() < deadline {
        ticks.tick().await;
        if let Ok(mut changes) = changes.lock() {
            changes.push(Instant::now());
        }
        let _: Value = admin
            .call(
                Method::PUT,
                "/api/v1/settings/swarm.tick",
                Some(&json!({ "value": made.to_string() })),
            )
            .await?;
        made += 1;
    }
    let mut latencies = Vec::new();
    for listener in listeners {
        if let Ok(told) = listener.await {
            latencies.extend(told);
        }
    }
    latencies.sort();
    let at = |q| percentile_ms(&latencies, q);
    let sockets = plan.terminals;
    Ok(SocketReport {
        sockets,
        connect_seconds,
        changes: made,
        told: latencies.len(),
        missed: (made * sockets).saturating_sub(latencies.len()),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: percentile_ms(&latencies, 1.0),
        hub_max_rss_mib: match memory {
            Some(task) => task.await.ok().flatten(),
            None => None,
        },
    })
}

/// Reads broadcasts until `until`; each tells every change sent before it and not told yet,
/// with its latency.
async fn listen(
    mut socket: Socket,
    changes: Changes,
    until: tokio::time::Instant,
) -> Vec<Duration> {
    let mut told = Vec::new();
    let mut next = 0;
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(until, socket.next()).await {
        let Message::Text(text) = message else {
            continue;
        };
        let arrived = Instant::now();
        let is_update = serde_json::from_str::<Value>(&text)
            .is_ok_and(|frame| frame["result"]["message"] == "updatepos");
        if !is_update {
            continue;
        }
        let Ok(changes) = changes.lock() else {
            break;
        };
        while let Some(sent) = changes.get(next).filter(|sent| **sent <= arrived) {
            told.push(arrived - *sent);
            next += 1;
        }
    }
    told
}
