//! Parsing the team commands (`team add`, `join`, `leave`, `show`) and `digest`, which name a
//! team in words.

use super::{
    Command, ParseError, Tokens, help, is_priority_ref, no_args, set_once, team_name, tokenize,
};
use crate::commands::tokens::Token;
use crate::domain::{TeamName, UserRef};

/// A team name may run over several words (`team add Growth Marketing #growth`): the words up
/// to the first mention, channel or option.
pub(super) fn take_team_name(
    tokens: &mut Tokens,
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

pub(super) fn parse_team(rest: Vec<Token>) -> Result<Command, ParseError> {
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
        "add" | "create" | "new" => parse_team_add(it),
        "join" | "leave" => {
            let name = take_team_name(&mut it, "team")?;
            let people = mentions(it)?;
            Ok(if sub == "join" {
                Command::TeamJoin { name, people }
            } else {
                Command::TeamLeave { name, people }
            })
        }
        "show" => {
            let name = take_team_name(&mut it, "team")?;
            no_args(it, "team", Command::TeamShow(name))
        }
        _ => Err(ParseError::UnknownSubcommand {
            command: "team",
            suggestion: help::did_you_mean(&sub, ["add", "join", "leave", "show"]),
            got: sub,
        }),
    }
}

/// `team add <name> [#channel] [lead:@person] [parent:<team>]`, after the `add`.
fn parse_team_add(mut it: Tokens) -> Result<Command, ParseError> {
    const C: &str = "team";
    let name = take_team_name(&mut it, C)?;
    let (mut channel, mut lead, mut parent) = (None, None, None);
    for t in it {
        match t {
            Token::Channel(c) => set_once(&mut channel, c, C, "#channel")?,
            Token::Option { key, value } => match key.as_str() {
                "lead" => set_once(&mut lead, lead_option(&value)?, C, "lead")?,
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

/// The person of a `lead:@person` option: the value is read as tokens, so that a mention
/// written in any of the platforms' forms is understood.
fn lead_option(value: &str) -> Result<UserRef, ParseError> {
    match tokenize(value)?.into_iter().next() {
        Some(Token::Mention(u)) => Ok(u),
        _ => Err(ParseError::Missing {
            command: "team",
            what: "a person after lead:, like lead:@ana",
        }),
    }
}

/// The people mentioned after `team join` or `team leave`, each once; anything else is a
/// mistake.
fn mentions(it: Tokens) -> Result<Vec<UserRef>, ParseError> {
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
    Ok(people)
}

pub(super) fn parse_digest(rest: Vec<Token>) -> Result<Command, ParseError> {
    let mut it = rest.into_iter().peekable();
    if it.peek().is_none() {
        return Ok(Command::Digest { team: None });
    }
    let team = take_team_name(&mut it, "digest")?;
    no_args(it, "digest", Command::Digest { team: Some(team) })
}
