//! Sending one queued event to its hook: check the hook is still there, resolve and check its
//! host again (the name may point elsewhere since it was added), pin the connection to the
//! checked addresses so a second lookup cannot swap them (DNS rebinding), sign, and post once
//! with no redirects followed. What the receiver answered decides what becomes of the job.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::SharedClock;
use crate::keyring::Keyring;
use crate::store::{Store, StoreError, WebhookRow};

use super::target::{self, Refusal};

/// How long a receiver has to answer, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What delivering a queued event came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The receiver answered 2xx.
    Delivered(u16),
    /// Nothing to send: the hook was removed (its pending events are dropped).
    Dropped,
    /// The receiver answered 410 Gone: the hook is removed.
    Gone,
    /// Worth another try later: 429, 5xx, 408, a timeout, no connection, no DNS answer.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// Trying again will not help: another 4xx, a redirect, a refused address.
    Failed(String),
}

/// One queued event: which hook, and the id, type and exact body to send.
pub struct Queued<'a> {
    pub ws: i64,
    pub hook_id: i64,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub body: &'a str,
}

/// Delivers webhook events: the keyring that opens hook secrets, the operator's address rule,
/// and the clock the signature's timestamp is read from.
pub struct Sender {
    keyring: Arc<Keyring>,
    allow_private: bool,
    clock: SharedClock,
}

impl Sender {
    pub fn new(keyring: Arc<Keyring>, allow_private: bool, clock: SharedClock) -> Self {
        Sender {
            keyring,
            allow_private,
            clock,
        }
    }

    /// Send one queued event, and note the outcome on its hook for `webhook list`.
    pub async fn deliver(&self, store: &Store, q: &Queued<'_>) -> Result<Delivery, StoreError> {
        let Some(hook) = store.webhook(q.ws, q.hook_id).await? else {
            return Ok(Delivery::Dropped);
        };
        if hook.removed_at.is_some() {
            return Ok(Delivery::Dropped);
        }
        let now = self.clock.now().timestamp();
        let outcome = self.post(&hook, q, now).await;
        store
            .note_webhook_attempt(q.ws, hook.id, &summary(&outcome), now)
            .await?;
        if outcome == Delivery::Gone {
            store
                .remove_webhook(q.ws, &crate::store::HookRef::Id(hook.id), now)
                .await?;
            tracing::warn!(
                hook = hook.id,
                "the receiver answered 410 Gone; hook removed"
            );
        }
        Ok(outcome)
    }

    async fn post(&self, hook: &WebhookRow, q: &Queued<'_>, now: i64) -> Delivery {
        let target = match target::check_url(&hook.url, self.allow_private) {
            Ok(t) => t,
            Err(e) => return Delivery::Failed(e.to_string()),
        };
        let addrs = match target::resolve(&target, self.allow_private).await {
            Ok(a) => a,
            Err(Refusal::Unresolved(host)) => {
                return Delivery::Retry {
                    after: None,
                    reason: format!("{host} could not be resolved"),
                };
            }
            Err(e) => return Delivery::Failed(e.to_string()),
        };
        let secret = match self.keyring.decrypt(&hook.secret_sealed).await {
            Ok(s) => s,
            Err(e) => return Delivery::Failed(format!("the hook's secret: {e}")),
        };
        let pinned: Vec<SocketAddr> = addrs
            .iter()
            .map(|ip| SocketAddr::new(*ip, target.port))
            .collect();
        let client = match client(&target.host, &pinned) {
            Ok(c) => c,
            Err(e) => return Delivery::Failed(format!("no HTTP client: {e}")),
        };
        let request = client
            .post(target.url.clone())
            .header("Content-Type", "application/json")
            .header("X-Pacer-Request-Timestamp", now.to_string())
            .header(
                "X-Pacer-Signature",
                super::signature(secret.expose(), now, q.body),
            )
            .header("X-Pacer-Event-Id", q.event_id)
            .header("X-Pacer-Event-Type", q.event_type)
            .body(q.body.to_string());
        match request.send().await {
            Ok(resp) => judge(resp.status().as_u16(), resp.headers()),
            Err(e) => Delivery::Retry {
                after: None,
                reason: if e.is_timeout() {
                    "the receiver did not answer in time".into()
                } else {
                    "could not connect to the receiver".into()
                },
            },
        }
    }
}

/// A client for one delivery: connections go only to `pinned` (the checked addresses of
/// `host`), redirects are not followed, no proxy sits in between, and it gives up after
/// [`TIMEOUT`].
fn client(host: &str, pinned: &[SocketAddr]) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .user_agent(concat!("pacer/", env!("CARGO_PKG_VERSION")))
        .resolve_to_addrs(host, pinned)
        .build()
}

/// What the receiver's answer means for the event.
fn judge(status: u16, headers: &reqwest::header::HeaderMap) -> Delivery {
    match status {
        200..=299 => Delivery::Delivered(status),
        410 => Delivery::Gone,
        429 => Delivery::Retry {
            after: headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| crate::messenger::parse_retry_after(v, std::time::SystemTime::now())),
            reason: "the receiver answered 429 Too Many Requests".into(),
        },
        408 | 500..=599 => Delivery::Retry {
            after: None,
            reason: format!("the receiver answered {status}"),
        },
        300..=399 => Delivery::Failed(format!(
            "the receiver answered {status} (a redirect, which is not followed); register the final URL"
        )),
        _ => Delivery::Failed(format!("the receiver answered {status}")),
    }
}

/// A line for `webhook list` about the latest attempt.
fn summary(d: &Delivery) -> String {
    match d {
        Delivery::Delivered(status) => format!("delivered ({status})"),
        Delivery::Dropped => "dropped".into(),
        Delivery::Gone => "410 Gone: removed".into(),
        Delivery::Retry { reason, .. } => format!("will retry: {reason}"),
        Delivery::Failed(reason) => format!("failed: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    #[test]
    fn answers_decide_between_done_retry_and_failed() {
        let none = HeaderMap::new();
        assert_eq!(judge(200, &none), Delivery::Delivered(200));
        assert_eq!(judge(204, &none), Delivery::Delivered(204));
        assert_eq!(judge(410, &none), Delivery::Gone);
        for status in [500, 502, 503, 408] {
            assert!(
                matches!(judge(status, &none), Delivery::Retry { after: None, .. }),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 301, 302] {
            assert!(
                matches!(judge(status, &none), Delivery::Failed(_)),
                "{status}"
            );
        }
        let mut wait = HeaderMap::new();
        wait.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(
            judge(429, &wait),
            Delivery::Retry {
                after: Some(Duration::from_secs(120)),
                reason: "the receiver answered 429 Too Many Requests".into()
            }
        );
    }
}
