//! Sales channels through the public interface: an admin sets one up, the channel (with its own
//! token) reads its availability and places orders, branches ship them, and a receiver takes the
//! scheduled pushes.

use std::{collections::HashMap, time::Duration};

use hubshake_tests::receiver::Receiver;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::common::{
    Answer, TestApp,
    sales::{Chain, dec, id, transaction},
    spawn_app_with,
};

/// A channel as created, and the token it calls with.
struct Shop {
    id: String,
    token: String,
}

async fn open_shop(chain: &Chain, branches: &[&str], extra: Value) -> Shop {
    let mut body = json!({ "name": "Web shop", "branch_ids": branches });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let created = chain.app.post("/api/v1/channels", &chain.admin, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let client_id = created.body["client_id"].as_str().unwrap();
    let token = chain
        .app
        .token(client_id, created.body["client_secret"].as_str().unwrap())
        .await;
    Shop {
        id: id(&created.body),
        token,
    }
}

async fn map(chain: &Chain, shop: &Shop, rows: Value) -> Answer {
    chain
        .app
        .put(
            &format!("/api/v1/channels/{}/items", shop.id),
            &chain.admin,
            json!({ "items": rows }),
        )
        .await
}

/// Reads the channel's feed from `cursor` to its end: each external id's last figure, and the
/// cursor to go on from.
async fn feed(app: &TestApp, shop: &Shop, cursor: i64) -> (HashMap<String, Value>, i64) {
    let mut cursor = cursor;
    let mut seen = HashMap::new();
    loop {
        let page = app
            .get(
                &format!("/api/v1/channel/availability?cursor={cursor}&limit=2"),
                &shop.token,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for change in page.body["changes"].as_array().unwrap() {
            seen.insert(
                change["external_id"].as_str().unwrap().to_string(),
                change.clone(),
            );
        }
        cursor = page.body["next_cursor"].as_i64().unwrap();
        if !page.body["has_more"].as_bool().unwrap() {
            return (seen, cursor);
        }
    }
}

fn available(change: &Value) -> Decimal {
    dec(change["available"].as_str().unwrap())
}

async fn order(app: &TestApp, shop: &Shop, order_id: &str, lines: &[(&str, &str)]) -> Answer {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(item, quantity)| json!({ "item": item, "quantity": quantity, "unit_price": "10" }))
        .collect();
    app.post(
        "/api/v1/channel/orders",
        &shop.token,
        json!({ "order_id": order_id, "customer_ref": "web-42", "lines": lines }),
    )
    .await
}

#[tokio::test]
async fn items_are_mapped_by_id_or_sku_and_a_bulk_mapping_names_each_bad_row() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let rice = chain.item("RICE", "10").await;
    chain.item("BEANS", "4").await;
    let shop = open_shop(&chain, &[&north], json!({})).await;

    let refused = map(
        &chain,
        &shop,
        json!([
            { "item_id": rice, "external_id": "shop-rice" },
            { "sku": "NOPE", "external_id": "shop-nope" },
            { "sku": "BEANS", "external_id": "shop-rice" },
            { "sku": "BEANS", "external_id": "" },
        ]),
    )
    .await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.error_fields(),
        [
            "items[1].item_id",
            "items[2].external_id",
            "items[3].external_id"
        ]
    );
    // All or nothing: the good row was not kept.
    let none = chain
        .app
        .get(&format!("/api/v1/channels/{}/items", shop.id), &chain.admin)
        .await;
    assert_eq!(none.body["total"], 0, "{}", none.body);

    let mapped = map(
        &chain,
        &shop,
        json!([
            { "item_id": rice, "external_id": "shop-rice" },
            { "sku": "BEANS", "external_id": "shop-beans", "safety_stock": "1" },
        ]),
    )
    .await;
    assert_eq!(mapped.status, StatusCode::OK, "{}", mapped.body);
    let listed = chain
        .app
        .get(&format!("/api/v1/channels/{}/items", shop.id), &chain.admin)
        .await;
    let rows: Vec<(&str, &str)> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["external_id"].as_str().unwrap(),
                m["sku"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [("shop-beans", "BEANS"), ("shop-rice", "RICE")]);
    // Only mapped items are visible to the channel; unmapping one tells it so.
    chain.item("SECRET", "1").await;
    let (seen, _) = feed(&chain.app, &shop, 0).await;
    let mut ids: Vec<&String> = seen.keys().collect();
    ids.sort();
    assert_eq!(ids, ["shop-beans", "shop-rice"]);
    let unmapped = chain
        .app
        .delete(
            &format!("/api/v1/channels/{}/items/{rice}", shop.id),
            &chain.admin,
        )
        .await;
    assert_eq!(unmapped.status, StatusCode::NO_CONTENT, "{}", unmapped.body);
    let (seen, _) = feed(&chain.app, &shop, 0).await;
    assert_eq!(seen["shop-rice"]["deleted"], true, "{seen:?}");
}

#[tokio::test]
async fn availability_follows_the_channels_branches_and_ignores_the_others() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let south = chain.branch("S", "retail").await;
    let other = chain.branch("O", "retail").await;
    let rice = chain.item("RICE", "10").await;
    let shop = open_shop(&chain, &[&north, &south], json!({ "safety_stock": "2" })).await;
    let mapped = map(
        &chain,
        &shop,
        json!([{ "item_id": rice, "external_id": "r" }]),
    )
    .await;
    assert_eq!(mapped.status, StatusCode::OK, "{}", mapped.body);
    let (seen, cursor) = feed(&chain.app, &shop, 0).await;
    assert_eq!(available(&seen["r"]), Decimal::ZERO, "never below zero");

    // Receipts at both branches are summed, less the safety stock.
    chain.receive(&north, &rice, "10").await;
    chain.receive(&south, &rice, "5").await;
    let (seen, cursor) = feed(&chain.app, &shop, cursor).await;
    assert_eq!(available(&seen["r"]), dec("13"), "{seen:?}");

    // Stock at a branch the channel does not sell from changes nothing it reads.
    chain.receive(&other, &rice, "100").await;
    let (seen, cursor) = feed(&chain.app, &shop, cursor).await;
    assert!(seen.is_empty(), "{seen:?}");

    // A till's sale at a channel branch lowers it.
    let till = chain.till(&north, "Till 1").await;
    let cashier = chain.cashier("ANA", &[&north]).await;
    let sale = transaction("sale", &cashier, &chain.cash, &[(&rice, "3", "10")]);
    assert_eq!(chain.post_one(&till, &sale).await["result"], "accepted");
    let (seen, cursor) = feed(&chain.app, &shop, cursor).await;
    assert_eq!(available(&seen["r"]), dec("10"), "{seen:?}");

    // A transfer out of a channel branch to another lowers it when dispatched.
    let transfer = chain
        .app
        .post(
            "/api/v1/transfers",
            &chain.admin,
            json!({ "from_branch_id": south, "to_branch_id": other, "lines": [{ "item_id": rice, "quantity": "4" }] }),
        )
        .await;
    assert_eq!(transfer.status, StatusCode::CREATED, "{}", transfer.body);
    let dispatched = chain
        .app
        .post(
            &format!("/api/v1/transfers/{}/dispatch", id(&transfer.body)),
            &chain.admin,
            json!({}),
        )
        .await;
    assert_eq!(dispatched.status, StatusCode::OK, "{}", dispatched.body);
    let (seen, _) = feed(&chain.app, &shop, cursor).await;
    assert_eq!(available(&seen["r"]), dec("6"), "{seen:?}");
    assert_eq!(seen["r"]["on_hand"], "8");
}

#[tokio::test]
async fn an_order_sent_three_times_at_once_is_placed_and_holds_stock_once() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let rice = chain.item("RICE", "10").await;
    chain.receive(&north, &rice, "10").await;
    let shop = open_shop(&chain, &[&north], json!({})).await;
    map(
        &chain,
        &shop,
        json!([{ "item_id": rice, "external_id": "r" }]),
    )
    .await;

    let sends = (0..3).map(|_| order(&chain.app, &shop, "WEB-1", &[("r", "4")]));
    let answers = futures_util::future::join_all(sends).await;
    let mut statuses: Vec<StatusCode> = answers.iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::OK, StatusCode::CREATED],
        "{answers:?}"
    );
    let ids: Vec<String> = answers.iter().map(|a| id(&a.body)).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");

    let (seen, _) = feed(&chain.app, &shop, 0).await;
    assert_eq!(available(&seen["r"]), dec("6"));
    assert_eq!(seen["r"]["reserved"], "4");
    let listed = chain.app.get("/api/v1/channel/orders", &shop.token).await;
    assert_eq!(listed.body["total"], 1, "{}", listed.body);
    // The same order id with other lines is refused, and changes nothing.
    let other = order(&chain.app, &shop, "WEB-1", &[("r", "5")]).await;
    other.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.error_fields(), ["order_id"]);
}

#[tokio::test]
async fn twenty_orders_racing_for_the_last_five_units_get_exactly_five() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let rice = chain.item("RICE", "10").await;
    chain.receive(&north, &rice, "5").await;
    // Two channels selling from the same branch race for the same units.
    let web = open_shop(&chain, &[&north], json!({})).await;
    let market = open_shop(&chain, &[&north], json!({})).await;
    for shop in [&web, &market] {
        map(
            &chain,
            shop,
            json!([{ "item_id": rice, "external_id": "r" }]),
        )
        .await;
    }
    let sends = (0..20).map(|n| {
        let shop = if n % 2 == 0 { &web } else { &market };
        let app = &chain.app;
        async move { order(app, shop, &format!("ORD-{n}"), &[("r", "1")]).await }
    });
    let answers = futures_util::future::join_all(sends).await;
    let placed = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    assert_eq!(placed, 5, "{answers:?}");
    for refused in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        refused.assert_problem_type(StatusCode::CONFLICT, "insufficient-stock");
        assert_eq!(refused.error_fields(), ["lines[0].quantity"]);
    }
    for shop in [&web, &market] {
        let (seen, _) = feed(&chain.app, shop, 0).await;
        assert_eq!(available(&seen["r"]), Decimal::ZERO);
        assert_eq!(seen["r"]["reserved"], "5");
    }
}

/// Stock movements of an item at a branch, newest last: (reason, delta).
async fn ledger(chain: &Chain, branch: &str, item: &str) -> Vec<(String, String)> {
    let answer = chain
        .app
        .get(
            &format!("/api/v1/branches/{branch}/ledger?item_id={item}"),
            &chain.admin,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["reason"].as_str().unwrap().into(),
                m["delta"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn fulfil_cancel_and_return_move_the_ledger_and_availability_exactly() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let south = chain.branch("S", "retail").await;
    let rice = chain.item("RICE", "10").await;
    chain.receive(&north, &rice, "3").await;
    chain.receive(&south, &rice, "10").await;
    let shop = open_shop(&chain, &[&north, &south], json!({})).await;
    map(
        &chain,
        &shop,
        json!([{ "item_id": rice, "external_id": "r" }]),
    )
    .await;

    // Five units: three held at the first branch, two at the second.
    let placed = order(&chain.app, &shop, "WEB-1", &[("r", "5")]).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let parts: Vec<(String, String)> = placed.body["lines"][0]["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["branch_id"].as_str().unwrap().into(),
                a["quantity"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [(north.clone(), "3".into()), (south.clone(), "2".into())]
    );
    let order_path = format!("/api/v1/channel-orders/{}", id(&placed.body));

    // A terminal of another branch cannot see or ship it; the north till ships its part only.
    let elsewhere = chain.branch("O", "retail").await;
    let stranger = chain.till(&elsewhere, "Till O").await;
    let refused = chain
        .app
        .post(&format!("{order_path}/fulfil"), &stranger.token, json!({}))
        .await;
    refused.assert_problem(StatusCode::NOT_FOUND);
    let north_till = chain.till(&north, "Till N").await;
    let shipped = chain
        .app
        .post(
            &format!("{order_path}/fulfil"),
            &north_till.token,
            json!({}),
        )
        .await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
    assert_eq!(shipped.body["state"], "partially_fulfilled");
    assert_eq!(chain.on_hand(&north, &rice).await, Decimal::ZERO);
    assert_eq!(
        ledger(&chain, &north, &rice).await.pop().unwrap(),
        ("online_sale".into(), "-3".into())
    );
    // Once shipped in part, it cannot be cancelled.
    let cancel = chain
        .app
        .post(&format!("{order_path}/cancel"), &chain.admin, json!({}))
        .await;
    cancel.assert_problem_type(StatusCode::CONFLICT, "wrong-state");

    // Head office ships the rest; sent again, nothing moves twice.
    for _ in 0..2 {
        let shipped = chain
            .app
            .post(&format!("{order_path}/fulfil"), &chain.admin, json!({}))
            .await;
        assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
        assert_eq!(shipped.body["state"], "fulfilled");
    }
    assert_eq!(chain.on_hand(&south, &rice).await, dec("8"));
    let south_moves = ledger(&chain, &south, &rice).await;
    assert_eq!(
        south_moves
            .iter()
            .filter(|(r, _)| r == "online_sale")
            .count(),
        1
    );
    let (seen, _) = feed(&chain.app, &shop, 0).await;
    assert_eq!(available(&seen["r"]), dec("8"));
    assert_eq!(seen["r"]["reserved"], "0");
    // The branch's day shows what it shipped on a line of its own, apart from the tills' sales.
    let today = chain
        .app
        .get(
            &format!("/api/v1/branches/{north}/daily-sales"),
            &chain.admin,
        )
        .await;
    assert_eq!(today.status, StatusCode::OK, "{}", today.body);
    let day = &today.body["items"][0];
    assert_eq!(day["online"]["orders_shipped"], 1, "{day}");
    assert_eq!(day["online"]["shipped"], "30", "{day}");
    assert_eq!(day["sales"]["count"], 0, "{day}");

    // Returned by the channel: the stock comes back where it left, once.
    for _ in 0..2 {
        let returned = chain
            .app
            .post(
                &format!("/api/v1/channel/orders/{}/return", id(&placed.body)),
                &shop.token,
                json!({}),
            )
            .await;
        assert_eq!(returned.status, StatusCode::OK, "{}", returned.body);
        assert_eq!(returned.body["state"], "returned");
    }
    assert_eq!(chain.on_hand(&north, &rice).await, dec("3"));
    assert_eq!(chain.on_hand(&south, &rice).await, dec("10"));
    assert_eq!(
        ledger(&chain, &north, &rice).await.pop().unwrap(),
        ("online_return".into(), "3".into())
    );
    let today = chain
        .app
        .get(
            &format!("/api/v1/branches/{south}/daily-sales"),
            &chain.admin,
        )
        .await;
    let online = &today.body["items"][0]["online"];
    assert_eq!(online["shipped"], "20", "{online}");
    assert_eq!(online["returned"], "20", "{online}");
    assert_eq!(online["net"], "0", "{online}");

    // A cancelled order releases what it held.
    let second = order(&chain.app, &shop, "WEB-2", &[("r", "4")]).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    let (seen, _) = feed(&chain.app, &shop, 0).await;
    assert_eq!(available(&seen["r"]), dec("9"));
    let cancelled = chain
        .app
        .post(
            &format!("/api/v1/channel/orders/{}/cancel", id(&second.body)),
            &shop.token,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.body["state"], "cancelled", "{}", cancelled.body);
    let (seen, _) = feed(&chain.app, &shop, 0).await;
    assert_eq!(available(&seen["r"]), dec("13"));
    assert_eq!(chain.on_hand(&north, &rice).await, dec("3"));
}

#[tokio::test]
async fn a_channel_sees_only_its_own_orders_and_only_its_own_routes() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let rice = chain.item("RICE", "10").await;
    chain.receive(&north, &rice, "10").await;
    let web = open_shop(&chain, &[&north], json!({})).await;
    let market = open_shop(&chain, &[&north], json!({})).await;
    map(
        &chain,
        &web,
        json!([{ "item_id": rice, "external_id": "r" }]),
    )
    .await;
    let placed = order(&chain.app, &web, "WEB-1", &[("r", "1")]).await;
    let path = format!("/api/v1/channel/orders/{}", id(&placed.body));

    let mine = chain.app.get(&path, &web.token).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    chain
        .app
        .get(&path, &market.token)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    chain
        .app
        .post(&format!("{path}/cancel"), &market.token, json!({}))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let theirs = chain.app.get("/api/v1/channel/orders", &market.token).await;
    assert_eq!(theirs.body["total"], 0, "{}", theirs.body);
    // A channel's token opens nothing else; a terminal's does not open the channel's routes.
    chain
        .app
        .get("/api/v1/channel-orders", &web.token)
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
    chain
        .app
        .get(&format!("/api/v1/branches/{north}/stock"), &web.token)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let till = chain.till(&north, "Till").await;
    chain
        .app
        .get("/api/v1/channel/orders", &till.token)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    // A deactivated channel's token stops at once.
    let off = chain
        .app
        .post(
            &format!("/api/v1/channels/{}/deactivate", web.id),
            &chain.admin,
            json!({}),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    chain
        .app
        .get(&path, &web.token)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn backorders_are_taken_only_where_the_channel_allows_them() {
    let chain = Chain::new().await;
    let north = chain.branch("N", "retail").await;
    let rice = chain.item("RICE", "10").await;
    chain.receive(&north, &rice, "2").await;
    let strict = open_shop(&chain, &[&north], json!({})).await;
    let lenient = open_shop(&chain, &[&north], json!({ "allow_backorders": true })).await;
    for shop in [&strict, &lenient] {
        map(
            &chain,
            shop,
            json!([{ "item_id": rice, "external_id": "r" }]),
        )
        .await;
    }
    let refused = order(&chain.app, &strict, "S-1", &[("r", "3")]).await;
    refused.assert_problem_type(StatusCode::CONFLICT, "insufficient-stock");
    let taken = order(&chain.app, &lenient, "L-1", &[("r", "3")]).await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.body);
    assert_eq!(taken.body["lines"][0]["backordered"], "1");
    // It cannot ship before the stock is there.
    let path = format!("/api/v1/channel-orders/{}/fulfil", id(&taken.body));
    chain
        .app
        .post(&path, &chain.admin, json!({}))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "insufficient-stock");
    chain.receive(&north, &rice, "1").await;
    let shipped = chain.app.post(&path, &chain.admin, json!({})).await;
    assert_eq!(shipped.body["state"], "fulfilled", "{}", shipped.body);
    assert_eq!(chain.on_hand(&north, &rice).await, Decimal::ZERO);
}

/// The channel's runs once none is still running.
async fn finished_runs(chain: &Chain, channel_path: &str) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + ARRIVAL;
    loop {
        let runs = chain
            .app
            .get(&format!("{channel_path}/push/runs?limit=500"), &chain.admin)
            .await;
        let runs = runs.body["items"].as_array().unwrap().clone();
        if runs.iter().all(|run| run["outcome"] != "running") {
            return runs;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "a run never ended: {runs:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Longest wait for pushes the schedule makes every second.
const ARRIVAL: Duration = Duration::from_secs(20);

#[tokio::test]
async fn the_schedule_pushes_force_update_pushes_at_once_and_stop_stops() {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(|settings| {
        settings.outbound_allow_http = true;
        settings.outbound_allowed_networks = "127.0.0.0/8".parse().unwrap();
    })
    .await;
    let chain = Chain::with(app).await;
    let north = chain.branch("N", "retail").await;
    let rice = chain.item("RICE", "10").await;
    let beans = chain.item("BEANS", "4").await;
    chain.receive(&north, &rice, "7").await;
    let shop = open_shop(&chain, &[&north], json!({})).await;
    map(
        &chain,
        &shop,
        json!([{ "item_id": rice, "external_id": "r" }, { "item_id": beans, "external_id": "b" }]),
    )
    .await;
    let subscription = chain
        .app
        .post(
            "/api/v1/subscriptions",
            &chain.admin,
            json!({ "name": "Shop stock", "url": receiver.hook_url(), "event_types": ["channel.availability"], "batch_size": 10 }),
        )
        .await;
    assert_eq!(
        subscription.status,
        StatusCode::CREATED,
        "{}",
        subscription.body
    );
    let secret = subscription.body["signing_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let channel_path = format!("/api/v1/channels/{}", shop.id);
    let bad = chain
        .app
        .put(
            &format!("{channel_path}/push"),
            &chain.admin,
            json!({ "subscription_id": id(&subscription.body), "schedule": "every second" }),
        )
        .await;
    assert_eq!(bad.error_fields(), ["schedule"], "{}", bad.body);
    let set = chain
        .app
        .put(
            &format!("{channel_path}/push"),
            &chain.admin,
            json!({ "subscription_id": id(&subscription.body), "schedule": "* * * * * *" }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["push"]["running"], false);

    // Force update pushes at once, whether or not the schedule runs.
    let run = chain
        .app
        .post(&format!("{channel_path}/push/run"), &chain.admin, json!({}))
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    assert_eq!(
        (
            run.body["outcome"].as_str(),
            run.body["items_sent"].as_i64()
        ),
        (Some("succeeded"), Some(2))
    );
    let pushed = receiver.deliveries();
    assert_eq!(pushed.len(), 1);
    assert!(pushed[0].signed_with(&secret));
    let figures: Vec<(String, String)> = pushed[0]
        .events()
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "channel.availability");
            (
                e["data"]["external_id"].as_str().unwrap().into(),
                e["data"]["available"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [("b".into(), "0".into()), ("r".into(), "7".into())]
    );

    // Started, it pushes every second.
    let started = chain
        .app
        .post(
            &format!("{channel_path}/push/start"),
            &chain.admin,
            json!({}),
        )
        .await;
    assert_eq!(started.body["push"]["running"], true, "{}", started.body);
    assert!(
        receiver
            .wait_until(ARRIVAL, |state| state.deliveries.len() >= 3)
            .await
    );
    // A failing receiver makes a failed run with its reason.
    receiver.set(|state| state.down = true);
    let posts = receiver.read(|state| state.posts);
    assert!(
        receiver
            .wait_until(ARRIVAL, |state| state.posts > posts)
            .await
    );
    let stopped = chain
        .app
        .post(
            &format!("{channel_path}/push/stop"),
            &chain.admin,
            json!({}),
        )
        .await;
    assert_eq!(stopped.body["push"]["running"], false, "{}", stopped.body);
    // A run claimed before the stop is listed as running until it ends.
    let runs = finished_runs(&chain, &channel_path).await;
    assert!(
        runs.iter()
            .any(|r| r["trigger"] == "forced" && r["outcome"] == "succeeded")
    );
    assert!(
        runs.iter()
            .filter(|r| r["trigger"] == "schedule" && r["outcome"] == "succeeded")
            .count()
            >= 2
    );
    let failed: Vec<&Value> = runs.iter().filter(|r| r["outcome"] == "failed").collect();
    assert!(!failed.is_empty(), "{runs:?}");
    assert!(
        failed[0]["error"].as_str().unwrap().contains("503"),
        "{failed:?}"
    );

    // Stopped, nothing more is pushed: a forced run is the next POST the receiver sees.
    receiver.set(|state| state.down = false);
    let posts = receiver.read(|state| state.posts);
    let run = chain
        .app
        .post(&format!("{channel_path}/push/run"), &chain.admin, json!({}))
        .await;
    assert_eq!(run.body["outcome"], "succeeded", "{}", run.body);
    let runs_after = chain
        .app
        .get(&format!("{channel_path}/push/runs?limit=500"), &chain.admin)
        .await;
    assert_eq!(
        runs_after.body["total"].as_u64().unwrap() as usize,
        runs.len() + 1
    );
    assert_eq!(receiver.read(|state| state.posts), posts + 1);
}

/// Every route of the OpenAPI document: a channel's token opens only the channel's routes, and
/// an admin's or a terminal's token opens none of those.
#[tokio::test]
async fn a_channel_token_opens_its_own_routes_and_nothing_else() {
    let chain = Chain::new().await;
    let own_branch = chain.branch("A", "retail").await;
    let till = chain.till(&own_branch, "Till A").await;
    let objects = crate::common::objects::objects_of_another_branch(&chain, &own_branch).await;
    let channel_token = objects
        .iter()
        .find(|(name, _)| *name == crate::common::objects::CHANNEL_TOKEN)
        .map(|(_, token)| token.clone())
        .unwrap();
    let spec = chain
        .app
        .send(chain.app.http.get(chain.app.url("/api-docs/openapi.json")))
        .await
        .body;
    let (mut own, mut others) = (0, 0);
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let concrete = crate::common::objects::concrete_path(path, &objects);
        for method in item.as_object().unwrap().keys() {
            let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let call = |token: String| {
                let (verb, concrete) = (verb.clone(), concrete.clone());
                let app = &chain.app;
                async move { app.call(verb, &concrete, &token, Some(json!({}))).await }
            };
            if path.starts_with("/api/v1/channel/") {
                for token in [chain.admin.clone(), till.token.clone()] {
                    call(token)
                        .await
                        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
                }
                let answer = call(channel_token.clone()).await;
                assert!(
                    answer.status != StatusCode::FORBIDDEN && answer.status.as_u16() < 500,
                    "{method} {path}: {}",
                    answer.body
                );
                own += 1;
            } else {
                call(channel_token.clone())
                    .await
                    .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
                others += 1;
            }
        }
    }
    assert_eq!(own, 6);
    assert!(others > 100, "only {others} routes walked");
}
