use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use clap::{Parser, Subcommand};
use hubshake_agent::{
    customers,
    cycle::{Agent, Report},
    hub::{HeartbeatRequest, Hub},
    local::Local,
    outbox::Outbox,
    push,
    sell::{self, LineSpec, Sale},
    settings::Settings,
    shifts, swarm,
};
use serde_json::json;
use tracing_subscriber::{
    Layer, filter::LevelFilter, layer::SubscriberExt, util::SubscriberInitExt,
};

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
    /// Run one sync cycle: queue and send transactions, pull master data and stock, heartbeat.
    SyncOnce,
    /// Run sync cycles until stopped (SIGTERM or Ctrl-C): on the interval, and at once when
    /// the hub's WebSocket says the branch's data changed.
    Run {
        /// Seconds between cycles.
        #[arg(long, default_value_t = 30)]
        interval_secs: u64,
        /// Do not open the hub's WebSocket: sync on the interval only.
        #[arg(long)]
        no_push: bool,
    },
    /// Record a transaction in the local POS database, as the POS would (sent by the next cycle).
    Sell {
        /// `ITEM=QUANTITY` or `ITEM=QUANTITY:OPTION,OPTION` (items and options by id or SKU;
        /// an option named twice is chosen twice), once per line, priced from the local
        /// catalogue: the item's price plus its options' deltas.
        #[arg(long = "line")]
        lines: Vec<String>,
        /// `sale`, `return`, `work_order` or `void`.
        #[arg(long, default_value = "sale")]
        kind: String,
        /// `settled`, or `open` for a retail work order.
        #[arg(long, default_value = "settled")]
        status: String,
        /// The transaction's id; an open work order's id records its next revision.
        #[arg(long)]
        id: Option<String>,
        /// For a void: the id of the transaction it cancels.
        #[arg(long)]
        voids: Option<String>,
    },
    /// Record a customer made (no `--id`) or edited at the till, as the POS would; the next
    /// cycle sends it. Prints the customer's id.
    Customer {
        /// The customer to edit, from the local catalogue.
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        tax_id: Option<String>,
    },
    /// The till's shift, as the POS would keep it (sent by the next cycle, after the sales).
    #[command(subcommand)]
    Shift(ShiftCommand),
    /// Print the cursors, the queue and the last error, as JSON.
    Status,
    /// Print what the local database holds (master data, stock, transactions), as JSON.
    Dump,
    /// Load: many terminals against one hub (no settings file needed).
    Swarm(SwarmArgs),
}

#[derive(Subcommand)]
enum ShiftCommand {
    /// Open a shift with its opening float; prints its id.
    Open {
        #[arg(long = "float")]
        opening_float: String,
    },
    /// Cash paid into the drawer.
    PaidIn {
        #[arg(long)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Cash paid out of the drawer.
    PaidOut {
        #[arg(long)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Close the shift with what was counted: `PAYMENT_METHOD_ID=AMOUNT`, once per method.
    Close {
        #[arg(long = "counted")]
        counted: Vec<String>,
    },
}

#[derive(clap::Args)]
struct SwarmArgs {
    /// The hub's address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    hub: String,
    /// An admin client, to register the swarm's branches and terminals.
    #[arg(long, env = "HUBSHAKE_ADMIN_CLIENT_ID")]
    admin_id: String,
    #[arg(long, env = "HUBSHAKE_ADMIN_CLIENT_SECRET", hide_env_values = true)]
    admin_secret: String,
    /// `terminals`: the swarm; `healthz`: /healthz under the same number of clients;
    /// `initial-sync`: one fresh terminal pulls everything; `sockets`: `--terminals` hold the
    /// WebSocket while an admin makes a change a second; `seed`: import `--items` items.
    #[arg(long, default_value = "terminals")]
    mode: String,
    #[arg(long, default_value_t = 20)]
    branches: usize,
    #[arg(long, default_value_t = 32)]
    terminals: usize,
    #[arg(long, default_value_t = 20)]
    duration_secs: u64,
    /// Each terminal pulls master data and stock this often.
    #[arg(long)]
    poll_interval_ms: Option<u64>,
    /// Sales per second per terminal (0: as fast as the hub answers); absent: no sales.
    #[arg(long)]
    sales_per_sec: Option<f64>,
    /// Sales per request.
    #[arg(long, default_value_t = 20)]
    batch: usize,
    /// Lines per sale.
    #[arg(long, default_value_t = 5)]
    lines: usize,
    /// The hub's process id, to report its largest resident set (Linux).
    #[arg(long)]
    hub_pid: Option<u32>,
    /// Items to import in `seed` mode.
    #[arg(long, default_value_t = 100_000)]
    items: usize,
    /// A sales channel (web shop) sells from every branch of the swarm, with every item the
    /// terminals sell mapped: what keeping its availability costs the tills' ingest.
    #[arg(long)]
    channel: bool,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let printed = tracing_subscriber::EnvFilter::try_from_env("HUBSHAKE_AGENT_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(printed),
        )
        // Warnings and errors go to head office too, whatever is printed.
        .with(hubshake_agent::logbook::Catcher.with_filter(LevelFilter::WARN))
        .init();
    let cli = Cli::parse();
    // Every command but `swarm` is one terminal's, configured by its settings file.
    let load = || Settings::load(&cli.settings);
    match cli.command {
        Command::Swarm(args) => swarm(args).await?,
        Command::Check => check(&mut load()?).await?,
        Command::Sell {
            lines,
            kind,
            status,
            id,
            voids,
        } => {
            let settings = load()?;
            let lines = lines
                .iter()
                .map(|line| line.parse::<LineSpec>())
                .collect::<Result<_, _>>()?;
            let sale = Sale {
                id,
                kind,
                status,
                lines,
                voids,
                pos_type: settings.pos.pos_type.clone(),
            };
            let (local, _) = open_local(&settings).await?;
            let recorded = sell::record(&local, sale).await?;
            println!("{}", recorded["id"].as_str().unwrap_or_default());
        }
        Command::Customer {
            id,
            code,
            name,
            phone,
            email,
            tax_id,
        } => {
            let (local, _) = open_local(&load()?).await?;
            let entry = customers::CustomerEntry {
                id,
                code,
                name,
                phone,
                email,
                tax_id,
            };
            println!("{}", customers::record(&local, entry).await?);
        }
        Command::Shift(step) => {
            let (local, _) = open_local(&load()?).await?;
            let shift = match step {
                ShiftCommand::Open { opening_float } => {
                    shifts::open(&local, &opening_float).await?
                }
                ShiftCommand::PaidIn { amount, reason } => {
                    shifts::move_cash(&local, "paid_in", &amount, &reason).await?
                }
                ShiftCommand::PaidOut { amount, reason } => {
                    shifts::move_cash(&local, "paid_out", &amount, &reason).await?
                }
                ShiftCommand::Close { counted } => {
                    let counted = counted
                        .iter()
                        .map(|entry| {
                            entry
                                .split_once('=')
                                .map(|(method, amount)| (method.to_string(), amount.to_string()))
                                .with_context(|| {
                                    format!("--counted {entry}: PAYMENT_METHOD_ID=AMOUNT expected")
                                })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    shifts::close(&local, &counted).await?
                }
            };
            println!("{shift}");
        }
        Command::Status => {
            let settings = load()?;
            let (local, outbox) = open_local(&settings).await?;
            let pos = &settings.pos;
            let sales = local.sales().await?;
            let count = |state: &str| sales.iter().filter(|s| s.sync_state == state).count();
            let customer_changes = local.customer_changes().await?;
            let customers = |state: &str| {
                customer_changes
                    .iter()
                    .filter(|c| c.sync_state == state)
                    .count()
            };
            let status = json!({
                "master_cursor": pos.master_cursor,
                "stock_cursor": pos.stock_cursor,
                "last_in_synced_inventory_update_date_time": pos.last_in_synced_inventory_update_date_time,
                "last_out_synced_date": pos.last_out_synced_date,
                "queued_files": outbox.queued_count()?,
                "rejected_files": outbox.rejected_count()?,
                "pending_sales": count(hubshake_agent::local::PENDING),
                "sent_sales": count(hubshake_agent::local::SENT),
                "pending_customers": customers(hubshake_agent::local::PENDING),
                "customer_conflicts": customers(hubshake_agent::local::CONFLICT),
                "last_cycle_at": pos.last_cycle_at,
                "last_error": pos.last_error,
                "push": pos.push,
            });
            println!("{status:#}");
        }
        Command::Dump => {
            let (local, _) = open_local(&load()?).await?;
            let mut objects = serde_json::Map::new();
            for kind in [
                "category",
                "item",
                "item_group",
                "staff_user",
                "customer",
                "payment_method",
                "setting",
            ] {
                objects.insert(kind.into(), json!(local.objects(kind).await?));
            }
            let stock: serde_json::Map<String, serde_json::Value> = local
                .stock()
                .await?
                .into_iter()
                .map(|l| {
                    (
                        l.item_id,
                        json!({ "on_hand": l.on_hand, "in_transit_in": l.in_transit_in }),
                    )
                })
                .collect();
            let sales: Vec<serde_json::Value> = local
                .sales()
                .await?
                .into_iter()
                .map(|s| json!({ "id": s.id, "revision": s.revision, "status": s.status, "sync_state": s.sync_state }))
                .collect();
            println!(
                "{:#}",
                json!({ "objects": objects, "stock": stock, "sales": sales })
            );
        }
        Command::SyncOnce => {
            let mut agent = agent(load()?).await?;
            let report = agent.cycle().await?;
            log_report(&report);
        }
        Command::Run {
            interval_secs,
            no_push,
        } => {
            // Listening from the start: a signal that arrives mid-cycle ends the loop after it.
            let mut stop = Shutdown::listen()?;
            let mut agent = agent(load()?).await?;
            let (sender, mut pushes) = tokio::sync::mpsc::channel(16);
            if !no_push {
                tokio::spawn(push::listen(agent.settings.api_auth.clone(), sender));
            }
            loop {
                match agent.cycle().await {
                    Ok(report) => log_report(&report),
                    Err(err) => tracing::warn!(error = %err, "cycle failed; retrying next cycle"),
                }
                let next_cycle = tokio::time::sleep(Duration::from_secs(interval_secs));
                tokio::select! {
                    _ = next_cycle => {}
                    () = wait_for_push(&mut agent, &mut pushes) => {}
                    _ = stop.requested() => {
                        tracing::info!("stopping");
                        return Ok(());
                    }
                }
            }
        }
    }
    Ok(())
}

/// Runs a swarm and prints its report as a markdown table (and JSON when asked).
async fn swarm(args: SwarmArgs) -> anyhow::Result<()> {
    let plan = swarm::Plan {
        hub: args.hub.clone(),
        admin_id: args.admin_id,
        admin_secret: args.admin_secret,
        branches: args.branches,
        terminals: args.terminals,
        duration: Duration::from_secs(args.duration_secs),
        poll_interval: args.poll_interval_ms.map(Duration::from_millis),
        sales_per_sec: args.sales_per_sec,
        batch: args.batch.clamp(1, 500),
        lines: args.lines.max(1),
        hub_pid: args.hub_pid,
        channel: args.channel,
    };
    let json = match args.mode.as_str() {
        "terminals" => {
            let report = swarm::run(plan).await?;
            println!("{}", report.table());
            serde_json::to_value(&report)?
        }
        "healthz" => {
            let report = swarm::healthz(&args.hub, args.terminals, plan.duration).await?;
            println!("{}", report.table());
            serde_json::to_value(&report)?
        }
        "initial-sync" => {
            let sync = swarm::initial_sync(&plan).await?;
            println!(
                "initial sync: {} changes and {} levels in {:.2} s",
                sync.changes, sync.levels, sync.seconds
            );
            serde_json::to_value(&sync)?
        }
        "sockets" => {
            let report = swarm::sockets::run(&plan).await?;
            println!("{}", report.table());
            serde_json::to_value(&report)?
        }
        "seed" => {
            let started = std::time::Instant::now();
            swarm::seed(&plan, args.items).await?;
            let seconds = started.elapsed().as_secs_f64();
            println!("seeded {} items in {seconds:.1} s", args.items);
            json!({ "items": args.items, "seconds": seconds })
        }
        other => {
            anyhow::bail!(
                "--mode {other}: terminals, healthz, initial-sync, sockets or seed expected"
            )
        }
    };
    if let Some(path) = args.json {
        std::fs::write(&path, format!("{json:#}\n"))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// How long after an `updatepos` the cycle starts, so that a burst of them is one cycle.
const PUSH_DEBOUNCE: Duration = Duration::from_millis(100);

/// Returns when the hub says there is something to pull (or the socket opened, after which
/// what was missed is unknown); records the socket's state for `status` meanwhile.
async fn wait_for_push(
    agent: &mut Agent,
    pushes: &mut tokio::sync::mpsc::Receiver<push::PushEvent>,
) {
    loop {
        let Some(event) = pushes.recv().await else {
            // No listener: only the interval wakes the loop.
            return std::future::pending().await;
        };
        let wake = record_push(agent, event);
        if wake {
            tokio::time::sleep(PUSH_DEBOUNCE).await;
            while let Ok(event) = pushes.try_recv() {
                record_push(agent, event);
            }
            return;
        }
    }
}

/// Records a socket event in the settings; true when it calls for a cycle.
fn record_push(agent: &mut Agent, event: push::PushEvent) -> bool {
    let now = chrono::Utc::now().to_rfc3339();
    let (state, wake) = match event {
        push::PushEvent::Update => return true,
        push::PushEvent::Connected => {
            tracing::info!("listening to the hub's WebSocket");
            (format!("connected since {now}"), true)
        }
        push::PushEvent::Disconnected(why) => {
            tracing::warn!(error = %why, "the hub's WebSocket is closed; syncing on the interval");
            (format!("disconnected since {now}: {why}"), false)
        }
    };
    agent.settings.pos.push = Some(state);
    if let Err(err) = agent.settings.save_pos_config() {
        tracing::warn!(error = %err, "cannot save the socket's state");
    }
    wake
}

/// Logs in and sends one heartbeat.
async fn check(settings: &mut Settings) -> anyhow::Result<()> {
    let device_id = settings.ensure_device_id()?;
    let mut hub = Hub::connect(&settings.api_auth)
        .await
        .context("log-in failed")?;
    let beat = hub
        .heartbeat(&HeartbeatRequest {
            device_id: &device_id,
            agent_version: env!("CARGO_PKG_VERSION"),
            clock: Some(chrono::Utc::now()),
            ..Default::default()
        })
        .await
        .context("heartbeat failed")?;
    println!(
        "connected to {} as {}; hub time {}",
        settings.api_auth.host, settings.api_auth.client_id, beat.server_time
    );
    Ok(())
}

/// The POS's local database (created where missing) and the queue of `.out` files.
async fn open_local(settings: &Settings) -> anyhow::Result<(Local, Outbox)> {
    let config = settings
        .local
        .as_ref()
        .context("[cn-local] names no local database")?;
    let local = Local::open(config)
        .await
        .context("cannot open the local database")?;
    Ok((local, Outbox::new(settings.out_dir())))
}

async fn agent(settings: Settings) -> anyhow::Result<Agent> {
    let (local, outbox) = open_local(&settings).await?;
    let hub = Hub::new(&settings.api_auth)?;
    Ok(Agent {
        settings,
        local,
        outbox,
        hub,
    })
}

fn log_report(report: &Report) {
    tracing::info!(
        spooled = report.spooled,
        accepted = report.accepted,
        duplicates = report.duplicates,
        rejected = report.rejected,
        kept = report.kept,
        customers_sent = report.customers_sent,
        customer_conflicts = report.customer_conflicts,
        master_changes = report.master_changes,
        stock_levels = report.stock_levels,
        queued = report.queued,
        "cycle done"
    );
}

/// SIGTERM and Ctrl-C, registered once: tokio keeps a signal that arrives while nobody waits.
struct Shutdown {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn requested(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await.unwrap_or(());
    }
}
