//! `edit`: changing a priority's title, owner, team, due date or parent.

use super::denied;
use crate::commands::execute::{
    CommandError, Invocation, Outcome, Services, actor, resolve_person, resolve_priority,
    resolve_team,
};
use crate::commands::render::next_steps;
use crate::domain::{DueDate, Priority, PriorityNumber, TeamName, UserRef};
use crate::message::{Block, Message, Rich};
use crate::store::PriorityChanges;

/// What an `edit` asks to change; `None` leaves a field as it is.
pub struct Edit {
    pub title: Option<String>,
    pub owner: Option<UserRef>,
    pub team: Option<TeamName>,
    /// `Some(None)` clears the due date.
    pub due: Option<Option<DueDate>>,
    pub parent: Option<Option<PriorityNumber>>,
    /// Why the due date moves, for the slip log.
    pub reason: Option<String>,
}

pub async fn edit(s: &Services<'_>, inv: &Invocation, n: PriorityNumber, edit: Edit) -> Outcome {
    let Edit {
        title,
        owner,
        team,
        due,
        parent,
        reason,
    } = edit;
    let p = resolve_priority(s, inv, n).await?;
    let who = actor(s, inv).await?;
    if !who.may_change_priority(p.owner_person_id, p.team_id) {
        return Err(denied(&p));
    }
    let owner = match &owner {
        Some(u) => Some(resolve_person(s, inv, u).await?),
        None => None,
    };
    let team = match &team {
        Some(t) => Some(resolve_team(s, inv, t).await?),
        None => None,
    };
    if let Some(t) = &team
        && t.id != p.team_id
        && !who.may_move_priority_to(p.owner_person_id, t.id)
    {
        return Err(CommandError::Denied(
            crate::domain::permissions::Denied::NotTeamLead {
                team: t.name.clone(),
                what: "priorities",
            },
        ));
    }
    let parent = match parent {
        Some(Some(pn)) => Some(Some(new_parent(s, inv, &p, pn).await?)),
        Some(None) => Some(None),
        None => None,
    };
    let due = due.map(|d| d.map(|d| d.resolve(inv.today())));
    let changes = PriorityChanges {
        title: title.filter(|t| *t != p.title),
        owner: owner
            .filter(|o| o.id != p.owner_person_id)
            .map(|o| (o.id, o.display_name)),
        team: team.filter(|t| t.id != p.team_id).map(|t| (t.id, t.name)),
        due: due.filter(|d| *d != p.due),
        parent: parent.filter(|pp| pp.map(|(_, n)| n) != p.parent),
        due_reason: reason,
    };
    let said = describe(&p, &changes);
    if said.is_empty() {
        return Ok(Message::private(vec![
            Block::Text(
                Rich::new()
                    .text("Nothing changed: ")
                    .priority(p.number)
                    .text(" already reads that way."),
            ),
            next_steps(inv.prefix, &[&format!("show {}", p.number)]),
        ]));
    }
    let updated = s
        .store
        .change_priority(inv.ws(), &p, &changes, inv.caller.id, inv.ts())
        .await?;
    Ok(Message::private(vec![
        Block::Text(
            Rich::new()
                .text("Updated ")
                .priority(updated.number)
                .text(" ")
                .bold(&updated.title)
                .text(format!(": {}.", said.join("; "))),
        ),
        next_steps(inv.prefix, &[&format!("show {}", updated.number)]),
    ]))
}

/// The new parent of `p` for `parent:#N`, which may not be `p` itself nor sit under it:
/// alignment climbs parent links, and a loop there would have no top.
async fn new_parent(
    s: &Services<'_>,
    inv: &Invocation,
    p: &Priority,
    pn: PriorityNumber,
) -> Result<(i64, PriorityNumber), CommandError> {
    if pn == p.number {
        return Err(CommandError::Invalid {
            problem: format!("{pn} can't be its own parent"),
            example: format!("edit {} parent:#…", p.number),
        });
    }
    let pp = resolve_priority(s, inv, pn).await?;
    let mut cursor = pp.parent;
    let mut steps = 0;
    while let Some(c) = cursor {
        if c == p.number || steps > 1000 {
            return Err(CommandError::Invalid {
                problem: format!(
                    "{pn} already sits under {}; that would make a loop",
                    p.number
                ),
                example: format!("edit {} parent:none", p.number),
            });
        }
        cursor = s.store.priority(inv.ws(), c).await?.and_then(|x| x.parent);
        steps += 1;
    }
    Ok((pp.id, pp.number))
}

/// The changes in words, as the reply lists them: `due 2026-05-01 → none`.
fn describe(p: &Priority, changes: &PriorityChanges) -> Vec<String> {
    let mut said: Vec<String> = Vec::new();
    if let Some(t) = &changes.title {
        said.push(format!("title “{}” → “{t}”", p.title));
    }
    if let Some((_, name)) = &changes.owner {
        said.push(format!("owner @{} → @{name}", p.owner_name));
    }
    if let Some((_, name)) = &changes.team {
        said.push(format!("team {} → {name}", p.team_name));
    }
    if let Some(d) = &changes.due {
        let show = |d: Option<chrono::NaiveDate>| {
            d.map(|d| d.to_string()).unwrap_or_else(|| "none".into())
        };
        said.push(format!("due {} → {}", show(p.due), show(*d)));
    }
    if let Some(pp) = &changes.parent {
        let show =
            |n: Option<PriorityNumber>| n.map(|n| n.to_string()).unwrap_or_else(|| "none".into());
        said.push(format!(
            "parent {} → {}",
            show(p.parent),
            show(pp.map(|(_, n)| n))
        ));
    }
    said
}
