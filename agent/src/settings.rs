//! The terminal's `settings.ini`, in the format of the seed's sync service.

use std::{path::Path, time::Duration};

use ini::Ini;

/// Default HTTP read/write timeout when `read_write_timeout` is absent, in seconds.
const DEFAULT_TIMEOUT_SECS: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: ini::Error },
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

#[derive(Clone, Debug)]
pub struct Settings {
    pub api_auth: ApiAuth,
}

impl Settings {
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let ini = Ini::load_from_file(path).map_err(|source| SettingsError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let required = |key: &'static str| {
            ini.get_from(Some("api-auth"), key)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
                .ok_or(SettingsError::Missing {
                    section: "api-auth",
                    key,
                })
        };
        let timeout = match ini.get_from(Some("api-auth"), "read_write_timeout") {
            None => Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            Some(value) => value.trim().parse().map(Duration::from_secs).map_err(|e| {
                SettingsError::Invalid {
                    section: "api-auth",
                    key: "read_write_timeout",
                    reason: format!("{e} (seconds expected)"),
                }
            })?,
        };
        Ok(Self {
            api_auth: ApiAuth {
                host: required("host")?.trim_end_matches('/').to_string(),
                grant_type: required("body-grant_type")?,
                client_id: required("body-client_id")?,
                client_secret: required("body-client_secret")?,
                timeout,
            },
        })
    }
}
