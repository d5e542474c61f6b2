//! The agent's own warnings and errors, for head office's support: a tracing layer keeps them in
//! memory as they happen, each cycle moves them to the local database (so a cycle that cannot
//! reach the hub loses none) and uploads what is kept, oldest first.

use std::{
    fmt::Write,
    sync::{Mutex, PoisonError},
};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{Event, Level, Subscriber, field::Field};
use tracing_subscriber::{Layer, layer::Context};

/// A line as the hub takes it.
#[derive(Clone, Debug, Serialize)]
pub struct LogLine {
    pub level: &'static str,
    pub at: DateTime<Utc>,
    pub component: String,
    pub message: String,
}

/// Lines logged since the last cycle took them.
static CAUGHT: Mutex<Vec<LogLine>> = Mutex::new(Vec::new());
/// Lines kept in memory at most between two cycles; past that, the newest are left out.
const MAX_CAUGHT: usize = 10_000;

/// Keeps every warning and error the agent logs.
pub struct Catcher;

impl<S: Subscriber> Layer<S> for Catcher {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let metadata = event.metadata();
        let level = match *metadata.level() {
            Level::ERROR => "error",
            Level::WARN => "warn",
            _ => return,
        };
        let mut text = Text::default();
        event.record(&mut text);
        let mut caught = CAUGHT.lock().unwrap_or_else(PoisonError::into_inner);
        if caught.len() < MAX_CAUGHT {
            caught.push(LogLine {
                level,
                at: Utc::now(),
                component: metadata.target().chars().take(100).collect(),
                message: text.0.chars().take(4000).collect(),
            });
        }
    }
}

/// An event's message followed by its other fields as `name=value`.
#[derive(Default)]
struct Text(String);

impl tracing::field::Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let separator = if self.0.is_empty() { "" } else { " " };
        let _ = if field.name() == "message" {
            write!(self.0, "{separator}{value:?}")
        } else {
            write!(self.0, "{separator}{}={value:?}", field.name())
        };
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let separator = if self.0.is_empty() { "" } else { " " };
        let _ = if field.name() == "message" {
            write!(self.0, "{separator}{value}")
        } else {
            write!(self.0, "{separator}{}={value}", field.name())
        };
    }
}

/// The lines caught since the last call.
pub fn take_caught() -> Vec<LogLine> {
    std::mem::take(&mut *CAUGHT.lock().unwrap_or_else(PoisonError::into_inner))
}
