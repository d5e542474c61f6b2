//! Many terminals against one hub, for load: each logs in with its own credentials, pulls master
//! data and stock on an interval and sells at a set rate in batches; the swarm reports
//! throughput, latency percentiles per endpoint, errors by kind and the hub's resident memory.

pub mod sockets;

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use reqwest::Method;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, de::IgnoredAny};
use serde_json::{Value, json};

use crate::{
    hub::{Hub, HubError},
    sell::{LineToPrice, Priced},
    settings::ApiAuth,
};

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub hub: String,
    pub admin_id: String,
    pub admin_secret: String,
    pub branches: usize,
    pub terminals: usize,
    pub duration: Duration,
    /// Pull master data and stock this often; none: never.
    pub poll_interval: Option<Duration>,
    /// Sales per second per terminal; 0: as fast as the hub answers; none: no sales.
    pub sales_per_sec: Option<f64>,
    pub batch: usize,
    pub lines: usize,
    /// Read the hub's resident memory from /proc while running.
    pub hub_pid: Option<u32>,
    /// A sales channel sells from every branch of the run, every item sold mapped.
    pub channel: bool,
}

/// Latencies and errors of one endpoint.
#[derive(Debug, Default)]
struct Calls {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
}

impl Calls {
    fn record<T>(&mut self, started: Instant, outcome: &Result<T, HubError>) {
        match outcome {
            Ok(_) => self.latencies.push(started.elapsed()),
            Err(err) => *self.errors.entry(error_kind(err)).or_default() += 1,
        }
    }

    fn merge(&mut self, other: Calls) {
        self.latencies.extend(other.latencies);
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
    }
}

fn error_kind(err: &HubError) -> String {
    match err {
        HubError::Refused { status, .. } => format!("http_{status}"),
        HubError::Unreachable(e) if e.is_timeout() => "timeout".into(),
        HubError::Unreachable(_) => "unreachable".into(),
        HubError::Token(_) => "token".into(),
        other => other.to_string(),
    }
}

#[derive(Debug, Serialize)]
pub struct EndpointReport {
    pub endpoint: String,
    pub requests: usize,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub errors: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub terminals: usize,
    pub branches: usize,
    pub seconds: f64,
    pub transactions: u64,
    pub transactions_per_sec: f64,
    pub endpoints: Vec<EndpointReport>,
    /// Largest resident set of the hub seen while running, in MiB.
    pub hub_max_rss_mib: Option<f64>,
}

impl Report {
    /// The report as a markdown table.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{} terminals over {} branches, {:.1} s: {} transactions ({:.0}/s){}\n\n",
            self.terminals,
            self.branches,
            self.seconds,
            self.transactions,
            self.transactions_per_sec,
            self.hub_max_rss_mib
                .map(|m| format!(", hub RSS max {m:.0} MiB"))
                .unwrap_or_default()
        );
        out.push_str("| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
        for e in &self.endpoints {
            let errors: Vec<String> = e.errors.iter().map(|(k, n)| format!("{k}: {n}")).collect();
            out.push_str(&format!(
                "| {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {} |\n",
                e.endpoint,
                e.requests,
                e.requests_per_sec,
                e.p50_ms,
                e.p95_ms,
                e.p99_ms,
                if errors.is_empty() {
                    "0".into()
                } else {
                    errors.join(", ")
                }
            ));
        }
        out
    }
}

/// What the terminals share: who sells, with what, and which items.
#[derive(Clone)]
struct Shop {
    staff: String,
    cash: String,
    /// (item id, price)
    items: Vec<(String, Decimal)>,
}

/// Registers fresh branches and terminals for a run, each terminal logged in; and what they sell.
async fn register(plan: &Plan) -> Result<(Vec<Hub>, Vec<String>, Shop), HubError> {
    let auth = |id: &str, secret: &str| ApiAuth {
        host: plan.hub.trim_end_matches('/').to_string(),
        grant_type: "client_credentials".into(),
        client_id: id.into(),
        client_secret: secret.into(),
        timeout: Duration::from_secs(60),
    };
    let mut admin = Hub::connect(&auth(&plan.admin_id, &plan.admin_secret)).await?;
    let run_tag = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let mut branch_ids = Vec::new();
    for n in 0..plan.branches.max(1) {
        let branch: Value = admin
            .call(
                Method::POST,
                "/api/v1/branches",
                Some(&json!({ "code": format!("SW{run_tag}-{n}"), "name": format!("Swarm {n}"), "pos_type": "retail" })),
            )
            .await?;
        branch_ids.push(branch["id"].as_str().unwrap_or_default().to_string());
    }
    let staff: Value = admin
        .call(
            Method::POST,
            "/api/v1/staff",
            Some(&json!({ "code": format!("SW{run_tag}"), "name": "Swarm", "role": "cashier", "pin": "1234", "branch_ids": branch_ids })),
        )
        .await?;
    let cash: Value = admin
        .call(
            Method::POST,
            "/api/v1/payment-methods",
            Some(&json!({ "code": format!("SW{run_tag}"), "name": "Swarm cash", "kind": "cash" })),
        )
        .await?;
    let listed: Value = admin
        .call::<(), _>(Method::GET, "/api/v1/items?limit=500&active=true", None)
        .await?;
    let items = listed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let price = item["base_price"].as_str()?.parse().ok()?;
            Some((item["id"].as_str()?.to_string(), price))
        })
        .collect::<Vec<_>>();
    if plan.sales_per_sec.is_some() && items.is_empty() {
        return Err(HubError::Refused {
            status: 0,
            body: "the hub has no items to sell".into(),
        });
    }
    if plan.channel {
        open_channel(&mut admin, run_tag, &branch_ids, &items).await?;
    }
    let shop = Shop {
        staff: staff["id"].as_str().unwrap_or_default().into(),
        cash: cash["id"].as_str().unwrap_or_default().into(),
        items,
    };
    let mut hubs = Vec::with_capacity(plan.terminals);
    for n in 0..plan.terminals {
        let branch = &branch_ids[n % branch_ids.len()];
        let terminal: Value = admin
            .call(
                Method::POST,
                &format!("/api/v1/branches/{branch}/terminals"),
                Some(&json!({ "name": format!("Swarm till {n}") })),
            )
            .await?;
        let id = terminal["client_id"].as_str().unwrap_or_default();
        let secret = terminal["client_secret"].as_str().unwrap_or_default();
        hubs.push(Hub::connect(&auth(id, secret)).await?);
    }
    Ok((hubs, branch_ids, shop))
}

/// A web shop selling from `branch_ids`, with `items` mapped to it.
async fn open_channel(
    admin: &mut Hub,
    run_tag: &str,
    branch_ids: &[String],
    items: &[(String, Decimal)],
) -> Result<(), HubError> {
    let channel: Value = admin
        .call(
            Method::POST,
            "/api/v1/channels",
            Some(&json!({ "name": format!("Swarm shop {run_tag}"), "branch_ids": branch_ids })),
        )
        .await?;
    let mappings: Vec<Value> = items
        .iter()
        .map(|(id, _)| json!({ "item_id": id, "external_id": format!("web-{id}") }))
        .collect();
    let path = format!(
        "/api/v1/channels/{}/items",
        channel["id"].as_str().unwrap_or_default()
    );
    admin
        .call::<_, Value>(Method::PUT, &path, Some(&json!({ "items": mappings })))
        .await?;
    Ok(())
}

/// Registers the swarm's branches and terminals (fresh ones each run), then runs it.
pub async fn run(plan: Plan) -> Result<Report, HubError> {
    let (mut hubs, branch_ids, shop) = register(&plan).await?;
    // Polling terminals start at the head of the master feed, as terminals in service do: what
    // is measured is the empty poll, not an initial sync per terminal.
    let master_head = match (plan.poll_interval, hubs.first_mut()) {
        (Some(_), Some(first)) => pull_all_master(first).await?.1,
        _ => 0,
    };
    let started = Instant::now();
    let deadline = started + plan.duration;
    let memory = plan
        .hub_pid
        .map(|pid| tokio::spawn(watch_rss(pid, deadline)));
    let mut workers = Vec::new();
    for (n, hub) in hubs.into_iter().enumerate() {
        workers.push(tokio::spawn(terminal(
            hub,
            n,
            shop.clone(),
            plan.clone(),
            master_head,
            deadline,
        )));
    }
    let mut calls: BTreeMap<&'static str, Calls> = BTreeMap::new();
    let mut transactions = 0;
    for worker in workers {
        if let Ok((sold, worker_calls)) = worker.await {
            transactions += sold;
            for (endpoint, c) in worker_calls {
                calls.entry(endpoint).or_default().merge(c);
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let hub_max_rss_mib = match memory {
        Some(task) => task.await.ok().flatten(),
        None => None,
    };
    Ok(Report {
        terminals: plan.terminals,
        branches: branch_ids.len(),
        seconds,
        transactions,
        transactions_per_sec: transactions as f64 / seconds,
        endpoints: calls
            .into_iter()
            .map(|(endpoint, c)| endpoint_report(endpoint, c, seconds))
            .collect(),
        hub_max_rss_mib,
    })
}

/// The `q` quantile (1.0: the largest) of sorted latencies, in milliseconds; 0 when none.
fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    let index = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn endpoint_report(endpoint: &str, mut calls: Calls, seconds: f64) -> EndpointReport {
    calls.latencies.sort();
    let at = |q| percentile_ms(&calls.latencies, q);
    EndpointReport {
        endpoint: endpoint.into(),
        requests: calls.latencies.len(),
        requests_per_sec: calls.latencies.len() as f64 / seconds,
        p50_ms: at(0.50),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        errors: calls.errors,
    }
}

/// One terminal: polls and sells until the deadline.
async fn terminal(
    mut hub: Hub,
    n: usize,
    shop: Shop,
    plan: Plan,
    master_head: i64,
    deadline: Instant,
) -> (u64, BTreeMap<&'static str, Calls>) {
    let mut calls: BTreeMap<&'static str, Calls> = BTreeMap::new();
    let (mut master_cursor, mut stock_cursor) = (master_head, 0);
    let mut sold = 0u64;
    let sale_gap = plan.sales_per_sec.map(|rate| {
        if rate > 0.0 {
            Duration::from_secs_f64(plan.batch as f64 / rate)
        } else {
            Duration::ZERO
        }
    });
    // Terminals start spread over the first interval, as real ones do.
    let spread = |gap: Duration| gap.mul_f64((n % 100) as f64 / 100.0);
    let now = Instant::now();
    let mut next_poll = plan.poll_interval.map(|gap| now + spread(gap));
    let mut next_sale = sale_gap.map(|gap| now + spread(gap));
    let mut k = n * 7919;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return (sold, calls);
        }
        if let (Some(at), Some(gap)) = (next_poll, plan.poll_interval)
            && now >= at
        {
            let started = Instant::now();
            let page = hub.pull_master(master_cursor, 5000).await;
            calls
                .entry("GET /sync/master")
                .or_default()
                .record(started, &page);
            if let Ok(page) = page {
                master_cursor = page.next_cursor;
            }
            let started = Instant::now();
            let page = hub.pull_stock(Some(stock_cursor), "", 5000).await;
            calls
                .entry("GET /sync/stock")
                .or_default()
                .record(started, &page);
            if let Ok(page) = page {
                stock_cursor = page.next_cursor;
            }
            next_poll = Some(at + gap);
        }
        if let (Some(at), Some(gap)) = (next_sale, sale_gap)
            && now >= at
        {
            let batch: Vec<Value> = (0..plan.batch)
                .map(|_| {
                    k += 1;
                    sale(&shop, k, plan.lines)
                })
                .collect();
            let started = Instant::now();
            let answer = hub.post_transactions(&batch).await;
            calls
                .entry("POST /sync/transactions")
                .or_default()
                .record(started, &answer);
            if let Ok(answer) = answer {
                sold += answer
                    .results
                    .iter()
                    .filter(|r| r.result == "accepted")
                    .count() as u64;
            }
            next_sale = Some(if gap.is_zero() {
                Instant::now()
            } else {
                at + gap
            });
        }
        let wake = [next_poll, next_sale].into_iter().flatten().min();
        match wake {
            Some(wake) if wake > Instant::now() => {
                tokio::time::sleep_until(wake.min(deadline).into()).await
            }
            Some(_) => {}
            None => tokio::time::sleep_until(deadline.into()).await,
        }
    }
}

/// A settled sale of `lines` items, paid in cash.
fn sale(shop: &Shop, k: usize, lines: usize) -> Value {
    let picked: Vec<LineToPrice> = (0..lines)
        .map(|l| {
            let (id, price) = &shop.items[(k * 31 + l * 17) % shop.items.len()];
            LineToPrice {
                item_id: id.clone(),
                quantity: Decimal::ONE,
                unit_price: *price,
                tax_rate: Decimal::ZERO,
                options: Vec::new(),
            }
        })
        .collect();
    let priced = Priced::new(&picked);
    let total = priced.total().to_string();
    let now = chrono::Local::now();
    json!({
        "id": uuid::Uuid::new_v4(),
        "receipt_number": format!("SW-{k}"),
        "kind": "sale",
        "status": "settled",
        "local_time": now.to_rfc3339(),
        "business_date": now.format("%Y-%m-%d").to_string(),
        "staff_user_id": shop.staff,
        "payments": [{ "payment_method_id": shop.cash, "amount": total }],
        "totals": priced.totals(),
        "lines": priced.lines,
    })
}

/// The largest resident set of process `pid` until the deadline, in MiB (Linux `/proc`).
async fn watch_rss(pid: u32, deadline: Instant) -> Option<f64> {
    let mut max_kib: Option<u64> = None;
    while Instant::now() < deadline {
        let status = tokio::fs::read_to_string(format!("/proc/{pid}/status"))
            .await
            .ok()?;
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            });
        if let Some(kib) = kib {
            max_kib = Some(max_kib.map_or(kib, |m| m.max(kib)));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    max_kib.map(|kib| kib as f64 / 1024.0)
}

/// `/healthz` under the same load shape: `clients` loops for `duration`, the yardstick for the
/// API's numbers.
pub async fn healthz(hub: &str, clients: usize, duration: Duration) -> Result<Report, HubError> {
    let http = reqwest::Client::new();
    let url = format!("{}/healthz", hub.trim_end_matches('/'));
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for _ in 0..clients {
        let (http, url) = (http.clone(), url.clone());
        workers.push(tokio::spawn(async move {
            let mut calls = Calls::default();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let outcome = match http.get(&url).send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.map_err(HubError::from),
                    Ok(r) => Err(HubError::Refused {
                        status: r.status().as_u16(),
                        body: String::new(),
                    }),
                    Err(e) => Err(HubError::from(e)),
                };
                calls.record(sent, &outcome);
            }
            calls
        }));
    }
    let mut calls = Calls::default();
    for worker in workers {
        if let Ok(c) = worker.await {
            calls.merge(c);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(Report {
        terminals: clients,
        branches: 0,
        seconds,
        transactions: 0,
        transactions_per_sec: 0.0,
        endpoints: vec![endpoint_report("GET /healthz", calls, seconds)],
        hub_max_rss_mib: None,
    })
}

#[derive(Debug, Serialize)]
pub struct InitialSync {
    pub changes: usize,
    pub levels: usize,
    pub seconds: f64,
}

/// A fresh terminal at a new branch pulls the whole master feed and its stock, pages of 5,000.
pub async fn initial_sync(plan: &Plan) -> Result<InitialSync, HubError> {
    let one = Plan {
        branches: 1,
        terminals: 1,
        duration: Duration::ZERO,
        poll_interval: None,
        sales_per_sec: None,
        ..plan.clone()
    };
    let (mut hubs, _, _) = register(&one).await?;
    let mut hub = hubs
        .pop()
        .ok_or_else(|| HubError::Token("no terminal".into()))?;
    let started = Instant::now();
    let (changes, _) = pull_all_master(&mut hub).await?;
    let (mut levels, mut cursor) = (0, 0);
    loop {
        let page = hub.pull_stock(Some(cursor), "", 5000).await?;
        levels += page.levels.len();
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    Ok(InitialSync {
        changes,
        levels,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A page of the master feed as the load tool reads it: its changes counted, not kept, so the
/// tool's own parsing does not take the CPU the hub is measured on.
#[derive(Deserialize)]
struct CountedPage {
    changes: Vec<IgnoredAny>,
    next_cursor: i64,
    has_more: bool,
}

/// Pulls the whole master feed in pages of 5,000: the number of changes and the last cursor.
async fn pull_all_master(hub: &mut Hub) -> Result<(usize, i64), HubError> {
    let (mut changes, mut cursor) = (0, 0);
    loop {
        let page: CountedPage = hub
            .call::<(), _>(
                Method::GET,
                &format!("/api/v1/sync/master?cursor={cursor}&limit=5000"),
                None,
            )
            .await?;
        changes += page.changes.len();
        cursor = page.next_cursor;
        if !page.has_more {
            return Ok((changes, cursor));
        }
    }
}

/// The plan's admin client, logged in.
async fn admin_of(plan: &Plan, timeout: Duration) -> Result<Hub, HubError> {
    Hub::connect(&ApiAuth {
        host: plan.hub.trim_end_matches('/').to_string(),
        grant_type: "client_credentials".into(),
        client_id: plan.admin_id.clone(),
        client_secret: plan.admin_secret.clone(),
        timeout,
    })
    .await
}

/// Imports `count` items (SKU `SEED-…`) in batches of 5,000, upserting: a catalogue to load.
pub async fn seed(plan: &Plan, count: usize) -> Result<(), HubError> {
    let mut admin = admin_of(plan, Duration::from_secs(300)).await?;
    for start in (0..count).step_by(5000) {
        let items: Vec<Value> = (start..(start + 5000).min(count))
            .map(|n| {
                json!({
                    "sku": format!("SEED-{n:07}"),
                    "name": format!("Seeded item {n}"),
                    "base_price": format!("{}.{:02}", 1 + n % 500, n % 100),
                    "tax_rate": "12",
                    "barcodes": [format!("29{n:011}")],
                })
            })
            .collect();
        let _: Value = admin
            .call(
                Method::POST,
                "/api/v1/items/import",
                Some(&json!({ "items": items })),
            )
            .await?;
    }
    Ok(())
}
