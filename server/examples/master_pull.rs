//! Benchmark of the master-data feed: one fresh terminal pulls a 100,000-item catalogue, then
//! polls for changes when there are none. Run in release:
//!
//! ```sh
//! cargo run --release -p hubshake --example master_pull                       # SQLite in a temp dir
//! cargo run --release -p hubshake --example master_pull -- postgres://postgres@127.0.0.1:5432/bench
//! ```
//!
//! The database named on the command line must exist and be empty.

use std::time::Instant;

mod kit;

use hubshake::{Application, config::Settings};
use kit::{quantile_ms, token};
use serde_json::{Value, json};

const ITEMS: usize = 100_000;
const IMPORT_BATCH: usize = 5_000;
const PAGE: usize = 5_000;
const EMPTY_POLLS: usize = 2_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url = std::env::args().nth(1).unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: database_url.clone(),
        admin_client_id: Some("bench".into()),
        admin_client_secret: Some("bench-secret".into()),
        log: "warn".into(),
        ..Settings::default()
    };
    let app = Application::build(settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::new();

    let admin = token(&http, &base, "bench", "bench-secret").await?;
    let branch: Value = http
        .post(format!("{base}/api/v1/branches"))
        .bearer_auth(&admin)
        .json(&json!({ "code": "BENCH", "name": "Bench", "pos_type": "retail" }))
        .send()
        .await?
        .json()
        .await?;
    let terminal: Value = http
        .post(format!(
            "{base}/api/v1/branches/{}/terminals",
            branch["id"].as_str().unwrap_or_default()
        ))
        .bearer_auth(&admin)
        .json(&json!({ "name": "Bench till" }))
        .send()
        .await?
        .json()
        .await?;

    let started = Instant::now();
    for batch in 0..ITEMS / IMPORT_BATCH {
        let rows: Vec<Value> = (0..IMPORT_BATCH)
            .map(|n| {
                json!({
                    "sku": format!("SKU-{batch:02}-{n:05}"),
                    "name": format!("Benchmark item {batch}/{n}"),
                    "base_price": "123.45",
                    "tax_rate": "12",
                    "barcodes": [format!("48{batch:02}{n:07}")],
                })
            })
            .collect();
        let answer = http
            .post(format!("{base}/api/v1/items/import"))
            .bearer_auth(&admin)
            .json(&json!({ "items": rows }))
            .send()
            .await?;
        anyhow::ensure!(
            answer.status().is_success(),
            "import failed: {}",
            answer.text().await?
        );
    }
    let import_time = started.elapsed();

    let terminal_token = token(
        &http,
        &base,
        terminal["client_id"].as_str().unwrap_or_default(),
        terminal["client_secret"].as_str().unwrap_or_default(),
    )
    .await?;
    let started = Instant::now();
    let (mut cursor, mut received) = (0i64, 0usize);
    loop {
        let page: Value = http
            .get(format!(
                "{base}/api/v1/sync/master?cursor={cursor}&limit={PAGE}"
            ))
            .bearer_auth(&terminal_token)
            .send()
            .await?
            .json()
            .await?;
        received += page["changes"].as_array().map_or(0, Vec::len);
        cursor = page["next_cursor"].as_i64().unwrap_or(cursor);
        if page["has_more"] != true {
            break;
        }
    }
    let full_pull = started.elapsed();
    anyhow::ensure!(
        received == ITEMS,
        "pulled {received} changes, expected {ITEMS}"
    );

    let mut latencies = Vec::with_capacity(EMPTY_POLLS);
    for _ in 0..EMPTY_POLLS {
        let started = Instant::now();
        let answer = http
            .get(format!("{base}/api/v1/sync/master?cursor={cursor}"))
            .bearer_auth(&terminal_token)
            .send()
            .await?;
        anyhow::ensure!(answer.status().is_success());
        answer.bytes().await?;
        latencies.push(started.elapsed());
    }
    latencies.sort();

    println!(
        "database: {}",
        database_url.split(':').next().unwrap_or_default()
    );
    println!(
        "import of {ITEMS} items in batches of {IMPORT_BATCH}: {:.2} s",
        import_time.as_secs_f64()
    );
    println!(
        "full pull of {ITEMS} items, pages of {PAGE}: {:.2} s",
        full_pull.as_secs_f64()
    );
    println!(
        "empty poll, {EMPTY_POLLS} sequential: p50 {:.2} ms, p99 {:.2} ms",
        quantile_ms(&latencies, 0.50),
        quantile_ms(&latencies, 0.99)
    );
    Ok(())
}
