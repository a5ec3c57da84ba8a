//! Building the application: state, router, listener, graceful shutdown.

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::keyring::Keyring;
use crate::lifecycle::{Background, Health, supervise};
use crate::messenger::Messengers;
use crate::platforms::{Platforms, Setup};
use crate::rhythm::Scheduler;
use crate::store::Store;

/// Bodies over this get 413 before any work.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState(Arc<AppInner>);

pub struct AppInner {
    pub config: Config,
    pub store: Store,
    pub clock: SharedClock,
    pub http: reqwest::Client,
    pub keyring: Arc<Keyring>,
    /// The configured chat platforms (`crate::platforms`).
    pub platforms: Platforms,
    pub scheduler: Arc<Scheduler>,
    /// The configured platforms' messengers, by platform name (what the inbound handler
    /// answers through beside the reply, such as refreshed prompts).
    pub messengers: Messengers,
    /// Work beside the requests (replies after an ack, inbound events, the scheduler): drained
    /// on shutdown.
    pub tasks: Background,
    /// Whether the scheduler loop and the inbound worker are running, for `/readyz`.
    pub scheduler_health: Health,
    pub inbound_health: Health,
}

impl Deref for AppState {
    type Target = AppInner;

    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, store: Store, clock: SharedClock) -> Self {
        Self::with_sandbox_clock(config, store, clock, None)
    }

    /// `sandbox_clock` is the sandbox's own time (the demo's, a test's); by default the sandbox
    /// gets a fresh clock that "run the rhythm now" moves forward. Requests are authenticated
    /// and real tenants scheduled by `clock`, which the sandbox never moves.
    pub fn with_sandbox_clock(
        config: Config,
        store: Store,
        clock: SharedClock,
        sandbox_clock: Option<SharedClock>,
    ) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("pacer/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        let keyring = Arc::new(Keyring::new(key_source(&config), store.clone()));
        let platforms = Platforms::configured(&Setup {
            config: &config,
            store: &store,
            http: &http,
            keyring: &keyring,
            sandbox_clock,
        });
        let messengers = platforms.messengers();
        let mut scheduler = Scheduler::new(store.clone(), messengers.clone())
            .with_lease(config.job_lease_secs)
            .with_retention(config.retention)
            .with_clock(clock.clone())
            .with_webhooks(crate::webhooks::Sender::new(
                keyring.clone(),
                config.webhook_allow_private,
                clock.clone(),
            ));
        for p in platforms.iter() {
            if let Some(own) = p.own_clock() {
                scheduler = scheduler.with_separate_clock(p.name(), own);
            }
        }
        let scheduler = Arc::new(scheduler);
        AppState(Arc::new(AppInner {
            config,
            store,
            clock,
            http,
            keyring,
            platforms,
            scheduler,
            messengers,
            tasks: Background::default(),
            scheduler_health: Health::default(),
            inbound_health: Health::default(),
        }))
    }
}

pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .merge(crate::http::router(state.config.metrics_listen.is_some()))
        .merge(crate::api::router());
    for platform in state.platforms.iter() {
        let routes = platform
            .clone()
            .routes()
            .route_layer(axum::middleware::from_fn(
                crate::http::metrics::time_platform_route,
            ));
        app = app.merge(routes);
    }
    app.layer(axum::middleware::from_fn(crate::http::metrics::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            BODY_READ_TIMEOUT,
        ))
        // A bug must never drop the connection: answer 500 and keep serving.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// How long shutdown waits for background work (a fan-out in flight, replies after an ack).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// Serve on `listener` (and run the scheduler unless configured off, and the inbound worker)
/// until `shutdown` resolves; then stop taking requests, cancel and drain background work.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let tasks = state.tasks.clone();
    if state.config.scheduler {
        let s = state.clone();
        tasks.spawn(supervise(
            "scheduler",
            state.scheduler_health.clone(),
            tasks.token(),
            Duration::from_secs(1),
            move || {
                s.scheduler
                    .clone()
                    .run(s.clock.clone(), s.config.tick_every, s.tasks.token())
            },
        ));
    }
    {
        let s = state.clone();
        tasks.spawn(supervise(
            "inbound",
            state.inbound_health.clone(),
            tasks.token(),
            Duration::from_secs(1),
            move || crate::inbound::worker(s.clone()),
        ));
    }
    for platform in state.platforms.iter() {
        platform.clone().start(&state);
    }
    if let Some(addr) = state.config.metrics_listen {
        let metrics = TcpListener::bind(addr).await?;
        tracing::info!(addr = %metrics.local_addr()?, "metrics are served on their own address");
        let app = crate::http::metrics_router().with_state(state.clone());
        let token = tasks.token();
        tasks.spawn(async move {
            if let Err(e) = serve_http(metrics, app, async move { token.cancelled().await }).await {
                tracing::warn!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let app = router(state);
    let served = serve_http(listener, app, shutdown).await;
    if !tasks.shutdown(SHUTDOWN_GRACE).await {
        tracing::warn!("background work still running at shutdown; leases return it to others");
    }
    served
}

/// How long a client may take to send a request's headers, and then its body: a slow client
/// cannot hold a connection open.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(15);

/// HTTP/1.1 and HTTP/2 on `listener` with a header read timeout, until `shutdown`; then stop
/// accepting and let requests in flight finish (at most [`SHUTDOWN_GRACE`]).
async fn serve_http(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    builder.http2().timer(TokioTimer::new());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a moment, keep serving.
                        tracing::warn!(error = %e, "could not accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                let connection = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .into_owned();
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("connections still open at shutdown; closing them");
        }
    }
    Ok(())
}

/// Where pacer's secret comes from: the configured key, else a key file beside the SQLite
/// database, else (an in-memory database) a key for this process only.
pub fn key_source(config: &Config) -> crate::keyring::KeySource {
    use crate::keyring::KeySource;
    match &config.secret_key {
        Some(current) => KeySource::Configured {
            current: current.clone(),
            previous: config.previous_secret_key.clone(),
        },
        None => KeySource::file_beside(&config.database_url)
            .map(KeySource::File)
            .unwrap_or(KeySource::Ephemeral),
    }
}

/// Open the configured database and bring its schema up to date.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    // A database from before the drift facts were maintained gets them once; afterwards this
    // finds nothing to do.
    store
        .backfill_drift_facts(chrono::Utc::now().timestamp())
        .await?;
    Ok(store)
}
