//! A fake Slack Web API on 127.0.0.1: records every call and answers like Slack does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
}

#[derive(Clone, Default)]
struct Inner {
    calls: Arc<Mutex<Vec<Call>>>,
    /// Answer the next N calls with 429 and `Retry-After: 1`.
    rate_limit_next: Arc<Mutex<usize>>,
    users: Arc<Mutex<HashMap<String, (String, String)>>>,
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
            .route("/response/{id}", post(response))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeSlack { base, inner }
    }

    pub fn rate_limit_next(&self, n: usize) {
        *self.inner.rate_limit_next.lock().unwrap() = n;
    }

    pub fn api_base(&self) -> String {
        format!("{}/api/", self.base)
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

async fn api(
    State(s): State<Inner>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = parse_body(&headers, &body);
    {
        let mut limited = s.rate_limit_next.lock().unwrap();
        if *limited > 0 {
            *limited -= 1;
            s.calls.lock().unwrap().push(Call {
                method: format!("429:{method}"),
                authorization: None,
                body: body.clone(),
            });
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                axum::Json(json!({"ok": false, "error": "ratelimited"})),
            )
                .into_response();
        }
    }
    // A directory that takes longer than Slack's 3-second window.
    if body.get("user").and_then(Value::as_str) == Some("U0SLOW") {
        tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    }
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    s.calls.lock().unwrap().push(Call {
        method: method.clone(),
        authorization: authorization.clone(),
        body: body.clone(),
    });
    if authorization.as_deref() != Some("Bearer xoxb-test-token") {
        return axum::Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
    }
    axum::Json(match method.as_str() {
        "users.info" => {
            let id = body.get("user").and_then(Value::as_str).unwrap_or("");
            match s.users.lock().unwrap().get(id) {
                Some((name, tz)) => json!({"ok": true, "user": {
                    "id": id, "name": name, "real_name": name, "tz": tz, "tz_offset": 3600,
                    "profile": {"display_name": name, "real_name": name}
                }}),
                None => json!({"ok": false, "error": "user_not_found"}),
            }
        }
        "chat.postMessage" => {
            json!({"ok": true, "channel": body.get("channel"), "ts": "1700000000.000100"})
        }
        "views.publish" => json!({"ok": true, "view": {"id": "V0001"}}),
        "conversations.open" => json!({"ok": true, "channel": {"id": "D0DM0001"}}),
        _ => json!({"ok": true}),
    })
    .into_response()
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
    });
    "ok"
}
