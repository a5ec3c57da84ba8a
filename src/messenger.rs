//! What the scheduler needs from a chat platform: send a direct message (tagged with a job
//! key), find one sent before an unknown outcome, and update one in place. Each platform
//! implements it in its own folder; the scheduler does not know which it talks to.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::message::Message;

/// Where a message landed, to update it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub channel: String,
    pub ts: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again later. `not_sent` is true when the platform surely did not deliver it (it
    /// refused or asked us to wait), so the next attempt need not look for it first.
    #[error("retry ({reason})")]
    Retry {
        after: Option<Duration>,
        not_sent: bool,
        reason: String,
    },
    /// Trying again will not help (the user is gone, the app was removed).
    #[error("permanent ({0})")]
    Permanent(String),
}

#[async_trait]
pub trait Messenger: Send + Sync {
    /// How a command is written in a direct message on this platform, for next-step hints.
    fn direct_prefix(&self) -> &'static str {
        "/pacer "
    }

    async fn send_direct(
        &self,
        workspace: &str,
        user_id: &str,
        message: &Message,
        key: &str,
    ) -> Result<Sent, SendError>;
    async fn find_direct(
        &self,
        workspace: &str,
        user_id: &str,
        key: &str,
    ) -> Result<Option<Sent>, SendError>;
    async fn update(
        &self,
        workspace: &str,
        sent: &Sent,
        message: &Message,
    ) -> Result<(), SendError>;
    /// Post to a channel, or into a thread of it, tagged with `key`.
    async fn post(
        &self,
        workspace: &str,
        channel: &str,
        message: &Message,
        key: &str,
        thread: Option<&str>,
    ) -> Result<Sent, SendError>;
    /// A message posted earlier with `key` in a channel (or thread), if there is one.
    async fn find(
        &self,
        workspace: &str,
        channel: &str,
        key: &str,
        thread: Option<&str>,
    ) -> Result<Option<Sent>, SendError>;
}

/// The messengers of the configured platforms, by platform name.
#[derive(Clone, Default)]
pub struct Messengers(HashMap<&'static str, Arc<dyn Messenger>>);

impl Messengers {
    pub fn with(mut self, platform: &'static str, m: Arc<dyn Messenger>) -> Self {
        self.0.insert(platform, m);
        self
    }

    pub fn get(&self, platform: &str) -> Option<&Arc<dyn Messenger>> {
        self.0.get(platform)
    }
}
