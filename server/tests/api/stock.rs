//! Stock: adjustments and counts, transfer tickets, idempotent retries, queries and the terminal's
//! stock feed, with branch isolation.

use crate::common::{Answer, TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

struct Shop {
    app: TestApp,
    admin: String,
    branch_a: String,
    branch_b: String,
    token_a: String,
    item: String,
    other_item: String,
}

async fn shop() -> Shop {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal_a, token_a) = app.terminal_with_token(&admin, "A").await;
    let branch_b = id(&app.create_branch(&admin, "B", "retail").await);
    let item = id(&app.create_item(&admin, "RICE-1KG", "55").await);
    let other_item = id(&app.create_item(&admin, "SUGAR-1KG", "70").await);
    let branch_a = terminal_a["terminal"]["branch_id"]
        .as_str()
        .unwrap()
        .to_string();
    Shop {
        app,
        admin,
        branch_a,
        branch_b,
        token_a,
        item,
        other_item,
    }
}

impl Shop {
    async fn adjust(&self, branch: &str, lines: Value, key: Option<&str>) -> Answer {
        let mut request = self
            .app
            .http
            .post(
                self.app
                    .url(&format!("/api/v1/branches/{branch}/adjustments")),
            )
            .bearer_auth(&self.admin)
            .json(&json!({ "lines": lines }));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        self.app.send(request).await
    }

    async fn on_hand(&self, branch: &str, item: &str) -> (String, String) {
        let answer = self
            .app
            .get(
                &format!("/api/v1/branches/{branch}/stock?item_id={item}"),
                &self.admin,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        match answer.body["items"].as_array().unwrap().first() {
            Some(level) => (
                level["on_hand"].as_str().unwrap().into(),
                level["in_transit_in"].as_str().unwrap().into(),
            ),
            None => ("0".into(), "0".into()),
        }
    }

    async fn transfer_action(&self, transfer: &str, action: &str, body: Value) -> Answer {
        self.app
            .post(
                &format!("/api/v1/transfers/{transfer}/{action}"),
                &self.admin,
                body,
            )
            .await
    }
}

#[tokio::test]
async fn adjustments_and_counts_move_stock_through_the_ledger() {
    let shop = shop().await;
    let (a, item) = (&shop.branch_a, &shop.item);
    let added = shop
        .adjust(a, json!([{ "item_id": item, "mode": "delta", "quantity": "10.5", "reason_code": "opening" }]), None)
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(added.body["lines"][0]["delta_applied"], "10.5");
    let counted = shop
        .adjust(a, json!([{ "item_id": item, "mode": "count", "quantity": "7", "reason_code": "cycle_count" }]), None)
        .await;
    assert_eq!(
        counted.body["lines"][0]["delta_applied"], "-3.5",
        "a count records the difference"
    );
    assert_eq!(shop.on_hand(a, item).await.0, "7");

    let ledger = shop
        .app
        .get(
            &format!("/api/v1/branches/{a}/items/{item}/ledger"),
            &shop.admin,
        )
        .await;
    let rows = ledger.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["reason"], "adjustment");
    assert_eq!(rows[0]["balance_after"], "10.5");
    assert_eq!(rows[1]["reason"], "count");
    assert_eq!(rows[1]["delta"], "-3.5");
    assert_eq!(rows[1]["document_type"], "adjustment");
    let read = shop
        .app
        .get(
            &format!("/api/v1/branches/{a}/adjustments/{}", id(&counted.body)),
            &shop.admin,
        )
        .await;
    assert_eq!(read.body["lines"][0]["mode"], "count");

    // The branch's adjustments, newest first, each with its lines; none at the other branch.
    let listed = shop
        .app
        .get(&format!("/api/v1/branches/{a}/adjustments"), &shop.admin)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["total"], 2);
    assert_eq!(listed.body["items"][0]["id"], counted.body["id"]);
    assert_eq!(listed.body["items"][1]["lines"][0]["delta_applied"], "10.5");
    let elsewhere = shop
        .app
        .get(
            &format!("/api/v1/branches/{}/adjustments", shop.branch_b),
            &shop.admin,
        )
        .await;
    assert_eq!(elsewhere.body["total"], 0);
    shop.app
        .get(
            &format!("/api/v1/branches/{}/adjustments", uuid::Uuid::now_v7()),
            &shop.admin,
        )
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "not-found");

    // The past: between the two documents on hand was 10.5.
    let between = rows[1]["created_at"].as_str().unwrap();
    let before_count =
        chrono::DateTime::parse_from_rfc3339(between).unwrap() - chrono::Duration::microseconds(1);
    let at = shop
        .app
        .get(
            &format!(
                "/api/v1/branches/{a}/items/{item}/stock-at?at={}",
                urlencode(&before_count.to_rfc3339())
            ),
            &shop.admin,
        )
        .await;
    assert_eq!(at.status, StatusCode::OK, "{}", at.body);
    assert_eq!(at.body["on_hand"], "10.5");
}

fn urlencode(value: &str) -> String {
    value.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn documents_may_not_drive_stock_negative_unless_the_branch_allows_it() {
    let shop = shop().await;
    let (a, item) = (&shop.branch_a, &shop.item);
    shop.adjust(
        a,
        json!([{ "item_id": item, "mode": "delta", "quantity": "2", "reason_code": "opening" }]),
        None,
    )
    .await;
    let refused = shop
        .adjust(
            a,
            json!([
                { "item_id": shop.other_item, "mode": "delta", "quantity": "5", "reason_code": "found" },
                { "item_id": item, "mode": "delta", "quantity": "-3", "reason_code": "damaged" }
            ]),
            None,
        )
        .await;
    refused.assert_problem_type(StatusCode::CONFLICT, "insufficient-stock");
    assert_eq!(shop.on_hand(a, item).await.0, "2");
    assert_eq!(
        shop.on_hand(a, &shop.other_item).await.0,
        "0",
        "the whole document was refused"
    );

    shop.app
        .call(
            Method::PATCH,
            &format!("/api/v1/branches/{a}"),
            &shop.admin,
            Some(json!({ "allow_negative_stock": true })),
        )
        .await;
    let allowed = shop.adjust(a, json!([{ "item_id": item, "mode": "delta", "quantity": "-3", "reason_code": "damaged" }]), None).await;
    assert_eq!(allowed.status, StatusCode::CREATED, "{}", allowed.body);
    assert_eq!(shop.on_hand(a, item).await.0, "-1");
}

#[tokio::test]
async fn adjustment_input_is_checked() {
    let shop = shop().await;
    let bad = shop
        .adjust(
            &shop.branch_a,
            json!([
                { "item_id": shop.item, "mode": "guess", "quantity": "1", "reason_code": "" },
                { "item_id": shop.other_item, "mode": "count", "quantity": "-1", "reason_code": "x" },
                { "item_id": "01900000-0000-7000-8000-000000000000", "mode": "delta", "quantity": "0.00001", "reason_code": "x" }
            ]),
            None,
        )
        .await;
    bad.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "lines[0].mode",
            "lines[0].reason_code",
            "lines[1].quantity",
            "lines[2].quantity"
        ]
    );
    let unknown_item = shop
        .adjust(&shop.branch_a, json!([{ "item_id": "01900000-0000-7000-8000-000000000000", "mode": "delta", "quantity": "1", "reason_code": "x" }]), None)
        .await;
    unknown_item.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(unknown_item.error_fields(), ["lines[0].item_id"]);
    shop.adjust(&shop.branch_a, json!([]), None)
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    shop.adjust(
        "01900000-0000-7000-8000-000000000000",
        json!([{ "item_id": shop.item, "mode": "delta", "quantity": "1", "reason_code": "x" }]),
        None,
    )
    .await
    .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn a_transfer_moves_stock_through_transit_and_records_a_short_receipt() {
    let shop = shop().await;
    let (a, b, item) = (&shop.branch_a, &shop.branch_b, &shop.item);
    shop.adjust(
        a,
        json!([{ "item_id": item, "mode": "delta", "quantity": "20", "reason_code": "opening" }]),
        None,
    )
    .await;
    let created = shop
        .app
        .post("/api/v1/transfers", &shop.admin, json!({ "from_branch_id": a, "to_branch_id": b, "lines": [{ "item_id": item, "quantity": "8" }] }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["status"], "draft");
    let transfer = id(&created.body);
    assert_eq!(shop.on_hand(a, item).await.0, "20", "a draft moves nothing");

    shop.transfer_action(&transfer, "receive", json!({}))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");
    let dispatched = shop.transfer_action(&transfer, "dispatch", json!({})).await;
    assert_eq!(dispatched.status, StatusCode::OK, "{}", dispatched.body);
    assert_eq!(shop.on_hand(a, item).await.0, "12");
    assert_eq!(
        shop.on_hand(b, item).await,
        ("0".to_string(), "8".to_string())
    );
    shop.transfer_action(&transfer, "dispatch", json!({}))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");

    let received = shop
        .transfer_action(
            &transfer,
            "receive",
            json!({ "lines": [{ "line_no": 1, "quantity": "7.5" }] }),
        )
        .await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.body);
    assert_eq!(received.body["status"], "received");
    assert_eq!(received.body["lines"][0]["discrepancy"], "-0.5");
    assert_eq!(
        shop.on_hand(b, item).await,
        ("7.5".to_string(), "0".to_string())
    );
    let ledger = shop
        .app
        .get(
            &format!("/api/v1/branches/{b}/items/{item}/ledger"),
            &shop.admin,
        )
        .await;
    let reasons: Vec<&str> = ledger.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["transfer_in", "adjustment"],
        "the shortfall is on the ledger"
    );

    shop.transfer_action(&transfer, "cancel", json!({}))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");
    shop.transfer_action(&transfer, "receive", json!({}))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");
    let listed = shop
        .app
        .get(
            &format!("/api/v1/transfers?branch_id={b}&status=received"),
            &shop.admin,
        )
        .await;
    assert_eq!(listed.body["total"], 1);
    // A list carries each document's lines, as its own page does.
    let listed = &listed.body["items"][0];
    let own = shop
        .app
        .get(
            &format!("/api/v1/transfers/{}", listed["id"].as_str().unwrap()),
            &shop.admin,
        )
        .await;
    assert!(!own.body["lines"].as_array().unwrap().is_empty());
    assert_eq!(listed["lines"], own.body["lines"]);
}

#[tokio::test]
async fn cancelling_a_dispatched_transfer_returns_the_stock() {
    let shop = shop().await;
    let (a, b, item) = (&shop.branch_a, &shop.branch_b, &shop.item);
    shop.adjust(
        a,
        json!([{ "item_id": item, "mode": "delta", "quantity": "5", "reason_code": "opening" }]),
        None,
    )
    .await;
    let for_b = shop
        .app
        .post(
            "/api/v1/item-requests",
            &shop.admin,
            json!({ "requesting_branch_id": b, "supplying_branch_id": a, "lines": [{ "item_id": item, "quantity": "1" }] }),
        )
        .await;
    assert_eq!(for_b.status, StatusCode::CREATED, "{}", for_b.body);
    shop.app
        .get(
            &format!("/api/v1/item-requests/{}", id(&for_b.body)),
            &shop.token_a,
        )
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
    let too_much = shop
        .app
        .post("/api/v1/transfers", &shop.admin, json!({ "from_branch_id": a, "to_branch_id": b, "lines": [{ "item_id": item, "quantity": "6" }] }))
        .await;
    shop.transfer_action(&id(&too_much.body), "dispatch", json!({}))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "insufficient-stock");
    assert_eq!(
        shop.on_hand(a, item).await.0,
        "5",
        "a refused dispatch changes nothing"
    );
    assert_eq!(
        shop.app
            .get(
                &format!("/api/v1/transfers/{}", id(&too_much.body)),
                &shop.admin
            )
            .await
            .body["status"],
        "draft"
    );

    let transfer = shop
        .app
        .post("/api/v1/transfers", &shop.admin, json!({ "from_branch_id": a, "to_branch_id": b, "lines": [{ "item_id": item, "quantity": "4" }] }))
        .await;
    let transfer = id(&transfer.body);
    shop.transfer_action(&transfer, "dispatch", json!({})).await;
    let cancelled = shop.transfer_action(&transfer, "cancel", json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(shop.on_hand(a, item).await.0, "5");
    assert_eq!(
        shop.on_hand(b, item).await,
        ("0".to_string(), "0".to_string())
    );
    shop.transfer_action(&transfer, "dispatch", json!({}))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");

    let same_branch = shop
        .app
        .post("/api/v1/transfers", &shop.admin, json!({ "from_branch_id": a, "to_branch_id": a, "lines": [{ "item_id": item, "quantity": "1" }] }))
        .await;
    same_branch.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(same_branch.error_fields(), ["to_branch_id"]);
}

#[tokio::test]
async fn a_retried_document_write_returns_the_first_answer_and_changes_nothing() {
    let shop = shop().await;
    let (a, item) = (&shop.branch_a, &shop.item);
    let lines =
        json!([{ "item_id": item, "mode": "delta", "quantity": "3", "reason_code": "found" }]);
    let first = shop.adjust(a, lines.clone(), Some("adj-1")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let retry = shop.adjust(a, lines.clone(), Some("adj-1")).await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(shop.on_hand(a, item).await.0, "3", "applied once");

    let other_body =
        json!([{ "item_id": item, "mode": "delta", "quantity": "4", "reason_code": "found" }]);
    let mismatch = shop.adjust(a, other_body, Some("adj-1")).await;
    mismatch.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "key-reused");
    assert_eq!(mismatch.error_fields(), ["Idempotency-Key"]);

    // A refusal is an answer too: replayed even once the stock would allow the write.
    let take =
        json!([{ "item_id": item, "mode": "delta", "quantity": "-5", "reason_code": "damaged" }]);
    shop.adjust(a, take.clone(), Some("adj-2"))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "insufficient-stock");
    shop.adjust(
        a,
        json!([{ "item_id": item, "mode": "delta", "quantity": "10", "reason_code": "found" }]),
        None,
    )
    .await;
    shop.adjust(a, take, Some("adj-2"))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "insufficient-stock");
    assert_eq!(shop.on_hand(a, item).await.0, "13");

    // Keys belong to one route: the same key elsewhere is a new request.
    let b = &shop.branch_b;
    let elsewhere = shop.adjust(b, lines, Some("adj-1")).await;
    assert_eq!(elsewhere.status, StatusCode::CREATED);
}

#[tokio::test]
async fn terminals_read_only_their_own_branch_and_pull_its_stock_feed() {
    let shop = shop().await;
    let (a, b, item) = (&shop.branch_a, &shop.branch_b, &shop.item);
    shop.adjust(
        a,
        json!([{ "item_id": item, "mode": "delta", "quantity": "1", "reason_code": "x" }]),
        None,
    )
    .await;
    shop.adjust(
        b,
        json!([{ "item_id": item, "mode": "delta", "quantity": "9", "reason_code": "x" }]),
        None,
    )
    .await;
    for n in 2..=4 {
        shop.adjust(a, json!([{ "item_id": item, "mode": "count", "quantity": n.to_string(), "reason_code": "x" }]), None).await;
    }
    let own = shop
        .app
        .get(&format!("/api/v1/branches/{a}/stock"), &shop.token_a)
        .await;
    assert_eq!(own.status, StatusCode::OK);
    shop.app
        .get(&format!("/api/v1/branches/{b}/stock"), &shop.token_a)
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
    shop.app
        .get(
            &format!("/api/v1/branches/{b}/items/{item}/ledger"),
            &shop.token_a,
        )
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
    let write = shop
        .app
        .post(
            &format!("/api/v1/branches/{a}/adjustments"),
            &shop.token_a,
            json!({ "lines": [] }),
        )
        .await;
    write.assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");

    let feed = shop
        .app
        .get("/api/v1/sync/stock?cursor=0", &shop.token_a)
        .await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
    let levels = feed.body["levels"].as_array().unwrap();
    assert_eq!(
        levels.len(),
        1,
        "one level, changed four times, arrives once: {levels:?}"
    );
    assert_eq!(levels[0]["on_hand"], "4");
    let cursor = feed.body["next_cursor"].as_i64().unwrap();
    let empty = shop
        .app
        .get(
            &format!("/api/v1/sync/stock?cursor={cursor}"),
            &shop.token_a,
        )
        .await;
    assert!(empty.body["levels"].as_array().unwrap().is_empty());
    shop.adjust(a, json!([{ "item_id": shop.other_item, "mode": "delta", "quantity": "2", "reason_code": "x" }]), None).await;
    let next = shop
        .app
        .get(
            &format!("/api/v1/sync/stock?cursor={cursor}"),
            &shop.token_a,
        )
        .await;
    assert_eq!(next.body["levels"][0]["item_id"], shop.other_item.as_str());
    let since = shop
        .app
        .get(
            "/api/v1/sync/stock?since=1990-01-01T%2000:00:00.0000Z",
            &shop.token_a,
        )
        .await;
    assert_eq!(since.body["levels"].as_array().unwrap().len(), 2);
    shop.app
        .get("/api/v1/sync/stock?limit=0", &shop.token_a)
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    shop.app
        .get("/api/v1/sync/stock", &shop.admin)
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");

    let across = shop
        .app
        .get(&format!("/api/v1/items/{item}/stock"), &shop.admin)
        .await;
    assert_eq!(across.body["total"], 2, "{}", across.body);
    assert_eq!(across.body["items"].as_array().unwrap().len(), 2);
    // Every row says which item it is, not only its id.
    for level in across.body["items"].as_array().unwrap() {
        assert_eq!(level["sku"], "RICE-1KG", "{level}");
        assert_eq!(level["item_name"], "Item RICE-1KG");
    }
    let below = shop
        .app
        .get(&format!("/api/v1/branches/{a}/stock?below=3"), &shop.admin)
        .await;
    assert_eq!(
        below.body["total"], 1,
        "only the other item, with 2 on hand"
    );
}

#[tokio::test]
async fn a_purchase_order_is_received_in_parts_and_closed_short() {
    let shop = shop().await;
    let (a, item, other) = (&shop.branch_a, &shop.item, &shop.other_item);
    let body = json!({
        "branch_id": a, "supplier": "Acme Mills", "supplier_reference": "SO-77",
        "lines": [{ "item_id": item, "quantity": "10", "unit_cost": "41.5" }, { "item_id": other, "quantity": "4", "unit_cost": "60" }]
    });
    let order = shop
        .app
        .post("/api/v1/purchase-orders", &shop.admin, body)
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.body);
    let po = id(&order.body);
    let receipts = format!("/api/v1/purchase-orders/{po}/receipts");
    let receipt = |lines: Value| {
        shop.app
            .post(&receipts, &shop.admin, json!({ "lines": lines }))
    };
    receipt(json!([{ "line_no": 1, "quantity": "1" }]))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");

    let submitted = shop
        .app
        .post(
            &format!("/api/v1/purchase-orders/{po}/submit"),
            &shop.admin,
            json!({}),
        )
        .await;
    assert_eq!(submitted.body["status"], "ordered");
    let first = receipt(json!([{ "line_no": 1, "quantity": "6" }])).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["purchase_order"]["status"], "partially_received");
    assert_eq!(shop.on_hand(a, item).await.0, "6");
    let over = receipt(json!([{ "line_no": 1, "quantity": "5" }])).await;
    over.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(over.error_fields(), ["lines[0].quantity"]);
    receipt(json!([{ "line_no": 9, "quantity": "1" }]))
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let second =
        receipt(json!([{ "line_no": 1, "quantity": "2" }, { "line_no": 2, "quantity": "4" }]))
            .await;
    assert_eq!(
        second.body["purchase_order"]["status"],
        "partially_received"
    );
    assert_eq!(shop.on_hand(a, other).await.0, "4");
    // The order's deliveries, oldest first, each with what it brought.
    let delivered = shop.app.get(&receipts, &shop.admin).await;
    assert_eq!(delivered.status, StatusCode::OK, "{}", delivered.body);
    assert_eq!(delivered.body["total"], 2);
    assert_eq!(delivered.body["items"][0]["id"], first.body["id"]);
    assert_eq!(delivered.body["items"][0]["lines"][0]["quantity"], "6");
    assert_eq!(
        delivered.body["items"][1]["lines"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let closed = shop
        .app
        .post(
            &format!("/api/v1/purchase-orders/{po}/close"),
            &shop.admin,
            json!({}),
        )
        .await;
    assert_eq!(closed.body["status"], "closed");
    receipt(json!([{ "line_no": 1, "quantity": "2" }]))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");
    shop.app
        .post(
            &format!("/api/v1/purchase-orders/{po}/cancel"),
            &shop.admin,
            json!({}),
        )
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");
    let ledger = shop
        .app
        .get(
            &format!("/api/v1/branches/{a}/items/{item}/ledger"),
            &shop.admin,
        )
        .await;
    let rows = ledger.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|m| m["reason"] == "po_receipt" && m["document_type"] == "goods_receipt")
    );
}

#[tokio::test]
async fn a_fully_received_order_is_received_and_over_receipt_needs_the_flag() {
    let shop = shop().await;
    let (a, item) = (&shop.branch_a, &shop.item);
    let create = |allow: bool| {
        shop.app.post(
            "/api/v1/purchase-orders",
            &shop.admin,
            json!({ "branch_id": a, "supplier": "S", "allow_over_receipt": allow, "lines": [{ "item_id": item, "quantity": "3", "unit_cost": "1" }] }),
        )
    };
    let po = id(&create(true).await.body);
    shop.app
        .post(
            &format!("/api/v1/purchase-orders/{po}/submit"),
            &shop.admin,
            json!({}),
        )
        .await;
    let over = shop
        .app
        .post(
            &format!("/api/v1/purchase-orders/{po}/receipts"),
            &shop.admin,
            json!({ "lines": [{ "line_no": 1, "quantity": "3.5" }] }),
        )
        .await;
    assert_eq!(over.status, StatusCode::CREATED, "{}", over.body);
    assert_eq!(over.body["purchase_order"]["status"], "received");
    assert_eq!(shop.on_hand(a, item).await.0, "3.5");

    let draft = id(&create(false).await.body);
    let cancelled = shop
        .app
        .post(
            &format!("/api/v1/purchase-orders/{draft}/cancel"),
            &shop.admin,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.body["status"], "cancelled");
    shop.app
        .post(
            &format!("/api/v1/purchase-orders/{draft}/submit"),
            &shop.admin,
            json!({}),
        )
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");
    let listed = shop
        .app
        .get(
            &format!("/api/v1/purchase-orders?branch_id={a}&status=received"),
            &shop.admin,
        )
        .await;
    assert_eq!(listed.body["total"], 1);
    let listed = &listed.body["items"][0];
    let own = shop
        .app
        .get(
            &format!("/api/v1/purchase-orders/{}", listed["id"].as_str().unwrap()),
            &shop.admin,
        )
        .await;
    assert!(!own.body["lines"].as_array().unwrap().is_empty());
    assert_eq!(listed["lines"], own.body["lines"]);
}

#[tokio::test]
async fn a_terminal_asks_for_items_and_the_request_is_fulfilled_by_a_transfer() {
    let shop = shop().await;
    let (a, b, item, other) = (&shop.branch_a, &shop.branch_b, &shop.item, &shop.other_item);
    shop.adjust(
        b,
        json!([{ "item_id": item, "mode": "delta", "quantity": "50", "reason_code": "opening" }]),
        None,
    )
    .await;
    let asked = shop
        .app
        .post(
            "/api/v1/item-requests",
            &shop.token_a,
            json!({ "supplying_branch_id": b, "lines": [{ "item_id": item, "quantity": "12" }, { "item_id": other, "quantity": "3" }] }),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.body);
    assert_eq!(
        asked.body["requesting_branch_id"],
        a.as_str(),
        "the branch comes from the terminal's token"
    );
    let request = id(&asked.body);
    // A terminal cannot ask on behalf of another branch (it does not see it), nor approve.
    shop.app
        .post("/api/v1/item-requests", &shop.token_a, json!({ "requesting_branch_id": b, "supplying_branch_id": a, "lines": [{ "item_id": item, "quantity": "1" }] }))
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
    shop.app
        .post(
            &format!("/api/v1/item-requests/{request}/approve"),
            &shop.token_a,
            json!({}),
        )
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
    // An admin has no branch of its own: it names the requesting branch.
    let unnamed = shop
        .app
        .post(
            "/api/v1/item-requests",
            &shop.admin,
            json!({ "supplying_branch_id": a, "lines": [{ "item_id": item, "quantity": "1" }] }),
        )
        .await;
    unnamed.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(unnamed.error_fields(), ["requesting_branch_id"]);

    let too_much = shop
        .app
        .post(
            &format!("/api/v1/item-requests/{request}/approve"),
            &shop.admin,
            json!({ "lines": [{ "line_no": 1, "quantity": "13" }] }),
        )
        .await;
    too_much.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let approved = shop
        .app
        .post(
            &format!("/api/v1/item-requests/{request}/approve"),
            &shop.admin,
            json!({ "lines": [{ "line_no": 1, "quantity": "10" }, { "line_no": 2, "quantity": "0" }] }),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["lines"][0]["quantity_approved"], "10");
    let transfer = approved.body["transfer_ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    let ticket = shop
        .app
        .get(&format!("/api/v1/transfers/{transfer}"), &shop.admin)
        .await;
    assert_eq!(ticket.body["from_branch_id"], b.as_str());
    assert_eq!(
        ticket.body["lines"].as_array().unwrap().len(),
        1,
        "the declined line is not sent"
    );
    shop.app
        .post(
            &format!("/api/v1/item-requests/{request}/reject"),
            &shop.admin,
            json!({ "reason": "late" }),
        )
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");

    shop.transfer_action(&transfer, "dispatch", json!({})).await;
    shop.transfer_action(&transfer, "receive", json!({})).await;
    let fulfilled = shop
        .app
        .get(&format!("/api/v1/item-requests/{request}"), &shop.token_a)
        .await;
    assert_eq!(fulfilled.body["status"], "fulfilled");
    assert_eq!(shop.on_hand(a, item).await.0, "10");
    assert_eq!(shop.on_hand(b, item).await.0, "40");

    let rejected = shop
        .app
        .post(
            "/api/v1/item-requests",
            &shop.token_a,
            json!({ "supplying_branch_id": b, "lines": [{ "item_id": item, "quantity": "1" }] }),
        )
        .await;
    let rejected = id(&rejected.body);
    shop.app
        .post(
            &format!("/api/v1/item-requests/{rejected}/reject"),
            &shop.admin,
            json!({ "reason": " " }),
        )
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let done = shop
        .app
        .post(
            &format!("/api/v1/item-requests/{rejected}/reject"),
            &shop.admin,
            json!({ "reason": "out of season" }),
        )
        .await;
    assert_eq!(done.body["status"], "rejected");
    assert_eq!(done.body["rejection_reason"], "out of season");
    shop.app
        .post(
            &format!("/api/v1/item-requests/{rejected}/approve"),
            &shop.admin,
            json!({}),
        )
        .await
        .assert_problem_type(StatusCode::CONFLICT, "wrong-state");
}

#[tokio::test]
async fn items_below_their_reorder_level_are_listed() {
    let shop = shop().await;
    let (a, item, other) = (&shop.branch_a, &shop.item, &shop.other_item);
    shop.adjust(
        a,
        json!([
            { "item_id": item, "mode": "delta", "quantity": "5", "reason_code": "x" },
            { "item_id": other, "mode": "delta", "quantity": "50", "reason_code": "x" }
        ]),
        None,
    )
    .await;
    let set = shop
        .app
        .put(
            &format!("/api/v1/branches/{a}/items/{item}/reorder-level"),
            &shop.admin,
            json!({ "reorder_level": "8" }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["reorder_level"], "8");
    shop.app
        .put(
            &format!("/api/v1/branches/{a}/items/{other}/reorder-level"),
            &shop.admin,
            json!({ "reorder_level": "10" }),
        )
        .await;
    let low = shop
        .app
        .get(
            &format!("/api/v1/branches/{a}/stock?below_reorder_level=true"),
            &shop.admin,
        )
        .await;
    assert_eq!(low.body["total"], 1);
    assert_eq!(low.body["items"][0]["item_id"], item.as_str());
    shop.app
        .put(
            &format!("/api/v1/branches/{a}/items/{item}/reorder-level"),
            &shop.admin,
            json!({ "reorder_level": "-1" }),
        )
        .await
        .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    shop.app
        .put(
            &format!("/api/v1/branches/{a}/items/{item}/reorder-level"),
            &shop.token_a,
            json!({ "reorder_level": "1" }),
        )
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
}

#[tokio::test]
async fn every_invalid_transfer_line_is_named() {
    let shop = shop().await;
    let body = json!({
        "from_branch_id": shop.branch_a, "to_branch_id": shop.branch_b,
        "lines": [{ "item_id": shop.item, "quantity": "0" }, { "item_id": shop.other_item, "quantity": "-2" }]
    });
    let answer = shop.app.post("/api/v1/transfers", &shop.admin, body).await;
    answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(
        answer.error_fields(),
        ["lines[0].quantity", "lines[1].quantity"]
    );
}
