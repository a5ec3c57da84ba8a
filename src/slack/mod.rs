//! Slack: signed webhooks in, Block Kit out. Everything here turns Slack's wire format into the
//! platform-neutral commands and renders the platform-neutral messages; nothing here decides
//! what a command means or who may run it.

pub mod api;
pub mod blocks;
mod commands;
mod events;
mod interactivity;
pub mod manifest;
pub mod messenger;
pub mod signature;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use chrono::{DateTime, Utc};

use crate::config::{Secret, SlackConfig};
use crate::error::AppError;
use crate::startup::AppState;
use api::{SlackApi, SlackDirectory};

pub const PLATFORM: &str = "slack";

/// How commands are written in Slack, for examples in replies.
pub const PREFIX: &str = "/pacer ";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/slack/commands", post(commands::handle))
        .route("/slack/events", post(events::handle))
        .route("/slack/interactivity", post(interactivity::handle))
}

/// What pacer needs to talk to Slack.
pub struct SlackPlatform {
    signing_secret: Secret,
    bot_token: Option<Secret>,
    pub api: SlackApi,
}

impl SlackPlatform {
    pub fn new(config: &SlackConfig, http: reqwest::Client) -> Self {
        SlackPlatform {
            signing_secret: config.signing_secret.clone(),
            bot_token: config.bot_token.clone(),
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
        signature::verify(self.signing_secret.expose(), headers, body, now.timestamp())
            .map_err(|e| AppError::Unauthorized(e.to_string()))
    }

    /// The bot token for a workspace. Single-workspace mode has one token for all.
    pub fn token_for(&self, _workspace_key: &str) -> Option<Secret> {
        self.bot_token.clone()
    }

    pub fn messenger(&self) -> messenger::SlackMessenger {
        messenger::SlackMessenger::new(self.api.clone(), self.bot_token.clone())
    }

    pub fn directory(&self, workspace_key: &str) -> SlackDirectory {
        SlackDirectory {
            api: self.api.clone(),
            token: self.token_for(workspace_key),
        }
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
