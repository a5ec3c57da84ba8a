//! The app's client-credentials grant (Microsoft identity platform), shared by the Bot
//! Connector (scope `https://api.botframework.com/.default`) and Microsoft Graph (scope
//! `https://graph.microsoft.com/.default`, one token per tenant). Each caller keeps its own
//! tokens and decides what a failure means to it.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde::Deserialize;

use crate::secret::Secret;

/// Refresh a token this long before the authority says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);
/// A token endpoint that has not answered by then is taken as unreachable.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A token, and until when to use it.
pub type Token = (Secret, Instant);

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token endpoint unreachable: {0}")]
    Unreachable(String),
    /// The endpoint answered with an error status (and perhaps a Retry-After).
    #[error("token endpoint answered {status}")]
    Refused {
        status: StatusCode,
        retry_after: Option<Duration>,
    },
    #[error("token endpoint sent no access_token")]
    Malformed,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

/// The app's credentials, asked for a token of `scope` at `url`.
pub async fn client_credentials(
    http: &reqwest::Client,
    url: &str,
    (app_id, password): (&str, &Secret),
    scope: &str,
) -> Result<Token, TokenError> {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", app_id),
        ("client_secret", password.expose()),
        ("scope", scope),
    ];
    let response = http
        .post(url)
        .form(&form)
        .timeout(TIMEOUT)
        .send()
        .await
        .map_err(|e| TokenError::Unreachable(e.without_url().to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(TokenError::Refused {
            status,
            retry_after: super::api::retry_after(&response),
        });
    }
    let body: TokenResponse = response.json().await.map_err(|_| TokenError::Malformed)?;
    let lifetime = Duration::from_secs(body.expires_in.unwrap_or(3600));
    Ok((
        Secret::new(body.access_token),
        Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN),
    ))
}
