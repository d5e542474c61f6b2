//! The reference agent against the real hub binary: a new terminal receives the catalogue and its
//! branch's stock; admins' changes reach the right terminals after one cycle; sales reach the hub
//! once, move its stock, and flow back; the hub killed mid-sync, an agent killed mid-cycle and
//! two hubs on one PostgreSQL database lose and double nothing.

use std::collections::HashMap;

use hubshake_tests::{
    TestDatabase,
    admin::{ADMIN_ID, ADMIN_SECRET, Admin},
    hub_process::HubProcess,
    runs_on_postgres, server_database,
    terminal_agent::{LocalStore, TerminalAgent},
};
use serde_json::json;

/// A hub process on the suite's database (SQLite in `dir` when none is named).
fn start_hub(
    dir: &std::path::Path,
    database: Option<&TestDatabase>,
    listen: Option<&str>,
) -> HubProcess {
    let mut extra = vec![("HUBSHAKE_LOG", "warn,hubshake=info")];
    extra.extend(listen.map(|at| ("HUBSHAKE_LISTEN", at)));
    HubProcess::start_with_admin(dir, database, (ADMIN_ID, ADMIN_SECRET), &extra)
}

/// A catalogue of `n` items with a staff user and cash for `branches`; returns the item ids.
fn catalogue(admin: &Admin, branches: &[&str], n: usize) -> Vec<String> {
    admin.post(
        "/api/v1/staff",
        json!({ "code": "ANA", "name": "Ana", "role": "cashier", "pin": "1234", "branch_ids": branches }),
    );
    admin.post(
        "/api/v1/payment-methods",
        json!({ "code": "CASH", "name": "Cash", "kind": "cash" }),
    );
    (0..n)
        .map(|i| {
            admin.post(
                "/api/v1/items",
                json!({ "sku": format!("SKU-{i}"), "name": format!("Item {i}"), "base_price": "10" }),
            )["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn local_on_hand(agent: &TerminalAgent, item: &str) -> Option<String> {
    agent.dump()["stock"][item]["on_hand"]
        .as_str()
        .map(String::from)
}

/// The suite's database server for the hub, if any (the async kit, run to completion).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Runtime::new().unwrap().block_on(future)
}

#[test]
fn terminals_receive_their_branch_and_send_sales_once() {
    {
        let database = block_on(server_database());
        // On a MySQL test server, one terminal keeps its POS database there too.
        let local_mysql = match &database {
            Some(db) if db.url.starts_with("mysql://") => Some(block_on(TestDatabase::create())),
            _ => None,
        };
        let dir = tempfile::tempdir().unwrap();
        let hub = start_hub(dir.path(), database.as_ref(), None);
        let admin = Admin::new(&hub.base);
        let a = admin.branch("A");
        let b = admin.branch("B");
        let items = catalogue(&admin, &[&a, &b], 3);
        admin.adjust(&a, &items[0], "delta", "100");
        admin.adjust(&a, &items[1], "delta", "100");
        admin.adjust(&a, &items[2], "delta", "100");
        admin.adjust(&b, &items[1], "delta", "50");
        let (id_a, secret_a) = admin.terminal(&a, "A1");
        let (id_b, secret_b) = admin.terminal(&b, "B1");
        let till_a = TerminalAgent::new(&hub.base, &id_a, &secret_a, &LocalStore::Sqlite);
        let store_b = match &local_mysql {
            Some(db) => LocalStore::MySql(db.url.clone()),
            None => LocalStore::Sqlite,
        };
        let till_b = TerminalAgent::new(&hub.base, &id_b, &secret_b, &store_b);

        // A new terminal receives the full catalogue and its own branch's stock.
        till_a.sync_once();
        till_b.sync_once();
        let dump_a = till_a.dump();
        assert_eq!(dump_a["objects"]["item"].as_object().unwrap().len(), 3);
        assert_eq!(
            dump_a["objects"]["staff_user"].as_object().unwrap().len(),
            1
        );
        assert_eq!(
            dump_a["objects"]["payment_method"]
                .as_object()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(dump_a["stock"][&items[0]]["on_hand"], "100");
        let dump_b = till_b.dump();
        assert_eq!(
            dump_b["stock"].as_object().unwrap().len(),
            1,
            "only B's levels: {dump_b}"
        );
        assert_eq!(dump_b["stock"][&items[1]]["on_hand"], "50");
        let status = till_a.status();
        assert!(status["master_cursor"].as_i64().unwrap() > 0);
        assert!(status["last_error"].is_null(), "{status}");
        assert_ne!(
            status["last_in_synced_inventory_update_date_time"],
            "1990-01-01T 00:00:00.0000Z"
        );

        // An admin's price change, PO receipt, transfer and count reach the right terminals
        // after one cycle, and never the wrong branch.
        admin.put(
            &format!("/api/v1/branches/{a}/items/{}", items[0]),
            json!({ "price": "9.5" }),
        );
        let order = admin.post(
            "/api/v1/purchase-orders",
            json!({ "branch_id": b, "supplier": "Acme", "lines": [{ "item_id": items[1], "quantity": "10", "unit_cost": "4" }] }),
        );
        let order = order["id"].as_str().unwrap();
        admin.post(
            &format!("/api/v1/purchase-orders/{order}/submit"),
            json!({}),
        );
        admin.post(
            &format!("/api/v1/purchase-orders/{order}/receipts"),
            json!({ "lines": [{ "line_no": 1, "quantity": "10" }] }),
        );
        let transfer = admin.post(
            "/api/v1/transfers",
            json!({ "from_branch_id": a, "to_branch_id": b, "lines": [{ "item_id": items[2], "quantity": "5" }] }),
        );
        admin.post(
            &format!(
                "/api/v1/transfers/{}/dispatch",
                transfer["id"].as_str().unwrap()
            ),
            json!({}),
        );
        admin.adjust(&a, &items[1], "count", "80");
        till_a.sync_once();
        till_b.sync_once();
        let dump_a = till_a.dump();
        let dump_b = till_b.dump();
        assert_eq!(dump_a["objects"]["item"][&items[0]]["price"], "9.5");
        assert_eq!(dump_b["objects"]["item"][&items[0]]["price"], "10");
        assert_eq!(dump_a["stock"][&items[1]]["on_hand"], "80");
        assert_eq!(dump_a["stock"][&items[2]]["on_hand"], "95");
        assert_eq!(dump_b["stock"][&items[1]]["on_hand"], "60");
        assert_eq!(dump_b["stock"][&items[2]]["in_transit_in"], "5");
        assert!(
            dump_b["stock"][&items[0]].is_null(),
            "A's item never reaches B's stock"
        );

        // Sales at the terminal reach the hub once, move its stock, and flow back.
        till_a.sell("sale", &[(&items[0], "2"), (&items[1], "1.5")]);
        till_a.sell("return", &[(&items[2], "1")]);
        till_b.sell("sale", &[(&items[1], "3")]);
        till_a.sync_once();
        till_b.sync_once();
        till_a.sync_once();
        assert_eq!(admin.transaction_count(&a), 2);
        assert_eq!(admin.transaction_count(&b), 1);
        let hub_a = admin.on_hand(&a);
        assert_eq!(hub_a[&items[0]], "98");
        assert_eq!(hub_a[&items[1]], "78.5");
        assert_eq!(hub_a[&items[2]], "96");
        assert_eq!(admin.on_hand(&b)[&items[1]], "57");
        assert_eq!(local_on_hand(&till_a, &items[1]).as_deref(), Some("78.5"));
        assert_eq!(local_on_hand(&till_b, &items[1]).as_deref(), Some("57"));
        let status = till_a.status();
        assert_eq!(status["queued_files"], 0);
        assert_eq!(status["sent_sales"], 2);

        // `run` cycles on its own until SIGTERM, then exits cleanly.
        let mut running = till_a.spawn(&["run", "--interval-secs", "1"]);
        till_a.sell("sale", &[(&items[2], "4")]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while till_a.status()["sent_sales"] != 3 {
            assert!(
                std::time::Instant::now() < deadline,
                "run never sent the sale"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let stopped = std::process::Command::new("kill")
            .args(["-TERM", &running.id().to_string()])
            .status()
            .unwrap();
        assert!(stopped.success());
        assert!(
            running.wait().unwrap().success(),
            "run stops cleanly on SIGTERM"
        );
        assert_eq!(admin.on_hand(&a)[&items[2]], "92");
    }
}

/// Sales made by agents: how many per branch, and how much of each item left each branch.
#[derive(Default)]
struct Sold {
    count: HashMap<String, u64>,
    quantity: HashMap<(String, String), i64>,
}

impl Sold {
    fn add(&mut self, branch: &str, lines: &[(&str, i64)]) {
        *self.count.entry(branch.to_string()).or_default() += 1;
        for (item, quantity) in lines {
            *self
                .quantity
                .entry((branch.to_string(), item.to_string()))
                .or_default() += quantity;
        }
    }

    /// Checks the hub holds every sale once and every branch's quantity is exact.
    fn check(&self, admin: &Admin, branches: &[String], items: &[String], opening: i64) {
        for branch in branches {
            assert_eq!(
                admin.transaction_count(branch),
                self.count.get(branch).copied().unwrap_or(0),
                "transactions at {branch}"
            );
            let on_hand = admin.on_hand(branch);
            for item in items {
                let sold = self
                    .quantity
                    .get(&(branch.clone(), item.clone()))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(
                    on_hand[item],
                    (opening - sold).to_string(),
                    "{item} at {branch}"
                );
            }
        }
    }
}

const OPENING: i64 = 1000;

/// Two branches with `per_branch` registered terminals each, items with opening stock.
struct Chain {
    branches: Vec<String>,
    items: Vec<String>,
    /// (branch, client id, secret)
    terminals: Vec<(String, String, String)>,
}

fn chain(admin: &Admin, per_branch: usize, items: usize) -> Chain {
    let branches = vec![admin.branch("NORTH"), admin.branch("SOUTH")];
    let refs: Vec<&str> = branches.iter().map(String::as_str).collect();
    let items = catalogue(admin, &refs, items);
    let mut terminals = Vec::new();
    for branch in &branches {
        for item in &items {
            admin.adjust(branch, item, "delta", &OPENING.to_string());
        }
        for n in 0..per_branch {
            let (id, secret) = admin.terminal(branch, &format!("Till {n}"));
            terminals.push((branch.clone(), id, secret));
        }
    }
    Chain {
        branches,
        items,
        terminals,
    }
}

/// A sale of one or two items, chosen by `n`.
fn sale_lines(items: &[String], n: usize) -> Vec<(&str, i64)> {
    let first = (items[n % items.len()].as_str(), (n % 3 + 1) as i64);
    if n.is_multiple_of(2) {
        vec![first]
    } else {
        vec![first, (items[(n + 1) % items.len()].as_str(), 1)]
    }
}

fn sell(agent: &TerminalAgent, lines: &[(&str, i64)]) {
    let lines: Vec<(&str, String)> = lines.iter().map(|(i, q)| (*i, q.to_string())).collect();
    let refs: Vec<(&str, &str)> = lines.iter().map(|(i, q)| (*i, q.as_str())).collect();
    agent.sell("sale", &refs);
}

#[test]
fn a_hub_killed_mid_sync_loses_and_doubles_nothing() {
    use std::sync::{
        Mutex,
        atomic::{AtomicU8, AtomicUsize, Ordering},
    };
    const UP: u8 = 0;
    const DOWN: u8 = 1;
    const BACK: u8 = 2;
    const DONE: u8 = 3;

    let database = block_on(server_database());
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(dir.path(), database.as_ref(), None);
    let admin = Admin::new(&hub.base);
    let chain = chain(&admin, 2, 4);
    let agents: Vec<(String, TerminalAgent)> = chain
        .terminals
        .iter()
        .map(|(branch, id, secret)| {
            let agent = TerminalAgent::new(&hub.base, id, secret, &LocalStore::Sqlite);
            agent.sync_once();
            (branch.clone(), agent)
        })
        .collect();

    let phase = AtomicU8::new(UP);
    let rounds: Vec<[AtomicUsize; 3]> = agents.iter().map(|_| Default::default()).collect();
    let sold = Mutex::new(Sold::default());
    let wait_for_rounds = |phase_index: usize, at_least: usize| {
        while rounds
            .iter()
            .any(|r| r[phase_index].load(Ordering::SeqCst) < at_least)
        {
            std::thread::yield_now();
        }
    };
    let base = hub.base.clone();
    let listen = base.trim_start_matches("http://").to_string();
    let _restarted = std::thread::scope(|scope| {
        for (n, (branch, agent)) in agents.iter().enumerate() {
            let (phase, rounds, sold, items) = (&phase, &rounds[n], &sold, &chain.items);
            scope.spawn(move || {
                let mut k = n;
                loop {
                    let now = phase.load(Ordering::SeqCst);
                    if now == DONE {
                        return;
                    }
                    k += 7;
                    let lines = sale_lines(items, k);
                    sell(agent, &lines);
                    sold.lock().unwrap().add(branch, &lines);
                    agent.try_sync_once();
                    rounds[usize::from(now)].fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        // Agents sell and sync; the hub dies under them (SIGKILL, mid-request for some).
        wait_for_rounds(0, 3);
        hub.kill();
        phase.store(DOWN, Ordering::SeqCst);
        wait_for_rounds(1, 3);
        for (_, agent) in &agents {
            let status = agent.status();
            assert!(
                status["queued_files"].as_u64().unwrap() >= 1,
                "sales pile up as .out files while the hub is down: {status}"
            );
            assert!(!status["last_error"].is_null());
        }
        // The hub comes back on the same address; the agents catch up.
        let hub = start_hub(dir.path(), database.as_ref(), Some(&listen));
        phase.store(BACK, Ordering::SeqCst);
        wait_for_rounds(2, 3);
        phase.store(DONE, Ordering::SeqCst);
        hub
    });
    for (_, agent) in &agents {
        agent.sync_once();
        let status = agent.status();
        assert_eq!(status["queued_files"], 0, "{status}");
        assert_eq!(status["pending_sales"], 0, "{status}");
        assert_eq!(status["rejected_files"], 0, "{status}");
    }
    let admin = Admin::new(&base);
    sold.into_inner()
        .unwrap()
        .check(&admin, &chain.branches, &chain.items, OPENING);
}

#[test]
fn an_agent_killed_mid_cycle_loses_and_doubles_nothing() {
    let database = block_on(server_database());
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(dir.path(), database.as_ref(), None);
    let admin = Admin::new(&hub.base);
    let chain = chain(&admin, 1, 40);
    let (branch, id, secret) = &chain.terminals[0];
    let agent = TerminalAgent::new(&hub.base, id, secret, &LocalStore::Sqlite);
    agent.sync_once();

    let mut sold = Sold::default();
    for n in 0..120 {
        let lines = sale_lines(&chain.items, n);
        sell(&agent, &lines);
        sold.add(branch, &lines);
    }
    // Cut cycles short at different points: while queueing, sending, pulling.
    for delay_ms in [5, 30, 60, 120, 250] {
        let mut cycle = agent.spawn(&["sync-once"]);
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        cycle.kill().unwrap();
        cycle.wait().unwrap();
    }
    agent.sync_once();
    let status = agent.status();
    assert_eq!(status["queued_files"], 0, "{status}");
    assert_eq!(status["pending_sales"], 0, "{status}");
    assert_eq!(status["sent_sales"], 120, "{status}");
    sold.check(&admin, &chain.branches, &chain.items, OPENING);
    // And the settings file is whole: the agent reads it and its cursors moved.
    assert!(status["master_cursor"].as_i64().unwrap() > 0);
    let hub_stock = admin.on_hand(branch);
    let local = agent.dump();
    for item in &chain.items {
        assert_eq!(local["stock"][item]["on_hand"], hub_stock[item], "{item}");
    }
}

#[test]
fn two_hubs_on_one_postgresql_database_give_the_same_exact_result() {
    // Two hubs share a database only on a database server; PostgreSQL is the production one.
    if !runs_on_postgres("two_hubs_on_one_postgresql_database_give_the_same_exact_result") {
        return;
    }
    let database = block_on(server_database()).expect("the suite's PostgreSQL");
    let (dir_one, dir_two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let hub_one = start_hub(dir_one.path(), Some(&database), None);
    let hub_two = start_hub(dir_two.path(), Some(&database), None);
    let admin = Admin::new(&hub_one.base);
    let chain = chain(&admin, 2, 6);
    // Agents split between the hubs: each branch has a terminal on each.
    let agents: Vec<(String, TerminalAgent)> = chain
        .terminals
        .iter()
        .enumerate()
        .map(|(n, (branch, id, secret))| {
            let hub = if n % 2 == 0 { &hub_one } else { &hub_two };
            (
                branch.clone(),
                TerminalAgent::new(&hub.base, id, secret, &LocalStore::Sqlite),
            )
        })
        .collect();
    let sold = std::sync::Mutex::new(Sold::default());
    std::thread::scope(|scope| {
        for (n, (branch, agent)) in agents.iter().enumerate() {
            let (sold, items) = (&sold, &chain.items);
            scope.spawn(move || {
                agent.sync_once();
                for k in 0..30 {
                    let lines = sale_lines(items, n * 31 + k);
                    sell(agent, &lines);
                    sold.lock().unwrap().add(branch, &lines);
                    if k % 5 == 4 {
                        agent.sync_once();
                    }
                }
                agent.sync_once();
            });
        }
    });
    for (_, agent) in &agents {
        agent.sync_once();
        assert_eq!(agent.status()["queued_files"], 0);
    }
    let sold = sold.into_inner().unwrap();
    sold.check(&admin, &chain.branches, &chain.items, OPENING);
    sold.check(
        &Admin::new(&hub_two.base),
        &chain.branches,
        &chain.items,
        OPENING,
    );
    for (branch, agent) in &agents {
        let hub_stock = admin.on_hand(branch);
        let local = agent.dump();
        for item in &chain.items {
            assert_eq!(local["stock"][item]["on_hand"], hub_stock[item]);
        }
    }
}
