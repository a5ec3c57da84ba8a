//! Slack's settings: read from the environment with clap (`SLACK_*`), checked here, and
//! turned into [`SlackConfig`] by `crate::config`.

use crate::config::ConfigError;
use crate::secret::Secret;

/// Slack's environment variables (also settable in `pacer.toml`).
#[derive(Debug, Default, clap::Args)]
pub struct SlackSettings {
    /// Verifies Slack's requests over HTTP.
    #[arg(long, env = "SLACK_SIGNING_SECRET", hide_env_values = true)]
    slack_signing_secret: Option<String>,
    /// A bot token: single-workspace mode.
    #[arg(long, env = "SLACK_BOT_TOKEN", hide_env_values = true)]
    slack_bot_token: Option<String>,
    /// OAuth distribution to many workspaces.
    #[arg(long, env = "SLACK_CLIENT_ID")]
    slack_client_id: Option<String>,
    #[arg(long, env = "SLACK_CLIENT_SECRET", hide_env_values = true)]
    slack_client_secret: Option<String>,
    /// The Slack Web API (tests point it at a fake).
    #[arg(long, env = "SLACK_API_BASE_URL")]
    slack_api_base_url: Option<String>,
    /// An app-level token (`xapp-…`): receive over Socket Mode.
    #[arg(long, env = "SLACK_APP_TOKEN", hide_env_values = true)]
    slack_app_token: Option<String>,
    /// Socket Mode connections to keep open.
    #[arg(long, env = "SLACK_SOCKET_CONNECTIONS")]
    slack_socket_connections: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SlackConfig {
    /// Verifies requests Slack sends over HTTP; without it pacer takes no Slack webhooks.
    pub signing_secret: Option<Secret>,
    /// `SLACK_APP_TOKEN` (`xapp-…`): receive over Socket Mode instead of a public URL.
    pub app_token: Option<Secret>,
    /// How many Socket Mode connections to keep open (`SLACK_SOCKET_CONNECTIONS`, default 2).
    pub socket_connections: usize,
    pub bot_token: Option<Secret>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub api_base_url: String,
}

/// Slack is on with a signing secret (HTTP), an app-level token (Socket Mode), or both.
pub fn from_settings(
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<SlackConfig>, ConfigError> {
    let signing_secret = get("SLACK_SIGNING_SECRET").map(Secret::new);
    let app_token = get("SLACK_APP_TOKEN");
    if let Some(t) = &app_token
        && !t.starts_with("xapp-")
    {
        return Err(ConfigError::Invalid {
            key: "SLACK_APP_TOKEN",
            problem: "is an app-level token starting with xapp- (create one under Basic Information, App-Level Tokens, with the connections:write scope)".into(),
        });
    }
    if signing_secret.is_none() && app_token.is_none() {
        if get("SLACK_BOT_TOKEN").is_some() || get("SLACK_CLIENT_ID").is_some() {
            return Err(ConfigError::Invalid {
                key: "SLACK_SIGNING_SECRET",
                problem: "is required when SLACK_BOT_TOKEN or SLACK_CLIENT_ID is set (find it under Basic Information in your Slack app), unless pacer receives over Socket Mode with SLACK_APP_TOKEN".into(),
            });
        }
        return Ok(None);
    }
    let api_base_url = get("SLACK_API_BASE_URL").unwrap_or_else(|| "https://slack.com/api/".into());
    url::Url::parse(&api_base_url).map_err(|_| ConfigError::Invalid {
        key: "SLACK_API_BASE_URL",
        problem: format!("`{api_base_url}` is not a URL"),
    })?;
    let api_base_url = if api_base_url.ends_with('/') {
        api_base_url
    } else {
        format!("{api_base_url}/")
    };
    let socket_connections = match get("SLACK_SOCKET_CONNECTIONS") {
        None => 2,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10).contains(n))
            .ok_or_else(|| ConfigError::Invalid {
                key: "SLACK_SOCKET_CONNECTIONS",
                problem: format!("`{v}` is not a number from 1 to 10 (Slack allows ten)"),
            })?,
    };
    Ok(Some(SlackConfig {
        signing_secret,
        app_token: app_token.map(Secret::new),
        socket_connections,
        bot_token: get("SLACK_BOT_TOKEN").map(Secret::new),
        client_id: get("SLACK_CLIENT_ID"),
        client_secret: get("SLACK_CLIENT_SECRET").map(Secret::new),
        api_base_url,
    }))
}
