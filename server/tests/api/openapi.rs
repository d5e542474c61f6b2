//! `api-spec/openapi.json` is generated from the code; this fails when the two drift apart.
//! Regenerate with `cargo run --bin hubshake -- openapi > api-spec/openapi.json`.

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

/// The problem types the document lists are the ones README's table explains, and there is one
/// for every refusal.
#[test]
fn readme_lists_every_problem_type_of_the_document() {
    let document: serde_json::Value =
        serde_json::from_str(&hubshake::openapi().to_json().unwrap()).unwrap();
    let types = document["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
        .as_array()
        .expect("Problem.type lists the problem types")
        .clone();
    assert!(types.len() >= 20, "{types:?}");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    for problem_type in types {
        let row = format!("| `{}` |", problem_type.as_str().unwrap());
        assert!(readme.contains(&row), "README's table lacks {row}");
    }
}
