//! A small Slack Web API client: base URL from config (tests point it at a fake), bearer
//! token, `ok:false` as typed errors, timeouts, and 429 honoured with Retry-After.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use crate::config::Secret;
use crate::people::{Directory, Profile};

#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    #[error("Slack answered ok:false: {0}")]
    Api(String),
    #[error("Slack is rate limiting {method}; retry after {retry_after:?}")]
    RateLimited {
        method: String,
        retry_after: Duration,
    },
    #[error("Slack answered HTTP {0}")]
    Http(u16),
    #[error("could not reach Slack: {0}")]
    Transport(String),
    #[error("Slack's answer was not JSON")]
    BadResponse,
}

impl SlackError {
    pub fn code(&self) -> &str {
        match self {
            SlackError::Api(c) => c,
            SlackError::RateLimited { .. } => "ratelimited",
            SlackError::Http(_) => "http_error",
            SlackError::Transport(_) => "transport",
            SlackError::BadResponse => "bad_response",
        }
    }
}

#[derive(Clone)]
pub struct SlackApi {
    http: reqwest::Client,
    base: String,
    /// The longest Retry-After we wait in line before giving the 429 to the caller.
    max_wait: Duration,
}

impl std::fmt::Debug for SlackApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackApi")
            .field("base", &self.base)
            .finish()
    }
}

enum Body<'a> {
    Json(&'a Value),
    Form(&'a [(&'a str, &'a str)]),
}

impl SlackApi {
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        SlackApi {
            http,
            base: if base.ends_with('/') {
                base.to_string()
            } else {
                format!("{base}/")
            },
            max_wait: Duration::from_secs(30),
        }
    }

    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// A method that takes JSON (chat.postMessage, views.publish, …).
    pub async fn call_json(
        &self,
        token: &Secret,
        method: &str,
        body: &Value,
    ) -> Result<Value, SlackError> {
        self.call(token, method, Body::Json(body)).await
    }

    /// A method that takes form fields (users.info, conversations.open, …).
    pub async fn call_form(
        &self,
        token: &Secret,
        method: &str,
        fields: &[(&str, &str)],
    ) -> Result<Value, SlackError> {
        self.call(token, method, Body::Form(fields)).await
    }

    async fn call(
        &self,
        token: &Secret,
        method: &str,
        body: Body<'_>,
    ) -> Result<Value, SlackError> {
        let url = format!("{}{method}", self.base);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let req = self
                .http
                .post(&url)
                .bearer_auth(token.expose())
                .timeout(Duration::from_secs(10));
            let req = match &body {
                Body::Json(v) => req.json(v),
                Body::Form(f) => req.form(f),
            };
            let resp = req
                .send()
                .await
                .map_err(|e| SlackError::Transport(e.without_url().to_string()))?;
            let status = resp.status();
            if status.as_u16() == 429 {
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| {
                        crate::messenger::parse_retry_after(v, std::time::SystemTime::now())
                    })
                    .unwrap_or(Duration::from_secs(1));
                if attempt < 4 && retry_after <= self.max_wait {
                    tracing::warn!(method, ?retry_after, "Slack rate limited; waiting as asked");
                    tokio::time::sleep(retry_after).await;
                    continue;
                }
                return Err(SlackError::RateLimited {
                    method: method.to_string(),
                    retry_after,
                });
            }
            if !status.is_success() {
                return Err(SlackError::Http(status.as_u16()));
            }
            return ok_or_error(resp).await;
        }
    }

    /// `oauth.v2.access`: the app's own credentials in the form, no bearer token.
    pub async fn oauth_access(&self, fields: &[(&str, &str)]) -> Result<Value, SlackError> {
        let resp = self
            .http
            .post(format!("{}oauth.v2.access", self.base))
            .timeout(Duration::from_secs(10))
            .form(fields)
            .send()
            .await
            .map_err(|e| SlackError::Transport(e.without_url().to_string()))?;
        if !resp.status().is_success() {
            return Err(SlackError::Http(resp.status().as_u16()));
        }
        ok_or_error(resp).await
    }

    /// Post to a slash command's or action's response_url (no token: the URL is the credential).
    pub async fn respond(&self, response_url: &str, body: &Value) -> Result<(), SlackError> {
        let resp = self
            .http
            .post(response_url)
            .timeout(Duration::from_secs(10))
            .json(body)
            .send()
            .await
            .map_err(|e| SlackError::Transport(e.without_url().to_string()))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(SlackError::Http(resp.status().as_u16()))
        }
    }
}

/// Slack's answer: the body when `ok` is true, else its `error` code.
async fn ok_or_error(resp: reqwest::Response) -> Result<Value, SlackError> {
    let value: Value = resp.json().await.map_err(|_| SlackError::BadResponse)?;
    if value.get("ok").and_then(Value::as_bool) == Some(true) {
        return Ok(value);
    }
    let code = value
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("unknown_error");
    Err(SlackError::Api(code.to_string()))
}

fn pick(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Slack's user directory through users.info.
pub struct SlackDirectory {
    pub api: SlackApi,
    pub token: Option<Secret>,
}

#[async_trait]
impl Directory for SlackDirectory {
    async fn profile(&self, user_id: &str) -> Option<Profile> {
        let token = self.token.as_ref()?;
        match self
            .api
            .call_form(token, "users.info", &[("user", user_id)])
            .await
        {
            Ok(v) => {
                let user = v.get("user")?;
                let profile = user.get("profile");
                let name = pick(profile.and_then(|p| p.get("display_name")))
                    .or_else(|| pick(profile.and_then(|p| p.get("real_name"))))
                    .or_else(|| pick(user.get("real_name")))
                    .or_else(|| pick(user.get("name")))?;
                let tz = pick(user.get("tz")).filter(|z| z.parse::<chrono_tz::Tz>().is_ok());
                Some(Profile {
                    name: name.to_string(),
                    tz: tz.map(str::to_string),
                })
            }
            Err(e) => {
                tracing::warn!(error = %e, "users.info failed; using the name Slack sent");
                None
            }
        }
    }
}
