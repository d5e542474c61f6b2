//! The hub's metrics in Prometheus text format: requests by route and status with latency
//! histograms, ingest results, token issues and refusals, throttled calls, outbound deliveries,
//! feed heads (the outbox's among them), and the database pool. Each hub has its own recorder (no global one), so several hubs in one process,
//! as in the tests, keep their own counts.

use std::time::Duration;

use metrics::{Recorder, counter, gauge, histogram, with_local_recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::sync::feed;

/// Seconds: request latencies fall in these buckets.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// How often recorded samples are folded into their buckets when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Default for Metrics {
    fn default() -> Self {
        let builder = PrometheusBuilder::new();
        // Buckets (not summaries), so that replicas' latencies add up in Prometheus.
        let builder = match builder.set_buckets(LATENCY_BUCKETS) {
            Ok(with_buckets) => with_buckets,
            Err(_) => PrometheusBuilder::new(),
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        Self { recorder, handle }
    }
}

impl Metrics {
    /// Records into this hub's recorder whatever `record` records with the `metrics` macros.
    fn record(&self, record: impl FnOnce()) {
        with_local_recorder(&self.recorder as &dyn Recorder, record)
    }

    /// A request answered: its route pattern (not the path, which holds ids), method and status.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let (route, method, status) = (route.to_string(), method.to_string(), status.to_string());
        self.record(|| {
            counter!("hubshake_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
                .increment(1);
            histogram!("hubshake_http_request_duration_seconds", "route" => route, "method" => method)
                .record(seconds);
        });
    }

    /// The results of one batch of transactions, by result (`accepted`, `duplicate`, …).
    pub fn ingested(&self, results: impl IntoIterator<Item = &'static str>) {
        self.record(|| {
            for result in results {
                counter!("hubshake_ingest_results_total", "result" => result).increment(1);
            }
        });
    }

    /// A token issued, for a client of `scope`.
    pub fn token_issued(&self, scope: &'static str) {
        self.record(|| counter!("hubshake_tokens_issued_total", "scope" => scope).increment(1));
    }

    /// A token request refused, with its RFC 6749 error (`invalid_client`, …).
    pub fn token_refused(&self, error: &'static str) {
        self.record(|| counter!("hubshake_token_refusals_total", "error" => error).increment(1));
    }

    /// One POST to a receiver: its outcome (`delivered`, `failed`), the events it carried and
    /// how long the receiver took.
    pub fn outbound_attempt(&self, outcome: &'static str, events: usize, seconds: f64) {
        self.record(|| {
            counter!("hubshake_outbound_attempts_total", "outcome" => outcome).increment(1);
            if outcome == "delivered" {
                counter!("hubshake_outbound_events_delivered_total").increment(events as u64);
            }
            histogram!("hubshake_outbound_post_duration_seconds").record(seconds);
        });
    }

    /// A token request turned away by the throttle.
    pub fn throttled(&self) {
        self.record(|| counter!("hubshake_throttled_total").increment(1));
    }

    /// The scrape: what was recorded, and the gauges read now (feed heads, the pool).
    pub async fn render(&self, db: &DatabaseConnection) -> String {
        let heads = feed::heads(db).await;
        let (in_use, idle) = pool_usage(db);
        self.record(|| {
            // A database that cannot be read leaves out the heads, not the whole scrape.
            for (stream, head) in heads.into_iter().flatten() {
                gauge!("hubshake_feed_head", "stream" => stream).set(head as f64);
            }
            gauge!("hubshake_db_pool_connections", "state" => "in_use").set(in_use as f64);
            gauge!("hubshake_db_pool_connections", "state" => "idle").set(idle as f64);
        });
        self.handle.render()
    }

    /// Folds recorded samples into their buckets, so memory stays flat between scrapes.
    pub async fn keep_up(&self) {
        let mut every = tokio::time::interval(UPKEEP_EVERY);
        loop {
            every.tick().await;
            self.handle.run_upkeep();
        }
    }
}

/// Connections of the pool handed out and idle.
fn pool_usage(db: &DatabaseConnection) -> (u32, u32) {
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::MySql => {
            let pool = db.get_mysql_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    (size.saturating_sub(idle), idle)
}
