//! The priority commands: add, list, show, status, edit, depends, undepend. `list`, `show`
//! and `edit` have files of their own; the shorter commands are here.

mod edit;
mod list;
mod show;

use super::execute::{
    CommandError, Invocation, Outcome, Services, actor, resolve_person, resolve_priority,
    resolve_team,
};
use super::render::next_steps;
use crate::domain::drift;
use crate::domain::{DueDate, Priority, PriorityNumber, Progress, Status, TeamName, UserRef, due};
use crate::message::{Block, Message, Rich};
use crate::store::{NewPriority, UpdateInput};

pub use edit::{Edit, edit};
pub use list::list;
pub use show::show;

pub async fn add(
    s: &Services<'_>,
    inv: &Invocation,
    title: String,
    owner: Option<UserRef>,
    team: Option<TeamName>,
    due: Option<DueDate>,
    parent: Option<PriorityNumber>,
) -> Outcome {
    let owner = match &owner {
        Some(u) => resolve_person(s, inv, u).await?,
        None => inv.caller.clone(),
    };
    let team = match &team {
        Some(name) => resolve_team(s, inv, name).await?,
        None => default_team(s, inv).await?,
    };
    let parent = match parent {
        Some(n) => Some(resolve_priority(s, inv, n).await?),
        None => None,
    };
    let due = due.map(|d| d.resolve(inv.today()));
    let p = s
        .store
        .create_priority(
            inv.ws(),
            NewPriority {
                title,
                owner_id: owner.id,
                team_id: team.id,
                due,
                parent_id: parent.as_ref().map(|p| p.id),
                created_by: inv.caller.id,
            },
            inv.ts(),
        )
        .await?;
    let mut line = Rich::new()
        .text("Added ")
        .priority(p.number)
        .text(" ")
        .bold(&p.title)
        .text(", owned by ")
        .user(&p.owner_user_id, &p.owner_name)
        .text(format!(" in {}", p.team_name));
    if let Some(d) = p.due {
        line = line.text(format!(
            ", due {d} ({})",
            due::relative(d, inv.today(), true)
        ));
    }
    if let Some(parent) = &parent {
        line = line
            .text(", under ")
            .priority(parent.number)
            .text(format!(" {}", parent.title));
    }
    let n = p.number;
    Ok(Message::private(vec![
        Block::Text(line.text(".")),
        next_steps(
            inv.prefix,
            &[
                &format!("status {n} on-track 10%"),
                &format!("depends {n} on #…"),
                &format!("show {n}"),
            ],
        ),
    ]))
}

/// The channel's team, else the caller's only team, else ask.
pub(super) async fn default_team(
    s: &Services<'_>,
    inv: &Invocation,
) -> Result<crate::store::TeamRow, CommandError> {
    if let Some(ch) = &inv.channel
        && let Some(team) = s.store.team_by_channel(inv.ws(), &ch.id).await?
    {
        return Ok(team);
    }
    let mut mine = s.store.teams_of(inv.ws(), inv.caller.id).await?;
    if mine.len() == 1 {
        return Ok(mine.remove(0));
    }
    let (hint, candidates) = if mine.is_empty() {
        let all = s.store.teams(inv.ws()).await?;
        if all.is_empty() {
            return Err(CommandError::TeamNeeded {
                hint: "There are no teams yet: create one first.".into(),
                example: "team add Platform #platform".into(),
            });
        }
        ("You are in no team; name one with team:.".to_string(), all)
    } else {
        (
            "You are in several teams; name one with team:.".to_string(),
            mine,
        )
    };
    let names: Vec<&str> = candidates.iter().map(|t| t.name.as_str()).take(8).collect();
    Err(CommandError::TeamNeeded {
        hint: format!("{hint} Teams: {}.", names.join(", ")),
        example: format!("add Ship the beta team:{}", quote_if_spaced(names[0])),
    })
}

fn quote_if_spaced(name: &str) -> String {
    if name.contains(' ') {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

pub async fn status(
    s: &Services<'_>,
    inv: &Invocation,
    n: PriorityNumber,
    new_status: Status,
    progress: Option<Progress>,
    note: Option<String>,
) -> Outcome {
    let p = resolve_priority(s, inv, n).await?;
    // An update while the priority's team is asking about it answers that cycle; whoever the
    // cycle asks (someone acting for the away owner) may give it.
    let cycle = s.store.open_cycle_of_priority(inv.ws(), p.id).await?;
    let asked = match &cycle {
        Some(c) => s.store.cycle_priority_owner(inv.ws(), c.id, p.id).await?,
        None => None,
    };
    let who = actor(s, inv).await?;
    if !who.may_answer_checkin(p.owner_person_id, p.team_id, asked) {
        return Err(denied(&p));
    }
    let progress = match (progress, new_status) {
        (Some(pr), _) => pr,
        (None, Status::Done) => Progress::DONE,
        (None, _) => p.progress,
    };
    let input = UpdateInput {
        status: new_status,
        progress,
        note: note.as_deref(),
        blocker: None,
        cycle_id: cycle.as_ref().map(|c| c.id),
        late: false,
    };
    let updated = s
        .store
        .record_update(inv.ws(), &p, &input, inv.caller.id, inv.ts())
        .await?;
    let mut line = Rich::new()
        .priority(updated.number)
        .text(" ")
        .bold(&updated.title)
        .text(" is now ")
        .status(updated.status)
        .text(format!(" at {}", updated.progress));
    if p.status != updated.status || p.progress != updated.progress {
        line = line
            .text(" (was ")
            .status(p.status)
            .text(format!(" at {})", p.progress));
    } else {
        line = line.text(" (unchanged)");
    }
    let mut blocks = vec![Block::Text(line.text("."))];
    if let Some(note) = &note {
        blocks.push(Block::Context(Rich::new().text("Note: ").italic(note)));
    }
    blocks.push(next_steps(
        inv.prefix,
        &[&format!("show {}", p.number), "list mine"],
    ));
    Ok(Message::private(blocks))
}

pub(super) fn denied(p: &Priority) -> CommandError {
    CommandError::Denied(crate::domain::permissions::Denied::NotOwnerOrLead {
        what: p.number.to_string(),
        owner: p.owner_name.clone(),
        team: p.team_name.clone(),
    })
}

pub async fn depends(
    s: &Services<'_>,
    inv: &Invocation,
    n: PriorityNumber,
    on: PriorityNumber,
) -> Outcome {
    if n == on {
        return Err(CommandError::Invalid {
            problem: format!("{n} can't depend on itself"),
            example: format!("depends {n} on #…"),
        });
    }
    let p = resolve_priority(s, inv, n).await?;
    let target = resolve_priority(s, inv, on).await?;
    let who = actor(s, inv).await?;
    if !who.may_change_priority(p.owner_person_id, p.team_id) {
        return Err(denied(&p));
    }
    let edges = s.store.dependency_edges(inv.ws()).await?;
    let makes_loop = drift::reaches(&edges, target.id, p.id);
    let added = s
        .store
        .add_dependency(inv.ws(), p.id, target.id, inv.caller.id, inv.ts())
        .await?;
    let mut blocks = vec![Block::Text(if added {
        Rich::new()
            .priority(p.number)
            .text(format!(" {} now waits on ", p.title))
            .priority(target.number)
            .text(format!(" {} ({}), ", target.title, target.team_name))
            .status(target.status)
            .text(".")
    } else {
        Rich::new()
            .priority(p.number)
            .text(" already waits on ")
            .priority(target.number)
            .text("; nothing changed.")
    })];
    if added && makes_loop {
        blocks.push(Block::Context(
            Rich::new()
                .text("Heads up: ")
                .priority(target.number)
                .text(" already waits on ")
                .priority(p.number)
                .text(" (directly or through others), so they now wait on each other."),
        ));
    }
    blocks.push(next_steps(
        inv.prefix,
        &[
            &format!("show {}", p.number),
            &format!("undepend {} on {}", p.number, target.number),
        ],
    ));
    Ok(Message::private(blocks))
}

pub async fn undepend(
    s: &Services<'_>,
    inv: &Invocation,
    n: PriorityNumber,
    on: PriorityNumber,
) -> Outcome {
    let p = resolve_priority(s, inv, n).await?;
    let target = resolve_priority(s, inv, on).await?;
    let who = actor(s, inv).await?;
    if !who.may_change_priority(p.owner_person_id, p.team_id) {
        return Err(denied(&p));
    }
    let removed = s
        .store
        .remove_dependency(inv.ws(), p.id, target.id, inv.caller.id, inv.ts())
        .await?;
    let line = if removed {
        Rich::new()
            .priority(p.number)
            .text(" no longer waits on ")
            .priority(target.number)
            .text(".")
    } else {
        Rich::new()
            .priority(p.number)
            .text(" did not wait on ")
            .priority(target.number)
            .text("; nothing changed.")
    };
    Ok(Message::private(vec![
        Block::Text(line),
        next_steps(inv.prefix, &[&format!("show {}", p.number)]),
    ]))
}
