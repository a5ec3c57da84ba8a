//! Parsing the priority commands: add, list, show, status, edit, depends and undepend.

use super::{Command, ListFilter, ParseError, due, no_args, priority, set_once, team_name};
use crate::commands::help;
use crate::commands::tokens::Token;
use crate::domain::priority::normalise_title;
use crate::domain::{DueDate, PriorityNumber, Progress, Status, TeamName, UserRef};

pub(super) fn parse_add(rest: Vec<Token>) -> Result<Command, ParseError> {
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

pub(super) fn parse_list(rest: Vec<Token>) -> Result<Command, ParseError> {
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
    no_args(it, C, Command::List(filter))
}

pub(super) fn parse_show(rest: Vec<Token>) -> Result<Command, ParseError> {
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
    no_args(it, C, Command::Show(number))
}

pub(super) fn parse_status(rest: Vec<Token>) -> Result<Command, ParseError> {
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

/// How long a slip's reason may be.
pub const REASON_MAX: usize = 300;

pub(super) fn parse_edit(rest: Vec<Token>) -> Result<Command, ParseError> {
    let mut it = rest.into_iter();
    let number = match it.next() {
        None => {
            return Err(ParseError::Missing {
                command: EDIT,
                what: "a priority and what to change, like `#12 due:Q2`",
            });
        }
        Some(t) => priority(EDIT, &t.text())?,
    };
    let mut edit = EditSlots::default();
    for t in it {
        edit.take(t)?;
    }
    edit.finish(number)
}

const EDIT: &str = "edit";

/// What an `edit` names so far, each at most once.
#[derive(Default)]
struct EditSlots {
    title: Option<String>,
    owner: Option<UserRef>,
    team: Option<TeamName>,
    due: Option<Option<DueDate>>,
    parent: Option<Option<PriorityNumber>>,
    reason: Option<String>,
}

impl EditSlots {
    fn take(&mut self, t: Token) -> Result<(), ParseError> {
        const C: &str = EDIT;
        match t {
            Token::Mention(u) => set_once(&mut self.owner, u, C, "@owner"),
            // The reason a due date moved: the slip log keeps it.
            Token::Quoted(why) if !why.trim().is_empty() => {
                if why.chars().count() > REASON_MAX {
                    return Err(ParseError::NoteTooLong { command: C });
                }
                set_once(&mut self.reason, why.trim().to_string(), C, "\"reason\"")
            }
            Token::Option { key, value } => self.option(key, &value),
            other => Err(ParseError::Unexpected {
                command: C,
                got: other.text(),
            }),
        }
    }

    fn option(&mut self, key: String, value: &str) -> Result<(), ParseError> {
        const C: &str = EDIT;
        let none = value.eq_ignore_ascii_case("none");
        match key.as_str() {
            "title" => {
                let t = normalise_title(value)
                    .map_err(|source| ParseError::Title { command: C, source })?;
                set_once(&mut self.title, t, C, "title")
            }
            "team" => set_once(&mut self.team, team_name(C, value)?, C, "team"),
            "due" => {
                let d = if none { None } else { Some(due(C, value)?) };
                set_once(&mut self.due, d, C, "due")
            }
            "parent" => {
                let p = if none {
                    None
                } else {
                    Some(priority(C, value)?)
                };
                set_once(&mut self.parent, p, C, "parent")
            }
            _ => Err(ParseError::UnknownOption {
                command: C,
                option: key,
            }),
        }
    }

    fn finish(self, number: PriorityNumber) -> Result<Command, ParseError> {
        // Quoted text is the reason a due date moves; without a new due date it is a mistake
        // (most likely a title without `title:`).
        if let (Some(text), None) = (&self.reason, &self.due) {
            return Err(ParseError::Unexpected {
                command: EDIT,
                got: text.clone(),
            });
        }
        if self.title.is_none()
            && self.owner.is_none()
            && self.team.is_none()
            && self.due.is_none()
            && self.parent.is_none()
        {
            return Err(ParseError::Missing {
                command: EDIT,
                what: "something to change: title:\"…\", @owner, team:, due: or parent:",
            });
        }
        Ok(Command::Edit {
            number,
            title: self.title,
            owner: self.owner,
            team: self.team,
            due: self.due,
            parent: self.parent,
            reason: self.reason,
        })
    }
}

pub(super) fn parse_depends(
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
