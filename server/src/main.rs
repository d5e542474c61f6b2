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
    tune_malloc();
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

/// Two glibc malloc defaults cost the hub memory it never gives back: busy threads get arenas of
/// their own, up to eight per core (the hub runs a thread per SQLite connection besides its
/// workers), and after a large block is freed the threshold for serving large blocks from the
/// arenas rises to its size, so the 19 MiB of each argon2 verification of the admin's secret
/// then stays resident. Two arenas took the peak under SQLite ingest from 190 to 135 MiB, and
/// large blocks always mapped and unmapped a polling hub's from 117 to 84 MB, without a measurable
/// loss of throughput (bench/run.sh). `MALLOC_ARENA_MAX` / `MALLOC_MMAP_THRESHOLD_` in the
/// environment still win.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    const LARGE_BLOCK_BYTES: libc::c_int = 256 * 1024;
    // SAFETY (both calls): mallopt only sets allocator parameters, and glibc serialises it with
    // the allocator; this runs before the hub starts any thread.
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
    }
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES) };
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}

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
