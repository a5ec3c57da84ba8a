//! `ask:changed`: which of an owner's priorities a check-in asks about with their own buttons,
//! and which it lists compactly under *All still on track*. Decided when the cycle opens (and
//! kept with it), so answering does not move a priority from one part of the prompt to the
//! other.

use chrono::{Duration, NaiveDate};

use crate::domain::{Priority, Status};

/// How far ahead a due date makes a priority worth asking about.
pub const DUE_SOON: Duration = Duration::days(14);

/// Whether a check-in asks about `p` with its own buttons: it is at risk or off track, stale
/// (no update from its owner since the older of the team's last two closed cycles opened, so
/// `fresh` is `false`), or due within [`DUE_SOON`] of `today` in the owner's zone (overdue
/// included).
pub fn asks_about(p: &Priority, fresh: bool, today: NaiveDate) -> bool {
    matches!(p.status, Status::AtRisk | Status::OffTrack)
        || !fresh
        || p.due.is_some_and(|d| d <= today + DUE_SOON)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PriorityNumber, Progress};

    fn priority(status: Status, due: Option<&str>) -> Priority {
        Priority {
            id: 1,
            number: PriorityNumber(1),
            title: "Ship".into(),
            owner_person_id: 1,
            owner_user_id: "U1".into(),
            owner_name: "ana".into(),
            team_id: 1,
            team_name: "Platform".into(),
            due: due.map(|d| d.parse().unwrap()),
            parent: None,
            status,
            progress: Progress::new(40).unwrap(),
            created_at: Default::default(),
            updated_at: Default::default(),
        }
    }

    #[test]
    fn only_what_may_have_changed_is_asked() {
        let today: NaiveDate = "2026-12-07".parse().unwrap();
        // On track, updated lately, due far away or never: listed compactly.
        assert!(!asks_about(&priority(Status::OnTrack, None), true, today));
        assert!(!asks_about(
            &priority(Status::OnTrack, Some("2026-12-22")),
            true,
            today
        ));
        // Trouble, staleness, or a due date within two weeks (or past): asked.
        assert!(asks_about(&priority(Status::AtRisk, None), true, today));
        assert!(asks_about(&priority(Status::OffTrack, None), true, today));
        assert!(asks_about(&priority(Status::OnTrack, None), false, today));
        assert!(asks_about(
            &priority(Status::OnTrack, Some("2026-12-21")),
            true,
            today
        ));
        assert!(asks_about(
            &priority(Status::OnTrack, Some("2026-11-30")),
            true,
            today
        ));
    }
}
