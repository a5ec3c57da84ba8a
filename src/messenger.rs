//! What the scheduler needs from a chat platform: send a direct message (tagged with a job
//! key), find one sent before an unknown outcome, and update one in place. Each platform
//! implements it in its own folder; the scheduler does not know which it talks to.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::message::Message;

/// Whether a person is available, as the platform says now: their Slack status, their Teams
/// presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Away: on vacation, on sick leave or out of office, as `label` says ("🌴 Vacationing",
    /// "Out of office"), until `until` (Unix seconds) when the platform gave an end.
    Away { label: String, until: Option<i64> },
    /// Not away (working, in a meeting, commuting, no status at all).
    Present,
}

impl Availability {
    /// The label and the end of an absence; `None` when present.
    pub fn away(&self) -> Option<(&str, Option<i64>)> {
        match self {
            Availability::Away { label, until } => Some((label, *until)),
            Availability::Present => None,
        }
    }
}

/// Everyone's availability in a workspace, as one read of the platform gave it.
#[derive(Debug, Clone)]
pub struct Roster {
    pub members: Arc<Vec<(String, Availability)>>,
    /// Read by this call: the caller keeps it. `false` when it is shared from a read that
    /// another delivery made (and kept) moments ago, so that one fan-out writes it once.
    pub fresh: bool,
}

/// Where a message landed, to update it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub channel: String,
    pub ts: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again later. `not_sent` is true when the platform surely did not deliver it (it
    /// refused or asked us to wait), so the next attempt need not look for it first.
    #[error("retry ({reason})")]
    Retry {
        after: Option<Duration>,
        not_sent: bool,
        reason: String,
    },
    /// Trying again will not help (the user is gone, the app was removed).
    #[error("permanent ({0})")]
    Permanent(String),
}

#[async_trait]
pub trait Messenger: Send + Sync {
    /// How a command is written in a direct message on this platform, for next-step hints.
    fn direct_prefix(&self) -> &'static str {
        "/pacer "
    }

    /// How a command is written in a channel on this platform.
    fn channel_prefix(&self) -> &'static str {
        "/pacer "
    }

    async fn send_direct(
        &self,
        workspace: &str,
        user_id: &str,
        message: &Message,
        key: &str,
    ) -> Result<Sent, SendError>;
    async fn find_direct(
        &self,
        workspace: &str,
        user_id: &str,
        key: &str,
    ) -> Result<Option<Sent>, SendError>;
    async fn update(
        &self,
        workspace: &str,
        sent: &Sent,
        message: &Message,
    ) -> Result<(), SendError>;
    /// Post to a channel, or into a thread of it, tagged with `key`.
    async fn post(
        &self,
        workspace: &str,
        channel: &str,
        message: &Message,
        key: &str,
        thread: Option<&str>,
    ) -> Result<Sent, SendError>;
    /// A message posted earlier with `key` in a channel (or thread), if there is one.
    async fn find(
        &self,
        workspace: &str,
        channel: &str,
        key: &str,
        thread: Option<&str>,
    ) -> Result<Option<Sent>, SendError>;

    /// Everyone's availability in the workspace at once, where the platform can list it in a
    /// few calls (Slack's users.list): a fan-out then reads statuses once, not once per person.
    /// `Ok(None)` when the platform cannot; [`Messenger::availability`] asks person by person.
    async fn roster_availability(&self, _workspace: &str) -> Result<Option<Roster>, SendError> {
        Ok(None)
    }

    /// Whether the person is away right now by their platform status. `Ok(None)` when this
    /// platform cannot tell (the person is then taken as present).
    async fn availability(
        &self,
        _workspace: &str,
        _user_id: &str,
    ) -> Result<Option<Availability>, SendError> {
        Ok(None)
    }
}

/// The messengers of the configured platforms, by platform name.
#[derive(Clone, Default)]
pub struct Messengers(HashMap<&'static str, Arc<dyn Messenger>>);

impl Messengers {
    pub fn with(mut self, platform: &'static str, m: Arc<dyn Messenger>) -> Self {
        self.0.insert(platform, m);
        self
    }

    pub fn get(&self, platform: &str) -> Option<&Arc<dyn Messenger>> {
        self.0.get(platform)
    }
}

/// The longest `Retry-After` a send waits out in place (holding its job); a longer one hands
/// the job back, to be retried by the tick after it has passed.
pub const MAX_WAIT_IN_PLACE: Duration = Duration::from_secs(10);

/// The longest a platform's `Retry-After` makes a job wait.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// A `Retry-After` header: delay-seconds or an HTTP date (RFC 9110 §10.2.3), as the time to
/// wait from `now`. Unreadable values give `None` (the caller's own backoff applies).
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(clamp_retry_after(Duration::from_secs(secs)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(clamp_retry_after(
        at.duration_since(now).unwrap_or(Duration::ZERO),
    ))
}

/// Between one second (a platform that says "now" is still asking us to slow down) and
/// [`MAX_RETRY_AFTER`].
pub fn clamp_retry_after(d: Duration) -> Duration {
    d.clamp(Duration::from_secs(1), MAX_RETRY_AFTER)
}

#[cfg(test)]
mod retry_after_tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn seconds_dates_and_absurd_values_all_give_a_sane_wait() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after("18446744073709551615", now),
            Some(MAX_RETRY_AFTER)
        );
        let in_90s = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&in_90s, now),
            Some(Duration::from_secs(90))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::from_secs(1)));
        for bad in ["-5", "soon", "", "1e9", "Fri, 99 Foo 2026 25:61:61 GMT"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }
}
