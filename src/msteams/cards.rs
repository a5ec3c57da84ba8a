//! Rendering the platform-neutral [`Message`] for Teams: an Adaptive Card 1.5 (what lists,
//! prompts and digests need), or plain text when the message is a line or two. Check-in buttons
//! become `Action.Execute`; "Update…" becomes an inline form (status, progress, note, blocker),
//! Teams' equivalent of Slack's modal. People are real `<at>` mentions.

use serde_json::{Value, json};

use crate::commands::review::meeting;
use crate::domain::Status;
use crate::message::{Block, Button, ButtonStyle, FieldKind, Form, Message, Rich, Span};
use crate::reporting::digest::ack::ACTION_PREFIX as DIGEST_PREFIX;
use crate::rhythm::prompt::{ACTION_PREFIX, ACTION_UPDATE};

pub const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";
/// The verb of every pacer `Action.Execute`, and the key carrying the action in submit data.
pub const VERB: &str = "pacer";
/// The action id of the inline check-in form's submit.
pub const ACTION_FORM: &str = "checkin:form";
/// Keep cards well under Teams' message size limit (about 100 KB; older docs say 40 KB).
const MAX_CARD_BYTES: usize = 28_000;

pub use crate::message::status_chip;

/// Adaptive Card markdown treats these as markup; keep user text literal.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '_' | '[' | ']' | '\\' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.replace('<', "&lt;").replace('>', "&gt;")
}

#[derive(Default)]
struct Mentions(Vec<Value>);

impl Mentions {
    fn add(&mut self, id: &str, name: &str) -> String {
        let text = format!("<at>{}</at>", escape(name));
        if !self.0.iter().any(|m| m["mentioned"]["id"] == id) {
            self.0.push(json!({
                "type": "mention",
                "text": text,
                "mentioned": {"id": id, "name": name},
            }));
        }
        text
    }
}

fn is_teams_user(id: &str) -> bool {
    id.starts_with("29:") || id.starts_with("8:")
}

fn markdown(rich: &Rich, mentions: &mut Mentions) -> String {
    let mut out = String::new();
    for span in &rich.0 {
        match span {
            Span::Text(s) => out.push_str(&escape(s)),
            Span::Bold(s) if !s.is_empty() => out.push_str(&format!("**{}**", escape(s))),
            Span::Italic(s) if !s.is_empty() => out.push_str(&format!("_{}_", escape(s))),
            Span::Bold(_) | Span::Italic(_) => {}
            // Adaptive Card markdown has no code spans; quotes keep a command readable.
            Span::Code(s) => out.push_str(&format!("“{}”", escape(s))),
            Span::User { id, name } if is_teams_user(id) => out.push_str(&mentions.add(id, name)),
            Span::User { name, .. } => out.push_str(&format!("**@{}**", escape(name))),
            Span::Channel { id, name } => {
                out.push('#');
                out.push_str(&escape(
                    name.as_deref().or(id.as_deref()).unwrap_or("channel"),
                ));
            }
            Span::Status(s) => out.push_str(status_chip(*s)),
            Span::Priority(n) => out.push_str(&format!("**{n}**")),
            Span::LineBreak => out.push_str("\n\n"),
        }
    }
    out
}

/// A message as an activity: a card when it has structure, text when it is just words.
pub fn activity(message: &Message) -> Value {
    let structured = message
        .blocks
        .iter()
        .any(|b| !matches!(b, Block::Text(_) | Block::Context(_)))
        || message.blocks.len() > 2;
    if !structured {
        let mut mentions = Mentions::default();
        let text = message
            .blocks
            .iter()
            .map(|b| match b {
                Block::Text(r) | Block::Context(r) => markdown(r, &mut mentions),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        return json!({
            "type": "message",
            "textFormat": "markdown",
            "text": text,
            "entities": mentions.0,
        });
    }
    json!({
        "type": "message",
        "summary": message.summary(),
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card(message)}],
    })
}

/// The Adaptive Card for a message, cut with "…and N more" to stay within the size limit. A
/// closing row of buttons (a digest's Seen and Discuss) stays, whatever is cut above it.
pub fn card(message: &Message) -> Value {
    let (blocks, buttons) = match message.blocks.split_last() {
        Some((last @ Block::Actions(_), rest)) => (rest, std::slice::from_ref(last)),
        _ => (&message.blocks[..], &[][..]),
    };
    let full = render(blocks, None, buttons);
    if full.to_string().len() <= MAX_CARD_BYTES {
        return full;
    }
    let (mut lo, mut hi) = (0, blocks.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let omitted = blocks.len() - mid;
        if render(&blocks[..mid], Some(omitted), buttons)
            .to_string()
            .len()
            <= MAX_CARD_BYTES
        {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    render(&blocks[..lo], Some(blocks.len() - lo), buttons)
}

fn render(blocks: &[Block], omitted: Option<usize>, buttons: &[Block]) -> Value {
    let mut mentions = Mentions::default();
    let mut body = elements(blocks, &mut mentions);
    if let Some(n) = omitted.filter(|n| *n > 0) {
        body.push(json!({
            "type": "TextBlock", "text": format!("…and {n} more"), "isSubtle": true, "wrap": true
        }));
    }
    body.extend(elements(buttons, &mut mentions));
    let mut card = json!({
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "msteams": {"width": "Full"},
    });
    if !mentions.0.is_empty() {
        card["msteams"]["entities"] = Value::Array(mentions.0);
    }
    card
}

/// The card elements for blocks; a divider becomes the next element's separator.
fn elements(blocks: &[Block], mentions: &mut Mentions) -> Vec<Value> {
    let mut body: Vec<Value> = Vec::new();
    let mut separator = false;
    for block in blocks {
        let mut element = match block {
            Block::Header(h) => json!({
                "type": "TextBlock", "text": escape(h), "size": "Large", "weight": "Bolder", "wrap": true
            }),
            Block::Text(r) => {
                json!({"type": "TextBlock", "text": markdown(r, mentions), "wrap": true})
            }
            Block::Context(r) => json!({
                "type": "TextBlock", "text": markdown(r, mentions), "wrap": true,
                "size": "Small", "isSubtle": true
            }),
            Block::Fields(fields) => json!({
                "type": "ColumnSet",
                "columns": fields.iter().map(|f| json!({
                    "type": "Column", "width": "stretch",
                    "items": [{"type": "TextBlock", "text": markdown(f, mentions), "wrap": true}]
                })).collect::<Vec<_>>()
            }),
            Block::Divider => {
                separator = true;
                continue;
            }
            Block::Actions(buttons) => json!({
                "type": "ActionSet",
                "actions": buttons.iter().map(action).collect::<Vec<_>>()
            }),
        };
        if separator {
            element["separator"] = json!(true);
            element["spacing"] = json!("Medium");
            separator = false;
        }
        body.push(element);
    }
    body
}

fn data(action: &str, value: &str) -> Value {
    json!({VERB: action, "value": value})
}

fn action(button: &Button) -> Value {
    if button.action == ACTION_UPDATE {
        return update_form(button);
    }
    if let Some(form) = &button.form {
        return other_form(&button.label, form);
    }
    let mut a = json!({
        "type": "Action.Execute",
        "title": button.label,
        "verb": VERB,
        "data": data(&button.action, &button.value),
    });
    match button.style {
        ButtonStyle::Primary => a["style"] = json!("positive"),
        ButtonStyle::Danger => a["style"] = json!("destructive"),
        ButtonStyle::Default => {}
    }
    // Check-ins, agenda items and a digest's Seen/Discuss are answered by the invoke response:
    // the refreshed card for everyone, or a note only the clicker sees. Anything else is a
    // plain submit.
    if !button.action.starts_with(ACTION_PREFIX)
        && !button.action.starts_with(DIGEST_PREFIX)
        && !button.action.starts_with(meeting::PREFIX)
    {
        a["type"] = json!("Action.Submit");
    }
    a
}

/// Input ids of the form for one priority; unique within the card.
pub fn input_id(field: &str, value: &str) -> String {
    format!("{field}-{value}")
}

/// One of pacer's other forms (a decision, an assignment) drawn inline, like the check-in
/// form: its inputs are named per value, and its submit carries `form: true`.
fn other_form(label: &str, form: &Form) -> Value {
    let v = &form.value;
    let mut body: Vec<Value> = Vec::new();
    if !form.about.is_empty() {
        body.push(json!({"type": "TextBlock", "text": escape(&form.about), "wrap": true, "weight": "Bolder"}));
    }
    for field in &form.fields {
        let mut input = match field.kind {
            FieldKind::Text { multiline, max } => json!({
                "type": "Input.Text", "isMultiline": multiline, "maxLength": max
            }),
            FieldKind::Person => {
                json!({"type": "Input.Text", "placeholder": "A name, like @ben", "maxLength": 80})
            }
            FieldKind::Date => json!({"type": "Input.Date"}),
        };
        input["id"] = json!(input_id(field.id, v));
        input["label"] = json!(field.label);
        if field.required {
            input["isRequired"] = json!(true);
            input["errorMessage"] = json!(format!("{} is needed.", field.label));
        }
        body.push(input);
    }
    let mut data = data(&form.action, v);
    data["form"] = json!(true);
    json!({
        "type": "Action.ShowCard",
        "title": label,
        "card": {
            "type": "AdaptiveCard",
            "body": body,
            "actions": [{
                "type": "Action.Execute", "title": form.submit, "verb": VERB, "style": "positive",
                "data": data,
            }],
        },
    })
}

fn update_form(button: &Button) -> Value {
    let v = &button.value;

    let choices: Vec<Value> = Status::ALL
        .iter()
        .map(|s| json!({"title": status_chip(*s), "value": s.as_str()}))
        .collect();
    let mut form = json!({
        "type": "Action.ShowCard",
        "title": button.label,
        "card": {
            "type": "AdaptiveCard",
            "body": [
                {"type": "Input.ChoiceSet", "id": input_id("status", v), "label": "Status",
                 "style": "compact", "isRequired": true, "errorMessage": "Choose a status.",
                 "choices": choices},
                {"type": "Input.Number", "id": input_id("progress", v), "label": "Progress (%)",
                 "min": 0, "max": 100, "isRequired": true,
                 "errorMessage": "Use a whole number from 0 to 100, like 40."},
                {"type": "Input.Text", "id": input_id("note", v), "label": "Note",
                 "isMultiline": true, "maxLength": 2000},
                {"type": "Input.Text", "id": input_id("blocker", v),
                 "label": "Blocker (what or who you are waiting on)", "maxLength": 500},
            ],
            "actions": [{
                "type": "Action.Execute", "title": "Save", "verb": VERB, "style": "positive",
                "data": data(ACTION_FORM, v),
            }],
        },
    });
    // Start from the answer given this cycle, or where the priority stands.
    if let Some((status, progress)) = button.current {
        form["card"]["body"][0]["value"] = json!(status.as_str());
        form["card"]["body"][1]["value"] = json!(progress);
    }
    form
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PriorityNumber;

    #[test]
    fn a_line_of_words_is_text_with_real_mentions() {
        let m = Message::private(vec![Block::Text(
            Rich::new()
                .text("Added ")
                .priority(PriorityNumber(3))
                .text(" for ")
                .user("29:ana", "Ana"),
        )]);
        let a = activity(&m);
        assert_eq!(a["text"], "Added **#3** for <at>Ana</at>");
        assert_eq!(a["entities"][0]["mentioned"]["id"], "29:ana");
        assert!(a.get("attachments").is_none());
    }

    #[test]
    fn structure_becomes_a_card_with_execute_buttons_and_a_form() {
        let m = Message::private(vec![
            Block::Header("Check-in for Platform".into()),
            Block::Actions(vec![
                Button {
                    label: "On track".into(),
                    action: "checkin:on-track".into(),
                    value: "4:9".into(),
                    style: ButtonStyle::Primary,
                    current: None,
                    form: None,
                },
                Button {
                    label: "Update…".into(),
                    action: ACTION_UPDATE.into(),
                    value: "4:9".into(),
                    style: ButtonStyle::Default,
                    current: Some((Status::AtRisk, 40)),
                    form: None,
                },
            ]),
        ]);
        let a = activity(&m);
        let card = &a["attachments"][0]["content"];
        assert_eq!(card["version"], "1.5");
        let actions = &card["body"][1]["actions"];
        assert_eq!(actions[0]["type"], "Action.Execute");
        assert_eq!(actions[0]["data"][VERB], "checkin:on-track");
        assert_eq!(actions[1]["type"], "Action.ShowCard");
        let form = &actions[1]["card"];
        assert_eq!(form["body"][0]["id"], "status-4:9");
        assert_eq!(
            form["body"][0]["value"], "at-risk",
            "the form starts from the answer"
        );
        assert_eq!(form["body"][1]["value"], 40);
        assert_eq!(form["actions"][0]["data"][VERB], ACTION_FORM);
    }

    #[test]
    fn user_text_cannot_inject_markup() {
        let m = Message::private(vec![Block::Text(Rich::new().text("*x* [a](b) <at>y</at>"))]);
        assert_eq!(
            activity(&m)["text"],
            "\\*x\\* \\[a\\](b) &lt;at&gt;y&lt;/at&gt;"
        );
    }

    #[test]
    fn a_digest_keeps_its_seen_and_discuss_buttons_however_much_is_cut() {
        let mut blocks: Vec<Block> = (0..2000)
            .map(|i| Block::Text(Rich::new().text(format!("line {i} with some words in it"))))
            .collect();
        let button = |label: &str, action: &str| Button {
            label: label.into(),
            action: action.into(),
            value: "12".into(),
            style: ButtonStyle::Default,
            current: None,
            form: None,
        };
        blocks.push(Block::Actions(vec![
            button("Seen", "digest:seen"),
            button("Discuss with Leadership", "digest:discuss"),
        ]));
        let card = card(&Message::private(blocks));
        assert!(card.to_string().len() <= MAX_CARD_BYTES);
        let body = card["body"].as_array().unwrap();
        let last = body.last().unwrap();
        assert_eq!(last["type"], "ActionSet");
        // Answered by the invoke response, as check-ins are: Action.Execute, not a submit.
        assert_eq!(last["actions"][0]["type"], "Action.Execute");
        assert_eq!(last["actions"][1]["data"][VERB], "digest:discuss");
        let before = body[body.len() - 2]["text"].as_str().unwrap();
        assert!(
            before.starts_with("…and ") && before.ends_with(" more"),
            "{before}"
        );
    }

    #[test]
    fn huge_messages_are_cut_with_and_n_more() {
        let blocks: Vec<Block> = (0..2000)
            .map(|i| Block::Text(Rich::new().text(format!("line {i} with some words in it"))))
            .collect();
        let card = card(&Message::private(blocks));
        let size = card.to_string().len();
        assert!(size <= MAX_CARD_BYTES, "{size}");
        let body = card["body"].as_array().unwrap();
        let last = body.last().unwrap()["text"].as_str().unwrap();
        assert!(
            last.starts_with("…and ") && last.ends_with(" more"),
            "{last}"
        );
    }
}
