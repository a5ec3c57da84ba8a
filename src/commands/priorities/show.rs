//! `show`: one priority in full, with its dependencies, latest note and history.

use super::list::flags_for;
use crate::commands::execute::{Invocation, Outcome, Services, resolve_priority};
use crate::commands::render::{self, next_steps};
use crate::domain::{PriorityNumber, Status, due};
use crate::message::{Block, Message, Rich};
use crate::store::{Dependency, Slip, UpdateEntry};

pub async fn show(s: &Services<'_>, inv: &Invocation, n: PriorityNumber) -> Outcome {
    let p = resolve_priority(s, inv, n).await?;
    let ws = inv.ws();
    let today = inv.today();
    let waits_on = s.store.dependencies_of(ws, p.id).await?;
    let waited_by = s.store.dependents_of(ws, p.id).await?;
    let history = s.store.history(ws, p.id).await?;
    let updates = s.store.recent_updates(ws, &[p.id], 3).await?;
    let slips = s.store.slips(ws, p.id).await?;
    let flags = flags_for(s, inv, std::slice::from_ref(&p)).await?;
    let mut blocks = vec![Block::Header(format!("{} {}", p.number, p.title))];
    let due_text = match p.due {
        Some(d) => format!("{d} ({})", due::relative(d, today, p.is_active())),
        None => "none".into(),
    };
    let parent = match p.parent {
        Some(pn) => match s.store.priority(ws, pn).await? {
            Some(pp) => Rich::new()
                .priority(pp.number)
                .text(format!(" {}", pp.title)),
            None => Rich::new().priority(pn),
        },
        None => Rich::new().text("none"),
    };
    blocks.push(Block::Fields(vec![
        Rich::new().bold("Status").line_break().status(p.status),
        Rich::new().bold("Progress").line_break().text(format!(
            "{} {}",
            render::bar(p.progress),
            p.progress
        )),
        Rich::new()
            .bold("Owner")
            .line_break()
            .user(&p.owner_user_id, &p.owner_name),
        Rich::new().bold("Team").line_break().text(&p.team_name),
        Rich::new().bold("Due").line_break().text(due_text),
        Rich::new().bold("Parent").line_break().append(parent),
    ]));
    if let Some(reasons) = flags.get(&p.id).filter(|r| !r.is_empty()) {
        blocks.push(Block::Text(
            Rich::new()
                .bold("Drifting: ")
                .append(render::reasons(reasons)),
        ));
    }
    if let Some(lines) = dependency_lines(&waits_on, &waited_by) {
        blocks.push(lines);
    }
    if let Some(note) = latest_note(&updates) {
        blocks.push(note);
    }
    if let Some(log) = slip_log(&slips) {
        blocks.push(log);
    }
    blocks.push(Block::Divider);
    blocks.push(Block::Text(render::history(&history, 15)));
    blocks.push(next_steps(
        inv.prefix,
        &[
            &format!("status {} on-track 50%", p.number),
            &format!("edit {} due:Q2", p.number),
            &format!("depends {} on #…", p.number),
        ],
    ));
    Ok(Message::private(blocks))
}

/// What the priority waits on and what waits on it, if anything.
fn dependency_lines(waits_on: &[Dependency], waited_by: &[Dependency]) -> Option<Block> {
    if waits_on.is_empty() && waited_by.is_empty() {
        return None;
    }
    let mut r = Rich::new();
    let dep_line = |r: Rich, d: &Dependency| {
        let status = d.status.parse().unwrap_or(Status::OnTrack);
        r.line_break()
            .text("• ")
            .priority(PriorityNumber(d.number))
            .text(format!(" {} ({}) ", d.title, d.team_name))
            .status(status)
    };
    if !waits_on.is_empty() {
        r = r.bold("Waits on");
        for d in waits_on {
            r = dep_line(r, d);
        }
    }
    if !waited_by.is_empty() {
        if !waits_on.is_empty() {
            r = r.line_break();
        }
        r = r.bold("Waited on by");
        for d in waited_by {
            r = dep_line(r, d);
        }
    }
    Some(Block::Text(r))
}

/// Every move of the due date, oldest first, with who moved it and why.
fn slip_log(slips: &[Slip]) -> Option<Block> {
    if slips.is_empty() {
        return None;
    }
    let times = if slips.len() == 1 {
        "once".to_string()
    } else {
        format!("{} times", slips.len())
    };
    let mut r = Rich::new().bold(format!("Due date moved {times}"));
    for slip in slips {
        let when = crate::store::ts_date(slip.at);
        let to = slip.new_value.as_deref().unwrap_or("none");
        r = r.line_break().text(format!(
            "• {when}: {} → {to} by {}",
            slip.old_value, slip.actor_name
        ));
        r = match &slip.reason {
            Some(why) => r.text(": ").italic(why),
            None => r.text(" (no reason given)"),
        };
    }
    Some(Block::Text(r))
}

/// The newest of the recent updates that has a note or a blocker, if one has.
fn latest_note(updates: &[UpdateEntry]) -> Option<Block> {
    let u = updates
        .iter()
        .find(|u| u.note.is_some() || u.blocker.is_some())?;
    let mut r = Rich::new().bold("Latest note").line_break();
    if let Some(note) = &u.note {
        r = r.italic(note);
    }
    if let Some(b) = &u.blocker {
        r = r.line_break().text(format!("Blocker: {b}"));
    }
    Some(Block::Text(r))
}
