//! Who may call `POST /teams/messages`: the Bot Framework connector, proven by a bearer JWT.
//!
//! The token must be RS256-signed by a key from the Bot Framework's OpenID metadata, issued by
//! `https://api.botframework.com` for this bot's app id, within its lifetime (5 minutes of
//! skew), and — once the activity is read — carry the activity's `serviceUrl` and a key endorsed
//! for its channel. Keys are cached and refreshed daily, and on a key id we have not seen
//! (at most once a second, so forged key ids cannot make us hammer the metadata endpoint).
//! There is no switch to turn any of this off.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;

pub const ISSUER: &str = "https://api.botframework.com";
const SKEW_SECS: i64 = 300;
const REFRESH_EVERY_SECS: i64 = 24 * 3600;
/// A token naming a key we do not know makes pacer fetch the key set again at most this often:
/// forged tokens with made-up key ids cannot make it hammer Microsoft's endpoints.
const UNKNOWN_KID_REFRESH_GAP_SECS: i64 = 300;
/// After a failed fetch, wait this long, doubling, at most [`MAX_BACKOFF_SECS`].
const FIRST_BACKOFF_SECS: i64 = 5;
const MAX_BACKOFF_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Not a valid token for this bot: answered 401.
    #[error("{0}")]
    Unauthorized(String),
    /// A valid token from a key not endorsed for the activity's channel: answered 403.
    #[error("{0}")]
    Forbidden(String),
    /// The keys could not be fetched, so nothing can be verified now: answered 503.
    #[error("{0}")]
    Unavailable(String),
}

fn unauthorized(why: impl Into<String>) -> AuthError {
    AuthError::Unauthorized(why.into())
}

/// What a verified token vouches for; checked against the activity once it is parsed.
#[derive(Debug, Clone)]
pub struct Verified {
    pub service_url: String,
    pub endorsements: Vec<String>,
}

impl Verified {
    /// The token was issued for this very activity: same serviceUrl, key endorsed for its
    /// channel.
    pub fn check_activity(&self, service_url: &str, channel_id: &str) -> Result<(), AuthError> {
        if self.service_url.trim_end_matches('/') != service_url.trim_end_matches('/') {
            return Err(unauthorized(
                "the token's serviceurl is not the activity's serviceUrl",
            ));
        }
        if channel_id != "msteams" || !self.endorsements.iter().any(|e| e == channel_id) {
            return Err(AuthError::Forbidden(format!(
                "the signing key is not endorsed for channel `{channel_id}`"
            )));
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Claims {
    exp: Option<i64>,
    nbf: Option<i64>,
    #[serde(alias = "serviceUrl")]
    serviceurl: Option<String>,
}

#[derive(Deserialize)]
struct Metadata {
    jwks_uri: String,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: Option<String>,
    n: Option<String>,
    e: Option<String>,
    #[serde(default)]
    endorsements: Vec<String>,
}

struct Key {
    decoding: DecodingKey,
    endorsements: Vec<String>,
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, Key>,
    fetched_at: Option<DateTime<Utc>>,
    /// No refresh for an unknown key before this.
    next_unknown_at: Option<DateTime<Utc>>,
    /// After failures: no fetch before this.
    retry_at: Option<DateTime<Utc>>,
    failures: u32,
}

impl Cache {
    /// Whether a fetch is wanted for `kid` at `now`, and whether the key is known.
    fn wants_fetch(&self, kid: &str, now: DateTime<Utc>) -> (bool, bool) {
        let known = self.keys.contains_key(kid);
        if self.retry_at.is_some_and(|t| now < t) {
            return (false, known);
        }
        let stale = self
            .fetched_at
            .is_none_or(|t| (now - t).num_seconds() >= REFRESH_EVERY_SECS);
        let unknown_allowed = !known && self.next_unknown_at.is_none_or(|t| now >= t);
        (stale || unknown_allowed, known)
    }
}

pub struct Authenticator {
    http: reqwest::Client,
    metadata_url: String,
    audiences: Vec<String>,
    /// Held only to read or swap keys, never across a fetch.
    cache: std::sync::RwLock<Cache>,
    /// One fetch at a time; requests with a known key never wait for it.
    refreshing: Mutex<()>,
}

impl Authenticator {
    pub fn new(http: reqwest::Client, metadata_url: &str, app_id: &str) -> Self {
        Authenticator {
            http,
            metadata_url: metadata_url.to_string(),
            // Teams also issues these forms of the bot's id as audience.
            audiences: vec![
                app_id.to_string(),
                format!("api://{app_id}"),
                format!("api://botid-{app_id}"),
            ],
            cache: std::sync::RwLock::new(Cache::default()),
            refreshing: Mutex::new(()),
        }
    }

    /// Verify the `Authorization` header's token (everything but the activity checks).
    pub async fn verify(
        &self,
        authorization: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Verified, AuthError> {
        let header = authorization.ok_or_else(|| unauthorized("no Authorization header"))?;
        let (scheme, token) = header
            .split_once(' ')
            .ok_or_else(|| unauthorized("Authorization is not a bearer token"))?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(unauthorized("Authorization is not a bearer token"));
        }
        let token = token.trim();
        let head = jsonwebtoken::decode_header(token)
            .map_err(|e| unauthorized(format!("malformed token: {e}")))?;
        if head.alg != Algorithm::RS256 {
            return Err(unauthorized(format!(
                "token algorithm {:?} is not RS256",
                head.alg
            )));
        }
        // Bot Framework tokens name their key by `kid`; `x5t` carries the same id.
        let kid = head
            .kid
            .or(head.x5t)
            .ok_or_else(|| unauthorized("token names no signing key"))?;
        let (decoding, endorsements) = self.key(&kid, now).await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&self.audiences);
        // Lifetime is checked below against the injected clock, with the platform's skew.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims = ["iss", "aud"].iter().map(|s| s.to_string()).collect();
        let data = jsonwebtoken::decode::<Claims>(token, &decoding, &validation)
            .map_err(|e| unauthorized(format!("token rejected: {e}")))?;
        let claims = data.claims;
        let now = now.timestamp();
        let exp = claims
            .exp
            .ok_or_else(|| unauthorized("token has no expiry"))?;
        if now > exp + SKEW_SECS {
            return Err(unauthorized("token expired"));
        }
        if claims.nbf.is_some_and(|nbf| now + SKEW_SECS < nbf) {
            return Err(unauthorized("token not valid yet"));
        }
        let service_url = claims
            .serviceurl
            .ok_or_else(|| unauthorized("token has no serviceurl claim"))?;
        Ok(Verified {
            service_url,
            endorsements,
        })
    }

    /// The key with this id, fetching the key set when it is a day old, or (at most every few
    /// minutes, with backoff after failures) when it does not know the id. The fetch happens
    /// outside the cache's lock; a request whose key is known never waits for it.
    async fn key(
        &self,
        kid: &str,
        now: DateTime<Utc>,
    ) -> Result<(DecodingKey, Vec<String>), AuthError> {
        let (wanted, known) = self.read().wants_fetch(kid, now);
        if wanted {
            let guard = if known {
                self.refreshing.try_lock().ok()
            } else {
                Some(self.refreshing.lock().await)
            };
            // Whoever held the lock before us may have just fetched: look again.
            if let Some(_guard) = guard
                && self.read().wants_fetch(kid, now).0
            {
                self.refresh(kid, now).await;
            }
        }
        let cache = self.read();
        match cache.keys.get(kid) {
            Some(key) => Ok((key.decoding.clone(), key.endorsements.clone())),
            None if cache.keys.is_empty() => Err(AuthError::Unavailable(
                "Bot Framework signing keys are unavailable".into(),
            )),
            None => Err(unauthorized("token signed by an unknown key")),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Cache> {
        self.cache.write().unwrap_or_else(|e| e.into_inner())
    }

    async fn refresh(&self, kid: &str, now: DateTime<Utc>) {
        {
            // A look for an unknown key among fresh ones is what the gap limits; the daily
            // refresh (and the first fetch) is not.
            let mut cache = self.write();
            let fresh = cache
                .fetched_at
                .is_some_and(|t| (now - t).num_seconds() < REFRESH_EVERY_SECS);
            if fresh && !cache.keys.contains_key(kid) {
                cache.next_unknown_at =
                    Some(now + chrono::Duration::seconds(UNKNOWN_KID_REFRESH_GAP_SECS));
            }
        }
        let fetched = self.fetch().await;
        let mut cache = self.write();
        match fetched {
            Ok(keys) => {
                cache.keys = keys;
                cache.fetched_at = Some(now);
                cache.failures = 0;
                cache.retry_at = None;
            }
            Err(e) => {
                // Keep serving from the keys we have rather than reject everyone.
                cache.failures = cache.failures.saturating_add(1);
                let wait =
                    (FIRST_BACKOFF_SECS << (cache.failures - 1).min(10)).min(MAX_BACKOFF_SECS);
                cache.retry_at = Some(now + chrono::Duration::seconds(wait));
                tracing::warn!(error = %e, retry_in_secs = wait, "could not fetch Bot Framework keys");
            }
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, Key>, String> {
        let metadata: Metadata = self
            .http
            .get(&self.metadata_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("OpenID metadata: {e}"))?
            .json()
            .await
            .map_err(|e| format!("OpenID metadata: {e}"))?;
        let jwks: Jwks = self
            .http
            .get(&metadata.jwks_uri)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("signing keys: {e}"))?
            .json()
            .await
            .map_err(|e| format!("signing keys: {e}"))?;
        let mut keys = HashMap::new();
        for jwk in jwks.keys {
            let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else {
                continue;
            };
            if jwk.kty.as_deref().is_some_and(|k| k != "RSA") {
                continue;
            }
            match DecodingKey::from_rsa_components(&n, &e) {
                Ok(decoding) => {
                    keys.insert(
                        kid,
                        Key {
                            decoding,
                            endorsements: jwk.endorsements,
                        },
                    );
                }
                Err(err) => tracing::warn!(%kid, error = %err, "skipping an unusable signing key"),
            }
        }
        tracing::info!(keys = keys.len(), "Bot Framework signing keys loaded");
        Ok(keys)
    }
}
