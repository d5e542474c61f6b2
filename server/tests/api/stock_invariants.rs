//! Stock invariants under random document sequences and under concurrent writers:
//! on hand is always the sum of the ledger, stock is conserved across branches and transit
//! except through adjustments, receipts and sales (a kitchen's among them: options, combo parts
//! and recipes, and voids of them), the past is the replayed ledger, and no update is lost.

use std::{collections::HashMap, sync::Arc};

use crate::common::{
    TestApp,
    sales::{Kitchen, id, result_of, void},
    spawn_app,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const BRANCHES: usize = 3;
const ITEMS: usize = 3;

struct World {
    app: TestApp,
    admin: String,
    branches: Vec<String>,
    items: Vec<String>,
}

async fn world(allow_negative: bool) -> World {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut branches = Vec::new();
    for n in 0..BRANCHES {
        let branch = app
            .post(
                "/api/v1/branches",
                &admin,
                json!({ "code": format!("B{n}"), "name": "B", "pos_type": "retail", "allow_negative_stock": allow_negative }),
            )
            .await;
        branches.push(branch.body["id"].as_str().unwrap().to_string());
    }
    let mut items = Vec::new();
    for n in 0..ITEMS {
        items.push(
            app.create_item(&admin, &format!("I{n}"), "1").await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    World {
        app,
        admin,
        branches,
        items,
    }
}

fn dec(value: &Value) -> Decimal {
    value.as_str().unwrap().parse().unwrap()
}

fn quantity(rng: &mut StdRng) -> Decimal {
    Decimal::new(rng.random_range(1..=400), 2)
}

impl World {
    async fn adjust(&self, branch: &str, item: &str, mode: &str, quantity: Decimal) -> StatusCode {
        let line = json!({ "item_id": item, "mode": mode, "quantity": quantity.to_string(), "reason_code": "test" });
        self.app
            .post(
                &format!("/api/v1/branches/{branch}/adjustments"),
                &self.admin,
                json!({ "lines": [line] }),
            )
            .await
            .status
    }

    async fn transfer(
        &self,
        from: &str,
        to: &str,
        item: &str,
        quantity: Decimal,
    ) -> Option<String> {
        let body = json!({ "from_branch_id": from, "to_branch_id": to, "lines": [{ "item_id": item, "quantity": quantity.to_string() }] });
        let created = self.app.post("/api/v1/transfers", &self.admin, body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_string();
        let dispatched = self
            .app
            .post(
                &format!("/api/v1/transfers/{id}/dispatch"),
                &self.admin,
                json!({}),
            )
            .await;
        (dispatched.status == StatusCode::OK).then_some(id)
    }

    /// Every level and the whole ledger, checked against each other.
    async fn check_invariants(&self) -> (Decimal, Decimal) {
        let (mut total_on_hand, mut total_in_transit, mut total_adjusted) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for branch in &self.branches {
            let levels = self
                .app
                .get(
                    &format!("/api/v1/branches/{branch}/stock?limit=500"),
                    &self.admin,
                )
                .await
                .body;
            for level in levels["items"].as_array().unwrap() {
                let item = level["item_id"].as_str().unwrap();
                let on_hand = dec(&level["on_hand"]);
                total_on_hand += on_hand;
                total_in_transit += dec(&level["in_transit_in"]);
                let ledger = self
                    .app
                    .get(
                        &format!("/api/v1/branches/{branch}/items/{item}/ledger?limit=500"),
                        &self.admin,
                    )
                    .await
                    .body;
                let mut running = Decimal::ZERO;
                for movement in ledger["items"].as_array().unwrap() {
                    running += dec(&movement["delta"]);
                    assert_eq!(
                        running,
                        dec(&movement["balance_after"]),
                        "balance_after replays the ledger"
                    );
                    if matches!(
                        movement["reason"].as_str().unwrap(),
                        "adjustment" | "count" | "po_receipt" | "sale" | "void"
                    ) {
                        total_adjusted += dec(&movement["delta"]);
                    }
                    let at = movement["created_at"].as_str().unwrap().replace('+', "%2B");
                    let past = self
                        .app
                        .get(
                            &format!("/api/v1/branches/{branch}/items/{item}/stock-at?at={at}"),
                            &self.admin,
                        )
                        .await;
                    // Movements of one instant share it: the past at that instant is the last of them.
                    let later_same_instant = ledger["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .rfind(|m| m["created_at"] == movement["created_at"])
                        .unwrap();
                    assert_eq!(
                        dec(&past.body["on_hand"]),
                        dec(&later_same_instant["balance_after"]),
                        "quantity at an instant"
                    );
                }
                assert_eq!(running, on_hand, "on hand is the sum of its ledger");
            }
        }
        assert_eq!(
            total_on_hand + total_in_transit,
            total_adjusted,
            "stock across branches and in transit changes only through adjustments, receipts and sales"
        );
        (total_on_hand, total_in_transit)
    }
}

/// A till at each branch selling from a kitchen.
struct Counter {
    kitchen: Kitchen,
    staff: String,
    cash: String,
    /// A terminal's token per branch, in the world's order.
    tills: Vec<String>,
}

impl Counter {
    async fn open(world: &World) -> Self {
        let (app, admin) = (&world.app, world.admin.as_str());
        let kitchen = Kitchen::set_up(app, admin, &world.items).await;
        let cash = app
            .post(
                "/api/v1/payment-methods",
                admin,
                json!({ "code": "CASH", "name": "Cash", "kind": "cash" }),
            )
            .await;
        let staff = app
            .post(
                "/api/v1/staff",
                admin,
                json!({ "code": "ANA", "name": "Ana", "role": "cashier", "pin": "1234", "branch_ids": world.branches }),
            )
            .await;
        let mut tills = Vec::new();
        for branch in &world.branches {
            let terminal = app.register_terminal(admin, branch, "Till").await;
            let token = app
                .token(
                    terminal["client_id"].as_str().unwrap(),
                    terminal["client_secret"].as_str().unwrap(),
                )
                .await;
            tills.push(token);
        }
        Self {
            kitchen,
            staff: id(&staff.body),
            cash: id(&cash.body),
            tills,
        }
    }

    /// Sends one transaction from the till of branch `b`; it must be accepted.
    async fn send(&self, world: &World, b: usize, transaction: &Value) {
        let answer = world
            .app
            .post(
                "/api/v1/sync/transactions",
                &self.tills[b],
                json!({ "transactions": [transaction] }),
            )
            .await;
        let result = &answer.body["results"][0];
        assert_eq!(result_of(result), "accepted", "{result}");
    }
}

#[tokio::test]
async fn random_document_sequences_keep_the_ledger_and_conservation_true() {
    for seed in [7u64, 2026] {
        let world = world(seed % 2 == 0).await;
        let counter = Counter::open(&world).await;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut dispatched: Vec<String> = Vec::new();
        let mut sold: Vec<(usize, Value)> = Vec::new();
        let mut kitchen_sales = 0;
        for _ in 0..40 {
            let b = rng.random_range(0..BRANCHES);
            let branch = world.branches[b].clone();
            let item = world.items[rng.random_range(0..ITEMS)].clone();
            match rng.random_range(0..9) {
                7 => {
                    let q = quantity(&mut rng).to_string();
                    let sale = counter.kitchen.order(&counter.staff, &counter.cash, &q);
                    counter.send(&world, b, &sale).await;
                    sold.push((b, sale["id"].clone()));
                    kitchen_sales += 1;
                }
                8 if !sold.is_empty() => {
                    let (b, target) = sold.swap_remove(rng.random_range(0..sold.len()));
                    counter
                        .send(&world, b, &void(&counter.staff, &target))
                        .await;
                }
                6 => {
                    let order = json!({
                        "branch_id": branch, "supplier": "S",
                        "lines": [{ "item_id": item, "quantity": quantity(&mut rng).to_string(), "unit_cost": "1" }]
                    });
                    let po = world
                        .app
                        .post("/api/v1/purchase-orders", &world.admin, order)
                        .await
                        .body["id"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    world
                        .app
                        .post(
                            &format!("/api/v1/purchase-orders/{po}/submit"),
                            &world.admin,
                            json!({}),
                        )
                        .await;
                    let receipt = json!({ "lines": [{ "line_no": 1, "quantity": quantity(&mut rng).to_string() }] });
                    // Over-receipt is refused (422); either way the invariants must hold.
                    world
                        .app
                        .post(
                            &format!("/api/v1/purchase-orders/{po}/receipts"),
                            &world.admin,
                            receipt,
                        )
                        .await;
                }
                0 | 1 => {
                    let mut q = quantity(&mut rng);
                    if rng.random_bool(0.3) {
                        q = -q;
                    }
                    world.adjust(&branch, &item, "delta", q).await;
                }
                2 => {
                    world
                        .adjust(&branch, &item, "count", quantity(&mut rng))
                        .await;
                }
                3 => {
                    let to =
                        world.branches[(world.branches.iter().position(|b| *b == branch).unwrap()
                            + 1)
                            % BRANCHES]
                            .clone();
                    if let Some(id) = world
                        .transfer(&branch, &to, &item, quantity(&mut rng))
                        .await
                    {
                        dispatched.push(id);
                    }
                }
                4 if !dispatched.is_empty() => {
                    let id = dispatched.swap_remove(rng.random_range(0..dispatched.len()));
                    let ticket = world
                        .app
                        .get(&format!("/api/v1/transfers/{id}"), &world.admin)
                        .await
                        .body;
                    let sent = dec(&ticket["lines"][0]["quantity"]);
                    let arrived = sent * Decimal::new(rng.random_range(50..=120), 2);
                    let arrived = arrived.round_dp(4);
                    let answer = world
                        .app
                        .post(
                            &format!("/api/v1/transfers/{id}/receive"),
                            &world.admin,
                            json!({ "lines": [{ "line_no": 1, "quantity": arrived.to_string() }] }),
                        )
                        .await;
                    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
                }
                5 if !dispatched.is_empty() => {
                    let id = dispatched.swap_remove(rng.random_range(0..dispatched.len()));
                    let answer = world
                        .app
                        .post(
                            &format!("/api/v1/transfers/{id}/cancel"),
                            &world.admin,
                            json!({}),
                        )
                        .await;
                    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
                }
                _ => {}
            }
        }
        assert!(
            kitchen_sales > 0,
            "seed {seed} sold nothing from the kitchen"
        );
        let (_, in_transit) = world.check_invariants().await;
        let still_sent: Decimal = {
            let mut sum = Decimal::ZERO;
            for id in &dispatched {
                let ticket = world
                    .app
                    .get(&format!("/api/v1/transfers/{id}"), &world.admin)
                    .await
                    .body;
                sum += dec(&ticket["lines"][0]["quantity"]);
            }
            sum
        };
        assert_eq!(
            in_transit, still_sent,
            "in transit is what was dispatched and not yet received (seed {seed})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_adjustments_and_transfers_lose_no_update() {
    let world = Arc::new(world(true).await);
    // A terminal of each of the two busy branches pulls its stock feed while the writers run.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for branch in world.branches[..2].iter().cloned() {
        let terminal = world
            .app
            .register_terminal(&world.admin, &branch, "Till")
            .await;
        let token = world
            .app
            .token(
                terminal["client_id"].as_str().unwrap(),
                terminal["client_secret"].as_str().unwrap(),
            )
            .await;
        let (world, done) = (world.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let mut view = StockView::default();
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                view.pull(&world.app, &token, 3).await;
            }
            view.pull(&world.app, &token, 3).await;
            (branch, token, view)
        }));
    }
    let mut tasks = Vec::new();
    for task in 0..32usize {
        let world = world.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(task as u64);
            // The effect this task had, per (branch, item), counted only for accepted documents.
            let mut effect: HashMap<(usize, usize), Decimal> = HashMap::new();
            for _ in 0..4 {
                let (b, i) = (rng.random_range(0..2), rng.random_range(0..2));
                let q = quantity(&mut rng);
                if task % 2 == 0 {
                    let signed = if rng.random_bool(0.5) { q } else { -q };
                    let status = world
                        .adjust(&world.branches[b], &world.items[i], "delta", signed)
                        .await;
                    assert_eq!(status, StatusCode::CREATED);
                    *effect.entry((b, i)).or_default() += signed;
                } else {
                    let to = 1 - b;
                    let id = world
                        .transfer(&world.branches[b], &world.branches[to], &world.items[i], q)
                        .await;
                    let id = id.expect("negative stock is allowed, so every dispatch is accepted");
                    let received = world
                        .app
                        .call(
                            Method::POST,
                            &format!("/api/v1/transfers/{id}/receive"),
                            &world.admin,
                            Some(json!({})),
                        )
                        .await;
                    assert_eq!(received.status, StatusCode::OK, "{}", received.body);
                    *effect.entry((b, i)).or_default() -= q;
                    *effect.entry((to, i)).or_default() += q;
                }
            }
            effect
        }));
    }
    let mut expected: HashMap<(usize, usize), Decimal> = HashMap::new();
    for task in tasks {
        for (key, delta) in task.await.unwrap() {
            *expected.entry(key).or_default() += delta;
        }
    }
    done.store(true, std::sync::atomic::Ordering::Release);
    for reader in readers {
        let (branch, token, incremental) = reader.await.unwrap();
        let mut fresh = StockView::default();
        fresh.pull(&world.app, &token, 500).await;
        assert!(!fresh.levels.is_empty());
        assert_eq!(
            incremental.levels, fresh.levels,
            "branch {branch}: the terminal that pulled during the writes missed nothing"
        );
    }
    for ((b, i), delta) in expected {
        let level = world
            .app
            .get(
                &format!(
                    "/api/v1/branches/{}/stock?item_id={}",
                    world.branches[b], world.items[i]
                ),
                &world.admin,
            )
            .await;
        let on_hand = level.body["items"]
            .as_array()
            .unwrap()
            .first()
            .map_or(Decimal::ZERO, |l| dec(&l["on_hand"]));
        assert_eq!(
            on_hand, delta,
            "branch {b} item {i}: every accepted change is there once"
        );
    }
    world.check_invariants().await;
}

/// What a terminal keeps from its stock feed: item → (on hand, in transit).
#[derive(Debug, Default)]
struct StockView {
    levels: std::collections::BTreeMap<String, (Decimal, Decimal)>,
    cursor: i64,
}

impl StockView {
    async fn pull(&mut self, app: &TestApp, token: &str, limit: u32) {
        loop {
            let page = app
                .get(
                    &format!("/api/v1/sync/stock?cursor={}&limit={limit}", self.cursor),
                    token,
                )
                .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            for level in page.body["levels"].as_array().unwrap() {
                assert!(level["seq"].as_i64().unwrap() > self.cursor);
                let item = level["item_id"].as_str().unwrap().to_string();
                self.levels
                    .insert(item, (dec(&level["on_hand"]), dec(&level["in_transit_in"])));
            }
            self.cursor = page.body["next_cursor"].as_i64().unwrap();
            if page.body["has_more"] != true {
                return;
            }
        }
    }
}
