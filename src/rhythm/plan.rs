//! Deciding what is due: cycles to open (once per slot, catching up once after downtime),
//! reminders to queue, cycles to close.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::TickReport;
use crate::domain::away::AwayReason;
use crate::domain::schedule::{DaysOff, Schedule, resolve};
use crate::store::{NewCycle, OwnerPlan, RhythmRow, Scope, Store, StoreError};

/// For `tz:member`, slots are found in the zone that reaches a wall-clock time first, so that
/// the cycle exists before any owner's local prompt time.
const EARLIEST_ZONE: &str = "Etc/GMT-14";

/// How far back holidays are read: a firing (check-in or digest) held by a run of days off
/// that began this long ago may still be ahead.
pub const HOLIDAYS_BEHIND: Duration = Duration::days(40);

fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

pub async fn open_cycles(
    store: &Store,
    scope: &Scope,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    for rhythm in store.scheduled_rhythms().await? {
        if !scope.includes(rhythm.workspace_id) {
            continue;
        }
        if let Err(e) = open_cycle(store, &rhythm, now, report).await {
            tracing::warn!(team = rhythm.team_id, error = %e, "could not open a cycle");
        }
    }
    Ok(())
}

async fn open_cycle(
    store: &Store,
    r: &RhythmRow,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    let Some(checkin) = r
        .checkin_schedule
        .as_deref()
        .and_then(|s| s.parse::<Schedule>().ok())
    else {
        return Ok(());
    };
    let reference = reference_zone(r);
    let set_at = DateTime::from_timestamp(r.updated_at, 0).unwrap_or(now);
    let Some(slot_at) = checkin.latest_slot(set_at, now, reference) else {
        return Ok(());
    };
    let slot_local = slot_at.with_timezone(&reference).naive_local();
    let slot = slot_local.format("%Y-%m-%dT%H:%M").to_string();
    // The cycle is named by its scheduled slot, also when a holiday moves its opening: a
    // moved slot opens once, whichever tick or replica gets there first.
    if store.cycle_exists(r.team_id, &slot).await? {
        return Ok(());
    }
    let off = store
        .days_off(
            r.workspace_id,
            r.team_id,
            slot_local.date() - HOLIDAYS_BEHIND,
        )
        .await?;
    let Some(firing) = checkin
        .firing(slot_at, reference, &off)
        .filter(|f| f.at <= now && f.at >= set_at)
    else {
        return Ok(());
    };
    let opens_at = firing.at;
    let prompt_local = opens_at.with_timezone(&reference).naive_local();
    let closes_at = close_after(r, &checkin, opens_at, &off);
    let already_closed = closes_at <= now;
    // A cycle that closed before it could open (downtime) prompts no one.
    let owners = if already_closed {
        Vec::new()
    } else {
        plan_owners(store, r, opens_at, prompt_local, closes_at, now).await?
    };
    let created = store
        .open_cycle(
            NewCycle {
                workspace_id: r.workspace_id,
                team_id: r.team_id,
                slot: &slot,
                opens_at: opens_at.timestamp(),
                closes_at: closes_at.timestamp(),
                already_closed,
                owners,
            },
            now.timestamp(),
        )
        .await?;
    if created.is_some() {
        if already_closed {
            report.closed += 1;
        } else {
            report.opened += 1;
        }
        let moved_by = firing.holiday.as_deref();
        tracing::info!(team = r.team_id, %slot, already_closed, ?moved_by, "cycle opened");
    }
    Ok(())
}

/// When a cycle opening at `opens_at` closes: at the first digest time after it, else when the
/// next check-in opens, holidays applied to both.
fn close_after(
    r: &RhythmRow,
    checkin: &Schedule,
    opens_at: DateTime<Utc>,
    off: &DaysOff,
) -> DateTime<Utc> {
    let digest = r
        .digest_schedule
        .as_deref()
        .and_then(|s| s.parse::<Schedule>().ok());
    let next = match &digest {
        Some(d) => d.firings_after(opens_at, zone(&r.home_zone), off, 1),
        None => checkin.firings_after(opens_at, reference_zone(r), off, 1),
    };
    next.first()
        .map(|f| f.at)
        .unwrap_or(opens_at + Duration::days(7))
}

/// The zone a rhythm's slots are found in.
pub(super) fn reference_zone(r: &RhythmRow) -> Tz {
    if r.zone == "member" {
        zone(EARLIEST_ZONE)
    } else {
        zone(&r.zone)
    }
}

/// A team's holidays changed: its open cycles close at their digest time as the days off now
/// stand (a digest moved off a new holiday, or back when one is removed). Their openings and
/// prompts stay as they were.
pub async fn replan_closes(
    store: &Store,
    ws: i64,
    team_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let Some(r) = store.rhythm(ws, team_id).await? else {
        return Ok(0);
    };
    let Some(checkin) = r
        .checkin_schedule
        .as_deref()
        .and_then(|s| s.parse::<Schedule>().ok())
    else {
        return Ok(0);
    };
    let off = store
        .days_off(ws, team_id, now.date_naive() - HOLIDAYS_BEHIND)
        .await?;
    let mut changed = 0;
    for c in store.open_cycles_of_team(ws, team_id).await? {
        let Some(opens_at) = DateTime::from_timestamp(c.opens_at, 0) else {
            continue;
        };
        let closes_at = close_after(&r, &checkin, opens_at, &off).timestamp();
        if closes_at != c.closes_at && store.move_close(ws, c.id, closes_at).await? {
            changed += 1;
        }
    }
    Ok(changed)
}

/// When each owner of an active priority in `r`'s team is prompted and reminded in the cycle
/// opening at `opens_at`, and whether they are away that day. An owner away with someone acting
/// for them is asked nothing: their priorities are asked of the acting person, on their behalf.
async fn plan_owners(
    store: &Store,
    r: &RhythmRow,
    opens_at: DateTime<Utc>,
    prompt_local: NaiveDateTime,
    closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<OwnerPlan>, StoreError> {
    let ask_changed = r.ask == "changed";
    let stale_since = if ask_changed {
        store
            .stale_window_start(r.workspace_id, r.team_id, opens_at.timestamp())
            .await?
    } else {
        None
    };
    let mut by_owner: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (owner, priority) in store
        .active_priorities_by_owner(r.workspace_id, r.team_id)
        .await?
    {
        by_owner.entry(owner).or_default().push(priority);
    }
    let when = (opens_at, prompt_local, closes_at, now);
    let mut plans: BTreeMap<i64, OwnerPlan> = BTreeMap::new();
    let mut handed: Vec<Handed> = Vec::new();
    for (person_id, priority_ids) in by_owner {
        let Some((mut plan, acting, today)) = plan_one(store, r, person_id, when).await? else {
            continue;
        };
        // With `ask:changed`, what is listed under *All still on track* rather than asked, as
        // its owner's priorities stand (whoever is asked about them).
        let quiet = if ask_changed {
            quiet_priorities(
                store,
                r.workspace_id,
                person_id,
                &priority_ids,
                stale_since,
                today,
            )
            .await?
        } else {
            Vec::new()
        };
        match acting {
            Some(acting) if acting != person_id => {
                handed.push((acting, person_id, priority_ids, quiet));
                plan.away_reason = Some(AwayReason::Acting(acting).stored());
            }
            _ => {
                plan.priority_ids = priority_ids;
                plan.quiet = quiet;
            }
        }
        plans.insert(person_id, plan);
    }
    // The acting person is asked in their own right (their zone, their own away days), once
    // however many owners they act for; someone acting is not handed on again.
    for (acting, owner, priority_ids, quiet) in handed {
        let plan = match plans.entry(acting) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => {
                let Some((plan, _, _)) = plan_one(store, r, acting, when).await? else {
                    continue;
                };
                v.insert(plan)
            }
        };
        plan.acting_for
            .extend(priority_ids.into_iter().map(|p| (p, owner)));
        plan.quiet.extend(quiet);
    }
    Ok(plans.into_values().collect())
}

/// An away owner's priorities handed to whoever acts for them: (acting person, owner, the
/// priorities, those of them listed under *All still on track*).
type Handed = (i64, i64, Vec<i64>, Vec<i64>);

/// One person's prompt and reminder times in a cycle, whether they are away, who acts for them
/// if so, and the local date of their prompt. `None` when the person is gone.
async fn plan_one(
    store: &Store,
    r: &RhythmRow,
    person_id: i64,
    (opens_at, prompt_local, closes_at, now): (
        DateTime<Utc>,
        NaiveDateTime,
        DateTime<Utc>,
        DateTime<Utc>,
    ),
) -> Result<Option<(OwnerPlan, Option<i64>, NaiveDate)>, StoreError> {
    let Some(person) = store.person(r.workspace_id, person_id).await? else {
        return Ok(None);
    };
    let home = zone(&r.home_zone);
    let own_zone = person.tz.as_deref().map(zone).unwrap_or(home);
    let prompt_at = if r.zone == "member" {
        resolve(own_zone, prompt_local)
            .unwrap_or(opens_at)
            .max(opens_at)
    } else {
        opens_at
    };
    let local_day = prompt_at
        .with_timezone(&own_zone)
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let away = store.away_on(r.workspace_id, person_id, &local_day).await?;
    // Reminders count from when the prompt actually goes out (later after downtime),
    // and only while the cycle is still open.
    let remind_at = r
        .remind_minutes
        .map(|m| prompt_at.max(now) + Duration::minutes(m))
        .filter(|at| *at < closes_at);
    let plan = OwnerPlan {
        person_id,
        prompt_at: prompt_at.timestamp(),
        remind_at: remind_at.map(|t| t.timestamp()),
        away: away.is_some(),
        away_reason: away.is_some().then(|| AwayReason::Period.stored()),
        priority_ids: Vec::new(),
        acting_for: Vec::new(),
        quiet: Vec::new(),
    };
    let today = prompt_at.with_timezone(&own_zone).date_naive();
    Ok(Some((plan, away.flatten(), today)))
}

/// Of an owner's priorities, those an `ask:changed` check-in lists under *All still on track*
/// rather than asking about (see [`super::changed::asks_about`]).
async fn quiet_priorities(
    store: &Store,
    ws: i64,
    person_id: i64,
    priority_ids: &[i64],
    stale_since: Option<i64>,
    today: chrono::NaiveDate,
) -> Result<Vec<i64>, StoreError> {
    let fresh = match stale_since {
        Some(since) => Some(store.updated_by_since(ws, person_id, since).await?),
        None => None,
    };
    Ok(store
        .priorities_by_ids(ws, priority_ids)
        .await?
        .into_iter()
        .filter(|p| {
            let updated = fresh.as_ref().is_none_or(|f| f.contains(&p.id));
            !super::changed::asks_about(p, updated, today)
        })
        .map(|p| p.id)
        .collect())
}

pub async fn queue_reminders(
    store: &Store,
    scope: &Scope,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    let today = |tz: Tz| {
        now.with_timezone(&tz)
            .date_naive()
            .format("%Y-%m-%d")
            .to_string()
    };
    for (cycle_id, person_id, ws) in store.due_reminders(now.timestamp()).await? {
        if !scope.includes(ws) {
            continue;
        }
        let tz = store
            .person(ws, person_id)
            .await?
            .and_then(|p| p.tz)
            .map(|z| zone(&z))
            .unwrap_or(Tz::UTC);
        let away = store.is_away(ws, person_id, &today(tz)).await?;
        if store
            .decide_reminder(ws, cycle_id, person_id, away, now.timestamp())
            .await?
        {
            report.reminders_queued += 1;
        }
    }
    Ok(())
}

pub async fn close_cycles(
    store: &Store,
    scope: &Scope,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    let closed = store.close_due_cycles(now.timestamp(), scope).await?;
    report.closed += closed.len();
    for c in &closed {
        tracing::info!(cycle = c.id, team = c.team_id, "cycle closed");
    }
    // After the close, not in its transaction: a raise missed by a crash here is made at the
    // team's next close if the priority is still in trouble.
    report.raised += super::decision::raise_after_close(store, &closed, now.timestamp()).await?;
    Ok(())
}

/// Tell owners whose priority waits on another team's when that one newly stalls (or goes
/// off-track or is dropped): once per change, not every cycle.
pub async fn notice_stalls(
    store: &Store,
    scope: &Scope,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    use std::collections::BTreeMap;
    let edges = store.cross_team_dependencies().await?;
    let mut by_ws: BTreeMap<i64, BTreeMap<i64, Vec<i64>>> = BTreeMap::new();
    for (ws, dependent, on) in edges.into_iter().filter(|(ws, _, _)| scope.includes(*ws)) {
        by_ws
            .entry(ws)
            .or_default()
            .entry(on)
            .or_default()
            .push(dependent);
    }
    for (ws, targets) in by_ws {
        let ids: Vec<i64> = targets.keys().copied().collect();
        let priorities = store.priorities_by_ids(ws, &ids).await?;
        let thresholds = store.drift_thresholds(ws).await?;
        let flags = crate::reporting::drift::evaluate(
            store,
            ws,
            &priorities,
            now,
            now.date_naive(),
            &thresholds,
        )
        .await?;
        for p in &priorities {
            let trouble = matches!(
                p.status,
                crate::domain::Status::OffTrack | crate::domain::Status::Dropped
            ) || flags.get(&p.id).is_some_and(|r| !r.is_empty());
            let dependents = targets.get(&p.id).cloned().unwrap_or_default();
            let queued = store
                .record_stall_state(ws, p.id, trouble, &dependents, now.timestamp())
                .await?;
            report.notices_queued += queued;
        }
    }
    Ok(())
}

/// The next moment anything of workspace `ws`'s rhythm is due after (or at) `now`: a cycle to
/// open, a prompt or reminder to send, a cycle to close with its digest, a review's agenda to
/// post.
pub async fn next_due(
    store: &Store,
    ws: i64,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let mut next = store
        .next_due_at(ws)
        .await?
        .and_then(|t| DateTime::from_timestamp(t, 0));
    for r in store.scheduled_rhythms().await? {
        if r.workspace_id != ws {
            continue;
        }
        let Some(checkin) = r
            .checkin_schedule
            .as_deref()
            .and_then(|s| s.parse::<Schedule>().ok())
        else {
            continue;
        };
        let off = store
            .days_off(ws, r.team_id, now.date_naive() - HOLIDAYS_BEHIND)
            .await?;
        if let Some(f) = checkin
            .firings_after(now, reference_zone(&r), &off, 1)
            .first()
        {
            next = Some(next.map_or(f.at, |n| n.min(f.at)));
        }
    }
    if let Some(post) = next_agenda(store, ws, now).await? {
        next = Some(next.map_or(post, |n| n.min(post)));
    }
    Ok(next)
}

/// When the workspace's next review agenda is due to be posted, after `now` (an agenda whose
/// window is open now is queued by the next tick, whenever it runs).
async fn next_agenda(
    store: &Store,
    ws: i64,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let mut next: Option<DateTime<Utc>> = None;
    for r in store.review_rhythms().await? {
        let Some(review) = r
            .review_schedule
            .as_deref()
            .filter(|_| r.workspace_id == ws)
            .and_then(|s| s.parse::<Schedule>().ok())
        else {
            continue;
        };
        let home = zone(&r.home_zone);
        let Some(meeting) = review.next_after(now, home) else {
            continue;
        };
        let mut post = meeting - super::AGENDA_LEAD;
        if post <= now {
            match review.next_after(meeting, home) {
                Some(after) => post = after - super::AGENDA_LEAD,
                None => continue,
            }
        }
        next = Some(next.map_or(post, |n| n.min(post)));
    }
    Ok(next)
}

/// Queue the agenda of each review that meets within [`super::AGENDA_LEAD`], once per meeting
/// (the job's key names the team and the meeting). A meeting that has begun is not caught up
/// on, nor one whose window had passed when the review was set.
pub async fn queue_agendas(
    store: &Store,
    scope: &Scope,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    for r in store.review_rhythms().await? {
        if !scope.includes(r.workspace_id) {
            continue;
        }
        let Some(review) = r
            .review_schedule
            .as_deref()
            .and_then(|s| s.parse::<Schedule>().ok())
        else {
            continue;
        };
        let Some(meeting) = review.next_after(now, zone(&r.home_zone)) else {
            continue;
        };
        let posts_at = meeting - super::AGENDA_LEAD;
        if now < posts_at {
            continue;
        }
        let key = format!("agenda:{}:{}", r.team_id, meeting.timestamp());
        let payload = crate::store::JobPayload::Agenda {
            team_id: r.team_id,
            meeting_at: meeting.timestamp(),
        };
        let due = posts_at.timestamp().max(r.updated_at);
        if store
            .enqueue_job(r.workspace_id, &key, &payload, due, now.timestamp())
            .await?
            .is_some()
        {
            report.notices_queued += 1;
            tracing::info!(team = r.team_id, %meeting, "review agenda queued");
        }
    }
    Ok(())
}
