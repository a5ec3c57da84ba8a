//! Parsing `webhook add <url>`, `webhook list` and `webhook remove <url or id>`. The URL is
//! only unwrapped here (Slack sends a typed link as `<https://…>` or `<https://…|label>`);
//! whether pacer may send to it is the webhook policy's to decide when the command runs.

use super::{Command, ParseError, help, no_args};
use crate::commands::tokens::Token;

const C: &str = "webhook";
const SUBCOMMANDS: [&str; 3] = ["add", "list", "remove"];

pub(super) fn parse_webhook(rest: Vec<Token>) -> Result<Command, ParseError> {
    let mut it = rest.into_iter();
    let Some(sub) = it.next() else {
        return Err(ParseError::Missing {
            command: C,
            what: "`add <url>`, `list` or `remove <url or id>`",
        });
    };
    let word = sub.text().to_ascii_lowercase();
    match word.as_str() {
        "add" => {
            let url = one_url(
                &mut it,
                "the URL to send events to, like `add https://hooks.example.com/pacer`",
            )?;
            no_args(it, C, Command::WebhookAdd { url })
        }
        "list" | "ls" => no_args(it, C, Command::WebhookList),
        "remove" | "rm" | "delete" => {
            let target = one_url(
                &mut it,
                "the hook to remove: its id from `webhook list`, or its URL",
            )?;
            no_args(it, C, Command::WebhookRemove { target })
        }
        _ => Err(ParseError::UnknownSubcommand {
            command: C,
            got: sub.text(),
            suggestion: help::did_you_mean(&word, SUBCOMMANDS),
        }),
    }
}

/// The next token as a URL (or an id), unwrapped from Slack's link form.
fn one_url(it: &mut impl Iterator<Item = Token>, what: &'static str) -> Result<String, ParseError> {
    match it.next() {
        Some(t) => Ok(unwrap_link(&t.text())),
        None => Err(ParseError::Missing { command: C, what }),
    }
}

/// `<https://x.example/hook>` and `<https://x.example/hook|label>` (how Slack sends a link
/// someone typed) become `https://x.example/hook`; anything else is kept as typed.
pub(crate) fn unwrap_link(text: &str) -> String {
    match text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
        Some(inner) => inner.split('|').next().unwrap_or(inner).to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn slack_links_are_unwrapped() {
        for text in [
            "webhook add https://x.example/hook",
            "webhook add <https://x.example/hook>",
            "webhook add <https://x.example/hook|x.example/hook>",
            "WEBHOOK ADD   <https://x.example/hook|label>  ",
        ] {
            assert_eq!(
                parse(text),
                Ok(Command::WebhookAdd {
                    url: "https://x.example/hook".into()
                }),
                "{text}"
            );
        }
        assert_eq!(
            parse("webhook add <https://x.example/h?a=1&amp;b=2>"),
            Ok(Command::WebhookAdd {
                url: "https://x.example/h?a=1&b=2".into()
            })
        );
    }

    #[test]
    fn list_and_remove() {
        assert_eq!(parse("webhook list"), Ok(Command::WebhookList));
        assert_eq!(
            parse("webhook remove 3"),
            Ok(Command::WebhookRemove { target: "3".into() })
        );
        assert_eq!(
            parse("webhook remove <https://x.example/hook>"),
            Ok(Command::WebhookRemove {
                target: "https://x.example/hook".into()
            })
        );
    }

    #[test]
    fn mistakes_say_what_is_wrong() {
        assert!(matches!(parse("webhook"), Err(ParseError::Missing { .. })));
        assert!(matches!(
            parse("webhook add"),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(
            parse("webhook add https://a.example https://b.example"),
            Err(ParseError::Unexpected { .. })
        ));
        assert!(matches!(
            parse("webhook lst"),
            Err(ParseError::UnknownSubcommand {
                suggestion: Some("list"),
                ..
            })
        ));
        assert!(matches!(
            parse("webhook list all"),
            Err(ParseError::Unexpected { .. })
        ));
    }
}
