//! Running a parsed [`Command`] for a caller: resolve names, check permissions in the domain,
//! write through the store, and answer with a platform-neutral [`Message`].

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::parse::Command;
use super::{
    api_tokens, checkin, digest, follow, help, holidays, priorities, render, review, rhythm, teams,
    webhooks,
};
use crate::domain::permissions::{Actor, Denied};
use crate::domain::{PriorityNumber, TeamName, UserRef};
use crate::message::Message;
use crate::people::{Directory, ensure_person};
use crate::store::{PersonRow, Store, StoreError, TeamRow};

/// Who runs a command, where, and when.
pub struct Invocation {
    pub workspace_id: i64,
    pub caller: PersonRow,
    /// The caller is an admin by configuration (`PACER_ADMINS`).
    pub configured_admin: bool,
    /// The conversation the command was typed in, unless it was a direct message.
    pub channel: Option<ChannelInfo>,
    pub now: DateTime<Utc>,
    /// How commands are written on this platform (`/pacer ` in Slack), for examples.
    pub prefix: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    pub id: String,
    pub name: Option<String>,
}

impl Invocation {
    /// Today in the caller's zone: what `due:+2w` and "3 days overdue" count from.
    pub fn today(&self) -> NaiveDate {
        let tz: Tz = self
            .caller
            .tz
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(Tz::UTC);
        self.now.with_timezone(&tz).date_naive()
    }

    pub fn ws(&self) -> i64 {
        self.workspace_id
    }

    pub fn ts(&self) -> i64 {
        self.now.timestamp()
    }
}

/// What the store and the platform give a command to work with.
pub struct Services<'a> {
    pub store: &'a Store,
    pub directory: &'a dyn Directory,
    pub admins: &'a HashSet<String>,
    /// Signed links into pacer's web pages (the dashboard), when the deployment has them.
    pub links: Option<Links<'a>>,
    /// What `webhook` needs (the keyring, the address rule), when the deployment sends them.
    pub webhooks: Option<webhooks::WebhookSetup<'a>>,
}

pub use super::webhooks::WebhookSetup;
pub use crate::links::Links;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("there is no priority {0} in this workspace")]
    NoSuchPriority(PriorityNumber),
    #[error("there is no team called {name}")]
    NoSuchTeam {
        name: String,
        suggestion: Option<String>,
    },
    #[error("I don't know anyone called @{0} here")]
    NoSuchPerson(String),
    #[error("{count} people are called @{name}; mention the one you mean")]
    AmbiguousPerson { name: String, count: usize },
    #[error("which team? {hint}")]
    TeamNeeded { hint: String, example: String },
    #[error("a team called {0} already exists")]
    TeamExists(String),
    #[error("{0}")]
    Denied(#[from] Denied),
    #[error("{problem}")]
    Invalid { problem: String, example: String },
    #[error("`{0}` is not available in this version of pacer yet")]
    NotAvailable(&'static str),
    #[error("storage failed")]
    Store(#[from] StoreError),
}

pub type Outcome = Result<Message, CommandError>;

/// The answer to a command that needs nothing stored (help, or text that does not parse),
/// or `None`: such commands are answered before the workspace or the caller is looked up, so
/// they read and write nothing.
pub fn answer_without_state(text: &str, prefix: &str) -> Option<Message> {
    match super::parse(text) {
        Ok(Command::Help { topic }) => Some(
            help_reply(topic.as_deref(), prefix)
                .unwrap_or_else(|e| render::command_error(&e, "help", prefix)),
        ),
        Ok(_) => None,
        Err(e) => Some(render::parse_error(&e, prefix)),
    }
}

/// Parse and run a command's text. Never fails: mistakes become friendly private replies.
pub async fn run_text(services: &Services<'_>, inv: &Invocation, text: &str) -> Message {
    match super::parse(text) {
        Ok(command) => run(services, inv, command).await,
        Err(e) => render::parse_error(&e, inv.prefix),
    }
}

pub async fn run(services: &Services<'_>, inv: &Invocation, command: Command) -> Message {
    try_run(services, inv, command)
        .await
        .unwrap_or_else(|_| render::internal_error())
}

/// Like [`run_text`], but a storage failure (nothing was recorded: every command writes in
/// one transaction) is the caller's to retry rather than a reply.
pub async fn try_run_text(
    services: &Services<'_>,
    inv: &Invocation,
    text: &str,
) -> Result<Message, crate::store::StoreError> {
    match super::parse(text) {
        Ok(command) => try_run(services, inv, command).await,
        Err(e) => Ok(render::parse_error(&e, inv.prefix)),
    }
}

/// Like [`run`], but a storage failure is returned rather than rendered.
pub async fn try_run(
    services: &Services<'_>,
    inv: &Invocation,
    command: Command,
) -> Result<Message, crate::store::StoreError> {
    let name = command_name(&command);
    match dispatch(services, inv, command).await {
        Ok(message) => Ok(message),
        Err(CommandError::Store(e)) => {
            tracing::error!(error = %e, error.debug = ?e, command = name, "command failed in storage");
            Err(e)
        }
        Err(e) => Ok(render::command_error(&e, name, inv.prefix)),
    }
}

fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Help { .. } => "help",
        Command::Add { .. } => "add",
        Command::List(_) => "list",
        Command::Show(_) => "show",
        Command::Status { .. } => "status",
        Command::Edit { .. } => "edit",
        Command::Depends { .. } => "depends",
        Command::Undepend { .. } => "undepend",
        Command::TeamAdd { .. }
        | Command::TeamJoin { .. }
        | Command::TeamLeave { .. }
        | Command::TeamShow(_) => "team",
        Command::Teams => "teams",
        Command::Rhythm { .. } => "rhythm",
        Command::Checkin => "checkin",
        Command::Digest { .. } => "digest",
        Command::Away { .. } | Command::AwayOff => "away",
        Command::Follow { .. } => "follow",
        Command::Unfollow { .. } => "unfollow",
        Command::Dashboard => "dashboard",
        Command::Settings { .. } => "settings",
        Command::Token(_) => "token",
        Command::WebhookAdd { .. } | Command::WebhookList | Command::WebhookRemove { .. } => {
            "webhook"
        }
        Command::Raise { .. } => "raise",
        Command::Decide { .. } | Command::DecideDone(_) => "decide",
        Command::Assign { .. } => "assign",
        Command::Agenda { .. } => "agenda",
        Command::HolidayAdd { .. }
        | Command::HolidayList { .. }
        | Command::HolidayRemove { .. } => "holiday",
    }
}

async fn dispatch(s: &Services<'_>, inv: &Invocation, command: Command) -> Outcome {
    match command {
        Command::Help { topic } => help_reply(topic.as_deref(), inv.prefix),
        Command::Add {
            title,
            owner,
            team,
            due,
            parent,
        } => priorities::add(s, inv, title, owner, team, due, parent).await,
        Command::List(filter) => priorities::list(s, inv, filter).await,
        Command::Show(n) => priorities::show(s, inv, n).await,
        Command::Status {
            number,
            status,
            progress,
            note,
        } => priorities::status(s, inv, number, status, progress, note).await,
        Command::Edit {
            number,
            title,
            owner,
            team,
            due,
            parent,
            reason,
        } => {
            let change = priorities::Edit {
                title,
                owner,
                team,
                due,
                parent,
                reason,
            };
            priorities::edit(s, inv, number, change).await
        }
        Command::Depends { number, on } => priorities::depends(s, inv, number, on).await,
        Command::Undepend { number, on } => priorities::undepend(s, inv, number, on).await,
        Command::TeamAdd {
            name,
            channel,
            lead,
            parent,
        } => teams::add(s, inv, name, channel, lead, parent).await,
        Command::TeamJoin { name, people } => teams::join(s, inv, name, people).await,
        Command::TeamLeave { name, people } => teams::leave(s, inv, name, people).await,
        Command::TeamShow(name) => teams::show(s, inv, name).await,
        Command::Teams => teams::list(s, inv).await,
        Command::Rhythm { team, change } => rhythm::set(s, inv, team, change).await,
        Command::Checkin => checkin::checkin(s, inv).await,
        Command::Digest { team } => digest::preview(s, inv, team).await,
        Command::Away { from, to, acting } => checkin::away(s, inv, from, to, acting).await,
        Command::AwayOff => checkin::away_off(s, inv).await,
        Command::Follow { team } => follow::follow(s, inv, team).await,
        Command::Unfollow { team } => follow::unfollow(s, inv, team).await,
        Command::Dashboard => dashboard(s, inv).await,
        Command::Settings { drift } => settings(s, inv, drift).await,
        Command::Token(action) => api_tokens::run(s, inv, action).await,
        Command::WebhookAdd { url } => webhooks::add(s, inv, url).await,
        Command::WebhookList => webhooks::list(s, inv).await,
        Command::WebhookRemove { target } => webhooks::remove(s, inv, target).await,
        Command::Raise { number, reason } => review::raise(s, inv, number, reason).await,
        Command::Decide {
            number,
            text,
            owner,
            due,
        } => review::decide(s, inv, number, text, owner, due).await,
        Command::DecideDone(number) => review::decide_done(s, inv, number).await,
        Command::Assign {
            number,
            owner,
            due,
            note,
        } => review::assign(s, inv, number, (owner, due, note)).await,
        Command::Agenda { team } => review::agenda(s, inv, team).await,
        Command::HolidayAdd { team, days, name } => holidays::add(s, inv, team, days, name).await,
        Command::HolidayList { team } => holidays::list(s, inv, team).await,
        Command::HolidayRemove { team, day } => holidays::remove(s, inv, team, day).await,
    }
}

fn help_reply(topic: Option<&str>, prefix: &str) -> Outcome {
    match topic {
        None => Ok(render::help_overview(prefix)),
        Some(t) => match help::find(t) {
            Some(h) => Ok(render::help_command(h, prefix)),
            None => Err(CommandError::Invalid {
                problem: match help::did_you_mean(t, help::COMMANDS.iter().map(|c| c.name)) {
                    Some(s) => format!("there is no command `{t}`; did you mean `{s}`?"),
                    None => format!("there is no command `{t}`"),
                },
                example: "help".into(),
            }),
        },
    }
}

/// The caller's permissions.
pub async fn actor(s: &Services<'_>, inv: &Invocation) -> Result<Actor, CommandError> {
    Ok(s.store
        .actor(inv.ws(), &inv.caller, inv.configured_admin)
        .await?)
}

/// The person a mention names, recorded (with the platform's profile) if new.
pub async fn resolve_person(
    s: &Services<'_>,
    inv: &Invocation,
    user: &UserRef,
) -> Result<PersonRow, CommandError> {
    match user {
        UserRef::Id { id, name } => {
            Ok(ensure_person(s.store, s.directory, inv.ws(), id, name.as_deref(), inv.now).await?)
        }
        UserRef::Name(name) => {
            let mut found = s.store.people_named(inv.ws(), name).await?;
            if found.is_empty() {
                // A user id typed as @U123 in the sandbox or a test.
                if let Some(p) = s.store.person_by_user_id(inv.ws(), name).await? {
                    return Ok(p);
                }
            }
            match found.len() {
                0 => Err(CommandError::NoSuchPerson(name.clone())),
                1 => Ok(found.remove(0)),
                count => Err(CommandError::AmbiguousPerson {
                    name: name.clone(),
                    count,
                }),
            }
        }
    }
}

/// A team by name, or an error that suggests the nearest existing name.
pub async fn resolve_team(
    s: &Services<'_>,
    inv: &Invocation,
    name: &TeamName,
) -> Result<TeamRow, CommandError> {
    if let Some(team) = s.store.team_by_name(inv.ws(), &name.key()).await? {
        return Ok(team);
    }
    let all = s.store.teams(inv.ws()).await?;
    let suggestion =
        help::did_you_mean(name.as_str(), all.iter().map(|t| t.name.as_str())).map(str::to_string);
    Err(CommandError::NoSuchTeam {
        name: name.to_string(),
        suggestion,
    })
}

pub async fn resolve_priority(
    s: &Services<'_>,
    inv: &Invocation,
    n: PriorityNumber,
) -> Result<crate::domain::Priority, CommandError> {
    s.store
        .priority(inv.ws(), n)
        .await?
        .ok_or(CommandError::NoSuchPriority(n))
}

/// `dashboard`: a private link to the leaders' dashboard, valid for a day.
async fn dashboard(s: &Services<'_>, inv: &Invocation) -> Outcome {
    use crate::message::{Block, Message, Rich};
    let Some(links) = s.links else {
        return Err(CommandError::NotAvailable("dashboard"));
    };
    let url = links
        .dashboard(inv.ws(), inv.now)
        .await
        .map_err(|e| CommandError::Store(StoreError::Corrupt(e.to_string())))?;
    let hours = crate::links::DASHBOARD_TTL_SECS / 3600;
    Ok(Message::confidential(vec![
        Block::Text(
            Rich::new()
                .text("Your dashboard: every team's drift, participation, stalls and alignment, as of now.")
                .line_break()
                .text(url),
        ),
        Block::Context(Rich::new().text(format!(
            "The link is for you and works for {hours} hours; anyone who has it can read this workspace's dashboard, so do not share it."
        ))),
    ]))
}

/// `settings [drift …]`: the workspace's drift thresholds, changed by admins only.
async fn settings(
    s: &Services<'_>,
    inv: &Invocation,
    drift: Vec<(super::parse::DriftSetting, i64)>,
) -> Outcome {
    use super::parse::DriftSetting;
    use crate::message::{Block, Message, Rich};
    let ws = inv.ws();
    if !drift.is_empty() {
        if !actor(s, inv).await?.is_admin {
            return Err(CommandError::Invalid {
                problem: "only an admin can change the workspace's drift thresholds".into(),
                example: "settings".into(),
            });
        }
        let mut t = s.store.drift_thresholds(ws).await?;
        for (setting, n) in &drift {
            match setting {
                DriftSetting::Silent => t.silent_cycles = *n as usize,
                DriftSetting::StuckOffTrack => t.stuck_off_track = *n as usize,
                DriftSetting::StuckAtRisk => t.stuck_at_risk = *n as usize,
                DriftSetting::Flat => t.flat_updates = *n as usize,
                DriftSetting::Behind => t.behind_points = *n,
                DriftSetting::Slipping => t.slipping_moves = *n as usize,
            }
        }
        let spec = format!(
            "silent={},stuck_off_track={},stuck_at_risk={},flat={},behind={},slipping={}",
            t.silent_cycles,
            t.stuck_off_track,
            t.stuck_at_risk,
            t.flat_updates,
            t.behind_points,
            t.slipping_moves
        );
        s.store
            .set_drift_thresholds(ws, &spec, inv.now.timestamp())
            .await?;
    }
    let t = s.store.drift_thresholds(ws).await?;
    let changed: Vec<String> = drift
        .iter()
        .map(|(k, n)| format!("{}:{n}", k.key()))
        .collect();
    let mut blocks = vec![Block::Header("Drift thresholds".into())];
    if !changed.is_empty() {
        blocks.push(Block::Text(
            Rich::new().text(format!("Changed {}.", changed.join(", "))),
        ));
    }
    blocks.push(Block::Text(Rich::new().text(format!(
        "silent: no check-in in the last {} cycles\nstuck: the last {} updates off-track, or the last {} at risk or worse\nflat: progress unchanged over the last {} updates\nbehind: more than {} points below the straight line to the due date\nslipping: the due date moved {} times or more",
        t.silent_cycles, t.stuck_off_track, t.stuck_at_risk, t.flat_updates, t.behind_points, t.slipping_moves
    ))));
    blocks.push(render::next_steps(
        inv.prefix,
        &["settings drift silent:3 behind:30", "list stalled"],
    ));
    Ok(Message::private(blocks))
}
