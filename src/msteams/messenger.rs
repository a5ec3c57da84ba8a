//! The scheduler's way into Teams: prompts to a person's 1:1 chat (created when none exists),
//! digests as channel posts with a threaded reply, cards updated in place. A conversation the
//! platform refuses for good (blocked, removed, not found) is marked stale, not retried.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;

use super::api::{ApiError, TeamsApi};
use super::graph::Graph;
use super::{PLATFORM, cards};
use crate::message::Message;
use crate::messenger::{Availability, Messenger, SendError, Sent};
use crate::store::{NewRef, RefKind, Store};

pub struct TeamsMessenger {
    api: Arc<TeamsApi>,
    graph: Arc<Graph>,
    store: Store,
}

impl TeamsMessenger {
    pub fn new(api: Arc<TeamsApi>, graph: Arc<Graph>, store: Store) -> Self {
        TeamsMessenger { api, graph, store }
    }

    async fn workspace(&self, tenant: &str) -> Result<i64, SendError> {
        self.store
            .workspace_id(PLATFORM, tenant)
            .await
            .map_err(store_error)?
            .ok_or_else(|| SendError::Permanent(format!("no Teams tenant {tenant}")))
    }

    /// Sort a connector error; a conversation that is gone is marked stale.
    async fn failed(&self, ws: i64, kind: RefKind, target: &str, e: ApiError) -> SendError {
        match e {
            ApiError::Gone(reason) => {
                let now = Utc::now().timestamp();
                if let Err(err) = self
                    .store
                    .mark_conversation_stale(ws, kind, target, &reason, now)
                    .await
                {
                    tracing::warn!(error = %err, "could not mark a conversation stale");
                }
                SendError::Permanent(format!("conversation refused ({reason}); marked stale"))
            }
            other => send_error(other),
        }
    }

    /// The person's 1:1 conversation: the stored one, or a new one on the tenant's connector.
    async fn personal(
        &self,
        ws: i64,
        tenant: &str,
        user_id: &str,
    ) -> Result<(String, String), SendError> {
        let known = self
            .store
            .conversation_ref(ws, RefKind::Person, user_id)
            .await
            .map_err(store_error)?;
        if let Some(r) = known {
            if r.stale_at.is_some() {
                return Err(SendError::Permanent(format!(
                    "their chat with pacer is unusable ({}); it will work again once they message pacer",
                    r.stale_reason.unwrap_or_default()
                )));
            }
            return Ok((r.service_url, r.conversation_id));
        }
        let service_url = self
            .store
            .latest_service_url(ws)
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                SendError::Permanent("pacer has no conversation in this tenant yet".into())
            })?;
        let created = match self
            .api
            .create_personal(&service_url, tenant, user_id)
            .await
        {
            Ok(c) => c,
            Err(e) => return Err(self.failed(ws, RefKind::Person, user_id, e).await),
        };
        let service_url = created.service_url.unwrap_or(service_url);
        self.store
            .save_conversation_ref(
                ws,
                NewRef {
                    kind: RefKind::Person,
                    target: user_id,
                    service_url: &service_url,
                    conversation_id: &created.id,
                    team_id: None,
                },
                Utc::now().timestamp(),
            )
            .await
            .map_err(store_error)?;
        Ok((service_url, created.id))
    }

    async fn channel(&self, ws: i64, channel: &str) -> Result<String, SendError> {
        let known = self
            .store
            .conversation_ref(ws, RefKind::Channel, channel)
            .await
            .map_err(store_error)?;
        match known {
            Some(r) if r.stale_at.is_some() => Err(SendError::Permanent(format!(
                "pacer cannot post in this channel ({})",
                r.stale_reason.unwrap_or_default()
            ))),
            Some(r) => Ok(r.service_url),
            // Never a guessed address: a channel pacer was not added to (or that someone typed
            // into a command) gets nothing.
            None => Err(SendError::Permanent(
                "pacer holds no conversation reference for this channel; add pacer to the channel or mention it there once".into(),
            )),
        }
    }
}

/// What the scheduler makes of a connector error: wait and retry, or give up.
fn send_error(e: ApiError) -> SendError {
    match e {
        ApiError::Retry {
            after,
            not_sent,
            reason,
        } => SendError::Retry {
            after,
            not_sent,
            reason,
        },
        ApiError::Gone(reason) | ApiError::Failed(reason) => SendError::Permanent(reason),
    }
}

fn store_error(e: crate::store::StoreError) -> SendError {
    SendError::Retry {
        after: None,
        not_sent: true,
        reason: format!("database: {e}"),
    }
}

#[async_trait]
impl Messenger for TeamsMessenger {
    fn direct_prefix(&self) -> &'static str {
        super::PREFIX_PERSONAL
    }

    fn channel_prefix(&self) -> &'static str {
        super::PREFIX_CHANNEL
    }

    /// Out of office by the person's Graph presence, found by the AAD object id their
    /// activities carried; someone pacer has not heard from cannot be looked up.
    async fn availability(
        &self,
        workspace: &str,
        user_id: &str,
    ) -> Result<Option<Availability>, SendError> {
        let ws = self.workspace(workspace).await?;
        let aad = self
            .store
            .aad_object_id(ws, user_id)
            .await
            .map_err(|e| SendError::Retry {
                after: None,
                not_sent: true,
                reason: e.to_string(),
            })?;
        Ok(match aad {
            Some(aad) => self.graph.availability(workspace, &aad).await,
            None => None,
        })
    }

    async fn send_direct(
        &self,
        workspace: &str,
        user_id: &str,
        message: &Message,
        _key: &str,
    ) -> Result<Sent, SendError> {
        let ws = self.workspace(workspace).await?;
        let (service_url, conversation) = self.personal(ws, workspace, user_id).await?;
        match self
            .api
            .send(&service_url, &conversation, &cards::activity(message))
            .await
        {
            Ok(id) => Ok(Sent {
                channel: conversation,
                ts: id,
            }),
            Err(e) => Err(self.failed(ws, RefKind::Person, user_id, e).await),
        }
    }

    /// The connector cannot list what a bot sent, so an unknown outcome cannot be looked up.
    async fn find_direct(
        &self,
        _workspace: &str,
        _user_id: &str,
        _key: &str,
    ) -> Result<Option<Sent>, SendError> {
        Ok(None)
    }

    async fn update(
        &self,
        workspace: &str,
        sent: &Sent,
        message: &Message,
    ) -> Result<(), SendError> {
        let ws = self.workspace(workspace).await?;
        let service_url = self
            .store
            .conversation_service_url(ws, &sent.channel)
            .await
            .map_err(store_error)?
            .ok_or_else(|| SendError::Permanent("unknown conversation".into()))?;
        let mut activity = cards::activity(message);
        activity["id"] = serde_json::json!(sent.ts);
        self.api
            .update(&service_url, &sent.channel, &sent.ts, &activity)
            .await
            .map_err(send_error)
    }

    async fn post(
        &self,
        workspace: &str,
        channel: &str,
        message: &Message,
        _key: &str,
        thread: Option<&str>,
    ) -> Result<Sent, SendError> {
        let ws = self.workspace(workspace).await?;
        let service_url = self.channel(ws, channel).await?;
        let mut activity = cards::activity(message);
        let result = match thread {
            // In a channel only the thread's own conversation id (`…;messageid=<root>`)
            // places a message in the thread; replyToId alone is ignored there.
            Some(root) => {
                activity["replyToId"] = serde_json::json!(root);
                let thread = format!("{channel};messageid={root}");
                self.api.reply(&service_url, &thread, root, &activity).await
            }
            None => self.api.send(&service_url, channel, &activity).await,
        };
        match result {
            Ok(id) => Ok(Sent {
                channel: channel.to_string(),
                ts: id,
            }),
            Err(e) => Err(self.failed(ws, RefKind::Channel, channel, e).await),
        }
    }

    async fn find(
        &self,
        _workspace: &str,
        _channel: &str,
        _key: &str,
        _thread: Option<&str>,
    ) -> Result<Option<Sent>, SendError> {
        Ok(None)
    }
}
