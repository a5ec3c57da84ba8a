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
use crate::messenger::Messengers;
use crate::rhythm::Scheduler;
use crate::sandbox::SandboxPlatform;
use crate::slack::SlackPlatform;
use crate::store::Store;
use crate::teams::TeamsPlatform;

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
    pub slack: Option<SlackPlatform>,
    pub teams: Option<TeamsPlatform>,
    pub sandbox: Option<SandboxPlatform>,
    pub scheduler: Arc<Scheduler>,
}

impl Deref for AppState {
    type Target = AppInner;

    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, store: Store, clock: SharedClock) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("pacer/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        let keyring = Arc::new(Keyring::new(config.secret_key.clone(), store.clone()));
        let slack = config
            .slack
            .as_ref()
            .map(|c| SlackPlatform::new(c, http.clone(), store.clone(), keyring.clone()));
        let teams = config
            .teams
            .as_ref()
            .map(|c| TeamsPlatform::new(c, http.clone()));
        let mut messengers = Messengers::default();
        if let Some(s) = &slack {
            messengers = messengers.with(crate::slack::PLATFORM, Arc::new(s.messenger()));
        }
        let sandbox = config.sandbox.then(|| SandboxPlatform {
            inbox: Arc::new(crate::sandbox::inbox::Inbox::new(clock.clone())),
        });
        if let Some(s) = &sandbox {
            messengers = messengers.with(crate::sandbox::PLATFORM, s.inbox.clone());
        }
        if let Some(t) = &teams {
            messengers =
                messengers.with(crate::teams::PLATFORM, Arc::new(t.messenger(store.clone())));
        }
        let scheduler = Arc::new(
            Scheduler::new(store.clone(), messengers)
                .with_spacing(config.send_spacing)
                .with_lease(config.job_lease_secs)
                .with_clock(clock.clone()),
        );
        AppState(Arc::new(AppInner {
            config,
            store,
            clock,
            http,
            keyring,
            slack,
            teams,
            sandbox,
            scheduler,
        }))
    }
}

pub fn router(state: AppState) -> Router {
    let mut app = Router::new().merge(crate::http::router());
    if state.slack.is_some() {
        app = app.merge(crate::slack::router());
    }
    if state.teams.is_some() {
        app = app.merge(crate::teams::router());
    }
    if state.sandbox.is_some() {
        app = app.merge(crate::sandbox::router());
    }
    app.layer(axum::middleware::from_fn(crate::http::metrics::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A bug must never drop the connection: answer 500 and keep serving.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve on `listener` (and run the scheduler unless configured off) until `shutdown`
/// resolves.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let scheduler = state.config.scheduler.then(|| {
        tokio::spawn(state.scheduler.clone().run(
            state.clock.clone(),
            state.config.tick_every,
            stop_rx,
        ))
    });
    let app = router(state);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_tx.send(true);
    if let Some(handle) = scheduler {
        let _ = tokio::time::timeout(Duration::from_secs(8), handle).await;
    }
    served
}

/// Open the configured database and bring its schema up to date.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    Ok(store)
}
