//! How command results read: shared pieces (a priority's line, next steps, errors, help) in
//! the platform-neutral message model.

use chrono::NaiveDate;

use super::execute::CommandError;
use super::help::{self, CommandHelp};
use super::parse::ParseError;
use crate::domain::drift::Reason;
use crate::domain::{Priority, Progress, due};
use crate::message::{Block, Message, Rich};
use crate::store::HistoryEntry;

pub use crate::message::next_steps;

/// `#12` 🟢 On track · **Ship the beta** · @ana · Platform · 40% · due 2026-12-31 (in 38 days)
pub fn priority_line(p: &Priority, today: NaiveDate) -> Rich {
    let mut r = Rich::new()
        .priority(p.number)
        .text(" ")
        .status(p.status)
        .text(" ")
        .bold(&p.title)
        .text(" · ")
        .user(&p.owner_user_id, &p.owner_name)
        .text(format!(" · {} · {}", p.team_name, p.progress));
    if let Some(d) = p.due {
        r = r.text(format!(
            " · due {d} ({})",
            due::relative(d, today, p.is_active())
        ));
    }
    r
}

pub fn reasons(reasons: &[Reason]) -> Rich {
    let text = reasons
        .iter()
        .map(|r| format!("{}: {}", r.flag.as_str(), r.text))
        .collect::<Vec<_>>()
        .join("; ");
    Rich::new().text("⚠ ").italic(text)
}

/// Ten-step progress bar.
pub fn bar(p: Progress) -> String {
    let filled = (p.value() as usize + 5) / 10;
    format!("{}{}", "▰".repeat(filled), "▱".repeat(10 - filled))
}

pub use crate::message::chunked_lines;

pub fn history(entries: &[HistoryEntry], max: usize) -> Rich {
    let mut r = Rich::new().bold("History");
    let skip = entries.len().saturating_sub(max);
    if skip > 0 {
        r = r
            .line_break()
            .italic(format!("{skip} earlier changes not shown"));
    }
    for e in entries.iter().skip(skip) {
        let when = crate::store::ts_date(e.at);
        r = r
            .line_break()
            .text(format!("{when} · "))
            .user(&e.actor_user_id, &e.actor_name)
            .text(" · ");
        r = match (e.field.as_str(), &e.old_value, &e.new_value) {
            ("created", _, Some(title)) => r.text(format!("created “{title}”")),
            ("note", _, Some(note)) => r.text("noted ").italic(note),
            ("check-in", None, Some(what)) => r.text(format!("checked in: {what}")),
            ("depends on", None, Some(on)) => r.text(format!("now waits on {on}")),
            ("depends on", Some(on), None) => r.text(format!("no longer waits on {on}")),
            (field, Some(old), Some(new)) => r.text(format!("{field} {old} → {new}")),
            (field, None, Some(new)) => r.text(format!("{field} set to {new}")),
            (field, Some(old), None) => r.text(format!("{field} {old} removed")),
            (field, None, None) => r.text(field.to_string()),
        };
    }
    r
}

fn problem(text: String) -> Block {
    Block::Text(Rich::new().text("⚠️ ").text(text))
}

fn try_line(prefix: &str, example: &str) -> Block {
    Block::Context(Rich::new().text("Try: ").code(format!("{prefix}{example}")))
}

fn first_example(command: &str) -> &'static str {
    help::find(command).map(|h| h.examples[0]).unwrap_or("help")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A mistake in the command's text: what is wrong, a correct example, and "did you mean".
pub fn parse_error(e: &ParseError, prefix: &str) -> Message {
    let mut blocks = Vec::new();
    match e {
        ParseError::Empty => {
            return help_overview(prefix);
        }
        ParseError::UnknownCommand { word, suggestion } => {
            let mut text = format!("`{word}` is not a pacer command.");
            if let Some(s) = suggestion {
                text.push_str(&format!(" Did you mean `{s}`?"));
            }
            blocks.push(problem(text));
            blocks.push(try_line(
                prefix,
                suggestion.map(first_example).unwrap_or("help"),
            ));
        }
        other => {
            let mut text = capitalise(&other.to_string());
            if let Some(s) = other.suggestion() {
                text.push_str(&format!(". Did you mean `{s}`?"));
            } else {
                text.push('.');
            }
            blocks.push(problem(text));
            let command = other.command().unwrap_or("help");
            if let Some(h) = help::find(command) {
                blocks.push(Block::Context(
                    Rich::new()
                        .text("Usage: ")
                        .code(format!("{prefix}{}", h.synopsis)),
                ));
            }
            blocks.push(try_line(prefix, first_example(command)));
        }
    }
    Message::private(blocks)
}

/// A command that parsed but could not be done: the reason and what to do instead.
pub fn command_error(e: &CommandError, command: &str, prefix: &str) -> Message {
    let mut text = capitalise(&e.to_string());
    let example = match e {
        CommandError::NoSuchTeam { suggestion, .. } => {
            match suggestion {
                Some(s) => text.push_str(&format!(". Did you mean {s}?")),
                None => text.push('.'),
            }
            "teams".to_string()
        }
        CommandError::NoSuchPriority(_) => {
            text.push('.');
            "list all".to_string()
        }
        CommandError::TeamNeeded { example, .. } => example.clone(),
        CommandError::TeamExists(name) => {
            text.push('.');
            format!("team show {name}")
        }
        CommandError::Invalid { example, .. } => {
            text.push('.');
            example.clone()
        }
        CommandError::NotAvailable(_) => {
            text.push('.');
            "help".to_string()
        }
        _ => {
            text.push('.');
            first_example(command).to_string()
        }
    };
    Message::private(vec![problem(text), try_line(prefix, &example)])
}

pub fn internal_error() -> Message {
    Message::private(vec![problem(
        "Something went wrong on pacer's side and nothing was changed. Please try again in a moment.".into(),
    )])
}

pub fn help_overview(prefix: &str) -> Message {
    let mut lines = Vec::new();
    for c in help::COMMANDS {
        lines.push(
            Rich::new()
                .code(format!("{prefix}{}", c.synopsis))
                .line_break()
                .text(c.summary),
        );
    }
    let mut blocks = vec![
        Block::Header("pacer: your team's operating rhythm".into()),
        Block::Text(Rich::new().text(
            "Set priorities with owners, check in on them every week, and see what drifts before it is late.",
        )),
    ];
    blocks.extend(chunked_lines(lines, 40));
    blocks.push(Block::Context(
        Rich::new()
            .text("Details and examples: ")
            .code(format!("{prefix}help <command>"))
            .text(". Dates: YYYY-MM-DD, Q1…Q4, +Nd, +Nw, eoq."),
    ));
    Message::private(blocks)
}

pub fn help_command(h: &CommandHelp, prefix: &str) -> Message {
    let mut examples = Rich::new().bold("Examples");
    for e in h.examples {
        examples = examples.line_break().code(format!("{prefix}{e}"));
    }
    Message::private(vec![
        Block::Header(format!("{prefix}{}", h.name).trim().to_string()),
        Block::Text(
            Rich::new()
                .code(format!("{prefix}{}", h.synopsis))
                .line_break()
                .text(h.summary),
        ),
        Block::Text(examples),
    ])
}
