//! Microsoft Teams: Bot Framework activities in (JWT-authenticated), Adaptive Cards out. As with
//! Slack, everything here translates Teams' wire format to the platform-neutral commands and
//! messages; nothing here decides what a command means or who may run it.

pub mod activity;
pub mod api;
pub mod auth;
mod card_actions;
pub mod cards;
pub mod config;
pub mod graph;
pub mod manifest;
mod messages;
pub mod messenger;
mod token;

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use axum::routing::post;

use crate::config::TeamsConfig;
use crate::people::{Directory, Profile};
use crate::store::Store;
use api::TeamsApi;
use auth::Authenticator;

pub const PLATFORM: &str = "teams";

/// How commands are written in Teams, for examples in replies: in a channel the bot must be
/// mentioned; in the personal chat the words alone do.
pub const PREFIX_CHANNEL: &str = "@pacer ";
pub const PREFIX_PERSONAL: &str = "";

fn router() -> Router<crate::startup::AppState> {
    Router::new().route("/teams/messages", post(messages::handle))
}

/// Microsoft Teams, when its Bot Framework registration is configured.
pub fn register(
    setup: &crate::platforms::Setup<'_>,
) -> Option<Arc<dyn crate::platforms::Platform>> {
    let config = setup.config.teams.as_ref()?;
    Some(Arc::new(TeamsPlatform::new(
        config,
        setup.http.clone(),
        setup.store.clone(),
    )))
}

#[async_trait]
impl crate::platforms::Platform for TeamsPlatform {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    fn routes(self: Arc<Self>) -> Router<crate::startup::AppState> {
        router().layer(axum::Extension(self))
    }

    fn messenger(&self) -> Arc<dyn crate::messenger::Messenger> {
        Arc::new(TeamsPlatform::messenger(self, self.store.clone()))
    }
}

/// What pacer needs to talk to Teams.
pub struct TeamsPlatform {
    pub auth: Authenticator,
    pub api: Arc<TeamsApi>,
    /// Microsoft Graph: people's presence (out of office).
    pub graph: Arc<graph::Graph>,
    /// `TEAMS_TENANT_ID`: when set, activities from any other tenant are refused.
    pub tenant: Option<String>,
    store: Store,
}

impl TeamsPlatform {
    pub fn new(config: &TeamsConfig, http: reqwest::Client, store: Store) -> Self {
        TeamsPlatform {
            auth: Authenticator::new(http.clone(), &config.openid_metadata_url, &config.app_id),
            graph: Arc::new(graph::Graph::new(config, http.clone())),
            api: Arc::new(TeamsApi::new(
                config,
                http,
                crate::pace::Pacer::new(store.clone()),
            )),
            tenant: config.tenant_id.clone(),
            store,
        }
    }

    pub fn messenger(&self, store: Store) -> messenger::TeamsMessenger {
        messenger::TeamsMessenger::new(self.api.clone(), self.graph.clone(), store)
    }
}

/// Teams ids (`29:…` users, `19:…@thread.skype` channels, `a:…` chats, tenant GUIDs) are long
/// but never contain whitespace or control characters.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 512 && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Teams has no directory pacer can ask without Graph permissions; what an activity says about
/// its sender (name, and the client's time zone when it tells) is the profile.
pub struct SenderDirectory {
    pub user_id: String,
    pub profile: Profile,
    /// Where to look up the channels pacer holds a conversation reference for, and in which
    /// tenant's workspace.
    pub refs: Option<(crate::store::Store, i64)>,
}

#[async_trait]
impl Directory for SenderDirectory {
    async fn profile(&self, user_id: &str) -> Option<Profile> {
        (user_id == self.user_id).then(|| self.profile.clone())
    }

    async fn can_post_in(&self, channel_id: &str) -> bool {
        let Some((store, ws)) = &self.refs else {
            return false;
        };
        matches!(
            store
                .conversation_ref(*ws, crate::store::RefKind::Channel, channel_id)
                .await,
            Ok(Some(r)) if r.stale_at.is_none()
        )
    }
}
