//! Parsing what leaders use to close the loop: `raise #N "<why>"`, `decide #N "<text>"
//! [@owner] [due:<date>]`, `decide done #N` and `agenda [team]`.

use super::teams::take_team_name;
use super::{Command, ParseError, due, no_args, priority, set_once};
use crate::commands::tokens::Token;
use crate::domain::ids::UserRef;
use crate::domain::{DueDate, PriorityNumber};

/// How long a raise's reason or a decision's text may be: a line a person reads in a meeting.
pub const TEXT_MAX: usize = 500;

pub(super) fn parse_raise(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "raise";
    let mut it = rest.into_iter();
    let number = leading_priority(C, it.next())?;
    let mut words = Vec::new();
    for t in it {
        match t {
            Token::Word(w) | Token::Quoted(w) => words.push(w),
            other => {
                return Err(ParseError::Unexpected {
                    command: C,
                    got: other.text(),
                });
            }
        }
    }
    let reason = text(
        C,
        words,
        "why it needs the parent team, like `#12 \"need a decision on the vendor\"`",
    )?;
    Ok(Command::Raise { number, reason })
}

pub(super) fn parse_decide(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "decide";
    let mut it = rest.into_iter().peekable();
    if let Some(Token::Word(w)) = it.peek()
        && w.eq_ignore_ascii_case("done")
    {
        it.next();
        let number = leading_priority(C, it.next())?;
        return no_args(it, C, Command::DecideDone(number));
    }
    let number = leading_priority(C, it.next())?;
    let Handoff {
        person: owner,
        due: due_date,
        words,
    } = handoff(C, it, "@owner")?;
    if due_date.is_some() && owner.is_none() {
        return Err(ParseError::Missing {
            command: C,
            what: "an @owner for the follow-up that `due:` dates",
        });
    }
    let text = text(
        C,
        words,
        "what was decided, like `#12 \"drop the vendor, build in-house\"`",
    )?;
    Ok(Command::Decide {
        number,
        text,
        owner,
        due: due_date,
    })
}

/// How long an assignment's note may be.
pub const NOTE_MAX: usize = 300;

pub(super) fn parse_assign(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "assign";
    let mut it = rest.into_iter();
    let number = leading_priority(C, it.next())?;
    let Handoff {
        person: owner,
        due: due_date,
        words,
    } = handoff(C, it, "@someone")?;
    let Some(owner) = owner else {
        return Err(ParseError::Missing {
            command: C,
            what: "who takes it, like `#12 @ben due:+1w`",
        });
    };
    let note = if words.is_empty() {
        None
    } else {
        let line = text(C, words, "what to bring back")?;
        if line.chars().count() > NOTE_MAX {
            return Err(ParseError::TextTooLong {
                command: C,
                max: NOTE_MAX,
            });
        }
        Some(line)
    };
    Ok(Command::Assign {
        number,
        owner,
        due: due_date,
        note,
    })
}

pub(super) fn parse_agenda(rest: Vec<Token>) -> Result<Command, ParseError> {
    let mut it = rest.into_iter().peekable();
    if it.peek().is_none() {
        return Ok(Command::Agenda { team: None });
    }
    let team = take_team_name(&mut it, "agenda")?;
    no_args(it, "agenda", Command::Agenda { team: Some(team) })
}

/// What `decide` and `assign` take after the priority: one @person, one `due:`, and words.
struct Handoff {
    person: Option<UserRef>,
    due: Option<DueDate>,
    words: Vec<String>,
}

fn handoff(
    command: &'static str,
    tokens: impl Iterator<Item = Token>,
    person_label: &'static str,
) -> Result<Handoff, ParseError> {
    let (mut person, mut due_date) = (None, None);
    let mut words = Vec::new();
    for t in tokens {
        match t {
            Token::Mention(u) => set_once(&mut person, u, command, person_label)?,
            Token::Option { key, value } if key == "due" => {
                set_once(&mut due_date, due(command, &value)?, command, "due")?
            }
            Token::Option { key, .. } => {
                return Err(ParseError::UnknownOption {
                    command,
                    option: key,
                });
            }
            Token::Word(w) | Token::Quoted(w) => words.push(w),
            other => {
                return Err(ParseError::Unexpected {
                    command,
                    got: other.text(),
                });
            }
        }
    }
    Ok(Handoff {
        person,
        due: due_date,
        words,
    })
}

fn leading_priority(
    command: &'static str,
    first: Option<Token>,
) -> Result<PriorityNumber, ParseError> {
    match first {
        None => Err(ParseError::Missing {
            command,
            what: "a priority like #12",
        }),
        Some(t) => priority(command, &t.text()),
    }
}

/// The words as one line of text: not empty, and at most [`TEXT_MAX`] characters.
fn text(
    command: &'static str,
    words: Vec<String>,
    what: &'static str,
) -> Result<String, ParseError> {
    let line = words.join(" ").trim().to_string();
    if line.is_empty() {
        return Err(ParseError::Missing { command, what });
    }
    if line.chars().count() > TEXT_MAX {
        return Err(ParseError::TextTooLong {
            command,
            max: TEXT_MAX,
        });
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::domain::{DueDate, TeamName, UserRef};

    #[test]
    fn raise_takes_a_priority_and_a_reason() {
        assert_eq!(
            parse("raise #12 \"need a decision on the vendor\""),
            Ok(Command::Raise {
                number: PriorityNumber(12),
                reason: "need a decision on the vendor".into()
            })
        );
        assert_eq!(
            parse("raise #3 budget &lt;b&gt;"),
            Ok(Command::Raise {
                number: PriorityNumber(3),
                reason: "budget <b>".into()
            })
        );
        assert!(matches!(
            parse("raise #12"),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(parse("raise"), Err(ParseError::Missing { .. })));
        assert!(matches!(
            parse(&format!("raise #1 \"{}\"", "x".repeat(501))),
            Err(ParseError::TextTooLong { max: 500, .. })
        ));
        assert!(parse(&format!("raise #1 \"{}\"", "x".repeat(500))).is_ok());
        assert!(parse("raise #1 why <@U0BEN>").is_err());
    }

    #[test]
    fn decide_takes_text_an_owner_and_a_due_date() {
        assert_eq!(
            parse("decide #12 \"drop the vendor, build in-house\" @ben due:2026-12-10"),
            Ok(Command::Decide {
                number: PriorityNumber(12),
                text: "drop the vendor, build in-house".into(),
                owner: Some(UserRef::Name("ben".into())),
                due: Some(DueDate::On(
                    chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
                )),
            })
        );
        assert_eq!(
            parse("decide done #12"),
            Ok(Command::DecideDone(PriorityNumber(12)))
        );
        assert!(matches!(
            parse("decide #12 \"x\" due:Q1"),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(
            parse("decide #12 \"x\" team:Platform"),
            Err(ParseError::UnknownOption { .. })
        ));
        assert!(matches!(
            parse("decide #12"),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(
            parse("decide #12 \"x\" @a @b"),
            Err(ParseError::Repeated { .. })
        ));
    }

    #[test]
    fn assign_takes_someone_an_optional_date_and_a_note() {
        assert_eq!(
            parse("assign #12 @ben due:2026-12-24 \"two vendor quotes\""),
            Ok(Command::Assign {
                number: PriorityNumber(12),
                owner: UserRef::Name("ben".into()),
                due: Some("2026-12-24".parse::<DueDate>().unwrap()),
                note: Some("two vendor quotes".into()),
            })
        );
        assert_eq!(
            parse("assign #3 @ana"),
            Ok(Command::Assign {
                number: PriorityNumber(3),
                owner: UserRef::Name("ana".into()),
                due: None,
                note: None,
            })
        );
        for wrong in [
            "assign",
            "assign #12",
            "assign #12 @a @b",
            "assign #12 @a due:soon",
            "assign #12 @a team:Platform",
        ] {
            assert!(parse(wrong).is_err(), "{wrong}");
        }
        let long = format!("assign #1 @a \"{}\"", "x".repeat(NOTE_MAX + 1));
        assert!(matches!(
            parse(&long),
            Err(ParseError::TextTooLong { max: NOTE_MAX, .. })
        ));
    }

    #[test]
    fn agenda_takes_an_optional_team() {
        assert_eq!(parse("agenda"), Ok(Command::Agenda { team: None }));
        assert_eq!(
            parse("agenda Leadership Team"),
            Ok(Command::Agenda {
                team: Some("Leadership Team".parse::<TeamName>().unwrap())
            })
        );
        assert!(parse("agenda Platform #3").is_err());
    }
}
