//! A restaurant till sells a combo with a modifier through the agent: the agent prices it from
//! the menu it received, the hub accepts it, and stock moves for the combo's parts (a burger by
//! its recipe), not for the combo.

use hubshake_tests::{
    admin::id_of,
    hub_process::with_hub_and_admin,
    terminal_agent::{LocalStore, TerminalAgent},
};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_combo_with_options_sold_through_the_agent_moves_its_parts() {
    with_hub_and_admin(|base, admin| {
        let branch = id_of(&admin.post(
            "/api/v1/branches",
            json!({ "code": "GRILL", "name": "Grill", "pos_type": "restaurant", "time_zone": "Asia/Manila" }),
        ));
        admin.post(
            "/api/v1/staff",
            json!({ "code": "ANA", "name": "Ana", "role": "cashier", "pin": "1234", "branch_ids": [branch] }),
        );
        admin.post(
            "/api/v1/payment-methods",
            json!({ "code": "CASH", "name": "Cash", "kind": "cash" }),
        );
        let item = |sku: &str, price: &str| {
            id_of(&admin.post(
                "/api/v1/items",
                json!({ "sku": sku, "name": sku.to_lowercase(), "base_price": price }),
            ))
        };
        let (meal, burger, fries, cola, large) = (
            item("MEAL", "8.00"),
            item("BURGER", "5.00"),
            item("FRIES", "2.00"),
            item("COLA", "1.50"),
            item("LARGE", "0.70"),
        );
        let (patty, bun) = (item("PATTY", "0"), item("BUN", "0"));
        for stocked in [&burger, &fries, &cola, &patty, &bun] {
            admin.adjust(&branch, stocked, "delta", "10");
        }
        admin.put(
            &format!("/api/v1/items/{burger}/recipes/2026-01-01"),
            json!({ "ingredients": [{ "item_id": patty, "quantity": "1" }, { "item_id": bun, "quantity": "1" }] }),
        );
        let group = |name: &str, kind: &str, options: Value| {
            admin.post(
                "/api/v1/item-groups",
                json!({ "name": name, "kind": kind, "min_choices": if kind == "combo" { 1 } else { 0 }, "max_choices": 1, "options": options, "item_ids": [meal] }),
            );
        };
        group("Main", "combo", json!([{ "item_id": burger }]));
        group("Side", "combo", json!([{ "item_id": fries }]));
        group("Drink", "combo", json!([{ "item_id": cola }]));
        group("Size", "modifier", json!([{ "item_id": large, "price_delta": "0.70" }]));

        let (client_id, secret) = admin.terminal(&branch, "Counter");
        let agent = TerminalAgent::new(base, &client_id, &secret, &LocalStore::Sqlite);
        agent.set_pos_type("restaurant");
        agent.sync_once();
        let sold = agent.run(&["sell", "--line", "MEAL=2:BURGER,FRIES,COLA,LARGE"]);
        assert!(sold.status.success(), "{}", String::from_utf8_lossy(&sold.stderr));
        agent.sync_once();

        let sales = admin.get(&format!("/api/v1/transactions?branch_id={branch}"));
        assert_eq!(sales["total"], 1, "{sales}");
        let sale = admin.get(&format!(
            "/api/v1/transactions/{}",
            sales["items"][0]["id"].as_str().unwrap()
        ));
        let line = &sale["lines"][0];
        assert_eq!(line["unit_price"], "8.7", "{sale}");
        let chosen: Vec<&str> = line["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["sku"].as_str().unwrap())
            .collect();
        assert_eq!(chosen, ["BURGER", "FRIES", "COLA", "LARGE"]);

        // Two meals: two of each part, the burger as its patty and bun; the meal and the burger
        // itself do not move.
        let on_hand = admin.on_hand(&branch);
        for (item, expected) in [
            (&patty, "8"),
            (&bun, "8"),
            (&fries, "8"),
            (&cola, "8"),
            (&burger, "10"),
        ] {
            assert_eq!(on_hand.get(item).map(String::as_str), Some(expected), "{item}");
        }
        assert!(!on_hand.contains_key(&meal) || on_hand[&meal] == "0");
    })
    .await;
}
