//! The sandbox's chat: channels and direct messages held in memory (the sandbox runs on one
//! machine, for one person trying pacer), with threads, private replies, and pacer's messages
//! tagged by job key so the scheduler's exactly-once look-up works here too.

use std::collections::BTreeSet;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::clock::SharedClock;
use crate::message::Message;
use crate::messenger::{Messenger, SendError, Sent};

/// The channel every sandbox starts with.
pub const GENERAL: &str = "C-general";

/// A person's direct messages with pacer.
pub fn dm_channel(user_id: &str) -> String {
    format!("D-{user_id}")
}

/// The channel `#name` stands for in the sandbox.
pub fn channel_id(name: &str) -> String {
    format!("C-{}", name.to_lowercase())
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// What pacer said.
    Pacer(Message),
    /// What a person typed.
    Typed {
        user_id: String,
        name: String,
        text: String,
    },
}

#[derive(Debug, Clone)]
pub struct Posted {
    pub id: u64,
    pub channel: String,
    /// The message this one replies to in a thread.
    pub thread: Option<u64>,
    pub body: Body,
    /// Only this person sees it (a private reply).
    pub visible_to: Option<String>,
    pub key: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    messages: Vec<Posted>,
    channels: BTreeSet<String>,
}

pub struct Inbox {
    state: Mutex<State>,
    clock: SharedClock,
}

impl Inbox {
    pub fn new(clock: SharedClock) -> Self {
        let mut state = State::default();
        state.channels.insert(GENERAL.to_string());
        Inbox {
            state: Mutex::new(state),
            clock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_channel(&self, id: &str) {
        self.lock().channels.insert(id.to_string());
    }

    pub fn channels(&self) -> Vec<String> {
        self.lock().channels.iter().cloned().collect()
    }

    pub fn post(
        &self,
        channel: &str,
        thread: Option<u64>,
        body: Body,
        visible_to: Option<String>,
        key: Option<String>,
    ) -> u64 {
        let at = self.clock.now();
        let mut s = self.lock();
        s.next_id += 1;
        let id = s.next_id;
        if channel.starts_with("C-") {
            s.channels.insert(channel.to_string());
        }
        s.messages.push(Posted {
            id,
            channel: channel.to_string(),
            thread,
            body,
            visible_to,
            key,
            at,
        });
        id
    }

    /// What `viewer` sees in a channel, oldest first (thread replies included).
    pub fn messages(&self, channel: &str, viewer: &str) -> Vec<Posted> {
        self.lock()
            .messages
            .iter()
            .filter(|m| m.channel == channel)
            .filter(|m| m.visible_to.as_deref().is_none_or(|v| v == viewer))
            .cloned()
            .collect()
    }

    pub fn get(&self, id: u64) -> Option<Posted> {
        self.lock().messages.iter().find(|m| m.id == id).cloned()
    }

    pub fn replace(&self, id: u64, message: Message) -> bool {
        let mut s = self.lock();
        match s.messages.iter_mut().find(|m| m.id == id) {
            Some(m) => {
                m.body = Body::Pacer(message);
                true
            }
            None => false,
        }
    }

    fn find_key(&self, channel: &str, key: &str) -> Option<u64> {
        self.lock()
            .messages
            .iter()
            .find(|m| m.channel == channel && m.key.as_deref() == Some(key))
            .map(|m| m.id)
    }

    /// Messages in a channel since `after` (an id), for the page to know something is new.
    pub fn last_id(&self) -> u64 {
        self.lock().next_id
    }
}

fn sent(channel: &str, id: u64) -> Sent {
    Sent {
        channel: channel.to_string(),
        ts: id.to_string(),
    }
}

/// The scheduler writes into the sandbox's chat like into any platform's.
#[async_trait]
impl Messenger for Inbox {
    async fn send_direct(
        &self,
        _workspace: &str,
        user_id: &str,
        message: &Message,
        key: &str,
    ) -> Result<Sent, SendError> {
        let channel = dm_channel(user_id);
        let id = self.post(
            &channel,
            None,
            Body::Pacer(message.clone()),
            None,
            Some(key.to_string()),
        );
        Ok(sent(&channel, id))
    }

    async fn find_direct(
        &self,
        _workspace: &str,
        user_id: &str,
        key: &str,
    ) -> Result<Option<Sent>, SendError> {
        let channel = dm_channel(user_id);
        Ok(self.find_key(&channel, key).map(|id| sent(&channel, id)))
    }

    async fn update(&self, _workspace: &str, s: &Sent, message: &Message) -> Result<(), SendError> {
        let id: u64 =
            s.ts.parse()
                .map_err(|_| SendError::Permanent("not a sandbox message".into()))?;
        if self.replace(id, message.clone()) {
            Ok(())
        } else {
            Err(SendError::Permanent("message not found".into()))
        }
    }

    async fn post(
        &self,
        _workspace: &str,
        channel: &str,
        message: &Message,
        key: &str,
        thread: Option<&str>,
    ) -> Result<Sent, SendError> {
        let thread = match thread {
            Some(t) => Some(
                t.parse::<u64>()
                    .map_err(|_| SendError::Permanent("not a sandbox thread".into()))?,
            ),
            None => None,
        };
        let id = self.post(
            channel,
            thread,
            Body::Pacer(message.clone()),
            None,
            Some(key.to_string()),
        );
        Ok(sent(channel, id))
    }

    async fn find(
        &self,
        _workspace: &str,
        channel: &str,
        key: &str,
        _thread: Option<&str>,
    ) -> Result<Option<Sent>, SendError> {
        Ok(self.find_key(channel, key).map(|id| sent(channel, id)))
    }
}
