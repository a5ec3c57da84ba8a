//! The priority commands: add, list, show, status, edit, depends, undepend.

use std::collections::HashMap;

use super::execute::{
    CommandError, Invocation, Outcome, Services, actor, resolve_person, resolve_priority,
    resolve_team,
};
use super::parse::ListFilter;
use super::render::{self, next_steps};
use crate::domain::drift::{self, Reason};
use crate::domain::{DueDate, Priority, PriorityNumber, Progress, Status, TeamName, UserRef, due};
use crate::message::{Block, Message, Rich};
use crate::store::{NewPriority, PriorityChanges, PriorityQuery, UpdateInput};

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
async fn default_team(
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

pub async fn list(s: &Services<'_>, inv: &Invocation, filter: ListFilter) -> Outcome {
    let ws = inv.ws();
    let filter = match filter {
        ListFilter::Default => match &inv.channel {
            Some(ch) => match s.store.team_by_channel(ws, &ch.id).await? {
                Some(team) => {
                    ListFilter::Team(team.name.parse().map_err(|_| CommandError::Invalid {
                        problem: "this channel's team has an unusable name".into(),
                        example: "list all".into(),
                    })?)
                }
                None => ListFilter::Mine,
            },
            None => ListFilter::Mine,
        },
        other => other,
    };
    let (title, query, stalled_only) = match &filter {
        ListFilter::Mine | ListFilter::Default => (
            "Your priorities".to_string(),
            PriorityQuery {
                owner: Some(inv.caller.id),
                ..Default::default()
            },
            false,
        ),
        ListFilter::All => (
            "All active priorities".to_string(),
            PriorityQuery::default(),
            false,
        ),
        ListFilter::Stalled => (
            "Stalled priorities".to_string(),
            PriorityQuery::default(),
            true,
        ),
        ListFilter::Team(name) => {
            let team = resolve_team(s, inv, name).await?;
            (
                format!("{}'s priorities", team.name),
                PriorityQuery {
                    teams: Some(vec![team.id]),
                    ..Default::default()
                },
                false,
            )
        }
        ListFilter::Person(u) => {
            let person = resolve_person(s, inv, u).await?;
            (
                format!("{}'s priorities", person.display_name),
                PriorityQuery {
                    owner: Some(person.id),
                    ..Default::default()
                },
                false,
            )
        }
    };
    let priorities = s.store.priorities(ws, &query).await?;
    let flags = flags_for(s, inv, &priorities).await?;
    let shown: Vec<&Priority> = priorities
        .iter()
        .filter(|p| !stalled_only || flags.get(&p.id).is_some_and(|f| !f.is_empty()))
        .collect();
    if shown.is_empty() {
        let (empty, next): (&str, Vec<String>) = match filter {
            ListFilter::Stalled => (
                "Nothing is stalled. Every active priority is moving.",
                vec!["list all".into()],
            ),
            _ => (
                "No active priorities here yet.",
                vec!["add <title> team:<name>".into(), "list all".into()],
            ),
        };
        let next: Vec<&str> = next.iter().map(String::as_str).collect();
        return Ok(Message::private(vec![
            Block::Header(title),
            Block::Text(Rich::new().text(empty)),
            next_steps(inv.prefix, &next),
        ]));
    }
    let today = inv.today();
    let mut lines: Vec<Rich> = Vec::new();
    for p in &shown {
        let mut line = render::priority_line(p, today);
        if let Some(reasons) = flags.get(&p.id).filter(|r| !r.is_empty()) {
            line = line.line_break().append(render::reasons(reasons));
        }
        lines.push(line);
    }
    let mut blocks = vec![Block::Header(format!("{title} ({})", shown.len()))];
    blocks.extend(render::chunked_lines(lines, 40));
    blocks.push(next_steps(
        inv.prefix,
        &["show #N", "status #N at-risk 40% note", "list stalled"],
    ));
    Ok(Message::private(blocks))
}

/// The drift flags of the given priorities, as of now.
pub async fn flags_for(
    s: &Services<'_>,
    inv: &Invocation,
    priorities: &[Priority],
) -> Result<HashMap<i64, Vec<Reason>>, CommandError> {
    let thresholds = s.store.drift_thresholds(inv.ws()).await?;
    Ok(crate::reporting::drift::evaluate(
        s.store,
        inv.ws(),
        priorities,
        inv.now,
        inv.today(),
        &thresholds,
    )
    .await?)
}

pub async fn show(s: &Services<'_>, inv: &Invocation, n: PriorityNumber) -> Outcome {
    let p = resolve_priority(s, inv, n).await?;
    let ws = inv.ws();
    let today = inv.today();
    let waits_on = s.store.dependencies_of(ws, p.id).await?;
    let waited_by = s.store.dependents_of(ws, p.id).await?;
    let history = s.store.history(ws, p.id).await?;
    let updates = s.store.recent_updates(ws, &[p.id], 3).await?;
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
    if !waits_on.is_empty() || !waited_by.is_empty() {
        let mut r = Rich::new();
        let dep_line = |r: Rich, d: &crate::store::Dependency| {
            let status = d.status.parse().unwrap_or(Status::OnTrack);
            r.line_break()
                .text("• ")
                .priority(PriorityNumber(d.number))
                .text(format!(" {} ({}) ", d.title, d.team_name))
                .status(status)
        };
        if !waits_on.is_empty() {
            r = r.bold("Waits on");
            for d in &waits_on {
                r = dep_line(r, d);
            }
        }
        if !waited_by.is_empty() {
            if !waits_on.is_empty() {
                r = r.line_break();
            }
            r = r.bold("Waited on by");
            for d in &waited_by {
                r = dep_line(r, d);
            }
        }
        blocks.push(Block::Text(r));
    }
    if let Some(u) = updates
        .iter()
        .find(|u| u.note.is_some() || u.blocker.is_some())
    {
        let mut r = Rich::new().bold("Latest note").line_break();
        if let Some(note) = &u.note {
            r = r.italic(note);
        }
        if let Some(b) = &u.blocker {
            r = r.line_break().text(format!("Blocker: {b}"));
        }
        blocks.push(Block::Text(r));
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

pub async fn status(
    s: &Services<'_>,
    inv: &Invocation,
    n: PriorityNumber,
    new_status: Status,
    progress: Option<Progress>,
    note: Option<String>,
) -> Outcome {
    let p = resolve_priority(s, inv, n).await?;
    let who = actor(s, inv).await?;
    if !who.may_change_priority(p.owner_person_id, p.team_id) {
        return Err(denied(&p));
    }
    let progress = match (progress, new_status) {
        (Some(pr), _) => pr,
        (None, Status::Done) => Progress::DONE,
        (None, _) => p.progress,
    };
    // An update while the priority's team is asking about it answers that cycle.
    let cycle = s.store.open_cycle_of_priority(inv.ws(), p.id).await?;
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

fn denied(p: &Priority) -> CommandError {
    CommandError::Denied(crate::domain::permissions::Denied::NotOwnerOrLead {
        what: p.number.to_string(),
        owner: p.owner_name.clone(),
        team: p.team_name.clone(),
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn edit(
    s: &Services<'_>,
    inv: &Invocation,
    n: PriorityNumber,
    title: Option<String>,
    owner: Option<UserRef>,
    team: Option<TeamName>,
    due: Option<Option<DueDate>>,
    parent: Option<Option<PriorityNumber>>,
) -> Outcome {
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
        Some(Some(pn)) => {
            if pn == p.number {
                return Err(CommandError::Invalid {
                    problem: format!("{pn} can't be its own parent"),
                    example: format!("edit {} parent:#…", p.number),
                });
            }
            let pp = resolve_priority(s, inv, pn).await?;
            // Alignment climbs parent links; a loop there would have no top.
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
            Some(Some((pp.id, pp.number)))
        }
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
    };
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
