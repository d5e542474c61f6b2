//! A real `hubshake` process, started like an operator would start it.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use crate::{TestDatabase, workspace_binary};

const STARTUP_LIMIT: Duration = Duration::from_secs(60);

/// A running hub and the lines it has logged.
pub struct HubProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
    pub base: String,
    pub log: Vec<String>,
}

impl HubProcess {
    /// Starts the binary in `dir` with a clean environment plus `env`, listening on a free port.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> HubProcess {
        let mut command = Command::new(workspace_binary("hubshake"));
        command
            .current_dir(dir)
            .env_clear()
            .env("HUBSHAKE_LISTEN", "127.0.0.1:0")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("the hub binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut hub = HubProcess {
            child,
            lines,
            base: String::new(),
            log: Vec::new(),
        };
        let listening = hub.wait_for_line("hubshake listening");
        let port = log_field(&listening, "port").expect("the listening line names the port");
        hub.base = format!("http://127.0.0.1:{port}");
        hub
    }

    /// Starts a hub on the suite's database (SQLite in `dir` when `database` is none) with the
    /// admin client `admin_id`/`admin_secret` configured, plus `extra` environment.
    pub fn start_with_admin(
        dir: &Path,
        database: Option<&TestDatabase>,
        (admin_id, admin_secret): (&str, &str),
        extra: &[(&str, &str)],
    ) -> HubProcess {
        let mut env = vec![
            ("HUBSHAKE_ADMIN_CLIENT_ID", admin_id),
            ("HUBSHAKE_ADMIN_CLIENT_SECRET", admin_secret),
        ];
        env.extend(database.map(|db| ("HUBSHAKE_DATABASE_URL", db.url.as_str())));
        env.extend(extra.iter().copied());
        HubProcess::start(dir, &env)
    }

    /// Reads the log until a line contains `needle` (or one already read did) and returns that line.
    pub fn wait_for_line(&mut self, needle: &str) -> String {
        if let Some(seen) = self.log.iter().find(|line| line.contains(needle)) {
            return seen.clone();
        }
        loop {
            let line = self.lines.recv_timeout(STARTUP_LIMIT).unwrap_or_else(|_| {
                panic!(
                    "the hub never logged {needle:?}; log so far: {:#?}",
                    self.log
                )
            });
            self.log.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Every line logged so far.
    pub fn drain_log(&mut self) -> &[String] {
        self.log.extend(self.lines.try_iter());
        &self.log
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process outright (SIGKILL), as a crash or a pulled plug would.
    pub fn kill(mut self) {
        self.child.kill().expect("the hub is killed");
        self.child.wait().expect("the hub is reaped");
    }

    /// Sends SIGTERM and returns whether the process exited successfully.
    pub fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        self.child.wait().expect("the hub exits").success()
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        // A failed test must not leave a hub running; after terminate() this is a no-op.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `body` against a hub on the suite's database, with its admin logged in. The body is
/// blocking code (agents are processes): it runs on a blocking thread while the hub lives.
pub async fn with_hub_and_admin(body: impl FnOnce(&str, crate::admin::Admin) + Send + 'static) {
    let dir = tempfile::tempdir().expect("a folder for the hub");
    let database = crate::server_database().await;
    let hub = HubProcess::start_with_admin(
        dir.path(),
        database.as_ref(),
        (crate::admin::ADMIN_ID, crate::admin::ADMIN_SECRET),
        &[("HUBSHAKE_LOG", "warn,hubshake=info")],
    );
    let base = hub.base.clone();
    tokio::task::spawn_blocking(move || body(&base, crate::admin::Admin::new(&base)))
        .await
        .expect("the test body ran");
    drop(hub);
}

/// The value of `name=value` in a text log line, or of the field `name` in a JSON one.
pub fn log_field(line: &str, name: &str) -> Option<String> {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(line) {
        return match &json["fields"][name] {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        };
    }
    let start = line.find(&format!("{name}="))? + name.len() + 1;
    Some(
        line[start..]
            .split_whitespace()
            .next()?
            .trim_matches('"')
            .to_string(),
    )
}
