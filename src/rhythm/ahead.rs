//! Answering ahead: `/pacer checkin` when no cycle is open for someone but one is coming (their
//! team's next check-in, holidays applied) shows the prompt for that coming cycle. Answers
//! given there are kept (by team, slot and priority) and recorded as the cycle's check-ins in
//! the transaction that opens it, by their owner, at the opening; the prompt then shows them
//! "(given ahead)". They do not change the priority before then. An answer for a priority
//! that is closed, moved to another team or handed to someone else before the cycle opens is
//! dropped.
//!
//! A button's value is `ahead:<team>:<slot>:<priority>`, `<slot>` the scheduled time (Unix
//! seconds) of the cycle it is for.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::checkin::{Answer, CheckinError};
use super::plan::reference_zone;
use super::prompt::item_blocks;
use crate::domain::schedule::Schedule;
use crate::domain::{Priority, Progress, Status};
use crate::message::{Block, Message, Rich, Visibility};
use crate::store::{
    CheckinItem, NewAheadAnswer, PersonRow, PriorityQuery, RhythmRow, Store, StoreError,
};

pub const VALUE_PREFIX: &str = "ahead:";

/// A coming cycle's button, for one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub team_id: i64,
    /// The scheduled time of the cycle it is for (Unix seconds).
    pub slot_at: i64,
    pub priority_id: i64,
}

pub fn value(t: Target) -> String {
    format!(
        "{VALUE_PREFIX}{}:{}:{}",
        t.team_id, t.slot_at, t.priority_id
    )
}

/// `ahead:<team>:<slot>:<priority>` back into numbers; `None` for anything else.
pub fn parse_value(v: &str) -> Option<Target> {
    let rest = v.strip_prefix(VALUE_PREFIX)?;
    let mut parts = rest.split(':');
    let mut number = || parts.next()?.parse::<i64>().ok().filter(|n| *n > 0);
    let t = Target {
        team_id: number()?,
        slot_at: number()?,
        priority_id: number()?,
    };
    parts.next().is_none().then_some(t)
}

/// A team's next cycle, not opened yet.
#[derive(Debug, Clone)]
pub struct Coming {
    pub team_id: i64,
    pub team: String,
    /// The cycle's name (its scheduled wall-clock time in the rhythm's zone).
    pub slot: String,
    pub slot_at: DateTime<Utc>,
    /// When it opens, holidays applied.
    pub opens_at: DateTime<Utc>,
}

/// A team's next check-in after `now`, holidays applied, with the name its cycle will have.
async fn team_coming(
    store: &Store,
    ws: i64,
    r: &RhythmRow,
    now: DateTime<Utc>,
) -> Result<Option<(String, DateTime<Utc>, DateTime<Utc>)>, StoreError> {
    let Some(schedule) = r
        .checkin_schedule
        .as_deref()
        .and_then(|s| s.parse::<Schedule>().ok())
    else {
        return Ok(None);
    };
    let reference = reference_zone(r);
    let off = store
        .days_off(ws, r.team_id, now.date_naive() - super::HOLIDAYS_BEHIND)
        .await?;
    let Some(f) = schedule.firings_after(now, reference, &off, 1).pop() else {
        return Ok(None);
    };
    let slot = f
        .slot
        .with_timezone(&reference)
        .naive_local()
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    if store.cycle_exists(r.team_id, &slot).await? {
        return Ok(None);
    }
    Ok(Some((slot, f.slot, f.at)))
}

/// The person's active priorities by team.
async fn mine_by_team(
    store: &Store,
    ws: i64,
    person: &PersonRow,
) -> Result<BTreeMap<i64, Vec<Priority>>, StoreError> {
    let q = PriorityQuery {
        owner: Some(person.id),
        teams: None,
        include_closed: false,
    };
    let mut by_team: BTreeMap<i64, Vec<Priority>> = BTreeMap::new();
    for p in store.priorities(ws, &q).await? {
        if p.is_active() && p.owner_person_id == person.id {
            by_team.entry(p.team_id).or_default().push(p);
        }
    }
    Ok(by_team)
}

/// The soonest coming cycle among the teams whose priorities the person owns.
pub async fn next_coming(
    store: &Store,
    ws: i64,
    person: &PersonRow,
    now: DateTime<Utc>,
) -> Result<Option<Coming>, StoreError> {
    let mut best: Option<Coming> = None;
    for (team_id, mine) in mine_by_team(store, ws, person).await? {
        let Some(r) = store.rhythm(ws, team_id).await? else {
            continue;
        };
        let Some((slot, slot_at, opens_at)) = team_coming(store, ws, &r, now).await? else {
            continue;
        };
        if best.as_ref().is_none_or(|b| opens_at < b.opens_at) {
            best = Some(Coming {
                team_id,
                team: mine[0].team_name.clone(),
                slot,
                slot_at,
                opens_at,
            });
        }
    }
    Ok(best)
}

fn zone_of(person: &PersonRow) -> Tz {
    person
        .tz
        .as_deref()
        .and_then(|z| z.parse().ok())
        .unwrap_or(Tz::UTC)
}

/// The prompt for a coming cycle: the person's active priorities in its team, with the
/// answers they gave ahead, and the same buttons and form as a cycle's prompt.
pub async fn prompt(
    store: &Store,
    ws: i64,
    person: &PersonRow,
    coming: &Coming,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    let tz = zone_of(person);
    let mine = mine_by_team(store, ws, person)
        .await?
        .remove(&coming.team_id)
        .unwrap_or_default();
    let given = store
        .ahead_answers(ws, coming.team_id, &coming.slot, person.id)
        .await?;
    let opens = coming.opens_at.with_timezone(&tz).format("%a %-d %b %H:%M");
    let mut blocks = vec![
        Block::Header(format!("Check-in for {}, ahead", coming.team)),
        Block::Text(Rich::new().text(format!(
            "Your next check-in for {} opens {opens}; answer now if you will be away. Answers given now are recorded as that check-in's when it opens (your priorities stay as they are until then); change them until it opens.",
            coming.team
        ))),
    ];
    let today = now.with_timezone(&tz).date_naive();
    for p in &mine {
        let answer = given.iter().find(|a| a.priority_id == p.id);
        let item = CheckinItem {
            priority_id: p.id,
            number: p.number.0,
            title: p.title.clone(),
            status: p.status.as_str().to_string(),
            progress: p.progress.value() as i64,
            due_date: p.due.map(|d| d.to_string()),
            answered_status: answer.map(|a| a.status.clone()),
            answered_progress: answer.map(|a| a.progress),
            answered_late: None,
            asked: 1,
            answered_ahead_at: answer.map(|a| a.given_at),
            on_behalf_of: None,
        };
        let target = Target {
            team_id: coming.team_id,
            slot_at: coming.slot_at.timestamp(),
            priority_id: p.id,
        };
        blocks.extend(item_blocks(today, &item, value(target)));
    }
    let footer = match mine.first() {
        None => Rich::new().text("You own no active priorities in this team."),
        Some(p) => Rich::new()
            .text(format!("{} of {} given ahead. ", given.len(), mine.len()))
            .text("In words, right now: ")
            .code(format!("#{} at-risk 40% waiting on legal", p.number)),
    };
    blocks.push(Block::Context(footer));
    Ok(Message {
        blocks,
        visibility: Visibility::Private,
    })
}

/// The priority a coming cycle's button is about, if `person` may answer it ahead: it is in
/// this workspace, in the button's team, active, theirs, and the button's cycle is still that
/// team's coming one. Returns it with the coming cycle.
pub async fn check(
    store: &Store,
    ws: i64,
    person: &PersonRow,
    t: Target,
    now: DateTime<Utc>,
) -> Result<(Priority, Coming), CheckinError> {
    let p = store
        .priority_by_id(ws, t.priority_id)
        .await?
        .ok_or(CheckinError::Foreign)?;
    let team = store
        .team(ws, t.team_id)
        .await?
        .ok_or(CheckinError::Foreign)?;
    if p.owner_person_id != person.id {
        return Err(CheckinError::NotYours(p.owner_name));
    }
    if p.team_id != t.team_id || !p.is_active() {
        return Err(CheckinError::NotAhead(format!(
            "{} is no longer an active priority of {}; run checkin again",
            p.number, team.name
        )));
    }
    let rhythm = store.rhythm(ws, t.team_id).await?;
    let coming = match &rhythm {
        Some(r) => team_coming(store, ws, r, now).await?,
        None => None,
    };
    match coming {
        Some((slot, slot_at, opens_at)) if slot_at.timestamp() == t.slot_at => Ok((
            p,
            Coming {
                team_id: team.id,
                team: team.name,
                slot,
                slot_at,
                opens_at,
            },
        )),
        _ => Err(CheckinError::NotAhead(format!(
            "that check-in of {} is no longer ahead (it opened, or the rhythm changed); run checkin again",
            team.name
        ))),
    }
}

/// Keep an answer given ahead; returns the coming cycle's prompt as it now stands.
pub async fn record(
    store: &Store,
    ws: i64,
    person: &PersonRow,
    t: Target,
    answer: &Answer,
    now: DateTime<Utc>,
) -> Result<Message, CheckinError> {
    let (p, coming) = check(store, ws, person, t, now).await?;
    let (status, progress, note, blocker) = match answer {
        Answer::Status(s) => {
            let progress = if *s == Status::Done {
                Progress::DONE
            } else {
                p.progress
            };
            (*s, progress, None, None)
        }
        Answer::Form {
            status,
            progress,
            note,
            blocker,
        } => (*status, *progress, note.as_deref(), blocker.as_deref()),
    };
    store
        .save_ahead(&NewAheadAnswer {
            workspace_id: ws,
            team_id: coming.team_id,
            slot: &coming.slot,
            priority_id: p.id,
            person_id: person.id,
            status,
            progress,
            note,
            blocker,
            given_at: now.timestamp(),
        })
        .await?;
    Ok(prompt(store, ws, person, &coming, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_reject_forgeries() {
        let t = Target {
            team_id: 3,
            slot_at: 1_796_000_000,
            priority_id: 14,
        };
        assert_eq!(value(t), "ahead:3:1796000000:14");
        assert_eq!(parse_value(&value(t)), Some(t));
        for bad in [
            "",
            "ahead:",
            "ahead:3:4",
            "ahead:3:4:5:6",
            "ahead:0:4:5",
            "ahead:-3:4:5",
            "ahead:a:b:c",
            "3:4:5",
            "AHEAD:3:4:5",
            "ahead:3:4:99999999999999999999",
        ] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
    }
}
