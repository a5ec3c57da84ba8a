//! A small Slack Web API client: base URL from config (tests point it at a fake), bearer
//! token, `ok:false` as typed errors, timeouts, and 429 honoured with Retry-After.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use crate::people::{Directory, Profile};
use crate::secret::Secret;

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
    #[error("refused to post to a response_url that is not Slack's")]
    ForeignResponseUrl,
}

impl SlackError {
    pub fn code(&self) -> &str {
        match self {
            SlackError::Api(c) => c,
            SlackError::RateLimited { .. } => "ratelimited",
            SlackError::Http(_) => "http_error",
            SlackError::Transport(_) => "transport",
            SlackError::BadResponse => "bad_response",
            SlackError::ForeignResponseUrl => "foreign_response_url",
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
        if !self.is_slack_hook(response_url) {
            tracing::warn!("a request named a response_url outside Slack's hooks; not posted");
            return Err(SlackError::ForeignResponseUrl);
        }
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

impl SlackApi {
    /// Whether `url` is Slack's: `https://hooks.slack.com/…`, or the configured API's own origin
    /// (tests point `SLACK_API_BASE_URL` at a fake). Anything else in a request's
    /// `response_url` would make pacer post wherever a request says.
    pub fn is_slack_hook(&self, url: &str) -> bool {
        let Ok(u) = url::Url::parse(url) else {
            return false;
        };
        if u.scheme() == "https"
            && u.host_str() == Some("hooks.slack.com")
            && u.port().is_none()
            && u.username().is_empty()
        {
            return true;
        }
        url::Url::parse(&self.base).is_ok_and(|base| {
            base.origin() == u.origin() && u.username().is_empty() && u.password().is_none()
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slacks_hooks_and_the_configured_api_are_response_urls() {
        let real = SlackApi::new(reqwest::Client::new(), "https://slack.com/api/");
        assert!(real.is_slack_hook("https://hooks.slack.com/commands/T1/2/abc"));
        assert!(real.is_slack_hook("https://hooks.slack.com/actions/T1/2/abc"));
        for bad in [
            "http://hooks.slack.com/commands/T1/2/abc",
            "https://hooks.slack.com.evil.example/x",
            "https://evil.example/?hooks.slack.com",
            "https://hooks.slack.com:8443/x",
            "https://user@hooks.slack.com/x",
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:9/response",
            "not a url",
        ] {
            assert!(!real.is_slack_hook(bad), "{bad}");
        }
        let fake = SlackApi::new(reqwest::Client::new(), "http://127.0.0.1:4100/api/");
        assert!(fake.is_slack_hook("http://127.0.0.1:4100/response/1"));
        assert!(!fake.is_slack_hook("http://127.0.0.1:4101/response/1"));
    }
}
