use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hubshake_agent::{hub::Hub, settings::Settings};

/// Reference terminal agent for Hubshake.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// The terminal's settings file (the seed's settings.ini format).
    #[arg(long, default_value = "settings.ini")]
    settings: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Log in to the hub with the terminal's credentials and send one heartbeat.
    Check,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(&cli.settings)?;
    match cli.command {
        Command::Check => {
            let hub = Hub::log_in(&settings.api_auth)
                .await
                .context("log-in failed")?;
            let beat = hub
                .heartbeat(env!("CARGO_PKG_VERSION"))
                .await
                .context("heartbeat failed")?;
            println!(
                "connected to {} as {}; hub time {}",
                settings.api_auth.host, settings.api_auth.client_id, beat.server_time
            );
        }
    }
    Ok(())
}
