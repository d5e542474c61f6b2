//! Lists as CSV: the whole list, streamed, RFC 4180 quoting, the same rows as the JSON pages.

use std::collections::BTreeMap;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::common::{
    TestApp,
    objects::{CHANNEL_TOKEN, COUNTS, concrete_path},
    sales::Chain,
};

/// Every page of a JSON list.
async fn all_pages(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    loop {
        let page = app
            .get(&format!("{path}?limit=500&offset={}", rows.len()), token)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = page.body["items"].as_array().unwrap().clone();
        let done = items.is_empty();
        rows.extend(items);
        if done || rows.len() as u64 == page.body["total"].as_u64().unwrap() {
            return rows;
        }
    }
}

/// A CSV answer as rows of (column → cell).
async fn csv_rows(response: reqwest::Response) -> Vec<BTreeMap<String, String>> {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let columns: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            columns
                .iter()
                .cloned()
                .zip(record.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// A JSON row as the CSV writes it: scalars as text, null as empty.
fn as_cells(row: &Value) -> BTreeMap<String, String> {
    row.as_object()
        .unwrap()
        .iter()
        .map(|(key, value)| {
            let cell = match value {
                Value::Null => String::new(),
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (key.clone(), cell)
        })
        .collect()
}

#[tokio::test]
async fn a_ledger_of_ten_thousand_rows_exports_as_csv_with_the_rows_of_the_json_pages() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let branch = chain.branch("A", "retail").await;
    // A name CSV must quote: a comma, quotes and a line break.
    let items: Vec<Value> = (0..500)
        .map(|n| json!({ "sku": format!("SKU-{n:03}"), "name": format!("Rice, \"premium\"\nbag {n}"), "base_price": "1" }))
        .collect();
    let imported = app
        .post(
            "/api/v1/items/import",
            &chain.admin,
            json!({ "items": items }),
        )
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let ids: Vec<String> = all_pages(app, &chain.admin, "/api/v1/items")
        .await
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect();
    for round in 0..20 {
        let lines: Vec<Value> = ids
            .iter()
            .map(|id| json!({ "item_id": id, "mode": "delta", "quantity": format!("{}.5", round + 1), "reason_code": "found" }))
            .collect();
        let made = app
            .post(
                &format!("/api/v1/branches/{branch}/adjustments"),
                &chain.admin,
                json!({ "lines": lines }),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    let ledger = format!("/api/v1/branches/{branch}/ledger");
    let json_rows = all_pages(app, &chain.admin, &ledger).await;
    assert_eq!(json_rows.len(), 10_000);

    let by_format = app
        .http
        .get(app.url(&format!("{ledger}?format=csv")))
        .bearer_auth(&chain.admin)
        .send()
        .await
        .unwrap();
    let csv = csv_rows(by_format).await;
    assert_eq!(csv.len(), 10_000);
    let expected: Vec<BTreeMap<String, String>> = json_rows.iter().map(as_cells).collect();
    assert_eq!(csv, expected);
    assert!(
        csv[0]["item_name"].contains(", \"premium\"\n"),
        "{:?}",
        csv[0]
    );

    // `Accept: text/csv` asks the same; a filter applies to the export too.
    let by_accept = app
        .http
        .get(app.url(&format!("{ledger}?item_id={}", ids[7])))
        .bearer_auth(&chain.admin)
        .header(header::ACCEPT, "text/csv")
        .send()
        .await
        .unwrap();
    let one_item = csv_rows(by_accept).await;
    assert_eq!(one_item.len(), 20);
    assert!(one_item.iter().all(|row| row["item_id"] == ids[7]));

    let bad_reason = app
        .get(&format!("{ledger}?reason=theft"), &chain.admin)
        .await;
    bad_reason.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(bad_reason.error_fields(), ["reason"]);
    let refused = app.get(&format!("{ledger}?format=xml"), &chain.admin).await;
    refused.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(refused.error_fields(), ["format"]);
    // A refusal is still a problem document when CSV was asked.
    let other = app
        .get(
            &format!(
                "/api/v1/branches/{}/ledger?format=csv",
                uuid::Uuid::new_v4()
            ),
            &chain.admin,
        )
        .await;
    other.assert_problem_type(StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn every_list_of_the_document_answers_csv() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let own_branch = chain.branch("A", "retail").await;
    let objects = crate::common::objects::objects_of_another_branch(&chain, &own_branch).await;
    let spec = app
        .send(app.http.get(app.url("/api-docs/openapi.json")))
        .await
        .body;
    let mut lists = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        if get["responses"]["200"]["content"].get("text/csv").is_none() {
            continue;
        }
        let concrete = concrete_path(path, &objects);
        // A channel's own lists take its token, every other list an admin's.
        let token = match path.starts_with("/api/v1/channel/") {
            true => objects
                .iter()
                .find(|(name, _)| *name == CHANNEL_TOKEN)
                .map(|(_, token)| token)
                .unwrap(),
            false => &chain.admin,
        };
        // The usage-variance report is between two counts, named in its query.
        let counts = match path.as_str() {
            "/api/v1/reports/usage-variance" => objects
                .iter()
                .find(|(name, _)| *name == COUNTS)
                .map(|(_, query)| format!("&{query}"))
                .unwrap(),
            _ => String::new(),
        };
        let answer = app
            .http
            .get(app.url(&format!(
                "{concrete}?format=csv&from=2026-01-01&to=2026-01-02{counts}"
            )))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        let text = answer.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for record in reader.records() {
            record.unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        lists += 1;
    }
    assert!(lists >= 20, "only {lists} lists declare CSV");
}

async fn post_csv(app: &TestApp, token: &str, path: &str, csv: &str) -> crate::common::Answer {
    app.send(
        app.http
            .post(app.url(path))
            .bearer_auth(token)
            .header(header::CONTENT_TYPE, "text/csv")
            .body(csv.to_string()),
    )
    .await
}

#[tokio::test]
async fn items_import_from_csv_by_the_same_rules_with_errors_naming_the_line() {
    let chain = Chain::new().await;
    let app = &chain.app;
    let bad = "sku,name,base_price,cost\n\
               R-1,\"Rice, long\ngrain\",55,30\n\
               R-2,Beans,abc,7\n\
               R-3,,12,\n";
    let refused = post_csv(app, &chain.admin, "/api/v1/items/import", bad).await;
    refused.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    // The first row spans lines 2 and 3 (a quoted line break): the bad ones are lines 4 and 5.
    let mut fields = refused.error_fields();
    fields.sort();
    assert_eq!(fields, ["rows[4].base_price", "rows[5].name"]);
    assert_eq!(
        app.get("/api/v1/items", &chain.admin).await.body["total"],
        0,
        "nothing imported"
    );

    let unknown = post_csv(
        app,
        &chain.admin,
        "/api/v1/items/import",
        "sku,name,price\nA,B,1\n",
    )
    .await;
    unknown.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");
    assert_eq!(
        unknown.error_fields(),
        ["rows[1]", "rows[1]"],
        "an unknown column and a missing one"
    );

    let twice = post_csv(
        app,
        &chain.admin,
        "/api/v1/items/import",
        "sku,name,base_price\nA,One,1\nA,Two,2\n",
    )
    .await;
    assert_eq!(twice.error_fields(), ["rows[3].sku"]);

    let good = "SKU,Name,Base_Price,Cost,Tax_Rate,Track_Stock,Active,Barcodes,Unit\n\
                R-1,\"Rice, \"\"premium\"\"\",55.5,30,12,true,yes,111|222,kg\n\
                R-2,Beans,12,,,false,no,,\n";
    let imported = post_csv(app, &chain.admin, "/api/v1/items/import", good).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert_eq!(imported.body["imported"], 2);
    let rice = &app.get("/api/v1/items?q=R-1", &chain.admin).await.body["items"][0];
    assert_eq!(rice["name"], "Rice, \"premium\"");
    assert_eq!(rice["base_price"], "55.5");
    assert_eq!(rice["cost"], "30");
    assert_eq!(rice["tax_rate"], "12");
    assert_eq!(rice["unit"], "kg");
    assert_eq!(rice["barcodes"], json!(["111", "222"]));
    let beans = &app.get("/api/v1/items?q=R-2", &chain.admin).await.body["items"][0];
    assert_eq!(beans["active"], false);
    assert_eq!(beans["track_stock"], false);
    assert_eq!(beans["cost"], Value::Null);

    // Only the import takes CSV.
    post_csv(app, &chain.admin, "/api/v1/branches", "code,name\nX,Y\n")
        .await
        .assert_problem_type(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
}
