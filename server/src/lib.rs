//! Hubshake: the multi-branch back office that POS terminals sync with.

pub mod audit;
pub mod auth;
pub mod budget;
pub mod catalog;
pub mod channels;
pub mod config;
pub mod console;
pub mod db;
pub mod decimal;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod inventory;
pub mod metrics;
pub mod outbound;
pub mod pagination;
pub mod problems;
pub mod registry;
pub mod reports;
pub mod sales;
pub mod scope;
pub mod sync;
pub mod time;
pub mod validation;

use std::{net::TcpListener, sync::Arc};

use actix_web::{
    App, HttpServer,
    dev::Server,
    middleware::{ErrorHandlers, from_fn},
    web,
};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::{
    auth::{
        admin_clients::AdminBootstrap, jwt::TokenService, known::KnownCallers,
        throttle::TokenThrottle,
    },
    config::Settings,
    db::health::DatabaseHealth,
    sync::{heads::Heads, watch::Watch},
};

/// Seconds in-flight requests get to finish after SIGTERM.
const SHUTDOWN_GRACE_SECS: u64 = 30;

/// What every request handler can reach. Nothing here matters for correctness across restarts
/// or replicas: the throttle is best effort and the signing key lives in the database.
pub struct AppState {
    pub db: DatabaseConnection,
    pub db_health: Arc<DatabaseHealth>,
    pub tokens: TokenService,
    pub token_throttle: TokenThrottle,
    /// The console's login form, throttled per address and email like the token endpoint.
    pub console_login_throttle: TokenThrottle,
    /// Largest request body, and largest WebSocket message, in bytes.
    pub body_limit: usize,
    /// Largest transaction batch body, in bytes.
    pub transaction_batch_limit: usize,
    pub metrics: Arc<metrics::Metrics>,
    /// The token that opens `/metrics` on the main listener, if any.
    pub metrics_token: Option<String>,
    /// Where the feeds stand, kept up by the watcher.
    pub heads: Arc<Heads>,
    /// How this process learns of other processes' writes.
    pub watch: Watch,
    pub callers: KnownCallers,
    pub budgets: budget::ClientBudgets,
    /// Posts to third parties' receivers (deliveries and sample messages).
    pub outbound: Arc<outbound::Sender>,
    /// How terminals' log lines are kept.
    pub log_limits: registry::LogLimits,
}

fn log_admin_bootstrap(bootstrap: AdminBootstrap) {
    match bootstrap {
        AdminBootstrap::Created {
            client_id,
            generated_secret: Some(secret),
        } => tracing::warn!(
            client_id = %client_id,
            client_secret = %secret,
            "created the first admin client; keep this secret now, it is not shown again"
        ),
        AdminBootstrap::Created { client_id, .. } => {
            tracing::info!(client_id = %client_id, "created the configured admin client")
        }
        AdminBootstrap::ConfiguredSecretIgnored { client_id } => tracing::warn!(
            client_id = %client_id,
            "HUBSHAKE_ADMIN_CLIENT_SECRET is not the stored secret of this admin client and is \
             ignored: the admin settings are used only on a first start with an empty database; \
             replace a lost secret with `hubshake admin reset-secret`"
        ),
        AdminBootstrap::Kept => {}
    }
}

/// The hub, bound to its port and ready to run.
pub struct Application {
    server: Server,
    port: u16,
    /// The metrics listener and its port, when configured.
    metrics_server: Option<(Server, u16)>,
    /// Tasks that live as long as the hub: the database watcher, the metrics upkeep.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Connects to the database, migrates it, bootstraps the first admin client and binds the listener
    /// (port 0 picks a free port, as tests do).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.check().map_err(anyhow::Error::msg)?;
        let db = db::connect(
            &settings.database_url,
            settings.database_max_connections,
            settings.database_acquire_timeout(),
        )
        .await
        .context("cannot connect to the database")?;
        db::migrate(&db)
            .await
            .context("cannot migrate the database")?;
        log_admin_bootstrap(auth::admin_clients::bootstrap_admin(&db, &settings).await?);
        let tokens = TokenService::load(&db, &settings).await?;
        let db_health = Arc::new(DatabaseHealth::default());
        let watcher = {
            let (health, db) = (db_health.clone(), db.clone());
            tokio::spawn(async move { health.watch(db).await })
        };
        let heads = Arc::new(Heads::default());
        let watch = Watch::for_backend(db.get_database_backend(), settings.feed_poll_interval());
        let heads_watcher = {
            let (heads, db) = (heads.clone(), db.clone());
            tokio::spawn(async move { heads.watch(db, watch).await })
        };
        let metrics = Arc::new(metrics::Metrics::default());
        let upkeep = {
            let metrics = metrics.clone();
            tokio::spawn(async move { metrics.keep_up().await })
        };
        let outbound = Arc::new(
            outbound::Sender::new(settings.destinations(), settings.outbound_timeout())
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
        let sequencer = tokio::spawn(outbound::keep_numbering::<entity::outbound_event::Entity>(
            db.clone(),
            heads.clone(),
            settings.outbound_sequence_interval(),
        ));
        let channel_sequencer =
            tokio::spawn(outbound::keep_numbering::<entity::channel_change::Entity>(
                db.clone(),
                heads.clone(),
                settings.outbound_sequence_interval(),
            ));
        let compaction = tokio::spawn(channels::keep_compacting(
            db.clone(),
            settings.outbound_prune_interval(),
        ));
        let log_pruning = tokio::spawn(registry::keep_pruning_logs(
            db.clone(),
            settings.device_log_limits(),
            settings.outbound_prune_interval(),
        ));
        let mut background = vec![
            watcher,
            heads_watcher,
            upkeep,
            sequencer,
            channel_sequencer,
            compaction,
            log_pruning,
        ];
        if settings.outbound_deliver {
            let deliverer = Arc::new(outbound::Deliverer::new(
                db.clone(),
                outbound.clone(),
                heads.clone(),
                metrics.clone(),
                settings.delivery(),
            ));
            background.push(tokio::spawn(deliverer.run()));
            background.push(tokio::spawn(channels::keep_pushing(
                db.clone(),
                outbound.clone(),
            )));
            background.push(tokio::spawn(outbound::keep_pruning(
                db.clone(),
                settings.outbound_retention(),
                settings.outbound_prune_interval(),
            )));
        }
        let state = web::Data::new(AppState {
            db,
            db_health,
            tokens,
            token_throttle: TokenThrottle::new(settings.token_attempts_per_minute),
            console_login_throttle: TokenThrottle::new(settings.token_attempts_per_minute),
            body_limit: settings.body_limit_bytes,
            transaction_batch_limit: settings.transaction_batch_limit_bytes,
            metrics,
            metrics_token: settings.metrics_token.clone(),
            heads,
            watch,
            callers: KnownCallers::default(),
            budgets: budget::ClientBudgets::new(&settings),
            outbound,
            log_limits: settings.device_log_limits(),
        });
        let metrics_server = match &settings.metrics_listen {
            Some(address) => Some(metrics_server(address, state.clone())?),
            None => None,
        };

        let listener = TcpListener::bind(&settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let body_limit = settings.body_limit_bytes;
        let api_doc = openapi();
        let route_methods = web::Data::new(http::RouteMethods::from_document(&api_doc));
        // Serialised once and shared by the workers: a copy of the document's tree in each
        // worker held ~30 MiB of the hub's memory for an answer that never changes.
        let serialised = web::Bytes::from(serde_json::to_vec(&api_doc)?);
        let api_doc = web::Data::new(http::ApiDocument(serialised));
        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                // Before the API's scope, whose middleware wants the token in the header.
                .route("/api/v1/ws", web::get().to(http::socket))
                .wrap(from_fn(http::watch_database))
                .wrap(from_fn(http::count_request))
                .wrap(ErrorHandlers::new().default_handler(error::problem_for_bare_error))
                .wrap(TracingLogger::default())
                .app_data(state.clone())
                .app_data(route_methods.clone())
                .app_data(http::path_config())
                .app_data(web::PayloadConfig::new(body_limit))
                .default_service(web::to(http::no_route))
                .into_utoipa_app()
                .configure(http::routes)
                .split_for_parts();
            app.service(http::console::scope())
                .service(web::redirect("/docs", "/docs/"))
                .service(SwaggerUi::new("/docs/{_:.*}").config(Config::new([API_DOC_PATH])))
                .route(API_DOC_PATH, web::get().to(http::api_doc))
                .app_data(api_doc.clone())
                .route("/metrics", web::get().to(http::metrics_with_token))
        })
        .listen(listener)?
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .run();
        Ok(Self {
            server,
            port,
            metrics_server,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics listener, when `metrics_listen` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(_, port)| *port)
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = match self.metrics_server {
            Some((metrics, _)) => tokio::try_join!(self.server, metrics).map(|_| ()),
            None => self.server.await,
        };
        for task in self.background {
            task.abort();
        }
        served
    }
}

/// The listener that serves `/metrics` without a token, for a scraper on a private network.
fn metrics_server(address: &str, state: web::Data<AppState>) -> anyhow::Result<(Server, u16)> {
    let listener = TcpListener::bind(address)
        .with_context(|| format!("cannot listen for metrics on {address}"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(http::metrics))
    })
    .workers(1)
    .listen(listener)?
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    .run();
    Ok((server, port))
}

/// Where the OpenAPI document is served.
const API_DOC_PATH: &str = "/api-docs/openapi.json";

/// The OpenAPI document of every route, as served at [`API_DOC_PATH`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(http::ApiDoc::openapi())
        .configure(http::routes)
        .split_for_parts();
    http::declare_common_responses(&mut api);
    api
}
