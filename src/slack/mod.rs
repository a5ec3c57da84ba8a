//! Slack: signed webhooks in, Block Kit out. Everything here turns Slack's wire format into the
//! platform-neutral commands and renders the platform-neutral messages; nothing here decides
//! what a command means or who may run it.

pub mod api;
pub mod blocks;
mod commands;
pub mod config;
mod events;
mod forms;
mod interactivity;
pub mod manifest;
pub mod messenger;
pub mod oauth;
pub mod send;
pub mod signature;
pub mod socket;
pub mod status;

use std::sync::Arc;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};

use crate::config::SlackConfig;
use crate::error::AppError;
use crate::keyring::Keyring;
use crate::secret::Secret;
use crate::startup::AppState;
use crate::store::Store;
use api::{SlackApi, SlackDirectory};

pub const PLATFORM: &str = "slack";

/// How commands are written in Slack, for examples in replies.
pub const PREFIX: &str = "/pacer ";

/// Slack, when configured (a signing secret, an app-level token, or both).
pub fn register(
    setup: &crate::platforms::Setup<'_>,
) -> Option<Arc<dyn crate::platforms::Platform>> {
    let config = setup.config.slack.as_ref()?;
    Some(Arc::new(SlackPlatform::new(
        config,
        setup.http.clone(),
        setup.store.clone(),
        setup.keyring.clone(),
    )))
}

#[async_trait::async_trait]
impl crate::platforms::Platform for SlackPlatform {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    fn routes(self: Arc<Self>) -> Router<AppState> {
        router(&self.config).layer(axum::Extension(self))
    }

    fn messenger(&self) -> Arc<dyn crate::messenger::Messenger> {
        Arc::new(SlackPlatform::messenger(self))
    }

    /// Socket Mode's connections, when an app-level token is configured.
    fn start(self: Arc<Self>, state: &AppState) {
        if self.socket.is_none() {
            return;
        }
        let tasks = state.tasks.clone();
        let state = state.clone();
        tasks.spawn(crate::lifecycle::supervise(
            "slack socket mode",
            crate::lifecycle::Health::default(),
            tasks.token(),
            std::time::Duration::from_secs(1),
            move || socket::run(state.clone(), self.clone()),
        ));
    }

    async fn process(
        &self,
        state: &AppState,
        ws: i64,
        event: serde_json::Value,
    ) -> Result<(), AppError> {
        events::process(state, self, ws, event).await
    }
}

/// Slack's routes: the webhooks when there is a signing secret to verify them with (without
/// one, pacer receives over Socket Mode only), and the OAuth install flow.
pub fn router(config: &SlackConfig) -> Router<AppState> {
    let app = Router::new()
        .route("/slack/install", get(oauth::install))
        .route("/slack/oauth/callback", get(oauth::callback));
    if config.signing_secret.is_none() {
        return app;
    }
    app.route("/slack/commands", post(commands::handle))
        .route("/slack/events", post(events::handle))
        .route("/slack/interactivity", post(interactivity::handle))
}

/// Where a workspace's bot token comes from: the one configured token (single-workspace
/// mode), or the workspace's OAuth installation, decrypted.
#[derive(Clone)]
pub struct Tokens {
    single: Option<Secret>,
    store: Store,
    keyring: Arc<Keyring>,
}

impl Tokens {
    pub async fn for_workspace(&self, key: &str) -> Option<Secret> {
        if let Some(t) = &self.single {
            return Some(t.clone());
        }
        // An org-wide (Enterprise Grid) install is kept under the organisation's id.
        let org = key.split_once(':').map(|(e, _)| e);
        let mut found = self.store.slack_installation(key).await;
        if let (Ok(None), Some(org)) = (&found, org) {
            found = self.store.slack_installation(org).await;
        }
        match found {
            Ok(Some(install)) => match self.keyring.decrypt(&install.bot_token).await {
                Ok(token) => Some(token),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read this workspace's bot token");
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "could not look up the workspace's installation");
                None
            }
        }
    }
}

/// What pacer needs to talk to Slack.
pub struct SlackPlatform {
    signing_secret: Option<Secret>,
    /// Socket Mode, when an app-level token is configured.
    pub socket: Option<Arc<socket::SocketMode>>,
    pub config: SlackConfig,
    tokens: Tokens,
    pub api: SlackApi,
}

impl SlackPlatform {
    pub fn new(
        config: &SlackConfig,
        http: reqwest::Client,
        store: Store,
        keyring: Arc<Keyring>,
    ) -> Self {
        SlackPlatform {
            signing_secret: config.signing_secret.clone(),
            socket: config
                .app_token
                .clone()
                .map(|t| socket::SocketMode::new(t, config.socket_connections)),
            config: config.clone(),
            tokens: Tokens {
                single: config.bot_token.clone(),
                store,
                keyring,
            },
            api: SlackApi::new(http, &config.api_base_url),
        }
    }

    /// Reject anything Slack did not sign, before looking inside it.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let Some(secret) = &self.signing_secret else {
            return Err(AppError::NotFound);
        };
        signature::verify(secret.expose(), headers, body, now.timestamp())
            .map_err(|e| AppError::Unauthorized(e.to_string()))
    }

    /// The bot token for a workspace. Single-workspace mode has one token for all.
    pub async fn token_for(&self, workspace_key: &str) -> Option<Secret> {
        self.tokens.for_workspace(workspace_key).await
    }

    pub fn messenger(&self) -> messenger::SlackMessenger {
        messenger::SlackMessenger::new(self.api.clone(), self.tokens.clone())
    }

    /// A Slack user as the inbound handler sees them.
    pub fn sender(
        &self,
        workspace_key: &str,
        user_id: &str,
        name: Option<String>,
        admins: &std::collections::HashSet<String>,
    ) -> crate::inbound::Sender {
        crate::inbound::Sender {
            platform: PLATFORM,
            tenant: workspace_key.to_string(),
            user_id: user_id.to_string(),
            name,
            configured_admin: admins.contains(user_id),
            prefix: PREFIX,
        }
    }

    /// Hand an event from a Slack user to the neutral inbound handler, with Slack's directory
    /// for names and time zones (`name`: what Slack sent along, if anything).
    pub async fn handle(
        &self,
        state: &AppState,
        workspace_key: &str,
        user_id: &str,
        name: Option<String>,
        event: crate::inbound::Event,
    ) -> Result<crate::inbound::Reply, AppError> {
        let sender = self.sender(workspace_key, user_id, name, &state.config.admins);
        let directory = self.directory(workspace_key).await;
        let now = state.clock.now();
        Ok(crate::inbound::handle(state, &directory, now, &sender, event).await?)
    }

    pub async fn directory(&self, workspace_key: &str) -> SlackDirectory {
        SlackDirectory {
            // A name is not worth a slow answer: a 429 asking for more than two seconds is not
            // waited for; the name Slack sent is used and the profile looked up next time.
            api: self
                .api
                .clone()
                .with_max_wait(std::time::Duration::from_secs(2)),
            token: self.token_for(workspace_key).await,
        }
    }
}

/// A request body Slack signed, verified before anything reads it, with the Slack platform the
/// route belongs to.
pub struct Signed {
    pub slack: Arc<SlackPlatform>,
    pub body: axum::body::Bytes,
}

impl axum::extract::FromRequest<AppState> for Signed {
    type Rejection = axum::response::Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let slack = request
            .extensions()
            .get::<Arc<SlackPlatform>>()
            .cloned()
            .ok_or_else(|| AppError::NotFound.into_response())?;
        let headers = request.headers().clone();
        // Too large or too slow a body is refused here (413, 408), before any verification.
        let body = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        slack
            .verify(&headers, &body, state.clock.now())
            .map_err(IntoResponse::into_response)?;
        Ok(Signed { slack, body })
    }
}

/// The HTTP answer for what a Slack handler returned: its body as JSON, or an empty 200.
fn respond(reply: Option<serde_json::Value>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match reply {
        Some(body) => axum::Json(body).into_response(),
        None => axum::http::StatusCode::OK.into_response(),
    }
}

/// The tenant key of a Slack workspace: its team id, qualified by the Enterprise Grid org.
pub fn workspace_key(team_id: &str, enterprise_id: Option<&str>) -> String {
    match enterprise_id.filter(|e| !e.is_empty()) {
        Some(e) => format!("{e}:{team_id}"),
        None => team_id.to_string(),
    }
}

/// Slack ids are short uppercase alphanumerics; anything else in an id field is forged or
/// malformed.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
