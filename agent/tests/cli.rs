//! The agent's command line refuses bad settings with a message that names the problem.
//! (Having an integration test also makes `cargo test` build this package's binary, which the
//! end-to-end tests in `tests/` run.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::process::Command;

fn agent(settings: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hubshake-agent"))
        .args(["--settings", settings.to_str().unwrap(), "check"])
        .output()
        .unwrap()
}

#[test]
fn a_missing_settings_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("settings.ini");
    let output = agent(&missing);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("cannot read") && message.contains("settings.ini"),
        "{message}"
    );
}

#[test]
fn a_missing_credential_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.ini");
    std::fs::write(&settings, "[api-auth]\nbody-grant_type=client_credentials\nbody-client_id=1\nhost=http://127.0.0.1:9\n").unwrap();
    let output = agent(&settings);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("[api-auth] body-client_secret is missing"),
        "{message}"
    );
}

#[test]
fn an_unreachable_hub_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.ini");
    // Port 9 (discard) on loopback: nothing listens there.
    std::fs::write(
        &settings,
        "[api-auth]\nbody-grant_type=client_credentials\nbody-client_id=1\nbody-client_secret=s\nhost=http://127.0.0.1:9\nread_write_timeout=5\n",
    )
    .unwrap();
    let output = agent(&settings);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("log-in failed"), "{message}");
}
