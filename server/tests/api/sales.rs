//! Transaction ingest: results per transaction, exact totals, stock effects of sales, returns,
//! voids and work orders, branch isolation, limits, and the admin's queries.

use crate::common::{
    TestApp,
    sales::{Chain, dec, id, reason_codes, result_of, transaction, void},
    spawn_app_with,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn every_transaction_gets_its_own_result() {
    let chain = Chain::new().await;
    let branch = chain.branch("A", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let rice = chain.item("RICE", "55").await;

    let first = transaction("sale", &staff, &chain.cash, &[(&rice, "2", "55")]);
    let mut unknown_item = transaction("sale", &staff, &chain.cash, &[(&rice, "1", "55")]);
    unknown_item["lines"][0]["item_id"] = json!(Uuid::new_v4());
    let mut malformed = transaction("sale", &staff, &chain.cash, &[(&rice, "1", "55")]);
    malformed["branch_id"] = json!(branch);
    let second = transaction("sale", &staff, &chain.cash, &[(&rice, "1", "55")]);

    let results = chain
        .post(
            &till,
            &[
                first.clone(),
                unknown_item.clone(),
                malformed.clone(),
                second.clone(),
            ],
        )
        .await;
    assert_eq!(result_of(&results[0]), "accepted", "{}", results[0]);
    assert_eq!(result_of(&results[1]), "rejected");
    assert_eq!(reason_codes(&results[1]), ["unknown_item"]);
    assert_eq!(results[1]["reasons"][0]["field"], "lines[0].item_id");
    // Unknown fields are refused: a terminal cannot name a branch; the id is still reported.
    assert_eq!(result_of(&results[2]), "rejected");
    assert_eq!(reason_codes(&results[2]), ["invalid"]);
    assert_eq!(results[2]["id"], malformed["id"]);
    assert_eq!(
        result_of(&results[3]),
        "accepted",
        "one bad transaction sinks no other"
    );
    assert_eq!(results[0]["index"], 0);
    assert_eq!(results[3]["index"], 3);

    // The same transaction again, written differently (numbers instead of strings, 2.0 for 2):
    // a duplicate, answered with the same hub id, and nothing changes.
    let mut resent = first.clone();
    resent["lines"][0]["quantity"] = json!(2.0);
    resent["totals"]["total"] = json!(110);
    let again = chain.post_one(&till, &resent).await;
    assert_eq!(result_of(&again), "duplicate", "{again}");
    assert_eq!(again["transaction_id"], results[0]["transaction_id"]);

    // Another transaction under the same id: a conflict, and nothing changes either.
    let mut other = transaction("sale", &staff, &chain.cash, &[(&rice, "5", "55")]);
    other["id"] = first["id"].clone();
    let conflict = chain.post_one(&till, &other).await;
    assert_eq!(result_of(&conflict), "conflict", "{conflict}");
    assert_eq!(conflict["transaction_id"], results[0]["transaction_id"]);

    assert_eq!(chain.on_hand(&branch, &rice).await, dec("-3"));
    let listed = chain
        .app
        .get(
            &format!("/api/v1/transactions?branch_id={branch}"),
            &chain.admin,
        )
        .await;
    assert_eq!(listed.body["total"], 2);
}

#[tokio::test]
async fn totals_are_checked_with_exact_decimals() {
    let chain = Chain::new().await;
    let branch = chain.branch("A", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let candy = chain.item("CANDY", "0.10").await;
    let cheese = chain.item("CHEESE", "1.99").await;

    // 3 × 0.10 is 0.30 exactly (0.30000000000000004 in floating point), plus 12% tax.
    let taxed = |total: &str, paid: &str| {
        json!({
            "id": Uuid::new_v4(),
            "receipt_number": "R-1",
            "kind": "sale",
            "status": "settled",
            "local_time": "2026-11-23T09:00:00+08:00",
            "business_date": "2026-11-23",
            "staff_user_id": staff,
            "lines": [{ "item_id": candy, "quantity": 3, "unit_price": 0.10, "tax": 0.036, "line_total": 0.30 }],
            "payments": [{ "payment_method_id": chain.cash, "amount": paid }],
            "totals": { "subtotal": "0.30", "discount": "0", "tax": "0.036", "total": total },
        })
    };
    let exact = chain.post_one(&till, &taxed("0.336", "0.336")).await;
    assert_eq!(result_of(&exact), "accepted", "{exact}");

    let wrong_total = chain.post_one(&till, &taxed("0.34", "0.34")).await;
    assert_eq!(reason_codes(&wrong_total), ["totals_mismatch"]);
    assert_eq!(wrong_total["reasons"][0]["field"], "totals.total");
    assert!(!wrong_total["retryable"].as_bool().unwrap_or(false));

    let underpaid = chain.post_one(&till, &taxed("0.336", "0.33")).await;
    assert_eq!(reason_codes(&underpaid), ["payments_mismatch"]);

    let mut too_precise = taxed("0.336", "0.336");
    too_precise["lines"][0]["tax"] = json!("0.00001");
    let refused = chain.post_one(&till, &too_precise).await;
    assert!(
        reason_codes(&refused).contains(&"invalid".to_string()),
        "{refused}"
    );

    let mut wrong_line = taxed("0.336", "0.336");
    wrong_line["lines"][0]["line_total"] = json!("0.31");
    let refused = chain.post_one(&till, &wrong_line).await;
    assert!(reason_codes(&refused).contains(&"totals_mismatch".to_string()));
    assert_eq!(refused["reasons"][0]["field"], "lines[0].line_total");

    // 0.333 kg × 1.99 = 0.66267: a till that rounds the line to cents sends 0.66.
    let mut weighed = transaction("sale", &staff, &chain.cash, &[(&cheese, "0.333", "1.99")]);
    weighed["lines"][0]["line_total"] = json!("0.66");
    weighed["totals"] = json!({ "subtotal": "0.66", "discount": "0", "tax": "0", "total": "0.66" });
    weighed["payments"][0]["amount"] = json!("0.66");
    let accepted = chain.post_one(&till, &weighed).await;
    assert_eq!(result_of(&accepted), "accepted", "{accepted}");

    let detail = chain.transaction(&exact["transaction_id"]).await;
    assert_eq!(detail["total"], "0.336");
    assert_eq!(detail["lines"][0]["line_total"], "0.3");
    assert_eq!(detail["payments"][0]["amount"], "0.336");
    assert_eq!(detail["utc_offset_minutes"], 480);
    assert_eq!(detail["occurred_at"], "2026-11-23T01:00:00Z");
    // Names next to the ids, so a person can read it.
    assert_eq!(detail["lines"][0]["sku"], "CANDY");
    assert_eq!(detail["lines"][0]["item_name"], "Item CANDY");
    assert_eq!(detail["payments"][0]["payment_method_name"], "CASH");
    assert_eq!(detail["staff_user_name"], "ANA");
}

#[tokio::test]
async fn sales_returns_and_voids_move_stock() {
    let chain = Chain::new().await;
    let branch = chain.branch("A", "retail").await;
    let other_branch = chain.branch("B", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let second_till = chain.till(&branch, "Till 2").await;
    let other_till = chain.till(&other_branch, "Till 1").await;
    let staff = chain.cashier("ANA", &[&branch, &other_branch]).await;
    let rice = chain.item("RICE", "55").await;
    let sugar = chain.item("SUGAR", "70").await;
    chain.receive(&branch, &rice, "10").await;

    let sale = transaction(
        "sale",
        &staff,
        &chain.cash,
        &[(&rice, "3", "55"), (&sugar, "2", "70")],
    );
    assert_eq!(result_of(&chain.post_one(&till, &sale).await), "accepted");
    assert_eq!(chain.on_hand(&branch, &rice).await, dec("7"));
    // Sales are never refused for stock: they happened. Sugar goes negative, for admins to see.
    assert_eq!(chain.on_hand(&branch, &sugar).await, dec("-2"));
    let negative = chain
        .app
        .get(
            &format!("/api/v1/branches/{branch}/stock?below=0"),
            &chain.admin,
        )
        .await;
    let negative_items: Vec<&str> = negative.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["item_id"].as_str().unwrap())
        .collect();
    assert_eq!(negative_items, [sugar.as_str()]);

    let giveback = transaction("return", &staff, &chain.cash, &[(&rice, "1", "55")]);
    assert_eq!(
        result_of(&chain.post_one(&till, &giveback).await),
        "accepted"
    );
    assert_eq!(chain.on_hand(&branch, &rice).await, dec("8"));

    // A void from another till of the branch reverses exactly what the sale did.
    let voided = chain
        .post_one(&second_till, &void(&staff, &sale["id"]))
        .await;
    assert_eq!(result_of(&voided), "accepted", "{voided}");
    assert_eq!(chain.on_hand(&branch, &rice).await, dec("11"));
    assert_eq!(chain.on_hand(&branch, &sugar).await, dec("0"));

    let twice = chain.post_one(&till, &void(&staff, &sale["id"])).await;
    assert_eq!(reason_codes(&twice), ["already_voided"]);
    let of_void = chain.post_one(&till, &void(&staff, &voided["id"])).await;
    assert_eq!(reason_codes(&of_void), ["not_voidable"]);
    let not_yet = chain
        .post_one(&till, &void(&staff, &json!(Uuid::new_v4())))
        .await;
    assert_eq!(reason_codes(&not_yet), ["void_target_unknown"]);
    assert_eq!(not_yet["retryable"], true);
    let elsewhere = chain
        .post_one(&other_till, &void(&staff, &giveback["id"]))
        .await;
    assert_eq!(reason_codes(&elsewhere), ["void_target_other_branch"]);

    // The return, voided: stock back where the sale's void left it, minus the returned one.
    let return_voided = chain.post_one(&till, &void(&staff, &giveback["id"])).await;
    assert_eq!(result_of(&return_voided), "accepted");
    assert_eq!(chain.on_hand(&branch, &rice).await, dec("10"));

    let ledger = chain
        .app
        .get(
            &format!("/api/v1/branches/{branch}/items/{rice}/ledger"),
            &chain.admin,
        )
        .await;
    let moves: Vec<(String, String)> = ledger.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["reason"].as_str().unwrap().to_string(),
                m["delta"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("adjustment", "10"),
        ("sale", "-3"),
        ("return", "1"),
        ("void", "3"),
        ("void", "-1"),
    ];
    assert_eq!(moves, expected.map(|(r, d)| (r.to_string(), d.to_string())),);

    // The sale is marked voided; the void points at it.
    let void_detail = chain.transaction(&voided["transaction_id"]).await;
    let sale_detail = chain
        .transaction(&void_detail["voids_transaction_id"])
        .await;
    assert_eq!(sale_detail["terminal_transaction_id"], sale["id"]);
    assert_eq!(
        sale_detail["voided_by_transaction_id"],
        voided["transaction_id"]
    );
}

fn work_order(
    staff: &str,
    method: &str,
    item: &str,
    quantity: &str,
    revision: i32,
    status: &str,
) -> Value {
    let mut order = transaction("work_order", staff, method, &[(item, quantity, "100")]);
    order["revision"] = json!(revision);
    order["status"] = json!(status);
    if status == "open" {
        order["payments"] = json!([]);
    }
    order
}

#[tokio::test]
async fn a_work_order_moves_stock_once_when_settled() {
    let chain = Chain::new().await;
    let branch = chain.branch("A", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let part = chain.item("PART", "100").await;
    chain.receive(&branch, &part, "10").await;

    let order_id = json!(Uuid::new_v4());
    let revision = |quantity: &str, revision: i32, status: &str| {
        let mut order = work_order(&staff, &chain.cash, &part, quantity, revision, status);
        order["id"] = order_id.clone();
        order
    };
    let opened = chain.post_one(&till, &revision("1", 1, "open")).await;
    assert_eq!(result_of(&opened), "accepted", "{opened}");
    let changed = chain.post_one(&till, &revision("2", 2, "open")).await;
    assert_eq!(result_of(&changed), "accepted");
    assert_eq!(changed["transaction_id"], opened["transaction_id"]);
    assert_eq!(
        chain.on_hand(&branch, &part).await,
        dec("10"),
        "open: no stock moves"
    );

    // An old revision resent late is already superseded.
    let stale = chain.post_one(&till, &revision("1", 1, "open")).await;
    assert_eq!(result_of(&stale), "duplicate", "{stale}");

    let settled = revision("3", 3, "settled");
    assert_eq!(
        result_of(&chain.post_one(&till, &settled).await),
        "accepted"
    );
    assert_eq!(chain.on_hand(&branch, &part).await, dec("7"));
    assert_eq!(
        result_of(&chain.post_one(&till, &settled).await),
        "duplicate"
    );
    let after_settling = chain.post_one(&till, &revision("4", 4, "settled")).await;
    assert_eq!(result_of(&after_settling), "conflict");
    assert_eq!(
        chain.on_hand(&branch, &part).await,
        dec("7"),
        "stock moved once"
    );

    let detail = chain.transaction(&opened["transaction_id"]).await;
    assert_eq!(detail["status"], "settled");
    assert_eq!(detail["revision"], 3);
    assert_eq!(detail["lines"][0]["quantity"], "3");

    // Open and settled in one batch: the settled revision wins, stock moves once.
    let batch_order = json!(Uuid::new_v4());
    let mut open = work_order(&staff, &chain.cash, &part, "1", 1, "open");
    open["id"] = batch_order.clone();
    let mut done = work_order(&staff, &chain.cash, &part, "2", 2, "settled");
    done["id"] = batch_order;
    let results = chain.post(&till, &[open.clone(), done, open]).await;
    let outcomes: Vec<&str> = results.iter().map(result_of).collect();
    assert_eq!(outcomes, ["accepted", "accepted", "duplicate"]);
    assert_eq!(chain.on_hand(&branch, &part).await, dec("5"));
}

#[tokio::test]
async fn open_transactions_and_restaurant_rules() {
    let chain = Chain::new().await;
    let shop = chain.branch("SHOP", "retail").await;
    let diner = chain.branch("DINER", "restaurant").await;
    let shop_till = chain.till(&shop, "Till").await;
    let diner_till = chain.till(&diner, "Till").await;
    let staff = chain.cashier("ANA", &[&shop, &diner]).await;
    let soup = chain.item("SOUP", "120").await;

    let mut open_sale = transaction("sale", &staff, &chain.cash, &[(&soup, "1", "120")]);
    open_sale["status"] = json!("open");
    let refused = chain.post_one(&shop_till, &open_sale).await;
    assert_eq!(reason_codes(&refused), ["open_not_allowed"]);

    let open_order = work_order(&staff, &chain.cash, &soup, "1", 1, "open");
    let refused = chain.post_one(&diner_till, &open_order).await;
    assert!(reason_codes(&refused).contains(&"open_not_allowed".to_string()));
    assert!(
        refused["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["field"] == "kind"),
        "{refused}"
    );

    let plain = transaction("sale", &staff, &chain.cash, &[(&soup, "1", "120")]);
    let refused = chain.post_one(&diner_till, &plain).await;
    assert_eq!(refused["reasons"][0]["field"], "order_type");

    let mut dine_in = plain.clone();
    dine_in["order_type"] = json!("dine_in");
    dine_in["table"] = json!("T12");
    dine_in["covers"] = json!(4);
    let accepted = chain.post_one(&diner_till, &dine_in).await;
    assert_eq!(result_of(&accepted), "accepted", "{accepted}");
    let detail = chain.transaction(&accepted["transaction_id"]).await;
    assert_eq!(detail["order_type"], "dine_in");
    assert_eq!(detail["table"], "T12");
    assert_eq!(detail["covers"], 4);

    let refused = chain.post_one(&shop_till, &dine_in).await;
    let fields: Vec<&str> = refused["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["order_type", "table", "covers"]);

    // An item hidden at the branch is not sold there.
    let hidden = chain
        .app
        .put(
            &format!("/api/v1/branches/{shop}/items/{soup}"),
            &chain.admin,
            json!({ "hidden": true }),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);
    let refused = chain
        .post_one(
            &shop_till,
            &transaction("sale", &staff, &chain.cash, &[(&soup, "1", "120")]),
        )
        .await;
    assert_eq!(reason_codes(&refused), ["item_not_sold_here"]);

    let mut strangers = transaction("sale", &staff, &chain.cash, &[(&soup, "1", "120")]);
    strangers["order_type"] = json!("take_away");
    strangers["staff_user_id"] = json!(Uuid::new_v4());
    strangers["customer_id"] = json!(Uuid::new_v4());
    strangers["payments"][0]["payment_method_id"] = json!(Uuid::new_v4());
    let refused = chain.post_one(&diner_till, &strangers).await;
    assert_eq!(
        reason_codes(&refused),
        [
            "unknown_staff_user",
            "unknown_customer",
            "unknown_payment_method"
        ]
    );
}

#[tokio::test]
async fn terminals_stay_in_their_branch() {
    let chain = Chain::new().await;
    let a = chain.branch("A", "retail").await;
    let b = chain.branch("B", "retail").await;
    let till_a = chain.till(&a, "Till").await;
    let till_b = chain.till(&b, "Till").await;
    let staff = chain.cashier("ANA", &[&a, &b]).await;
    let rice = chain.item("RICE", "55").await;

    let sale = transaction("sale", &staff, &chain.cash, &[(&rice, "1", "55")]);
    let accepted = chain.post_one(&till_a, &sale).await;
    let hub_id = accepted["transaction_id"].as_str().unwrap();
    chain
        .post_one(
            &till_b,
            &transaction("sale", &staff, &chain.cash, &[(&rice, "4", "55")]),
        )
        .await;

    // The same terminal id from another till is another transaction (ids are per terminal).
    let from_b = chain.post_one(&till_b, &sale).await;
    assert_eq!(result_of(&from_b), "accepted");
    assert_eq!(chain.on_hand(&a, &rice).await, dec("-1"));
    assert_eq!(chain.on_hand(&b, &rice).await, dec("-5"));

    let own = chain.app.get("/api/v1/transactions", &till_b.token).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(own.body["total"], 2);
    assert!(
        own.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["branch_id"] == b.as_str())
    );
    chain
        .app
        .get(
            &format!("/api/v1/transactions?branch_id={a}"),
            &till_b.token,
        )
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
    chain
        .app
        .get(&format!("/api/v1/transactions/{hub_id}"), &till_b.token)
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
    let mine = chain
        .app
        .get(&format!("/api/v1/transactions/{hub_id}"), &till_a.token)
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    chain
        .app
        .get(
            &format!("/api/v1/branches/{a}/daily-sales?from=2026-11-01&to=2026-11-30"),
            &till_b.token,
        )
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "not-found");

    // An admin is not a terminal: it cannot post transactions.
    chain
        .app
        .post(
            "/api/v1/sync/transactions",
            &chain.admin,
            json!({ "transactions": [sale] }),
        )
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");

    // Held ids: only the caller's own.
    let held = chain
        .app
        .post(
            "/api/v1/sync/transactions/held",
            &till_a.token,
            json!({ "ids": [sale["id"], Uuid::new_v4()] }),
        )
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.body);
    let held = held.body["held"].as_array().unwrap().clone();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["id"], sale["id"]);
    assert_eq!(held[0]["transaction_id"], hub_id);
    let too_many: Vec<Uuid> = (0..5001).map(|_| Uuid::new_v4()).collect();
    let refused = chain
        .app
        .post(
            "/api/v1/sync/transactions/held",
            &till_a.token,
            json!({ "ids": too_many }),
        )
        .await;
    refused.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(refused.error_fields(), ["ids"]);
    chain
        .app
        .post(
            "/api/v1/sync/transactions/held",
            &till_a.token,
            json!({ "ids": ["not-a-uuid"] }),
        )
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
}

#[tokio::test]
async fn batch_limits() {
    let app = spawn_app_with(|settings| settings.transaction_batch_limit_bytes = 256 * 1024).await;
    let chain = Chain::with(app).await;
    let branch = chain.branch("A", "retail").await;
    let till = chain.till(&branch, "Till").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let rice = chain.item("RICE", "55").await;

    let sale = transaction("sale", &staff, &chain.cash, &[(&rice, "1", "55")]);
    let too_many: Vec<Value> = (0..501).map(|_| sale.clone()).collect();
    let answer = chain.send(&till, &too_many).await;
    answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(answer.error_fields(), ["transactions"]);
    chain
        .send(&till, &[])
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");

    let huge: Vec<Value> = (0..400)
        .map(|_| transaction("sale", &staff, &chain.cash, &[(&rice, "1", "55")]))
        .map(|mut t| {
            t["receipt_number"] = json!("R".repeat(60));
            t["lines"] = json!(vec![t["lines"][0].clone(); 4]);
            t
        })
        .collect();
    chain
        .send(&till, &huge)
        .await
        .assert_problem_type(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large");

    let url = chain.app.url("/api/v1/sync/transactions");
    for (content_type, body, status, problem) in [
        (
            "application/json",
            "{not json",
            StatusCode::BAD_REQUEST,
            "bad-request",
        ),
        (
            "text/plain",
            "{}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        ),
    ] {
        let request = chain
            .app
            .http
            .post(&url)
            .bearer_auth(&till.token)
            .header("content-type", content_type)
            .body(body);
        chain
            .app
            .send(request)
            .await
            .assert_problem_type(status, problem);
    }
    assert_eq!(
        chain.on_hand(&branch, &rice).await,
        dec("0"),
        "nothing was recorded"
    );
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let answer = app.get(path, token).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.body
}

#[tokio::test]
async fn admins_query_transactions_and_daily_sales() {
    let chain = Chain::new().await;
    let branch = chain.branch("A", "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let other_till = chain.till(&branch, "Till 2").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let rice = chain.item("RICE", "55").await;
    let customer = chain
        .app
        .post(
            "/api/v1/customers",
            &chain.admin,
            json!({ "code": "C1", "name": "Carla" }),
        )
        .await;
    let customer = id(&customer.body);

    let on = |date: &str, mut t: Value| {
        t["business_date"] = json!(date);
        t
    };
    let mut by_card = transaction("sale", &staff, &chain.card, &[(&rice, "2", "55.25")]);
    by_card["customer_id"] = json!(customer);
    by_card["receipt_number"] = json!("R-CARD");
    let mut discounted = transaction("sale", &staff, &chain.cash, &[(&rice, "1", "55")]);
    discounted["lines"][0]["discount"] = json!("5");
    discounted["lines"][0]["tax"] = json!("6");
    discounted["lines"][0]["line_total"] = json!("50");
    discounted["totals"] = json!({ "subtotal": "50", "discount": "5", "tax": "6", "total": "56" });
    discounted["payments"][0]["amount"] = json!("56");
    let voided_sale = transaction("sale", &staff, &chain.cash, &[(&rice, "9", "55")]);
    let giveback = transaction("return", &staff, &chain.cash, &[(&rice, "1", "55")]);
    chain
        .post(
            &till,
            &[
                on("2026-11-22", by_card.clone()),
                on("2026-11-22", discounted),
                on("2026-11-22", voided_sale.clone()),
                on("2026-11-22", giveback),
                on(
                    "2026-11-23",
                    transaction("sale", &staff, &chain.cash, &[(&rice, "1", "10")]),
                ),
            ],
        )
        .await;
    let voided = chain
        .post_one(
            &other_till,
            &on("2026-11-22", void(&staff, &voided_sale["id"])),
        )
        .await;
    assert_eq!(result_of(&voided), "accepted");

    let days = get_ok(
        &chain.app,
        &format!("/api/v1/branches/{branch}/daily-sales?from=2026-11-22&to=2026-11-23"),
        &chain.admin,
    )
    .await;
    assert_eq!(days["total"], 2, "{days}");
    let days = days["items"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    let day = &days[0];
    assert_eq!(day["business_date"], "2026-11-22");
    assert_eq!(
        day["sales"]["count"], 2,
        "the voided sale is left out: {day}"
    );
    assert_eq!(day["sales"]["subtotal"], "160.5");
    assert_eq!(day["sales"]["discount"], "5");
    assert_eq!(day["sales"]["tax"], "6");
    assert_eq!(day["sales"]["total"], "166.5");
    assert_eq!(day["returns"]["count"], 1);
    assert_eq!(day["returns"]["total"], "55");
    assert_eq!(day["voids"], 1);
    assert_eq!(day["net_total"], "111.5");
    assert_eq!(
        day["payments"],
        json!([
            { "payment_method_id": chain.card, "payment_method_name": "CARD", "amount": "110.5" },
            { "payment_method_id": chain.cash, "payment_method_name": "CASH", "amount": "1" },
        ])
    );
    assert_eq!(days[1]["sales"]["total"], "10");

    let list = |query: String| {
        let app = &chain.app;
        let admin = chain.admin.clone();
        async move { get_ok(app, &format!("/api/v1/transactions?{query}"), &admin).await }
    };
    let by_receipt = list("receipt_number=R-CARD".into()).await;
    assert_eq!(by_receipt["total"], 1);
    assert_eq!(
        by_receipt["items"][0]["terminal_transaction_id"],
        by_card["id"]
    );
    assert_eq!(list(format!("customer_id={customer}")).await["total"], 1);
    assert_eq!(
        list(format!("terminal_id={}", other_till.terminal_id)).await["total"],
        1
    );
    assert_eq!(
        list("from=2026-11-23&to=2026-11-23".into()).await["total"],
        1
    );
    assert_eq!(list("kind=return".into()).await["total"], 1);
    let page = list("limit=2&offset=4".into()).await;
    assert_eq!(page["total"], 6);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);

    chain
        .app
        .get(
            &format!("/api/v1/branches/{branch}/daily-sales?from=2026-11-23&to=2026-11-01"),
            &chain.admin,
        )
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    chain
        .app
        .get("/api/v1/transactions?limit=501", &chain.admin)
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");

    // An item with sales cannot be deleted: it would erase history.
    chain
        .app
        .delete(&format!("/api/v1/items/{rice}"), &chain.admin)
        .await
        .assert_problem_type(StatusCode::CONFLICT, "in-use");
}
