//! The Bot Framework connector, outbound: a client-credentials token cached until shortly before
//! it expires, activities sent, replied to and updated, 1:1 conversations created, and the
//! connector's errors sorted into "wait and retry" and "stop trying".

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::token::TokenError;
use crate::config::TeamsConfig;
use crate::http::metrics;
use crate::pace::{PaceError, Pacer, Rate};
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Throttled or briefly unavailable (412, 429, 502, 503, 504, or no answer): try later.
    /// `not_sent` when the connector surely did not act on it.
    #[error("retry later: {reason}")]
    Retry {
        after: Option<Duration>,
        not_sent: bool,
        reason: String,
    },
    /// The conversation is gone or the bot was blocked (403, 404): the reference is stale.
    #[error("conversation unusable: {0}")]
    Gone(String),
    /// Anything else that will not get better by retrying.
    #[error("{0}")]
    Failed(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceResponse {
    #[serde(default)]
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationResource {
    pub id: String,
    pub activity_id: Option<String>,
    pub service_url: Option<String>,
}

pub struct TeamsApi {
    http: reqwest::Client,
    app_id: String,
    password: Secret,
    token_url: String,
    allow: Vec<String>,
    token: Mutex<Option<(Secret, Instant)>>,
    pacer: Pacer,
}

/// The connector's limits per bot and conversation ("thread"): 7 sends in 1 s, 8 in 2 s, 60 in
/// 30 s, 1,800 in an hour; each kept one under.
const PER_CONVERSATION: &[(i64, usize)] =
    &[(1_000, 6), (2_000, 7), (30_000, 59), (3_600_000, 1_799)];
/// About 50 requests a second per app and tenant, shared by every replica.
const PER_APP: Rate = Rate::per(48, 8, 1_000);
/// How many times one call waits out a 429's Retry-After before the job is handed back.
const THROTTLED_WAITS: usize = 3;

impl TeamsApi {
    pub fn new(config: &TeamsConfig, http: reqwest::Client, pacer: Pacer) -> Self {
        TeamsApi {
            pacer,
            http,
            app_id: config.app_id.clone(),
            password: config.app_password.clone(),
            token_url: config.token_url.clone(),
            allow: config.service_url_allow.clone(),
            token: Mutex::new(None),
        }
    }

    pub fn bot_id(&self) -> String {
        format!("28:{}", self.app_id)
    }

    /// Whether pacer may send to this serviceUrl (its host is in `TEAMS_SERVICE_URL_ALLOW`).
    pub fn allowed(&self, service_url: &str) -> bool {
        host_allowed(&self.allow, service_url)
    }

    async fn token(&self, fresh: bool) -> Result<Secret, ApiError> {
        let mut cached = self.token.lock().await;
        if !fresh
            && let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let credentials = (self.app_id.as_str(), &self.password);
        let scope = "https://api.botframework.com/.default";
        let (token, until) =
            match super::token::client_credentials(&self.http, &self.token_url, credentials, scope)
                .await
            {
                Ok(token) => token,
                Err(e @ TokenError::Unreachable(_)) => {
                    return Err(ApiError::Retry {
                        after: None,
                        not_sent: true,
                        reason: e.to_string(),
                    });
                }
                Err(
                    e @ TokenError::Refused {
                        status,
                        retry_after,
                    },
                ) => {
                    metrics::api_error("teams", &format!("token_{}", status.as_u16()));
                    let reason = e.to_string();
                    return Err(
                        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                            ApiError::Retry {
                                after: retry_after,
                                not_sent: true,
                                reason,
                            }
                        } else {
                            ApiError::Failed(reason)
                        },
                    );
                }
                Err(e @ TokenError::Malformed) => return Err(ApiError::Failed(e.to_string())),
            };
        *cached = Some((token.clone(), until));
        Ok(token)
    }

    /// Call the connector at `service_url` at the connector's pace (for the app, and in
    /// `conversation`), waiting out a 429's Retry-After a few times as asked.
    async fn call(
        &self,
        method: reqwest::Method,
        service_url: &str,
        conversation: Option<&str>,
        path: &str,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let scope = format!("{}:{}", super::PLATFORM, self.app_id);
        let key = conversation.map(|c| format!("{scope}:{c}"));
        let mut waits = 0;
        loop {
            self.pacer
                .shared(&scope, "send", PER_APP)
                .await
                .map_err(pace_error)?;
            let logged = match &key {
                Some(key) => Some(
                    self.pacer
                        .windows(key, PER_CONVERSATION)
                        .await
                        .map_err(pace_error)?,
                ),
                None => None,
            };
            let answered = self
                .call_once(method.clone(), service_url, path, body)
                .await;
            if let (Some(key), Some(at)) = (&key, logged) {
                self.pacer.sent(key, at);
            }
            match answered {
                Err(ApiError::Retry {
                    after: Some(after),
                    reason,
                    ..
                }) if reason.starts_with("429")
                    && waits < THROTTLED_WAITS
                    && after <= crate::messenger::MAX_WAIT_IN_PLACE =>
                {
                    waits += 1;
                    tracing::info!(?after, "Teams throttled; waiting as asked");
                    match &key {
                        Some(key) => self.pacer.hold_windows(key, PER_CONVERSATION, after),
                        None => self
                            .pacer
                            .hold_shared(&scope, "send", PER_APP, after)
                            .await
                            .map_err(pace_error)?,
                    }
                }
                other => return other,
            }
        }
    }

    /// One call, with one fresh-token retry on 401.
    async fn call_once(
        &self,
        method: reqwest::Method,
        service_url: &str,
        path: &str,
        body: &Value,
    ) -> Result<Value, ApiError> {
        if !self.allowed(service_url) {
            metrics::api_error("teams", "service_url_refused");
            return Err(ApiError::Failed(format!(
                "serviceUrl host is not in TEAMS_SERVICE_URL_ALLOW: {}",
                host_of(service_url).unwrap_or_default()
            )));
        }
        let url = format!("{}/{}", service_url.trim_end_matches('/'), path);
        let mut fresh = false;
        loop {
            let token = self.token(fresh).await?;
            let response = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token.expose())
                .json(body)
                .send()
                .await
                .map_err(|e| ApiError::Retry {
                    after: None,
                    not_sent: e.is_connect(),
                    reason: format!("connector unreachable: {}", e.without_url()),
                })?;
            let status = response.status();
            if status.is_success() {
                return Ok(response.json().await.unwrap_or(Value::Null));
            }
            if status == StatusCode::UNAUTHORIZED && !fresh {
                fresh = true;
                continue;
            }
            let after = retry_after(&response);
            let text = response.text().await.unwrap_or_default();
            let code = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    v.pointer("/error/code")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| status.as_u16().to_string());
            metrics::api_error("teams", &code);
            let reason = format!("{status} {code}");
            return Err(match status.as_u16() {
                412 | 429 | 502 | 503 | 504 => ApiError::Retry {
                    after,
                    not_sent: matches!(status.as_u16(), 412 | 429),
                    reason,
                },
                403 | 404 => ApiError::Gone(reason),
                500 => ApiError::Retry {
                    after,
                    not_sent: false,
                    reason,
                },
                _ => ApiError::Failed(reason),
            });
        }
    }

    /// Post an activity into a conversation; returns the new activity's id.
    pub async fn send(
        &self,
        service_url: &str,
        conversation_id: &str,
        activity: &Value,
    ) -> Result<String, ApiError> {
        self.post_activity(service_url, conversation_id, None, activity)
            .await
    }

    /// Reply to an activity (in a channel: into its thread).
    pub async fn reply(
        &self,
        service_url: &str,
        conversation_id: &str,
        activity_id: &str,
        activity: &Value,
    ) -> Result<String, ApiError> {
        self.post_activity(service_url, conversation_id, Some(activity_id), activity)
            .await
    }

    /// POST an activity to a conversation, or as a reply to one of its activities.
    async fn post_activity(
        &self,
        service_url: &str,
        conversation_id: &str,
        reply_to: Option<&str>,
        activity: &Value,
    ) -> Result<String, ApiError> {
        let mut path = format!("v3/conversations/{}/activities", encode(conversation_id));
        if let Some(id) = reply_to {
            path = format!("{path}/{}", encode(id));
        }
        let r = self
            .call(
                reqwest::Method::POST,
                service_url,
                Some(conversation_id),
                &path,
                activity,
            )
            .await?;
        Ok(id_of(&r))
    }

    /// Replace a sent activity (a card updated in place).
    pub async fn update(
        &self,
        service_url: &str,
        conversation_id: &str,
        activity_id: &str,
        activity: &Value,
    ) -> Result<(), ApiError> {
        let path = format!(
            "v3/conversations/{}/activities/{}",
            encode(conversation_id),
            encode(activity_id)
        );
        self.call(
            reqwest::Method::PUT,
            service_url,
            Some(conversation_id),
            &path,
            activity,
        )
        .await?;
        Ok(())
    }

    /// Open (or find) the 1:1 conversation between the bot and a user.
    pub async fn create_personal(
        &self,
        service_url: &str,
        tenant: &str,
        user_id: &str,
    ) -> Result<ConversationResource, ApiError> {
        let body = json!({
            "bot": {"id": self.bot_id()},
            "members": [{"id": user_id}],
            "isGroup": false,
            "tenantId": tenant,
            "channelData": {"tenant": {"id": tenant}},
        });
        let r = self
            .call(
                reqwest::Method::POST,
                service_url,
                None,
                "v3/conversations",
                &body,
            )
            .await?;
        serde_json::from_value(r)
            .map_err(|_| ApiError::Failed("createConversation answered without an id".into()))
    }
}

fn pace_error(e: PaceError) -> ApiError {
    ApiError::Retry {
        after: match e {
            PaceError::Busy(wait) => Some(wait),
            PaceError::Store(_) => None,
        },
        not_sent: true,
        reason: e.to_string(),
    }
}

fn id_of(v: &Value) -> String {
    v.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Conversation ids carry `:`, `;`, `@` and `=`; keep them in one path segment.
fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub(super) fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| crate::messenger::parse_retry_after(v, std::time::SystemTime::now()))
}

pub fn host_of(service_url: &str) -> Option<String> {
    url::Url::parse(service_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
}

/// `host` exactly, or `*.example.com` for its subdomains.
pub fn host_allowed(allow: &[String], service_url: &str) -> bool {
    let Some(url) = url::Url::parse(service_url).ok() else {
        return false;
    };
    if !matches!(url.scheme(), "https" | "http") {
        return false;
    }
    let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
        return false;
    };
    allow.iter().any(|a| match a.strip_prefix("*.") {
        Some(suffix) => host.ends_with(&format!(".{suffix}")),
        None => *a == host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_hosts_are_allowed() {
        let allow: Vec<String> = ["smba.trafficmanager.net", "*.botframework.com", "127.0.0.1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(host_allowed(
            &allow,
            "https://smba.trafficmanager.net/amer/"
        ));
        assert!(host_allowed(&allow, "https://x.botframework.com/"));
        assert!(host_allowed(&allow, "http://127.0.0.1:4567/"));
        assert!(!host_allowed(&allow, "https://botframework.com.evil.io/"));
        assert!(!host_allowed(
            &allow,
            "https://evil.io/smba.trafficmanager.net"
        ));
        assert!(!host_allowed(&allow, "file:///etc/passwd"));
        assert!(!host_allowed(&allow, "not a url"));
    }

    #[test]
    fn conversation_ids_stay_one_segment() {
        assert_eq!(
            encode("19:abc@thread.skype;messageid=157"),
            "19%3Aabc%40thread.skype%3Bmessageid%3D157"
        );
    }
}
