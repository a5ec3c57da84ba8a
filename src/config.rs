//! Typed configuration from environment variables (and an optional `pacer.toml` with the same
//! keys), validated once at start with messages that say what to fix. Secrets never appear in
//! `Debug` output.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;

pub use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
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
}

/// Microsoft's connector hosts: the public cloud, GCC, GCC High and DoD.
pub const TEAMS_SERVICE_HOSTS: &[&str] = &[
    "smba.trafficmanager.net",
    "*.botframework.com",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
];

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub public_url: String,
    /// `PACER_SECRET_KEY` (required on PostgreSQL) and, while rotating,
    /// `PACER_PREVIOUS_SECRET_KEY`.
    pub secret_key: Option<crate::keyring::KeyMaterial>,
    pub previous_secret_key: Option<crate::keyring::KeyMaterial>,
    pub scheduler: bool,
    pub sandbox: bool,
    pub slack: Option<SlackConfig>,
    pub teams: Option<TeamsConfig>,
    pub admins: HashSet<String>,
    pub log_format: LogFormat,
    /// How often the scheduler looks for due work (`PACER_TICK_SECS`, default 10).
    pub tick_every: std::time::Duration,
    /// How long a claimed job is a replica's before another may take it over
    /// (`PACER_JOB_LEASE_SECS`, default 120).
    pub job_lease_secs: i64,
    /// How long finished jobs and handled platform event ids are kept before the scheduler
    /// prunes them (`PACER_RETENTION_DAYS`, default 30).
    pub retention: std::time::Duration,
    /// `PACER_METRICS_LISTEN`: serve `/metrics` on this address only (not on `PACER_LISTEN`).
    pub metrics_listen: Option<SocketAddr>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{key}: {problem}")]
    Invalid { key: &'static str, problem: String },
    #[error("could not read {path}: {problem}")]
    File { path: String, problem: String },
}

const KEYS: &[&str] = &[
    "PACER_LISTEN",
    "PACER_DATABASE_URL",
    "PACER_PUBLIC_URL",
    "PACER_SECRET_KEY",
    "PACER_PREVIOUS_SECRET_KEY",
    "PACER_SCHEDULER",
    "PACER_SANDBOX",
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_BASE_URL",
    "SLACK_APP_TOKEN",
    "SLACK_SOCKET_CONNECTIONS",
    "TEAMS_APP_ID",
    "TEAMS_APP_PASSWORD",
    "TEAMS_TENANT_ID",
    "TEAMS_OPENID_METADATA_URL",
    "TEAMS_TOKEN_URL",
    "TEAMS_SERVICE_URL_ALLOW",
    "PACER_ADMINS",
    "PACER_LOG_FORMAT",
    "PACER_TICK_SECS",
    "PACER_RETENTION_DAYS",
    "PACER_METRICS_LISTEN",
    "PACER_JOB_LEASE_SECS",
];

impl Config {
    /// From the process environment, over `pacer.toml` in the working directory if present.
    pub fn from_env() -> Result<Config, ConfigError> {
        let mut values = read_toml(Path::new("pacer.toml"))?;
        for key in KEYS {
            if let Ok(v) = std::env::var(key) {
                values.insert(key.to_string(), v);
            }
        }
        Config::from_map(&values)
    }

    /// From explicit key/value pairs; empty values count as unset.
    pub fn from_map(values: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let get = |k: &str| {
            values
                .get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let listen = get("PACER_LISTEN").unwrap_or_else(|| "127.0.0.1:3000".into());
        let listen: SocketAddr = listen.parse().map_err(|_| ConfigError::Invalid {
            key: "PACER_LISTEN",
            problem: format!("`{listen}` is not an address:port like 127.0.0.1:3000"),
        })?;
        let database_url = get("PACER_DATABASE_URL").unwrap_or_else(|| "sqlite://pacer.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres:")
            || database_url.starts_with("postgresql:"))
        {
            return Err(ConfigError::Invalid {
                key: "PACER_DATABASE_URL",
                problem: "use sqlite://<file> or postgres://user@host/db".into(),
            });
        }
        let public_url = get("PACER_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into());
        let parsed = url::Url::parse(&public_url).map_err(|_| ConfigError::Invalid {
            key: "PACER_PUBLIC_URL",
            problem: format!("`{public_url}` is not a URL like https://pacer.example.com"),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ConfigError::Invalid {
                key: "PACER_PUBLIC_URL",
                problem: "must start with http:// or https://".into(),
            });
        }
        let public_url = public_url.trim_end_matches('/').to_string();
        let scheduler = on_off(get("PACER_SCHEDULER"), "PACER_SCHEDULER", true)?;
        let slack = slack_config(&get)?;
        let teams = teams_config(&get)?;
        let any_platform = slack.is_some() || teams.is_some();
        // On by default only with no chat platform, and then only on loopback: the sandbox has
        // no login. `PACER_SANDBOX=on` overrides both.
        let sandbox_default = !any_platform && listen.ip().is_loopback();
        if !any_platform && !sandbox_default && get("PACER_SANDBOX").is_none() {
            eprintln!(
                "note: the sandbox stays off because PACER_LISTEN is not a loopback address; set PACER_SANDBOX=on to serve it there"
            );
        }
        let sandbox = on_off(get("PACER_SANDBOX"), "PACER_SANDBOX", sandbox_default)?;
        // The sandbox has no login and moves its own clock: never beside real tenants, never
        // where anyone but this machine can reach it.
        if sandbox && any_platform {
            return Err(ConfigError::Invalid {
                key: "PACER_SANDBOX",
                problem: "the sandbox cannot run beside a chat platform (Slack or Teams is configured); unset PACER_SANDBOX, or run the sandbox as its own `pacer serve` without platform settings".into(),
            });
        }
        if sandbox && !listen.ip().is_loopback() {
            return Err(ConfigError::Invalid {
                key: "PACER_SANDBOX",
                problem: format!(
                    "the sandbox has no login and listens only on loopback, not on {listen}; use PACER_LISTEN=127.0.0.1:<port>, or turn the sandbox off"
                ),
            });
        }
        let admins = get("PACER_ADMINS")
            .map(|s| {
                s.split(',')
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let log_format = match get("PACER_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    key: "PACER_LOG_FORMAT",
                    problem: format!("`{other}` is not `text` or `json`"),
                });
            }
        };
        let seconds = |key: &'static str, default: u64, max: u64| -> Result<u64, ConfigError> {
            match get(key) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| ConfigError::Invalid {
                        key,
                        problem: format!("`{v}` is not a number of seconds from 1 to {max}"),
                    }),
            }
        };
        let tick_every = std::time::Duration::from_secs(seconds("PACER_TICK_SECS", 10, 3600)?);
        let job_lease_secs = seconds("PACER_JOB_LEASE_SECS", 120, 86_400)? as i64;
        let retention_days = match get("PACER_RETENTION_DAYS") {
            None => 30,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=3650).contains(n))
                .ok_or_else(|| ConfigError::Invalid {
                    key: "PACER_RETENTION_DAYS",
                    problem: format!("`{v}` is not a number of days from 1 to 3650"),
                })?,
        };
        let key = |name: &'static str| -> Result<Option<crate::keyring::KeyMaterial>, ConfigError> {
            get(name)
                .map(|v| crate::keyring::KeyMaterial::parse(&v))
                .transpose()
                .map_err(|problem| ConfigError::Invalid { key: name, problem })
        };
        let secret_key = key("PACER_SECRET_KEY")?;
        // Any text: it may be the weak key an older pacer accepted, kept only to re-seal.
        let previous_secret_key = get("PACER_PREVIOUS_SECRET_KEY")
            .map(|v| crate::keyring::KeyMaterial::parse_previous(&v));
        if secret_key.is_none() && !database_url.starts_with("sqlite:") {
            return Err(ConfigError::Invalid {
                key: "PACER_SECRET_KEY",
                problem: "is required with PostgreSQL: every replica must share it, and it must not sit in the database beside the tokens it encrypts; generate one with `openssl rand -base64 32`".into(),
            });
        }
        if previous_secret_key.is_some() && secret_key.is_none() {
            return Err(ConfigError::Invalid {
                key: "PACER_PREVIOUS_SECRET_KEY",
                problem: "is only for a rotation: set PACER_SECRET_KEY to the new key beside it"
                    .into(),
            });
        }
        let metrics_listen = match get("PACER_METRICS_LISTEN") {
            None => None,
            Some(v) => Some(v.parse::<SocketAddr>().map_err(|_| ConfigError::Invalid {
                key: "PACER_METRICS_LISTEN",
                problem: format!("`{v}` is not an address like 127.0.0.1:9090"),
            })?),
        };
        Ok(Config {
            metrics_listen,
            listen,
            database_url,
            public_url,
            secret_key,
            previous_secret_key,
            scheduler,
            sandbox,
            slack,
            teams,
            admins,
            log_format,
            tick_every,
            job_lease_secs,
            retention: std::time::Duration::from_secs(retention_days * 86_400),
        })
    }
}

/// Slack is on with a signing secret (HTTP), an app-level token (Socket Mode), or both.
fn slack_config(get: &dyn Fn(&str) -> Option<String>) -> Result<Option<SlackConfig>, ConfigError> {
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

fn on_off(v: Option<String>, key: &'static str, default: bool) -> Result<bool, ConfigError> {
    match v.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("on" | "true" | "1" | "yes") => Ok(true),
        Some("off" | "false" | "0" | "no") => Ok(false),
        Some(other) => Err(ConfigError::Invalid {
            key,
            problem: format!("`{other}` is not `on` or `off`"),
        }),
    }
}

fn read_toml(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(HashMap::new());
    };
    let err = |problem: String| ConfigError::File {
        path: path.display().to_string(),
        problem,
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(e.message().to_string()))?;
    let mut out = HashMap::new();
    for (k, v) in table {
        let key = k.to_ascii_uppercase();
        if !KEYS.contains(&key.as_str()) {
            return Err(err(format!("unknown key `{k}`")));
        }
        let value = match v {
            toml::Value::String(s) => s,
            toml::Value::Boolean(b) => if b { "on" } else { "off" }.to_string(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Array(a) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        out.insert(key, value);
    }
    Ok(out)
}

fn teams_config(get: &dyn Fn(&str) -> Option<String>) -> Result<Option<TeamsConfig>, ConfigError> {
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
    Ok(Some(TeamsConfig {
        app_id,
        app_password: Secret::new(app_password),
        tenant_id,
        openid_metadata_url,
        token_url,
        service_url_allow,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_map(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://pacer.db");
        assert!(c.scheduler);
        assert!(c.sandbox, "sandbox is on when no platform is configured");
        assert!(c.slack.is_none());
    }

    #[test]
    fn the_sandbox_stays_on_loopback_and_off_beside_teams() {
        assert!(!cfg(&[("PACER_LISTEN", "0.0.0.0:3000")]).unwrap().sandbox);
        let public = cfg(&[("PACER_LISTEN", "0.0.0.0:3000"), ("PACER_SANDBOX", "on")]);
        assert!(
            public.unwrap_err().to_string().contains("loopback"),
            "the sandbox is refused on a public address"
        );
        assert!(cfg(&[("PACER_LISTEN", "[::1]:3000")]).unwrap().sandbox);
        let teams = [
            ("TEAMS_APP_ID", "6b1f0c7e-3a52-4d6f-9a0e-2c8d4b7e91a3"),
            ("TEAMS_APP_PASSWORD", "x"),
        ];
        let c = cfg(&teams).unwrap();
        assert!(!c.sandbox);
        let t = c.teams.unwrap();
        assert_eq!(
            t.token_url,
            "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
        );
        assert!(
            t.service_url_allow
                .iter()
                .any(|h| h == "smba.trafficmanager.net")
        );
        let single = cfg(&[teams[0], teams[1], ("TEAMS_TENANT_ID", "contoso-tenant")]).unwrap();
        assert!(single.teams.unwrap().token_url.contains("/contoso-tenant/"));
        assert!(
            cfg(&[("TEAMS_APP_ID", "x")]).is_err(),
            "a password is required"
        );
        assert!(format!("{:?}", cfg(&teams).unwrap()).contains("Secret(***)"));
    }

    #[test]
    fn slack_turns_the_sandbox_off_unless_asked() {
        let c = cfg(&[("SLACK_SIGNING_SECRET", "s3cr3t")]).unwrap();
        assert!(!c.sandbox);
        assert_eq!(c.slack.unwrap().api_base_url, "https://slack.com/api/");
        let both = cfg(&[("SLACK_SIGNING_SECRET", "s3cr3t"), ("PACER_SANDBOX", "on")]);
        assert!(
            both.unwrap_err()
                .to_string()
                .contains("beside a chat platform"),
            "the sandbox is refused beside a platform"
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = cfg(&[
            ("SLACK_SIGNING_SECRET", "very-secret-value"),
            ("SLACK_BOT_TOKEN", "xoxb-123"),
        ])
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("very-secret-value") && !dbg.contains("xoxb-123"),
            "{dbg}"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = cfg(&[("PACER_LISTEN", "nowhere")]).unwrap_err().to_string();
        assert!(e.starts_with("PACER_LISTEN:"), "{e}");
        let e = cfg(&[("PACER_DATABASE_URL", "mysql://x")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("PACER_DATABASE_URL"), "{e}");
        let e = cfg(&[("SLACK_BOT_TOKEN", "xoxb")]).unwrap_err().to_string();
        assert!(e.contains("SLACK_SIGNING_SECRET"), "{e}");
        let e = cfg(&[("PACER_SCHEDULER", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("PACER_SCHEDULER"), "{e}");
    }

    #[test]
    fn admins_are_a_comma_list() {
        let c = cfg(&[("PACER_ADMINS", "U1, U2,,")]).unwrap();
        assert_eq!(
            c.admins,
            ["U1", "U2"].iter().map(|s| s.to_string()).collect()
        );
    }
}
