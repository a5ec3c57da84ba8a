//! Parsing `settings`: showing the workspace's drift thresholds, or changing them.

use super::{Command, DriftSetting, ParseError, help};
use crate::commands::tokens::Token;

pub(super) fn parse_settings(rest: Vec<Token>) -> Result<Command, ParseError> {
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
