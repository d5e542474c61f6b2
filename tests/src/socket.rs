//! A WebSocket client of the hub's `/api/v1/ws`, as a terminal would open it.

use std::{collections::VecDeque, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{self, Message, client::IntoClientRequest, http::HeaderValue},
};

/// How long a test waits for the hub's next message before it fails.
pub const WAIT: Duration = Duration::from_secs(15);

pub struct Socket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Broadcasts that arrived while an answer was awaited, oldest first.
    pub broadcasts: VecDeque<Value>,
}

/// The socket's address for a hub at `base` (`http://host:port`).
pub fn socket_url(base: &str) -> String {
    format!("{}/api/v1/ws", base.replacen("http://", "ws://", 1))
}

/// What the socket's end looked like.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// A close frame with this code.
    Closed(u16),
    /// The connection dropped without one.
    Dropped,
}

impl Socket {
    /// Opens the socket, with `token` in the `Authorization` header when given.
    pub async fn try_open(base: &str, token: Option<&str>) -> Result<Socket, tungstenite::Error> {
        let mut request = socket_url(base).into_client_request()?;
        if let Some(token) = token {
            request.headers_mut().insert(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
        }
        let (ws, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Socket {
            ws,
            broadcasts: VecDeque::new(),
        })
    }

    /// The HTTP status the upgrade was refused with; none when the socket opened.
    pub async fn refused_with(base: &str, token: Option<&str>) -> Option<u16> {
        match Self::try_open(base, token).await {
            Ok(_) => None,
            Err(tungstenite::Error::Http(response)) => Some(response.status().as_u16()),
            Err(other) => panic!("the upgrade failed otherwise: {other}"),
        }
    }

    pub async fn open(base: &str, token: Option<&str>) -> Socket {
        Self::try_open(base, token).await.expect("the socket opens")
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws
            .send(Message::Text(text.into()))
            .await
            .expect("the message is sent");
    }

    /// Sends a command and returns its answer (an event or an error); broadcasts that come
    /// first are kept in `broadcasts`.
    pub async fn command(&mut self, command: &str, parameters: Value) -> Value {
        let frame = json!({ "command": command, "parameters": parameters });
        self.send_text(&frame.to_string()).await;
        self.answer().await
    }

    /// The next message that is not a broadcast.
    pub async fn answer(&mut self) -> Value {
        loop {
            let frame = self
                .next_frame(WAIT)
                .await
                .expect("the hub answers before closing");
            if frame["type"] == "broadcast" {
                self.broadcasts.push_back(frame);
            } else {
                return frame;
            }
        }
    }

    /// The next broadcast (kept or new), waiting up to `within`.
    pub async fn broadcast(&mut self, within: Duration) -> Option<Value> {
        if let Some(kept) = self.broadcasts.pop_front() {
            return Some(kept);
        }
        let frame = self.next_frame(within).await?;
        assert_eq!(frame["type"], "broadcast", "unexpected message {frame}");
        Some(frame)
    }

    /// The next text message as JSON; none when the socket ends or `within` passes.
    pub async fn next_frame(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let message = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??;
            match message.ok()? {
                Message::Text(text) => {
                    return Some(serde_json::from_str(&text).expect("the hub sends JSON"));
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Reads until the socket ends (within [`WAIT`]) and says how; text messages on the way
    /// are returned too.
    pub async fn ending(&mut self) -> (Ending, Vec<Value>) {
        let mut frames = Vec::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let message = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .expect("the hub ends the socket in time");
            match message {
                Some(Ok(Message::Text(text))) => frames.push(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.map_or(1005, |f| u16::from(f.code));
                    return (Ending::Closed(code), frames);
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return (Ending::Dropped, frames),
            }
        }
    }
}
