//! The check-in prompt an owner gets, and the reminder: one section per priority with one-click
//! status buttons and "Update…", answered ones shown as answered.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::{PriorityNumber, Status, due};
use crate::message::{Block, Button, ButtonStyle, Message, Rich, Visibility};
use crate::store::CheckinItem;

/// Action ids the platforms send back; values are `<cycle>:<priority>`.
pub const ACTION_PREFIX: &str = "checkin:";
pub const ACTION_UPDATE: &str = "checkin:update";
/// *All still on track* (`ask:changed`); its value is `<cycle>:<person>`, whose prompt it is.
pub const ACTION_UNCHANGED: &str = "checkin:unchanged";

pub fn action_value(cycle_id: i64, priority_id: i64) -> String {
    format!("{cycle_id}:{priority_id}")
}

/// `<cycle>:<priority>` back into numbers; anything else is forged or foreign.
pub fn parse_action_value(v: &str) -> Option<(i64, i64)> {
    let (c, p) = v.split_once(':')?;
    let c: i64 = c.parse().ok().filter(|n| *n > 0)?;
    let p: i64 = p.parse().ok().filter(|n| *n > 0)?;
    Some((c, p))
}

pub struct PromptContext<'a> {
    pub team: &'a str,
    pub person_name: &'a str,
    pub cycle_id: i64,
    /// Whose prompt it is (the value of *All still on track* names them).
    pub person_id: i64,
    pub closes_at: DateTime<Utc>,
    pub open: bool,
    pub tz: Tz,
    pub today: NaiveDate,
    pub reminder: bool,
}

pub fn prompt(ctx: &PromptContext<'_>, items: &[CheckinItem]) -> Message {
    let answered = items.iter().filter(|i| i.answered_status.is_some()).count();
    let header = if ctx.reminder {
        format!("Reminder: check-in for {}", ctx.team)
    } else {
        format!("Check-in for {}", ctx.team)
    };
    let closes = ctx
        .closes_at
        .with_timezone(&ctx.tz)
        .format("%a %-d %b %H:%M");
    let intro = if !ctx.open {
        format!(
            "This cycle closed on {closes}. Answers are still recorded, marked late in the next digest."
        )
    } else if ctx.reminder {
        format!(
            "Hi {}, {} of your {} priorities still need a check-in. It takes a click; you can change it until {closes}.",
            ctx.person_name,
            items.len() - answered,
            items.len()
        )
    } else {
        format!(
            "Hi {}, how are your priorities this week? One click per priority; you can change it until {closes}.",
            ctx.person_name
        )
    };
    let mut blocks = vec![Block::Header(header), Block::Text(Rich::new().text(intro))];
    let (asked, quiet): (Vec<&CheckinItem>, Vec<&CheckinItem>) =
        items.iter().partition(|i| i.asked != 0);
    for item in asked {
        let value = action_value(ctx.cycle_id, item.priority_id);
        blocks.extend(item_blocks(ctx.today, item, value));
    }
    blocks.extend(quiet_blocks(ctx, &quiet));
    let footer = if items.is_empty() {
        Rich::new().text("Nothing to check in on: you own no active priorities in this cycle.")
    } else if answered == items.len() {
        Rich::new().text("All answered, thank you. Change any answer until the cycle closes.")
    } else {
        Rich::new()
            .text("Or reply here in words: ")
            .code(format!("#{} at-risk 40% waiting on legal", items[0].number))
    };
    blocks.push(Block::Context(footer));
    Message {
        blocks,
        visibility: Visibility::Shared,
    }
}

/// `ask:changed`: the priorities listed compactly (number, title, status, progress, or the
/// answer given), under one *All still on track* button while any is unanswered.
fn quiet_blocks(ctx: &PromptContext<'_>, quiet: &[&CheckinItem]) -> Vec<Block> {
    if quiet.is_empty() {
        return Vec::new();
    }
    let mut list = Rich::new().bold("On track, nothing due within two weeks:");
    for item in quiet {
        list = list
            .line_break()
            .priority(PriorityNumber(item.number))
            .text(format!(" {} · ", item.title));
        list = answer_or_last(list, item);
    }
    let mut blocks = vec![Block::Text(list)];
    if quiet.iter().any(|i| i.answered_status.is_none()) {
        blocks.push(Block::Actions(vec![Button {
            label: "All still on track".into(),
            action: ACTION_UNCHANGED.into(),
            value: action_value(ctx.cycle_id, ctx.person_id),
            style: ButtonStyle::Primary,
            current: None,
            form: None,
        }]));
        blocks.push(Block::Context(Rich::new().text(
            "One click records each of these as unchanged this cycle (status and progress carried). Something changed? Answer it in words, like ",
        ).code(format!("#{} at-risk 40%", quiet[0].number))));
    }
    blocks
}

/// "✔ Recorded: On track · 40%" (with "(late)" or "(given ahead)") for an answered item, else
/// "Last: On track · 40%".
fn answer_or_last(line: Rich, item: &CheckinItem) -> Rich {
    let status: Status = item.status.parse().unwrap_or(Status::OnTrack);
    match (&item.answered_status, item.answered_progress) {
        (Some(s), Some(p)) => {
            let s: Status = s.parse().unwrap_or(Status::OnTrack);
            let mut line = line.text("✔ Recorded: ").status(s).text(format!(" · {p}%"));
            if item.answered_late == Some(1) {
                line = line.text(" (late)");
            }
            if item.answered_ahead_at.is_some() {
                line = line.text(" (given ahead)");
            }
            line
        }
        _ => line
            .text("Last: ")
            .status(status)
            .text(format!(" · {}%", item.progress)),
    }
}

/// One priority's part of the prompt: where it stands (or the answer already given this
/// cycle), then its buttons, whose value is `value`.
pub(super) fn item_blocks(today: NaiveDate, item: &CheckinItem, value: String) -> [Block; 2] {
    let status: Status = item.status.parse().unwrap_or(Status::OnTrack);
    let line = Rich::new()
        .priority(PriorityNumber(item.number))
        .text(" ")
        .bold(&item.title);
    let line = match &item.on_behalf_of {
        Some(owner) => line.text(format!(" · for {owner}, who is away")),
        None => line,
    }
    .line_break();
    let mut line = answer_or_last(line, item);
    if let Some(d) = item
        .due_date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    {
        line = line.text(format!(
            " · due {d} ({})",
            due::relative(d, today, status.is_active())
        ));
    }
    let text = Block::Text(line);
    // The form starts from the answer given this cycle, else from where the priority stands.
    let current = match (&item.answered_status, item.answered_progress) {
        (Some(s), Some(p)) => (s.parse().unwrap_or(status), p.clamp(0, 100) as u8),
        _ => (status, item.progress.clamp(0, 100) as u8),
    };
    let button = |label: &str, s: Status, style| Button {
        label: label.to_string(),
        action: format!("{ACTION_PREFIX}{}", s.as_str()),
        value: value.clone(),
        style,
        current: None,
        form: None,
    };
    let actions = Block::Actions(vec![
        button("On track", Status::OnTrack, ButtonStyle::Primary),
        button("At risk", Status::AtRisk, ButtonStyle::Default),
        button("Off track", Status::OffTrack, ButtonStyle::Danger),
        button("Done", Status::Done, ButtonStyle::Default),
        Button {
            label: "Update…".into(),
            action: ACTION_UPDATE.into(),
            value: value.clone(),
            style: ButtonStyle::Default,
            current: Some(current),
            form: None,
        },
    ]);
    [text, actions]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_values_round_trip_and_reject_forgeries() {
        assert_eq!(parse_action_value(&action_value(3, 14)), Some((3, 14)));
        for bad in [
            "",
            "3",
            "3:",
            ":4",
            "a:b",
            "-1:2",
            "0:2",
            "3:4:5",
            "99999999999999999999:1",
        ] {
            assert_eq!(parse_action_value(bad), None, "{bad}");
        }
    }
}
