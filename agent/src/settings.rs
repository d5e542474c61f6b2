//! The terminal's `settings.ini`, in the format of the seed's sync service. The agent keeps its
//! watermarks in `[pos-config]` and writes them back atomically (write, sync, rename), so a crash
//! never leaves a torn file.

use std::{
    io::Write,
    path::{Path, PathBuf},
    time::Duration,
};

use base64::Engine;

mod ini;
use ini::IniText;

/// Default HTTP read/write timeout when `read_write_timeout` is absent, in milliseconds (the
/// unit of the seed's .NET service: its `100000` is 100 s).
const DEFAULT_TIMEOUT_MILLIS: u64 = 30_000;
/// The seed's "never synced" watermark.
pub const NEVER: &str = "1990-01-01T 00:00:00.0000Z";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("[{section}] {key} is missing from the settings")]
    Missing {
        section: &'static str,
        key: &'static str,
    },
    #[error("[{section}] {key} is invalid: {reason}")]
    Invalid {
        section: &'static str,
        key: &'static str,
        reason: String,
    },
}

/// The `[api-auth]` section: how to reach and log in to the hub.
#[derive(Clone, Debug)]
pub struct ApiAuth {
    /// Base URL of the hub, e.g. `https://hub.example.com`.
    pub host: String,
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
    pub timeout: Duration,
}

/// The `[cn-local]` section: the POS's local database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalDatabase {
    /// `sqlite=<path>`, relative to the settings file.
    Sqlite(PathBuf),
    /// `host`, `port`, `user`, `pw` (base64, as the seed stores it) and `db`.
    MySql {
        host: String,
        port: u16,
        user: String,
        password: String,
        database: String,
    },
}

impl LocalDatabase {
    pub fn url(&self) -> String {
        match self {
            LocalDatabase::Sqlite(path) => format!("sqlite://{}?mode=rwc", path.display()),
            LocalDatabase::MySql {
                host,
                port,
                user,
                password,
                database,
            } => format!(
                "mysql://{}:{}@{host}:{port}/{database}",
                percent(user),
                percent(password)
            ),
        }
    }
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `[pos-config]` section: the POS type and what the agent has synced so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PosConfig {
    /// The seed's inventory watermark (`1990-01-01T 00:00:00.0000Z` until the first stock pull).
    pub last_in_synced_inventory_update_date_time: String,
    /// Local time of the last push of transactions (`yyyy-MM-dd HH:mm:ss`).
    pub last_out_synced_date: String,
    /// `retail` or `restaurant`.
    pub pos_type: String,
    /// Position in the hub's master-data feed.
    pub master_cursor: Option<i64>,
    /// Position in the hub's stock feed of this branch.
    pub stock_cursor: Option<i64>,
    /// This device's id: the one the terminal was registered with, or a UUID made and saved
    /// before the agent's first call to the hub. Every heartbeat sends it.
    pub device_id: Option<String>,
    /// When the last cycle ended (RFC 3339) and how.
    pub last_cycle_at: Option<String>,
    pub last_error: Option<String>,
    /// Whether `run` has the hub's WebSocket open, and since when (`connected since …`,
    /// `disconnected since …: why`).
    pub push: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub path: PathBuf,
    pub api_auth: ApiAuth,
    pub local: Option<LocalDatabase>,
    pub pos: PosConfig,
}

const POS: &str = "pos-config";

impl Settings {
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let ini = read(path)?;
        let get = |section: &str, key: &str| ini.get(section, key);
        let required = |section: &'static str, key: &'static str| {
            get(section, key).ok_or(SettingsError::Missing { section, key })
        };
        let invalid = |section, key, reason: String| SettingsError::Invalid {
            section,
            key,
            reason,
        };
        let timeout = match get("api-auth", "read_write_timeout") {
            None => Duration::from_millis(DEFAULT_TIMEOUT_MILLIS),
            Some(value) => value.parse().map(Duration::from_millis).map_err(|e| {
                invalid(
                    "api-auth",
                    "read_write_timeout",
                    format!("{e} (milliseconds expected)"),
                )
            })?,
        };
        let local = if let Some(file) = get("cn-local", "sqlite") {
            let base = path.parent().unwrap_or(Path::new("."));
            Some(LocalDatabase::Sqlite(base.join(file)))
        } else if ini.has_section("cn-local") {
            let port = match get("cn-local", "port") {
                None => 3306,
                Some(port) => port
                    .parse()
                    .map_err(|e| invalid("cn-local", "port", format!("{e}")))?,
            };
            let encoded = get("cn-local", "pw").unwrap_or_default();
            let password = base64::engine::general_purpose::STANDARD
                .decode(&encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| invalid("cn-local", "pw", "not base64 text".into()))?;
            Some(LocalDatabase::MySql {
                host: required("cn-local", "host")?,
                port,
                user: required("cn-local", "user")?,
                password,
                database: required("cn-local", "db")?,
            })
        } else {
            None
        };
        let cursor = |key: &'static str| {
            get(POS, key)
                .map(|value| value.parse::<i64>())
                .transpose()
                .map_err(|e| invalid(POS, key, format!("{e}")))
        };
        let pos = PosConfig {
            last_in_synced_inventory_update_date_time: get(
                POS,
                "last_in_synced_inventory_update_date_time",
            )
            .unwrap_or_else(|| NEVER.into()),
            last_out_synced_date: get(POS, "last_out_synced_date")
                .unwrap_or_else(|| "1990-01-01 00:00:00".into()),
            pos_type: get(POS, "pos_type").unwrap_or_else(|| "retail".into()),
            master_cursor: cursor("master_cursor")?,
            stock_cursor: cursor("stock_cursor")?,
            device_id: get(POS, "device_id"),
            last_cycle_at: get(POS, "last_cycle_at"),
            last_error: get(POS, "last_error"),
            push: get(POS, "push"),
        };
        Ok(Self {
            path: path.to_path_buf(),
            api_auth: ApiAuth {
                host: required("api-auth", "host")?
                    .trim_end_matches('/')
                    .to_string(),
                grant_type: required("api-auth", "body-grant_type")?,
                client_id: required("api-auth", "body-client_id")?,
                client_secret: required("api-auth", "body-client_secret")?,
                timeout,
            },
            local,
            pos,
        })
    }

    /// The folder of `.out` files, next to the settings (the seed's `Out/`).
    pub fn out_dir(&self) -> PathBuf {
        self.path.parent().unwrap_or(Path::new(".")).join("Out")
    }

    /// This device's id; when the settings name none, a new UUID, saved before it is used.
    pub fn ensure_device_id(&mut self) -> Result<String, SettingsError> {
        if let Some(id) = &self.pos.device_id {
            return Ok(id.clone());
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.pos.device_id = Some(id.clone());
        self.save_pos_config()?;
        Ok(id)
    }

    /// Writes the `[pos-config]` values the agent keeps back into the file, atomically; every
    /// other line stays exactly as it was.
    pub fn save_pos_config(&self) -> Result<(), SettingsError> {
        let mut ini = read(&self.path)?;
        let pos = &self.pos;
        let values = [
            (
                "last_in_synced_inventory_update_date_time",
                Some(pos.last_in_synced_inventory_update_date_time.clone()),
            ),
            (
                "last_out_synced_date",
                Some(pos.last_out_synced_date.clone()),
            ),
            ("pos_type", Some(pos.pos_type.clone())),
            ("master_cursor", pos.master_cursor.map(|c| c.to_string())),
            ("stock_cursor", pos.stock_cursor.map(|c| c.to_string())),
            ("device_id", pos.device_id.clone()),
            ("last_cycle_at", pos.last_cycle_at.clone()),
            ("last_error", pos.last_error.clone()),
            ("push", pos.push.clone()),
        ];
        for (key, value) in &values {
            // A value the file holds with other spacing (`pos_type = retail `) is left alone.
            if ini.get(POS, key) != *value {
                ini.set(POS, key, value.as_deref());
            }
        }
        write_atomically(&self.path, ini.to_text().as_bytes()).map_err(|source| {
            SettingsError::Write {
                path: self.path.display().to_string(),
                source,
            }
        })
    }
}

fn read(path: &Path) -> Result<IniText, SettingsError> {
    std::fs::read_to_string(path)
        .map(|text| IniText::parse(&text))
        .map_err(|source| SettingsError::Read {
            path: path.display().to_string(),
            source,
        })
}

/// Replaces `path` with `contents` so that a reader (or a crash) sees the old file or the new
/// one, never a mix: write a temporary file beside it, flush it to disk, rename it over.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}
