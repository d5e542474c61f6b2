use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
};

use anyhow::Context;
use clap::{Parser, Subcommand};
use hubshake::{
    Application,
    auth::{admin_clients, secret},
    config::{LogFormat, Settings},
    console::{
        ClientRole,
        users::{self, NewConsoleUser},
    },
    db,
    error::DomainError,
    validation,
};
use tracing_subscriber::{
    EnvFilter,
    fmt::{format::FmtSpan, writer::BoxMakeWriter},
};

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
    /// Manage admin clients and console users on this machine's database.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Give an admin client a new secret (printed once); the old one stops working.
    ResetSecret {
        /// The admin client; by default the one of the settings (`admin` unless configured).
        #[arg(long)]
        client_id: Option<String>,
    },
    /// Create a web console user (the first admin, for one). The password is read from the
    /// first line of standard input with `--password-stdin`; otherwise one is generated and
    /// printed once.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, stock or reports.
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    tune_malloc();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => println!("{}", hubshake::openapi().to_pretty_json()?),
        Command::Migrate => {
            let settings = load_settings(&cli.config, LogTo::Stdout)?;
            let db = db::connect(
                &settings.database_url,
                1,
                settings.database_acquire_timeout(),
            )
            .await?;
            db::migrate(&db).await?;
            tracing::info!("database migrated");
        }
        Command::Admin(AdminCommand::ResetSecret { client_id }) => {
            let settings = load_settings(&cli.config, LogTo::Stderr)?;
            let db = db::connect(
                &settings.database_url,
                1,
                settings.database_acquire_timeout(),
            )
            .await?;
            db::migrate(&db).await?;
            let client_id = client_id
                .or(settings.admin_client_id)
                .unwrap_or_else(|| admin_clients::DEFAULT_ADMIN_CLIENT_ID.to_string());
            let secret = admin_clients::reset_admin_secret(&db, &client_id)
                .await?
                .with_context(|| format!("there is no admin client {client_id}"))?;
            tracing::info!(client_id = %client_id, "admin secret replaced");
            println!("{secret}");
        }
        Command::Admin(AdminCommand::CreateUser {
            email,
            name,
            role,
            password_stdin,
        }) => {
            let settings = load_settings(&cli.config, LogTo::Stderr)?;
            let db = db::connect(
                &settings.database_url,
                1,
                settings.database_acquire_timeout(),
            )
            .await?;
            db::migrate(&db).await?;
            let role = validation::one_of::<ClientRole>(&role).map_err(anyhow::Error::msg)?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                secret::generate_secret()
            };
            let new = NewConsoleUser {
                email,
                name,
                role,
                password: password.clone(),
            };
            let checked = users::check_new_user(new).await.map_err(field_errors)?;
            let user = users::create_user(&db, checked).await?;
            tracing::info!(email = %user.email, "console user created");
            if !password_stdin {
                println!("{password}");
            }
        }
        Command::Serve => {
            let app = Application::build(load_settings(&cli.config, LogTo::Stdout)?).await?;
            if let Some(port) = app.metrics_port() {
                tracing::info!(port, "metrics listening");
            }
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

/// A refusal of fields as the command line shows it: each field and what is wrong with it.
fn field_errors(err: DomainError) -> anyhow::Error {
    match err {
        DomainError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("--{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => other.into(),
    }
}

/// Where a command logs: the server on stdout; a command whose stdout is its answer on stderr.
#[derive(Clone, Copy)]
enum LogTo {
    Stdout,
    Stderr,
}

/// Reads the settings and sets up logging as they say.
fn load_settings(config_file: &Path, log_to: LogTo) -> anyhow::Result<Settings> {
    let settings = Settings::load(config_file).context("invalid settings")?;
    let filter = EnvFilter::try_new(&settings.log).context("invalid log filter")?;
    let (writer, ansi) = match log_to {
        LogTo::Stdout => (
            BoxMakeWriter::new(std::io::stdout),
            std::io::stdout().is_terminal(),
        ),
        LogTo::Stderr => (
            BoxMakeWriter::new(std::io::stderr),
            std::io::stderr().is_terminal(),
        ),
    };
    let logs = tracing_subscriber::fmt()
        .with_span_events(FmtSpan::CLOSE)
        .with_env_filter(filter)
        .with_writer(writer);
    match settings.log_format {
        LogFormat::Text => logs.with_ansi(ansi).init(),
        // The spans a line is logged in go with it, the request's (with its `request_id`) first.
        LogFormat::Json => logs
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .init(),
    }
    Ok(settings)
}
