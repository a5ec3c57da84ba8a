//! The digest of a cycle as a platform-neutral model, built once from the store and rendered
//! for each platform (and as text or JSON for the CLI).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::drift::evaluate;
use crate::domain::drift::{Reason, urgency};
use crate::domain::{Priority, PriorityNumber, Status};
use crate::store::{CycleRow, PriorityQuery, Store, StoreError, TeamRow};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub team: String,
    pub team_id: i64,
    pub cycle_id: Option<i64>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// A preview of a cycle still open.
    pub preview: bool,
    pub counts: Counts,
    pub participation: Option<Participation>,
    pub drift: Drift,
    pub needs_attention: Vec<Stalled>,
    pub moved: Vec<Moved>,
    pub finished: Vec<Item>,
    pub no_answer: Vec<Person>,
    pub late: Vec<Late>,
    pub priorities: Vec<Line>,
    pub rollup: Option<Rollup>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub on_track: usize,
    pub at_risk: usize,
    pub off_track: usize,
    pub done: usize,
    pub dropped: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Participation {
    pub checked_in: usize,
    pub expected: usize,
    pub away: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    pub stalled: usize,
    pub active: usize,
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub user_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub number: i64,
    pub title: String,
    pub team: String,
    pub owner: Person,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stalled {
    #[serde(flatten)]
    pub item: Item,
    pub status: String,
    pub progress: u8,
    pub reasons: Vec<String>,
    #[serde(skip)]
    pub urgency: (u8, u8, usize),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moved {
    #[serde(flatten)]
    pub item: Item,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Late {
    #[serde(flatten)]
    pub item: Item,
    pub status: String,
    pub progress: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    #[serde(flatten)]
    pub item: Item,
    pub status: String,
    pub progress: u8,
    pub due: Option<NaiveDate>,
    pub note: Option<String>,
    pub blocker: Option<String>,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollup {
    pub children: Vec<ChildLine>,
    pub top_stalls: Vec<Stalled>,
    pub dependencies_at_risk: Vec<DependencyRisk>,
    pub alignment: Alignment,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChildLine {
    pub team: String,
    pub active: usize,
    pub on_track: usize,
    pub stalled: usize,
    pub participation: Option<Participation>,
    /// On-track share of answers in the child's last closed cycle and the one before, in %.
    pub on_track_share: Option<u32>,
    pub previous_on_track_share: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DependencyRisk {
    pub dependent: Item,
    pub on: Item,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alignment {
    pub top_team: String,
    pub aligned: usize,
    pub active: usize,
    pub unaligned: Vec<Item>,
}

fn person(p: &Priority) -> Person {
    Person {
        user_id: p.owner_user_id.clone(),
        name: p.owner_name.clone(),
    }
}

fn item(p: &Priority) -> Item {
    Item {
        number: p.number.0,
        title: p.title.clone(),
        team: p.team_name.clone(),
        owner: person(p),
    }
}

fn reason_texts(reasons: &[Reason]) -> Vec<String> {
    reasons
        .iter()
        .map(|r| format!("{}: {}", r.flag.as_str(), r.text))
        .collect()
}

fn stalled(p: &Priority, reasons: &[Reason]) -> Stalled {
    Stalled {
        item: item(p),
        status: p.status.as_str().to_string(),
        progress: p.progress.value(),
        reasons: reason_texts(reasons),
        urgency: urgency(p.status, reasons),
    }
}

fn worst_first(list: &mut [Stalled]) {
    list.sort_by(|a, b| {
        b.urgency
            .cmp(&a.urgency)
            .then(a.item.number.cmp(&b.item.number))
    });
}

fn percent(part: usize, whole: usize) -> u32 {
    (part * 100 + whole / 2).checked_div(whole).unwrap_or(0) as u32
}

/// Build the digest of `team` for `cycle` (or a preview of the current state when `preview`),
/// as of `as_of`.
pub async fn build(
    store: &Store,
    ws: i64,
    team: &TeamRow,
    cycle: Option<&CycleRow>,
    as_of: DateTime<Utc>,
    preview: bool,
) -> Result<Digest, StoreError> {
    let thresholds = store.drift_thresholds(ws).await?;
    let home_zone: Tz = store
        .rhythm(ws, team.id)
        .await?
        .and_then(|r| r.home_zone.parse().ok())
        .unwrap_or(Tz::UTC);
    let today = as_of.with_timezone(&home_zone).date_naive();
    let previous = match cycle {
        Some(c) => store.previous_cycle(ws, c).await?,
        None => {
            store
                .last_closed_cycle(ws, team.id, as_of.timestamp())
                .await?
        }
    };
    // The window "since the last digest".
    let start = match (&previous, cycle) {
        (Some(p), _) => p.closes_at,
        (None, Some(c)) => c.opens_at,
        (None, None) => (as_of - Duration::days(7)).timestamp(),
    };
    let mut all = store
        .priorities(
            ws,
            &PriorityQuery {
                teams: Some(vec![team.id]),
                include_closed: true,
                ..Default::default()
            },
        )
        .await?;
    // A past cycle's digest shows each priority as it stood when the cycle closed.
    let historical = !preview;
    if historical {
        as_it_stood(store, ws, &mut all, as_of).await?;
    }
    let by_id: HashMap<i64, &Priority> = all.iter().map(|p| (p.id, p)).collect();
    let active: Vec<Priority> = all.iter().filter(|p| p.is_active()).cloned().collect();
    // A parent's digest evaluates its whole subtree once, for its own lines and the roll-up.
    let teams = store.teams(ws).await?;
    let subtree = subtree(&teams, team.id);
    let everything = if subtree.len() > 1 {
        let mut everything = store
            .priorities(
                ws,
                &PriorityQuery {
                    include_closed: true,
                    ..Default::default()
                },
            )
            .await?;
        if historical {
            as_it_stood(store, ws, &mut everything, as_of).await?;
        }
        everything
    } else {
        Vec::new()
    };
    let scope: Vec<Priority> = if subtree.len() > 1 {
        everything
            .iter()
            .filter(|p| p.is_active() && subtree.contains(&p.team_id))
            .cloned()
            .collect()
    } else {
        active.clone()
    };
    let flags = evaluate(store, ws, &scope, as_of, today, &thresholds).await?;

    let changes = store
        .status_changes(ws, team.id, start, as_of.timestamp())
        .await?;
    // One line per priority: from its first old status to its last new one in the window.
    let mut span: HashMap<i64, (String, String)> = HashMap::new();
    let mut order = Vec::new();
    for c in &changes {
        let (Some(old), Some(new)) = (&c.old_value, &c.new_value) else {
            continue;
        };
        span.entry(c.priority_id)
            .and_modify(|e| e.1 = new.clone())
            .or_insert_with(|| {
                order.push(c.priority_id);
                (old.clone(), new.clone())
            });
    }
    let mut moved = Vec::new();
    let mut finished = Vec::new();
    for id in order {
        let (Some(p), Some((from, to))) = (by_id.get(&id), span.get(&id)) else {
            continue;
        };
        if from == to {
            continue;
        }
        if to == "done" {
            finished.push(item(p));
        } else {
            moved.push(Moved {
                item: item(p),
                from: from.clone(),
                to: to.clone(),
            });
        }
    }

    let mut counts = Counts::default();
    for p in &active {
        match p.status {
            Status::OnTrack => counts.on_track += 1,
            Status::AtRisk => counts.at_risk += 1,
            Status::OffTrack => counts.off_track += 1,
            _ => {}
        }
    }
    counts.done = finished.len();
    counts.dropped = moved.iter().filter(|m| m.to == "dropped").count();

    let mut needs_attention: Vec<Stalled> = active
        .iter()
        .filter_map(|p| {
            flags
                .get(&p.id)
                .filter(|r| !r.is_empty())
                .map(|r| stalled(p, r))
        })
        .collect();
    worst_first(&mut needs_attention);
    let drift = Drift {
        stalled: needs_attention.len(),
        active: active.len(),
        percent: percent(needs_attention.len(), active.len()),
    };

    let (participation, no_answer) = match cycle {
        Some(c) => {
            let people = store.participation(ws, c.id).await?;
            let expected: Vec<_> = people.iter().filter(|p| p.away == 0).collect();
            let no_answer: Vec<Person> = expected
                .iter()
                .filter(|p| p.answered == 0)
                .map(|p| Person {
                    user_id: p.user_id.clone(),
                    name: p.display_name.clone(),
                })
                .collect();
            // A roll-up cycle of a team of teams asks nobody: no participation line.
            let participation = (!people.is_empty()).then(|| Participation {
                checked_in: expected.len() - no_answer.len(),
                expected: expected.len(),
                away: people.len() - expected.len(),
            });
            (participation, no_answer)
        }
        None => (None, Vec::new()),
    };

    let late = match &previous {
        Some(prev) if cycle.is_some() || preview => store
            .late_answers(ws, prev.id)
            .await?
            .into_iter()
            .filter_map(|l| {
                by_id.get(&l.priority_id).map(|p| Late {
                    item: item(p),
                    status: l.status,
                    progress: l.progress,
                })
            })
            .collect(),
        _ => Vec::new(),
    };

    let ids: Vec<i64> = all.iter().map(|p| p.id).collect();
    let mut latest: HashMap<i64, (Option<String>, Option<String>)> = HashMap::new();
    for u in store.updates_as_of(ws, &ids, 1, as_of.timestamp()).await? {
        latest.insert(u.priority_id, (u.note, u.blocker));
    }
    let finished_ids: HashSet<i64> = finished.iter().map(|i| i.number).collect();
    let priorities: Vec<Line> = all
        .iter()
        .filter(|p| p.is_active() || finished_ids.contains(&p.number.0))
        .map(|p| {
            let (note, blocker) = latest.get(&p.id).cloned().unwrap_or_default();
            Line {
                item: item(p),
                status: p.status.as_str().to_string(),
                progress: p.progress.value(),
                due: p.due,
                note,
                blocker,
                flags: flags
                    .get(&p.id)
                    .map(|r| reason_texts(r))
                    .unwrap_or_default(),
            }
        })
        .collect();

    let rollup = if subtree.len() > 1 {
        Some(
            rollup(
                store,
                ws,
                team,
                &teams,
                &everything,
                &scope,
                &flags,
                as_of,
                today,
                &thresholds,
            )
            .await?,
        )
    } else {
        None
    };
    Ok(Digest {
        team: team.name.clone(),
        team_id: team.id,
        cycle_id: cycle.map(|c| c.id),
        period_start: DateTime::from_timestamp(start, 0).unwrap_or(as_of),
        period_end: as_of,
        preview,
        counts,
        participation,
        drift,
        needs_attention,
        moved,
        finished,
        no_answer,
        late,
        priorities,
        rollup,
    })
}

/// Priorities as they stood at `as_of`: those created later left out, status and progress from
/// the last update at or before then (before its first update, as every priority starts: on
/// track at 0%).
async fn as_it_stood(
    store: &Store,
    ws: i64,
    priorities: &mut Vec<Priority>,
    as_of: DateTime<Utc>,
) -> Result<(), StoreError> {
    priorities.retain(|p| p.created_at <= as_of);
    let ids: Vec<i64> = priorities.iter().map(|p| p.id).collect();
    let latest: HashMap<i64, (String, i64)> = store
        .updates_as_of(ws, &ids, 1, as_of.timestamp())
        .await?
        .into_iter()
        .map(|u| (u.priority_id, (u.status, u.progress)))
        .collect();
    for p in priorities.iter_mut() {
        let (status, progress) = latest
            .get(&p.id)
            .map(|(s, pr)| (s.parse().unwrap_or(p.status), *pr))
            .unwrap_or((Status::OnTrack, 0));
        p.status = status;
        p.progress = crate::domain::Progress::new(progress).unwrap_or(p.progress);
    }
    Ok(())
}

/// A team and every team below it (loops in parent links are cut).
fn subtree(teams: &[TeamRow], root: i64) -> Vec<i64> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let id = out[i];
        for t in teams.iter().filter(|t| t.parent_team_id == Some(id)) {
            if !out.contains(&t.id) {
                out.push(t.id);
            }
        }
        i += 1;
    }
    out
}

/// The roll-up a parent team's digest carries: its sub-teams (all the way down), their most
/// serious stalls, cross-team dependencies at risk, and alignment with the top team.
#[allow(clippy::too_many_arguments)]
async fn rollup(
    store: &Store,
    ws: i64,
    team: &TeamRow,
    teams: &[TeamRow],
    everything: &[Priority],
    active: &[Priority],
    flags: &HashMap<i64, Vec<Reason>>,
    as_of: DateTime<Utc>,
    today: NaiveDate,
    thresholds: &crate::domain::drift::Thresholds,
) -> Result<Rollup, StoreError> {
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
        let last = store
            .last_closed_cycle(ws, child.id, as_of.timestamp())
            .await?;
        let (participation, share, previous_share) = match &last {
            Some(c) => {
                let people = store.participation(ws, c.id).await?;
                let expected = people.iter().filter(|p| p.away == 0).count();
                let checked_in = people
                    .iter()
                    .filter(|p| p.away == 0 && p.answered == 1)
                    .count();
                let (on, all) = store.answer_mix(ws, c.id).await?;
                let prev = match store.previous_cycle(ws, c).await? {
                    Some(p) => {
                        let (on, all) = store.answer_mix(ws, p.id).await?;
                        (all > 0).then(|| percent(on as usize, all as usize))
                    }
                    None => None,
                };
                (
                    Some(Participation {
                        checked_in,
                        expected,
                        away: people.len() - expected,
                    }),
                    (all > 0).then(|| percent(on as usize, all as usize)),
                    prev,
                )
            }
            None => (None, None, None),
        };
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
        });
    }

    let mut top_stalls: Vec<Stalled> = active
        .iter()
        .filter(|p| p.team_id != team.id)
        .filter_map(|p| {
            flags
                .get(&p.id)
                .filter(|r| !r.is_empty())
                .map(|r| stalled(p, r))
        })
        .collect();
    worst_first(&mut top_stalls);
    top_stalls.truncate(5);

    // Cross-team dependencies whose target is in trouble.
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
    let target_flags = evaluate(store, ws, &targets, as_of, today, thresholds).await?;
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

    // Alignment: does each active priority ladder up to a priority of the top team?
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
    Ok(Rollup {
        children: lines,
        top_stalls,
        dependencies_at_risk,
        alignment: Alignment {
            top_team: top.name.clone(),
            aligned: aligned.len(),
            active: active.len(),
            unaligned: unaligned.into_iter().map(item).collect(),
        },
    })
}
