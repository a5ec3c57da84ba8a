//! The command line of the contract.

use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use tokio::net::TcpListener;

use crate::clock::{OffsetClock, SystemClock};
use crate::config::Config;
use crate::startup::{self, AppState};

#[derive(Debug, Parser)]
#[command(
    name = "pacer",
    version,
    about = "Your teams' operating rhythm in Slack and Microsoft Teams"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// The webhook server and the scheduler (PACER_SCHEDULER=off for webhook-only replicas).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Run everything due as of an instant (default: now) once, then exit.
    Tick {
        /// RFC 3339 time, e.g. 2026-11-23T09:00:00Z.
        #[arg(long)]
        now: Option<String>,
    },
    /// The sandbox with a seeded example organisation, on the embedded database.
    Demo,
    /// Print a team's digest for the last closed cycle.
    Digest {
        team: String,
        #[arg(long)]
        workspace: Option<String>,
        #[arg(long, value_enum, default_value_t = DigestFormat::Text)]
        format: DigestFormat,
    },
    /// Write a workspace's priorities, check-ins, cycles and digest figures to files: CSV
    /// (priorities.csv, checkins.csv, cycles.csv, digests.csv) or one pacer-export.json.
    Export {
        /// The workspace: its Slack team or Teams tenant id, or pacer's number for it. Needed
        /// when the database holds several.
        #[arg(long)]
        workspace: Option<String>,
        /// Only check-ins, cycles and digests from this day on (YYYY-MM-DD, from 00:00 UTC);
        /// priorities are always all of them, as they stand now.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum)]
        format: crate::export::Format,
        /// The directory to write into; created if missing.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Replace export files already in the directory (otherwise pacer refuses).
        #[arg(long)]
        force: bool,
    },
    /// A team's days off.
    Holidays {
        #[command(subcommand)]
        command: HolidaysCommand,
    },
    /// Print the platform's app manifest with this deployment's URLs.
    Manifest {
        platform: Platform,
        /// Where Slack or Teams reaches this deployment (https). Optional for Slack with
        /// --socket-mode.
        #[arg(long)]
        public_url: Option<String>,
        /// Slack: receive over Socket Mode (no request URLs; needs SLACK_APP_TOKEN).
        #[arg(long)]
        socket_mode: bool,
        /// Teams: the bot's Microsoft App ID (default: TEAMS_APP_ID).
        #[arg(long, env = "TEAMS_APP_ID")]
        app_id: Option<String>,
        /// Teams: where to write the app package to upload (manifest and icons, zipped).
        #[arg(long, default_value = "pacer-teams.zip")]
        out: std::path::PathBuf,
    },
    /// pacer's secret key.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Talk to a running pacer the way Slack does (signed requests, no Slack app needed).
    Slack {
        #[command(subcommand)]
        command: SlackCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-encrypt every stored token under a new key: with PACER_SECRET_KEY (the new key) and
    /// PACER_PREVIOUS_SECRET_KEY (the old one) set, or, for a generated key file beside the
    /// SQLite database, a freshly generated key.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum HolidaysCommand {
    /// Add the events of an iCalendar (.ics) file to a team's holidays; events already there
    /// are not added twice.
    Import {
        /// The team's name.
        team: String,
        /// The .ics file.
        file: std::path::PathBuf,
        /// The workspace: its Slack team or Teams tenant id, or pacer's number for it. Needed
        /// when the database holds several.
        #[arg(long)]
        workspace: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SlackCommand {
    /// Send a slash command, an event or a button click, signed with SLACK_SIGNING_SECRET.
    Send(crate::slack::send::SendArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DigestFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Platform {
    Slack,
    Teams,
}

/// Run a parsed command line; the process exit code is what this returns.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        CliCommand::Manifest {
            platform,
            public_url,
            socket_mode,
            app_id,
            out,
        } => Ok(manifest(
            platform,
            public_url.as_deref(),
            socket_mode,
            app_id.as_deref(),
            &out,
        )),
        CliCommand::Serve => serve().await,
        CliCommand::Migrate => {
            let config = load_config()?;
            crate::telemetry::init(config.log_format);
            let store = startup::open_store(&config).await?;
            store.close().await;
            eprintln!("migrations applied to {}", store_kind(&config.database_url));
            Ok(0)
        }
        CliCommand::Tick { now } => tick(now.as_deref()).await,
        CliCommand::Demo => demo().await,
        CliCommand::Slack {
            command: SlackCommand::Send(args),
        } => crate::slack::send::run(args).await,
        CliCommand::Keys {
            command: KeysCommand::Rotate,
        } => rotate_keys().await,
        CliCommand::Digest {
            team,
            workspace,
            format,
        } => {
            let config = load_config()?;
            crate::telemetry::init(config.log_format);
            let store = startup::open_store(&config).await?;
            let code = print_digest(&store, &team, workspace.as_deref(), format).await?;
            store.close().await;
            Ok(code)
        }
        CliCommand::Holidays {
            command:
                HolidaysCommand::Import {
                    team,
                    file,
                    workspace,
                },
        } => crate::holidays_import::run(&team, &file, workspace.as_deref()).await,
        CliCommand::Export {
            workspace,
            since,
            format,
            out,
            force,
        } => {
            let args = ExportArgs {
                workspace,
                since,
                format,
                out,
                force,
            };
            export(args).await
        }
    }
}

/// `pacer manifest`: print the platform's manifest (Teams: and write its app package).
fn manifest(
    platform: Platform,
    public_url: Option<&str>,
    socket_mode: bool,
    app_id: Option<&str>,
    out: &std::path::Path,
) -> i32 {
    let rendered = match (platform, public_url) {
        (Platform::Slack, url) if socket_mode => crate::slack::manifest::render_socket_mode(url),
        (Platform::Slack, Some(url)) => crate::slack::manifest::render(url),
        (Platform::Teams, Some(url)) if !socket_mode => return teams_manifest(url, app_id, out),
        (Platform::Teams, _) if socket_mode => {
            eprintln!("error: --socket-mode is Slack's; Teams always calls a public URL");
            return 2;
        }
        (_, _) => {
            eprintln!(
                "error: --public-url is required (the https URL where the platform reaches pacer); for Slack without a public URL, use --socket-mode"
            );
            return 2;
        }
    };
    match rendered {
        Ok(json) => {
            println!("{json}");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

/// `pacer serve`: the server, the scheduler and the platforms' background work until a
/// signal.
async fn serve() -> anyhow::Result<i32> {
    let config = load_config()?;
    crate::telemetry::init(config.log_format);
    let store = startup::open_store(&config).await?;
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = store_kind(&config.database_url), "pacer is listening");
    // The sandbox fast-forwards a clock of its own; the process's is the wall clock.
    if config.sandbox {
        tracing::info!(url = %format!("http://{addr}/"), "the sandbox is on");
    }
    let state = AppState::new(config, store.clone(), Arc::new(SystemClock));
    startup::serve(state, listener, shutdown_signal()).await?;
    store.close().await;
    Ok(0)
}

/// `pacer tick [--now …]`: everything due as of that instant, once.
async fn tick(now: Option<&str>) -> anyhow::Result<i32> {
    let config = load_config()?;
    crate::telemetry::init(config.log_format);
    let now = match now {
        Some(t) => match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(t) => t.with_timezone(&chrono::Utc),
            Err(_) => {
                eprintln!("error: --now must be an RFC 3339 time like 2026-11-23T09:00:00Z");
                return Ok(2);
            }
        },
        None => chrono::Utc::now(),
    };
    let store = startup::open_store(&config).await?;
    let state = AppState::new(config, store.clone(), Arc::new(SystemClock));
    let report = state.scheduler.tick(now).await?;
    println!(
        "opened {} cycles, closed {}, queued {} reminders; sent {}, skipped {}, retried {}, failed {}",
        report.opened,
        report.closed,
        report.reminders_queued,
        report.sent,
        report.skipped,
        report.retried,
        report.failed
    );
    store.close().await;
    Ok(0)
}

/// The workspace a command acts on: the one `--workspace` names (by tenant key or pacer's
/// number), or the only one there is. `None` after saying on stderr why there is none to
/// choose (no such workspace, or several and none named), which is a usage error (exit 2).
async fn choose_workspace(
    store: &crate::store::Store,
    workspace: Option<&str>,
) -> anyhow::Result<Option<i64>> {
    let all = store.workspaces().await?;
    let keys = || {
        all.iter()
            .map(|(_, _, k)| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ws = match workspace {
        Some(w) => all
            .iter()
            .find(|(id, _, key)| key == w || id.to_string() == w),
        None if all.len() == 1 => all.first(),
        None if all.is_empty() => {
            eprintln!("error: there is no workspace yet (pacer has not been used)");
            return Ok(None);
        }
        None => {
            eprintln!(
                "error: there are {} workspaces; choose one with --workspace ({})",
                all.len(),
                keys()
            );
            return Ok(None);
        }
    };
    match ws {
        Some((ws, _, _)) => Ok(Some(*ws)),
        None => {
            eprintln!("error: no such workspace (there are: {})", keys());
            Ok(None)
        }
    }
}

/// The workspace (as [`choose_workspace`] picks it) and its team called `team`; `None` after
/// saying on stderr why there is none (a usage error, exit 2).
pub(crate) async fn choose_team(
    store: &crate::store::Store,
    workspace: Option<&str>,
    team: &str,
) -> anyhow::Result<Option<(i64, crate::store::TeamRow)>> {
    let Some(ws) = choose_workspace(store, workspace).await? else {
        return Ok(None);
    };
    let Ok(name) = team.parse::<crate::domain::TeamName>() else {
        eprintln!("error: `{team}` is not a team name");
        return Ok(None);
    };
    let Some(row) = store.team_by_name(ws, &name.key()).await? else {
        eprintln!("error: there is no team called {team}");
        return Ok(None);
    };
    Ok(Some((ws, row)))
}

/// `pacer digest <team>`: the digest of the team's last closed cycle.
async fn print_digest(
    store: &crate::store::Store,
    team: &str,
    workspace: Option<&str>,
    format: DigestFormat,
) -> anyhow::Result<i32> {
    let Some((ws, team)) = choose_team(store, workspace, team).await? else {
        return Ok(2);
    };
    let Some(cycle) = store.last_closed_cycle(ws, team.id, i64::MAX).await? else {
        eprintln!("error: {} has no closed cycle yet", team.name);
        return Ok(1);
    };
    let tz: chrono_tz::Tz = store
        .rhythm(ws, team.id)
        .await?
        .and_then(|r| r.home_zone.parse().ok())
        .unwrap_or(chrono_tz::Tz::UTC);
    let closed = chrono::DateTime::from_timestamp(cycle.closes_at, 0).unwrap_or_default();
    let digest =
        crate::reporting::digest::build(store, ws, &team, Some(&cycle), closed, false).await?;
    match format {
        DigestFormat::Text => print!("{}", crate::reporting::render::text(&digest, tz)),
        DigestFormat::Json => println!("{}", serde_json::to_string_pretty(&digest)?),
    }
    Ok(0)
}

/// `pacer export`'s arguments as given.
struct ExportArgs {
    workspace: Option<String>,
    since: Option<String>,
    format: crate::export::Format,
    out: std::path::PathBuf,
    force: bool,
}

/// `--since` as a date, and `--out` usable without clobbering an earlier export; the message
/// for stderr otherwise.
fn check_export_args(args: &ExportArgs) -> Result<Option<chrono::NaiveDate>, String> {
    let since = match &args.since {
        Some(s) => Some(
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| format!("--since must be a date like 2026-11-01, not `{s}`"))?,
        ),
        None => None,
    };
    if args.out.exists() && !args.out.is_dir() {
        return Err(format!(
            "--out must be a directory; {} is a file",
            args.out.display()
        ));
    }
    let clobbered = crate::export::existing(&args.out, &crate::export::file_names(args.format));
    if !args.force && !clobbered.is_empty() {
        let names: Vec<String> = clobbered
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        return Err(format!(
            "{} already holds an export ({}); choose another --out directory, or pass --force to replace it",
            args.out.display(),
            names.join(", ")
        ));
    }
    Ok(since)
}

/// `pacer export`: check the arguments before touching anything, choose the workspace, then
/// write the files and say which.
async fn export(args: ExportArgs) -> anyhow::Result<i32> {
    let since = match check_export_args(&args) {
        Ok(since) => since,
        Err(why) => {
            eprintln!("error: {why}");
            return Ok(2);
        }
    };
    let config = load_config()?;
    crate::telemetry::init(config.log_format);
    let store = startup::open_store(&config).await?;
    let Some(workspace) = choose_workspace(&store, args.workspace.as_deref()).await? else {
        store.close().await;
        return Ok(2);
    };
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", args.out.display()))?;
    let opts = crate::export::Options {
        workspace,
        since,
        format: args.format,
        out: args.out,
        now: chrono::Utc::now(),
    };
    let written = crate::export::run(&store, &opts).await;
    store.close().await;
    for w in written? {
        println!("wrote {} ({} rows)", w.path.display(), w.rows);
    }
    Ok(0)
}

/// `pacer demo`: the sandbox with the example organisation, on a fresh embedded database,
/// with nothing sent anywhere else.
async fn demo() -> anyhow::Result<i32> {
    let mut config = load_config()?;
    // The demo is the sandbox: no login, its own clock. Never beside a platform, never public.
    if config.slack.is_some() || config.teams.is_some() {
        eprintln!(
            "error: pacer demo runs the sandbox, which cannot run beside a chat platform; unset the SLACK_* and TEAMS_* settings for the demo"
        );
        return Ok(2);
    }
    if !config.listen.ip().is_loopback() {
        eprintln!(
            "error: pacer demo has no login and listens only on loopback, not on {}; use PACER_LISTEN=127.0.0.1:<port>",
            config.listen
        );
        return Ok(2);
    }
    config.database_url = crate::demo::fresh_database()?;
    config.slack = None;
    config.teams = None;
    config.sandbox = true;
    let store = startup::open_store(&config).await?;
    let listener = match TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {} ({e}); choose another address with PACER_LISTEN=127.0.0.1:3001",
                config.listen
            );
            return Ok(1);
        }
    };
    let addr = listener.local_addr()?;
    // Links (the dashboard's) point where the demo actually listens.
    if config.public_url == "http://127.0.0.1:3000" {
        config.public_url = format!("http://{addr}");
    }
    let now = chrono::Utc::now();
    let clock = OffsetClock::starting_at(crate::demo::history_start(now));
    let state = AppState::with_sandbox_clock(
        config,
        store.clone(),
        Arc::new(SystemClock),
        Some(Arc::new(clock.clone())),
    );
    // While it seeds, a progress line rather than the scheduler's log of twelve weeks: logging
    // starts once the organisation is there.
    let started = std::time::Instant::now();
    let mut shown = -1;
    let mut progress = |done: f64| {
        let percent = (done * 100.0).round() as i64;
        if percent != shown {
            shown = percent;
            eprint!(
                "\rpacer demo: seeding an example organisation with twelve weeks of history… {percent:>3}%"
            );
        }
    };
    crate::demo::seed_with_progress(&store, &state.scheduler, &clock, now, &mut progress).await?;
    eprintln!();
    crate::telemetry::init(state.config.log_format);
    println!(
        "pacer demo is running: open http://{addr}/ (seeded in {:.1} s; Ctrl-C to stop)",
        started.elapsed().as_secs_f64()
    );
    startup::serve(state, listener, shutdown_signal()).await?;
    store.close().await;
    Ok(0)
}

/// `pacer keys rotate`.
async fn rotate_keys() -> anyhow::Result<i32> {
    use crate::keyring::{KeySource, Keyring};
    let config = load_config()?;
    crate::telemetry::init(config.log_format);
    let store = startup::open_store(&config).await?;
    let source = startup::key_source(&config);
    let keyring = Keyring::new(source.clone(), store.clone());
    let outcome = match &source {
        KeySource::Configured {
            current,
            previous: Some(_),
        } => keyring.reseal_all(current).await.map(|n| {
            format!(
                "re-encrypted {n} stored tokens with PACER_SECRET_KEY; PACER_PREVIOUS_SECRET_KEY can now be removed from every replica"
            )
        }),
        KeySource::Configured { previous: None, .. } => {
            eprintln!(
                "error: to rotate a configured key, set PACER_SECRET_KEY to a new key (`openssl rand -base64 32`) and PACER_PREVIOUS_SECRET_KEY to the old one on every replica, then run `pacer keys rotate`"
            );
            store.close().await;
            return Ok(2);
        }
        KeySource::File(path) => keyring.rotate_file(path).await.map(|n| {
            format!(
                "generated a new key in {} and re-encrypted {n} stored tokens; restart pacer serve so it reads the new key",
                path.display()
            )
        }),
        KeySource::Ephemeral => {
            eprintln!("error: an in-memory database has no stored tokens and no key to rotate");
            store.close().await;
            return Ok(2);
        }
    };
    store.close().await;
    match outcome {
        Ok(said) => {
            eprintln!("{said}");
            Ok(0)
        }
        Err(e) => {
            eprintln!("error: nothing was changed: {e}");
            Ok(1)
        }
    }
}

pub(crate) fn load_config() -> anyhow::Result<Config> {
    Config::from_env().map_err(|e| anyhow::anyhow!("configuration: {e}"))
}

/// Which kind of database, without credentials, for logs.
fn store_kind(url: &str) -> &'static str {
    if url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Print the Teams manifest and write the app package beside it.
fn teams_manifest(public_url: &str, app_id: Option<&str>, out: &std::path::Path) -> i32 {
    use crate::msteams::manifest;
    let result = manifest::render(public_url, app_id)
        .and_then(|json| manifest::package(&json).map(|zip| (json, zip)));
    match result {
        Ok((json, zip)) => {
            if let Err(e) = std::fs::write(out, zip) {
                eprintln!("error: could not write {}: {e}", out.display());
                return 1;
            }
            println!("{json}");
            eprintln!(
                "wrote the app package {} (in Teams: Apps → Manage your apps → Upload an app)",
                out.display()
            );
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}
