//! The hub's WebSocket from the terminal's side: the hub broadcasts `updatepos` when the
//! branch's master data or stock moved, and the run loop then runs a cycle at once. The socket
//! is reopened with backoff and jitter whenever it drops; polling on the interval stays the
//! safety net.

use std::time::Duration;

use futures_util::StreamExt;
use rand::Rng;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{
    Message,
    client::IntoClientRequest,
    http::{HeaderValue, header::AUTHORIZATION},
};

use crate::{hub::Hub, settings::ApiAuth};

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What the listener tells the run loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushEvent {
    /// The socket is open: whatever was broadcast while it was not is unknown, so sync now.
    Connected,
    /// The hub said the branch's data moved.
    Update,
    Disconnected(String),
}

/// The socket's address for a hub at `host` (`http://…` or `https://…`).
pub fn socket_url(host: &str) -> String {
    let host = host
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    format!("{host}/api/v1/ws")
}

/// Keeps the socket open for as long as `events` has a receiver.
pub async fn listen(auth: ApiAuth, events: mpsc::Sender<PushEvent>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let lost = match listen_once(&auth, &events).await {
            Ok(()) => {
                backoff = FIRST_BACKOFF;
                "the hub closed the socket".to_string()
            }
            Err(err) => err.to_string(),
        };
        if events.send(PushEvent::Disconnected(lost)).await.is_err() {
            return;
        }
        let jitter = rand::rng().random_range(0..=backoff.as_millis() as u64);
        tokio::time::sleep(backoff + Duration::from_millis(jitter)).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// An open socket of the hub.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the hub's socket at `host` with `token` in the upgrade's `Authorization` header.
pub async fn open(host: &str, token: &str) -> anyhow::Result<Socket> {
    let mut request = socket_url(host).into_client_request()?;
    request.headers_mut().insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

async fn listen_once(auth: &ApiAuth, events: &mpsc::Sender<PushEvent>) -> anyhow::Result<()> {
    let token = Hub::new(auth)?.bearer().await?;
    let mut socket = open(&auth.host, &token).await?;
    if events.send(PushEvent::Connected).await.is_err() {
        return Ok(());
    }
    // Pings are answered by tungstenite as the stream is read.
    while let Some(message) = socket.next().await {
        let text = match message? {
            Message::Text(text) => text,
            Message::Close(_) => return Ok(()),
            _ => continue,
        };
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let is_update = frame["type"] == "broadcast" && frame["result"]["message"] == "updatepos";
        // One waiting update is as good as many: during a long cycle the socket is still read.
        if is_update
            && let Err(mpsc::error::TrySendError::Closed(_)) = events.try_send(PushEvent::Update)
        {
            return Ok(());
        }
    }
    Ok(())
}
