//! Closing the loop by itself: when a team's cycle closes, a priority that was off-track in
//! both of its team's last two closed cycles, or that other teams' work has waited on while it
//! was in trouble for two cycles, is raised to the team's parent team. And the direct message
//! that tells people of a decision.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::domain::{Priority, PriorityNumber};
use crate::message::{Block, Message, Rich, Visibility, next_steps};
use crate::store::{CycleRow, DecisionRow, NewRaise, PriorityQuery, Store, StoreError};

/// Cycles a priority must have been off-track (or blocking) in to be raised by itself.
pub const AUTO_RAISE_CYCLES: i64 = 2;

/// Raise what the closed cycles' teams leave in trouble; how many were raised.
pub async fn raise_after_close(
    store: &Store,
    closed: &[CycleRow],
    now: i64,
) -> Result<usize, StoreError> {
    let teams: BTreeSet<(i64, i64)> = closed.iter().map(|c| (c.workspace_id, c.team_id)).collect();
    let mut raised = 0;
    for (ws, team_id) in teams {
        raised += raise_for_team(store, ws, team_id, now).await?;
    }
    Ok(raised)
}

async fn raise_for_team(
    store: &Store,
    ws: i64,
    team_id: i64,
    now: i64,
) -> Result<usize, StoreError> {
    let Some(parent) = store
        .team(ws, team_id)
        .await?
        .and_then(|t| t.parent_team_id)
    else {
        return Ok(0);
    };
    let cycles = store
        .last_closed_cycles(ws, team_id, AUTO_RAISE_CYCLES)
        .await?;
    let Some(&(_, older_opens, _)) = cycles.get(AUTO_RAISE_CYCLES as usize - 1) else {
        return Ok(0);
    };
    let candidates = candidates(store, ws, team_id, &cycles).await?;
    let mut raised = 0;
    for (priority_id, why) in candidates {
        // Evidence from before the last word on a priority does not raise it again.
        if store.reviewed_since(ws, priority_id, older_opens).await? {
            continue;
        }
        let new = NewRaise {
            priority_id,
            team_id: parent,
            raised_by: None,
            reason: auto_reason(why),
            why,
        };
        if store.raise(ws, new, now).await? {
            tracing::info!(
                workspace = ws,
                priority_id,
                why,
                "priority raised by itself"
            );
            raised += 1;
        }
    }
    Ok(raised)
}

/// The team's active priorities to raise and why: off-track in each of `cycles` (newest
/// first), or blocking since the oldest of them closed.
async fn candidates(
    store: &Store,
    ws: i64,
    team_id: i64,
    cycles: &[(i64, i64, i64)],
) -> Result<Vec<(i64, &'static str)>, StoreError> {
    let query = PriorityQuery {
        teams: Some(vec![team_id]),
        ..Default::default()
    };
    let active: HashSet<i64> = store
        .priorities(ws, &query)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    let ids: Vec<i64> = cycles.iter().map(|(id, _, _)| *id).collect();
    let older_closes = cycles.last().map(|(_, _, closes)| *closes).unwrap_or(0);
    let statuses = store.last_statuses_in_cycles(ws, &ids).await?;
    let mut out: Vec<(i64, &'static str)> = off_track_in_all(&statuses, &ids)
        .into_iter()
        .filter(|id| active.contains(id))
        .map(|id| (id, "off-track"))
        .collect();
    for id in blocking(store, ws, &active, older_closes).await? {
        if !out.iter().any(|(c, _)| *c == id) {
            out.push((id, "blocking"));
        }
    }
    Ok(out)
}

/// Of `active`, those another team's active work waits on and that have been in trouble since
/// the older of the two cycles closed (or before).
async fn blocking(
    store: &Store,
    ws: i64,
    active: &HashSet<i64>,
    since: i64,
) -> Result<Vec<i64>, StoreError> {
    let waited_on: HashSet<i64> = store
        .waited_on_by_other_teams(ws)
        .await?
        .into_iter()
        .collect();
    Ok(store
        .stalled_since(ws, since)
        .await?
        .into_iter()
        .filter(|id| active.contains(id) && waited_on.contains(id))
        .collect())
}

fn auto_reason(why: &str) -> &'static str {
    match why {
        "blocking" => "other teams' work has waited on it while it was in trouble for 2 cycles",
        _ => "off-track in the last 2 cycles",
    }
}

/// Priorities whose last update in every one of `cycles` was off-track.
pub fn off_track_in_all(statuses: &[(i64, i64, String)], cycles: &[i64]) -> Vec<i64> {
    let mut off: HashMap<i64, HashSet<i64>> = HashMap::new();
    for (priority, cycle, status) in statuses {
        if status == "off-track" {
            off.entry(*priority).or_default().insert(*cycle);
        }
    }
    let mut out: Vec<i64> = off
        .into_iter()
        .filter(|(_, seen)| cycles.iter().all(|c| seen.contains(c)))
        .map(|(p, _)| p)
        .collect();
    out.sort_unstable();
    out
}

/// The direct message telling `person_id` of a decision on `p`, saying why it concerns them:
/// they own `p`, they own `waiting` (their active priorities that wait on `p`), or they own the
/// follow-up.
pub fn notice(
    d: &DecisionRow,
    (p, waiting, person_id): (&Priority, &[Priority], i64),
    prefix: &str,
) -> Message {
    let mine = if p.owner_person_id == person_id {
        "your "
    } else {
        ""
    };
    let line = Rich::new()
        .text(format!("Decision on {mine}"))
        .priority(p.number)
        .text(" ")
        .bold(&p.title)
        .text(format!(" ({}): ", p.team_name))
        .italic(&d.text)
        .text(" (decided by ")
        .user(&d.decided_by_user_id, &d.decided_by_name)
        .text(format!(" on {}).", crate::store::ts_date(d.decided_at)));
    let mut blocks = vec![Block::Text(line)];
    if !waiting.is_empty() {
        let mut r = Rich::new().text("Your ");
        for (i, w) in waiting.iter().enumerate() {
            if i > 0 {
                r = r.text(", ");
            }
            r = r.priority(w.number).text(format!(" {}", w.title));
        }
        blocks.push(Block::Text(r.text(" waits on it.")));
    }
    if let Some(follow) = follow_up_line(d) {
        blocks.push(Block::Context(follow));
    }
    blocks.push(next_steps(
        prefix,
        &[&format!("show {}", PriorityNumber(d.number))],
    ));
    Message {
        blocks,
        visibility: Visibility::Shared,
    }
}

/// "Follow-up: @ben, due 2026-12-10", when the decision has one.
pub fn follow_up_line(d: &DecisionRow) -> Option<Rich> {
    let (Some(user), Some(name)) = (&d.owner_user_id, &d.owner_name) else {
        return None;
    };
    let mut r = Rich::new().text("Follow-up: ").user(user, name);
    if let Some(due) = &d.due_date {
        r = r.text(format!(", due {due}"));
    }
    if d.done_at.is_some() {
        r = r.text(" (done)");
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_off_track_in_every_cycle_counts() {
        let s = |p: i64, c: i64, st: &str| (p, c, st.to_string());
        let statuses = vec![
            s(1, 10, "off-track"),
            s(1, 11, "off-track"),
            s(2, 10, "off-track"),
            s(2, 11, "at-risk"),
            s(3, 11, "off-track"),
        ];
        assert_eq!(off_track_in_all(&statuses, &[10, 11]), vec![1]);
        assert!(off_track_in_all(&[], &[10, 11]).is_empty());
    }

    fn priority(id: i64, owner: i64, title: &str) -> Priority {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        Priority {
            id,
            number: PriorityNumber(id),
            title: title.into(),
            owner_person_id: owner,
            owner_user_id: format!("U{owner}"),
            owner_name: format!("p{owner}"),
            team_id: 1,
            team_name: "Platform".into(),
            due: None,
            parent: None,
            status: crate::domain::Status::OffTrack,
            progress: Default::default(),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_notice_says_why_it_concerns_its_reader() {
        let d = DecisionRow {
            id: 1,
            priority_id: 1,
            number: 1,
            title: "Vendor".into(),
            text: "build it".into(),
            decided_by_user_id: "U9".into(),
            decided_by_name: "ana".into(),
            decided_at: 0,
            owner_user_id: Some("U3".into()),
            owner_name: Some("ben".into()),
            due_date: Some("2026-12-10".into()),
            done_at: None,
        };
        let p = priority(1, 2, "Vendor");
        let owner = notice(&d, (&p, &[], 2), "/pacer ").summary();
        assert!(owner.starts_with("Decision on your #1 Vendor"), "{owner}");
        let theirs = [priority(7, 5, "Checkout")];
        let m = notice(&d, (&p, &theirs, 5), "/pacer ");
        let text: Vec<String> = m
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text(r) | Block::Context(r) => Some(r.plain()),
                _ => None,
            })
            .collect();
        assert!(text[0].starts_with("Decision on #1"), "{text:?}");
        assert_eq!(text[1], "Your #7 Checkout waits on it.");
        assert_eq!(text[2], "Follow-up: @ben, due 2026-12-10");
    }
}
