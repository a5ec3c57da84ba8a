//! Slack without a public URL: Socket Mode. With an app-level token (`SLACK_APP_TOKEN`,
//! `xapp-…`) pacer asks `apps.connections.open` for a WebSocket URL and keeps several
//! connections open (`SLACK_SOCKET_CONNECTIONS`, two by default, as Slack recommends, so one
//! refreshing never leaves pacer deaf). Slack sends every event, slash command and interaction
//! as an envelope on one of them; pacer hands its payload to the same functions the HTTP routes
//! use and acknowledges it by `envelope_id` within Slack's three seconds, with the command's
//! answer or the form's errors as the acknowledgement's payload.
//!
//! - Nothing is lost: an event is stored (jobs table) before it is acknowledged; a command or
//!   click is acknowledged once handled. An envelope not acknowledged (a connection dropped
//!   under it) is redelivered by Slack, on any connection of any replica.
//! - Nothing happens twice: envelopes are claimed by id in the database, so a redelivery is
//!   acknowledged without running again (with the first answer, when this replica still has
//!   it); events are also deduplicated by `event_id`.
//! - `disconnect` (`warning`, `refresh_requested`) opens a new connection at once;
//!   `link_disabled` (Socket Mode turned off for the app) retries every few minutes. A
//!   connection that fails, or goes silent (no frame for [`SILENT_AFTER`], though pacer pings
//!   every [`PING_EVERY`]), is replaced with backoff.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_util::sync::CancellationToken;

use super::{PLATFORM, SlackPlatform};
use crate::error::AppError;
use crate::secret::Secret;
use crate::startup::AppState;
use crate::store::Delivery;

/// How often pacer pings Slack on each connection.
pub const PING_EVERY: Duration = Duration::from_secs(5);
/// A connection that has sent nothing (not even a pong) for this long is dead.
pub const SILENT_AFTER: Duration = Duration::from_secs(15);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Backoff after failures: doubling from the first to the last.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// How long to wait before trying again when Socket Mode is turned off for the app.
const DISABLED_RETRY: Duration = Duration::from_secs(300);
/// How long a replica holds an envelope it is handling before a redelivery may run it.
const CLAIM_LEASE_SECS: i64 = 60;
/// How long a replica remembers the answers it gave, for redeliveries of lost acks.
const REMEMBER: Duration = Duration::from_secs(600);

/// The Socket Mode client of one pacer process.
pub struct SocketMode {
    app_token: Secret,
    connections: usize,
    /// Answers given recently, by envelope id: a redelivered envelope (its ack was lost) gets
    /// the same answer again.
    answered: Mutex<HashMap<String, (Instant, Option<Value>)>>,
    /// Connections that have said hello and are open now.
    open: std::sync::atomic::AtomicUsize,
}

impl SocketMode {
    pub fn new(app_token: Secret, connections: usize) -> Arc<Self> {
        Arc::new(SocketMode {
            app_token,
            connections: connections.max(1),
            answered: Mutex::default(),
            open: Default::default(),
        })
    }

    /// Connections that are open now (after Slack's hello).
    pub fn open_connections(&self) -> usize {
        self.open.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn remembered(&self, envelope_id: &str) -> Option<Option<Value>> {
        let mut answered = self.answered.lock().unwrap_or_else(|e| e.into_inner());
        answered.retain(|_, (at, _)| at.elapsed() < REMEMBER);
        answered.get(envelope_id).map(|(_, v)| v.clone())
    }

    fn remember(&self, envelope_id: &str, answer: Option<Value>) {
        let mut answered = self.answered.lock().unwrap_or_else(|e| e.into_inner());
        answered.insert(envelope_id.to_string(), (Instant::now(), answer));
    }
}

/// Keep the configured number of connections open until shutdown.
pub async fn run(state: AppState, slack: Arc<SlackPlatform>) {
    let Some(socket) = slack.socket.clone() else {
        return;
    };
    let mut slots = tokio::task::JoinSet::new();
    for slot in 0..socket.connections {
        slots.spawn(keep_open(
            state.clone(),
            slack.clone(),
            socket.clone(),
            slot,
        ));
    }
    while slots.join_next().await.is_some() {}
}

/// Why a session ended without an error.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// Slack asked for a new connection (`warning`, `refresh_requested`).
    Refresh,
    /// Socket Mode is turned off for the app (`link_disabled`).
    Disabled,
    /// pacer is shutting down.
    Stopping,
}

/// One connection slot: connect, serve, and reconnect for as long as pacer runs.
async fn keep_open(
    state: AppState,
    slack: Arc<SlackPlatform>,
    socket: Arc<SocketMode>,
    slot: usize,
) {
    let cancel = state.tasks.token();
    let mut failures = 0u32;
    loop {
        if cancel.is_cancelled() {
            return;
        }
        let ended = match open_url(&slack, &socket).await {
            Ok(url) => session(&state, &slack, &socket, slot, &url, &cancel).await,
            Err(e) => Err(e),
        };
        let wait = match ended {
            Ok(End::Stopping) => return,
            Ok(End::Refresh) => {
                failures = 0;
                tracing::info!(slot, "Slack asked for a new Socket Mode connection");
                continue;
            }
            Ok(End::Disabled) => {
                tracing::error!(
                    slot,
                    "Socket Mode is turned off for this Slack app (link_disabled); turn it on under Socket Mode in the app's settings. Trying again in 5 minutes"
                );
                DISABLED_RETRY
            }
            Err(e) => {
                failures += 1;
                crate::http::metrics::metrics().socket_reconnects.inc();
                let wait = backoff(failures);
                tracing::warn!(slot, error = %e, retry_in = ?wait, "Socket Mode connection lost; reconnecting");
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => return,
        }
    }
}

/// 1 s, 2 s, 4 s … up to a minute, with up to a quarter more at random so that replicas and
/// slots do not reconnect in step.
fn backoff(failures: u32) -> Duration {
    let base = BACKOFF_FIRST
        .saturating_mul(1u32 << failures.saturating_sub(1).min(6))
        .min(BACKOFF_MAX);
    let jitter = rand::random::<f64>() * 0.25;
    base.mul_f64(1.0 + jitter)
}

/// `apps.connections.open`: a fresh WebSocket URL for one connection.
async fn open_url(slack: &SlackPlatform, socket: &SocketMode) -> Result<String, AppError> {
    let answer = slack
        .api
        .call_json(&socket.app_token, "apps.connections.open", &json!({}))
        .await
        .map_err(|e| AppError::Unavailable(format!("apps.connections.open: {e}")))?;
    answer
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("wss://") || u.starts_with("ws://"))
        .map(str::to_string)
        .ok_or_else(|| AppError::Unavailable("apps.connections.open gave no URL".into()))
}

/// What Slack sends on a connection.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Envelope {
    Hello {
        #[serde(default)]
        num_connections: Option<u64>,
    },
    Disconnect {
        #[serde(default)]
        reason: Option<String>,
    },
    EventsApi {
        envelope_id: String,
        payload: Value,
    },
    SlashCommands {
        envelope_id: String,
        payload: Value,
    },
    Interactive {
        envelope_id: String,
        payload: Value,
    },
    #[serde(other)]
    Other,
}

/// What a connection needs to hand its envelopes on.
struct Handler<'a> {
    state: &'a AppState,
    slack: &'a Arc<SlackPlatform>,
    socket: &'a Arc<SocketMode>,
    slot: usize,
    acks: &'a mpsc::Sender<Value>,
}

impl Handler<'_> {
    /// Act on one text frame.
    fn frame(&self, text: &str) -> Said {
        let start = |kind, envelope_id, payload| {
            spawn_handler(
                self.state,
                self.slack,
                self.socket,
                kind,
                envelope_id,
                payload,
                self.acks,
            )
        };
        match serde_json::from_str::<Envelope>(text) {
            Ok(Envelope::Hello { num_connections }) => {
                tracing::info!(
                    slot = self.slot,
                    ?num_connections,
                    "Socket Mode connection open"
                );
                return Said::Hello;
            }
            Ok(Envelope::Disconnect { reason }) => {
                return Said::Bye(match reason.as_deref() {
                    Some("link_disabled") => End::Disabled,
                    _ => End::Refresh,
                });
            }
            Ok(Envelope::EventsApi {
                envelope_id,
                payload,
            }) => start(Kind::Event, envelope_id, payload),
            Ok(Envelope::SlashCommands {
                envelope_id,
                payload,
            }) => start(Kind::Command, envelope_id, payload),
            Ok(Envelope::Interactive {
                envelope_id,
                payload,
            }) => start(Kind::Interaction, envelope_id, payload),
            Ok(Envelope::Other) | Err(_) => {
                // Something pacer does not handle: acknowledge it so Slack does not send it
                // again.
                let id = serde_json::from_str::<Value>(text).ok().and_then(|v| {
                    v.get("envelope_id")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
                if let Some(id) = id {
                    tracing::info!(
                        slot = self.slot,
                        "Socket Mode envelope of a type pacer does not handle; acknowledged"
                    );
                    let _ = self.acks.try_send(json!({ "envelope_id": id }));
                }
            }
        }
        Said::Envelope
    }
}

/// What a frame said.
enum Said {
    Hello,
    Bye(End),
    Envelope,
}

/// Serve one connection until it ends.
async fn session(
    state: &AppState,
    slack: &Arc<SlackPlatform>,
    socket: &Arc<SocketMode>,
    slot: usize,
    url: &str,
    cancel: &CancellationToken,
) -> Result<End, AppError> {
    let connect = tokio_tungstenite::connect_async(url);
    let (stream, _) = tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| AppError::Unavailable("the WebSocket did not open in time".into()))?
        .map_err(|e| AppError::Unavailable(format!("WebSocket: {e}")))?;
    let (mut sink, mut frames) = stream.split();
    let (acks, mut to_send) = mpsc::channel::<Value>(64);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut heard = Instant::now();
    let mut greeted = false;
    let result = loop {
        tokio::select! {
            frame = frames.next() => {
                heard = Instant::now();
                let text = match frame {
                    Some(Ok(Frame::Text(text))) => text,
                    Some(Ok(Frame::Close(_))) | None => {
                        break Err(AppError::Unavailable("Slack closed the connection".into()))
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => break Err(AppError::Unavailable(format!("WebSocket: {e}"))),
                };
                let handler = Handler { state, slack, socket, slot, acks: &acks };
                match handler.frame(&text) {
                    Said::Bye(end) => break Ok(end),
                    Said::Hello if !greeted => {
                        greeted = true;
                        socket.open.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        crate::http::metrics::metrics().socket_connections.inc();
                    }
                    Said::Hello | Said::Envelope => {}
                }
            }
            Some(ack) = to_send.recv() => {
                if let Err(e) = sink.send(Frame::Text(ack.to_string().into())).await {
                    break Err(AppError::Unavailable(format!("WebSocket: {e}")));
                }
            }
            _ = ping.tick() => {
                if heard.elapsed() > SILENT_AFTER {
                    break Err(AppError::Unavailable(format!(
                        "Slack sent nothing for {} s", SILENT_AFTER.as_secs()
                    )));
                }
                if let Err(e) = sink.send(Frame::Ping(Vec::new().into())).await {
                    break Err(AppError::Unavailable(format!("WebSocket: {e}")));
                }
            }
            _ = cancel.cancelled() => break Ok(End::Stopping),
        }
    };
    if greeted {
        socket
            .open
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        crate::http::metrics::metrics().socket_connections.dec();
    }
    // Acknowledgements ready now still go out; a handler finishing later loses its ack and
    // Slack redelivers the envelope, which the claim below answers without running it again.
    while let Ok(ack) = to_send.try_recv() {
        if sink
            .send(Frame::Text(ack.to_string().into()))
            .await
            .is_err()
        {
            break;
        }
    }
    let _ = sink.send(Frame::Close(None)).await;
    result
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Event,
    Command,
    Interaction,
}

fn spawn_handler(
    state: &AppState,
    slack: &Arc<SlackPlatform>,
    socket: &Arc<SocketMode>,
    kind: Kind,
    envelope_id: String,
    payload: Value,
    acks: &mpsc::Sender<Value>,
) {
    if envelope_id.is_empty() || envelope_id.len() > 128 {
        tracing::warn!("Socket Mode envelope with a malformed id ignored");
        return;
    }
    let state = state.clone();
    let slack = slack.clone();
    let socket = socket.clone();
    let acks = acks.clone();
    state.tasks.clone().spawn(async move {
        if let Some(ack) = envelope(&state, &slack, &socket, kind, &envelope_id, payload).await {
            let mut message = json!({ "envelope_id": envelope_id });
            if let Some(payload) = ack {
                message["payload"] = payload;
            }
            if acks.send(message).await.is_err() {
                tracing::info!("a Socket Mode connection closed before its acknowledgement went out; Slack will redeliver");
            }
        }
    });
}

/// Handle one envelope: `Some(payload)` to acknowledge it (with that payload, if any), `None`
/// to leave it unacknowledged so Slack delivers it again (nothing was recorded).
async fn envelope(
    state: &AppState,
    slack: &Arc<SlackPlatform>,
    socket: &SocketMode,
    kind: Kind,
    envelope_id: &str,
    payload: Value,
) -> Option<Option<Value>> {
    if let Some(answer) = socket.remembered(envelope_id) {
        return Some(answer);
    }
    let now = state.clock.now().timestamp();
    let key = format!("socket:{envelope_id}");
    match state
        .store
        .claim_delivery(PLATFORM, &key, now, CLAIM_LEASE_SECS)
        .await
    {
        Ok(Delivery::Duplicate) => {
            tracing::info!(?kind, "Socket Mode envelope redelivered; already handled");
            return Some(None);
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "could not claim a Socket Mode envelope; Slack will redeliver");
            return None;
        }
    }
    let handled = match kind {
        Kind::Event => super::events::receive(state, payload).await,
        Kind::Command => match serde_json::from_value(payload) {
            Ok(form) => super::commands::answer(state, slack, form).await,
            Err(_) => Err(AppError::BadRequest("malformed slash command".into())),
        },
        Kind::Interaction => super::interactivity::receive(state, slack, payload).await,
    };
    let outcome = match handled {
        Ok(answer) => Some(answer),
        // Malformed: acknowledged, so Slack does not send it again, and nothing recorded.
        Err(e @ (AppError::BadRequest(_) | AppError::Forbidden(_) | AppError::NotFound)) => {
            tracing::warn!(?kind, error = %e, "Socket Mode envelope refused");
            Some(None)
        }
        Err(e) => {
            tracing::warn!(?kind, error = ?e, "Socket Mode envelope failed; Slack will redeliver");
            None
        }
    };
    let recorded = match &outcome {
        Some(answer) => {
            socket.remember(envelope_id, answer.clone());
            state.store.finish_delivery(PLATFORM, &key).await
        }
        None => state.store.release_delivery(PLATFORM, &key).await,
    };
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "could not record how a Socket Mode envelope ended");
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_minute_with_a_little_jitter() {
        for (failures, base) in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (40, 60)] {
            let wait = backoff(failures);
            let base = Duration::from_secs(base);
            assert!(
                wait >= base && wait <= base.mul_f64(1.25),
                "{failures}: {wait:?}"
            );
        }
    }

    #[test]
    fn envelopes_are_read_by_type() {
        let hello: Envelope =
            serde_json::from_str(r#"{"type":"hello","num_connections":2,"debug_info":{}}"#)
                .unwrap();
        assert!(matches!(
            hello,
            Envelope::Hello {
                num_connections: Some(2)
            }
        ));
        let bye: Envelope =
            serde_json::from_str(r#"{"type":"disconnect","reason":"link_disabled"}"#).unwrap();
        assert!(matches!(bye, Envelope::Disconnect { reason: Some(r) } if r == "link_disabled"));
        let other: Envelope =
            serde_json::from_str(r#"{"type":"something_new","envelope_id":"x"}"#).unwrap();
        assert!(matches!(other, Envelope::Other));
    }
}
