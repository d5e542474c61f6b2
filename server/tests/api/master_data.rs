//! The admin API for master data, and how its changes reach each branch's terminals.

use crate::common;

use crate::common::{TerminalStore, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

#[tokio::test]
async fn a_fresh_terminal_pulls_everything_its_branch_needs() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal, token) = app.terminal_with_token(&admin, "A").await;
    let branch_a = terminal["terminal"]["branch_id"]
        .as_str()
        .unwrap()
        .to_string();

    let drinks = app
        .post("/api/v1/categories", &admin, json!({ "name": "Drinks" }))
        .await
        .body;
    let coffee = app
        .post(
            "/api/v1/categories",
            &admin,
            json!({ "name": "Coffee", "parent_id": id(&drinks) }),
        )
        .await
        .body;
    let latte = app
        .post(
            "/api/v1/items",
            &admin,
            json!({
                "sku": "LAT-01", "name": "Latte", "category_id": id(&coffee), "base_price": 120.5,
                "tax_rate": "12", "barcodes": ["4800001", "4800002"], "unit": "piece"
            }),
        )
        .await;
    assert_eq!(latte.status, StatusCode::CREATED, "{}", latte.body);
    let beans = app.create_item(&admin, "BEAN-1KG", "899.99").await;
    let customer = app
        .post(
            "/api/v1/customers",
            &admin,
            json!({ "code": "C1", "name": "Ana", "loyalty_points": "10.5" }),
        )
        .await
        .body;
    let cash = app
        .post(
            "/api/v1/payment-methods",
            &admin,
            json!({ "code": "CASH", "name": "Cash", "kind": "cash" }),
        )
        .await
        .body;
    let staff = app
        .post("/api/v1/staff", &admin, json!({ "code": "S1", "name": "Ben", "role": "cashier", "pin": "1234", "branch_ids": [branch_a] }))
        .await;
    assert_eq!(staff.status, StatusCode::CREATED, "{}", staff.body);
    assert_eq!(
        app.put(
            "/api/v1/settings/currency",
            &admin,
            json!({ "value": "PHP" })
        )
        .await
        .status,
        StatusCode::OK
    );

    let mut store = TerminalStore::default();
    store.sync(&app, &token, 500).await;
    assert_eq!(store.count("category"), 2);
    assert_eq!(
        store.get("category", id(&coffee)).unwrap()["parent_id"],
        id(&drinks)
    );
    let item = store.get("item", id(&latte.body)).unwrap();
    assert_eq!(item["price"], "120.5");
    assert_eq!(item["tax_rate"], "12");
    assert_eq!(item["barcodes"], json!(["4800001", "4800002"]));
    assert_eq!(store.get("item", id(&beans)).unwrap()["price"], "899.99");
    assert_eq!(
        store.get("customer", id(&customer)).unwrap()["loyalty_points"],
        "10.5"
    );
    assert_eq!(
        store.get("payment_method", id(&cash)).unwrap()["kind"],
        "cash"
    );
    let ben = store.get("staff_user", id(&staff.body)).unwrap();
    assert!(
        ben["pin_hash"].as_str().unwrap().starts_with("$argon2id$"),
        "the PIN is not sent in clear"
    );
    assert_eq!(store.get("setting", "currency").unwrap()["value"], "PHP");

    // Nothing new: an empty answer that keeps the cursor.
    let cursor = store.cursor;
    assert!(store.sync(&app, &token, 500).await.is_empty());
    assert_eq!(store.cursor, cursor);
}

#[tokio::test]
async fn edits_deletes_and_branch_prices_arrive_as_exactly_those_changes() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal_a, token_a) = app.terminal_with_token(&admin, "A").await;
    let (_, token_b) = app.terminal_with_token(&admin, "B").await;
    let branch_a = terminal_a["terminal"]["branch_id"]
        .as_str()
        .unwrap()
        .to_string();
    let tea = app.create_item(&admin, "TEA", "50").await;
    let cake = app.create_item(&admin, "CAKE", "95").await;
    let scone = app.create_item(&admin, "SCONE", "60").await;
    let untouched = app.create_item(&admin, "WATER", "20").await;

    let (mut store_a, mut store_b) = (TerminalStore::default(), TerminalStore::default());
    store_a.sync(&app, &token_a, 500).await;
    store_b.sync(&app, &token_b, 500).await;
    assert_eq!(store_a.count("item"), 4);

    let edited = app
        .put(
            &format!("/api/v1/items/{}", id(&tea)),
            &admin,
            json!({ "sku": "TEA", "name": "Green tea", "base_price": "55.25" }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(
        app.delete(&format!("/api/v1/items/{}", id(&cake)), &admin)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let priced = app
        .put(
            &format!("/api/v1/branches/{branch_a}/items/{}", id(&scone)),
            &admin,
            json!({ "price": "65.00" }),
        )
        .await;
    assert_eq!(priced.status, StatusCode::OK, "{}", priced.body);
    let hidden = app
        .put(
            &format!("/api/v1/branches/{branch_a}/items/{}", id(&untouched)),
            &admin,
            json!({ "hidden": true }),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK);

    let changes = store_a.sync(&app, &token_a, 500).await;
    let changed: std::collections::BTreeSet<&str> =
        changes.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        changed,
        [id(&tea), id(&cake), id(&scone), id(&untouched)]
            .into_iter()
            .collect()
    );
    assert_eq!(store_a.get("item", id(&tea)).unwrap()["name"], "Green tea");
    assert_eq!(store_a.get("item", id(&tea)).unwrap()["price"], "55.25");
    assert!(
        store_a.get("item", id(&cake)).is_none(),
        "a tombstone removed the cake"
    );
    assert!(
        changes
            .iter()
            .any(|c| c["id"] == id(&cake) && c["op"] == "delete" && c.get("data").is_none())
    );
    assert_eq!(
        store_a.get("item", id(&scone)).unwrap()["price"],
        "65",
        "branch A gets its own price"
    );
    assert!(
        store_a.get("item", id(&untouched)).is_none(),
        "hidden at branch A"
    );

    store_b.sync(&app, &token_b, 500).await;
    assert_eq!(
        store_b.get("item", id(&scone)).unwrap()["price"],
        "60",
        "branch B keeps the base price"
    );
    assert!(
        store_b.get("item", id(&untouched)).is_some(),
        "visible at branch B"
    );
    assert!(store_b.get("item", id(&cake)).is_none());

    // A base-price change keeps branch A on its own price; removing A's price brings the base back.
    app.put(
        &format!("/api/v1/items/{}", id(&scone)),
        &admin,
        json!({ "sku": "SCONE", "name": "Scone", "base_price": "62" }),
    )
    .await;
    store_a.sync(&app, &token_a, 1).await;
    assert_eq!(store_a.get("item", id(&scone)).unwrap()["price"], "65");
    app.delete(
        &format!("/api/v1/branches/{branch_a}/items/{}", id(&scone)),
        &admin,
    )
    .await;
    app.delete(
        &format!("/api/v1/branches/{branch_a}/items/{}", id(&untouched)),
        &admin,
    )
    .await;
    store_a.sync(&app, &token_a, 1).await;
    assert_eq!(store_a.get("item", id(&scone)).unwrap()["price"], "62");
    assert!(
        store_a.get("item", id(&untouched)).is_some(),
        "unhidden at branch A"
    );
}

#[tokio::test]
async fn a_terminal_never_sees_another_branchs_staff_prices_settings_or_methods() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal_a, token_a) = app.terminal_with_token(&admin, "A").await;
    let (terminal_b, token_b) = app.terminal_with_token(&admin, "B").await;
    let branch_a = terminal_a["terminal"]["branch_id"]
        .as_str()
        .unwrap()
        .to_string();
    let branch_b = terminal_b["terminal"]["branch_id"]
        .as_str()
        .unwrap()
        .to_string();

    let item = app.create_item(&admin, "ITEM", "10").await;
    app.put(
        &format!("/api/v1/branches/{branch_a}/items/{}", id(&item)),
        &admin,
        json!({ "price": "9.5" }),
    )
    .await;
    let ana = app.post("/api/v1/staff", &admin, json!({ "code": "ANA", "name": "Ana", "role": "manager", "pin": "4321", "branch_ids": [branch_a] })).await.body;
    let both = app
        .post("/api/v1/staff", &admin, json!({ "code": "BOB", "name": "Bob", "role": "waiter", "pin": "5555", "branch_ids": [branch_a, branch_b] }))
        .await
        .body;
    app.put(
        "/api/v1/settings/receipt_header",
        &admin,
        json!({ "value": "Hubshake Coffee" }),
    )
    .await;
    app.put(
        &format!("/api/v1/branches/{branch_a}/settings/receipt_header"),
        &admin,
        json!({ "value": "Hubshake Coffee - A" }),
    )
    .await;
    let gcash = app
        .post(
            "/api/v1/payment-methods",
            &admin,
            json!({ "code": "GCASH", "name": "GCash", "kind": "other", "branch_ids": [branch_a] }),
        )
        .await
        .body;

    let (mut store_a, mut store_b) = (TerminalStore::default(), TerminalStore::default());
    store_a.sync(&app, &token_a, 500).await;
    let received_b = store_b.sync(&app, &token_b, 500).await;

    assert_eq!(store_a.get("item", id(&item)).unwrap()["price"], "9.5");
    assert_eq!(store_b.get("item", id(&item)).unwrap()["price"], "10");
    assert!(store_a.get("staff_user", id(&ana)).is_some());
    assert!(store_b.get("staff_user", id(&ana)).is_none());
    assert!(store_b.get("staff_user", id(&both)).is_some());
    assert_eq!(
        store_a.get("setting", "receipt_header").unwrap()["value"],
        "Hubshake Coffee - A"
    );
    assert_eq!(
        store_b.get("setting", "receipt_header").unwrap()["value"],
        "Hubshake Coffee"
    );
    assert!(store_a.get("payment_method", id(&gcash)).is_some());
    assert!(store_b.get("payment_method", id(&gcash)).is_none());
    // Branch B's answers never carried branch A's data at all, not even as a step.
    let raw = serde_json::to_string(&received_b).unwrap();
    assert!(
        !raw.contains("Ana")
            // The price as a JSON value: a bare 9.5 also turns up in timestamps (…:09.5…Z).
            && !raw.contains("\"9.5\"")
            && !raw.contains("Coffee - A")
            && !raw.contains("GCash")
    );

    // Moving a person out of a branch removes them from its terminals.
    app.put(
        &format!("/api/v1/staff/{}", id(&both)),
        &admin,
        json!({ "code": "BOB", "name": "Bob", "role": "waiter", "branch_ids": [branch_a] }),
    )
    .await;
    store_b.sync(&app, &token_b, 500).await;
    assert!(store_b.get("staff_user", id(&both)).is_none());
    // A payment method offered everywhere again reaches branch B.
    app.put(
        &format!("/api/v1/payment-methods/{}", id(&gcash)),
        &admin,
        json!({ "code": "GCASH", "name": "GCash", "kind": "other" }),
    )
    .await;
    store_b.sync(&app, &token_b, 500).await;
    store_a.sync(&app, &token_a, 500).await;
    assert!(store_b.get("payment_method", id(&gcash)).is_some());
    assert!(store_a.get("payment_method", id(&gcash)).is_some());
}

#[tokio::test]
async fn several_changes_between_pulls_arrive_once_as_the_latest_state() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "A").await;
    let item = app.create_item(&admin, "ITEM", "1").await;
    let mut store = TerminalStore::default();
    store.sync(&app, &token, 500).await;
    for price in ["2", "3", "4", "5.5"] {
        app.put(
            &format!("/api/v1/items/{}", id(&item)),
            &admin,
            json!({ "sku": "ITEM", "name": "Item", "base_price": price }),
        )
        .await;
    }
    let changes = store.sync(&app, &token, 500).await;
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["data"]["price"], "5.5");
}

#[tokio::test]
async fn since_accepts_both_date_forms_and_answers_a_cursor() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "A").await;
    app.create_item(&admin, "ONE", "1").await;
    app.create_item(&admin, "TWO", "2").await;

    let seed_form = app
        .get(
            "/api/v1/sync/master?since=1990-01-01T%2000:00:00.0000Z",
            &token,
        )
        .await;
    assert_eq!(seed_form.status, StatusCode::OK, "{}", seed_form.body);
    assert_eq!(seed_form.body["changes"].as_array().unwrap().len(), 2);
    let cursor = seed_form.body["next_cursor"].as_i64().unwrap();
    assert!(cursor > 0);

    let future = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let later = app
        .get(&format!("/api/v1/sync/master?since={future}"), &token)
        .await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.body);
    assert_eq!(later.body["changes"].as_array().unwrap().len(), 0);
    assert_eq!(
        later.body["next_cursor"].as_i64().unwrap(),
        cursor,
        "the answer carries a cursor to move to"
    );

    app.create_item(&admin, "THREE", "3").await;
    let next = app
        .get(&format!("/api/v1/sync/master?cursor={cursor}"), &token)
        .await;
    assert_eq!(next.body["changes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_pull_parameters_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "A").await;
    for (query, field) in [
        ("cursor=-1", "cursor"),
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=5001", "limit"),
        ("since=yesterday", "since"),
        ("cursor=3&since=2026-01-01T00:00:00Z", "cursor"),
    ] {
        let answer = app
            .get(&format!("/api/v1/sync/master?{query}"), &token)
            .await;
        answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
        assert_eq!(answer.error_fields(), [field], "{query}");
    }
    let words = app.get("/api/v1/sync/master?cursor=abc", &token).await;
    words.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(words.error_fields(), ["cursor"]);
    assert_eq!(
        app.get("/api/v1/sync/master?limit=5000", &token)
            .await
            .status,
        StatusCode::OK
    );
    app.get("/api/v1/sync/master", &admin)
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
}

#[tokio::test]
async fn item_input_is_checked() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let first = app
        .post(
            "/api/v1/items",
            &admin,
            json!({ "sku": "A1", "name": "A", "base_price": "1", "barcodes": ["111"] }),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);

    let bad = app
        .post(
            "/api/v1/items",
            &admin,
            json!({ "sku": "", "name": "", "base_price": "1.23456", "tax_rate": "120", "cost": "-1", "barcodes": ["9", "9"] }),
        )
        .await;
    bad.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["barcodes", "base_price", "cost", "name", "sku", "tax_rate"]
    );

    app.post(
        "/api/v1/items",
        &admin,
        json!({ "sku": "A1", "name": "Again", "base_price": "1" }),
    )
    .await
    .assert_problem_type(StatusCode::CONFLICT, "already-exists");
    let clash = app
        .post(
            "/api/v1/items",
            &admin,
            json!({ "sku": "B1", "name": "B", "base_price": "1", "barcodes": ["111"] }),
        )
        .await;
    clash.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(clash.error_fields(), ["barcodes"]);
    let no_category = app
        .post("/api/v1/items", &admin, json!({ "sku": "C1", "name": "C", "base_price": "1", "category_id": "01900000-0000-7000-8000-000000000000" }))
        .await;
    no_category.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(no_category.error_fields(), ["category_id"]);

    // Decimals keep every digit, whether sent as a string or a number.
    let exact = app
        .post(
            "/api/v1/items",
            &admin,
            json!({ "sku": "D1", "name": "D", "base_price": 0.1, "cost": "0.0001" }),
        )
        .await;
    assert_eq!(exact.body["base_price"], "0.1");
    assert_eq!(exact.body["cost"], "0.0001");
    let listed = app.get("/api/v1/items?q=D1", &admin).await;
    assert_eq!(listed.body["total"], 1);
    assert_eq!(listed.body["items"][0]["sku"], "D1");
}

#[tokio::test]
async fn categories_form_a_tree_and_are_deleted_only_when_empty() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let top = app
        .post("/api/v1/categories", &admin, json!({ "name": "Top" }))
        .await
        .body;
    let child = app
        .post(
            "/api/v1/categories",
            &admin,
            json!({ "name": "Child", "parent_id": id(&top) }),
        )
        .await
        .body;
    let cycle = app
        .put(
            &format!("/api/v1/categories/{}", id(&top)),
            &admin,
            json!({ "name": "Top", "parent_id": id(&child) }),
        )
        .await;
    cycle.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(cycle.error_fields(), ["parent_id"]);
    app.delete(&format!("/api/v1/categories/{}", id(&top)), &admin)
        .await
        .assert_problem_type(StatusCode::CONFLICT, "not-empty");
    let children = app
        .get(
            &format!("/api/v1/categories?parent_id={}", id(&top)),
            &admin,
        )
        .await;
    assert_eq!(children.body["total"], 1);
    assert_eq!(
        app.delete(&format!("/api/v1/categories/{}", id(&child)), &admin)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&format!("/api/v1/categories/{}", id(&top)), &admin)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("/api/v1/categories/{}", id(&top)), &admin)
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn staff_customers_and_methods_are_checked() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let no_pin = app
        .post(
            "/api/v1/staff",
            &admin,
            json!({ "code": "S", "name": "S", "role": "chef", "pin": "12", "branch_ids": [] }),
        )
        .await;
    no_pin.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let mut fields = no_pin.error_fields();
    fields.sort();
    assert_eq!(fields, ["branch_ids", "pin", "role"]);
    let unknown_branch = app
        .post(
            "/api/v1/staff",
            &admin,
            json!({ "code": "S", "name": "S", "role": "cashier", "pin": "1234", "branch_ids": ["01900000-0000-7000-8000-000000000000"] }),
        )
        .await;
    unknown_branch.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let customer = app
        .post(
            "/api/v1/customers",
            &admin,
            json!({ "code": "C", "name": "C", "email": "not-an-email" }),
        )
        .await;
    customer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(customer.error_fields(), ["email"]);
    let method = app
        .post(
            "/api/v1/payment-methods",
            &admin,
            json!({ "code": "X", "name": "X", "kind": "barter" }),
        )
        .await;
    method.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(method.error_fields(), ["kind"]);
    let setting = app
        .put(
            "/api/v1/settings/bad%20key",
            &admin,
            json!({ "value": "x" }),
        )
        .await;
    setting.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
}

#[tokio::test]
async fn import_is_all_or_nothing_with_errors_per_row() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_item(&admin, "EXISTING", "1").await;
    let rows = json!([
        { "sku": "N1", "name": "New one", "base_price": "1.5" },
        { "sku": "N2", "name": "", "base_price": "2" },
        { "sku": "N1", "name": "Twice", "base_price": "3" },
    ]);
    let refused = app
        .post("/api/v1/items/import", &admin, json!({ "items": rows }))
        .await;
    refused.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let mut fields = refused.error_fields();
    fields.sort();
    assert_eq!(fields, ["items[1].name", "items[2].sku"]);
    assert_eq!(
        app.get("/api/v1/items", &admin).await.body["total"],
        1,
        "nothing was imported"
    );

    let rows = json!([
        { "sku": "EXISTING", "name": "Replaced", "base_price": "7" },
        { "sku": "N1", "name": "New one", "base_price": "1.5", "barcodes": ["123"] },
    ]);
    let imported = app
        .post("/api/v1/items/import", &admin, json!({ "items": rows }))
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert_eq!(imported.body["imported"], 2);
    let existing = app.get("/api/v1/items?q=EXISTING", &admin).await;
    assert_eq!(existing.body["items"][0]["name"], "Replaced");
    assert_eq!(app.get("/api/v1/items", &admin).await.body["total"], 2);

    let too_many: Vec<Value> = (0..5001)
        .map(|n| json!({ "sku": format!("X{n}"), "name": "X", "base_price": "1" }))
        .collect();
    let refused = app
        .post("/api/v1/items/import", &admin, json!({ "items": too_many }))
        .await;
    refused.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(refused.error_fields(), ["items"]);
}

/// An import publishes its new items from what it wrote, without reading them back: a till holds
/// what the item's own page says, and the same rows imported again send it nothing.
#[tokio::test]
async fn imported_items_reach_tills_whole_and_an_unchanged_reimport_sends_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "A").await;
    let import = |name: &str, barcodes: Value| {
        json!({ "items": [{ "sku": "IMP-1", "name": name, "base_price": "2.50", "tax_rate": "12",
            "unit": "kg", "barcodes": barcodes }] })
    };
    let answer = app
        .post(
            "/api/v1/items/import",
            &admin,
            import("Imported", json!(["222", "111"])),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut store = TerminalStore::default();
    assert_eq!(store.sync(&app, &token, 100).await.len(), 1);
    let item = app.get("/api/v1/items?q=IMP-1", &admin).await.body["items"][0].clone();
    let held = store
        .get("item", item["id"].as_str().unwrap())
        .expect("the till holds the imported item");
    assert_eq!(held["sku"], "IMP-1");
    assert_eq!(held["name"], "Imported");
    assert_eq!(held["unit"], "kg");
    assert_eq!(held["price"], item["base_price"]);
    assert_eq!(held["tax_rate"], item["tax_rate"]);
    assert_eq!(held["barcodes"], json!(["111", "222"]));
    assert_eq!(held["barcodes"], item["barcodes"]);

    let again = app
        .post(
            "/api/v1/items/import",
            &admin,
            import("Imported", json!(["222", "111"])),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(store.sync(&app, &token, 100).await, Vec::<Value>::new());

    let renamed = app
        .post(
            "/api/v1/items/import",
            &admin,
            import("Renamed", json!(["333"])),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let changes = store.sync(&app, &token, 100).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["data"]["name"], "Renamed");
    assert_eq!(changes[0]["data"]["barcodes"], json!(["333"]));
    let item = app.get("/api/v1/items?q=IMP-1", &admin).await.body["items"][0].clone();
    assert_eq!(item["name"], "Renamed");
    assert_eq!(item["barcodes"], json!(["333"]));
    // The barcodes it gave up are free for another item.
    let other = app
        .post(
            "/api/v1/items/import",
            &admin,
            json!({ "items": [{ "sku": "IMP-2", "name": "Other", "base_price": "1",
                "barcodes": ["111"] }] }),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
}

#[tokio::test]
async fn pagination_walks_ten_thousand_items_without_duplicates_or_holes() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "A").await;
    for batch in 0..2 {
        let rows: Vec<Value> = (0..5000)
            .map(|n| json!({ "sku": format!("SKU-{batch}-{n:04}"), "name": format!("Item {batch}/{n}"), "base_price": "1.25" }))
            .collect();
        let answer = app
            .post("/api/v1/items/import", &admin, json!({ "items": rows }))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let mut store = TerminalStore::default();
    let received = store.sync(&app, &token, 777).await;
    assert_eq!(received.len(), 10_000, "each item exactly once");
    assert_eq!(store.count("item"), 10_000);
    let mut seqs: Vec<i64> = received
        .iter()
        .map(|c| c["seq"].as_i64().unwrap())
        .collect();
    let ordered = seqs.clone();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs, ordered, "strictly increasing, no duplicates");
}

#[tokio::test]
async fn restaurant_item_groups_reach_terminals_and_protect_their_items() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "R1").await;
    let latte = app.create_item(&admin, "LATTE", "150").await;
    let oat = app.create_item(&admin, "OAT", "0").await;
    let soy = app.create_item(&admin, "SOY", "0").await;
    let group = app
        .post(
            "/api/v1/item-groups",
            &admin,
            json!({
                "name": "Milk", "kind": "modifier", "min_choices": 0, "max_choices": 1,
                "options": [{ "item_id": id(&oat), "price_delta": "25" }, { "item_id": id(&soy), "price_delta": 20.5 }],
                "item_ids": [id(&latte)]
            }),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
    assert_eq!(group.body["options"][1]["price_delta"], "20.5");

    let mut store = TerminalStore::default();
    store.sync(&app, &token, 500).await;
    let synced = store.get("item_group", id(&group.body)).unwrap();
    assert_eq!(synced["kind"], "modifier");
    assert_eq!(synced["options"][0]["item_id"], id(&oat));
    assert_eq!(synced["item_ids"], json!([id(&latte)]));

    // An item a group uses cannot vanish from under it.
    app.delete(&format!("/api/v1/items/{}", id(&oat)), &admin)
        .await
        .assert_problem_type(StatusCode::CONFLICT, "in-use");
    let bad = app
        .post(
            "/api/v1/item-groups",
            &admin,
            json!({ "name": "Bad", "kind": "side", "min_choices": 2, "max_choices": 1, "options": [] }),
        )
        .await;
    bad.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["kind", "max_choices", "options"]);

    assert_eq!(
        app.delete(&format!("/api/v1/item-groups/{}", id(&group.body)), &admin)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    store.sync(&app, &token, 500).await;
    assert!(store.get("item_group", id(&group.body)).is_none());
    assert_eq!(
        app.delete(&format!("/api/v1/items/{}", id(&oat)), &admin)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
}

/// An import is larger than other bodies: it has a limit of its own (16 MiB), while every other
/// route keeps the configured one.
#[tokio::test]
async fn an_import_may_be_larger_than_the_body_limit_of_other_routes() {
    let app = common::spawn_app_with(|s| s.body_limit_bytes = 4096).await;
    let admin = app.admin_token().await;
    let rows: Vec<_> = (0..200)
        .map(|i| json!({ "sku": format!("BULK-{i:04}"), "name": format!("Bulk item {i}"), "base_price": "1.25" }))
        .collect();
    let body = json!({ "items": rows });
    assert!(body.to_string().len() > 4096 * 2);
    let imported = app.post("/api/v1/items/import", &admin, body).await;
    assert!(imported.status.is_success(), "{}", imported.body);
    assert_eq!(app.get("/api/v1/items", &admin).await.body["total"], 200);
    app.post(
        "/api/v1/categories",
        &admin,
        json!({ "name": "x".repeat(5000) }),
    )
    .await
    .assert_problem_type(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large");
}

/// A master-data write retried with its `Idempotency-Key` (after a timeout, say) gets the first
/// answer again and changes nothing: no second item, no "SKU taken" refusal, one feed change.
#[tokio::test]
async fn a_retried_master_data_write_with_its_key_is_answered_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "T1").await;
    let keyed = |method: reqwest::Method, path: &str, key: &str, body: Option<Value>| {
        let mut request = app
            .http
            .request(method, app.url(path))
            .bearer_auth(&admin)
            .header("Idempotency-Key", key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        app.send(request)
    };
    let item = json!({ "sku": "RICE-5", "name": "Rice 5 kg", "base_price": "12.50" });
    let created = keyed(
        reqwest::Method::POST,
        "/api/v1/items",
        "item-1",
        Some(item.clone()),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let retried = keyed(reqwest::Method::POST, "/api/v1/items", "item-1", Some(item)).await;
    assert_eq!(retried.status, StatusCode::CREATED);
    assert_eq!(retried.body, created.body);
    assert_eq!(retried.headers["Idempotent-Replayed"], "true");
    let listed = app.get("/api/v1/items?q=RICE-5", &admin).await;
    assert_eq!(listed.body["total"], 1);

    // The same key with another body is refused rather than taken for a retry.
    let other = json!({ "sku": "RICE-10", "name": "Rice 10 kg", "base_price": "24" });
    keyed(
        reqwest::Method::POST,
        "/api/v1/items",
        "item-1",
        Some(other),
    )
    .await
    .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "key-reused");

    // A delete retried answers 204 again, with no body, and not 404.
    let path = format!("/api/v1/items/{}", created.body["id"].as_str().unwrap());
    for _ in 0..2 {
        let deleted = keyed(reqwest::Method::DELETE, &path, "delete-1", None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(deleted.body, Value::Null);
    }
    let mut store = TerminalStore::default();
    store.sync(&app, &token, 500).await;
    assert_eq!(
        store.count("item"),
        0,
        "the item was created and deleted once"
    );
    assert_eq!(app.get(&path, &admin).await.status, StatusCode::NOT_FOUND);
}
