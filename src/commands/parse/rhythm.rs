//! Parsing `rhythm` (when a team is asked and sent its digest) and `away` (when a person is
//! not asked).

use chrono_tz::Tz;

use super::{
    Ask, Command, ParseError, Remind, RhythmChange, Tokens, ZoneChoice, due, no_args, set_once,
    team_name,
};
use crate::commands::tokens::Token;
use crate::domain::nudge::Nudge;
use crate::domain::schedule::Schedule;
use crate::domain::{TeamName, UserRef};

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
        let nudge = digest_options(it)?;
        let change = RhythmChange::Digest { schedule, nudge };
        return Ok(Command::Rhythm { team, change });
    }
    if sub == "review" {
        let change = RhythmChange::Review {
            schedule: Some(schedule),
        };
        return no_args(it, C, Command::Rhythm { team, change });
    }
    let (zone, remind, focus, ask) = checkin_options(it)?;
    Ok(Command::Rhythm {
        team,
        change: RhythmChange::Checkin {
            schedule,
            zone,
            remind,
            focus,
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

/// A digest's `nudge:` option (`quiet` or `mention`), at most once.
fn digest_options(it: Tokens) -> Result<Option<Nudge>, ParseError> {
    const C: &str = "rhythm";
    let mut nudge = None;
    for t in it {
        match t {
            Token::Option { key, value } if key == "nudge" => {
                let n = value.parse::<Nudge>().map_err(|()| ParseError::Nudge {
                    command: C,
                    got: value.clone(),
                })?;
                set_once(&mut nudge, n, C, "nudge")?
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
    Ok(nudge)
}

/// `follow [<team>]`: the team's name, or nothing to list what is followed.
pub(super) fn parse_follow(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "follow";
    let mut it = rest.into_iter().peekable();
    if it.peek().is_none() {
        return Ok(Command::Follow { team: None });
    }
    let team = super::teams::take_team_name(&mut it, C)?;
    no_args(it, C, Command::Follow { team: Some(team) })
}

/// `unfollow <team>`.
pub(super) fn parse_unfollow(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "unfollow";
    let mut it = rest.into_iter().peekable();
    let team = super::teams::take_team_name(&mut it, C)?;
    no_args(it, C, Command::Unfollow { team })
}

/// A check-in's options, each at most once: when each owner is asked and reminded (`tz:`,
/// `remind:`), whether the focus question is asked (`focus:`), and what (`ask:`).
type CheckinOptions = (
    Option<ZoneChoice>,
    Option<Remind>,
    Option<bool>,
    Option<Ask>,
);

/// A check-in's `tz:`, `remind:`, `focus:` and `ask:` options, each at most once.
fn checkin_options(it: Tokens) -> Result<CheckinOptions, ParseError> {
    const C: &str = "rhythm";
    let (mut zone, mut remind, mut focus, mut ask) = (None, None, None, None);
    for t in it {
        match t {
            Token::Option { key, value } if key == "focus" => {
                set_once(&mut focus, focus_setting(C, &value)?, C, "focus")?
            }
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
    Ok((zone, remind, focus, ask))
}

/// `focus:on` or `focus:off`.
fn focus_setting(command: &'static str, value: &str) -> Result<bool, ParseError> {
    match value.to_ascii_lowercase().as_str() {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(ParseError::Focus {
            command,
            got: value.chars().take(40).collect(),
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

pub(super) fn parse_away(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "away";
    let mut dates = Vec::new();
    let mut acting = None;
    let mut it = rest.into_iter();
    while let Some(t) = it.next() {
        match t {
            Token::Option { key, value } if key == "acting" => {
                // `acting:@ben` in one piece, or `acting: @ben` with a space.
                let person = if value.trim().is_empty() {
                    match it.next() {
                        Some(Token::Mention(u)) => u,
                        _ => {
                            return Err(ParseError::Missing {
                                command: C,
                                what: "who acts for you, like `acting:@ben`",
                            });
                        }
                    }
                } else {
                    acting_person(&value).ok_or_else(|| ParseError::Unexpected {
                        command: C,
                        got: format!("acting:{value}"),
                    })?
                };
                set_once(&mut acting, person, C, "acting")?;
            }
            Token::Option { key, .. } => {
                return Err(ParseError::UnknownOption {
                    command: C,
                    option: key,
                });
            }
            other => dates.push(other.text()),
        }
    }
    match dates.as_slice() {
        [off] if off.eq_ignore_ascii_case("off") => match acting {
            None => Ok(Command::AwayOff),
            Some(a) => Err(ParseError::Unexpected {
                command: C,
                got: format!("acting:{a}"),
            }),
        },
        [from, to] => Ok(Command::Away {
            from: due(C, from)?,
            to: due(C, to)?,
            acting,
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

/// The person after `acting:`: a mention (`<@U123|ben>`, `@ben`), nothing else.
fn acting_person(value: &str) -> Option<UserRef> {
    match crate::commands::tokens::tokenize(value).ok()?.as_slice() {
        [Token::Mention(u)] => Some(u.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod quiet_tests {
    use super::super::parse;
    use super::*;

    fn digest(input: &str) -> Result<Option<Nudge>, ParseError> {
        match parse(input)? {
            Command::Rhythm {
                change: RhythmChange::Digest { nudge, .. },
                ..
            } => Ok(nudge),
            other => panic!("{input}: {other:?}"),
        }
    }

    #[test]
    fn a_digest_time_takes_a_nudge_or_keeps_the_teams() {
        assert_eq!(digest("rhythm Platform digest \"fri 16:00\""), Ok(None));
        assert_eq!(
            digest("rhythm Platform digest \"fri 16:00\" nudge:mention"),
            Ok(Some(Nudge::Mention))
        );
        assert_eq!(
            digest("rhythm Growth Marketing digest \"fri 16:00\" NUDGE:Quiet"),
            Ok(Some(Nudge::Quiet))
        );
        assert_eq!(
            parse("rhythm Platform digest \"fri 16:00\" nudge:loud"),
            Err(ParseError::Nudge {
                command: "rhythm",
                got: "loud".into()
            })
        );
        assert_eq!(
            parse("rhythm Platform digest \"fri 16:00\" nudge:loud")
                .unwrap_err()
                .to_string(),
            "`nudge:loud` is not a nudge; use `nudge:quiet` (named without a notification) or `nudge:mention`"
        );
        assert_eq!(
            parse("rhythm Platform digest \"fri 16:00\" nudge:"),
            Err(ParseError::Nudge {
                command: "rhythm",
                got: String::new()
            })
        );
        assert_eq!(
            parse("rhythm Platform digest \"fri 16:00\" nudge:quiet nudge:mention"),
            Err(ParseError::Repeated {
                command: "rhythm",
                option: "nudge".into()
            })
        );
        assert_eq!(
            parse("rhythm Platform digest \"fri 16:00\" tz:UTC"),
            Err(ParseError::UnknownOption {
                command: "rhythm",
                option: "tz".into()
            })
        );
        assert_eq!(
            parse("rhythm Platform digest \"fri 16:00\" loudly"),
            Err(ParseError::Unexpected {
                command: "rhythm",
                got: "loudly".into()
            })
        );
        // A check-in time has no nudge: it is the digest's.
        assert_eq!(
            parse("rhythm Platform checkin \"mon 09:00\" nudge:mention"),
            Err(ParseError::UnknownOption {
                command: "rhythm",
                option: "nudge".into()
            })
        );
    }

    #[test]
    fn follow_and_unfollow_name_one_team() {
        let team = |n: &str| n.parse::<TeamName>().unwrap();
        assert_eq!(parse("follow"), Ok(Command::Follow { team: None }));
        assert_eq!(
            parse("follow Platform"),
            Ok(Command::Follow {
                team: Some(team("Platform"))
            })
        );
        assert_eq!(
            parse("FOLLOW Growth Marketing"),
            Ok(Command::Follow {
                team: Some(team("Growth Marketing"))
            })
        );
        assert_eq!(
            parse("follow \"Growth Marketing\""),
            Ok(Command::Follow {
                team: Some(team("Growth Marketing"))
            })
        );
        assert_eq!(
            parse("unfollow Platform"),
            Ok(Command::Unfollow {
                team: team("Platform")
            })
        );
        assert_eq!(
            parse("unfollow"),
            Err(ParseError::Missing {
                command: "unfollow",
                what: "a team name"
            })
        );
        assert_eq!(
            parse("follow \"Platform\" extra"),
            Err(ParseError::Unexpected {
                command: "follow",
                got: "extra".into()
            })
        );
        assert!(matches!(
            parse("follow #3"),
            Err(ParseError::Missing {
                command: "follow",
                ..
            })
        ));
        let long = format!("follow {}", "x".repeat(500));
        assert!(matches!(
            parse(&long),
            Err(ParseError::TeamName {
                command: "follow",
                ..
            })
        ));
    }
}
