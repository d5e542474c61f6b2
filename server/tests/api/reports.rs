//! Reports checked against sums computed here from the sales the test sent: by item, staff,
//! hour and payment method, for one branch and for all; valuation = Σ on hand × cost, now and
//! before the sales; reorder suggestions.

use std::collections::BTreeMap;

use chrono::Utc;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::common::sales::{Chain, Till, dec, id, transaction, void};

/// A sale as sent: its branch, and the transaction.
struct Sent {
    branch: String,
    body: Value,
    voided: bool,
}

fn sign(body: &Value) -> Decimal {
    if body["kind"] == "return" {
        -Decimal::ONE
    } else {
        Decimal::ONE
    }
}

fn amount(value: &Value) -> Decimal {
    dec(value.as_str().unwrap())
}

/// The rows of a report as (key → the named figures), by the key column.
async fn report(
    chain: &Chain,
    path: &str,
    key: &str,
    figures: &[&str],
) -> BTreeMap<String, Vec<Decimal>> {
    let answer = chain.app.get(path, &chain.admin).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let values = figures
                .iter()
                .map(|f| match &row[*f] {
                    Value::String(text) => dec(text),
                    other => dec(&other.to_string()),
                })
                .collect();
            (
                row[key]
                    .as_str()
                    .map_or_else(|| row[key].to_string(), String::from),
                values,
            )
        })
        .collect()
}

fn add(totals: &mut BTreeMap<String, Vec<Decimal>>, key: &str, figures: &[Decimal]) {
    let entry = totals
        .entry(key.to_string())
        .or_insert_with(|| vec![Decimal::ZERO; figures.len()]);
    for (total, figure) in entry.iter_mut().zip(figures) {
        *total += figure;
    }
}

fn normalized(mut rows: BTreeMap<String, Vec<Decimal>>) -> BTreeMap<String, Vec<Decimal>> {
    for values in rows.values_mut() {
        for value in values.iter_mut() {
            *value = value.normalize();
        }
    }
    rows
}

#[tokio::test]
async fn sales_reports_add_up_to_the_sales_sent() {
    let chain = Chain::new().await;
    let a = chain.branch("A", "retail").await;
    let b = chain.branch("B", "retail").await;
    let (till_a, till_b): (Till, Till) = (
        chain.till(&a, "Till A").await,
        chain.till(&b, "Till B").await,
    );
    let ana = chain.cashier("ANA", &[&a, &b]).await;
    let ben = chain.cashier("BEN", &[&a, &b]).await;
    let rice = chain.item("RICE", "55").await;
    let beans = chain.item("BEANS", "12.5").await;

    let mut sent = Vec::new();
    let plan = [
        (
            &a,
            &ana,
            "sale",
            &chain.cash,
            "09:15",
            vec![(&rice, "2", "55"), (&beans, "1", "12.5")],
        ),
        (
            &a,
            &ben,
            "sale",
            &chain.card,
            "09:40",
            vec![(&rice, "1", "55")],
        ),
        (
            &a,
            &ana,
            "return",
            &chain.cash,
            "13:05",
            vec![(&beans, "1", "12.5")],
        ),
        (
            &a,
            &ben,
            "sale",
            &chain.cash,
            "18:30",
            vec![(&beans, "4", "12.5")],
        ),
        (
            &b,
            &ana,
            "sale",
            &chain.card,
            "13:55",
            vec![(&rice, "3", "55"), (&beans, "2", "12.5")],
        ),
        (
            &b,
            &ben,
            "sale",
            &chain.cash,
            "21:10",
            vec![(&rice, "1", "55")],
        ),
    ];
    for (branch, staff, kind, method, hour, lines) in plan {
        let lines: Vec<(&str, &str, &str)> = lines
            .iter()
            .map(|(item, q, p)| (item.as_str(), *q, *p))
            .collect();
        let mut body = transaction(kind, staff, method, &lines);
        body["local_time"] = json!(format!("2026-11-23T{hour}:00+08:00"));
        let till = if branch == &a { &till_a } else { &till_b };
        let result = chain.post_one(till, &body).await;
        assert_eq!(result["result"], "accepted", "{result}");
        sent.push(Sent {
            branch: branch.clone(),
            body,
            voided: false,
        });
    }
    // The second sale at A is voided: it counts nowhere.
    let voided = chain
        .post_one(&till_a, &void(&ben, &sent[1].body["id"]))
        .await;
    assert_eq!(voided["result"], "accepted", "{voided}");
    sent[1].voided = true;
    // A sale on another business date is outside the period.
    let mut other_day = transaction("sale", &ana, &chain.cash, &[(&rice, "9", "55")]);
    other_day["business_date"] = json!("2026-11-24");
    chain.post_one(&till_a, &other_day).await;

    for branch in [None, Some(&a)] {
        let counted: Vec<&Sent> = sent
            .iter()
            .filter(|s| !s.voided && branch.is_none_or(|b| &s.branch == b))
            .collect();
        let (mut items, mut staff, mut hours, mut methods) = (
            BTreeMap::new(),
            BTreeMap::new(),
            BTreeMap::new(),
            BTreeMap::new(),
        );
        for s in &counted {
            let sign = sign(&s.body);
            let is_return = s.body["kind"] == "return";
            for line in s.body["lines"].as_array().unwrap() {
                add(
                    &mut items,
                    line["item_id"].as_str().unwrap(),
                    &[
                        sign * amount(&line["quantity"]),
                        sign * amount(&line["line_total"]),
                    ],
                );
            }
            let counts = if is_return {
                [Decimal::ZERO, Decimal::ONE]
            } else {
                [Decimal::ONE, Decimal::ZERO]
            };
            let total = sign * amount(&s.body["totals"]["total"]);
            add(
                &mut staff,
                s.body["staff_user_id"].as_str().unwrap(),
                &[counts[0], counts[1], total],
            );
            let hour: u32 = s.body["local_time"].as_str().unwrap()[11..13]
                .parse()
                .unwrap();
            add(
                &mut hours,
                &hour.to_string(),
                &[counts[0], counts[1], total],
            );
            for payment in s.body["payments"].as_array().unwrap() {
                add(
                    &mut methods,
                    payment["payment_method_id"].as_str().unwrap(),
                    &[Decimal::ONE, sign * amount(&payment["amount"])],
                );
            }
        }
        for hour in 0..24 {
            hours
                .entry(hour.to_string())
                .or_insert_with(|| vec![Decimal::ZERO; 3]);
        }
        let query = match branch {
            Some(b) => format!("from=2026-11-23&to=2026-11-23&branch_id={b}"),
            None => "from=2026-11-23".to_string(),
        };
        let path = |report: &str| format!("/api/v1/reports/{report}?limit=500&{query}");
        assert_eq!(
            report(
                &chain,
                &path("sales-by-item"),
                "item_id",
                &["quantity", "net_sales"]
            )
            .await,
            normalized(items),
            "{query}"
        );
        assert_eq!(
            report(
                &chain,
                &path("sales-by-staff"),
                "staff_user_id",
                &["sales", "returns", "net_total"]
            )
            .await,
            normalized(staff)
        );
        assert_eq!(
            report(
                &chain,
                &path("sales-by-hour"),
                "hour",
                &["sales", "returns", "net_total"]
            )
            .await,
            normalized(hours)
        );
        assert_eq!(
            report(
                &chain,
                &path("sales-by-payment-method"),
                "payment_method_id",
                &["payments", "amount"]
            )
            .await,
            normalized(methods)
        );
    }

    // Names next to ids, best first.
    let by_item = chain
        .app
        .get(
            "/api/v1/reports/sales-by-item?from=2026-11-23",
            &chain.admin,
        )
        .await;
    assert_eq!(by_item.body["items"][0]["sku"], "RICE");
    assert_eq!(by_item.body["items"][0]["item_name"], "Item RICE");
    let by_method = chain
        .app
        .get(
            "/api/v1/reports/sales-by-payment-method?from=2026-11-23",
            &chain.admin,
        )
        .await;
    assert!(
        by_method.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["payment_method_name"] == "CASH" || m["payment_method_name"] == "CARD")
    );
    let by_staff = chain
        .app
        .get(
            "/api/v1/reports/sales-by-staff?from=2026-11-23",
            &chain.admin,
        )
        .await;
    assert!(
        by_staff.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["staff_user_name"] == "ANA" || s["staff_user_name"] == "BEN")
    );

    // A period is needed, of at most a year, in order.
    let refused = chain
        .app
        .get("/api/v1/reports/sales-by-item", &chain.admin)
        .await;
    refused.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let backwards = chain
        .app
        .get(
            "/api/v1/reports/sales-by-hour?from=2026-11-23&to=2026-11-01",
            &chain.admin,
        )
        .await;
    assert_eq!(backwards.error_fields(), ["to"]);
}

#[tokio::test]
async fn valuation_is_on_hand_at_cost_now_and_before_and_reorder_suggests_what_is_short() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let a = chain.branch("A", "retail").await;
    let b = chain.branch("B", "retail").await;
    let till = chain.till(&a, "Till A").await;
    let staff = chain.cashier("ANA", &[&a]).await;
    let mut items = Vec::new();
    for (sku, cost) in [
        ("RICE", Some("30.25")),
        ("BEANS", Some("7.5")),
        ("SALT", None),
    ] {
        let mut body = json!({ "sku": sku, "name": sku, "base_price": "50" });
        if let Some(cost) = cost {
            body["cost"] = json!(cost);
        }
        let made = app.post("/api/v1/items", &chain.admin, body).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        items.push((id(&made.body), cost.map(dec)));
    }
    let (rice, beans, salt) = (&items[0].0, &items[1].0, &items[2].0);
    chain.receive(&a, rice, "10").await;
    chain.receive(&a, beans, "4.5").await;
    chain.receive(&a, salt, "2").await;
    chain.receive(&b, rice, "3").await;
    let before_sales = Utc::now();
    let sale = transaction(
        "sale",
        &staff,
        &chain.cash,
        &[(rice, "4", "50"), (beans, "6", "50")],
    );
    chain.post_one(&till, &sale).await;

    // What the test expects: Σ on hand × cost per branch, from the levels it reads.
    let expected = async |branch: &str| {
        let mut value = Decimal::ZERO;
        for (item, cost) in &items {
            value += chain.on_hand(branch, item).await * cost.unwrap_or_default();
        }
        value.normalize()
    };
    let valuation = app
        .get("/api/v1/reports/inventory-valuation", &chain.admin)
        .await;
    assert_eq!(valuation.status, StatusCode::OK, "{}", valuation.body);
    let rows = valuation.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["branch_code"], "A");
    assert_eq!(amount(&rows[0]["value"]), expected(&a).await);
    assert_eq!(
        amount(&rows[0]["value"]),
        dec("6") * dec("30.25") + dec("-1.5") * dec("7.5")
    );
    assert_eq!(rows[0]["items"], 3);
    assert_eq!(rows[0]["items_without_cost"], 1);
    assert_eq!(amount(&rows[1]["value"]), expected(&b).await);

    let at = before_sales.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let earlier = app
        .get(
            &format!(
                "/api/v1/reports/inventory-valuation?branch_id={a}&at={}",
                at.replace('+', "%2B")
            ),
            &chain.admin,
        )
        .await;
    assert_eq!(earlier.status, StatusCode::OK, "{}", earlier.body);
    let row = &earlier.body["items"][0];
    assert_eq!(earlier.body["total"], 1);
    assert_eq!(
        amount(&row["value"]),
        dec("10") * dec("30.25") + dec("4.5") * dec("7.5")
    );
    assert_eq!(amount(&row["quantity"]), dec("16.5"));

    // Reorder: RICE at A is 6 on hand against a level of 20, with 4 on order.
    let level = app
        .put(
            &format!("/api/v1/branches/{a}/items/{rice}/reorder-level"),
            &chain.admin,
            json!({ "reorder_level": "20" }),
        )
        .await;
    assert_eq!(level.status, StatusCode::OK, "{}", level.body);
    let order = app
        .post("/api/v1/purchase-orders", &chain.admin, json!({ "branch_id": a, "supplier": "Mill", "lines": [{ "item_id": rice, "quantity": "4", "unit_cost": "30" }] }))
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.body);
    let submitted = app
        .post(
            &format!("/api/v1/purchase-orders/{}/submit", id(&order.body)),
            &chain.admin,
            json!({}),
        )
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    let reorder = app.get("/api/v1/reports/reorder", &chain.admin).await;
    let rows = reorder.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", reorder.body);
    assert_eq!(rows[0]["sku"], "RICE");
    assert_eq!(amount(&rows[0]["on_hand"]), dec("6"));
    assert_eq!(amount(&rows[0]["on_order"]), dec("4"));
    assert_eq!(amount(&rows[0]["suggested_order_quantity"]), dec("10"));
    let elsewhere = app
        .get(
            &format!("/api/v1/reports/reorder?branch_id={b}"),
            &chain.admin,
        )
        .await;
    assert_eq!(elsewhere.body["total"], 0);
}
