//! Microsoft Graph, for one thing: whether a person is out of office, from their presence
//! (`GET /users/{aad id}/presence`, application permission `Presence.Read.All`, granted by the
//! tenant's admin). Tokens are the app's client credentials for the person's tenant, cached
//! until shortly before they expire. A tenant that has not granted the permission (401/403) is
//! not asked again for an hour; anything Graph cannot answer leaves the person present.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;

use crate::config::TeamsConfig;
use crate::messenger::Availability;
use crate::secret::Secret;

/// How long a tenant that refused (no permission granted) is left alone.
const REFUSED_FOR: Duration = Duration::from_secs(3600);

pub struct Graph {
    http: reqwest::Client,
    app_id: String,
    password: Secret,
    /// The token endpoint, with `{tenant}` where the tenant id goes.
    token_url: String,
    /// Graph's base, like `https://graph.microsoft.com/v1.0`.
    base: String,
    tokens: Mutex<HashMap<String, (Secret, Instant)>>,
    refused: Mutex<HashMap<String, Instant>>,
}

impl Graph {
    pub fn new(config: &TeamsConfig, http: reqwest::Client) -> Self {
        Graph {
            http,
            app_id: config.app_id.clone(),
            password: config.app_password.clone(),
            token_url: config.graph_token_url.clone(),
            base: config.graph_url.trim_end_matches('/').to_string(),
            tokens: Mutex::new(HashMap::new()),
            refused: Mutex::new(HashMap::new()),
        }
    }

    /// The person's availability by their presence; `None` when Graph cannot say.
    pub async fn availability(&self, tenant: &str, aad_object_id: &str) -> Option<Availability> {
        if !safe_segment(tenant) || !safe_segment(aad_object_id) {
            return None;
        }
        if self
            .refused
            .lock()
            .await
            .get(tenant)
            .is_some_and(|until| Instant::now() < *until)
        {
            return None;
        }
        let token = self.token(tenant).await?;
        let url = format!("{}/users/{aad_object_id}/presence", self.base);
        let response = self
            .http
            .get(&url)
            .bearer_auth(token.expose())
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| tracing::warn!(error = %e.without_url(), "Graph presence unreachable"))
            .ok()?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            tracing::warn!(
                %status,
                "Graph refused to read presence: grant the app Presence.Read.All to skip people out of office"
            );
            self.refused
                .lock()
                .await
                .insert(tenant.to_string(), Instant::now() + REFUSED_FOR);
            if status == reqwest::StatusCode::UNAUTHORIZED {
                self.tokens.lock().await.remove(tenant);
            }
            return None;
        }
        if !status.is_success() {
            tracing::info!(%status, "Graph could not say a person's presence");
            return None;
        }
        let body: Value = response.json().await.ok()?;
        Some(presence(&body))
    }

    async fn token(&self, tenant: &str) -> Option<Secret> {
        let mut tokens = self.tokens.lock().await;
        if let Some((token, until)) = tokens.get(tenant)
            && Instant::now() < *until
        {
            return Some(token.clone());
        }
        let url = self.token_url.replace("{tenant}", tenant);
        let credentials = (self.app_id.as_str(), &self.password);
        let scope = "https://graph.microsoft.com/.default";
        let (token, until) =
            match super::token::client_credentials(&self.http, &url, credentials, scope).await {
                Ok(token) => token,
                Err(e) => {
                    tracing::warn!(error = %e, "no Graph token for the tenant");
                    return None;
                }
            };
        tokens.insert(tenant.to_string(), (token.clone(), until));
        Some(token)
    }
}

/// A presence resource read as away or present: out of office when its activity is
/// `OutOfOffice` or its `outOfOfficeSettings.isOutOfOffice` is true.
pub fn presence(body: &Value) -> Availability {
    let activity = body.get("activity").and_then(Value::as_str).unwrap_or("");
    let settings = body.get("outOfOfficeSettings");
    let flagged = settings
        .and_then(|s| s.get("isOutOfOffice"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !(flagged || activity.eq_ignore_ascii_case("OutOfOffice")) {
        return Availability::Present;
    }
    let message = settings
        .and_then(|s| s.get("message"))
        .and_then(Value::as_str)
        .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|m| !m.is_empty());
    let label = match message {
        Some(m) => format!("Out of office: {}", m.chars().take(80).collect::<String>()),
        None => "Out of office".to_string(),
    };
    Availability::Away { label, until: None }
}

/// An id that can stand as one path segment (tenant and AAD object ids are GUIDs).
fn safe_segment(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn out_of_office_by_activity_or_by_its_settings() {
        assert_eq!(
            presence(&json!({"availability": "Offline", "activity": "OutOfOffice"})),
            Availability::Away {
                label: "Out of office".into(),
                until: None
            }
        );
        assert_eq!(
            presence(
                &json!({"availability": "Available", "activity": "Available",
                "outOfOfficeSettings": {"isOutOfOffice": true, "message": "On leave\n until 4 Jan"}})
            ),
            Availability::Away {
                label: "Out of office: On leave until 4 Jan".into(),
                until: None
            }
        );
        for body in [
            json!({"availability": "Away", "activity": "Away"}),
            json!({"availability": "Busy", "activity": "InAMeeting",
                "outOfOfficeSettings": {"isOutOfOffice": false, "message": null}}),
            json!({}),
        ] {
            assert_eq!(presence(&body), Availability::Present, "{body}");
        }
    }

    #[test]
    fn only_plain_ids_go_into_the_path() {
        assert!(safe_segment("6b1f0c7e-3a52-4d6f-9a0e-2c8d4b7e91a3"));
        for bad in ["", "../me", "a/b", "x?y", "a b", &"a".repeat(65)] {
            assert!(!safe_segment(bad), "{bad}");
        }
    }
}
