//! The digest of a cycle as a platform-neutral model, built once from the store and rendered
//! for each platform (and as text or JSON for the CLI). The model is in `model`; a parent
//! team's roll-up in `rollup`; leads acknowledging a posted digest (Seen, Discuss) in `ack`.

pub mod ack;
mod focus;
mod late;
mod model;
mod rollup;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::drift::{Moment, assess};
use crate::domain::away::AwayReason;
use crate::domain::drift::{Reason, Thresholds};
use crate::domain::{Priority, Status};
use crate::store::{CycleRow, PriorityQuery, StatusChange, Store, StoreError, TeamRow};

pub use focus::{FocusCounts, TeamFocus};
pub use model::{
    Ack, Alignment, AwayPerson, ChildDigest, ChildLine, Counts, DecisionLine, DependencyRisk,
    Digest, Drift, Item, Late, Line, Moved, Participation, Person, Rollup, Stalled, Updated,
};
use model::{item, percent, reason_texts, stalled, worst_first};

/// Where and when a digest is drawn up: what its steps share.
struct Context<'a> {
    store: &'a Store,
    ws: i64,
    as_of: DateTime<Utc>,
    /// `as_of` as a date in the team's home zone, which due dates are measured against.
    today: NaiveDate,
    thresholds: Thresholds,
}

/// The priorities a digest looks at.
struct Found {
    /// The team's own priorities, closed ones too.
    all: Vec<Priority>,
    /// The team's own active priorities.
    active: Vec<Priority>,
    /// Every team of the workspace, for walking the team tree.
    teams: Vec<TeamRow>,
    /// Whether the team has teams below it, and so a roll-up.
    is_parent: bool,
    /// Every priority of the workspace, closed ones too; only for a parent team.
    everything: Vec<Priority>,
    /// The active priorities drift is evaluated for: the team's, or its whole subtree's.
    scope: Vec<Priority>,
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
    let cx = context(store, ws, team, as_of).await?;
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
    // A past cycle's digest shows each priority as it stood when the cycle closed.
    let found = find_priorities(&cx, team, !preview).await?;
    let by_id: HashMap<i64, &Priority> = found.all.iter().map(|p| (p.id, p)).collect();
    let moment = Moment::now(as_of, cx.today, &cx.thresholds);
    let (flags, scores) = split(assess(store, ws, &found.scope, &moment).await?);
    let changes = store
        .status_changes(ws, team.id, start, as_of.timestamp())
        .await?;
    let (moved, finished) = moved_and_finished(&changes, &by_id);
    let counts = counts(&found.active, &moved, &finished);
    let needs_attention = needs_attention(&found.active, &flags, &scores);
    let drift = Drift {
        stalled: needs_attention.len(),
        active: found.active.len(),
        percent: percent(needs_attention.len(), found.active.len()),
    };
    let (participation, no_answer, away) = match cycle {
        Some(c) => participation(store, ws, c).await?,
        None => (None, Vec::new(), Vec::new()),
    };
    let acting: HashMap<i64, String> = match cycle {
        Some(c) => store.acting_in_cycle(ws, c.id).await?.into_iter().collect(),
        None => HashMap::new(),
    };
    let late = match &previous {
        Some(prev) if cycle.is_some() || preview => late_answers(store, ws, prev, &by_id).await?,
        _ => Vec::new(),
    };
    let priorities = priority_lines(&cx, &found.all, &finished, &flags, &acting).await?;
    let decisions = store
        .decisions_in(ws, team.id, start, as_of.timestamp())
        .await?
        .into_iter()
        .map(DecisionLine::from)
        .collect();
    let rollup = if found.is_parent {
        Some(rollup::rollup(&cx, team, &found, &flags, &scores).await?)
    } else {
        None
    };
    let parent = team
        .parent_team_id
        .and_then(|id| found.teams.iter().find(|t| t.id == id))
        .map(|t| t.name.clone());
    let acks = match cycle {
        Some(c) if !preview => acks(store, ws, c.id).await?,
        _ => Vec::new(),
    };
    let focus = focus_of(store, ws, team, cycle, as_of).await?;
    let nudge = store.digest_nudge(ws, team.id).await?;
    let mut digest = Digest {
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
        away,
        late,
        decisions,
        priorities,
        rollup,
        parent,
        acks,
        focus,
        nudge,
        updated: None,
    };
    // A posted digest counts the answers that came after its cycle closed.
    if let (Some(c), false) = (cycle, preview) {
        late::recount(store, ws, c.id, &by_id, &mut digest).await?;
    }
    Ok(digest)
}

/// The team's focus as of the digest's cycle; a preview without one looks at the team's open
/// cycle, else its last closed one.
async fn focus_of(
    store: &Store,
    ws: i64,
    team: &TeamRow,
    cycle: Option<&CycleRow>,
    as_of: DateTime<Utc>,
) -> Result<Option<TeamFocus>, StoreError> {
    let current = match cycle {
        Some(c) => Some(c.clone()),
        None => match store.open_cycle_of_team(ws, team.id).await? {
            Some(c) => Some(c),
            None => {
                store
                    .last_closed_cycle(ws, team.id, as_of.timestamp())
                    .await?
            }
        },
    };
    match current {
        Some(c) => focus::team_focus(store, ws, &c).await,
        None => Ok(None),
    }
}

/// Who acknowledged the cycle's digest, as things stand now.
async fn acks(store: &Store, ws: i64, cycle_id: i64) -> Result<Vec<Ack>, StoreError> {
    let at = |secs: i64| DateTime::from_timestamp(secs, 0).unwrap_or_default();
    Ok(store
        .digest_acks(ws, cycle_id)
        .await?
        .into_iter()
        .map(|a| Ack {
            user_id: a.user_id,
            name: a.display_name,
            seen_at: at(a.seen_at),
            discussed_at: a.discussed_at.map(at),
        })
        .collect())
}

/// The workspace's drift thresholds and the date in the team's home zone.
async fn context<'a>(
    store: &'a Store,
    ws: i64,
    team: &TeamRow,
    as_of: DateTime<Utc>,
) -> Result<Context<'a>, StoreError> {
    let thresholds = store.drift_thresholds(ws).await?;
    let home_zone: Tz = store
        .rhythm(ws, team.id)
        .await?
        .and_then(|r| r.home_zone.parse().ok())
        .unwrap_or(Tz::UTC);
    Ok(Context {
        store,
        ws,
        as_of,
        today: as_of.with_timezone(&home_zone).date_naive(),
        thresholds,
    })
}

/// The team's priorities and, for a parent team, the whole workspace's; `historical` puts
/// each as it stood at `as_of`.
async fn find_priorities(
    cx: &Context<'_>,
    team: &TeamRow,
    historical: bool,
) -> Result<Found, StoreError> {
    let (store, ws) = (cx.store, cx.ws);
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
    if historical {
        as_it_stood(store, ws, &mut all, cx.as_of).await?;
    }
    let active: Vec<Priority> = all.iter().filter(|p| p.is_active()).cloned().collect();
    // A parent's digest evaluates its whole subtree once, for its own lines and the roll-up.
    let teams = store.teams(ws).await?;
    let subtree = subtree(&teams, team.id);
    let is_parent = subtree.len() > 1;
    if !is_parent {
        let scope = active.clone();
        return Ok(Found {
            all,
            active,
            teams,
            is_parent,
            everything: Vec::new(),
            scope,
        });
    }
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
        as_it_stood(store, ws, &mut everything, cx.as_of).await?;
    }
    let scope = everything
        .iter()
        .filter(|p| p.is_active() && subtree.contains(&p.team_id))
        .cloned()
        .collect();
    Ok(Found {
        all,
        active,
        teams,
        is_parent,
        everything,
        scope,
    })
}

/// The priorities whose status changed in the window, finished ones apart. One line per
/// priority: from its first old status to its last new one in the window.
fn moved_and_finished(
    changes: &[StatusChange],
    by_id: &HashMap<i64, &Priority>,
) -> (Vec<Moved>, Vec<Item>) {
    let mut span: HashMap<i64, (String, String)> = HashMap::new();
    let mut order = Vec::new();
    for c in changes {
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
    (moved, finished)
}

/// Active priorities by status, and what was finished or dropped in the window.
fn counts(active: &[Priority], moved: &[Moved], finished: &[Item]) -> Counts {
    let mut counts = Counts::default();
    for p in active {
        match p.status {
            Status::OnTrack => counts.on_track += 1,
            Status::AtRisk => counts.at_risk += 1,
            Status::OffTrack => counts.off_track += 1,
            _ => {}
        }
    }
    counts.done = finished.len();
    counts.dropped = moved.iter().filter(|m| m.to == "dropped").count();
    counts
}

/// Flags and drift scores apart: most of the digest reads only the flags.
fn split(
    assessed: HashMap<i64, crate::reporting::drift::Assessment>,
) -> (HashMap<i64, Vec<Reason>>, HashMap<i64, u8>) {
    let mut flags = HashMap::with_capacity(assessed.len());
    let mut scores = HashMap::with_capacity(assessed.len());
    for (id, a) in assessed {
        scores.insert(id, a.score.value);
        flags.insert(id, a.reasons);
    }
    (flags, scores)
}

/// The active priorities with drift flags, highest drift score first.
fn needs_attention(
    active: &[Priority],
    flags: &HashMap<i64, Vec<Reason>>,
    scores: &HashMap<i64, u8>,
) -> Vec<Stalled> {
    let mut list: Vec<Stalled> = active
        .iter()
        .filter_map(|p| {
            let score = scores.get(&p.id).copied().unwrap_or(0);
            flags
                .get(&p.id)
                .filter(|r| !r.is_empty())
                .map(|r| stalled(p, r, score))
        })
        .collect();
    worst_first(&mut list);
    list
}

/// Who was asked in the cycle, who did not answer, and who was away and why (people away are
/// not expected; someone acting for them is, and their silence is theirs).
async fn participation(
    store: &Store,
    ws: i64,
    cycle: &CycleRow,
) -> Result<(Option<Participation>, Vec<Person>, Vec<AwayPerson>), StoreError> {
    let people = store.participation(ws, cycle.id).await?;
    let expected: Vec<_> = people.iter().filter(|p| p.away == 0).collect();
    let no_answer: Vec<Person> = expected
        .iter()
        .filter(|p| p.answered == 0)
        .map(|p| Person {
            user_id: p.user_id.clone(),
            name: p.display_name.clone(),
        })
        .collect();
    let mut away = Vec::new();
    for p in people.iter().filter(|p| p.away != 0) {
        let (acting, status) = match AwayReason::read(p.away_reason.as_deref()) {
            AwayReason::Period => (None, None),
            AwayReason::Acting(id) => (store.person(ws, id).await?.map(|a| a.display_name), None),
            AwayReason::Status(label) => (None, Some(label)),
        };
        away.push(AwayPerson {
            name: p.display_name.clone(),
            acting,
            status,
        });
    }
    // A roll-up cycle of a team of teams asks nobody: no participation line.
    let participation = (!people.is_empty()).then(|| Participation {
        checked_in: expected.len() - no_answer.len(),
        expected: expected.len(),
        away: people.len() - expected.len(),
    });
    Ok((participation, no_answer, away))
}

/// Answers to the previous cycle that came after it closed.
async fn late_answers(
    store: &Store,
    ws: i64,
    previous: &CycleRow,
    by_id: &HashMap<i64, &Priority>,
) -> Result<Vec<Late>, StoreError> {
    Ok(store
        .late_answers(ws, previous.id)
        .await?
        .into_iter()
        .filter_map(|l| {
            by_id.get(&l.priority_id).map(|p| Late {
                item: item(p),
                status: l.status,
                progress: l.progress,
            })
        })
        .collect())
}

/// One line per active or just finished priority, with its latest note and blocker.
async fn priority_lines(
    cx: &Context<'_>,
    all: &[Priority],
    finished: &[Item],
    flags: &HashMap<i64, Vec<Reason>>,
    acting: &HashMap<i64, String>,
) -> Result<Vec<Line>, StoreError> {
    let ids: Vec<i64> = all.iter().map(|p| p.id).collect();
    let mut latest: HashMap<i64, (Option<String>, Option<String>)> = HashMap::new();
    let updates = cx
        .store
        .updates_as_of(cx.ws, &ids, 1, cx.as_of.timestamp())
        .await?;
    for u in updates {
        latest.insert(u.priority_id, (u.note, u.blocker));
    }
    let finished_ids: HashSet<i64> = finished.iter().map(|i| i.number).collect();
    Ok(all
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
                acting: acting.get(&p.id).cloned(),
            }
        })
        .collect())
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
