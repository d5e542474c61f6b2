//! `api-spec/openapi.json` is generated from the code; this fails when the two drift apart.
//! Regenerate with `cargo run --bin hubshake -- openapi > api-spec/openapi.json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

#[test]
fn committed_openapi_document_matches_the_code() {
    let generated = hubshake::openapi()
        .to_pretty_json()
        .expect("the document serializes");
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../api-spec/openapi.json"
    ))
    .expect("api-spec/openapi.json exists");
    assert!(
        committed.trim_end() == generated.trim_end(),
        "api-spec/openapi.json is stale: run `cargo run --bin hubshake -- openapi > api-spec/openapi.json`"
    );
}
