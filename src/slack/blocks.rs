//! Rendering the platform-neutral message model as Slack Block Kit, inside Slack's limits
//! (50 blocks per message, 3,000 characters per section, 10 fields of 2,000).

use serde_json::{Value, json};

use crate::message::{Block, ButtonStyle, Message, Rich, Span, Visibility};

pub const MAX_MESSAGE_BLOCKS: usize = 50;
pub const MAX_VIEW_BLOCKS: usize = 100;
const MAX_SECTION_CHARS: usize = 3000;
const MAX_FIELD_CHARS: usize = 2000;
const MAX_HEADER_CHARS: usize = 150;
const MAX_TEXT_CHARS: usize = 3000;

/// The chip a status is shown as.
pub use crate::message::status_chip;

/// Slack's three control characters.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn looks_like_channel_id(id: &str) -> bool {
    id.len() >= 9
        && matches!(id.as_bytes()[0], b'C' | b'G' | b'D')
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

pub fn mrkdwn(r: &Rich) -> String {
    let mut out = String::new();
    for span in &r.0 {
        match span {
            Span::Text(s) => out.push_str(&escape(s)),
            Span::Bold(s) if !s.trim().is_empty() => {
                out.push_str(&format!("*{}*", escape(s.trim())))
            }
            Span::Italic(s) if !s.trim().is_empty() => {
                out.push_str(&format!("_{}_", escape(s.trim())))
            }
            Span::Code(s) if !s.is_empty() => {
                out.push_str(&format!("`{}`", escape(&s.replace('`', "'"))))
            }
            Span::Bold(s) | Span::Italic(s) | Span::Code(s) => out.push_str(&escape(s)),
            Span::User { id, .. } => out.push_str(&format!("<@{id}>")),
            Span::Channel { id: Some(id), .. } if looks_like_channel_id(id) => {
                out.push_str(&format!("<#{id}>"))
            }
            Span::Channel { id, name } => {
                out.push('#');
                out.push_str(&escape(name.as_deref().or(id.as_deref()).unwrap_or("?")));
            }
            Span::Status(s) => out.push_str(status_chip(*s)),
            Span::Priority(n) => out.push_str(&format!("*{n}*")),
            Span::LineBreak => out.push('\n'),
        }
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

fn block(b: &Block) -> Value {
    match b {
        Block::Header(h) => json!({
            "type": "header",
            "text": {"type": "plain_text", "text": truncate(h, MAX_HEADER_CHARS), "emoji": true}
        }),
        Block::Text(r) => json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(&nonempty(mrkdwn(r)), MAX_SECTION_CHARS)}
        }),
        Block::Fields(fs) => json!({
            "type": "section",
            "fields": fs.iter().take(10).map(|f| json!({
                "type": "mrkdwn", "text": truncate(&nonempty(mrkdwn(f)), MAX_FIELD_CHARS)
            })).collect::<Vec<_>>()
        }),
        Block::Context(r) => json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": truncate(&nonempty(mrkdwn(r)), MAX_SECTION_CHARS)}]
        }),
        Block::Divider => json!({"type": "divider"}),
        Block::Actions(buttons) => json!({
            "type": "actions",
            "elements": buttons.iter().take(25).map(|b| {
                let mut v = json!({
                    "type": "button",
                    "text": {"type": "plain_text", "text": truncate(&b.label, 75), "emoji": true},
                    "action_id": truncate(&b.action, 255),
                    "value": truncate(&b.value, 2000),
                });
                match b.style {
                    ButtonStyle::Primary => v["style"] = json!("primary"),
                    ButtonStyle::Danger => v["style"] = json!("danger"),
                    ButtonStyle::Default => {}
                }
                v
            }).collect::<Vec<_>>()
        }),
    }
}

fn nonempty(s: String) -> String {
    if s.trim().is_empty() {
        " ".to_string()
    } else {
        s
    }
}

/// Slack refuses messages whose blocks carry much more than about 13,000 characters in all
/// (undocumented; bolt-js #2509); stay under it.
pub const MAX_TOTAL_CHARS: usize = 12_000;

fn text_chars(v: &Value) -> usize {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| match x {
                Value::String(s) if k == "text" => s.chars().count(),
                other => text_chars(other),
            })
            .sum(),
        Value::Array(a) => a.iter().map(text_chars).sum(),
        _ => 0,
    }
}

/// Blocks for a message or view, cut to `max` blocks and the total character budget, with a
/// closing note saying how much was left out. A closing row of buttons (a digest's Seen and
/// Discuss) stays, whatever is cut above it.
pub fn blocks(m: &Message, max: usize) -> Vec<Value> {
    let mut out: Vec<Value> = m.blocks.iter().map(block).collect();
    let buttons = match m.blocks.last() {
        Some(Block::Actions(_)) => out.pop(),
        _ => None,
    };
    let max = max - usize::from(buttons.is_some());
    let budget = MAX_TOTAL_CHARS - 200 - buttons.as_ref().map(text_chars).unwrap_or(0);
    let total = out.len();
    let mut used = 0;
    let mut keep = 0;
    for b in &out {
        let n = text_chars(b);
        if keep + 1 >= max || used + n > budget {
            break;
        }
        used += n;
        keep += 1;
    }
    if keep < total {
        out.truncate(keep);
        out.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("…and {} more sections not shown.", total - keep)}]
        }));
    }
    out.extend(buttons);
    out
}

/// Fallback `text` for notifications and clients that cannot show blocks. Slack reads it as
/// mrkdwn, so typed text is escaped here as in the blocks: a `<!channel>` someone wrote in a
/// reason or a note stays text instead of notifying a channel.
pub fn fallback_text(m: &Message) -> String {
    escape(&truncate(&m.summary(), MAX_TEXT_CHARS))
}

/// The body of a slash-command or response_url reply.
pub fn response(m: &Message) -> Value {
    json!({
        "response_type": match m.visibility {
            Visibility::Private | Visibility::Confidential => "ephemeral",
            Visibility::Shared => "in_channel",
        },
        "text": fallback_text(m),
        "blocks": blocks(m, MAX_MESSAGE_BLOCKS),
    })
}

/// A Home tab view.
pub fn home_view(m: &Message) -> Value {
    json!({"type": "home", "blocks": blocks(m, MAX_VIEW_BLOCKS)})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PriorityNumber, Status};

    #[test]
    fn rich_text_becomes_escaped_mrkdwn_with_mentions_and_chips() {
        let r = Rich::new()
            .priority(PriorityNumber(12))
            .text(" R&D <launch> ")
            .status(Status::AtRisk)
            .text(" ")
            .user("U1", "ana")
            .text(" ")
            .channel(Some("C0123456789".into()), Some("eng".into()))
            .text(" ")
            .channel(None, Some("plat".into()));
        assert_eq!(
            mrkdwn(&r),
            "*#12* R&amp;D &lt;launch&gt; 🟡 At risk <@U1> <#C0123456789> #plat"
        );
    }

    #[test]
    fn long_messages_stay_within_slack_limits() {
        let long = "x".repeat(5000);
        let mut blocks_in = vec![Block::Header(long.clone())];
        for _ in 0..80 {
            blocks_in.push(Block::Text(Rich::new().text(&long)));
        }
        let m = Message::private(blocks_in);
        let out = blocks(&m, MAX_MESSAGE_BLOCKS);
        assert!(out.len() <= 50);
        assert!(out[0]["text"]["text"].as_str().unwrap().chars().count() <= 150);
        assert!(out[1]["text"]["text"].as_str().unwrap().chars().count() <= 3000);
        let last = out.last().unwrap()["elements"][0]["text"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(last.contains("more sections not shown"), "{last}");
        let total: usize = out.iter().map(text_chars).sum();
        assert!(total <= MAX_TOTAL_CHARS, "{total}");
        // Many small blocks: the 50-block limit.
        let small = Message::private(
            (0..80)
                .map(|i| Block::Text(Rich::new().text(format!("line {i}"))))
                .collect(),
        );
        let out = blocks(&small, MAX_MESSAGE_BLOCKS);
        assert_eq!(out.len(), 50);
        let last = out[49]["elements"][0]["text"].as_str().unwrap();
        assert!(last.contains("31 more"), "{last}");
    }

    #[test]
    fn a_closing_row_of_buttons_survives_the_cut() {
        let mut many: Vec<Block> = (0..80)
            .map(|i| Block::Text(Rich::new().text(format!("line {i}"))))
            .collect();
        many.push(Block::Actions(vec![crate::message::Button {
            label: "Seen".into(),
            action: "digest:seen".into(),
            value: "7".into(),
            style: ButtonStyle::Default,
            current: None,
            form: None,
        }]));
        let out = blocks(&Message::private(many), MAX_MESSAGE_BLOCKS);
        assert_eq!(out.len(), 50);
        assert!(
            out[48]["elements"][0]["text"]
                .as_str()
                .unwrap()
                .contains("32 more")
        );
        assert_eq!(out[49]["type"], "actions");
        assert_eq!(out[49]["elements"][0]["action_id"], "digest:seen");
    }
}
