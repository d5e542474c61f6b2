//! `/metrics`: Prometheus text that parses, whose counters move with what the hub does, served
//! only behind the metrics token or on the separate metrics listener.

use std::collections::BTreeMap;

use reqwest::StatusCode;

use crate::common::{
    ADMIN_ID, TestApp,
    sales::{Chain, transaction},
    spawn_app, spawn_app_with,
};

const METRICS_TOKEN: &str = "a-scraper-token-of-length";

/// One sample of the text exposition format.
#[derive(Debug)]
struct Sample {
    metric: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the Prometheus text format strictly: every line is blank, a `# HELP` or `# TYPE`
/// comment, or a sample `name{label="value",…} number` whose label values are quoted with `\\`,
/// `\"` and `\n` escapes (a value may hold `{`, `}` and `,`).
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|line| !line.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(
                comment.starts_with("HELP ") || comment.starts_with("TYPE "),
                "{line}"
            );
            continue;
        }
        samples.push(parse_sample(line));
    }
    samples
}

fn parse_sample(line: &str) -> Sample {
    let mut chars = line.chars().peekable();
    let mut metric = String::new();
    while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':') {
        metric.push(c);
    }
    assert!(!metric.is_empty(), "no metric name: {line}");
    let mut labels = BTreeMap::new();
    if chars.next_if_eq(&'{').is_some() {
        loop {
            match chars.next() {
                Some('}') => break,
                Some(',') => continue,
                Some(first) => {
                    let mut key = first.to_string();
                    while let Some(c) = chars.next_if(|c| *c != '=') {
                        key.push(c);
                    }
                    assert_eq!(chars.next(), Some('='), "{line}");
                    assert_eq!(chars.next(), Some('"'), "{line}");
                    let mut value = String::new();
                    loop {
                        match chars.next() {
                            Some('\\') => match chars.next() {
                                Some('n') => value.push('\n'),
                                Some(escaped) => value.push(escaped),
                                None => panic!("a dangling escape: {line}"),
                            },
                            Some('"') => break,
                            Some(c) => value.push(c),
                            None => panic!("an unterminated label value: {line}"),
                        }
                    }
                    labels.insert(key, value);
                }
                None => panic!("unterminated labels: {line}"),
            }
        }
    }
    let rest: String = chars.collect();
    let value = match rest.split_whitespace().next() {
        Some("+Inf") => f64::INFINITY,
        Some("-Inf") => f64::NEG_INFINITY,
        Some(number) => number
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}")),
        None => panic!("no value: {line}"),
    };
    Sample {
        metric,
        labels,
        value,
    }
}

#[test]
fn the_parser_takes_braces_and_escapes_in_label_values_and_refuses_broken_lines() {
    let samples = parse_exposition(
        "# HELP x_total Things.\n# TYPE x_total counter\n\
         x_total{route=\"/a/{id}\",note=\"say \\\"hi\\\", ok\"} 3\nup 1\n",
    );
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].labels["route"], "/a/{id}");
    assert_eq!(samples[0].labels["note"], "say \"hi\", ok");
    assert_eq!(samples[0].value, 3.0);
    for broken in [
        "x_total{route=\"/a\" 3",
        "x_total 3x",
        "{a=\"b\"} 1",
        "x_total",
    ] {
        assert!(
            std::panic::catch_unwind(|| parse_sample(broken)).is_err(),
            "{broken}"
        );
    }
}

async fn scrape(app: &TestApp, url: String, token: Option<&str>) -> Vec<Sample> {
    let mut request = app.http.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    parse_exposition(&response.text().await.unwrap())
}

/// The sum of the samples `name` whose labels include `labels` (0 when there is none).
fn value(scrape: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

#[tokio::test]
async fn counters_move_with_requests_ingest_and_tokens() {
    let app = spawn_app_with(|s| s.metrics_token = Some(METRICS_TOKEN.into())).await;
    let chain = Chain::with(app).await;
    let app = &chain.app;
    let url = || app.url("/metrics");
    let before = scrape(app, url(), Some(METRICS_TOKEN)).await;

    for _ in 0..3 {
        assert_eq!(
            app.get("/api/v1/branches", &chain.admin).await.status,
            StatusCode::OK
        );
    }
    let branch = chain.branch("A", "retail").await;
    let item = chain.item("RICE", "55").await;
    let staff = chain.cashier("ANA", &[&branch]).await;
    let till = chain.till(&branch, "Till 1").await;
    let sale = transaction("sale", &staff, &chain.cash, &[(&item, "1", "55")]);
    chain.post(&till, &[sale.clone(), sale]).await;
    assert_eq!(
        app.token_by_form(ADMIN_ID, "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
    let item_path = format!("/api/v1/items/{}", uuid::Uuid::new_v4());
    assert_eq!(
        app.get(&item_path, &chain.admin).await.status,
        StatusCode::NOT_FOUND
    );

    let after = scrape(app, url(), Some(METRICS_TOKEN)).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    let branches = [
        ("route", "/api/v1/branches"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert_eq!(moved("hubshake_http_requests_total", &branches), 3.0);
    // Routes are counted by pattern, never by the ids in a path.
    let one_item = [("route", "/api/v1/items/{item_id}"), ("status", "404")];
    let seen: Vec<_> = after
        .iter()
        .filter(|s| s.metric == "hubshake_http_requests_total")
        .map(|s| format!("{:?}", s.labels))
        .collect();
    assert_eq!(
        moved("hubshake_http_requests_total", &one_item),
        1.0,
        "{seen:#?}"
    );
    assert!(
        !after.iter().any(|s| s
            .labels
            .get("route")
            .is_some_and(|r| r.contains(&item_path))),
        "a path with an id became a label"
    );
    let latency = [("route", "/api/v1/branches"), ("method", "GET")];
    assert_eq!(
        moved("hubshake_http_request_duration_seconds_count", &latency),
        3.0
    );
    assert_eq!(
        moved("hubshake_ingest_results_total", &[("result", "accepted")]),
        1.0
    );
    assert_eq!(
        moved("hubshake_ingest_results_total", &[("result", "duplicate")]),
        1.0
    );
    assert_eq!(
        moved("hubshake_tokens_issued_total", &[("scope", "terminal")]),
        1.0
    );
    assert_eq!(
        moved(
            "hubshake_token_refusals_total",
            &[("error", "invalid_client")]
        ),
        1.0
    );
    assert!(value(&after, "hubshake_feed_head", &[("stream", "master")]) >= 3.0);
    let stock_stream = format!("stock:{branch}");
    assert_eq!(
        value(&after, "hubshake_feed_head", &[("stream", &stock_stream)]),
        1.0
    );
    let pool = after
        .iter()
        .filter(|s| s.metric == "hubshake_db_pool_connections")
        .count();
    assert_eq!(pool, 2, "in use and idle");
}

#[tokio::test]
async fn metrics_need_the_token_on_the_main_port_and_none_on_their_own_listener() {
    let guarded = spawn_app_with(|s| s.metrics_token = Some(METRICS_TOKEN.into())).await;
    let url = guarded.url("/metrics");
    for token in [
        None,
        Some("not-the-metrics-token"),
        Some(METRICS_TOKEN.trim_end_matches('h')),
    ] {
        let mut request = guarded.http.get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = guarded.send(request).await;
        answer.assert_problem_type(StatusCode::UNAUTHORIZED, "invalid-token");
    }
    // An admin's access token is not the metrics token.
    let admin = guarded.admin_token().await;
    let answer = guarded
        .send(guarded.http.get(&url).bearer_auth(admin))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    // Off by default: the main port has no such route.
    let plain = spawn_app().await;
    plain
        .send(plain.http.get(plain.url("/metrics")))
        .await
        .assert_problem_type(StatusCode::NOT_FOUND, "no-route");

    // Its own listener serves them without a token, and nothing else.
    let separate = spawn_app_with(|s| s.metrics_listen = Some("127.0.0.1:0".into())).await;
    let base = separate.metrics_base.clone().unwrap();
    let scraped = scrape(&separate, format!("{base}/metrics"), None).await;
    assert!(scraped.iter().any(|s| s.metric == "hubshake_feed_head"));
    let api = separate
        .http
        .get(format!("{base}/api/v1/branches"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
}
