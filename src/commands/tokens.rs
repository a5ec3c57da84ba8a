//! Splitting a command's text into tokens: words, quoted strings, mentions, channels,
//! `key:value` options. Escaping follows Slack (`<@U1|ana>`, `&amp;`), which Teams and the
//! sandbox text is turned into before it gets here.

use crate::domain::{ChannelRef, UserRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A plain word, entities already decoded.
    Word(String),
    /// Text that was in quotes: always literal.
    Quoted(String),
    Mention(UserRef),
    Channel(ChannelRef),
    /// `key:value` for a key the grammar knows; `quoted` tells whether the value was quoted.
    Option {
        key: String,
        value: String,
    },
}

impl Token {
    /// The token as the user typed it, for titles and notes.
    pub fn text(&self) -> String {
        match self {
            Token::Word(w) | Token::Quoted(w) => w.clone(),
            Token::Mention(u) => u.to_string(),
            Token::Channel(c) => c.to_string(),
            Token::Option { key, value } => format!("{key}:{value}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("a quote is opened but never closed")]
    UnclosedQuote,
    #[error("`{0}` is an unfinished mention or channel (missing `>`)")]
    UnclosedAngle(String),
}

pub const OPTION_KEYS: &[&str] = &[
    "team", "due", "parent", "title", "lead", "tz", "remind", "acting", "focus", "nudge", "ask",
];

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”')
}

/// A raw piece of text before classification, with whether any of it was quoted.
struct Raw {
    text: String,
    quoted: bool,
    /// Byte index in `text` where a quoted part started (for `key:"value"`).
    quote_start: Option<usize>,
}

pub fn tokenize(input: &str) -> Result<Vec<Token>, TokenError> {
    let mut raws: Vec<Raw> = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut raw = Raw {
            text: String::new(),
            quoted: false,
            quote_start: None,
        };
        if c == '<' {
            // Slack's escapes never contain spaces worth splitting on; keep them whole.
            let mut inner = String::new();
            let mut closed = false;
            for ch in chars.by_ref() {
                inner.push(ch);
                if ch == '>' {
                    closed = true;
                    break;
                }
            }
            if !closed {
                return Err(TokenError::UnclosedAngle(inner));
            }
            raw.text = inner;
            raws.push(raw);
            continue;
        }
        while let Some(&ch) = chars.peek() {
            if ch.is_whitespace() {
                break;
            }
            if is_open_quote(ch) {
                chars.next();
                raw.quoted = true;
                raw.quote_start.get_or_insert(raw.text.len());
                let mut closed = false;
                for q in chars.by_ref() {
                    if is_close_quote(q) {
                        closed = true;
                        break;
                    }
                    raw.text.push(q);
                }
                if !closed {
                    return Err(TokenError::UnclosedQuote);
                }
                continue;
            }
            if ch == '<' && {
                let mut look = chars.clone();
                look.next();
                matches!(look.peek(), Some('@' | '#'))
            } {
                // An escape after a key (`acting:<@U1|Ben Smith>`) is kept whole, like one
                // that starts a token: a name in it may hold spaces.
                let mut inner = String::new();
                let mut closed = false;
                for a in chars.by_ref() {
                    inner.push(a);
                    if a == '>' {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Err(TokenError::UnclosedAngle(inner));
                }
                raw.text.push_str(&inner);
                continue;
            }
            raw.text.push(ch);
            chars.next();
        }
        raws.push(raw);
    }
    Ok(raws.into_iter().map(classify).collect())
}

fn classify(raw: Raw) -> Token {
    let Raw {
        text,
        quoted,
        quote_start,
    } = raw;
    if quoted && quote_start == Some(0) {
        return Token::Quoted(decode_entities(&text));
    }
    if let Some(inner) = text.strip_prefix("<@").and_then(|t| t.strip_suffix('>')) {
        let (id, name) = split_label(inner);
        if !id.is_empty() {
            return Token::Mention(UserRef::Id { id, name });
        }
    }
    if let Some(inner) = text.strip_prefix("<#").and_then(|t| t.strip_suffix('>')) {
        let (id, name) = split_label(inner);
        if !id.is_empty() {
            return Token::Channel(ChannelRef { id: Some(id), name });
        }
    }
    if let Some((key, value)) = text.split_once(':') {
        let key_lower = key.to_ascii_lowercase();
        // A colon inside the quoted part is not an option separator.
        let colon_before_quote = quote_start.is_none_or(|q| key.len() < q);
        if colon_before_quote && OPTION_KEYS.contains(&key_lower.as_str()) {
            return Token::Option {
                key: key_lower,
                value: decode_entities(value),
            };
        }
    }
    let text = decode_entities(&text);
    if !quoted {
        if let Some(name) = text.strip_prefix('@').filter(|n| is_plain_name(n)) {
            return Token::Mention(UserRef::Name(name.to_string()));
        }
        if let Some(name) = text.strip_prefix('#').filter(|n| is_channel_name(n)) {
            return Token::Channel(ChannelRef {
                id: None,
                name: Some(name.to_string()),
            });
        }
    }
    Token::Word(text)
}

fn split_label(inner: &str) -> (String, Option<String>) {
    match inner.split_once('|') {
        Some((id, label)) if !label.is_empty() => (id.to_string(), Some(label.to_string())),
        Some((id, _)) => (id.to_string(), None),
        None => (inner.to_string(), None),
    }
}

fn is_plain_name(n: &str) -> bool {
    !n.is_empty()
        && n.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// `#platform` is a channel; `#12` is a priority and stays a word.
fn is_channel_name(n: &str) -> bool {
    is_plain_name(n) && !n.bytes().all(|b| b.is_ascii_digit())
}

pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_quotes_mentions_channels_and_options() {
        let t =
            tokenize(r#"add "Ship it" <@U1|ana> <#C9|eng> team:"Growth Team" due:Q1 #plat @ben"#)
                .unwrap();
        assert_eq!(
            t,
            vec![
                Token::Word("add".into()),
                Token::Quoted("Ship it".into()),
                Token::Mention(UserRef::Id {
                    id: "U1".into(),
                    name: Some("ana".into())
                }),
                Token::Channel(ChannelRef {
                    id: Some("C9".into()),
                    name: Some("eng".into())
                }),
                Token::Option {
                    key: "team".into(),
                    value: "Growth Team".into()
                },
                Token::Option {
                    key: "due".into(),
                    value: "Q1".into()
                },
                Token::Channel(ChannelRef {
                    id: None,
                    name: Some("plat".into())
                }),
                Token::Mention(UserRef::Name("ben".into())),
            ]
        );
    }

    #[test]
    fn entities_are_decoded_and_unknown_keys_stay_words() {
        let t = tokenize("R&amp;D &lt;3 Q3:launch").unwrap();
        assert_eq!(
            t,
            vec![
                Token::Word("R&D".into()),
                Token::Word("<3".into()),
                Token::Word("Q3:launch".into())
            ]
        );
    }

    #[test]
    fn unclosed_quote_and_angle_are_errors() {
        assert_eq!(tokenize("add \"oops"), Err(TokenError::UnclosedQuote));
        assert!(matches!(
            tokenize("add <@U1"),
            Err(TokenError::UnclosedAngle(_))
        ));
    }

    #[test]
    fn smart_quotes_work_like_straight_ones() {
        assert_eq!(
            tokenize("“Big launch”").unwrap(),
            vec![Token::Quoted("Big launch".into())]
        );
    }
}
