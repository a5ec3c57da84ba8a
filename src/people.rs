//! People as the platforms know them: a directory to ask for names and time zones, and the
//! cache of what it said in the `people` table.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::store::{PersonRow, Store, StoreError};

/// A person's profile as the chat platform reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub tz: Option<String>,
}

/// The platform's user directory (Slack's users.info, Teams' roster, the sandbox's seed).
#[async_trait]
pub trait Directory: Send + Sync {
    async fn profile(&self, user_id: &str) -> Option<Profile>;

    /// Whether pacer may post in `channel_id`, a channel named in a command (not the one the
    /// command came from). Platforms that post only where they hold a conversation reference
    /// (Teams) refuse channels they do not know in this tenant.
    async fn can_post_in(&self, _channel_id: &str) -> bool {
        true
    }
}

/// A directory that knows nobody: names come from what the platform sent along.
pub struct NoDirectory;

#[async_trait]
impl Directory for NoDirectory {
    async fn profile(&self, _user_id: &str) -> Option<Profile> {
        None
    }
}

/// How long a fetched profile is trusted before asking the platform again.
const PROFILE_TTL_SECS: i64 = 24 * 3600;

/// The person behind a platform user id, recorded on first sight with what the directory says
/// (cached for a day); `fallback_name` is used when the directory cannot tell.
pub async fn ensure_person(
    store: &Store,
    directory: &dyn Directory,
    ws: i64,
    user_id: &str,
    fallback_name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<PersonRow, StoreError> {
    let now = now.timestamp();
    let known = store.person_by_user_id(ws, user_id).await?;
    if let Some(p) = &known
        && p.profile_fetched_at
            .is_some_and(|t| now - t < PROFILE_TTL_SECS)
    {
        return Ok(p.clone());
    }
    match directory.profile(user_id).await {
        Some(profile) => {
            store
                .upsert_person(
                    ws,
                    user_id,
                    &profile.name,
                    Some((&profile.name, profile.tz.as_deref())),
                    now,
                )
                .await
        }
        None => match known {
            Some(p) => Ok(p),
            None => {
                store
                    .upsert_person(ws, user_id, fallback_name.unwrap_or(user_id), None, now)
                    .await
            }
        },
    }
}
