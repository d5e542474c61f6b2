//! Restaurants: options chosen on sales lines and checked against the menu, combos that move
//! their parts, recipes that move ingredients (by the recipe of the sale's business date),
//! waste, and the usage variance between two counts.

use entity::{Fixed4, sales_line_option};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::common::sales::{
    Chain, Till, dec, id, reason_codes, result_of, transaction as plain_transaction, void,
};

/// A coffee shop with a kitchen: ingredients, a latte with a recipe and extras, a meal combo.
pub struct CoffeeShop {
    pub chain: Chain,
    pub branch: String,
    pub till: Till,
    pub staff: String,
    pub beans: String,
    pub milk: String,
    pub cup: String,
    pub latte: String,
    pub shot: String,
    pub oat: String,
    pub meal: String,
    pub burger: String,
    pub fries: String,
    pub salad: String,
    pub extras: String,
    pub main: String,
    pub side: String,
}

impl CoffeeShop {
    pub async fn open(chain: Chain) -> Self {
        let branch = chain.branch("CAFE", "restaurant").await;
        let till = chain.till(&branch, "Counter").await;
        let staff = chain.cashier("BARISTA", &[&branch]).await;
        let item = |sku: &'static str,
                    unit: &'static str,
                    price: &'static str,
                    cost: Option<&str>| {
            let body = json!({ "sku": sku, "name": sku.to_lowercase(), "unit": unit, "base_price": price, "cost": cost });
            let chain = &chain;
            async move {
                let answer = chain.app.post("/api/v1/items", &chain.admin, body).await;
                assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
                id(&answer.body)
            }
        };
        let beans = item("BEANS", "g", "0", Some("0.02")).await;
        let milk = item("MILK", "ml", "0", Some("0.001")).await;
        let cup = item("CUP", "piece", "0", Some("0.10")).await;
        let latte = item("LATTE", "piece", "4.00", None).await;
        let shot = item("SHOT", "piece", "0.50", None).await;
        let oat = item("OAT", "piece", "0.40", None).await;
        let meal = item("MEAL", "piece", "8.00", None).await;
        let burger = item("BURGER", "piece", "5.00", Some("2")).await;
        let fries = item("FRIES", "piece", "2.00", Some("0.5")).await;
        let salad = item("SALAD", "piece", "3.00", Some("1")).await;
        let shop = Self {
            extras: String::new(),
            main: String::new(),
            side: String::new(),
            chain,
            branch,
            till,
            staff,
            beans,
            milk,
            cup,
            latte,
            shot,
            oat,
            meal,
            burger,
            fries,
            salad,
        };
        let extras = shop
            .group(
                "Extras",
                "modifier",
                (0, 3),
                &[(&shop.shot, "0.50"), (&shop.oat, "0.40")],
                &shop.latte,
            )
            .await;
        let main = shop
            .group("Main", "combo", (1, 1), &[(&shop.burger, "0")], &shop.meal)
            .await;
        let side = shop
            .group(
                "Side",
                "combo",
                (1, 1),
                &[(&shop.fries, "0"), (&shop.salad, "1.00")],
                &shop.meal,
            )
            .await;
        let shop = Self {
            extras,
            main,
            side,
            ..shop
        };
        shop.recipe(
            &shop.latte,
            "2026-11-01",
            &[(&shop.beans, "18"), (&shop.milk, "200"), (&shop.cup, "1")],
        )
        .await;
        shop.recipe(&shop.shot, "2026-11-01", &[(&shop.beans, "9")])
            .await;
        shop
    }

    async fn group(
        &self,
        name: &str,
        kind: &str,
        (min, max): (i32, i32),
        options: &[(&String, &str)],
        offered_by: &str,
    ) -> String {
        let options: Vec<Value> = options
            .iter()
            .map(|(item, delta)| json!({ "item_id": item, "price_delta": delta }))
            .collect();
        let answer = self
            .chain
            .app
            .post(
                "/api/v1/item-groups",
                &self.chain.admin,
                json!({ "name": name, "kind": kind, "min_choices": min, "max_choices": max, "options": options, "item_ids": [offered_by] }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        id(&answer.body)
    }

    pub async fn recipe(&self, item: &str, from: &str, ingredients: &[(&String, &str)]) -> Value {
        let ingredients: Vec<Value> = ingredients
            .iter()
            .map(|(item, quantity)| json!({ "item_id": item, "quantity": quantity }))
            .collect();
        let answer = self
            .chain
            .app
            .put(
                &format!("/api/v1/items/{item}/recipes/{from}"),
                &self.chain.admin,
                json!({ "ingredients": ingredients }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body
    }

    /// Stock of every ingredient and part, to sell from.
    async fn stock_up(&self) {
        for (item, quantity) in [
            (&self.beans, "1000"),
            (&self.milk, "5000"),
            (&self.cup, "100"),
            (&self.burger, "10"),
            (&self.fries, "10"),
            (&self.salad, "10"),
        ] {
            self.chain.receive(&self.branch, item, quantity).await;
        }
    }

    async fn on_hand(&self, item: &str) -> Decimal {
        self.chain.on_hand(&self.branch, item).await
    }

    async fn adjust(&self, body: Value) -> crate::common::Answer {
        self.chain
            .app
            .post(
                &format!("/api/v1/branches/{}/adjustments", self.branch),
                &self.chain.admin,
                body,
            )
            .await
    }
}

/// A line with options: (group, option item, quantity, delta).
pub fn line(
    item: &str,
    quantity: &str,
    unit_price: &str,
    options: &[(&str, &str, i32, &str)],
) -> Value {
    let total = (dec(quantity) * dec(unit_price)).normalize().to_string();
    let options: Vec<Value> = options
        .iter()
        .map(|(group, option, n, delta)| json!({ "group_id": group, "item_id": option, "quantity": n, "price_delta": delta }))
        .collect();
    json!({ "item_id": item, "quantity": quantity, "unit_price": unit_price, "line_total": total, "options": options })
}

/// A dine-in sale (or return) of `lines` on `business_date`, paid in full with `method`.
pub fn order(
    kind: &str,
    staff: &str,
    method: &str,
    business_date: &str,
    lines: Vec<Value>,
) -> Value {
    let mut sale = plain_transaction(kind, staff, method, &[]);
    let total: Decimal = lines
        .iter()
        .map(|l| dec(l["line_total"].as_str().unwrap()))
        .sum();
    let total = total.normalize().to_string();
    sale["lines"] = json!(lines);
    sale["business_date"] = json!(business_date);
    sale["payments"] = json!([{ "payment_method_id": method, "amount": total }]);
    sale["totals"] = json!({ "subtotal": total, "discount": "0", "tax": "0", "total": total });
    if kind == "sale" {
        sale["order_type"] = json!("dine_in");
    }
    sale
}

fn field_of(result: &Value) -> Vec<String> {
    result["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["field"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_line_with_options_is_priced_by_the_menu_or_rejected_naming_the_field() {
    let shop = CoffeeShop::open(Chain::new().await).await;
    let (extras, side, main) = (shop.extras.as_str(), shop.side.as_str(), shop.main.as_str());
    let sell =
        |lines: Vec<Value>| order("sale", &shop.staff, &shop.chain.cash, "2026-11-23", lines);

    // 4.00 + 2 × 0.50 + 0.40 = 5.40 a latte, two of them.
    let latte = line(
        &shop.latte,
        "2",
        "5.40",
        &[
            (extras, &shop.shot, 2, "0.50"),
            (extras, &shop.oat, 1, "0.40"),
        ],
    );
    let accepted = shop.chain.post_one(&shop.till, &sell(vec![latte])).await;
    assert_eq!(result_of(&accepted), "accepted", "{accepted}");
    let detail = shop.chain.transaction(&accepted["transaction_id"]).await;
    let options = detail["lines"][0]["options"].as_array().unwrap();
    assert_eq!(options.len(), 2);
    assert_eq!(options[0]["group_name"], "Extras");
    assert_eq!(options[0]["sku"], "SHOT");
    assert_eq!(options[0]["quantity"], 2);
    assert_eq!(dec(options[0]["price_delta"].as_str().unwrap()), dec("0.5"));
    // 0.50 × 2 per latte × 2 lattes.
    assert_eq!(dec(options[0]["revenue"].as_str().unwrap()), dec("2"));
    assert_eq!(dec(options[1]["revenue"].as_str().unwrap()), dec("0.8"));

    // The journal vouches for the options too: a delta changed behind the hub's back is named.
    let verify = async || {
        let path = format!("/api/v1/branches/{}/journal/verify", shop.branch);
        shop.chain.app.get(&path, &shop.chain.admin).await.body
    };
    assert_eq!(verify().await["intact"], true);
    let db = Database::connect(&shop.chain.app.database.url)
        .await
        .unwrap();
    let sale_id: uuid::Uuid = accepted["transaction_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    sales_line_option::Entity::update_many()
        .col_expr(
            sales_line_option::Column::PriceDelta,
            Expr::value(Fixed4(0)),
        )
        .filter(sales_line_option::Column::SalesTransactionId.eq(sale_id))
        .exec(&db)
        .await
        .unwrap();
    let verified = verify().await;
    assert_eq!(verified["intact"], false);
    assert_eq!(
        verified["first_break"]["transaction_id"],
        accepted["transaction_id"]
    );

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            line(&shop.latte, "1", "4.60", &[(extras, &shop.shot, 1, "0.60")]),
            "price_mismatch",
            "lines[0].options[0].price_delta",
        ),
        (
            line(&shop.latte, "1", "5.00", &[(extras, &shop.shot, 1, "0.50")]),
            "price_mismatch",
            "lines[0].unit_price",
        ),
        (
            line(&shop.latte, "1", "4.00", &[(extras, &shop.fries, 1, "0")]),
            "unknown_option",
            "lines[0].options[0].item_id",
        ),
        (
            line(&shop.latte, "1", "4.00", &[(side, &shop.fries, 1, "0")]),
            "unknown_option",
            "lines[0].options[0].group_id",
        ),
        (
            line(&shop.latte, "1", "6.00", &[(extras, &shop.shot, 4, "0.50")]),
            "choices_out_of_range",
            "lines[0].options",
        ),
        // A meal needs a side.
        (
            line(&shop.meal, "1", "8.00", &[(main, &shop.burger, 1, "0")]),
            "choices_out_of_range",
            "lines[0].options",
        ),
    ];
    for (bad_line, code, field) in cases {
        let result = shop
            .chain
            .post_one(&shop.till, &sell(vec![bad_line.clone()]))
            .await;
        assert_eq!(result_of(&result), "rejected", "{bad_line}: {result}");
        assert_eq!(reason_codes(&result), [code], "{bad_line}: {result}");
        assert_eq!(field_of(&result), [field], "{bad_line}: {result}");
    }
}

#[tokio::test]
async fn combos_move_their_parts_recipes_their_ingredients_and_a_void_reverses_exactly() {
    let shop = CoffeeShop::open(Chain::new().await).await;
    shop.stock_up().await;
    let (extras, side, main) = (shop.extras.as_str(), shop.side.as_str(), shop.main.as_str());

    let latte = line(&shop.latte, "2", "4.50", &[(extras, &shop.shot, 1, "0.50")]);
    let meal = line(
        &shop.meal,
        "1",
        "9.00",
        &[(main, &shop.burger, 1, "0"), (side, &shop.salad, 1, "1.00")],
    );
    let sale = order(
        "sale",
        &shop.staff,
        &shop.chain.cash,
        "2026-11-23",
        vec![latte, meal],
    );
    let result = shop.chain.post_one(&shop.till, &sale).await;
    assert_eq!(result_of(&result), "accepted", "{result}");

    // Two lattes with a shot each: 2 × (18 + 9) g of beans, 2 × 200 ml of milk, 2 cups; the
    // latte, the shot and the meal track stock of their own but move none.
    let expected = [
        (&shop.beans, "946"),
        (&shop.milk, "4600"),
        (&shop.cup, "98"),
        (&shop.burger, "9"),
        (&shop.salad, "9"),
        (&shop.fries, "10"),
        (&shop.latte, "0"),
        (&shop.shot, "0"),
        (&shop.meal, "0"),
    ];
    for (item, on_hand) in expected {
        assert_eq!(shop.on_hand(item).await, dec(on_hand), "item {item}");
    }
    // The ledger names the line and the part or ingredient of each movement.
    let ledger = shop
        .chain
        .app
        .get(
            &format!(
                "/api/v1/branches/{}/ledger?document_id={}",
                shop.branch,
                result["transaction_id"].as_str().unwrap()
            ),
            &shop.chain.admin,
        )
        .await;
    assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.body);
    let mut moved: Vec<(i64, String, Decimal, String)> = ledger.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["line_no"].as_i64().unwrap(),
                m["sku"].as_str().unwrap().to_string(),
                dec(m["delta"].as_str().unwrap()),
                m["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    moved.sort();
    let sold =
        |line_no, sku: &str, delta| (line_no, sku.to_string(), dec(delta), "sale".to_string());
    assert_eq!(
        moved,
        [
            sold(1, "BEANS", "-54"),
            sold(1, "CUP", "-2"),
            sold(1, "MILK", "-400"),
            sold(2, "BURGER", "-1"),
            sold(2, "SALAD", "-1"),
        ]
    );

    // The meal's 9.00 is shared by list price: burger 5 and salad 3 → 5.625 and 3.375.
    let report = shop
        .chain
        .app
        .get(
            &format!(
                "/api/v1/reports/sales-by-option?branch_id={}&from=2026-11-23",
                shop.branch
            ),
            &shop.chain.admin,
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let revenue_of = |sku: &str| {
        let row = report.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["sku"] == sku)
            .unwrap();
        (
            dec(row["quantity"].as_str().unwrap()),
            dec(row["revenue"].as_str().unwrap()),
        )
    };
    assert_eq!(revenue_of("BURGER"), (dec("1"), dec("5.625")));
    assert_eq!(revenue_of("SALAD"), (dec("1"), dec("3.375")));
    assert_eq!(revenue_of("SHOT"), (dec("2"), dec("1")));

    // A new recipe from the 24th: sales of the 23rd keep 18 g, sales of the 24th use 20 g.
    shop.recipe(
        &shop.latte,
        "2026-11-24",
        &[(&shop.beans, "20"), (&shop.milk, "200"), (&shop.cup, "1")],
    )
    .await;
    let plain = |date: &str| {
        order(
            "sale",
            &shop.staff,
            &shop.chain.cash,
            date,
            vec![line(&shop.latte, "1", "4.00", &[])],
        )
    };
    for date in ["2026-11-23", "2026-11-24"] {
        let result = shop.chain.post_one(&shop.till, &plain(date)).await;
        assert_eq!(result_of(&result), "accepted", "{result}");
    }
    assert_eq!(shop.on_hand(&shop.beans).await, dec("908"));
    let recipes = shop
        .chain
        .app
        .get(
            &format!("/api/v1/items/{}/recipes", shop.latte),
            &shop.chain.admin,
        )
        .await;
    assert_eq!(recipes.body["items"][0]["effective_from"], "2026-11-24");
    assert_eq!(recipes.body["items"][0]["ingredients"][0]["sku"], "BEANS");
    assert_eq!(recipes.body["items"][0]["ingredients"][0]["unit"], "g");

    // A recipe removed: from its date the earlier one applies again; what was sold stays.
    let path = format!("/api/v1/items/{}/recipes/2026-11-24", shop.latte);
    let removed = shop.chain.app.delete(&path, &shop.chain.admin).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    shop.chain
        .app
        .delete(&path, &shop.chain.admin)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let result = shop.chain.post_one(&shop.till, &plain("2026-11-25")).await;
    assert_eq!(result_of(&result), "accepted", "{result}");
    assert_eq!(shop.on_hand(&shop.beans).await, dec("890"));
    shop.recipe(
        &shop.latte,
        "2026-11-24",
        &[(&shop.beans, "20"), (&shop.milk, "200"), (&shop.cup, "1")],
    )
    .await;

    // Voiding the first sale puts back exactly what it took, whatever the recipe is now.
    let voided = shop
        .chain
        .post_one(&shop.till, &void(&shop.staff, &sale["id"]))
        .await;
    assert_eq!(result_of(&voided), "accepted", "{voided}");
    for (item, on_hand) in [
        (&shop.beans, "944"),
        (&shop.milk, "4400"),
        (&shop.cup, "97"),
        (&shop.burger, "10"),
        (&shop.salad, "10"),
    ] {
        assert_eq!(shop.on_hand(item).await, dec(on_hand), "item {item}");
    }

    // A return puts back what its own date's recipe says: 20 g, 200 ml and a cup.
    let returned = order(
        "return",
        &shop.staff,
        &shop.chain.cash,
        "2026-11-24",
        vec![line(&shop.latte, "1", "4.00", &[])],
    );
    let returned = shop.chain.post_one(&shop.till, &returned).await;
    assert_eq!(result_of(&returned), "accepted", "{returned}");
    for (item, on_hand) in [
        (&shop.beans, "964"),
        (&shop.milk, "4600"),
        (&shop.cup, "98"),
    ] {
        assert_eq!(shop.on_hand(item).await, dec(on_hand), "item {item}");
    }
}

#[tokio::test]
async fn a_recipe_uses_items_that_track_stock() {
    let shop = CoffeeShop::open(Chain::new().await).await;
    let service = shop
        .chain
        .app
        .post(
            "/api/v1/items",
            &shop.chain.admin,
            json!({ "sku": "SERVICE", "name": "Service", "base_price": "1", "track_stock": false }),
        )
        .await;
    let answer = shop
        .chain
        .app
        .put(
            &format!("/api/v1/items/{}/recipes/2026-12-01", shop.latte),
            &shop.chain.admin,
            json!({ "ingredients": [
                { "item_id": id(&service.body), "quantity": "1" },
                { "item_id": shop.beans, "quantity": "0" },
            ] }),
        )
        .await;
    answer.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.error_fields(), ["ingredients[1].quantity"]);
    let answer = shop
        .chain
        .app
        .put(
            &format!("/api/v1/items/{}/recipes/2026-12-01", shop.latte),
            &shop.chain.admin,
            json!({ "ingredients": [{ "item_id": id(&service.body), "quantity": "1" }] }),
        )
        .await;
    answer.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.error_fields(), ["ingredients[0].item_id"]);
}

#[tokio::test]
async fn waste_needs_a_note_and_is_reported_by_branch_and_item() {
    let shop = CoffeeShop::open(Chain::new().await).await;
    shop.stock_up().await;
    let waste = |quantity: &str, note: Option<&str>| json!({ "note": note, "lines": [{ "item_id": shop.milk, "mode": "delta", "quantity": quantity, "reason_code": "waste" }] });
    let answer = shop.adjust(waste("-500", None)).await;
    answer.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.error_fields(), ["note"]);
    let answer = shop.adjust(waste("500", Some("spilt"))).await;
    answer.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.error_fields(), ["lines[0].quantity"]);
    for quantity in ["-500", "-250"] {
        let answer = shop
            .adjust(waste(quantity, Some("milk past its date")))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    assert_eq!(shop.on_hand(&shop.milk).await, dec("4250"));

    let today = chrono::Utc::now().date_naive();
    let report = shop
        .chain
        .app
        .get(
            &format!(
                "/api/v1/reports/waste?branch_id={}&from={today}",
                shop.branch
            ),
            &shop.chain.admin,
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let rows = report.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", report.body);
    assert_eq!(rows[0]["sku"], "MILK");
    assert_eq!(rows[0]["branch_name"], "Branch CAFE");
    assert_eq!(rows[0]["entries"], 2);
    assert_eq!(dec(rows[0]["quantity"].as_str().unwrap()), dec("750"));
    assert_eq!(dec(rows[0]["cost"].as_str().unwrap()), dec("0.75"));
}

#[tokio::test]
async fn usage_variance_sets_what_recipes_used_against_what_the_counts_show() {
    let shop = CoffeeShop::open(Chain::new().await).await;
    shop.stock_up().await;
    let count = |beans: &str, milk: &str| {
        json!({ "lines": [
            { "item_id": shop.beans, "mode": "count", "quantity": beans, "reason_code": "weekly_count" },
            { "item_id": shop.milk, "mode": "count", "quantity": milk, "reason_code": "weekly_count" },
        ] })
    };
    let opening = shop.adjust(count("1000", "4800")).await;
    assert_eq!(opening.status, StatusCode::CREATED, "{}", opening.body);

    // The week: 10 lattes (3 with a shot), 40 g of beans thrown away, 500 g bought.
    let extras = shop.extras.as_str();
    let mut lines = vec![line(&shop.latte, "7", "4.00", &[])];
    lines.push(line(
        &shop.latte,
        "3",
        "4.50",
        &[(extras, &shop.shot, 1, "0.50")],
    ));
    let sale = order("sale", &shop.staff, &shop.chain.cash, "2026-11-23", lines);
    assert_eq!(
        result_of(&shop.chain.post_one(&shop.till, &sale).await),
        "accepted"
    );
    let wasted = shop
        .adjust(json!({ "note": "dropped a bag", "lines": [{ "item_id": shop.beans, "mode": "delta", "quantity": "-40", "reason_code": "waste" }] }))
        .await;
    assert_eq!(wasted.status, StatusCode::CREATED, "{}", wasted.body);
    shop.chain.receive(&shop.branch, &shop.beans, "500").await;

    // Book: beans 1000 − (10 × 18 + 3 × 9) − 40 + 500 = 1253; counted 1230 → 23 g unexplained.
    // Milk: 4800 − 10 × 200 = 2800; counted 2810 → 10 ml less used than the recipes say.
    let closing = shop.adjust(count("1230", "2810")).await;
    assert_eq!(closing.status, StatusCode::CREATED, "{}", closing.body);

    let path = |opening: &Value, closing: &Value| {
        format!(
            "/api/v1/reports/usage-variance?branch_id={}&opening_count_id={}&closing_count_id={}",
            shop.branch,
            id(opening),
            id(closing)
        )
    };
    let report = shop
        .chain
        .app
        .get(&path(&opening.body, &closing.body), &shop.chain.admin)
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let rows = report.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{}", report.body);
    let figures = |row: &Value| -> Vec<Decimal> {
        [
            "opening",
            "received",
            "theoretical_usage",
            "waste",
            "closing",
            "actual_usage",
            "variance",
            "variance_cost",
        ]
        .iter()
        .map(|f| dec(row[f].as_str().unwrap()))
        .collect()
    };
    assert_eq!(rows[0]["sku"], "BEANS");
    let beans = ["1000", "500", "207", "40", "1230", "270", "23", "0.46"].map(dec);
    assert_eq!(figures(&rows[0]), beans);
    assert_eq!(rows[1]["sku"], "MILK");
    let milk = ["4800", "0", "2000", "0", "2810", "1990", "-10", "-0.01"].map(dec);
    assert_eq!(figures(&rows[1]), milk);

    // The counts in the wrong order are refused; another branch's count is not found.
    let reversed = shop
        .chain
        .app
        .get(&path(&closing.body, &opening.body), &shop.chain.admin)
        .await;
    reversed.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reversed.error_fields(), ["closing_count_id"]);
    let elsewhere = shop.chain.branch("OTHER", "restaurant").await;
    let report = shop
        .chain
        .app
        .get(
            &path(&opening.body, &closing.body).replace(&shop.branch, &elsewhere),
            &shop.chain.admin,
        )
        .await;
    report.assert_problem(StatusCode::NOT_FOUND);
}
