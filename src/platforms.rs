//! The chat platforms pacer talks to, registered here one line each. A platform is a folder
//! (`src/slack/`, `src/msteams/`, `src/sandbox/`) that supplies what the rest of pacer needs
//! from it through [`Platform`]: its routes (which reach the platform's own state), its
//! messenger for the scheduler, a clock of its own if it has one, its background work, and the
//! handling of events it queued. Nothing outside its folder names it, except its settings in
//! `config.rs`.

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use serde_json::Value;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::error::AppError;
use crate::keyring::Keyring;
use crate::messenger::{Messenger, Messengers};
use crate::startup::AppState;
use crate::store::Store;

/// What a platform may build itself from.
pub struct Setup<'a> {
    pub config: &'a Config,
    pub store: &'a Store,
    pub http: &'a reqwest::Client,
    pub keyring: &'a Arc<Keyring>,
    /// The sandbox's own time (the demo's, a test's), when given.
    pub sandbox_clock: Option<SharedClock>,
}

/// A platform's registration: the platform, if it is configured.
pub type Register = fn(&Setup<'_>) -> Option<Arc<dyn Platform>>;

/// Every platform pacer knows. Adding one is its folder and a line here.
const REGISTERED: &[Register] = &[
    crate::slack::register,
    crate::msteams::register,
    crate::sandbox::register,
];

#[async_trait]
pub trait Platform: Send + Sync {
    /// The name its workspaces and events are stored under (`slack`, `teams`, `sandbox`).
    fn name(&self) -> &'static str;

    /// Its HTTP routes. They reach the platform itself through an `Extension` they add, so
    /// nothing else in pacer needs to know its type.
    fn routes(self: Arc<Self>) -> Router<AppState>;

    /// What the scheduler and the inbound handler send through.
    fn messenger(&self) -> Arc<dyn Messenger>;

    /// A clock of its own that its workspaces are ticked by (the sandbox's), if any.
    fn own_clock(&self) -> Option<SharedClock> {
        None
    }

    /// Start work beside the server (Slack's Socket Mode connections), if it has any.
    fn start(self: Arc<Self>, _state: &AppState) {}

    /// Handle an event this platform stored in the inbound queue (`crate::inbound::queue`).
    async fn process(&self, _state: &AppState, _ws: i64, _event: Value) -> Result<(), AppError> {
        Err(AppError::BadRequest(format!(
            "{} queues no inbound events",
            self.name()
        )))
    }
}

/// The configured platforms.
#[derive(Clone, Default)]
pub struct Platforms(Vec<Arc<dyn Platform>>);

impl Platforms {
    /// Every registered platform that is configured.
    pub fn configured(setup: &Setup<'_>) -> Self {
        Platforms(
            REGISTERED
                .iter()
                .filter_map(|register| register(setup))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Platform>> {
        self.0.iter().find(|p| p.name() == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Platform>> {
        self.0.iter()
    }

    /// Their messengers, by platform name.
    pub fn messengers(&self) -> Messengers {
        self.0.iter().fold(Messengers::default(), |m, p| {
            m.with(p.name(), p.messenger())
        })
    }
}
