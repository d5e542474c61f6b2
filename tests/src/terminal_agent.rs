//! A real `hubshake-agent` with its own folder: settings.ini in the seed's format, its local POS
//! database (SQLite, or a MySQL database), and its `Out/` queue.

use std::{
    path::PathBuf,
    process::{Child, Command, Output},
};

use base64::Engine;
use serde_json::Value;
use tempfile::TempDir;

use crate::workspace_binary;

pub struct TerminalAgent {
    pub dir: TempDir,
    pub settings: PathBuf,
}

/// Where an agent keeps its local POS database.
pub enum LocalStore {
    Sqlite,
    /// A `mysql://user@host:port/db` URL (the database must exist).
    MySql(String),
}

impl TerminalAgent {
    pub fn new(host: &str, client_id: &str, client_secret: &str, store: &LocalStore) -> Self {
        let dir = tempfile::tempdir().expect("a folder for the agent");
        let settings = dir.path().join("settings.ini");
        let agent = Self { dir, settings };
        agent.write_settings(host, client_id, client_secret, store);
        agent
    }

    fn write_settings(&self, host: &str, client_id: &str, client_secret: &str, store: &LocalStore) {
        let local = match store {
            LocalStore::Sqlite => "sqlite=pos.db\n".to_string(),
            LocalStore::MySql(url) => {
                // mysql://user[:pw]@host:port/db, written as the seed does (pw in base64).
                let rest = url.trim_start_matches("mysql://");
                let (credentials, address) = rest.split_once('@').expect("user@host");
                let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
                let (host_port, db) = address.split_once('/').expect("host/db");
                let (host, port) = host_port.split_once(':').unwrap_or((host_port, "3306"));
                let pw = base64::engine::general_purpose::STANDARD.encode(password);
                format!(
                    "host={host}\nport={port}\nuser={user}\npw={pw}\ndb={db}\nflag=DefaultCommandTimeout=0;ConvertZeroDatetime=True;\n"
                )
            }
        };
        let text = format!(
            "[cn-local]\n{local}\n\
             [pos-config]\nlast_in_synced_inventory_update_date_time=1990-01-01T 00:00:00.0000Z\nlast_out_synced_date=1990-01-01 00:00:00\npos_type=retail\n\n\
             [api-auth]\nheader-content_type=application/json\nbody-grant_type=client_credentials\nbody-client_id={client_id}\nbody-client_secret={client_secret}\nhost={host}\nread_write_timeout=10000\n"
        );
        std::fs::write(&self.settings, text).expect("settings written");
    }

    /// Points the agent at another hub address, keeping everything else.
    pub fn set_host(&self, host: &str) {
        self.set_line("host=http", &format!("host={host}"));
    }

    /// Makes the agent a `retail` or `restaurant` POS.
    pub fn set_pos_type(&self, pos_type: &str) {
        self.set_line("pos_type=", &format!("pos_type={pos_type}"));
    }

    /// Replaces the settings' line that starts with `start`.
    fn set_line(&self, start: &str, replacement: &str) {
        let text = std::fs::read_to_string(&self.settings).expect("settings read");
        let text: Vec<String> = text
            .lines()
            .map(|line| {
                if line.starts_with(start) {
                    replacement.to_string()
                } else {
                    line.to_string()
                }
            })
            .collect();
        std::fs::write(&self.settings, text.join("\n") + "\n").expect("settings written");
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(workspace_binary("hubshake-agent"));
        command
            .arg("--settings")
            .arg(&self.settings)
            .args(args)
            .env("HUBSHAKE_AGENT_LOG", "warn");
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the agent runs")
    }

    /// Starts the agent without waiting for it.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().expect("the agent starts")
    }

    /// One sync cycle; whether it succeeded.
    pub fn try_sync_once(&self) -> bool {
        self.run(&["sync-once"]).status.success()
    }

    /// One sync cycle that must succeed.
    pub fn sync_once(&self) {
        let output = self.run(&["sync-once"]);
        assert!(
            output.status.success(),
            "sync-once failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Records a sale of (item, quantity) lines; returns its id.
    pub fn sell(&self, kind: &str, lines: &[(&str, &str)]) -> String {
        let mut args = vec!["sell".to_string(), "--kind".into(), kind.into()];
        for (item, quantity) in lines {
            args.push("--line".into());
            args.push(format!("{item}={quantity}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = self.run(&args);
        assert!(
            output.status.success(),
            "sell failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn json(&self, command: &str) -> Value {
        let output = self.run(&[command]);
        assert!(
            output.status.success(),
            "{command} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("JSON")
    }

    pub fn status(&self) -> Value {
        self.json("status")
    }

    pub fn dump(&self) -> Value {
        self.json("dump")
    }
}
