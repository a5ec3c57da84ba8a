//! A fake Slack Web API on 127.0.0.1: records every call, keeps the messages it was sent (with
//! their metadata, for conversations.history), and can be told to fail now and then.
//!
//! It is as strict as Slack about rates, always: per workspace (token) and method, Tier 3
//! methods take 50 calls in any 60 s, Tier 4 methods 100, chat.postMessage 600 and, per
//! channel, about one a second (a burst of three); above them it answers 429 with the
//! Retry-After Slack would give, and the call has no effect.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub authorization: Option<String>,
    pub body: Value,
    /// Which caller, when it was given its own base URL (`api_base_for`): one replica of many.
    pub caller: Option<String>,
    /// When the call arrived.
    pub at: Instant,
}

/// Slack's published limits, per workspace and method, in any 60 seconds.
pub fn per_minute_limit(method: &str) -> Option<usize> {
    match method {
        "chat.postMessage" => Some(600),
        "conversations.open"
        | "conversations.history"
        | "conversations.replies"
        | "chat.update" => Some(50),
        "users.info" | "views.publish" | "views.open" => Some(100),
        "users.list" => Some(20),
        _ => None,
    }
}

/// A channel takes a burst of this many posts, then about one a second.
const CHANNEL_BURST: f64 = 3.0;

#[derive(Default)]
struct Limits {
    /// Accepted calls by (token, method), oldest first.
    calls: HashMap<(String, String), VecDeque<Instant>>,
    /// Per (token, channel): tokens left and when they were counted.
    channels: HashMap<(String, String), (f64, Instant)>,
}

impl Limits {
    /// `Some(retry_after)` when this call is over a limit (and so has no effect).
    fn check(&mut self, token: &str, method: &str, channel: Option<&str>) -> Option<u64> {
        let now = Instant::now();
        let window = Duration::from_secs(60);
        let limit = per_minute_limit(method)?;
        let calls = self
            .calls
            .entry((token.to_string(), method.to_string()))
            .or_default();
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            calls.pop_front();
        }
        if calls.len() >= limit {
            let wait = window.saturating_sub(now.duration_since(calls[calls.len() - limit]));
            return Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        if method == "chat.postMessage"
            && let Some(channel) = channel
        {
            let bucket = self
                .channels
                .entry((token.to_string(), channel.to_string()))
                .or_insert((CHANNEL_BURST, now));
            let refilled =
                (bucket.0 + now.duration_since(bucket.1).as_secs_f64()).min(CHANNEL_BURST);
            if refilled < 1.0 {
                *bucket = (refilled, now);
                return Some(1);
            }
            *bucket = (refilled - 1.0, now);
        }
        calls.push_back(now);
        None
    }
}

/// A failure to inject into the next call of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 with this Retry-After.
    RateLimited(u64),
    /// 429 with this Retry-After header, exactly as given (an HTTP date, nonsense, a huge number).
    RateLimitedRaw(&'static str),
    /// 500, message not accepted.
    ServerError,
    /// The message is accepted and kept, but the answer is a 500 (the sender cannot know).
    AcceptedThen500,
}

/// A user's status: (status_text, status_emoji, status_expiration).
type Status = (String, String, i64);

/// A channel's messages, oldest first: (ts, body).
type Channel = Vec<(String, Value)>;

#[derive(Clone, Default)]
struct Inner {
    calls: Arc<Mutex<Vec<Call>>>,
    faults: Arc<Mutex<Vec<(String, Fault)>>>,
    users: Arc<Mutex<HashMap<String, (String, String)>>>,
    /// Statuses by user id: (status_text, status_emoji, status_expiration).
    statuses: Arc<Mutex<HashMap<String, Status>>>,
    /// Messages by channel, oldest first: (ts, body).
    messages: Arc<Mutex<HashMap<String, Channel>>>,
    /// How long chat.postMessage takes, to make a fan-out last long enough to interrupt.
    post_delay_ms: Arc<Mutex<u64>>,
    limits: Arc<Mutex<Limits>>,
    next_ts: Arc<Mutex<u64>>,
    /// Socket Mode: the connections handed out by apps.connections.open.
    socket: super::fake_socket::Hub,
    base: Arc<Mutex<String>>,
}

#[derive(Clone)]
pub struct FakeSlack {
    pub base: String,
    inner: Inner,
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let inner = Inner::default();
        {
            let mut users = inner.users.lock().unwrap();
            for (id, name, tz) in [
                ("U0ANA", "ana", "Europe/Berlin"),
                ("U0BEN", "ben", "America/New_York"),
                ("U0CHEN", "chen", "Asia/Tokyo"),
                ("UADMIN01", "ada", "Europe/London"),
                ("U0SLOW", "slow", "Europe/Paris"),
            ] {
                users.insert(id.to_string(), (name.to_string(), tz.to_string()));
            }
        }
        let app = Router::new()
            .route("/api/{method}", post(api))
            .route("/as/{caller}/api/{method}", post(api_as))
            .route("/response/{id}", post(response))
            .with_state(inner.clone())
            .merge(
                Router::new()
                    .route("/link/", axum::routing::get(super::fake_socket::upgrade))
                    .with_state(inner.socket.clone()),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        *inner.base.lock().unwrap() = base.clone();
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeSlack { base, inner }
    }

    /// The Socket Mode side: connections, envelopes, acknowledgements.
    pub fn socket(&self) -> &super::fake_socket::SocketHub {
        &self.inner.socket
    }

    pub fn api_base(&self) -> String {
        format!("{}/api/", self.base)
    }

    /// The same API under a base URL of `caller`'s own, so calls say who made them.
    pub fn api_base_for(&self, caller: &str) -> String {
        format!("{}/as/{caller}/api/", self.base)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.calls.lock().unwrap().clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    pub fn clear_calls(&self) {
        self.inner.calls.lock().unwrap().clear();
    }

    /// Fail the next call of `method` with `fault` (queued in order).
    pub fn fail_next(&self, method: &str, fault: Fault) {
        self.inner
            .faults
            .lock()
            .unwrap()
            .push((method.to_string(), fault));
    }

    /// Set a user's status as Slack keeps it (`users.info` answers with it from now on).
    pub fn set_status(&self, user: &str, text: &str, emoji: &str, expiration: i64) {
        self.inner.statuses.lock().unwrap().insert(
            user.to_string(),
            (text.to_string(), emoji.to_string(), expiration),
        );
    }

    pub fn set_post_delay(&self, ms: u64) {
        *self.inner.post_delay_ms.lock().unwrap() = ms;
    }

    pub fn rate_limit_next(&self, n: usize) {
        for _ in 0..n {
            self.fail_next("*", Fault::RateLimited(1));
        }
    }

    /// Messages the fake accepted into a channel, oldest first.
    pub fn messages_in(&self, channel: &str) -> Vec<(String, Value)> {
        self.inner
            .messages
            .lock()
            .unwrap()
            .get(channel)
            .cloned()
            .unwrap_or_default()
    }

    /// Every accepted message, with its channel.
    pub fn all_messages(&self) -> Vec<(String, String, Value)> {
        let messages = self.inner.messages.lock().unwrap();
        let mut out: Vec<(String, String, Value)> = messages
            .iter()
            .flat_map(|(ch, ms)| ms.iter().map(|(ts, b)| (ch.clone(), ts.clone(), b.clone())))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        out
    }

    /// Wait (bounded) until `n` calls whose method starts with `prefix` arrived
    /// (`response_url:` for replies through response URLs).
    pub async fn wait_for_prefix(&self, prefix: &str, n: usize) -> Vec<Call> {
        let matching = || -> Vec<Call> {
            self.calls()
                .into_iter()
                .filter(|c| c.method.starts_with(prefix))
                .collect()
        };
        for _ in 0..200 {
            let calls = matching();
            if calls.len() >= n {
                return calls;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        matching()
    }

    /// Wait (bounded) until `method` has been called `n` times; work after an ack is async.
    pub async fn wait_for(&self, method: &str, n: usize) -> Vec<Call> {
        for _ in 0..200 {
            let calls = self.calls_to(method);
            if calls.len() >= n {
                return calls;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        self.calls_to(method)
    }
}

fn parse_body(headers: &HeaderMap, body: &Bytes) -> Value {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/json") {
        serde_json::from_slice(body).unwrap_or(Value::Null)
    } else {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    }
}

fn take_fault(s: &Inner, method: &str) -> Option<Fault> {
    let mut faults = s.faults.lock().unwrap();
    let i = faults.iter().position(|(m, _)| m == method || m == "*")?;
    Some(faults.remove(i).1)
}

async fn api_as(
    State(s): State<Inner>,
    Path((caller, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(s, method, Some(caller), headers, body).await
}

async fn api(
    State(s): State<Inner>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(s, method, None, headers, body).await
}

async fn answer(
    s: Inner,
    method: String,
    caller: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = parse_body(&headers, &body);
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // Slack's own limits come first: a call over them has no effect and takes no fault.
    let limited = s.limits.lock().unwrap().check(
        authorization.as_deref().unwrap_or(""),
        &method,
        body.get("channel").and_then(Value::as_str),
    );
    let fault = match limited {
        Some(secs) => Some(Fault::RateLimited(secs)),
        None => take_fault(&s, &method),
    };
    s.calls.lock().unwrap().push(Call {
        method: match fault {
            Some(Fault::RateLimited(_) | Fault::RateLimitedRaw(_)) => format!("429:{method}"),
            Some(Fault::ServerError) => format!("500:{method}"),
            _ => method.clone(),
        },
        authorization: authorization.clone(),
        body: body.clone(),
        caller,
        at: Instant::now(),
    });
    match fault {
        Some(Fault::RateLimited(secs)) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", secs.to_string())],
                axum::Json(json!({"ok": false, "error": "ratelimited"})),
            )
                .into_response();
        }
        Some(Fault::RateLimitedRaw(raw)) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", raw)],
                axum::Json(json!({"ok": false, "error": "ratelimited"})),
            )
                .into_response();
        }
        Some(Fault::ServerError) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        _ => {}
    }
    // A directory that takes longer than Slack's 3-second window.
    if body.get("user").and_then(Value::as_str) == Some("U0SLOW") {
        tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    }
    if method == "oauth.v2.access" {
        let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
        let ok = field("client_id") == "1234.5678"
            && field("client_secret") == "oauth-client-secret"
            && field("code") == "good-code"
            && field("redirect_uri").ends_with("/slack/oauth/callback");
        return axum::Json(if ok {
            json!({
                "ok": true, "access_token": "xoxb-test-token", "token_type": "bot",
                "scope": "commands,chat:write,im:write,users:read", "bot_user_id": "U0BOT",
                "app_id": "A0PACER", "team": {"id": "T0NEW", "name": "New <Co>"},
                "enterprise": null, "is_enterprise_install": false,
                "authed_user": {"id": "U0ANA", "scope": "", "access_token": null, "token_type": null}
            })
        } else {
            json!({"ok": false, "error": "invalid_code"})
        })
        .into_response();
    }
    if method == "apps.connections.open" {
        // Only an app-level token opens a connection, as in Slack.
        let app_token = authorization
            .as_deref()
            .is_some_and(|a| a == "Bearer xapp-test-token");
        return axum::Json(if app_token {
            s.socket.open_answer(&s.base.lock().unwrap())
        } else {
            json!({"ok": false, "error": "not_allowed_token_type"})
        })
        .into_response();
    }
    if authorization.as_deref() != Some("Bearer xoxb-test-token") {
        return axum::Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
    }
    let answer = match method.as_str() {
        "users.info" => {
            let id = body.get("user").and_then(Value::as_str).unwrap_or("");
            match s.users.lock().unwrap().get(id) {
                Some((name, tz)) => {
                    let (text, emoji, expiration) = s
                        .statuses
                        .lock()
                        .unwrap()
                        .get(id)
                        .cloned()
                        .unwrap_or_default();
                    json!({"ok": true, "user": {
                        "id": id, "name": name, "real_name": name, "tz": tz, "tz_offset": 3600,
                        "profile": {"display_name": name, "real_name": name,
                            "status_text": text, "status_emoji": emoji,
                            "status_expiration": expiration}
                    }})
                }
                None => json!({"ok": false, "error": "user_not_found"}),
            }
        }
        "users.list" => {
            // Slack may return fewer members than asked for; this fake gives at most two a page,
            // so that every read pages through its cursor.
            let users = s.users.lock().unwrap().clone();
            let statuses = s.statuses.lock().unwrap().clone();
            let mut ids: Vec<&String> = users.keys().collect();
            ids.sort();
            let from: usize = body
                .get("cursor")
                .and_then(Value::as_str)
                .and_then(|c| c.strip_prefix("dXNlcjo"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let limit: usize = body
                .get("limit")
                .and_then(Value::as_str)
                .and_then(|l| l.parse().ok())
                .unwrap_or(0)
                .clamp(1, 2);
            let members: Vec<Value> = ids
                .iter()
                .skip(from)
                .take(limit)
                .map(|id| {
                    let (name, tz) = &users[*id];
                    let (text, emoji, expiration) = statuses.get(*id).cloned().unwrap_or_default();
                    json!({"id": id, "name": name, "real_name": name, "tz": tz,
                        "profile": {"display_name": name, "status_text": text,
                            "status_emoji": emoji, "status_expiration": expiration}})
                })
                .collect();
            let next = if from + limit < ids.len() {
                format!("dXNlcjo{}", from + limit)
            } else {
                String::new()
            };
            json!({"ok": true, "members": members, "response_metadata": {"next_cursor": next}})
        }
        "conversations.open" => {
            let user = body.get("users").and_then(Value::as_str).unwrap_or("X");
            json!({"ok": true, "channel": {"id": format!("D{user}")}})
        }
        "chat.postMessage" => {
            let delay = *s.post_delay_ms.lock().unwrap();
            if delay > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            let channel = body
                .get("channel")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            // As Slack does: a user id as the channel posts into the app's DM with that person,
            // and the answer names the DM channel.
            let channel = if channel.starts_with('U') || channel.starts_with('W') {
                format!("D{channel}")
            } else {
                channel
            };
            let ts = {
                let mut n = s.next_ts.lock().unwrap();
                *n += 1;
                format!("1700000000.{:06}", *n)
            };
            s.messages
                .lock()
                .unwrap()
                .entry(channel.clone())
                .or_default()
                .push((ts.clone(), body.clone()));
            json!({"ok": true, "channel": channel, "ts": ts, "message": {"text": body.get("text")}})
        }
        "chat.update" => {
            let channel = body.get("channel").and_then(Value::as_str).unwrap_or("");
            let ts = body.get("ts").and_then(Value::as_str).unwrap_or("");
            let mut messages = s.messages.lock().unwrap();
            match messages
                .get_mut(channel)
                .and_then(|ms| ms.iter_mut().find(|(t, _)| t == ts))
            {
                Some(m) => {
                    let metadata = m.1.get("metadata").cloned();
                    m.1 = body.clone();
                    if let Some(md) = metadata {
                        m.1["metadata"] = md;
                    }
                    json!({"ok": true, "channel": channel, "ts": ts})
                }
                None => json!({"ok": false, "error": "message_not_found"}),
            }
        }
        "conversations.history" => {
            let channel = body.get("channel").and_then(Value::as_str).unwrap_or("");
            let with_metadata =
                body.get("include_all_metadata").and_then(Value::as_str) == Some("true");
            let messages: Vec<Value> = s
                .messages
                .lock()
                .unwrap()
                .get(channel)
                .map(|ms| {
                    ms.iter()
                        .rev()
                        .map(|(ts, b)| {
                            let mut m = json!({"type": "message", "ts": ts, "text": b.get("text"), "bot_id": "B0PACER"});
                            if with_metadata && let Some(md) = b.get("metadata") {
                                m["metadata"] = md.clone();
                            }
                            m
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({"ok": true, "messages": messages, "has_more": false})
        }
        "views.publish" => json!({"ok": true, "view": {"id": "V0001"}}),
        "views.open" => json!({"ok": true, "view": {"id": "V0MODAL"}}),
        _ => json!({"ok": true}),
    };
    if fault == Some(Fault::AcceptedThen500) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    axum::Json(answer).into_response()
}

async fn response(
    State(s): State<Inner>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    s.calls.lock().unwrap().push(Call {
        method: format!("response_url:{id}"),
        authorization: None,
        body: parse_body(&headers, &body),
        caller: None,
        at: Instant::now(),
    });
    "ok"
}
