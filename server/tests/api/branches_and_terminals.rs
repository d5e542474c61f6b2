//! The admin API for branches and terminals, and the terminal heartbeat.

use crate::common;

use crate::common::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn branch_lifecycle() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let created = app.create_branch(&admin, "mnl-01", "restaurant").await;
    assert_eq!(created["code"], "MNL-01");
    assert_eq!(created["pos_type"], "restaurant");
    assert_eq!(created["time_zone"], "Asia/Manila");
    assert_eq!(created["active"], true);
    let id = created["id"].as_str().unwrap();

    let read = app.get(&format!("/api/v1/branches/{id}"), &admin).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body, created);

    let updated = app
        .call(
            Method::PATCH,
            &format!("/api/v1/branches/{id}"),
            &admin,
            Some(json!({ "name": "Manila Bay", "pos_type": "retail" })),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["name"], "Manila Bay");
    assert_eq!(updated.body["pos_type"], "retail");
    assert_eq!(updated.body["code"], "MNL-01");

    let deactivated = app
        .post(
            &format!("/api/v1/branches/{id}/deactivate"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(deactivated.body["active"], false);
    let inactive = app.get("/api/v1/branches?active=false", &admin).await;
    assert_eq!(inactive.body["total"], 1);
    assert_eq!(
        app.get("/api/v1/branches?active=true", &admin).await.body["total"],
        0
    );
    let reactivated = app
        .post(
            &format!("/api/v1/branches/{id}/reactivate"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(reactivated.body["active"], true);

    let missing = app
        .get(
            "/api/v1/branches/01900000-0000-7000-8000-000000000000",
            &admin,
        )
        .await;
    missing.assert_problem_type(StatusCode::NOT_FOUND, "not-found");
    let not_uuid = app.get("/api/v1/branches/not-a-uuid", &admin).await;
    not_uuid.assert_problem_type(StatusCode::BAD_REQUEST, "bad-request");
}

#[tokio::test]
async fn duplicate_branch_code_is_a_conflict() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_branch(&admin, "CEB-01", "retail").await;
    let body = json!({ "code": "ceb-01", "name": "Again", "pos_type": "retail" });
    app.post("/api/v1/branches", &admin, body)
        .await
        .assert_problem_type(StatusCode::CONFLICT, "already-exists");

    let other = app.create_branch(&admin, "CEB-02", "retail").await;
    let renamed = app
        .call(
            Method::PATCH,
            &format!("/api/v1/branches/{}", other["id"].as_str().unwrap()),
            &admin,
            Some(json!({ "code": "CEB-01" })),
        )
        .await;
    renamed.assert_problem_type(StatusCode::CONFLICT, "already-exists");
}

#[tokio::test]
async fn invalid_branch_fields_are_named() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let answer = app
        .post(
            "/api/v1/branches",
            &admin,
            json!({ "code": "has space", "name": "  ", "pos_type": "bar", "time_zone": "Mars/Olympus" }),
        )
        .await;
    answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let mut fields = answer.error_fields();
    fields.sort();
    assert_eq!(fields, ["code", "name", "pos_type", "time_zone"]);

    let missing = app
        .post("/api/v1/branches", &admin, json!({ "code": "X" }))
        .await;
    missing.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    let unknown = app
        .post(
            "/api/v1/branches",
            &admin,
            json!({ "code": "X", "name": "X", "pos_type": "retail", "colour": "red" }),
        )
        .await;
    unknown.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(app.get("/api/v1/branches", &admin).await.body["total"], 0);
}

#[tokio::test]
async fn lists_are_paginated_within_bounds() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for n in 0..7 {
        app.create_branch(&admin, &format!("B{n}"), "retail").await;
    }
    let first = app.get("/api/v1/branches?limit=3", &admin).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["total"], 7);
    assert_eq!(first.body["limit"], 3);
    let codes = |answer: &common::Answer| -> Vec<String> {
        answer.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes(&first), ["B0", "B1", "B2"]);
    let last = app.get("/api/v1/branches?limit=3&offset=6", &admin).await;
    assert_eq!(codes(&last), ["B6"]);
    let beyond = app.get("/api/v1/branches?offset=100", &admin).await;
    assert_eq!(codes(&beyond), Vec::<String>::new());
    assert_eq!(app.get("/api/v1/branches", &admin).await.body["limit"], 50);
    assert_eq!(
        app.get("/api/v1/branches?limit=500", &admin).await.status,
        StatusCode::OK
    );

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=-1", "limit"),
        ("offset=-5", "offset"),
    ] {
        let answer = app.get(&format!("/api/v1/branches?{query}"), &admin).await;
        answer.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
        assert_eq!(answer.error_fields(), [field], "{query}");
    }
    // A value that is not a number at all is named like any other bad value.
    let words = app.get("/api/v1/branches?limit=many", &admin).await;
    words.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(words.error_fields(), ["limit"]);
}

#[tokio::test]
async fn terminals_are_registered_listed_and_shown() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let branch = app.create_branch(&admin, "MNL-01", "retail").await;
    let branch_id = branch["id"].as_str().unwrap();
    let other = app.create_branch(&admin, "CEB-01", "retail").await;
    app.register_terminal(&admin, other["id"].as_str().unwrap(), "Elsewhere")
        .await;

    let registered = app
        .post(
            &format!("/api/v1/branches/{branch_id}/terminals"),
            &admin,
            json!({ "name": "Till 2", "device_id": "SN-2" }),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    assert!(registered.body["client_secret"].as_str().unwrap().len() >= 43);
    assert_eq!(registered.body["terminal"]["device_id"], "SN-2");
    assert_eq!(registered.body["terminal"]["branch_id"], branch_id);
    app.register_terminal(&admin, branch_id, "Till 1").await;

    let list = app
        .get(
            &format!("/api/v1/branches/{branch_id}/terminals?limit=1"),
            &admin,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["total"], 2);
    assert_eq!(list.body["items"][0]["name"], "Till 1");
    assert!(list.body["items"][0].get("client_secret").is_none());

    let missing_branch = "01900000-0000-7000-8000-000000000000";
    app.get(
        &format!("/api/v1/branches/{missing_branch}/terminals"),
        &admin,
    )
    .await
    .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
    app.post(
        &format!("/api/v1/branches/{missing_branch}/terminals"),
        &admin,
        json!({ "name": "X" }),
    )
    .await
    .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
    let nameless = app
        .post(
            &format!("/api/v1/branches/{branch_id}/terminals"),
            &admin,
            json!({ "name": "" }),
        )
        .await;
    nameless.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(nameless.error_fields(), ["name"]);

    app.post(
        &format!("/api/v1/branches/{branch_id}/deactivate"),
        &admin,
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/v1/branches/{branch_id}/terminals"),
        &admin,
        json!({ "name": "Till 3" }),
    )
    .await
    .assert_problem_type(StatusCode::CONFLICT, "branch-deactivated");
}

#[tokio::test]
async fn heartbeat_shows_last_seen_and_version_to_the_admin() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (terminal, token) = app.terminal_with_token(&admin, "MNL-01").await;
    let terminal_id = terminal["terminal"]["id"].as_str().unwrap();
    assert!(terminal["terminal"]["last_seen_at"].is_null());

    let beat = app
        .post(
            "/api/v1/sync/heartbeat",
            &token,
            json!({ "device_id": "SN-1", "agent_version": "0.3.1", "queued_backlog": 4 }),
        )
        .await;
    assert_eq!(beat.status, StatusCode::OK, "{}", beat.body);
    assert!(beat.body["server_time"].is_string());

    let seen = app
        .get(&format!("/api/v1/terminals/{terminal_id}"), &admin)
        .await;
    assert_eq!(seen.body["agent_version"], "0.3.1");
    assert_eq!(seen.body["device_id"], "SN-1");
    assert_eq!(seen.body["queued_backlog"], 4);
    assert!(seen.body["last_seen_at"].is_string());

    // The device is now known: another device with the same credentials is refused.
    app.post(
        "/api/v1/sync/heartbeat",
        &token,
        json!({ "device_id": "SN-9" }),
    )
    .await
    .assert_problem_type(StatusCode::CONFLICT, "device-mismatch");
    let bad = app
        .post(
            "/api/v1/sync/heartbeat",
            &token,
            json!({ "queued_backlog": -1 }),
        )
        .await;
    bad.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(bad.error_fields(), ["queued_backlog"]);
    // A terminal cannot name a branch or any field it does not own.
    app.post(
        "/api/v1/sync/heartbeat",
        &token,
        json!({ "branch_id": terminal["terminal"]["branch_id"] }),
    )
    .await
    .assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
}

/// A till replaced or reinstalled gets a new device id; the admin clears the old binding and the
/// next heartbeat binds the terminal to the new device.
#[tokio::test]
async fn an_admin_resets_a_terminals_device_and_the_next_heartbeat_binds_it_anew() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let branch = app.create_branch(&admin, "MNL-01", "retail").await;
    let registered = app
        .post(
            &format!(
                "/api/v1/branches/{}/terminals",
                branch["id"].as_str().unwrap()
            ),
            &admin,
            json!({ "name": "Till 1", "device_id": "SN-0001" }),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    let terminal_id = registered.body["terminal"]["id"].as_str().unwrap();
    let token = app
        .token(
            registered.body["client_id"].as_str().unwrap(),
            registered.body["client_secret"].as_str().unwrap(),
        )
        .await;
    let beat = |device: &'static str| {
        app.post(
            "/api/v1/sync/heartbeat",
            &token,
            json!({ "device_id": device }),
        )
    };
    assert_eq!(beat("SN-0001").await.status, StatusCode::OK);
    let refused = beat("SN-0002").await;
    refused.assert_problem_type(StatusCode::CONFLICT, "device-mismatch");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("/api/v1/terminals/{terminal_id}/reset-device")),
        "the refusal tells the way out: {detail}"
    );

    let reset = app
        .post(
            &format!("/api/v1/terminals/{terminal_id}/reset-device"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert!(reset.body["device_id"].is_null());
    assert_eq!(beat("SN-0002").await.status, StatusCode::OK);
    let shown = app
        .get(&format!("/api/v1/terminals/{terminal_id}"), &admin)
        .await;
    assert_eq!(shown.body["device_id"], "SN-0002");
    beat("SN-0001")
        .await
        .assert_problem_type(StatusCode::CONFLICT, "device-mismatch");
    // Only admins reset a binding, and only of a terminal that exists.
    app.post(
        &format!("/api/v1/terminals/{terminal_id}/reset-device"),
        &token,
        json!({}),
    )
    .await
    .assert_problem_type(StatusCode::FORBIDDEN, "insufficient-scope");
    app.post(
        &format!("/api/v1/terminals/{}/reset-device", uuid::Uuid::now_v7()),
        &admin,
        json!({}),
    )
    .await
    .assert_problem_type(StatusCode::NOT_FOUND, "not-found");
}
