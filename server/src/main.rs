use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
};

use anyhow::Context;
use clap::{Parser, Subcommand};
use hubshake::{Application, config::Settings, db};
use tracing_subscriber::{EnvFilter, fmt::format::FmtSpan};

/// Hubshake, the multi-branch back office that POS terminals sync with.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// TOML settings file; environment variables HUBSHAKE_* override it.
    #[arg(long, env = "HUBSHAKE_CONFIG", default_value = "hubshake.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => println!("{}", hubshake::openapi().to_pretty_json()?),
        Command::Migrate => {
            let settings = load_settings(&cli.config)?;
            let db = db::connect(&settings.database_url, 1).await?;
            db::migrate(&db).await?;
            tracing::info!("database migrated");
        }
        Command::Serve => {
            let app = Application::build(load_settings(&cli.config)?).await?;
            tracing::info!(port = app.port(), "hubshake listening");
            app.run_until_stopped().await?;
        }
    }
    Ok(())
}

/// Reads the settings and sets up logging as they say.
fn load_settings(config_file: &Path) -> anyhow::Result<Settings> {
    let settings = Settings::load(config_file).context("invalid settings")?;
    tracing_subscriber::fmt()
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(EnvFilter::try_new(&settings.log).context("invalid log filter")?)
        .init();
    Ok(settings)
}
