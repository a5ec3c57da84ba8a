//! Parsing `holiday add <team> <date>[..<date>] "<name>"`, `holiday list <team>` and
//! `holiday remove <team> <date>`. A team name runs up to the first word that starts like a
//! date (a digit, with a `-` in it), or is the first token when quoted.

use chrono::NaiveDate;

use super::{Command, ParseError, Tokens, help, no_args, team_name};
use crate::commands::tokens::Token;
use crate::domain::TeamName;
use crate::domain::holiday::{DayRange, HolidayName, parse_day};

const C: &str = "holiday";
const SUBCOMMANDS: [&str; 3] = ["add", "list", "remove"];

pub(super) fn parse_holiday(rest: Vec<Token>) -> Result<Command, ParseError> {
    let mut it = rest.into_iter().peekable();
    let Some(sub) = it.next() else {
        return Err(ParseError::Missing {
            command: C,
            what: "`add <team> <date> \"<name>\"`, `list <team>` or `remove <team> <date>`",
        });
    };
    let word = sub.text().to_ascii_lowercase();
    match word.as_str() {
        "add" | "new" => parse_add(it),
        "list" | "ls" | "show" => parse_list(it),
        "remove" | "rm" | "delete" => {
            let team = take_team(&mut it)?;
            let day = take_day(
                &mut it,
                "the date of the holiday to remove, like 2026-12-24",
            )?;
            no_args(it, C, Command::HolidayRemove { team, day })
        }
        _ => Err(ParseError::UnknownSubcommand {
            command: C,
            got: sub.text(),
            suggestion: help::did_you_mean(&word, SUBCOMMANDS),
        }),
    }
}

/// `holidays <team>`: the list.
pub(super) fn parse_holidays(rest: Vec<Token>) -> Result<Command, ParseError> {
    parse_list(rest.into_iter().peekable())
}

fn parse_list(mut it: Tokens) -> Result<Command, ParseError> {
    let team = take_team(&mut it)?;
    no_args(it, C, Command::HolidayList { team })
}

fn parse_add(mut it: Tokens) -> Result<Command, ParseError> {
    let team = take_team(&mut it)?;
    let days_text = match it.next() {
        Some(Token::Word(w)) => w,
        _ => {
            return Err(ParseError::Missing {
                command: C,
                what: "the days off: a date like 2026-12-24, or a range like 2026-12-24..2026-12-26",
            });
        }
    };
    let days: DayRange = days_text
        .parse()
        .map_err(|source| ParseError::Holiday { command: C, source })?;
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
    let name: HolidayName = words
        .join(" ")
        .parse()
        .map_err(|source| ParseError::Holiday { command: C, source })?;
    Ok(Command::HolidayAdd { team, days, name })
}

fn looks_like_a_date(t: &Token) -> bool {
    matches!(t, Token::Word(w) if w.starts_with(|c: char| c.is_ascii_digit()) && w.contains('-'))
}

fn take_team(it: &mut Tokens) -> Result<TeamName, ParseError> {
    let mut words = Vec::new();
    while let Some(t) = it.peek() {
        match t {
            Token::Quoted(q) if words.is_empty() => {
                words.push(q.clone());
                it.next();
                break;
            }
            Token::Word(w) if !looks_like_a_date(t) => {
                words.push(w.clone());
                it.next();
            }
            _ => break,
        }
    }
    if words.is_empty() {
        return Err(ParseError::Missing {
            command: C,
            what: "a team name",
        });
    }
    team_name(C, &words.join(" "))
}

fn take_day(it: &mut Tokens, what: &'static str) -> Result<NaiveDate, ParseError> {
    match it.next() {
        Some(t) => {
            parse_day(&t.text()).map_err(|source| ParseError::Holiday { command: C, source })
        }
        None => Err(ParseError::Missing { command: C, what }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::domain::holiday::HolidayError;

    fn team(s: &str) -> TeamName {
        s.parse().unwrap()
    }

    #[test]
    fn add_takes_a_team_the_days_and_a_name() {
        assert_eq!(
            parse("holiday add Platform 2026-12-24..2026-12-26 \"Christmas\""),
            Ok(Command::HolidayAdd {
                team: team("Platform"),
                days: "2026-12-24..2026-12-26".parse().unwrap(),
                name: "Christmas".parse().unwrap(),
            })
        );
        assert_eq!(
            parse("holiday add \"Platform Team\" 2026-12-31 New Year's Eve"),
            Ok(Command::HolidayAdd {
                team: team("Platform Team"),
                days: "2026-12-31".parse().unwrap(),
                name: "New Year's Eve".parse().unwrap(),
            })
        );
        assert_eq!(
            parse("holiday add Data Science 2027-01-01 \"New Year\""),
            Ok(Command::HolidayAdd {
                team: team("Data Science"),
                days: "2027-01-01".parse().unwrap(),
                name: "New Year".parse().unwrap(),
            })
        );
    }

    #[test]
    fn list_and_remove() {
        assert_eq!(
            parse("holiday list Platform"),
            Ok(Command::HolidayList {
                team: team("Platform")
            })
        );
        assert_eq!(
            parse("holidays \"Platform Team\""),
            Ok(Command::HolidayList {
                team: team("Platform Team")
            })
        );
        assert_eq!(
            parse("holiday remove Platform 2026-12-25"),
            Ok(Command::HolidayRemove {
                team: team("Platform"),
                day: "2026-12-25".parse().unwrap()
            })
        );
    }

    #[test]
    fn mistakes_say_what_is_wrong() {
        let holiday = |e: Result<Command, ParseError>| match e {
            Err(ParseError::Holiday { source, .. }) => source,
            other => panic!("{other:?}"),
        };
        assert!(matches!(
            holiday(parse("holiday add Platform 2026-02-30 \"x\"")),
            HolidayError::BadDate(_)
        ));
        assert!(matches!(
            holiday(parse("holiday add Platform 2026-12-26..2026-12-24 \"x\"")),
            HolidayError::Backwards { .. }
        ));
        assert!(matches!(
            holiday(parse("holiday add Platform 2026-01-01..2026-06-30 \"x\"")),
            HolidayError::TooLong { .. }
        ));
        assert_eq!(
            holiday(parse("holiday add Platform 2026-12-24")),
            HolidayError::NoName
        );
        assert!(matches!(
            parse("holiday add Platform"),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(
            parse("holiday add 2026-12-24 \"x\""),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(
            parse("holiday add Platform 2026-12-24 <@U123>"),
            Err(ParseError::Unexpected { .. })
        ));
        assert!(matches!(
            parse("holiday remove Platform"),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(
            parse("holiday lst Platform"),
            Err(ParseError::UnknownSubcommand {
                suggestion: Some("list"),
                ..
            })
        ));
    }
}
