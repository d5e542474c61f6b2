//! README's walk-through, run as a user would run it: every `sh` block between a
//! `<!-- walkthrough … -->` line and the next `<!-- /walkthrough -->`, in README's order, in one
//! bash session against a real hub with the `hubshake-agent` of this build on the PATH. A README
//! example that stops working fails here.

use std::process::Command;

use hubshake_tests::{
    admin::{ADMIN_ID, ADMIN_SECRET},
    hub_process::HubProcess,
    server_database, workspace_binary,
};

fn walkthrough_script(readme: &str) -> String {
    let mut script = String::new();
    let (mut in_part, mut in_block) = (false, false);
    for line in readme.lines() {
        if line.starts_with("<!-- walkthrough") {
            in_part = true;
        } else if line.starts_with("<!-- /walkthrough") {
            in_part = false;
        } else if in_part && !in_block && line == "```sh" {
            in_block = true;
        } else if in_block && line == "```" {
            in_block = false;
        } else if in_block {
            script.push_str(line);
            script.push('\n');
        }
    }
    script
}

#[tokio::test]
async fn readmes_walkthrough_runs_as_written() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let script = walkthrough_script(&readme);
    assert!(
        script.contains("hubshake-agent") && script.contains("/api/v1/sync/transactions"),
        "the walk-through was found: {script}"
    );
    let dir = tempfile::tempdir().unwrap();
    let database = server_database().await;
    let hub = HubProcess::start_with_admin(
        dir.path(),
        database.as_ref(),
        (ADMIN_ID, ADMIN_SECRET),
        &[("HUBSHAKE_LOG", "warn,hubshake=info")],
    );
    let binaries = workspace_binary("hubshake-agent");
    let path = format!(
        "{}:{}",
        binaries.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut bash = Command::new("bash");
    // The console's first user is made on the hub's database, as README says: the hub's folder
    // holds the SQLite file; a server database is named as the hub was told.
    if let Some(database) = &database {
        bash.env("HUBSHAKE_DATABASE_URL", &database.url);
    }
    let output = bash
        .arg("-c")
        .arg(format!("set -euo pipefail\n{script}"))
        .current_dir(dir.path())
        .env("HUB", &hub.base)
        .env("ADMIN_ID", ADMIN_ID)
        .env("ADMIN_SECRET", ADMIN_SECRET)
        .env("PATH", path)
        .env("HUBSHAKE_AGENT_LOG", "warn")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the walk-through failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // What README's reader sees on the way: the states, the taxed sale, the stock and ledger,
    // a reports client's report, CSV and refusal.
    for expected in [
        "dispatched\nreceived\nordered\npartially_received\napproved\n",
        r#""subtotal":"705","tax":"84.6","total":"789.6""#,
        r#""sales":"789.6","tax":"84.6""#,
        r#"{"reason":"sale","delta":"-0.5","balance_after":"5.5"}"#,
        "a cancelled transfer ticket cannot be dispatched",
        "closed\nrejected\n",
        r#"{"index":0,"result":"accepted"}"#,
        r#"{"payment_method_name":"Cash","amount":"0.336"}"#,
        "sku,delta,balance_after\nBEAN-1K,-0.5,5.5\n",
        "categories: 403\n",
        r#"[{"external_id":"web-latte","sku":"LAT-01"},{"external_id":"web-beans","sku":"BEAN-1K"}]"#,
        r#"{"state":"open","total":"345","held":["3"]}"#,
        "fulfilled\n",
        r#"{"orders_shipped":1,"shipped":"345","returned":"0","net":"345"}"#,
        r#"{"sku":"FLAT-W","unit_price":"5","options":[{"sku":"SHOT","quantity":2,"price_delta":"0.6"}]}"#,
        r#"{"sku":"MILK","quantity":"500","cost":"1"}"#,
        r#"{"sku":"CUP-12","theoretical_usage":"3","waste":"0","actual_usage":"3","variance":"0","variance_cost":"0"}"#,
        r#"{"sku":"ESP-BEANS","theoretical_usage":"90","waste":"0","actual_usage":"120","variance":"30","variance_cost":"0.9"}"#,
        r#"{"sku":"MILK","theoretical_usage":"450","waste":"500","actual_usage":"950","variance":"0","variance_cost":"0"}"#,
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
}
