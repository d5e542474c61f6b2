//! Where the feeds stand, known in every hub process: the newest sequence number of each stream
//! (`stock:<branch>`, `master@<audience>`) and a `credentials` counter bumped by every change of
//! who may get in.
//!
//! A write announces the numbers it committed: in process, once its transaction committed (the
//! writer hands them over, see [`announcing`]), and to other processes through the database
//! (PostgreSQL `NOTIFY` in the writing transaction, delivered at commit; elsewhere the counter
//! rows are read on an interval, see [`watch`](super::watch)). The numbers only grow, so they
//! are merged by taking the larger: a late or repeated announcement changes nothing.
//!
//! Memory may answer "nothing new yet" only while the watcher is healthy; it never says what
//! changed, so a poll it answers can be late by the notification delay but never skip a change.

use std::{
    cell::RefCell,
    collections::HashMap,
    sync::{
        Mutex, RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use tokio::sync::watch;
use uuid::Uuid;

use super::feed::ALL_BRANCHES;
use crate::outbound::OUTBOX_STREAM;

/// The PostgreSQL channel announcements travel on.
pub const CHANNEL: &str = "hubshake_heads";
/// The stream bumped whenever a client's or branch's right to get in changes.
pub const CREDENTIALS: &str = "credentials";
/// Between a stream and its number in a `NOTIFY` payload's `stream=value` pairs (also written
/// by the SQL of [`allocate_announced`](super::feed::allocate_announced)).
pub const PAIR_SEPARATOR: &str = "=";
/// `NOTIFY` payloads must stay under 8,000 bytes.
const MAX_PAYLOAD: usize = 7_000;

/// The stream of the master changes one audience (a branch, or every branch) sees.
pub fn master_audience(audience: &str) -> String {
    format!("master@{audience}")
}

/// The stream of one branch's stock changes.
pub fn stock_stream(branch_id: Uuid) -> String {
    format!("stock:{branch_id}")
}

tokio::task_local! {
    /// What the write running in this task announced, handed over once it committed.
    static PENDING: RefCell<Vec<(String, i64)>>;
}

/// Announces, inside the writing transaction `txn`, that it moved `streams` to these numbers.
pub async fn advance<C: ConnectionTrait>(txn: &C, streams: &[(String, i64)]) -> Result<(), DbErr> {
    remember(streams);
    if txn.get_database_backend() == DbBackend::Postgres {
        for payload in payloads(streams) {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            ))
            .await?;
        }
    }
    Ok(())
}

/// Keeps what this task's write announces, for this process once it committed (other processes
/// hear of it through the database).
pub fn remember(streams: &[(String, i64)]) {
    // Outside `announcing` (the command line) only other processes need to hear of it.
    let _ = PENDING.try_with(|pending| pending.borrow_mut().extend(streams.iter().cloned()));
}

/// Forgets what this task's write announced so far: the savepoint that did it was rolled back.
pub fn forget_pending() {
    let _ = PENDING.try_with(|pending| pending.borrow_mut().clear());
}

/// `stream=value` pairs separated by spaces, cut to fit a `NOTIFY` payload.
fn payloads(streams: &[(String, i64)]) -> Vec<String> {
    let mut payloads = vec![String::new()];
    for (stream, value) in streams {
        let pair = format!("{stream}{PAIR_SEPARATOR}{value}");
        match payloads.last_mut() {
            Some(last) if last.len() + pair.len() < MAX_PAYLOAD => {
                if !last.is_empty() {
                    last.push(' ');
                }
                last.push_str(&pair);
            }
            _ => payloads.push(pair),
        }
    }
    payloads.retain(|payload| !payload.is_empty());
    payloads
}

/// The pairs of a `NOTIFY` payload; anything else in it is ignored.
pub fn parse_payload(payload: &str) -> Vec<(String, i64)> {
    payload
        .split_whitespace()
        .filter_map(|pair| {
            let (stream, value) = pair.split_once(PAIR_SEPARATOR)?;
            Some((stream.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// The feed heads this process knows.
pub struct Heads {
    streams: RwLock<HashMap<String, i64>>,
    /// Bumped by every change of credentials: what was learnt of callers before is stale.
    credentials: AtomicU64,
    /// Whether the watcher is keeping up: memory answers only then.
    healthy: AtomicBool,
    /// Ticks when what every branch sees moves (`master@*`), or credentials change.
    moved_everywhere: watch::Sender<u64>,
    /// Ticks when one branch's own heads move; made when a socket of the branch first waits.
    moved_at: Mutex<HashMap<Uuid, watch::Sender<u64>>>,
    /// Ticks when the outbox of events for third parties moves.
    outbox_moved: watch::Sender<u64>,
}

fn tick(sender: &watch::Sender<u64>) {
    sender.send_modify(|ticks| *ticks = ticks.wrapping_add(1));
}

/// The branch whose own stream `stream` is (`stock:<id>`, `master@<id>`).
fn branch_of(stream: &str) -> Option<Uuid> {
    let id = stream
        .strip_prefix("stock:")
        .or_else(|| stream.strip_prefix("master@"))?;
    Uuid::parse_str(id).ok()
}

impl Default for Heads {
    fn default() -> Self {
        Self {
            streams: RwLock::new(HashMap::new()),
            credentials: AtomicU64::new(0),
            healthy: AtomicBool::new(false),
            moved_everywhere: watch::Sender::new(0),
            moved_at: Mutex::new(HashMap::new()),
            outbox_moved: watch::Sender::new(0),
        }
    }
}

impl Heads {
    /// Runs `write` (which commits its own transaction) and, if it succeeded, applies what it
    /// announced; a handler's answer then already reflects the write in this process.
    pub async fn announcing<T, E>(
        &self,
        write: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let (result, announced) = PENDING
            .scope(RefCell::new(Vec::new()), async {
                let result = write.await;
                (result, PENDING.with(|pending| pending.take()))
            })
            .await;
        if result.is_ok() {
            self.apply(&announced);
        }
        result
    }

    /// Merges committed numbers in.
    pub fn apply(&self, streams: &[(String, i64)]) {
        let mut moved = Vec::new();
        if let Ok(mut known) = self.streams.write() {
            for (stream, value) in streams {
                let head = known.entry(stream.clone()).or_insert(0);
                if *value > *head {
                    *head = *value;
                    moved.push(stream.as_str());
                }
            }
        }
        if moved.contains(&CREDENTIALS) {
            self.credentials.fetch_add(1, Ordering::AcqRel);
        }
        let mut everywhere = false;
        if let Ok(channels) = self.moved_at.lock() {
            for stream in moved {
                if stream == OUTBOX_STREAM {
                    // Only deliveries wait on it: sockets are not woken by every sale.
                    tick(&self.outbox_moved);
                    continue;
                }
                match branch_of(stream) {
                    Some(branch_id) => {
                        if let Some(channel) = channels.get(&branch_id) {
                            tick(channel);
                        }
                    }
                    None => everywhere = true,
                }
            }
        }
        if everywhere {
            tick(&self.moved_everywhere);
        }
    }

    /// After the watcher lost touch: whatever it missed about credentials is assumed changed.
    pub fn forget_callers(&self) {
        self.credentials.fetch_add(1, Ordering::AcqRel);
        tick(&self.moved_everywhere);
    }

    pub fn set_healthy(&self, healthy: bool) {
        self.healthy.store(healthy, Ordering::Release);
    }

    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Acquire)
    }

    /// The credentials generation: a caller learnt under another one must be checked again.
    pub fn credentials_generation(&self) -> u64 {
        self.credentials.load(Ordering::Acquire)
    }

    /// Wakes when what every branch sees moves or credentials change (the first receiver), or
    /// when `branch_id`'s own heads move (the second).
    pub fn subscribe(&self, branch_id: Uuid) -> [watch::Receiver<u64>; 2] {
        let own = match self.moved_at.lock() {
            Ok(mut channels) => channels
                .entry(branch_id)
                .or_insert_with(|| watch::Sender::new(0))
                .subscribe(),
            // A poisoned table: the everywhere channel still wakes the socket.
            Err(_) => self.moved_everywhere.subscribe(),
        };
        [self.moved_everywhere.subscribe(), own]
    }

    /// Wakes when the outbox moves.
    pub fn outbox_moved(&self) -> watch::Receiver<u64> {
        self.outbox_moved.subscribe()
    }

    fn get(&self, stream: &str) -> i64 {
        self.streams
            .read()
            .ok()
            .and_then(|known| known.get(stream).copied())
            .unwrap_or(0)
    }

    /// The newest master change `branch_id`'s terminals see, as far as this process knows.
    pub fn master(&self, branch_id: Uuid) -> i64 {
        let everyone = self.get(&master_audience(ALL_BRANCHES));
        everyone.max(self.get(&master_audience(&branch_id.to_string())))
    }

    /// The newest change of `branch_id`'s stock feed, as far as this process knows.
    pub fn stock(&self, branch_id: Uuid) -> i64 {
        self.get(&stock_stream(branch_id))
    }

    /// Whether a reader at `cursor` of a feed whose known head is `head` may be told "nothing
    /// new" without asking the database.
    pub fn nothing_new(&self, cursor: i64, head: i64) -> bool {
        self.is_healthy() && cursor >= head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_stay_small() {
        let streams: Vec<(String, i64)> = (0..500)
            .map(|n| (master_audience(&Uuid::new_v4().to_string()), n))
            .collect();
        let payloads = payloads(&streams);
        assert!(payloads.len() > 1);
        assert!(payloads.iter().all(|payload| payload.len() < MAX_PAYLOAD));
        let parsed: Vec<_> = payloads.iter().flat_map(|p| parse_payload(p)).collect();
        assert_eq!(parsed, streams);
    }

    #[test]
    fn a_branch_wakes_for_its_own_streams_and_for_what_everyone_sees() {
        let heads = Heads::default();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let [everywhere, at_a] = heads.subscribe(a);
        heads.apply(&[(stock_stream(b), 1), (master_audience(&b.to_string()), 1)]);
        assert!(!everywhere.has_changed().unwrap() && !at_a.has_changed().unwrap());
        heads.apply(&[(stock_stream(a), 1)]);
        assert!(at_a.has_changed().unwrap() && !everywhere.has_changed().unwrap());
        heads.apply(&[(master_audience(ALL_BRANCHES), 1)]);
        assert!(everywhere.has_changed().unwrap());
    }

    #[test]
    fn the_outbox_wakes_deliveries_only() {
        let heads = Heads::default();
        let [everywhere, at_a] = heads.subscribe(Uuid::new_v4());
        let outbox = heads.outbox_moved();
        heads.apply(&[(OUTBOX_STREAM.into(), 3)]);
        assert!(outbox.has_changed().unwrap());
        assert!(!everywhere.has_changed().unwrap() && !at_a.has_changed().unwrap());
    }

    #[test]
    fn heads_only_grow_and_credentials_bump_the_generation() {
        let heads = Heads::default();
        let branch = Uuid::new_v4();
        heads.apply(&[(stock_stream(branch), 7), (master_audience("*"), 3)]);
        heads.apply(&[(stock_stream(branch), 5)]);
        assert_eq!(heads.stock(branch), 7);
        heads.apply(&[(master_audience(&branch.to_string()), 4)]);
        assert_eq!(heads.master(branch), 4);
        assert_eq!(heads.master(Uuid::new_v4()), 3);
        let generation = heads.credentials_generation();
        heads.apply(&[(CREDENTIALS.into(), 1)]);
        heads.apply(&[(CREDENTIALS.into(), 1)]);
        assert_eq!(heads.credentials_generation(), generation + 1);
        assert!(
            !heads.nothing_new(7, 7),
            "not before the watcher is healthy"
        );
        heads.set_healthy(true);
        assert!(heads.nothing_new(7, 7) && !heads.nothing_new(6, 7));
    }
}
