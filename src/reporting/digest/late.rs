//! Answers that came after a cycle closed, counted into its posted digest when it is drawn
//! again: the answer's status replaces the one the priority had at the close (in the counts and
//! the full list), its owner is no longer among those who did not answer, and the digest says
//! when it was updated and by how many late answers.

use std::collections::HashMap;

use chrono::DateTime;

use super::{Counts, Digest, Updated};
use crate::domain::{Priority, Status};
use crate::store::{Store, StoreError};

pub(super) async fn recount(
    store: &Store,
    ws: i64,
    cycle_id: i64,
    by_id: &HashMap<i64, &Priority>,
    d: &mut Digest,
) -> Result<(), StoreError> {
    let answers = store.late_answers(ws, cycle_id).await?;
    if answers.is_empty() {
        return Ok(());
    }
    // The last late answer on each priority is the one that stands.
    let mut latest: HashMap<i64, (Status, i64)> = HashMap::new();
    let mut last_at = 0;
    for a in &answers {
        if let Ok(s) = a.status.parse::<Status>() {
            latest.insert(a.priority_id, (s, a.progress));
        }
        last_at = last_at.max(a.created_at);
    }
    for (id, (new, progress)) in &latest {
        let Some(p) = by_id.get(id) else {
            continue;
        };
        let Some(line) = d
            .priorities
            .iter_mut()
            .find(|l| l.item.number == p.number.0)
        else {
            continue;
        };
        let old: Status = line.status.parse().unwrap_or(Status::OnTrack);
        if old.is_active() && old != *new {
            shift(&mut d.counts, old, *new);
        }
        line.status = new.as_str().to_string();
        line.progress = (*progress).clamp(0, 100) as u8;
    }
    let answered = store.late_answerers(ws, cycle_id).await?;
    let before = d.no_answer.len();
    d.no_answer.retain(|p| !answered.contains(&p.user_id));
    if let Some(part) = d.participation.as_mut() {
        part.checked_in += before - d.no_answer.len();
    }
    d.updated = Some(Updated {
        at: DateTime::from_timestamp(last_at, 0).unwrap_or(d.period_end),
        late_answers: latest.len(),
    });
    Ok(())
}

/// Move one priority from an active status's count to another status's.
fn shift(c: &mut Counts, from: Status, to: Status) {
    match from {
        Status::OnTrack => c.on_track = c.on_track.saturating_sub(1),
        Status::AtRisk => c.at_risk = c.at_risk.saturating_sub(1),
        Status::OffTrack => c.off_track = c.off_track.saturating_sub(1),
        _ => return,
    }
    match to {
        Status::OnTrack => c.on_track += 1,
        Status::AtRisk => c.at_risk += 1,
        Status::OffTrack => c.off_track += 1,
        Status::Done => c.done += 1,
        Status::Dropped => c.dropped += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_answer_moves_one_priority_between_counts() {
        let mut c = Counts {
            on_track: 2,
            at_risk: 0,
            off_track: 1,
            done: 0,
            dropped: 0,
        };
        shift(&mut c, Status::OnTrack, Status::AtRisk);
        assert_eq!((c.on_track, c.at_risk, c.off_track), (1, 1, 1));
        shift(&mut c, Status::OffTrack, Status::Done);
        assert_eq!((c.off_track, c.done), (0, 1));
        // A priority finished before the close is not among the active counts.
        shift(&mut c, Status::Done, Status::AtRisk);
        assert_eq!((c.at_risk, c.done), (1, 1));
    }
}
