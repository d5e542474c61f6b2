//! Real objects of every kind a path of the API names, for walks over the whole API document.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{
    ADMIN_ID,
    sales::{Chain, id, transaction},
};

/// Branch B's objects, each made for real, so that a route answering 404 to a terminal of A
/// answers because of its scope and not because the id names nothing.
pub async fn objects_of_another_branch(
    chain: &Chain,
    own_branch: &str,
) -> Vec<(&'static str, String)> {
    let branch = chain.branch("B", "retail").await;
    let till = chain.till(&branch, "Till B").await;
    let staff = chain.cashier("BEA", &[&branch]).await;
    let item = chain.item("RICE", "55").await;
    chain.receive(&branch, &item, "10").await;
    let sale = transaction("sale", &staff, &chain.cash, &[(&item, "1", "55")]);
    let sold = chain.post_one(&till, &sale).await;
    let lines = json!([{ "item_id": item, "quantity": "1" }]);
    let create = |path: &'static str, body: Value| async move {
        let answer = chain.app.post(path, &chain.admin, body).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{path}: {}",
            answer.body
        );
        id(&answer.body)
    };
    let request = chain
        .app
        .post(
            "/api/v1/item-requests",
            &till.token,
            json!({ "supplying_branch_id": own_branch, "lines": lines }),
        )
        .await;
    assert_eq!(request.status, StatusCode::CREATED, "{}", request.body);
    let adjustment = chain
        .app
        .post(
            &format!("/api/v1/branches/{branch}/adjustments"),
            &chain.admin,
            json!({ "lines": [{ "item_id": item, "mode": "delta", "quantity": "1", "reason_code": "found" }] }),
        )
        .await;
    let mut counts = Vec::new();
    for counted in ["1", "2"] {
        let count = chain
            .app
            .post(
                &format!("/api/v1/branches/{branch}/adjustments"),
                &chain.admin,
                json!({ "lines": [{ "item_id": item, "mode": "count", "quantity": counted, "reason_code": "count" }] }),
            )
            .await;
        assert_eq!(count.status, StatusCode::CREATED, "{}", count.body);
        counts.push(id(&count.body));
    }
    let (channel_id, order_id, channel_token) = channel_order_at(chain, &branch, &item).await;
    let shift = chain
        .app
        .post(
            "/api/v1/sync/shifts",
            &till.token,
            json!({ "id": uuid::Uuid::new_v4(), "staff_user_id": staff, "opened_at": "2026-11-23T06:00:00Z", "opening_float": "100" }),
        )
        .await;
    assert_eq!(shift.status, StatusCode::CREATED, "{}", shift.body);
    vec![
        ("{channel_id}", channel_id),
        ("{shift_id}", id(&shift.body)),
        ("{order_id}", order_id),
        // Not a path parameter: the token of the channel that placed the order, for the
        // channel's own routes.
        (CHANNEL_TOKEN, channel_token),
        // Not a path parameter: the query of a usage-variance report between two counts.
        (
            COUNTS,
            format!(
                "branch_id={branch}&opening_count_id={}&closing_count_id={}",
                counts[0], counts[1]
            ),
        ),
        ("{effective_from}", "2026-12-01".to_string()),
        ("{branch_id}", branch.clone()),
        ("{item_id}", item),
        ("{terminal_id}", till.terminal_id.clone()),
        ("{staff_id}", staff),
        ("{payment_method_id}", chain.cash.clone()),
        ("{transaction_id}", sold["transaction_id"].as_str().unwrap().to_string()),
        ("{item_request_id}", id(&request.body)),
        ("{adjustment_id}", id(&adjustment.body)),
        (
            "{transfer_id}",
            create(
                "/api/v1/transfers",
                json!({ "from_branch_id": branch, "to_branch_id": own_branch, "lines": lines }),
            )
            .await,
        ),
        (
            "{purchase_order_id}",
            create(
                "/api/v1/purchase-orders",
                json!({ "branch_id": branch, "supplier": "S", "lines": [{ "item_id": lines[0]["item_id"], "quantity": "1", "unit_cost": "1" }] }),
            )
            .await,
        ),
        ("{category_id}", create("/api/v1/categories", json!({ "name": "Rice" })).await),
        ("{customer_id}", create("/api/v1/customers", json!({ "code": "C1", "name": "Cy" })).await),
        (
            "{item_group_id}",
            create(
                "/api/v1/item-groups",
                json!({ "name": "Size", "kind": "modifier", "min_choices": 0, "max_choices": 1, "options": [{ "item_id": lines[0]["item_id"], "price_delta": "1" }] }),
            )
            .await,
        ),
        (
            "{subscription_id}",
            create(
                "/api/v1/subscriptions",
                json!({ "name": "ERP", "url": "https://erp.example.com/hook", "event_types": ["item.created"] }),
            )
            .await,
        ),
        ("{key}", "currency".to_string()),
        ("{client_id}", ADMIN_ID.to_string()),
    ]
}

/// Where [`objects_of_another_branch`] keeps the query naming two of its counts.
pub const COUNTS: &str = "counts";

/// Where [`objects_of_another_branch`] keeps the token of its sales channel.
pub const CHANNEL_TOKEN: &str = "channel token";

/// A sales channel selling from `branch`, its order holding one unit of `item` there, and the
/// channel's token.
async fn channel_order_at(chain: &Chain, branch: &str, item: &str) -> (String, String, String) {
    let created = chain
        .app
        .post(
            "/api/v1/channels",
            &chain.admin,
            json!({ "name": "Web shop", "branch_ids": [branch] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let channel_id = id(&created.body);
    let mapped = chain
        .app
        .put(
            &format!("/api/v1/channels/{channel_id}/items"),
            &chain.admin,
            json!({ "items": [{ "item_id": item, "external_id": "web-rice" }] }),
        )
        .await;
    assert_eq!(mapped.status, StatusCode::OK, "{}", mapped.body);
    let token = chain
        .app
        .token(
            created.body["client_id"].as_str().unwrap(),
            created.body["client_secret"].as_str().unwrap(),
        )
        .await;
    let order = chain
        .app
        .post(
            "/api/v1/channel/orders",
            &token,
            json!({ "order_id": "W-1", "lines": [{ "item": "web-rice", "quantity": "1", "unit_price": "55" }] }),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.body);
    (channel_id, id(&order.body), token)
}

/// A path of the API document with every `{param}` replaced by the object made for it.
pub fn concrete_path(path: &str, objects: &[(&'static str, String)]) -> String {
    let concrete = objects
        .iter()
        .fold(path.to_string(), |concrete, (param, value)| {
            concrete.replace(param, value)
        });
    assert!(!concrete.contains('{'), "no object made for {path}");
    concrete
}
