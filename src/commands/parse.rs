//! The command grammar of the contract, parsed once into [`Command`]. Past this point nothing
//! re-checks a date, a status or a priority number.

use chrono_tz::Tz;

use super::help;
use super::tokens::{Token, TokenError, tokenize};
use crate::domain::due::DueDateError;
use crate::domain::ids::PriorityNumberError;
use crate::domain::priority::{ProgressError, TitleError, normalise_title};
use crate::domain::schedule::{Schedule, ScheduleError};
use crate::domain::status::UnknownStatus;
use crate::domain::team::TeamNameError;
use crate::domain::{ChannelRef, DueDate, PriorityNumber, Progress, Status, TeamName, UserRef};

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
    },
    AwayOff,
    Dashboard,
    /// `settings` shows the workspace's drift thresholds; `settings drift silent:3 …` changes
    /// them (admins).
    Settings {
        drift: Vec<(DriftSetting, i64)>,
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
}

impl DriftSetting {
    pub const ALL: [(&'static str, DriftSetting); 5] = [
        ("silent", DriftSetting::Silent),
        ("off-track", DriftSetting::StuckOffTrack),
        ("at-risk", DriftSetting::StuckAtRisk),
        ("flat", DriftSetting::Flat),
        ("behind", DriftSetting::Behind),
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
    },
    Digest {
        schedule: Schedule,
    },
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneChoice {
    Zone(Tz),
    Member,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remind {
    After(chrono::Duration),
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("there is no command here")]
    Empty,
    #[error("`{word}` is not a pacer command")]
    UnknownCommand {
        word: String,
        suggestion: Option<&'static str>,
    },
    #[error("{0}")]
    Token(#[from] TokenError),
    #[error("`{command}` needs {what}")]
    Missing {
        command: &'static str,
        what: &'static str,
    },
    #[error("`{command}` does not take `{got}`")]
    Unexpected { command: &'static str, got: String },
    #[error("`{option}:` is given twice")]
    Repeated {
        command: &'static str,
        option: String,
    },
    #[error("`{command}` has no `{option}:` option")]
    UnknownOption {
        command: &'static str,
        option: String,
    },
    #[error("{source}")]
    Priority {
        command: &'static str,
        source: PriorityNumberError,
    },
    #[error("{source}; use one of on-track, at-risk, off-track, done, dropped")]
    Status {
        command: &'static str,
        source: UnknownStatus,
        suggestion: Option<&'static str>,
    },
    #[error("{source}")]
    Progress {
        command: &'static str,
        source: ProgressError,
    },
    #[error("{source}; use YYYY-MM-DD, Q1…Q4, +Nd, +Nw or eoq")]
    Due {
        command: &'static str,
        source: DueDateError,
    },
    #[error("{source}")]
    TeamName {
        command: &'static str,
        source: TeamNameError,
    },
    #[error("{source}")]
    Title {
        command: &'static str,
        source: TitleError,
    },
    #[error("`{got}` is not a time zone; use an IANA name like Europe/Berlin, or `member`")]
    Zone { command: &'static str, got: String },
    #[error("`{got}` is not a duration; use minutes or hours like 30m, 4h, 1h30m, or `off`")]
    Duration { command: &'static str, got: String },
    #[error("{source}")]
    Schedule {
        command: &'static str,
        source: ScheduleError,
    },
    #[error("`{got}` is not a subcommand of `{command}`")]
    UnknownSubcommand {
        command: &'static str,
        got: String,
        suggestion: Option<&'static str>,
    },
    #[error("`{command}` needs `on` between the two priorities")]
    MissingOn { command: &'static str },
    #[error("the note is too long (at most 2,000 characters)")]
    NoteTooLong { command: &'static str },
}

impl ParseError {
    /// The command whose usage helps with this mistake, if one is known.
    pub fn command(&self) -> Option<&'static str> {
        use ParseError::*;
        match self {
            Empty | UnknownCommand { .. } | Token(_) => None,
            Missing { command, .. }
            | Unexpected { command, .. }
            | Repeated { command, .. }
            | UnknownOption { command, .. }
            | Priority { command, .. }
            | Status { command, .. }
            | Progress { command, .. }
            | Due { command, .. }
            | TeamName { command, .. }
            | Title { command, .. }
            | Zone { command, .. }
            | Duration { command, .. }
            | Schedule { command, .. }
            | UnknownSubcommand { command, .. }
            | MissingOn { command }
            | NoteTooLong { command } => Some(command),
        }
    }

    /// A likely-meant word, for "did you mean".
    pub fn suggestion(&self) -> Option<&'static str> {
        match self {
            ParseError::UnknownCommand { suggestion, .. }
            | ParseError::UnknownSubcommand { suggestion, .. }
            | ParseError::Status { suggestion, .. } => *suggestion,
            _ => None,
        }
    }
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
        "dashboard" => no_args(rest, "dashboard", Command::Dashboard),
        "settings" => parse_settings(rest),
        _ => Err(ParseError::UnknownCommand {
            suggestion: help::did_you_mean(&word, help::COMMANDS.iter().map(|c| c.name)),
            word: first.text(),
        }),
    }
}

fn no_args(rest: Vec<Token>, command: &'static str, ok: Command) -> Result<Command, ParseError> {
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
    if let Some(extra) = it.next() {
        return Err(ParseError::Unexpected {
            command: "help",
            got: extra.text(),
        });
    }
    Ok(Command::Help { topic })
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

fn parse_add(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "add";
    let (mut owner, mut team, mut due_date, mut parent) = (None, None, None, None);
    let mut words: Vec<String> = Vec::new();
    for t in rest {
        match t {
            Token::Mention(u) => set_once(&mut owner, u, C, "@owner")?,
            Token::Option { key, value } => match key.as_str() {
                "team" => set_once(&mut team, team_name(C, &value)?, C, "team")?,
                "due" => set_once(&mut due_date, due(C, &value)?, C, "due")?,
                "parent" => set_once(&mut parent, priority(C, &value)?, C, "parent")?,
                _ => {
                    return Err(ParseError::UnknownOption {
                        command: C,
                        option: key,
                    });
                }
            },
            Token::Channel(c) if c.id.is_some() => {
                return Err(ParseError::Unexpected {
                    command: C,
                    got: c.to_string(),
                });
            }
            other => words.push(other.text()),
        }
    }
    if words.is_empty() {
        return Err(ParseError::Missing {
            command: C,
            what: "a title",
        });
    }
    let title = normalise_title(&words.join(" "))
        .map_err(|source| ParseError::Title { command: C, source })?;
    Ok(Command::Add {
        title,
        owner,
        team,
        due: due_date,
        parent,
    })
}

fn parse_list(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "list";
    let mut it = rest.into_iter();
    let filter = match it.next() {
        None => ListFilter::Default,
        Some(Token::Mention(u)) => ListFilter::Person(u),
        Some(Token::Option { key, value }) if key == "team" => {
            ListFilter::Team(team_name(C, &value)?)
        }
        Some(Token::Option { key, .. }) => {
            return Err(ParseError::UnknownOption {
                command: C,
                option: key,
            });
        }
        Some(Token::Word(w)) => match w.to_lowercase().as_str() {
            "mine" | "me" | "my" => ListFilter::Mine,
            "all" | "everything" => ListFilter::All,
            "stalled" | "drifting" => ListFilter::Stalled,
            other => {
                return Err(ParseError::UnknownSubcommand {
                    command: C,
                    suggestion: help::did_you_mean(other, ["mine", "all", "stalled"]),
                    got: w,
                });
            }
        },
        Some(t) => {
            return Err(ParseError::Unexpected {
                command: C,
                got: t.text(),
            });
        }
    };
    if let Some(extra) = it.next() {
        return Err(ParseError::Unexpected {
            command: C,
            got: extra.text(),
        });
    }
    Ok(Command::List(filter))
}

fn parse_show(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "show";
    let mut it = rest.into_iter();
    let number = match it.next() {
        None => {
            return Err(ParseError::Missing {
                command: C,
                what: "a priority like #12",
            });
        }
        Some(t) => priority(C, &t.text())?,
    };
    if let Some(extra) = it.next() {
        return Err(ParseError::Unexpected {
            command: C,
            got: extra.text(),
        });
    }
    Ok(Command::Show(number))
}

fn parse_status(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "status";
    let mut it = rest.into_iter().peekable();
    let number = match it.next() {
        None => {
            return Err(ParseError::Missing {
                command: C,
                what: "a priority and a status, like `#12 at-risk`",
            });
        }
        Some(t) => priority(C, &t.text())?,
    };
    let status = match it.next() {
        None => {
            return Err(ParseError::Missing {
                command: C,
                what: "a status (on-track, at-risk, off-track, done or dropped)",
            });
        }
        Some(t) => {
            let text = t.text();
            // "on track" written as two words.
            let joined = match (text.to_lowercase().as_str(), it.peek()) {
                ("on" | "at" | "off", Some(Token::Word(next)))
                    if matches!(next.to_lowercase().as_str(), "track" | "risk") =>
                {
                    let next = next.clone();
                    it.next();
                    format!("{text}-{next}")
                }
                _ => text,
            };
            joined
                .parse::<Status>()
                .map_err(|source| ParseError::Status {
                    command: C,
                    suggestion: help::did_you_mean(&source.0, Status::ALL.map(Status::as_str)),
                    source,
                })?
        }
    };
    // Progress is written with `%` as the grammar says, so a note may start with a number
    // ("3 vendors late").
    let mut progress = None;
    if let Some(Token::Word(w)) = it.peek()
        && w.ends_with('%')
    {
        let w = w.clone();
        it.next();
        progress = Some(
            w.parse::<Progress>()
                .map_err(|source| ParseError::Progress { command: C, source })?,
        );
    }
    let note_words: Vec<String> = it.map(|t| t.text()).collect();
    let note = if note_words.is_empty() {
        None
    } else {
        let note = note_words.join(" ");
        if note.chars().count() > 2000 {
            return Err(ParseError::NoteTooLong { command: C });
        }
        Some(note)
    };
    Ok(Command::Status {
        number,
        status,
        progress,
        note,
    })
}

fn parse_edit(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "edit";
    let mut it = rest.into_iter();
    let number = match it.next() {
        None => {
            return Err(ParseError::Missing {
                command: C,
                what: "a priority and what to change, like `#12 due:Q2`",
            });
        }
        Some(t) => priority(C, &t.text())?,
    };
    let (mut title, mut owner, mut team, mut due_date, mut parent) = (None, None, None, None, None);
    for t in it {
        match t {
            Token::Mention(u) => set_once(&mut owner, u, C, "@owner")?,
            Token::Option { key, value } => match key.as_str() {
                "title" => {
                    let t = normalise_title(&value)
                        .map_err(|source| ParseError::Title { command: C, source })?;
                    set_once(&mut title, t, C, "title")?
                }
                "team" => set_once(&mut team, team_name(C, &value)?, C, "team")?,
                "due" => {
                    let d = if value.eq_ignore_ascii_case("none") {
                        None
                    } else {
                        Some(due(C, &value)?)
                    };
                    set_once(&mut due_date, d, C, "due")?
                }
                "parent" => {
                    let p = if value.eq_ignore_ascii_case("none") {
                        None
                    } else {
                        Some(priority(C, &value)?)
                    };
                    set_once(&mut parent, p, C, "parent")?
                }
                _ => {
                    return Err(ParseError::UnknownOption {
                        command: C,
                        option: key,
                    });
                }
            },
            other => {
                return Err(ParseError::Unexpected {
                    command: C,
                    got: other.text(),
                });
            }
        }
    }
    if title.is_none()
        && owner.is_none()
        && team.is_none()
        && due_date.is_none()
        && parent.is_none()
    {
        return Err(ParseError::Missing {
            command: C,
            what: "something to change: title:\"…\", @owner, team:, due: or parent:",
        });
    }
    Ok(Command::Edit {
        number,
        title,
        owner,
        team,
        due: due_date,
        parent,
    })
}

fn parse_depends(
    rest: Vec<Token>,
    command: &'static str,
) -> Result<(PriorityNumber, PriorityNumber), ParseError> {
    let mut it = rest.into_iter();
    let missing = || ParseError::Missing {
        command,
        what: "two priorities, like `#12 on #7`",
    };
    let (Some(a), Some(on)) = (it.next(), it.next()) else {
        return Err(missing());
    };
    // `depends #12 #7` has both priorities but lacks the `on`.
    if !on.text().eq_ignore_ascii_case("on") {
        return Err(ParseError::MissingOn { command });
    }
    let Some(b) = it.next() else {
        return Err(missing());
    };
    if let Some(extra) = it.next() {
        return Err(ParseError::Unexpected {
            command,
            got: extra.text(),
        });
    }
    Ok((priority(command, &a.text())?, priority(command, &b.text())?))
}

/// A team name may run over several words (`team add Growth Marketing #growth`): the words up
/// to the first mention, channel or option.
fn take_team_name(
    tokens: &mut std::iter::Peekable<std::vec::IntoIter<Token>>,
    command: &'static str,
) -> Result<TeamName, ParseError> {
    let mut words = Vec::new();
    while let Some(t) = tokens.peek() {
        match t {
            Token::Word(w) if !is_priority_ref(t) => {
                words.push(w.clone());
                tokens.next();
            }
            Token::Quoted(q) if words.is_empty() => {
                words.push(q.clone());
                tokens.next();
                break;
            }
            _ => break,
        }
    }
    if words.is_empty() {
        return Err(ParseError::Missing {
            command,
            what: "a team name",
        });
    }
    team_name(command, &words.join(" "))
}

fn parse_team(rest: Vec<Token>) -> Result<Command, ParseError> {
    let mut it = rest.into_iter().peekable();
    let sub = match it.next() {
        None => {
            return Err(ParseError::Missing {
                command: "team",
                what: "a subcommand: add, join, leave or show",
            });
        }
        Some(t) => t.text().to_lowercase(),
    };
    match sub.as_str() {
        "add" | "create" | "new" => {
            const C: &str = "team";
            let name = take_team_name(&mut it, C)?;
            let (mut channel, mut lead, mut parent) = (None, None, None);
            for t in it {
                match t {
                    Token::Channel(c) => set_once(&mut channel, c, C, "#channel")?,
                    Token::Option { key, value } => match key.as_str() {
                        "lead" => {
                            let u = match super::tokens::tokenize(&value)?.into_iter().next() {
                                Some(Token::Mention(u)) => u,
                                _ => {
                                    return Err(ParseError::Missing {
                                        command: C,
                                        what: "a person after lead:, like lead:@ana",
                                    });
                                }
                            };
                            set_once(&mut lead, u, C, "lead")?
                        }
                        "parent" => set_once(&mut parent, team_name(C, &value)?, C, "parent")?,
                        _ => {
                            return Err(ParseError::UnknownOption {
                                command: C,
                                option: key,
                            });
                        }
                    },
                    other => {
                        return Err(ParseError::Unexpected {
                            command: C,
                            got: other.text(),
                        });
                    }
                }
            }
            Ok(Command::TeamAdd {
                name,
                channel,
                lead,
                parent,
            })
        }
        "join" | "leave" => {
            let name = take_team_name(&mut it, "team")?;
            let mut people = Vec::new();
            for t in it {
                match t {
                    Token::Mention(u) => {
                        if !people.contains(&u) {
                            people.push(u)
                        }
                    }
                    other => {
                        return Err(ParseError::Unexpected {
                            command: "team",
                            got: other.text(),
                        });
                    }
                }
            }
            Ok(if sub == "join" {
                Command::TeamJoin { name, people }
            } else {
                Command::TeamLeave { name, people }
            })
        }
        "show" => {
            let name = take_team_name(&mut it, "team")?;
            match it.next() {
                None => Ok(Command::TeamShow(name)),
                Some(t) => Err(ParseError::Unexpected {
                    command: "team",
                    got: t.text(),
                }),
            }
        }
        _ => Err(ParseError::UnknownSubcommand {
            command: "team",
            suggestion: help::did_you_mean(&sub, ["add", "join", "leave", "show"]),
            got: sub,
        }),
    }
}

fn parse_duration(text: &str) -> Option<chrono::Duration> {
    let lower = text.to_ascii_lowercase();
    let mut total = 0i64;
    let mut digits = String::new();
    let mut saw_unit = false;
    for c in lower.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            if digits.len() > 5 {
                return None;
            }
            continue;
        }
        let n: i64 = digits.parse().ok()?;
        digits.clear();
        total += match c {
            'd' => n * 24 * 60,
            'h' => n * 60,
            'm' => n,
            _ => return None,
        };
        saw_unit = true;
    }
    if !digits.is_empty() || !saw_unit || total == 0 || total > 7 * 24 * 60 {
        return None;
    }
    Some(chrono::Duration::minutes(total))
}

fn parse_rhythm(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "rhythm";
    let mut it = rest.into_iter().peekable();
    // The team name runs up to the subcommand word.
    let mut words = Vec::new();
    let mut sub = None;
    for t in it.by_ref() {
        match &t {
            Token::Word(w)
                if matches!(
                    w.to_lowercase().as_str(),
                    "checkin" | "check-in" | "digest" | "off"
                ) =>
            {
                sub = Some(w.to_lowercase());
                break;
            }
            Token::Word(w) | Token::Quoted(w) => words.push(w.clone()),
            other => {
                return Err(ParseError::Unexpected {
                    command: C,
                    got: other.text(),
                });
            }
        }
    }
    if words.is_empty() {
        return Err(ParseError::Missing {
            command: C,
            what: "a team name",
        });
    }
    let team = team_name(C, &words.join(" "))?;
    let Some(sub) = sub else {
        return Err(ParseError::Missing {
            command: C,
            what: "what to set: checkin \"<schedule>\", digest \"<schedule>\" or off",
        });
    };
    if sub == "off" {
        return match it.next() {
            None => Ok(Command::Rhythm {
                team,
                change: RhythmChange::Off,
            }),
            Some(t) => Err(ParseError::Unexpected {
                command: C,
                got: t.text(),
            }),
        };
    }
    let schedule_text = match it.next() {
        Some(Token::Quoted(s)) => s,
        Some(Token::Word(w)) => w,
        _ => {
            return Err(ParseError::Missing {
                command: C,
                what: "a schedule in quotes, like \"mon 09:00\" or \"0 9 * * 1\"",
            });
        }
    };
    let schedule: Schedule = schedule_text
        .parse()
        .map_err(|source| ParseError::Schedule { command: C, source })?;
    if sub == "digest" {
        return match it.next() {
            None => Ok(Command::Rhythm {
                team,
                change: RhythmChange::Digest { schedule },
            }),
            Some(t) => Err(ParseError::Unexpected {
                command: C,
                got: t.text(),
            }),
        };
    }
    let (mut zone, mut remind) = (None, None);
    for t in it {
        match t {
            Token::Option { key, value } if key == "tz" => {
                let z = if value.eq_ignore_ascii_case("member") {
                    ZoneChoice::Member
                } else {
                    ZoneChoice::Zone(value.parse::<Tz>().map_err(|_| ParseError::Zone {
                        command: C,
                        got: value.clone(),
                    })?)
                };
                set_once(&mut zone, z, C, "tz")?
            }
            Token::Option { key, value } if key == "remind" => {
                let r = if value.eq_ignore_ascii_case("off") {
                    Remind::Off
                } else {
                    Remind::After(parse_duration(&value).ok_or_else(|| ParseError::Duration {
                        command: C,
                        got: value.clone(),
                    })?)
                };
                set_once(&mut remind, r, C, "remind")?
            }
            Token::Option { key, .. } => {
                return Err(ParseError::UnknownOption {
                    command: C,
                    option: key,
                });
            }
            other => {
                return Err(ParseError::Unexpected {
                    command: C,
                    got: other.text(),
                });
            }
        }
    }
    Ok(Command::Rhythm {
        team,
        change: RhythmChange::Checkin {
            schedule,
            zone,
            remind,
        },
    })
}

fn parse_digest(rest: Vec<Token>) -> Result<Command, ParseError> {
    let mut it = rest.into_iter().peekable();
    if it.peek().is_none() {
        return Ok(Command::Digest { team: None });
    }
    let team = take_team_name(&mut it, "digest")?;
    match it.next() {
        None => Ok(Command::Digest { team: Some(team) }),
        Some(t) => Err(ParseError::Unexpected {
            command: "digest",
            got: t.text(),
        }),
    }
}

fn parse_settings(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "settings";
    let mut it = rest.into_iter();
    match it.next() {
        None => return Ok(Command::Settings { drift: Vec::new() }),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("drift") => {}
        Some(t) => {
            return Err(ParseError::UnknownSubcommand {
                command: C,
                got: t.text(),
                suggestion: help::did_you_mean(&t.text(), ["drift"]),
            });
        }
    }
    let mut drift = Vec::new();
    for t in it {
        let text = t.text();
        let Some((key, value)) = text.split_once(':') else {
            return Err(ParseError::Unexpected {
                command: C,
                got: text,
            });
        };
        let Some((_, setting)) = DriftSetting::ALL
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        else {
            return Err(ParseError::UnknownOption {
                command: C,
                option: key.to_string(),
            });
        };
        let n: i64 = match value.trim_end_matches('%').parse() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(ParseError::Unexpected {
                    command: C,
                    got: format!("{key}:{value} (use a whole number from 1 to 100)"),
                });
            }
        };
        if drift.iter().any(|(s, _)| s == setting) {
            return Err(ParseError::Repeated {
                command: C,
                option: key.to_string(),
            });
        }
        drift.push((*setting, n));
    }
    if drift.is_empty() {
        return Err(ParseError::Missing {
            command: C,
            what: "thresholds to change, like `drift silent:3 behind:30`",
        });
    }
    Ok(Command::Settings { drift })
}

fn parse_away(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "away";
    let texts: Vec<String> = rest.iter().map(Token::text).collect();
    match texts.as_slice() {
        [off] if off.eq_ignore_ascii_case("off") => Ok(Command::AwayOff),
        [from, to] => Ok(Command::Away {
            from: due(C, from)?,
            to: due(C, to)?,
        }),
        [] | [_] => Err(ParseError::Missing {
            command: C,
            what: "two dates (from and to), or `off`",
        }),
        [_, _, extra, ..] => Err(ParseError::Unexpected {
            command: C,
            got: extra.clone(),
        }),
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
