//! Exactly once: 8 terminals send 10,000 transactions concurrently, each two or three times in
//! shuffled order, with some batches cut off before the answer is read. Every transaction must
//! be stored once, and every branch's stock must equal the figure this test computes itself.

use std::collections::HashMap;

use crate::common::sales::{Chain, Kitchen, Till, dec, result_of, transaction};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::{io::AsyncWriteExt, net::TcpStream};

const BRANCHES: usize = 4;
const TILLS_PER_BRANCH: usize = 2;
const TRANSACTIONS: usize = 10_000;
const ITEMS: usize = 20;

/// One terminal's part: what it sends (each transaction's sends, work-order revisions apart).
struct Script {
    till: Till,
    sends: Vec<Value>,
    /// Sends that are never cut off, so every transaction reaches the hub at least once.
    reliable: Vec<Value>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_transaction_is_stored_once_and_stock_is_exact() {
    let seed: u64 = rand::rng().random();
    println!("seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let chain = Chain::new().await;
    let mut branches = Vec::new();
    let mut tills = Vec::new();
    for b in 0..BRANCHES {
        let branch = chain.branch(&format!("B{b}"), "retail").await;
        for t in 0..TILLS_PER_BRANCH {
            tills.push(chain.till(&branch, &format!("Till {t}")).await);
        }
        branches.push(branch);
    }
    let branch_refs: Vec<&str> = branches.iter().map(String::as_str).collect();
    let staff = chain.cashier("ANA", &branch_refs).await;
    let mut items = Vec::new();
    for i in 0..ITEMS {
        items.push(chain.item(&format!("ITEM-{i}"), "10").await);
    }
    let kitchen = Kitchen::set_up(&chain.app, &chain.admin, &items).await;

    // The expected figures, computed here from what the terminals sold.
    let mut expected: HashMap<(String, String), Decimal> = HashMap::new();
    let mut expected_count: HashMap<String, u64> = HashMap::new();
    let quantities = ["1", "2", "3", "0.5", "1.25"];
    let mut scripts: Vec<Script> = tills
        .iter()
        .map(|till| Script {
            till: till.clone(),
            sends: Vec::new(),
            reliable: Vec::new(),
        })
        .collect();
    for n in 0..TRANSACTIONS {
        let till_count = scripts.len();
        let script = &mut scripts[n % till_count];
        let branch = script.till.branch_id.clone();
        let lines: Vec<(String, &str)> = (0..rng.random_range(1..=3))
            .map(|_| {
                (
                    items[rng.random_range(0..ITEMS)].clone(),
                    quantities[rng.random_range(0..quantities.len())],
                )
            })
            .collect();
        let line_refs: Vec<(&str, &str, &str)> = lines
            .iter()
            .map(|(item, quantity)| (item.as_str(), *quantity, "10"))
            .collect();
        let roll = rng.random_range(0..10);
        let (kind, sign) = match roll {
            0 => ("return", Decimal::ONE),
            1 => ("work_order", Decimal::NEGATIVE_ONE),
            _ => ("sale", Decimal::NEGATIVE_ONE),
        };
        let settled = if roll == 2 {
            let quantity = quantities[rng.random_range(0..quantities.len())];
            for (item, used) in kitchen.uses(quantity) {
                *expected.entry((branch.clone(), item)).or_default() -= used;
            }
            kitchen.order(&staff, &chain.cash, quantity)
        } else {
            for (item, quantity) in &lines {
                *expected.entry((branch.clone(), item.clone())).or_default() +=
                    sign * dec(quantity);
            }
            transaction(kind, &staff, &chain.cash, &line_refs)
        };
        *expected_count.entry(branch).or_default() += 1;
        let mut versions = vec![settled.clone()];
        if kind == "work_order" {
            let mut open = settled.clone();
            open["status"] = json!("open");
            open["payments"] = json!([]);
            let mut done = settled;
            done["revision"] = json!(2);
            versions = vec![open, done];
        }
        for version in versions {
            script.reliable.push(version.clone());
            for _ in 0..rng.random_range(1..=2) {
                script.sends.push(version.clone());
            }
        }
    }

    let port: u16 = chain.app.base.rsplit(':').next().unwrap().parse().unwrap();
    let mut running = Vec::new();
    for mut script in scripts {
        script.sends.shuffle(&mut rng);
        script.reliable.shuffle(&mut rng);
        let app_http = chain.app.http.clone();
        let url = chain.app.url("/api/v1/sync/transactions");
        let batch_seed: u64 = rng.random();
        running.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(batch_seed);
            let mut batches = Vec::new();
            for (sends, may_cut) in [(script.sends, true), (script.reliable, false)] {
                let mut rest = sends.as_slice();
                while !rest.is_empty() {
                    let size = rng.random_range(1..=60).min(rest.len());
                    let (batch, tail) = rest.split_at(size);
                    let cut = may_cut && rng.random_range(0..5) == 0;
                    batches.push((batch.to_vec(), cut));
                    rest = tail;
                }
            }
            batches.shuffle(&mut rng);
            for (batch, cut) in batches {
                let body = serde_json::to_vec(&json!({ "transactions": batch })).unwrap();
                if cut {
                    let keep = if rng.random_bool(0.5) {
                        body.len()
                    } else {
                        rng.random_range(0..body.len())
                    };
                    send_and_hang_up(port, &script.till.token, &body, keep).await;
                    continue;
                }
                let answer = app_http
                    .post(&url)
                    .bearer_auth(&script.till.token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("the hub answers");
                assert_eq!(answer.status(), StatusCode::OK);
                let answer: Value = answer.json().await.unwrap();
                for result in answer["results"].as_array().unwrap() {
                    assert!(
                        matches!(result_of(result), "accepted" | "duplicate"),
                        "{result}"
                    );
                }
            }
        }));
    }
    for task in running {
        task.await.expect("a terminal finished");
    }

    for branch in &branches {
        let listed = chain
            .app
            .get(
                &format!("/api/v1/transactions?branch_id={branch}&limit=1"),
                &chain.admin,
            )
            .await;
        assert_eq!(
            listed.body["total"].as_u64(),
            expected_count.get(branch).copied(),
            "transactions stored at {branch}"
        );
        let open = chain
            .app
            .get(
                &format!("/api/v1/transactions?branch_id={branch}&status=open&limit=1"),
                &chain.admin,
            )
            .await;
        assert_eq!(open.body["total"], 0, "every work order ended settled");
        let levels = chain
            .app
            .get(
                &format!("/api/v1/branches/{branch}/stock?limit=500"),
                &chain.admin,
            )
            .await;
        let on_hand: HashMap<String, Decimal> = levels.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["item_id"].as_str().unwrap().to_string(),
                    dec(l["on_hand"].as_str().unwrap()),
                )
            })
            .collect();
        for item in items.iter().chain(&kitchen.items()) {
            let want = expected
                .get(&(branch.clone(), item.clone()))
                .copied()
                .unwrap_or_default();
            let have = on_hand.get(item).copied().unwrap_or_default();
            assert_eq!(have, want, "on hand of {item} at {branch}");
        }
    }
}

/// Sends the first `keep` bytes of a batch and closes the connection without reading the answer.
async fn send_and_hang_up(port: u16, token: &str, body: &[u8], keep: usize) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /api/v1/sync/transactions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..keep]).await.unwrap();
    stream.shutdown().await.unwrap();
}
