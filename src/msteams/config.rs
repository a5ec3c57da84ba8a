//! Microsoft Teams' settings: read from the environment with clap (`TEAMS_*`), checked here,
//! and turned into [`TeamsConfig`] by `crate::config`.

use crate::config::ConfigError;
use crate::secret::Secret;

/// Teams' environment variables (also settable in `pacer.toml`).
#[derive(Debug, Default, clap::Args)]
pub struct TeamsSettings {
    /// The bot's Microsoft App ID.
    #[arg(long, env = "TEAMS_APP_ID")]
    teams_app_id: Option<String>,
    /// A client secret of the bot's app registration.
    #[arg(long, env = "TEAMS_APP_PASSWORD", hide_env_values = true)]
    teams_app_password: Option<String>,
    /// A single-tenant bot's tenant.
    #[arg(long, env = "TEAMS_TENANT_ID")]
    teams_tenant_id: Option<String>,
    #[arg(long, env = "TEAMS_OPENID_METADATA_URL")]
    teams_openid_metadata_url: Option<String>,
    #[arg(long, env = "TEAMS_TOKEN_URL")]
    teams_token_url: Option<String>,
    /// Hosts pacer sends Teams traffic to.
    #[arg(long, env = "TEAMS_SERVICE_URL_ALLOW")]
    teams_service_url_allow: Option<String>,
    /// Microsoft Graph, where presence (out of office) is read.
    #[arg(long, env = "TEAMS_GRAPH_URL")]
    teams_graph_url: Option<String>,
    /// Graph's token endpoint; `{tenant}` stands for the person's tenant.
    #[arg(long, env = "TEAMS_GRAPH_TOKEN_URL")]
    teams_graph_token_url: Option<String>,
}

/// The Bot Framework registration of the Teams app.
#[derive(Debug, Clone)]
pub struct TeamsConfig {
    pub app_id: String,
    pub app_password: Secret,
    /// A single-tenant bot's tenant: its tokens come from that tenant's authority.
    pub tenant_id: Option<String>,
    pub openid_metadata_url: String,
    pub token_url: String,
    /// Hosts pacer sends Teams traffic to (`*.example.com` allows subdomains).
    pub service_url_allow: Vec<String>,
    /// Microsoft Graph's base URL (presence).
    pub graph_url: String,
    /// Graph's token endpoint, `{tenant}` replaced by the tenant asked about.
    pub graph_token_url: String,
}

/// Microsoft's connector hosts: the public cloud, GCC, GCC High and DoD.
pub const TEAMS_SERVICE_HOSTS: &[&str] = &[
    "smba.trafficmanager.net",
    "*.botframework.com",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
];

pub fn from_settings(
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<TeamsConfig>, ConfigError> {
    let Some(app_id) = get("TEAMS_APP_ID") else {
        if get("TEAMS_APP_PASSWORD").is_some() {
            return Err(ConfigError::Invalid {
                key: "TEAMS_APP_ID",
                problem: "is required when TEAMS_APP_PASSWORD is set (the bot's Microsoft App ID)"
                    .into(),
            });
        }
        return Ok(None);
    };
    let app_password = get("TEAMS_APP_PASSWORD").ok_or(ConfigError::Invalid {
        key: "TEAMS_APP_PASSWORD",
        problem: "is required with TEAMS_APP_ID (a client secret of the bot's app registration)"
            .into(),
    })?;
    let tenant_id = get("TEAMS_TENANT_ID");
    let url = |key: &'static str, default: String| -> Result<String, ConfigError> {
        let value = get(key).unwrap_or(default);
        match url::Url::parse(&value) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(value),
            _ => Err(ConfigError::Invalid {
                key,
                problem: format!("`{value}` is not an http(s) URL"),
            }),
        }
    };
    let openid_metadata_url = url(
        "TEAMS_OPENID_METADATA_URL",
        "https://login.botframework.com/v1/.well-known/openidconfiguration".into(),
    )?;
    let authority = tenant_id.as_deref().unwrap_or("botframework.com");
    let token_url = url(
        "TEAMS_TOKEN_URL",
        format!("https://login.microsoftonline.com/{authority}/oauth2/v2.0/token"),
    )?;
    let service_url_allow = match get("TEAMS_SERVICE_URL_ALLOW") {
        Some(list) => list
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect(),
        None => TEAMS_SERVICE_HOSTS.iter().map(|h| h.to_string()).collect(),
    };
    let graph_url = url("TEAMS_GRAPH_URL", "https://graph.microsoft.com/v1.0".into())?;
    let graph_token_url = url(
        "TEAMS_GRAPH_TOKEN_URL",
        "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token".into(),
    )?;
    Ok(Some(TeamsConfig {
        app_id,
        app_password: Secret::new(app_password),
        tenant_id,
        openid_metadata_url,
        token_url,
        service_url_allow,
        graph_url,
        graph_token_url,
    }))
}
