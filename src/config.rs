//! Typed configuration from environment variables (and an optional `pacer.toml` with the same
//! keys), validated once at start with messages that say what to fix. Secrets never appear in
//! `Debug` output.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;

pub use crate::msteams::config::{TEAMS_SERVICE_HOSTS, TeamsConfig};
pub use crate::secret::Secret;
pub use crate::slack::config::SlackConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

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
    /// `PACER_WEBHOOK_ALLOW_PRIVATE`: outgoing webhooks may go to loopback, private and
    /// link-local addresses and over plain http (receivers on the operator's own network).
    pub webhook_allow_private: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{key}: {problem}")]
    Invalid { key: &'static str, problem: String },
    #[error("could not read {path}: {problem}")]
    File { path: String, problem: String },
}

/// pacer's own environment variables (also settable in `pacer.toml`); each platform's come
/// from its folder. clap reads them, so `pacer --help`-style listings and the environment agree.
#[derive(Debug, Default, clap::Args)]
struct PacerSettings {
    #[arg(long, env = "PACER_LISTEN")]
    pacer_listen: Option<String>,
    #[arg(long, env = "PACER_DATABASE_URL", hide_env_values = true)]
    pacer_database_url: Option<String>,
    #[arg(long, env = "PACER_PUBLIC_URL")]
    pacer_public_url: Option<String>,
    #[arg(long, env = "PACER_SECRET_KEY", hide_env_values = true)]
    pacer_secret_key: Option<String>,
    #[arg(long, env = "PACER_PREVIOUS_SECRET_KEY", hide_env_values = true)]
    pacer_previous_secret_key: Option<String>,
    #[arg(long, env = "PACER_SCHEDULER")]
    pacer_scheduler: Option<String>,
    #[arg(long, env = "PACER_SANDBOX")]
    pacer_sandbox: Option<String>,
    #[arg(long, env = "PACER_ADMINS")]
    pacer_admins: Option<String>,
    #[arg(long, env = "PACER_LOG_FORMAT")]
    pacer_log_format: Option<String>,
    #[arg(long, env = "PACER_TICK_SECS")]
    pacer_tick_secs: Option<String>,
    #[arg(long, env = "PACER_RETENTION_DAYS")]
    pacer_retention_days: Option<String>,
    #[arg(long, env = "PACER_METRICS_LISTEN")]
    pacer_metrics_listen: Option<String>,
    #[arg(long, env = "PACER_JOB_LEASE_SECS")]
    pacer_job_lease_secs: Option<String>,
    #[arg(long, env = "PACER_WEBHOOK_ALLOW_PRIVATE")]
    pacer_webhook_allow_private: Option<String>,
}

/// Every setting, pacer's and each platform's, as clap reads them from the environment.
#[derive(Debug, clap::Parser)]
#[command(name = "pacer", no_binary_name = true, disable_help_flag = true)]
struct Environment {
    #[command(flatten)]
    pacer: PacerSettings,
    #[command(flatten)]
    slack: crate::slack::config::SlackSettings,
    #[command(flatten)]
    teams: crate::msteams::config::TeamsSettings,
}

/// The environment variable of every setting.
fn keys() -> Vec<String> {
    use clap::CommandFactory;
    Environment::command()
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .collect()
}

/// The settings the process environment sets, by variable, as clap read them.
fn from_environment() -> Result<HashMap<String, String>, ConfigError> {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Environment::command()
        .try_get_matches_from(std::iter::empty::<String>())
        .map_err(|e| ConfigError::Invalid {
            key: "environment",
            problem: e.to_string(),
        })?;
    // Parsed once into the typed settings so that clap checks them as a whole.
    Environment::from_arg_matches(&matches).map_err(|e| ConfigError::Invalid {
        key: "environment",
        problem: e.to_string(),
    })?;
    let command = Environment::command();
    let mut values = HashMap::new();
    for arg in command.get_arguments() {
        let (Some(env), Some(value)) = (
            arg.get_env(),
            matches.get_one::<String>(arg.get_id().as_str()),
        ) else {
            continue;
        };
        values.insert(env.to_string_lossy().into_owned(), value.clone());
    }
    Ok(values)
}

impl Config {
    /// From the process environment, over `pacer.toml` in the working directory if present.
    pub fn from_env() -> Result<Config, ConfigError> {
        let mut values = read_toml(Path::new("pacer.toml"))?;
        values.extend(from_environment()?);
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
        let (listen, database_url, public_url) = addresses(&get)?;
        let scheduler = on_off(get("PACER_SCHEDULER"), "PACER_SCHEDULER", true)?;
        let webhook_allow_private = on_off(
            get("PACER_WEBHOOK_ALLOW_PRIVATE"),
            "PACER_WEBHOOK_ALLOW_PRIVATE",
            false,
        )?;
        let slack = crate::slack::config::from_settings(&get)?;
        let teams = crate::msteams::config::from_settings(&get)?;
        let sandbox = sandbox(&get, listen, slack.is_some() || teams.is_some())?;
        let admins = get("PACER_ADMINS")
            .map(|s| {
                s.split(',')
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let log_format = log_format(&get)?;
        let (tick_every, job_lease_secs, retention_days) = timing(&get)?;
        let (secret_key, previous_secret_key) = secret_keys(&get, &database_url)?;
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
            webhook_allow_private,
        })
    }
}

type Get<'a> = &'a dyn Fn(&str) -> Option<String>;
type Key = Option<crate::keyring::KeyMaterial>;

/// Where pacer listens, its database, and the public URL its links start with.
fn addresses(get: Get<'_>) -> Result<(SocketAddr, String, String), ConfigError> {
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
    Ok((listen, database_url, public_url))
}

/// On by default only with no chat platform, and then only on loopback: the sandbox has no
/// login. `PACER_SANDBOX=on` overrides both, but never beside a platform or off loopback.
fn sandbox(get: Get<'_>, listen: SocketAddr, any_platform: bool) -> Result<bool, ConfigError> {
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
    Ok(sandbox)
}

fn log_format(get: Get<'_>) -> Result<LogFormat, ConfigError> {
    Ok(match get("PACER_LOG_FORMAT").as_deref() {
        None | Some("text") => LogFormat::Text,
        Some("json") => LogFormat::Json,
        Some(other) => {
            return Err(ConfigError::Invalid {
                key: "PACER_LOG_FORMAT",
                problem: format!("`{other}` is not `text` or `json`"),
            });
        }
    })
}

/// The scheduler's tick, the job lease, and how many days finished work is kept.
fn timing(get: Get<'_>) -> Result<(std::time::Duration, i64, u64), ConfigError> {
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
    Ok((tick_every, job_lease_secs, retention_days))
}

/// `PACER_SECRET_KEY` (required on PostgreSQL) and, while rotating, the previous key.
fn secret_keys(get: Get<'_>, database_url: &str) -> Result<(Key, Key), ConfigError> {
    let key = |name: &'static str| -> Result<Option<crate::keyring::KeyMaterial>, ConfigError> {
        get(name)
            .map(|v| crate::keyring::KeyMaterial::parse(&v))
            .transpose()
            .map_err(|problem| ConfigError::Invalid { key: name, problem })
    };
    let secret_key = key("PACER_SECRET_KEY")?;
    // Any text: it may be the weak key an older pacer accepted, kept only to re-seal.
    let previous_secret_key =
        get("PACER_PREVIOUS_SECRET_KEY").map(|v| crate::keyring::KeyMaterial::parse_previous(&v));
    if secret_key.is_none() && !database_url.starts_with("sqlite:") {
        return Err(ConfigError::Invalid {
            key: "PACER_SECRET_KEY",
            problem: "is required with PostgreSQL: every replica must share it, and it must not sit in the database beside the tokens it encrypts; generate one with `openssl rand -base64 32`".into(),
        });
    }
    if previous_secret_key.is_some() && secret_key.is_none() {
        return Err(ConfigError::Invalid {
            key: "PACER_PREVIOUS_SECRET_KEY",
            problem: "is only for a rotation: set PACER_SECRET_KEY to the new key beside it".into(),
        });
    }
    Ok((secret_key, previous_secret_key))
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
        if !keys().contains(&key) {
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

    /// clap checks the settings' definitions (unique names, one variable each) when it builds
    /// them; every variable the contract names is among them.
    #[test]
    fn every_setting_is_read_from_its_variable() {
        use clap::CommandFactory;
        Environment::command().debug_assert();
        let keys = keys();
        for key in [
            "PACER_LISTEN",
            "PACER_DATABASE_URL",
            "PACER_SECRET_KEY",
            "SLACK_SIGNING_SECRET",
            "SLACK_APP_TOKEN",
            "SLACK_SOCKET_CONNECTIONS",
            "TEAMS_APP_ID",
            "TEAMS_SERVICE_URL_ALLOW",
            "TEAMS_GRAPH_URL",
            "TEAMS_GRAPH_TOKEN_URL",
            "PACER_JOB_LEASE_SECS",
            "PACER_WEBHOOK_ALLOW_PRIVATE",
        ] {
            assert!(keys.iter().any(|k| k == key), "{key}");
        }
        assert_eq!(keys.len(), 29);
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://pacer.db");
        assert!(c.scheduler);
        assert!(c.sandbox, "sandbox is on when no platform is configured");
        assert!(c.slack.is_none());
        assert!(
            !c.webhook_allow_private,
            "webhooks go to public addresses only"
        );
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
