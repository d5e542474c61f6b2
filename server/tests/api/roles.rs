//! Head office's API clients and their roles: what each role may do, walked over every route of
//! the OpenAPI document; secrets rotated; the last admin kept; every write audited.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{
    ADMIN_ID, TestApp,
    objects::{concrete_path, objects_of_another_branch},
    sales::Chain,
};

/// Makes an API client of `role` and returns its client id and secret.
async fn make_client(app: &TestApp, admin: &str, client_id: &str, role: &str) -> (String, String) {
    let answer = app
        .post(
            "/api/v1/clients",
            admin,
            json!({ "client_id": client_id, "name": format!("{role} tool"), "role": role }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.body["client"]["role"], role);
    (
        answer.body["client_id"].as_str().unwrap().to_string(),
        answer.body["client_secret"].as_str().unwrap().to_string(),
    )
}

/// The roles an operation's document names in its `bearer` requirement.
fn documented_roles(operation: &Value) -> Vec<String> {
    operation["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|requirement| requirement["bearer"].as_array())
        .flatten()
        .map(|role| role.as_str().unwrap().to_string())
        .collect()
}

/// Paths of master data, branches, terminals and clients: `stock` may read them, never write.
fn is_admin_area(path: &str) -> bool {
    let stock_paths = ["/adjustments", "/reorder-level", "/deposits"];
    !stock_paths.iter().any(|end| path.ends_with(end))
        && [
            "/api/v1/branches",
            "/api/v1/terminals",
            "/api/v1/items",
            "/api/v1/categories",
            "/api/v1/item-groups",
            "/api/v1/staff",
            "/api/v1/customers",
            "/api/v1/payment-methods",
            "/api/v1/settings",
            "/api/v1/clients",
            "/api/v1/audit",
            "/api/v1/subscriptions",
            "/api/v1/channels",
        ]
        .iter()
        .any(|area| path.starts_with(area))
}

#[tokio::test]
async fn each_role_may_do_what_it_is_documented_for_and_nothing_else() {
    let chain = Chain::new().await;
    let own_branch = chain.branch("A", "retail").await;
    let objects = objects_of_another_branch(&chain, &own_branch).await;
    let (stock_id, stock_secret) =
        make_client(&chain.app, &chain.admin, "stock-tool", "stock").await;
    let (reports_id, reports_secret) =
        make_client(&chain.app, &chain.admin, "reports-tool", "reports").await;
    let tokens = [
        ("stock", chain.app.token(&stock_id, &stock_secret).await),
        (
            "reports",
            chain.app.token(&reports_id, &reports_secret).await,
        ),
    ];
    let spec = chain
        .app
        .send(chain.app.http.get(chain.app.url("/api-docs/openapi.json")))
        .await
        .body;

    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        // Sync routes are terminals', channel routes sales channels'.
        if !path.starts_with("/api/v1/")
            || path.starts_with("/api/v1/sync/")
            || path.starts_with("/api/v1/channel/")
        {
            continue;
        }
        let concrete = concrete_path(path, &objects);
        let query = if path.ends_with("/daily-sales") {
            "from=2026-01-01&to=2026-01-02"
        } else {
            "at=2026-01-01T00:00:00Z"
        };
        let concrete = format!("{concrete}?{query}");
        for (method, operation) in item.as_object().unwrap() {
            let roles = documented_roles(operation);
            let reads = method == "get";
            // The rules themselves, so that the document cannot drift from them unnoticed.
            assert!(
                roles.contains(&"admin".to_string()),
                "{method} {path}: {roles:?}"
            );
            let admin_only = path.starts_with("/api/v1/clients") || path == "/api/v1/audit";
            assert_eq!(
                roles.contains(&"reports".to_string()),
                reads && !admin_only,
                "{method} {path}: reports reads everything but clients and the audit, writes nothing"
            );
            assert_eq!(
                roles.contains(&"stock".to_string()),
                (reads && !admin_only) || !is_admin_area(path),
                "{method} {path}: stock writes documents and stock only"
            );
            for (role, token) in &tokens {
                let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let answer = chain
                    .app
                    .call(verb, &concrete, token, Some(json!({})))
                    .await;
                if roles.contains(&role.to_string()) {
                    assert!(
                        answer.status != StatusCode::FORBIDDEN
                            && answer.status != StatusCode::UNAUTHORIZED,
                        "{role} on {method} {path}: {}",
                        answer.body
                    );
                } else {
                    answer.assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 2 * 90, "only {checked} calls made");
}

#[tokio::test]
async fn rotating_a_clients_secret_shuts_out_the_old_secret_and_its_tokens() {
    let chain = Chain::new().await;
    let (client_id, old_secret) = make_client(&chain.app, &chain.admin, "erp", "reports").await;
    let old_token = chain.app.token(&client_id, &old_secret).await;
    assert_eq!(
        chain.app.get("/api/v1/branches", &old_token).await.status,
        StatusCode::OK
    );

    let rotated = chain
        .app
        .post(
            &format!("/api/v1/clients/{client_id}/rotate-secret"),
            &chain.admin,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let new_secret = rotated.body["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, old_secret);

    chain
        .app
        .get("/api/v1/branches", &old_token)
        .await
        .assert_problem_type(StatusCode::UNAUTHORIZED, "invalid-token");
    let refused = chain.app.token_by_form(&client_id, &old_secret).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert_eq!(refused.body["error"], "invalid_client");
    let new_token = chain.app.token(&client_id, new_secret).await;
    assert_eq!(
        chain.app.get("/api/v1/branches", &new_token).await.status,
        StatusCode::OK
    );

    // A listing never shows a secret.
    let listed = chain.app.get("/api/v1/clients", &chain.admin).await;
    assert_eq!(listed.body["total"], 2);
    assert!(!listed.body.to_string().contains(new_secret));
    assert!(listed.body["items"][0].get("client_secret").is_none());
}

#[tokio::test]
async fn the_last_active_admin_keeps_its_role_and_stays_active() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let deactivate = |client: &str| format!("/api/v1/clients/{client}/deactivate");
    app.post(&deactivate(ADMIN_ID), &chain.admin, json!({}))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "last-admin");
    app.call(
        Method::PATCH,
        &format!("/api/v1/clients/{ADMIN_ID}"),
        &chain.admin,
        Some(json!({ "role": "stock" })),
    )
    .await
    .assert_problem_type(StatusCode::CONFLICT, "last-admin");

    // With a second admin, the first may go; then the second is the last.
    let (second_id, second_secret) = make_client(app, &chain.admin, "deputy", "admin").await;
    let second = app.token(&second_id, &second_secret).await;
    // Reactivating an active client changes nothing: its tokens stay good.
    let again = app
        .post(
            &format!("/api/v1/clients/{second_id}/reactivate"),
            &second,
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        app.get("/api/v1/branches", &second).await.status,
        StatusCode::OK
    );
    let gone = app.post(&deactivate(ADMIN_ID), &second, json!({})).await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    assert_eq!(gone.body["active"], false);
    app.get("/api/v1/branches", &chain.admin)
        .await
        .assert_problem_type(StatusCode::UNAUTHORIZED, "invalid-token");
    app.post(&deactivate(&second_id), &second, json!({}))
        .await
        .assert_problem_type(StatusCode::CONFLICT, "last-admin");
    let back = app
        .post(
            &format!("/api/v1/clients/{ADMIN_ID}/reactivate"),
            &second,
            json!({}),
        )
        .await;
    assert_eq!(back.body["active"], true, "{}", back.body);
}

#[tokio::test]
async fn a_new_role_applies_at_once_and_a_client_cannot_raise_its_own() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let branch = chain.branch("A", "retail").await;
    let item = chain.item("RICE", "55").await;
    let (client_id, secret) = make_client(app, &chain.admin, "clerk", "reports").await;
    let token = app.token(&client_id, &secret).await;
    let adjust = format!("/api/v1/branches/{branch}/adjustments");
    let lines = json!({ "lines": [{ "item_id": item, "mode": "delta", "quantity": "3", "reason_code": "found" }] });
    app.post(&adjust, &token, lines.clone())
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
    app.call(
        Method::PATCH,
        &format!("/api/v1/clients/{client_id}"),
        &token,
        Some(json!({ "role": "admin" })),
    )
    .await
    .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");

    let promoted = app
        .call(
            Method::PATCH,
            &format!("/api/v1/clients/{client_id}"),
            &chain.admin,
            Some(json!({ "role": "stock" })),
        )
        .await;
    assert_eq!(promoted.body["role"], "stock", "{}", promoted.body);
    // The token issued for the old role ends with it.
    app.get("/api/v1/branches", &token)
        .await
        .assert_problem_type(StatusCode::UNAUTHORIZED, "invalid-token");
    let token = app.token(&client_id, &secret).await;
    let made = app.post(&adjust, &token, lines).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    app.post("/api/v1/categories", &token, json!({ "name": "Rice" }))
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");

    // Who made it is on record, for the adjustment and in the audit trail.
    assert_eq!(made.body["created_by"], "clerk");
    let audit = app.get("/api/v1/audit?actor=clerk", &chain.admin).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    assert_eq!(audit.body["total"], 1, "{}", audit.body);
    let entry = &audit.body["items"][0];
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["path"], adjust);
    assert_eq!(entry["status"], 201);
    // The admin's writes are there too: the client's creation and its change of role.
    let admin_writes = app
        .get(
            &format!("/api/v1/audit?actor={ADMIN_ID}&path=/api/v1/clients"),
            &chain.admin,
        )
        .await;
    let methods: Vec<&str> = admin_writes.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["PATCH", "POST"], "{}", admin_writes.body);
    app.get("/api/v1/audit", &token)
        .await
        .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
}

#[tokio::test]
async fn client_ids_and_roles_are_checked() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let bad = app
        .post(
            "/api/v1/clients",
            &chain.admin,
            json!({ "client_id": "trm_mine", "name": " ", "role": "owner" }),
        )
        .await;
    bad.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(bad.error_fields(), ["client_id", "name", "role"]);
    let generated = app
        .post(
            "/api/v1/clients",
            &chain.admin,
            json!({ "name": "Script", "role": "REPORTS" }),
        )
        .await;
    assert_eq!(generated.status, StatusCode::CREATED, "{}", generated.body);
    assert!(
        generated.body["client_id"]
            .as_str()
            .unwrap()
            .starts_with("api_")
    );
    let taken = app
        .post(
            "/api/v1/clients",
            &chain.admin,
            json!({ "client_id": ADMIN_ID, "name": "Again", "role": "admin" }),
        )
        .await;
    taken.assert_problem_type(StatusCode::CONFLICT, "already-exists");
    let id = generated.body["client_id"].as_str().unwrap();
    let one = app
        .get(&format!("/api/v1/clients/{id}"), &chain.admin)
        .await;
    assert_eq!(one.body["role"], "reports");
    assert_eq!(
        app.get("/api/v1/clients/nobody", &chain.admin).await.status,
        StatusCode::NOT_FOUND
    );
}
