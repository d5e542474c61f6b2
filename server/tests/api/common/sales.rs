//! A chain that sells: branches with tills, staff, payment methods and items, and transactions
//! built with exact totals.

use std::str::FromStr;

use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Answer, TestApp, spawn_app};

pub struct Chain {
    pub app: TestApp,
    pub admin: String,
    pub cash: String,
    pub card: String,
}

/// A terminal of a branch, logged in.
#[derive(Clone, Debug)]
pub struct Till {
    pub branch_id: String,
    pub terminal_id: String,
    pub token: String,
}

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

pub fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

impl Chain {
    pub async fn new() -> Self {
        let app = spawn_app().await;
        Self::with(app).await
    }

    pub async fn with(app: TestApp) -> Self {
        let admin = app.admin_token().await;
        let mut methods = Vec::new();
        for (code, kind) in [("CASH", "cash"), ("CARD", "card")] {
            let answer = app
                .post(
                    "/api/v1/payment-methods",
                    &admin,
                    json!({ "code": code, "name": code, "kind": kind }),
                )
                .await;
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
            methods.push(id(&answer.body));
        }
        let card = methods.pop().unwrap();
        let cash = methods.pop().unwrap();
        Self {
            app,
            admin,
            cash,
            card,
        }
    }

    pub async fn branch(&self, code: &str, pos_type: &str) -> String {
        id(&self.app.create_branch(&self.admin, code, pos_type).await)
    }

    pub async fn till(&self, branch_id: &str, name: &str) -> Till {
        let terminal = self
            .app
            .register_terminal(&self.admin, branch_id, name)
            .await;
        let token = self
            .app
            .token(
                terminal["client_id"].as_str().unwrap(),
                terminal["client_secret"].as_str().unwrap(),
            )
            .await;
        Till {
            branch_id: branch_id.to_string(),
            terminal_id: terminal["terminal"]["id"].as_str().unwrap().to_string(),
            token,
        }
    }

    /// A cashier working at `branch_ids`.
    pub async fn cashier(&self, code: &str, branch_ids: &[&str]) -> String {
        let answer = self
            .app
            .post(
                "/api/v1/staff",
                &self.admin,
                json!({ "code": code, "name": code, "role": "cashier", "pin": "1234", "branch_ids": branch_ids }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        id(&answer.body)
    }

    pub async fn item(&self, sku: &str, price: &str) -> String {
        id(&self.app.create_item(&self.admin, sku, price).await)
    }

    /// On hand of an item at a branch, as the admin reads it.
    pub async fn on_hand(&self, branch_id: &str, item_id: &str) -> Decimal {
        let answer = self
            .app
            .get(
                &format!("/api/v1/branches/{branch_id}/stock?item_id={item_id}"),
                &self.admin,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["items"]
            .as_array()
            .unwrap()
            .first()
            .map_or(Decimal::ZERO, |level| {
                dec(level["on_hand"].as_str().unwrap())
            })
    }

    /// Adds `quantity` to an item's stock at a branch.
    pub async fn receive(&self, branch_id: &str, item_id: &str, quantity: &str) {
        let answer = self
            .app
            .post(
                &format!("/api/v1/branches/{branch_id}/adjustments"),
                &self.admin,
                json!({ "lines": [{ "item_id": item_id, "mode": "delta", "quantity": quantity, "reason_code": "found" }] }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }

    /// One transaction whole, by the hub's id, as the admin reads it.
    pub async fn transaction(&self, hub_id: &Value) -> Value {
        let path = format!("/api/v1/transactions/{}", hub_id.as_str().unwrap());
        let answer = self.app.get(&path, &self.admin).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body
    }

    /// Posts a batch and returns the answer.
    pub async fn send(&self, till: &Till, transactions: &[Value]) -> Answer {
        self.app
            .post(
                "/api/v1/sync/transactions",
                &till.token,
                json!({ "transactions": transactions }),
            )
            .await
    }

    /// Posts a batch that must be taken, and returns its results.
    pub async fn post(&self, till: &Till, transactions: &[Value]) -> Vec<Value> {
        let answer = self.send(till, transactions).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let results = answer.body["results"].as_array().unwrap().clone();
        assert_eq!(results.len(), transactions.len());
        results
    }

    /// Posts one transaction and returns its result.
    pub async fn post_one(&self, till: &Till, transaction: &Value) -> Value {
        self.post(till, std::slice::from_ref(transaction))
            .await
            .remove(0)
    }
}

/// A kitchen among the items: a latte made of beans with an extra shot (more beans) as an
/// option, and a meal whose side (ITEM-0 or ITEM-1) is a combo part.
pub struct Kitchen {
    beans: String,
    latte: String,
    shot: String,
    meal: String,
    extras: String,
    side: String,
    /// The side every meal of the test is sold with.
    salad: String,
}

impl Kitchen {
    pub async fn set_up(app: &TestApp, admin: &str, items: &[String]) -> Self {
        let item = async |sku: &str, price: &str| id(&app.create_item(admin, sku, price).await);
        let beans = item("BEANS", "0").await;
        let latte = item("LATTE", "10").await;
        let shot = item("SHOT", "0.5").await;
        let meal = item("MEAL", "10").await;
        for (item, grams) in [(&latte, "18"), (&shot, "9")] {
            let answer = app
                .put(
                    &format!("/api/v1/items/{item}/recipes/2026-01-01"),
                    admin,
                    json!({ "ingredients": [{ "item_id": beans, "quantity": grams }] }),
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        }
        let group = |body: Value| async move {
            let answer = app.post("/api/v1/item-groups", admin, body).await;
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
            answer.body["id"].as_str().unwrap().to_string()
        };
        let extras = group(json!({ "name": "Extras", "kind": "modifier", "min_choices": 0, "max_choices": 2, "options": [{ "item_id": shot, "price_delta": "0.5" }], "item_ids": [latte] })).await;
        let side = group(json!({ "name": "Side", "kind": "combo", "min_choices": 1, "max_choices": 1, "options": [{ "item_id": items[0] }, { "item_id": items[1], "price_delta": "1" }], "item_ids": [meal] })).await;
        Self {
            beans,
            latte,
            shot,
            meal,
            extras,
            side,
            salad: items[1].clone(),
        }
    }

    /// A sale of `quantity` lattes with a shot and `quantity` meals with ITEM-1 as the side.
    pub fn order(&self, staff: &str, method: &str, quantity: &str) -> Value {
        let lines = [
            (self.latte.as_str(), quantity, "10.5"),
            (self.meal.as_str(), quantity, "11"),
        ];
        let mut sale = transaction("sale", staff, method, &lines);
        sale["lines"][0]["options"] =
            json!([{ "group_id": self.extras, "item_id": self.shot, "price_delta": "0.5" }]);
        sale["lines"][1]["options"] =
            json!([{ "group_id": self.side, "item_id": self.salad, "price_delta": "1" }]);
        sale
    }

    /// What [`Kitchen::order`] takes out of stock: 27 g of beans a latte, a side a meal.
    pub fn uses(&self, quantity: &str) -> [(String, Decimal); 2] {
        [
            (self.beans.clone(), dec("27") * dec(quantity)),
            (self.salad.clone(), dec(quantity)),
        ]
    }

    /// Its items whose stock is checked: the beans move, the latte, shot and meal do not.
    pub fn items(&self) -> Vec<String> {
        vec![
            self.beans.clone(),
            self.latte.clone(),
            self.shot.clone(),
            self.meal.clone(),
        ]
    }
}

/// A transaction with exact totals: lines of (item, quantity, unit price), no discount or tax,
/// paid in full with `method`.
pub fn transaction(kind: &str, staff: &str, method: &str, lines: &[(&str, &str, &str)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(item, quantity, price)| {
            let total = dec(quantity) * dec(price);
            json!({ "item_id": item, "quantity": quantity, "unit_price": price, "line_total": total.normalize().to_string() })
        })
        .collect();
    let total: Decimal = lines
        .iter()
        .map(|l| dec(l["line_total"].as_str().unwrap()))
        .sum();
    let total = total.normalize().to_string();
    json!({
        "id": Uuid::new_v4(),
        "receipt_number": format!("R-{}", &Uuid::new_v4().simple().to_string()[..8]),
        "kind": kind,
        "status": "settled",
        "local_time": "2026-11-23T14:05:00+08:00",
        "business_date": "2026-11-23",
        "staff_user_id": staff,
        "lines": lines,
        "payments": [{ "payment_method_id": method, "amount": total }],
        "totals": { "subtotal": total, "discount": "0", "tax": "0", "total": total },
    })
}

/// A void of the transaction with terminal id `voids`.
pub fn void(staff: &str, voids: &Value) -> Value {
    json!({
        "id": Uuid::new_v4(),
        "receipt_number": "V-1",
        "kind": "void",
        "status": "settled",
        "voids": voids,
        "local_time": "2026-11-23T15:00:00+08:00",
        "business_date": "2026-11-23",
        "staff_user_id": staff,
    })
}

pub fn result_of(result: &Value) -> &str {
    result["result"].as_str().unwrap()
}

pub fn reason_codes(result: &Value) -> Vec<String> {
    result["reasons"]
        .as_array()
        .map(|reasons| {
            reasons
                .iter()
                .map(|r| r["code"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}
