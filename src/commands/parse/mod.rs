//! The command grammar of the contract, parsed once into [`Command`]. Past this point nothing
//! re-checks a date, a status or a priority number. This file holds the commands and the
//! helpers every parser shares; the parsers are grouped by what they are about: priorities,
//! teams, rhythms (with away periods) and settings.

mod api_tokens;
mod error;
mod holidays;
mod priorities;
mod review;
mod rhythm;
mod settings;
mod teams;
mod webhooks;

use chrono_tz::Tz;

use super::help;
use super::tokens::{Token, tokenize};
use crate::domain::holiday::{DayRange, HolidayName};
use crate::domain::schedule::Schedule;
use crate::domain::{ChannelRef, DueDate, PriorityNumber, Progress, Status, TeamName, UserRef};

use api_tokens::parse_token;
pub use api_tokens::{LABEL_MAX, TokenAction};
pub use error::ParseError;
use holidays::{parse_holiday, parse_holidays};
use priorities::{parse_add, parse_depends, parse_edit, parse_list, parse_show, parse_status};
pub use review::{NOTE_MAX, TEXT_MAX};
use review::{parse_agenda, parse_assign, parse_decide, parse_raise};
use rhythm::{parse_away, parse_rhythm};
use rhythm::{parse_follow, parse_unfollow};
use settings::parse_settings;
use teams::{parse_digest, parse_team};
use webhooks::parse_webhook;

// The grammar's tests match on the sources of parse errors by these names.
#[cfg(test)]
use {
    super::tokens::TokenError,
    crate::domain::due::DueDateError,
    crate::domain::ids::PriorityNumberError,
    crate::domain::priority::{ProgressError, TitleError},
    crate::domain::status::UnknownStatus,
    crate::domain::team::TeamNameError,
};

/// The tokens after a command word, which parsers look ahead in.
type Tokens = std::iter::Peekable<std::vec::IntoIter<Token>>;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Help {
        topic: Option<String>,
    },
    Add {
        title: String,
        owner: Option<UserRef>,
        team: Option<TeamName>,
        due: Option<DueDate>,
        parent: Option<PriorityNumber>,
    },
    List(ListFilter),
    Show(PriorityNumber),
    Status {
        number: PriorityNumber,
        status: Status,
        progress: Option<Progress>,
        note: Option<String>,
    },
    Edit {
        number: PriorityNumber,
        title: Option<String>,
        owner: Option<UserRef>,
        team: Option<TeamName>,
        /// `Some(None)` is `due:none`.
        due: Option<Option<DueDate>>,
        parent: Option<Option<PriorityNumber>>,
        /// Why the due date moves (`"vendor delay"`), kept in the slip log.
        reason: Option<String>,
    },
    Depends {
        number: PriorityNumber,
        on: PriorityNumber,
    },
    Undepend {
        number: PriorityNumber,
        on: PriorityNumber,
    },
    TeamAdd {
        name: TeamName,
        channel: Option<ChannelRef>,
        lead: Option<UserRef>,
        parent: Option<TeamName>,
    },
    TeamJoin {
        name: TeamName,
        people: Vec<UserRef>,
    },
    TeamLeave {
        name: TeamName,
        people: Vec<UserRef>,
    },
    TeamShow(TeamName),
    Teams,
    Rhythm {
        team: TeamName,
        change: RhythmChange,
    },
    Checkin,
    Digest {
        team: Option<TeamName>,
    },
    Away {
        from: DueDate,
        to: DueDate,
        /// `acting:@someone`: who gets the person's prompts and answers for them meanwhile.
        acting: Option<UserRef>,
    },
    AwayOff,
    Dashboard,
    /// `follow <team>`: get the team's posted digests as direct messages; `follow` alone lists
    /// the teams followed.
    Follow {
        team: Option<TeamName>,
    },
    /// `unfollow <team>`.
    Unfollow {
        team: TeamName,
    },
    /// `settings` shows the workspace's drift thresholds; `settings drift silent:3 …` changes
    /// them (admins).
    Settings {
        drift: Vec<(DriftSetting, i64)>,
    },
    /// `token add|list|revoke`: the read API's bearer tokens (admins).
    Token(TokenAction),
    /// `webhook add <url>` (admins): register a URL for signed events.
    WebhookAdd {
        url: String,
    },
    /// `webhook list` (admins).
    WebhookList,
    /// `webhook remove <url or id>` (admins).
    WebhookRemove {
        target: String,
    },
    /// `raise #N "<why>"`: put a priority before its team's parent team.
    Raise {
        number: PriorityNumber,
        reason: String,
    },
    /// `decide #N "<text>" [@owner] [due:<date>]`: record a decision (leads, admins).
    Decide {
        number: PriorityNumber,
        text: String,
        /// Who owns the follow-up, if there is one.
        owner: Option<UserRef>,
        due: Option<DueDate>,
    },
    /// `assign #N @someone [due:<date>] ["<what to bring back>"]`: an agenda item goes to
    /// someone who brings it back to the review.
    Assign {
        number: PriorityNumber,
        owner: UserRef,
        due: Option<DueDate>,
        note: Option<String>,
    },
    /// `decide done #N`: the follow-ups of #N's decisions are done.
    DecideDone(PriorityNumber),
    /// `agenda [team]`: what the team's next review should cover, worst first.
    Agenda {
        team: Option<TeamName>,
    },
    /// `holiday add <team> <date>[..<date>] "<name>"` (leads, admins): days off.
    HolidayAdd {
        team: TeamName,
        days: DayRange,
        name: HolidayName,
    },
    /// `holiday list <team>`: the team's days off ahead.
    HolidayList {
        team: TeamName,
    },
    /// `holiday remove <team> <date>` (leads, admins): the holiday covering that date.
    HolidayRemove {
        team: TeamName,
        day: chrono::NaiveDate,
    },
}

/// A drift threshold a workspace may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftSetting {
    Silent,
    StuckOffTrack,
    StuckAtRisk,
    Flat,
    Behind,
    Slipping,
}

impl DriftSetting {
    pub const ALL: [(&'static str, DriftSetting); 6] = [
        ("silent", DriftSetting::Silent),
        ("off-track", DriftSetting::StuckOffTrack),
        ("at-risk", DriftSetting::StuckAtRisk),
        ("flat", DriftSetting::Flat),
        ("behind", DriftSetting::Behind),
        ("slipping", DriftSetting::Slipping),
    ];

    pub fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map(|(k, _)| *k)
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ListFilter {
    /// No filter given: the channel's team if the channel belongs to one, else mine.
    Default,
    Mine,
    All,
    Stalled,
    Team(TeamName),
    Person(UserRef),
}

#[derive(Debug, Clone, PartialEq)]
pub enum RhythmChange {
    Checkin {
        schedule: Schedule,
        zone: Option<ZoneChoice>,
        remind: Option<Remind>,
        /// `focus:on|off`: whether prompts ask the focus question; not given keeps the
        /// current setting (on for a new rhythm).
        focus: Option<bool>,
        /// `ask:changed` or `ask:all`; `None` keeps the current setting.
        ask: Option<Ask>,
    },
    /// `nudge:` when given; without it the team's setting is kept.
    Digest {
        schedule: Schedule,
        nudge: Option<crate::domain::nudge::Nudge>,
    },
    /// When the team's review meets (its agenda is posted an hour before); `None` stops it.
    Review {
        schedule: Option<Schedule>,
    },
    Off,
    /// `rhythm <team>`: show it, with its next firings as the team's holidays move them.
    Show,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneChoice {
    Zone(Tz),
    Member,
}

/// How a team's check-in asks: about every priority, or only about those that may have changed
/// (the others under one *All still on track* button).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    All,
    Changed,
}

impl Ask {
    pub fn as_str(self) -> &'static str {
        match self {
            Ask::All => "all",
            Ask::Changed => "changed",
        }
    }

    /// `all` or `changed`, in any case.
    pub fn parse(text: &str) -> Option<Ask> {
        match text.to_ascii_lowercase().as_str() {
            "all" => Some(Ask::All),
            "changed" => Some(Ask::Changed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remind {
    After(chrono::Duration),
    Off,
}

/// Parse a command's text (what follows `/pacer`).
pub fn parse(input: &str) -> Result<Command, ParseError> {
    let tokens = tokenize(input)?;
    let mut it = tokens.into_iter();
    let Some(first) = it.next() else {
        return Err(ParseError::Empty);
    };
    let rest: Vec<Token> = it.collect();
    let word = match &first {
        Token::Word(w) => w.to_lowercase(),
        other => {
            return Err(ParseError::UnknownCommand {
                word: other.text(),
                suggestion: None,
            });
        }
    };
    let word = word.strip_prefix('/').unwrap_or(&word).to_string();
    match word.as_str() {
        "help" | "?" => parse_help(rest),
        "add" | "new" => parse_add(rest),
        "list" | "ls" => parse_list(rest),
        "show" => parse_show(rest),
        "status" | "update" => parse_status(rest),
        "edit" => parse_edit(rest),
        "depends" => {
            parse_depends(rest, "depends").map(|(number, on)| Command::Depends { number, on })
        }
        "undepend" => {
            parse_depends(rest, "undepend").map(|(number, on)| Command::Undepend { number, on })
        }
        "team" => parse_team(rest),
        "teams" => no_args(rest, "teams", Command::Teams),
        "rhythm" => parse_rhythm(rest),
        "checkin" | "check-in" => no_args(rest, "checkin", Command::Checkin),
        "digest" => parse_digest(rest),
        "away" => parse_away(rest),
        "follow" => parse_follow(rest),
        "unfollow" => parse_unfollow(rest),
        "dashboard" => no_args(rest, "dashboard", Command::Dashboard),
        "settings" => parse_settings(rest),
        "token" | "tokens" => parse_token(rest),
        "webhook" | "webhooks" => parse_webhook(rest),
        "raise" | "escalate" => parse_raise(rest),
        "decide" | "decision" => parse_decide(rest),
        "agenda" => parse_agenda(rest),
        "assign" => parse_assign(rest),
        "holiday" => parse_holiday(rest),
        "holidays" => parse_holidays(rest),
        _ => Err(ParseError::UnknownCommand {
            suggestion: help::did_you_mean(&word, help::COMMANDS.iter().map(|c| c.name)),
            word: first.text(),
        }),
    }
}

/// `ok` when no token is left; otherwise the first one left is a mistake.
fn no_args<T>(
    rest: impl IntoIterator<Item = Token>,
    command: &'static str,
    ok: T,
) -> Result<T, ParseError> {
    match rest.into_iter().next() {
        None => Ok(ok),
        Some(t) => Err(ParseError::Unexpected {
            command,
            got: t.text(),
        }),
    }
}

fn parse_help(rest: Vec<Token>) -> Result<Command, ParseError> {
    let mut it = rest.into_iter();
    let topic = it.next().map(|t| t.text().to_lowercase());
    no_args(it, "help", Command::Help { topic })
}

fn priority(command: &'static str, text: &str) -> Result<PriorityNumber, ParseError> {
    text.parse()
        .map_err(|source| ParseError::Priority { command, source })
}

fn team_name(command: &'static str, text: &str) -> Result<TeamName, ParseError> {
    text.parse()
        .map_err(|source| ParseError::TeamName { command, source })
}

fn due(command: &'static str, text: &str) -> Result<DueDate, ParseError> {
    text.parse()
        .map_err(|source| ParseError::Due { command, source })
}

fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    command: &'static str,
    option: &str,
) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(ParseError::Repeated {
            command,
            option: option.to_string(),
        });
    }
    *slot = Some(value);
    Ok(())
}

fn is_priority_ref(t: &Token) -> bool {
    matches!(t, Token::Word(w) if w.starts_with('#'))
}

#[cfg(test)]
mod tests;
