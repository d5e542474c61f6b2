//! Benchmark of transaction ingest: 32 terminals over 8 branches post five-line sales as fast as
//! the hub answers, first in batches of 20, then one sale per request. Run in release:
//!
//! ```sh
//! cargo run --release -p hubshake --example ingest                       # SQLite in a temp dir
//! cargo run --release -p hubshake --example ingest -- postgres://postgres@127.0.0.1:5432/bench
//! ```
//!
//! The database named on the command line must exist and be empty. `bench/ingest.sh` runs both
//! next to `pgbench` (TPC-B, same client count) on the same PostgreSQL.

use std::time::{Duration, Instant};

mod kit;

use hubshake::{Application, config::Settings};
use kit::{quantile_ms, token};
use serde_json::{Value, json};
use uuid::Uuid;

const BRANCHES: usize = 8;
const TERMINALS_PER_BRANCH: usize = 4;
const ITEMS: usize = 200;
const LINES: usize = 5;
const RUN: Duration = Duration::from_secs(20);

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
        database_max_connections: 32,
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
    let post = |path: &str, body: Value| {
        let request = http
            .post(format!("{base}{path}"))
            .bearer_auth(&admin)
            .json(&body);
        async move {
            let answer = request.send().await?;
            anyhow::ensure!(answer.status().is_success(), "{}", answer.text().await?);
            Ok::<Value, anyhow::Error>(answer.json().await?)
        }
    };

    let cash = post(
        "/api/v1/payment-methods",
        json!({ "code": "CASH", "name": "Cash", "kind": "cash" }),
    )
    .await?["id"]
        .clone();
    let mut items = Vec::new();
    let rows: Vec<Value> = (0..ITEMS)
        .map(|n| json!({ "sku": format!("SKU-{n:04}"), "name": format!("Item {n}"), "base_price": "12.5" }))
        .collect();
    post("/api/v1/items/import", json!({ "items": rows })).await?;
    let listed: Value = http
        .get(format!("{base}/api/v1/items?limit=500"))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    for item in listed["items"].as_array().into_iter().flatten() {
        items.push(item["id"].clone());
    }
    let mut branch_ids = Vec::new();
    let mut terminals = Vec::new();
    for b in 0..BRANCHES {
        let branch = post(
            "/api/v1/branches",
            json!({ "code": format!("B{b}"), "name": format!("Branch {b}"), "pos_type": "retail" }),
        )
        .await?;
        let branch_id = branch["id"].as_str().unwrap_or_default().to_string();
        for t in 0..TERMINALS_PER_BRANCH {
            let terminal = post(
                &format!("/api/v1/branches/{branch_id}/terminals"),
                json!({ "name": format!("Till {t}") }),
            )
            .await?;
            terminals.push(
                token(
                    &http,
                    &base,
                    terminal["client_id"].as_str().unwrap_or_default(),
                    terminal["client_secret"].as_str().unwrap_or_default(),
                )
                .await?,
            );
        }
        branch_ids.push(branch_id);
    }
    let staff = post(
        "/api/v1/staff",
        json!({ "code": "ANA", "name": "Ana", "role": "cashier", "pin": "1234", "branch_ids": branch_ids }),
    )
    .await?["id"]
        .clone();

    println!(
        "database: {}, {} terminals over {BRANCHES} branches, {LINES}-line sales, {} s per run",
        database_url.split(':').next().unwrap_or_default(),
        terminals.len(),
        RUN.as_secs()
    );
    for batch_size in [20, 1] {
        let started = Instant::now();
        let mut clients = Vec::new();
        for (n, terminal) in terminals.iter().enumerate() {
            let (http, url, terminal) = (
                http.clone(),
                format!("{base}/api/v1/sync/transactions"),
                terminal.clone(),
            );
            let (items, staff, cash) = (items.clone(), staff.clone(), cash.clone());
            clients.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut sent = 0usize;
                let mut k = n;
                while started.elapsed() < RUN {
                    let batch: Vec<Value> = (0..batch_size)
                        .map(|_| {
                            k += 7;
                            sale(&items, k, &staff, &cash)
                        })
                        .collect();
                    let request_started = Instant::now();
                    let answer = http
                        .post(&url)
                        .bearer_auth(&terminal)
                        .json(&json!({ "transactions": batch }))
                        .send()
                        .await?;
                    anyhow::ensure!(answer.status().is_success(), "{}", answer.text().await?);
                    let answer: Value = answer.json().await?;
                    let accepted = answer["results"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|r| r["result"] == "accepted")
                        .count();
                    anyhow::ensure!(accepted == batch_size, "not all accepted: {answer}");
                    latencies.push(request_started.elapsed());
                    sent += batch_size;
                }
                Ok::<_, anyhow::Error>((sent, latencies))
            }));
        }
        let (mut sent, mut latencies) = (0, Vec::new());
        for client in clients {
            let (n, l) = client.await??;
            sent += n;
            latencies.extend(l);
        }
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort();
        println!(
            "batches of {batch_size:>2}: {:>7.0} transactions/s ({:.0} requests/s), request p50 {:.1} ms, p99 {:.1} ms",
            sent as f64 / elapsed,
            latencies.len() as f64 / elapsed,
            quantile_ms(&latencies, 0.50),
            quantile_ms(&latencies, 0.99)
        );
    }
    Ok(())
}

/// A settled five-line sale with exact totals.
fn sale(items: &[Value], k: usize, staff: &Value, cash: &Value) -> Value {
    let lines: Vec<Value> = (0..LINES)
        .map(|l| {
            let item = &items[(k * 31 + l * 17) % items.len()];
            json!({ "item_id": item, "quantity": "2", "unit_price": "12.5", "line_total": "25" })
        })
        .collect();
    let total = (25 * LINES).to_string();
    json!({
        "id": Uuid::new_v4(),
        "receipt_number": format!("R-{k}"),
        "kind": "sale",
        "status": "settled",
        "local_time": "2026-11-23T14:05:00+08:00",
        "business_date": "2026-11-23",
        "staff_user_id": staff,
        "lines": lines,
        "payments": [{ "payment_method_id": cash, "amount": total }],
        "totals": { "subtotal": total, "discount": "0", "tax": "0", "total": total },
    })
}
