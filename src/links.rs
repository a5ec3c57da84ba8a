//! Signed links into pacer's own web pages (the leaders' dashboard): signed with a key derived
//! for the purpose, valid for a day. Commands hand them out; the page checks them. Neither needs
//! the other's module.

use chrono::{DateTime, Utc};

use crate::keyring::{KeyError, Keyring};

/// How long a dashboard link works.
pub const DASHBOARD_TTL_SECS: i64 = 24 * 3600;
const DASHBOARD: &str = "dashboard";

/// Signs links with the deployment's key and public URL.
#[derive(Clone, Copy)]
pub struct Links<'a> {
    pub keyring: &'a Keyring,
    pub public_url: &'a str,
}

impl Links<'_> {
    /// A link to workspace `ws`'s dashboard, valid for [`DASHBOARD_TTL_SECS`] from `now`.
    pub async fn dashboard(&self, ws: i64, now: DateTime<Utc>) -> Result<String, KeyError> {
        let expires = now.timestamp() + DASHBOARD_TTL_SECS;
        let sig = self
            .keyring
            .sign(DASHBOARD, &format!("{ws}.{expires}"))
            .await?;
        Ok(format!(
            "{}/dashboard?ws={ws}&exp={expires}&sig={sig}",
            self.public_url.trim_end_matches('/')
        ))
    }
}

/// Whether `sig` is this pacer's signature of a dashboard link for `ws` until `exp` (the raw
/// query values; expiry is the caller's to check).
pub async fn dashboard_signed(
    keyring: &Keyring,
    ws: &str,
    exp: &str,
    sig: &str,
) -> Result<bool, KeyError> {
    keyring.verify(DASHBOARD, &format!("{ws}.{exp}"), sig).await
}
