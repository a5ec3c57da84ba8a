//! Slack OAuth v2, to install pacer in many workspaces: `GET /slack/install` sends the browser
//! to Slack's consent page with a signed, expiring `state` bound to a cookie;
//! `GET /slack/oauth/callback` checks that state, exchanges the code with `oauth.v2.access`,
//! keeps the bot token encrypted, and makes the installer the workspace's first admin.

use std::sync::LazyLock;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::Value;

use axum::Extension;
use std::sync::Arc;

use super::{PLATFORM, SlackPlatform, valid_id, workspace_key};
use crate::error::AppError;
use crate::startup::AppState;
use crate::store::SlackInstallation;

const COOKIE: &str = "pacer_slack_oauth";
const STATE_PURPOSE: &str = "slack-oauth-state";
const STATE_TTL_SECS: i64 = 600;

/// The bot scopes pacer asks for: the ones in its app manifest.
static SCOPES: LazyLock<String> = LazyLock::new(|| {
    let manifest: Value = serde_json::from_str(include_str!("../../manifests/slack/manifest.json"))
        .unwrap_or_default();
    manifest
        .pointer("/oauth_config/scopes/bot")
        .and_then(Value::as_array)
        .map(|scopes| {
            scopes
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
});

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}\
h1{color:#1f3a5f}code{background:#eef2f7;padding:.1rem .3rem;border-radius:4px}";

/// A page for the person installing pacer, saying how it went.
fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    let html = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) " · pacer" }
                meta name="viewport" content="width=device-width, initial-scale=1";
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (title) }
                (body)
            }
        }
    };
    (status, html).into_response()
}

/// Installing from here needs the app's OAuth credentials; `what` says which to set.
fn not_set_up(what: Markup) -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Installing from here is not set up",
        html! { p { (what) } },
    )
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}/slack/oauth/callback", state.config.public_url)
}

/// Slack's consent page lives beside its Web API (`…/api/` → `…/oauth/v2/authorize`).
fn authorize_url(api_base: &str) -> String {
    let base = api_base.trim_end_matches('/');
    let root = base.strip_suffix("/api").unwrap_or(base);
    format!("{root}/oauth/v2/authorize")
}

pub async fn install(
    State(state): State<AppState>,
    Extension(slack): Extension<Arc<SlackPlatform>>,
) -> Result<Response, AppError> {
    let Some(client_id) = slack.config.client_id.as_deref() else {
        return Ok(not_set_up(html! {
            "This pacer runs for one workspace. To let other workspaces install it, set "
            code { "SLACK_CLIENT_ID" } " and " code { "SLACK_CLIENT_SECRET" }
            " (from your Slack app's " em { "Basic Information" } ")."
        }));
    };
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let expires = state.clock.now().timestamp() + STATE_TTL_SECS;
    let signed = format!("{nonce}.{expires}");
    let signature = state
        .keyring
        .sign(STATE_PURPOSE, &signed)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let oauth_state = format!("{signed}.{signature}");
    let mut url = url::Url::parse(&authorize_url(&slack.config.api_base_url))
        .map_err(|e| AppError::Internal(e.into()))?;
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("scope", &SCOPES)
        .append_pair("user_scope", "")
        .append_pair("redirect_uri", &redirect_uri(&state))
        .append_pair("state", &oauth_state);
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={nonce}; Max-Age={STATE_TTL_SECS}; Path=/slack/oauth; HttpOnly; SameSite=Lax{secure}"
    );
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, url.to_string()),
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn cookie_nonce(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The state is ours, unexpired, not used before, and — when the browser sends our cookie —
/// started in this browser. (A browser that sends no cookie at all is still held to the
/// signature, the expiry and single use.)
async fn state_is_valid(
    state: &AppState,
    headers: &HeaderMap,
    given: &str,
) -> Result<bool, AppError> {
    let mut parts = given.splitn(3, '.');
    let (Some(nonce), Some(expires), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(false);
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return Ok(false);
    };
    let signed = format!("{nonce}.{expires}");
    let ours = state
        .keyring
        .verify(STATE_PURPOSE, &signed, signature)
        .await
        .unwrap_or(false);
    let now = state.clock.now().timestamp();
    let same_browser = cookie_nonce(headers).is_none_or(|c| c == nonce);
    if !(ours && now <= expires && same_browser) {
        return Ok(false);
    }
    // Single use, whichever replica sees it.
    Ok(state
        .store
        .first_delivery("slack-oauth", nonce, now)
        .await?)
}

/// A callback that installed nothing: what happened, and the way back to the start.
fn not_installed(status: StatusCode, title: &str, what: Markup) -> Response {
    page(
        status,
        title,
        html! {
            p { (what) }
            p { a href="/slack/install" { "Start the installation again" } "." }
        },
    )
}

pub async fn callback(
    State(state): State<AppState>,
    Extension(slack): Extension<Arc<SlackPlatform>>,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Result<Response, AppError> {
    let (Some(client_id), Some(client_secret)) = (
        slack.config.client_id.as_deref(),
        slack.config.client_secret.as_ref(),
    ) else {
        return Ok(not_set_up(html! {
            "Set " code { "SLACK_CLIENT_ID" } " and " code { "SLACK_CLIENT_SECRET" } "."
        }));
    };
    if let Some(error) = query.error {
        return Ok(not_installed(
            StatusCode::BAD_REQUEST,
            "pacer was not installed",
            html! { "Slack said: " code { (error) } ". Nothing was changed." },
        ));
    }
    let Some(code) = query.code.filter(|c| !c.is_empty() && c.len() < 512) else {
        return Ok(not_installed(
            StatusCode::BAD_REQUEST,
            "This installation link is not valid",
            html! { "Slack sent no authorization code." },
        ));
    };
    let given = query.state.unwrap_or_default();
    if !state_is_valid(&state, &headers, &given).await? {
        return Ok(not_installed(
            StatusCode::BAD_REQUEST,
            "This installation link is not valid",
            html! {
                "It expired, was already used, or was started in another browser. "
                "Nothing was changed."
            },
        ));
    }
    let redirect = redirect_uri(&state);
    let fields = [
        ("client_id", client_id),
        ("client_secret", client_secret.expose()),
        ("code", code.as_str()),
        ("redirect_uri", redirect.as_str()),
    ];
    let granted = match slack.api.oauth_access(&fields).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "oauth.v2.access failed");
            return Ok(not_installed(
                StatusCode::BAD_GATEWAY,
                "pacer was not installed",
                html! {
                    "Slack did not confirm the installation (" code { (e.code()) } "). "
                    "Nothing was changed."
                },
            ));
        }
    };
    let name = save_installation(&state, &slack, &granted).await?;
    let mut response = installed(&name);
    // The state is single-use in this browser.
    if let Ok(v) =
        format!("{COOKIE}=; Max-Age=0; Path=/slack/oauth; HttpOnly; SameSite=Lax").parse()
    {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// Keep what `oauth.v2.access` granted (the bot token sealed with pacer's key), and make the
/// installer the workspace's first admin; the workspace's name, for the page.
async fn save_installation(
    state: &AppState,
    slack: &SlackPlatform,
    granted: &Value,
) -> Result<String, AppError> {
    let text = |path: &str| {
        granted
            .pointer(path)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let team_id = text("/team/id");
    let enterprise_id = text("/enterprise/id");
    let enterprise_install = granted
        .get("is_enterprise_install")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let key = match (&team_id, &enterprise_id) {
        (_, Some(e)) if enterprise_install => e.clone(),
        (Some(t), e) => workspace_key(t, e.as_deref()),
        (None, _) => return Err(AppError::BadRequest("Slack named no workspace".into())),
    };
    let (Some(token), true) = (text("/access_token"), key.split(':').all(valid_id)) else {
        return Err(AppError::BadRequest("Slack sent no bot token".into()));
    };
    let installer = text("/authed_user/id").filter(|u| valid_id(u));
    let now = state.clock.now();
    let ws = state
        .store
        .ensure_workspace(PLATFORM, &key, now.timestamp())
        .await?;
    let sealed = state
        .keyring
        .encrypt(&token)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let install = SlackInstallation {
        bot_token: sealed,
        bot_user_id: text("/bot_user_id"),
        installed_by: installer.clone(),
    };
    let scope = text("/scope").unwrap_or_default();
    state
        .store
        .save_slack_installation(ws, &install, &scope, now.timestamp())
        .await?;
    if let Some(user) = installer {
        slack
            .handle(state, &key, &user, None, crate::inbound::Event::Installed)
            .await?;
    }
    tracing::info!(workspace = %key, "pacer installed through OAuth");
    Ok(text("/team/name")
        .or_else(|| text("/enterprise/name"))
        .unwrap_or_else(|| "your workspace".into()))
}

fn installed(workspace: &str) -> Response {
    page(
        StatusCode::OK,
        "pacer is installed",
        html! {
            p {
                "pacer is now part of " strong { (workspace) } ". In any channel, type "
                code { "/pacer help" } "; link a channel to a team with "
                code { "/pacer team add <name>" } "."
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consent_page_sits_beside_the_api() {
        assert_eq!(
            authorize_url("https://slack.com/api/"),
            "https://slack.com/oauth/v2/authorize"
        );
        assert_eq!(
            authorize_url("http://127.0.0.1:9/api"),
            "http://127.0.0.1:9/oauth/v2/authorize"
        );
    }

    #[test]
    fn asks_for_the_manifest_scopes() {
        assert!(SCOPES.contains("chat:write") && SCOPES.contains("commands"));
    }

    const SCRIPT_TAG: &str = "<script>alert(1)</script>";
    const BREAKOUT: &str = "\"'><img src=x onerror=alert(1)>";

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    use crate::http::hostile::assert_escaped;

    #[tokio::test]
    async fn a_hostile_workspace_name_is_escaped() {
        let response = installed(&format!("{SCRIPT_TAG}{BREAKOUT}"));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let html = body(response).await;
        assert_escaped(&html);
        assert!(
            html.contains("<code>/pacer team add &lt;name&gt;</code>"),
            "{html}"
        );
    }

    #[tokio::test]
    async fn what_slack_said_is_escaped_on_a_failed_install() {
        let said = format!("{SCRIPT_TAG}{BREAKOUT}");
        let response = not_installed(
            StatusCode::BAD_REQUEST,
            SCRIPT_TAG,
            html! { "Slack said: " code { (said) } },
        );
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let html = body(response).await;
        assert_escaped(&html);
        assert!(html.contains("href=\"/slack/install\""), "{html}");
    }
}
