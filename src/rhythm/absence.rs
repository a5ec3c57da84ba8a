//! Absence pacer learns without being told: a person whose Slack status or Teams presence says
//! they are on vacation, on sick leave or out of office is not prompted or reminded while it
//! says so. What the platform said is kept for [`STATUS_TTL_SECS`]. Where the platform lists a
//! whole workspace at once (Slack's users.list), the first prompt of a fan-out reads everyone's
//! status in a few calls (the messenger shares that read with the fan-out's other deliveries)
//! and the rest find it kept; elsewhere (Teams' Graph presence) each person is asked once. A
//! status with an end is not believed past it.

use crate::messenger::{Availability, Messenger};
use crate::store::{PersonRow, Store, StoreError};

/// How long a status read from the platform is trusted before asking again.
pub const STATUS_TTL_SECS: i64 = 3600;

/// What the person's status says they are, now: `Some(label)` when away. A platform that cannot
/// tell, or does not answer, leaves the person present (a prompt too many beats a silent one).
pub async fn away_by_status(
    store: &Store,
    messenger: &dyn Messenger,
    workspace_key: &str,
    ws: i64,
    person: &PersonRow,
    now: i64,
) -> Result<Option<String>, StoreError> {
    if let Some(kept) = kept(store, ws, person, now).await? {
        return Ok(kept);
    }
    match messenger.roster_availability(workspace_key).await {
        Ok(Some(roster)) => {
            // Only the delivery that read the roster keeps it: the others of the fan-out share
            // that read, and a whole-workspace write per prompt would only contend for rows.
            if roster.fresh {
                keep_roster(store, ws, &roster.members, now).await;
            }
            let mine = roster
                .members
                .iter()
                .find(|(id, _)| *id == person.user_id)
                .map(|(_, a)| a);
            Ok(mine.and_then(|a| away_now(a, now)))
        }
        Ok(None) => one_by_one(store, messenger, workspace_key, ws, person, now).await,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the workspace's statuses; taking people as present");
            Ok(None)
        }
    }
}

/// Keep a roster's statuses for the hour. It is only a saving of calls: a write that fails
/// (a lock held by another replica's write of the same roster, say) is logged and the prompt
/// goes on with the statuses in hand.
async fn keep_roster(store: &Store, ws: i64, members: &[(String, Availability)], now: i64) {
    let away: Vec<(String, String, Option<i64>)> = members
        .iter()
        .filter_map(|(id, a)| {
            a.away()
                .map(|(label, until)| (id.clone(), label.to_string(), until))
        })
        .collect();
    if let Err(e) = store.save_roster_availability(ws, &away, now).await {
        tracing::warn!(error = %e, "could not keep the workspace's statuses; they will be read again");
    }
}

/// The status kept for the person, if it was read within the hour: `Some(Some(label))` away,
/// `Some(None)` present, `None` when it must be read.
async fn kept(
    store: &Store,
    ws: i64,
    person: &PersonRow,
    now: i64,
) -> Result<Option<Option<String>>, StoreError> {
    Ok(match store.cached_availability(ws, person.id).await? {
        Some((label, until, at)) if (0..STATUS_TTL_SECS).contains(&(now - at)) => {
            Some(label.filter(|_| until.is_none_or(|u| u > now)))
        }
        _ => None,
    })
}

fn away_now(a: &Availability, now: i64) -> Option<String> {
    a.away()
        .filter(|(_, until)| until.is_none_or(|u| u > now))
        .map(|(label, _)| label.to_string())
}

/// Ask the platform about this one person, and keep what it said.
async fn one_by_one(
    store: &Store,
    messenger: &dyn Messenger,
    workspace_key: &str,
    ws: i64,
    person: &PersonRow,
    now: i64,
) -> Result<Option<String>, StoreError> {
    match messenger.availability(workspace_key, &person.user_id).await {
        Ok(Some(a)) => {
            let (label, until) = a.away().unzip();
            if let Err(e) = store
                .save_availability(ws, person.id, label, until.flatten(), now)
                .await
            {
                tracing::warn!(error = %e, "could not keep a status; it will be read again");
            }
            Ok(away_now(&a, now))
        }
        Ok(None) => Ok(None),
        Err(e) => {
            tracing::warn!(error = %e, "could not read a status; taking the person as present");
            Ok(None)
        }
    }
}
