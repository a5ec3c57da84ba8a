//! Who may call `POST /teams/messages`: the Bot Framework connector, proven by a bearer JWT.
//!
//! The token must be RS256-signed by a key from the Bot Framework's OpenID metadata, issued by
//! `https://api.botframework.com` for this bot's app id, within its lifetime (5 minutes of
//! skew), and — once the activity is read — carry the activity's `serviceUrl` and a key endorsed
//! for its channel. Keys are cached and refreshed daily, and on a key id we have not seen
//! (at most once a second, so forged key ids cannot make us hammer the metadata endpoint).
//! There is no switch to turn any of this off.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;

pub const ISSUER: &str = "https://api.botframework.com";
const SKEW_SECS: i64 = 300;
const REFRESH_EVERY_SECS: i64 = 24 * 3600;
const UNKNOWN_KID_REFRESH_GAP: Duration = Duration::from_secs(1);

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
    last_unknown_refresh: Option<Instant>,
}

pub struct Authenticator {
    http: reqwest::Client,
    metadata_url: String,
    audiences: Vec<String>,
    cache: Mutex<Cache>,
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
            cache: Mutex::new(Cache::default()),
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

    /// The key with this id, fetching the key set when it is stale or does not know the id.
    async fn key(
        &self,
        kid: &str,
        now: DateTime<Utc>,
    ) -> Result<(DecodingKey, Vec<String>), AuthError> {
        let mut cache = self.cache.lock().await;
        let stale = cache
            .fetched_at
            .is_none_or(|t| (now - t).num_seconds() >= REFRESH_EVERY_SECS);
        let unknown = !cache.keys.contains_key(kid);
        let may_refresh_unknown = cache
            .last_unknown_refresh
            .is_none_or(|t| t.elapsed() >= UNKNOWN_KID_REFRESH_GAP);
        if stale || (unknown && may_refresh_unknown) {
            if unknown && !stale {
                cache.last_unknown_refresh = Some(Instant::now());
            }
            match self.fetch().await {
                Ok(keys) => {
                    cache.keys = keys;
                    cache.fetched_at = Some(now);
                }
                // Keep serving from a stale set rather than reject everyone.
                Err(e) if !cache.keys.is_empty() => {
                    tracing::warn!(error = %e, "could not refresh Bot Framework keys; using cached ones");
                }
                Err(e) => return Err(AuthError::Unavailable(e)),
            }
        }
        let key = cache
            .keys
            .get(kid)
            .ok_or_else(|| unauthorized("token signed by an unknown key"))?;
        Ok((key.decoding.clone(), key.endorsements.clone()))
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
