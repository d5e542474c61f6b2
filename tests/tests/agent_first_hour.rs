//! The agent's first hour, as README tells it: `check` then `sync-once` on a fresh settings file;
//! a terminal registered with a device id; a till reinstalled and rebound after a reset; and the
//! seed's settings.ini, comments and all, kept as the user wrote it.

use std::{path::Path, process::Output};

use hubshake_tests::{admin::id_of, hub_process::with_hub_and_admin, workspace_binary};
use serde_json::json;

/// The seed's sample settings.ini as a user pastes it from the seed document: no-break spaces at
/// the ends of lines, MySQL keys the agent does not use here, plus the user's own comments and an
/// extra section. Only the local database is changed to a SQLite file.
fn seed_settings(
    host: &str,
    client_id: &str,
    client_secret: &str,
    device_id: Option<&str>,
) -> String {
    let device = device_id.map_or(String::new(), |id| format!("device_id={id}\u{a0}\n"));
    format!(
        "; Till 1, front counter. Ask IT before changing anything below.\n\
         [cn-local]\u{a0}\n\
         sqlite=pos.db\u{a0}\n\
         ; host=localhost\n\
         flag=DefaultCommandTimeout=0;ConvertZeroDatetime=True;\u{a0}\n\
         \u{a0}\n\
         [pos-config]\u{a0}\n\
         last_in_synced_inventory_update_date_time=1990-01-01T 00:00:00.0000Z\u{a0}\n\
         last_out_synced_date=1990-01-01 00:00:00\u{a0}\n\
         pos_type=retail\u{a0}\n\
         {device}\
         # the agent keeps its cursors in this section\n\
         \u{a0}\n\
         [api-auth]\u{a0}\n\
         header-content_type=application/json\u{a0}\n\
         body-grant_type=client_credentials\u{a0}\n\
         body-client_id={client_id}\u{a0}\n\
         body-client_secret={client_secret}\u{a0}\n\
         host={host}\u{a0}\n\
         read_write_timeout=100000\u{a0}\n\
         \u{a0}\n\
         [printer]\n\
         model = TM-T82  ; not the agent's\n"
    )
}

/// Keys the agent owns in `[pos-config]`.
const OWNED: [&str; 8] = [
    "last_in_synced_inventory_update_date_time",
    "last_out_synced_date",
    "pos_type",
    "master_cursor",
    "stock_cursor",
    "device_id",
    "last_cycle_at",
    "last_error",
];

/// The lines of a settings file that are not the agent's values.
fn lines_not_owned(text: &str) -> Vec<&str> {
    text.split_inclusive('\n')
        .filter(|line| {
            let key = line.split('=').next().unwrap_or_default().trim();
            !OWNED.contains(&key)
        })
        .collect()
}

fn value_of(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{key}=")))
        .map(|value| value.trim().to_string())
}

fn agent(settings: &Path, command: &str) -> Output {
    std::process::Command::new(workspace_binary("hubshake-agent"))
        .args(["--settings", settings.to_str().unwrap(), command])
        .env("HUBSHAKE_AGENT_LOG", "warn")
        .output()
        .expect("the agent runs")
}

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_then_sync_once_use_one_device_id_and_keep_the_users_lines() {
    with_hub_and_admin(|base, admin| {
        let branch = admin.branch("MNL-01");
        let terminal = admin.register_terminal(&branch, json!({ "name": "Till 1" }));
        let terminal_id = id_of(&terminal["terminal"]);
        let till = tempfile::tempdir().unwrap();
        let settings = till.path().join("settings.ini");
        let written = seed_settings(
            base,
            terminal["client_id"].as_str().unwrap(),
            terminal["client_secret"].as_str().unwrap(),
            None,
        );
        std::fs::write(&settings, &written).unwrap();

        assert_success(&agent(&settings, "check"), "check");
        let after_check = std::fs::read_to_string(&settings).unwrap();
        let device = value_of(&after_check, "device_id").expect("check saved a device id");
        assert!(uuid::Uuid::parse_str(&device).is_ok(), "a UUID: {device}");
        assert_success(&agent(&settings, "sync-once"), "sync-once after check");
        assert_success(&agent(&settings, "sync-once"), "a second sync-once");

        let after_sync = std::fs::read_to_string(&settings).unwrap();
        assert_eq!(value_of(&after_sync, "device_id"), Some(device.clone()));
        assert!(value_of(&after_sync, "master_cursor").is_some());
        assert_eq!(
            lines_not_owned(&after_sync),
            lines_not_owned(&written),
            "every line the agent does not own is kept byte for byte"
        );
        let seen = admin.get(&format!("/api/v1/terminals/{terminal_id}"));
        assert_eq!(seen["device_id"], device.as_str());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_registered_with_a_device_id_syncs_and_is_rebound_after_a_reset() {
    with_hub_and_admin(|base, admin| {
        let branch = admin.branch("MNL-01");
        let terminal =
            admin.register_terminal(&branch, json!({ "name": "Till 1", "device_id": "SN-0001" }));
        let terminal_id = id_of(&terminal["terminal"]);
        let (client_id, secret) = (
            terminal["client_id"].as_str().unwrap(),
            terminal["client_secret"].as_str().unwrap(),
        );
        let till = tempfile::tempdir().unwrap();
        let settings = till.path().join("settings.ini");
        std::fs::write(
            &settings,
            seed_settings(base, client_id, secret, Some("SN-0001")),
        )
        .unwrap();
        assert_success(&agent(&settings, "check"), "check");
        assert_success(&agent(&settings, "sync-once"), "sync-once");

        // The till is reinstalled: a settings file without the device id makes a new one, which
        // the hub refuses until an admin resets the binding.
        std::fs::write(&settings, seed_settings(base, client_id, secret, None)).unwrap();
        let refused = agent(&settings, "sync-once");
        assert!(!refused.status.success());
        let message = String::from_utf8_lossy(&refused.stderr);
        assert!(message.contains("reset-device"), "{message}");
        let (status, _) = admin.call_raw(
            reqwest::Method::POST,
            &format!("/api/v1/terminals/{terminal_id}/reset-device"),
            None,
        );
        assert!(status.is_success(), "{status}");
        assert_success(&agent(&settings, "sync-once"), "sync-once after the reset");
        let new_device =
            value_of(&std::fs::read_to_string(&settings).unwrap(), "device_id").unwrap();
        let seen = admin.get(&format!("/api/v1/terminals/{terminal_id}"));
        assert_eq!(seen["device_id"], new_device.as_str());
        assert_ne!(new_device, "SN-0001");
    })
    .await;
}
