//! The roll-up a parent team's digest carries: its sub-teams (all the way down) and whether a
//! lead has looked at each one's latest digest, their most serious stalls, cross-team
//! dependencies at risk, and alignment with the top team.

use std::collections::HashMap;

use chrono::DateTime;

use super::model::{item, percent, stalled, worst_first};
use super::{
    Alignment, ChildDigest, ChildLine, Context, DependencyRisk, Found, Participation, Rollup,
    Stalled,
};
use crate::domain::drift::Reason;
use crate::domain::{Priority, PriorityNumber, Status};
use crate::reporting::drift::evaluate;
use crate::store::{CycleRow, StoreError, TeamRow};

/// The roll-up of `team` over the priorities found for its subtree (`found.scope`).
pub(super) async fn rollup(
    cx: &Context<'_>,
    team: &TeamRow,
    found: &Found,
    flags: &HashMap<i64, Vec<Reason>>,
    scores: &HashMap<i64, u8>,
) -> Result<Rollup, StoreError> {
    let active = &found.scope;
    let children = child_lines(cx, team, &found.teams, active, flags).await?;
    let top_stalls = top_stalls(team, active, flags, scores);
    let dependencies_at_risk = dependencies_at_risk(cx, &found.everything, active).await?;
    let alignment = alignment(team, &found.teams, &found.everything, active);
    Ok(Rollup {
        children,
        top_stalls,
        dependencies_at_risk,
        alignment,
    })
}

/// One line per direct sub-team, counting the priorities of the teams below it too.
async fn child_lines(
    cx: &Context<'_>,
    team: &TeamRow,
    teams: &[TeamRow],
    active: &[Priority],
    flags: &HashMap<i64, Vec<Reason>>,
) -> Result<Vec<ChildLine>, StoreError> {
    let children: Vec<&TeamRow> = teams
        .iter()
        .filter(|t| t.parent_team_id == Some(team.id))
        .collect();

    // Which team a team rolls up into, for "child" lines covering grandchildren too.
    let child_of = |mut team_id: i64| -> Option<i64> {
        for _ in 0..teams.len() {
            let t = teams.iter().find(|t| t.id == team_id)?;
            if t.parent_team_id == Some(team.id) {
                return Some(t.id);
            }
            team_id = t.parent_team_id?;
        }
        None
    };
    let mut lines = Vec::new();
    for child in &children {
        let mine: Vec<&Priority> = active
            .iter()
            .filter(|p| child_of(p.team_id) == Some(child.id))
            .collect();
        let last = cx
            .store
            .last_closed_cycle(cx.ws, child.id, cx.as_of.timestamp())
            .await?;
        let (participation, share, previous_share) = match &last {
            Some(c) => last_cycle_numbers(cx, c).await?,
            None => (None, None, None),
        };
        // Only a digest that is posted (the team has a channel) can be looked at.
        let digest = last
            .as_ref()
            .filter(|_| child.channel_id.is_some())
            .map(|c| ChildDigest {
                cycle_id: c.id,
                closed_at: DateTime::from_timestamp(c.closes_at, 0).unwrap_or_default(),
                seen: false,
                discussed: false,
            });
        lines.push(ChildLine {
            team: child.name.clone(),
            active: mine.len(),
            on_track: mine.iter().filter(|p| p.status == Status::OnTrack).count(),
            stalled: mine
                .iter()
                .filter(|p| flags.get(&p.id).is_some_and(|r| !r.is_empty()))
                .count(),
            participation,
            on_track_share: share,
            previous_on_track_share: previous_share,
            digest,
            focus: None,
            unfocused: None,
        });
        if let (Some(c), Some(line)) = (&last, lines.last_mut()) {
            add_focus(cx, c, line).await?;
        }
    }
    mark_acknowledged(cx, &mut lines).await?;
    by_focus(&mut lines);
    Ok(lines)
}

/// A sub-team's focus as of its last closed cycle: its latest level, and `unfocused`.
async fn add_focus(
    cx: &Context<'_>,
    last: &CycleRow,
    line: &mut ChildLine,
) -> Result<(), StoreError> {
    if let Some(f) = super::focus::team_focus(cx.store, cx.ws, last).await? {
        line.focus = f.trend.last().copied();
        line.unfocused = f.unfocused;
    }
    Ok(())
}

/// The least focused sub-teams first; ties, and teams without a focus (last), keep their order.
fn by_focus(lines: &mut [ChildLine]) {
    lines.sort_by_key(|l| match l.focus {
        Some(level) => (0, level.value()),
        None => (1, 0),
    });
}

/// Whether a lead has seen, or discussed, each sub-team's latest digest, as things stand now.
async fn mark_acknowledged(cx: &Context<'_>, lines: &mut [ChildLine]) -> Result<(), StoreError> {
    let ids: Vec<i64> = lines
        .iter()
        .filter_map(|l| l.digest.as_ref().map(|d| d.cycle_id))
        .collect();
    let counts = cx.store.digest_ack_counts(cx.ws, &ids).await?;
    for d in lines.iter_mut().filter_map(|l| l.digest.as_mut()) {
        if let Some(c) = counts.iter().find(|c| c.cycle_id == d.cycle_id) {
            d.seen = c.seen > 0;
            d.discussed = c.discussed > 0;
        }
    }
    Ok(())
}

/// A sub-team's participation in its last closed cycle, and the on-track share of answers
/// in that cycle and the one before (in %, none without answers).
async fn last_cycle_numbers(
    cx: &Context<'_>,
    last: &CycleRow,
) -> Result<(Option<Participation>, Option<u32>, Option<u32>), StoreError> {
    let (store, ws) = (cx.store, cx.ws);
    let people = store.participation(ws, last.id).await?;
    let expected = people.iter().filter(|p| p.away == 0).count();
    let checked_in = people
        .iter()
        .filter(|p| p.away == 0 && p.answered == 1)
        .count();
    let (on, all) = store.answer_mix(ws, last.id).await?;
    let prev = match store.previous_cycle(ws, last).await? {
        Some(p) => {
            let (on, all) = store.answer_mix(ws, p.id).await?;
            (all > 0).then(|| percent(on as usize, all as usize))
        }
        None => None,
    };
    Ok((
        Some(Participation {
            checked_in,
            expected,
            away: people.len() - expected,
        }),
        (all > 0).then(|| percent(on as usize, all as usize)),
        prev,
    ))
}

/// The five most serious stalls of the sub-teams (the team's own are in its digest already).
fn top_stalls(
    team: &TeamRow,
    active: &[Priority],
    flags: &HashMap<i64, Vec<Reason>>,
    scores: &HashMap<i64, u8>,
) -> Vec<Stalled> {
    let mut top_stalls: Vec<Stalled> = active
        .iter()
        .filter(|p| p.team_id != team.id)
        .filter_map(|p| {
            let score = scores.get(&p.id).copied().unwrap_or(0);
            flags
                .get(&p.id)
                .filter(|r| !r.is_empty())
                .map(|r| stalled(p, r, score))
        })
        .collect();
    worst_first(&mut top_stalls);
    top_stalls.truncate(5);
    top_stalls
}

/// Cross-team dependencies whose target is in trouble.
async fn dependencies_at_risk(
    cx: &Context<'_>,
    everything: &[Priority],
    active: &[Priority],
) -> Result<Vec<DependencyRisk>, StoreError> {
    let (store, ws) = (cx.store, cx.ws);
    let by_id: HashMap<i64, &Priority> = everything.iter().map(|p| (p.id, p)).collect();
    let target_ids: Vec<i64> = store
        .dependency_edges(ws)
        .await?
        .into_iter()
        .filter(|(a, _)| active.iter().any(|p| p.id == *a))
        .map(|(_, b)| b)
        .collect();
    let targets: Vec<Priority> = target_ids
        .iter()
        .filter_map(|id| by_id.get(id).map(|p| (*p).clone()))
        .collect();
    let target_flags = evaluate(store, ws, &targets, cx.as_of, cx.today, &cx.thresholds).await?;
    let mut dependencies_at_risk = Vec::new();
    for (a, b) in store.dependency_edges(ws).await? {
        let (Some(dep), Some(on)) = (active.iter().find(|p| p.id == a), by_id.get(&b)) else {
            continue;
        };
        if dep.team_id == on.team_id {
            continue;
        }
        let why = match on.status {
            Status::OffTrack | Status::Dropped => Some(on.status.as_str().to_string()),
            _ => target_flags
                .get(&on.id)
                .and_then(|r| r.first())
                .map(|r| format!("{}, {}", on.status.as_str(), r.text)),
        };
        if let Some(why) = why {
            dependencies_at_risk.push(DependencyRisk {
                dependent: item(dep),
                on: item(on),
                why,
            });
        }
    }
    dependencies_at_risk.sort_by_key(|d| (d.dependent.number, d.on.number));
    Ok(dependencies_at_risk)
}

/// Alignment: does each active priority ladder up to a priority of the top team?
fn alignment(
    team: &TeamRow,
    teams: &[TeamRow],
    everything: &[Priority],
    active: &[Priority],
) -> Alignment {
    let mut top = team.clone();
    for _ in 0..teams.len() {
        match top
            .parent_team_id
            .and_then(|p| teams.iter().find(|t| t.id == p))
        {
            Some(parent) => top = parent.clone(),
            None => break,
        }
    }
    let by_number: HashMap<PriorityNumber, &Priority> =
        everything.iter().map(|p| (p.number, p)).collect();
    let ladders_up = |p: &Priority| {
        let mut cursor = Some(p);
        for _ in 0..=everything.len() {
            match cursor {
                Some(c) if c.team_id == top.id => return true,
                Some(c) => cursor = c.parent.and_then(|n| by_number.get(&n).copied()),
                None => return false,
            }
        }
        false
    };
    let (aligned, unaligned): (Vec<&Priority>, Vec<&Priority>) =
        active.iter().partition(|p| ladders_up(p));
    Alignment {
        top_team: top.name.clone(),
        aligned: aligned.len(),
        active: active.len(),
        unaligned: unaligned.into_iter().map(item).collect(),
    }
}
