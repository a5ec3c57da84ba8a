//! Parsing `token add <label>`, `token list` and `token revoke <label>`: the read API's bearer
//! tokens, managed by admins in chat.

use super::{Command, ParseError, help, no_args};
use crate::commands::tokens::Token;

/// What a `token` command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenAction {
    Add(String),
    List,
    Revoke(String),
}

/// A label is what `token list` shows and `token revoke` names: short, and plain enough to
/// type back.
pub const LABEL_MAX: usize = 40;

pub(super) fn parse_token(rest: Vec<Token>) -> Result<Command, ParseError> {
    const C: &str = "token";
    let mut it = rest.into_iter();
    let sub = match it.next() {
        Some(Token::Word(w)) => w.to_lowercase(),
        None => {
            return Err(ParseError::Missing {
                command: C,
                what: "`add <label>`, `list` or `revoke <label>`",
            });
        }
        Some(t) => {
            return Err(ParseError::UnknownSubcommand {
                command: C,
                got: t.text(),
                suggestion: None,
            });
        }
    };
    match sub.as_str() {
        "add" | "create" | "new" => Ok(Command::Token(TokenAction::Add(label(it)?))),
        "list" | "ls" => no_args(it, C, Command::Token(TokenAction::List)),
        "revoke" | "remove" | "delete" => Ok(Command::Token(TokenAction::Revoke(label(it)?))),
        _ => Err(ParseError::UnknownSubcommand {
            command: C,
            suggestion: help::did_you_mean(&sub, ["add", "list", "revoke"]),
            got: sub,
        }),
    }
}

/// The rest of the text as a label: words or one quoted string.
fn label(rest: impl Iterator<Item = Token>) -> Result<String, ParseError> {
    const C: &str = "token";
    let words: Vec<String> = rest
        .map(|t| match t {
            Token::Word(w) | Token::Quoted(w) => Ok(w),
            other => Err(ParseError::Unexpected {
                command: C,
                got: other.text(),
            }),
        })
        .collect::<Result<_, _>>()?;
    let label = words.join(" ").trim().to_string();
    if label.is_empty() {
        return Err(ParseError::Missing {
            command: C,
            what: "a label, like `token add \"Finance BI\"`",
        });
    }
    let plain = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.');
    if label.chars().count() > LABEL_MAX || !label.chars().all(plain) {
        return Err(ParseError::Unexpected {
            command: C,
            got: format!(
                "{} (a label is at most {LABEL_MAX} letters, digits, spaces, `-`, `_` or `.`)",
                label.chars().take(LABEL_MAX).collect::<String>()
            ),
        });
    }
    Ok(label)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn token_commands_parse_with_words_or_quoted_labels() {
        assert_eq!(
            parse("token add Finance BI"),
            Ok(Command::Token(TokenAction::Add("Finance BI".into())))
        );
        assert_eq!(
            parse("token add \"board deck\""),
            Ok(Command::Token(TokenAction::Add("board deck".into())))
        );
        assert_eq!(parse("token list"), Ok(Command::Token(TokenAction::List)));
        assert_eq!(
            parse("token revoke board-deck"),
            Ok(Command::Token(TokenAction::Revoke("board-deck".into())))
        );
    }

    #[test]
    fn bad_token_commands_are_explained() {
        assert!(matches!(
            parse("token"),
            Err(ParseError::Missing {
                command: "token",
                ..
            })
        ));
        assert!(matches!(
            parse("token add"),
            Err(ParseError::Missing {
                command: "token",
                ..
            })
        ));
        assert!(matches!(
            parse("token revok bi"),
            Err(ParseError::UnknownSubcommand {
                suggestion: Some("revoke"),
                ..
            })
        ));
        assert!(matches!(
            parse("token list extra"),
            Err(ParseError::Unexpected { .. })
        ));
        // Markup, mentions and absurd lengths are not labels.
        assert!(parse("token add <script>").is_err());
        assert!(parse("token add <@U0ANA>").is_err());
        assert!(parse(&format!("token add {}", "x".repeat(41))).is_err());
        assert!(parse("token add a&amp;b").is_err());
    }
}
