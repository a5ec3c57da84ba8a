//! Parsing `rhythm` (when a team is asked and sent its digest) and `away` (when a person is
//! not asked).

use chrono_tz::Tz;

use super::{
    Ask, Command, ParseError, Remind, RhythmChange, Tokens, ZoneChoice, due, no_args, set_once,
    team_name,
};
use crate::commands::tokens::Token;
use crate::domain::TeamName;
use crate::domain::schedule::Schedule;

pub(super) fn parse_rhythm(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "rhythm";
    let mut it = rest.into_iter().peekable();
    let (team, sub) = rhythm_team(&mut it)?;
    if sub == "off" || sub.is_empty() {
        let change = if sub.is_empty() {
            RhythmChange::Show
        } else {
            RhythmChange::Off
        };
        return no_args(it, C, Command::Rhythm { team, change });
    }
    if sub == "review"
        && let Some(Token::Word(w)) = it.peek()
        && w.eq_ignore_ascii_case("off")
    {
        it.next();
        let change = RhythmChange::Review { schedule: None };
        return no_args(it, C, Command::Rhythm { team, change });
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
        let change = RhythmChange::Digest { schedule };
        return no_args(it, C, Command::Rhythm { team, change });
    }
    if sub == "review" {
        let change = RhythmChange::Review {
            schedule: Some(schedule),
        };
        return no_args(it, C, Command::Rhythm { team, change });
    }
    let (zone, remind, ask) = checkin_options(it)?;
    Ok(Command::Rhythm {
        team,
        change: RhythmChange::Checkin {
            schedule,
            zone,
            remind,
            ask,
        },
    })
}

/// The team name, which runs up to the subcommand word (`checkin`, `digest`, `review` or
/// `off`), and
/// that word.
fn rhythm_team(it: &mut Tokens) -> Result<(TeamName, String), ParseError> {
    const C: &str = "rhythm";
    let mut words = Vec::new();
    let mut sub = None;
    for t in it.by_ref() {
        match &t {
            Token::Word(w)
                if matches!(
                    w.to_lowercase().as_str(),
                    "checkin" | "check-in" | "digest" | "review" | "off"
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
    // `rhythm <team>` alone shows the rhythm.
    Ok((team, sub.unwrap_or_default()))
}

/// The options a check-in takes.
type CheckinOptions = (Option<ZoneChoice>, Option<Remind>, Option<Ask>);

/// A check-in's `tz:`, `remind:` and `ask:` options, each at most once.
fn checkin_options(it: Tokens) -> Result<CheckinOptions, ParseError> {
    const C: &str = "rhythm";
    let (mut zone, mut remind, mut ask) = (None, None, None);
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
            Token::Option { key, value } if key == "ask" => {
                let a = Ask::parse(&value).ok_or_else(|| ParseError::Ask {
                    command: C,
                    got: value.clone(),
                })?;
                set_once(&mut ask, a, C, "ask")?
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
    Ok((zone, remind, ask))
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

pub(super) fn parse_away(rest: Vec<Token>) -> Result<Command, ParseError> {
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
