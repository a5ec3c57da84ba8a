//! The scheduler's way into Slack: DMs through chat.postMessage to the person's DM channel
//! (learnt from the first message, posted to their user id), tagged with the job's key in
//! message metadata so that an attempt with an unknown outcome can look in
//! conversations.history before sending again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Value, json};

use super::api::{SlackApi, SlackError};
use super::blocks;
use super::{PLATFORM, Tokens};
use crate::message::Message;
use crate::messenger::{Availability, Messenger, Roster, SendError, Sent};
use crate::pace::{PaceError, Pacer, Rate};
use crate::secret::Secret;
use crate::store::{NewRef, RefKind};

pub const METADATA_EVENT: &str = "pacer_delivery";

/// chat.postMessage: "several hundred messages per minute" per workspace (a fake as strict as
/// Slack allows 600), 2 % under it for latency jitter, with a burst of ten.
const POSTS_PER_WORKSPACE: Rate = Rate::per_minute(588, 10);
/// chat.postMessage: about one message per second per channel, short bursts allowed.
const POSTS_PER_CHANNEL: Rate = Rate::every(1100, 2);
/// Tier 3 (50+ a minute per workspace): conversations.open, .history, .replies, chat.update.
const TIER_3: Rate = Rate::per_minute(48, 2);
/// How many times one call waits out a 429's Retry-After before the job is handed back.
const RATE_LIMITED_WAITS: usize = 3;

/// Tier 4 (100+ a minute per workspace): users.info.
const TIER_4: Rate = Rate::per_minute(96, 4);
/// Tier 2 (20+ a minute per workspace): users.list, read for statuses before a fan-out.
const TIER_2: Rate = Rate::per_minute(19, 3);
/// users.list members per page (Slack takes up to 1,000).
const ROSTER_PAGE: &str = "1000";
/// At most this many pages are read for one roster (200,000 people).
const ROSTER_PAGES: usize = 200;

fn rate_of(method: &str) -> Rate {
    match method {
        "chat.postMessage" => POSTS_PER_WORKSPACE,
        "users.info" => TIER_4,
        "users.list" => TIER_2,
        _ => TIER_3,
    }
}

enum Call<'a> {
    Json(&'a Value),
    Form(&'a [(&'a str, &'a str)]),
}

pub struct SlackMessenger {
    /// Never waits on a 429 itself: [`SlackMessenger::call`] holds the method's budget for
    /// every replica, waits as asked and tries again.
    api: SlackApi,
    tokens: Tokens,
    pacer: Pacer,
    /// The last roster read per workspace, and when: the deliveries of one fan-out share one
    /// read (each workspace's lock is held while reading, so the others wait for it).
    rosters: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Kept>>>>>,
}

/// A workspace's statuses as users.list gave them, and when they were read.
type Kept = (Instant, Arc<Vec<(String, Availability)>>);

/// How long one roster read serves the deliveries that come after it.
const ROSTER_SHARED_FOR: Duration = Duration::from_secs(120);

impl SlackMessenger {
    pub fn new(api: SlackApi, tokens: Tokens) -> Self {
        let pacer = Pacer::new(tokens.store.clone());
        SlackMessenger {
            api: api.with_max_wait(Duration::ZERO),
            tokens,
            pacer,
            rosters: Default::default(),
        }
    }

    /// One Web API call at the workspace's pace for that method (and, for a post, the
    /// channel's). A 429 holds the method for everyone until its Retry-After has passed, then
    /// the call is made again; a longer wait (over `MAX_WAIT_IN_PLACE`) hands the job back
    /// with Slack's Retry-After.
    async fn call(
        &self,
        workspace: &str,
        method: &str,
        channel: Option<&str>,
        body: Call<'_>,
    ) -> Result<Value, SendError> {
        let token = &self.token(workspace).await?;
        let scope = format!("{PLATFORM}:{workspace}");
        let rate = rate_of(method);
        let channel_key = channel.map(|c| format!("{scope}:{c}"));
        let mut waits = 0;
        loop {
            self.pacer
                .shared(&scope, method, rate)
                .await
                .map_err(pace_error)?;
            if let Some(key) = &channel_key {
                self.pacer
                    .local(key, POSTS_PER_CHANNEL)
                    .await
                    .map_err(pace_error)?;
            }
            let result = match body {
                Call::Json(v) => self.api.call_json(token, method, v).await,
                Call::Form(f) => self.api.call_form(token, method, f).await,
            };
            match result {
                Err(SlackError::RateLimited { retry_after, .. })
                    if waits < RATE_LIMITED_WAITS
                        && retry_after <= crate::messenger::MAX_WAIT_IN_PLACE =>
                {
                    waits += 1;
                    tracing::info!(
                        method,
                        ?retry_after,
                        "Slack asked to wait; holding the method"
                    );
                    // A 429 blocks the method for the workspace (and a post, its channel).
                    if let Some(key) = &channel_key {
                        self.pacer.hold_local(key, POSTS_PER_CHANNEL, retry_after);
                    }
                    self.pacer
                        .hold_shared(&scope, method, rate, retry_after)
                        .await
                        .map_err(pace_error)?;
                }
                other => return other.map_err(classify),
            }
        }
    }

    /// users.list, page after page.
    async fn read_roster(&self, workspace: &str) -> Result<Vec<(String, Availability)>, SendError> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        for _ in 0..ROSTER_PAGES {
            let mut fields = vec![("limit", ROSTER_PAGE)];
            if !cursor.is_empty() {
                fields.push(("cursor", cursor.as_str()));
            }
            let page = self
                .call(workspace, "users.list", None, Call::Form(&fields))
                .await?;
            for member in page
                .get("members")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(id) = member.get("id").and_then(Value::as_str) {
                    out.push((id.to_string(), super::status::availability(member)));
                }
            }
            cursor = page
                .pointer("/response_metadata/next_cursor")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if cursor.is_empty() {
                break;
            }
        }
        Ok(out)
    }

    async fn token(&self, workspace: &str) -> Result<Secret, SendError> {
        self.tokens
            .for_workspace(workspace)
            .await
            .ok_or_else(|| SendError::Permanent("no bot token for this workspace".into()))
    }

    /// The person's DM channel with pacer, when pacer has learnt it.
    async fn known_dm(&self, workspace: &str, user_id: &str) -> Option<String> {
        let store = &self.tokens.store;
        let ws = store.workspace_id(PLATFORM, workspace).await.ok()??;
        store
            .conversation_ref(ws, RefKind::Person, user_id)
            .await
            .ok()?
            .filter(|r| r.stale_at.is_none())
            .map(|r| r.conversation_id)
    }

    async fn remember_dm(&self, workspace: &str, user_id: &str, channel: &str) {
        let store = &self.tokens.store;
        let Ok(Some(ws)) = store.workspace_id(PLATFORM, workspace).await else {
            return;
        };
        let r = NewRef {
            kind: RefKind::Person,
            target: user_id,
            service_url: "",
            conversation_id: channel,
            team_id: None,
        };
        if let Err(e) = store
            .save_conversation_ref(ws, r, chrono::Utc::now().timestamp())
            .await
        {
            tracing::warn!(error = %e, "could not remember a DM channel");
        }
    }

    async fn forget_dm(&self, workspace: &str, user_id: &str) {
        let store = &self.tokens.store;
        if let Ok(Some(ws)) = store.workspace_id(PLATFORM, workspace).await {
            let now = chrono::Utc::now().timestamp();
            let _ = store
                .mark_conversation_stale(ws, RefKind::Person, user_id, "channel_not_found", now)
                .await;
        }
    }

    async fn open_dm(&self, workspace: &str, user_id: &str) -> Result<String, SendError> {
        let fields = [("users", user_id)];
        let v = self
            .call(workspace, "conversations.open", None, Call::Form(&fields))
            .await?;
        v.pointer("/channel/id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| SendError::Retry {
                after: None,
                not_sent: true,
                reason: "conversations.open returned no channel".into(),
            })
    }
}

fn pace_error(e: PaceError) -> SendError {
    SendError::Retry {
        after: match e {
            PaceError::Busy(wait) => Some(wait),
            PaceError::Store(_) => None,
        },
        not_sent: true,
        reason: e.to_string(),
    }
}

/// Which Slack failures are worth another attempt, and whether the message surely did not go.
pub fn classify(e: SlackError) -> SendError {
    match e {
        SlackError::ForeignResponseUrl => SendError::Permanent(e.to_string()),
        SlackError::RateLimited { retry_after, .. } => SendError::Retry {
            after: Some(retry_after),
            not_sent: true,
            reason: "ratelimited".into(),
        },
        SlackError::Api(code) => match code.as_str() {
            "channel_not_found"
            | "user_not_found"
            | "user_disabled"
            | "account_inactive"
            | "cannot_dm_bot"
            | "invalid_auth"
            | "not_authed"
            | "token_revoked"
            | "app_uninstalled"
            | "is_archived"
            | "invalid_blocks"
            | "msg_too_long"
            | "message_not_found"
            | "cant_update_message" => SendError::Permanent(code),
            _ => SendError::Retry {
                after: None,
                not_sent: true,
                reason: code,
            },
        },
        SlackError::Http(status) => SendError::Retry {
            after: None,
            not_sent: false,
            reason: format!("HTTP {status}"),
        },
        SlackError::Transport(_) | SlackError::BadResponse => SendError::Retry {
            after: None,
            not_sent: false,
            reason: "transport".into(),
        },
    }
}

#[async_trait]
impl Messenger for SlackMessenger {
    /// Every member's status from users.list, a thousand a page (Tier 2, paced). One read at a
    /// time per workspace; a read from the last two minutes is shared.
    async fn roster_availability(&self, workspace: &str) -> Result<Option<Roster>, SendError> {
        let slot = {
            let mut rosters = self.rosters.lock().unwrap_or_else(|e| e.into_inner());
            rosters.entry(workspace.to_string()).or_default().clone()
        };
        let mut kept = slot.lock().await;
        if let Some((at, members)) = kept.as_ref()
            && at.elapsed() < ROSTER_SHARED_FOR
        {
            let members = members.clone();
            return Ok(Some(Roster {
                members,
                fresh: false,
            }));
        }
        let members = Arc::new(self.read_roster(workspace).await?);
        *kept = Some((Instant::now(), members.clone()));
        Ok(Some(Roster {
            members,
            fresh: true,
        }))
    }

    /// The person's status from users.info (Tier 4, paced like the other methods).
    async fn availability(
        &self,
        workspace: &str,
        user_id: &str,
    ) -> Result<Option<Availability>, SendError> {
        let answer = self
            .call(
                workspace,
                "users.info",
                None,
                Call::Form(&[("user", user_id)]),
            )
            .await?;
        Ok(answer.get("user").map(super::status::availability))
    }

    async fn send_direct(
        &self,
        workspace: &str,
        user_id: &str,
        message: &Message,
        key: &str,
    ) -> Result<Sent, SendError> {
        // The DM channel never changes: once known it is used as is. Until then the message is
        // posted to the user id, which Slack delivers into the app's DM and answers with the
        // channel. Either way no conversations.open (Tier 3, about 50 a minute) is spent.
        let known = self.known_dm(workspace, user_id).await;
        if let Some(channel) = &known {
            match self.post(workspace, channel, message, key, None).await {
                Err(SendError::Permanent(code)) if code == "channel_not_found" => {
                    // The remembered channel is gone: forget it and reach the person afresh.
                    self.forget_dm(workspace, user_id).await;
                }
                other => return other,
            }
        }
        let sent = self.post(workspace, user_id, message, key, None).await?;
        if sent.channel.starts_with('D') {
            self.remember_dm(workspace, user_id, &sent.channel).await;
        }
        Ok(sent)
    }

    async fn find_direct(
        &self,
        workspace: &str,
        user_id: &str,
        key: &str,
    ) -> Result<Option<Sent>, SendError> {
        let channel = match self.known_dm(workspace, user_id).await {
            Some(channel) => channel,
            None => {
                let channel = self.open_dm(workspace, user_id).await?;
                self.remember_dm(workspace, user_id, &channel).await;
                channel
            }
        };
        self.find(workspace, &channel, key, None).await
    }

    async fn post(
        &self,
        workspace: &str,
        channel: &str,
        message: &Message,
        key: &str,
        thread: Option<&str>,
    ) -> Result<Sent, SendError> {
        let mut body = json!({
            "channel": channel,
            "text": blocks::fallback_text(message),
            "blocks": blocks::blocks(message, blocks::MAX_MESSAGE_BLOCKS),
            "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            "unfurl_links": false,
        });
        if let Some(ts) = thread {
            body["thread_ts"] = json!(ts);
        }
        let v = self
            .call(
                workspace,
                "chat.postMessage",
                Some(channel),
                Call::Json(&body),
            )
            .await?;
        let ts = v
            .get("ts")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let channel = v
            .get("channel")
            .and_then(Value::as_str)
            .unwrap_or(channel)
            .to_string();
        Ok(Sent { channel, ts })
    }

    async fn find(
        &self,
        workspace: &str,
        channel: &str,
        key: &str,
        thread: Option<&str>,
    ) -> Result<Option<Sent>, SendError> {
        let v = match thread {
            Some(ts) => {
                let fields = [
                    ("channel", channel),
                    ("ts", ts),
                    ("limit", "50"),
                    ("include_all_metadata", "true"),
                ];
                self.call(
                    workspace,
                    "conversations.replies",
                    None,
                    Call::Form(&fields),
                )
                .await?
            }
            None => {
                let fields = [
                    ("channel", channel),
                    ("limit", "50"),
                    ("include_all_metadata", "true"),
                ];
                self.call(
                    workspace,
                    "conversations.history",
                    None,
                    Call::Form(&fields),
                )
                .await?
            }
        };
        let found = v
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|m| {
                m.pointer("/metadata/event_payload/key")
                    .and_then(Value::as_str)
                    == Some(key)
            });
        Ok(found.map(|m| Sent {
            channel: channel.to_string(),
            ts: m
                .get("ts")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }))
    }

    async fn update(
        &self,
        workspace: &str,
        sent: &Sent,
        message: &Message,
    ) -> Result<(), SendError> {
        let body = json!({
            "channel": sent.channel,
            "ts": sent.ts,
            "text": blocks::fallback_text(message),
            "blocks": blocks::blocks(message, blocks::MAX_MESSAGE_BLOCKS),
        });
        self.call(workspace, "chat.update", None, Call::Json(&body))
            .await?;
        Ok(())
    }
}
