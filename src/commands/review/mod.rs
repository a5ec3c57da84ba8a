//! Leaders close the loop: `raise` puts a priority before its team's parent team, `decide`
//! records what was decided (and tells the people it concerns), and `agenda` (in its own file)
//! lists what a team's next review should cover.

mod agenda;
pub mod meeting;

pub use agenda::{View, agenda, build as build_agenda};
pub use meeting::assign;

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::execute::{
    CommandError, Invocation, Outcome, Services, actor, resolve_person, resolve_priority,
};
use super::render::next_steps;
use crate::domain::permissions::Denied;
use crate::domain::{DueDate, Priority, PriorityNumber, UserRef};
use crate::message::{Block, Message, Rich};
use crate::store::{MemberRow, NewDecision, NewRaise, PersonRow, TeamRow};

/// `raise #N "<why>"`: the owner, a lead of its team or an admin puts the priority before the
/// parent team, whose leads own it until a decision closes it.
pub async fn raise(
    s: &Services<'_>,
    inv: &Invocation,
    n: PriorityNumber,
    reason: String,
) -> Outcome {
    let p = resolve_priority(s, inv, n).await?;
    if !actor(s, inv).await?.may_raise(p.owner_person_id, p.team_id) {
        return Err(super::priorities::denied(&p));
    }
    if !p.is_active() {
        return Err(CommandError::Invalid {
            problem: format!(
                "{} is {}; only active work is raised",
                p.number,
                p.status.label().to_lowercase()
            ),
            example: format!("show {}", p.number),
        });
    }
    let parent = parent_team(s, inv, &p).await?;
    if let Some(open) = s.store.open_raise(inv.ws(), p.id).await? {
        return Err(CommandError::Invalid {
            problem: format!(
                "{} is already raised to {} ({}); a decision closes it",
                p.number, open.team_name, open.reason
            ),
            example: format!("agenda {}", parent.name),
        });
    }
    let new = NewRaise {
        priority_id: p.id,
        team_id: parent.id,
        raised_by: Some(inv.caller.id),
        reason: &reason,
        why: "manual",
    };
    if !s.store.raise(inv.ws(), new, inv.ts()).await? {
        return Err(CommandError::Invalid {
            problem: format!("{} was raised a moment ago", p.number),
            example: format!("agenda {}", parent.name),
        });
    }
    let leads = leads_of(s, inv, &parent).await?;
    let line = Rich::new()
        .text("Raised ")
        .priority(p.number)
        .text(" ")
        .bold(&p.title)
        .text(format!(" to {}: ", parent.name))
        .italic(&reason)
        .text(". It is now owned by ")
        .append(leads)
        .text(" until they decide.");
    Ok(Message::private(vec![
        Block::Text(line),
        next_steps(
            inv.prefix,
            &[
                &format!("agenda {}", parent.name),
                &format!("show {}", p.number),
            ],
        ),
    ]))
}

/// The team a priority is raised to: its team's parent, or a clear refusal.
async fn parent_team(
    s: &Services<'_>,
    inv: &Invocation,
    p: &Priority,
) -> Result<TeamRow, CommandError> {
    let parent = match s.store.team(inv.ws(), p.team_id).await? {
        Some(team) => match team.parent_team_id {
            Some(id) => s.store.team(inv.ws(), id).await?,
            None => None,
        },
        None => None,
    };
    parent.ok_or_else(|| CommandError::Invalid {
        problem: format!(
            "{} has no parent team to raise {} to; give it one first",
            p.team_name, p.number
        ),
        example: format!("team add {} parent:<team>", p.team_name),
    })
}

/// Who owns what is raised to a team: "@ana and @ben (leads of Leadership)", or its admins
/// when the team has lost its leads.
async fn leads_of(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamRow,
) -> Result<Rich, CommandError> {
    let leads: Vec<MemberRow> = s
        .store
        .members(inv.ws(), team.id)
        .await?
        .into_iter()
        .filter(|m| m.role == "lead")
        .collect();
    if leads.is_empty() {
        return Ok(Rich::new().text(format!("the admins ({} has no lead)", team.name)));
    }
    let mut r = Rich::new();
    for (i, m) in leads.iter().enumerate() {
        if i > 0 {
            r = r.text(if i + 1 == leads.len() { " and " } else { ", " });
        }
        r = r.user(&m.user_id, &m.display_name);
    }
    Ok(r.text(format!(" (leads of {})", team.name)))
}

/// `decide #N "<text>" [@owner] [due:<date>]`: leads of the priority's team or of the team it
/// is raised to, or admins. Closes the open raised item and queues one direct message each to
/// the priority's owner, the owners of active priorities that wait on it, and the follow-up's
/// owner (not to the person deciding, who has this reply).
pub async fn decide(
    s: &Services<'_>,
    inv: &Invocation,
    n: PriorityNumber,
    text: String,
    owner: Option<UserRef>,
    due: Option<DueDate>,
) -> Outcome {
    let p = resolve_priority(s, inv, n).await?;
    let open = s.store.open_raise(inv.ws(), p.id).await?;
    let raised_to = open.as_ref().map(|r| r.team_id);
    if !actor(s, inv).await?.may_decide(p.team_id, raised_to) {
        return Err(CommandError::Denied(Denied::NotDecider {
            what: p.number.to_string(),
            team: p.team_name.clone(),
            raised_to: open
                .as_ref()
                .map(|r| format!(" or of {}", r.team_name))
                .unwrap_or_default(),
        }));
    }
    let owner = match &owner {
        Some(u) => Some(resolve_person(s, inv, u).await?),
        None => None,
    };
    let due = due.map(|d| d.resolve(inv.today()));
    let notify = recipients(s, inv, &p, owner.as_ref().map(|o| o.id)).await?;
    let new = NewDecision {
        priority_id: p.id,
        text: &text,
        decided_by: inv.caller.id,
        owner_id: owner.as_ref().map(|o| o.id),
        due_date: due.map(|d| d.format("%Y-%m-%d").to_string()),
        notify: &notify,
    };
    let (_, closed) = s.store.record_decision(inv.ws(), new, inv.ts()).await?;
    let follow_up = owner.as_ref().map(|o| (o, due));
    let closed_raise = open.filter(|_| closed).map(|r| r.team_name);
    let told = (notify.len(), closed_raise);
    Ok(decided_reply(inv, &p, &text, follow_up, told))
}

/// "Decided on #12 …: <text>. Follow-up: @ben, due …" with who will be told, and whether the
/// raised item closed.
fn decided_reply(
    inv: &Invocation,
    p: &Priority,
    text: &str,
    follow_up: Option<(&PersonRow, Option<NaiveDate>)>,
    (told, closed_raise): (usize, Option<String>),
) -> Message {
    let mut line = Rich::new()
        .text("Decided on ")
        .priority(p.number)
        .text(" ")
        .bold(&p.title)
        .text(": ")
        .italic(text)
        .text(".");
    if let Some((o, due)) = follow_up {
        line = line.text(" Follow-up: ").user(&o.user_id, &o.display_name);
        if let Some(d) = due {
            line = line.text(format!(", due {d}"));
        }
        line = line.text(".");
    }
    let mut context = match told {
        1 => "1 person will get it as a direct message.".to_string(),
        n => format!("{n} people will get it as a direct message."),
    };
    if let Some(team) = closed_raise {
        context = format!("The item raised to {team} is closed. {context}");
    }
    Message::private(vec![
        Block::Text(line),
        Block::Context(Rich::new().text(context)),
        next_steps(inv.prefix, &[&format!("show {}", p.number), "agenda"]),
    ])
}

/// Who hears of a decision on `p`: its owner, the owners of active priorities waiting on it,
/// and the follow-up's owner, each once, never the person deciding.
async fn recipients(
    s: &Services<'_>,
    inv: &Invocation,
    p: &Priority,
    follow_up: Option<i64>,
) -> Result<Vec<i64>, CommandError> {
    let waiting: Vec<i64> = s
        .store
        .dependents_of(inv.ws(), p.id)
        .await?
        .iter()
        .map(|d| d.priority_id)
        .collect();
    let mut people: BTreeSet<i64> = BTreeSet::from([p.owner_person_id]);
    for d in s.store.priorities_by_ids(inv.ws(), &waiting).await? {
        if d.is_active() {
            people.insert(d.owner_person_id);
        }
    }
    people.extend(follow_up);
    people.remove(&inv.caller.id);
    Ok(people.into_iter().collect())
}

/// `decide done #N`: the open follow-ups of #N's decisions are done, and leave the agenda.
/// Their owner or decider, the priority's owner, a lead of its team, or an admin may say so.
pub async fn decide_done(s: &Services<'_>, inv: &Invocation, n: PriorityNumber) -> Outcome {
    let p = resolve_priority(s, inv, n).await?;
    let decisions = s.store.decisions_of(inv.ws(), p.id).await?;
    let open: Vec<_> = decisions
        .iter()
        .filter(|d| d.owner_user_id.is_some() && d.done_at.is_none())
        .collect();
    if open.is_empty() {
        return Err(CommandError::Invalid {
            problem: format!("{} has no open follow-up", p.number),
            example: format!("show {}", p.number),
        });
    }
    let me = Some(inv.caller.user_id.as_str());
    let involved = open
        .iter()
        .any(|d| d.owner_user_id.as_deref() == me || Some(d.decided_by_user_id.as_str()) == me);
    if !involved
        && !actor(s, inv)
            .await?
            .may_change_priority(p.owner_person_id, p.team_id)
    {
        return Err(super::priorities::denied(&p));
    }
    let done = s.store.finish_follow_ups(inv.ws(), p.id, inv.ts()).await?;
    Ok(Message::private(vec![
        Block::Text(
            Rich::new()
                .text(format!("Marked {done} follow-up(s) of "))
                .priority(p.number)
                .text(" done; they leave the agenda."),
        ),
        next_steps(inv.prefix, &[&format!("show {}", p.number)]),
    ]))
}
