//! One drift score per active priority, 0 (moving as planned) to 100 (drifting on every
//! count): what "Needs attention" lists, `list stalled` and the dashboard sort by. Each part of
//! the score is a pure function of what the drift rules already read, capped, and the parts add
//! up to at most 100:
//!
//! | part | at most | how |
//! | --- | --- | --- |
//! | pace | 25 | overdue: 25; else half a point per point of progress behind the straight line to the due date |
//! | staleness | 15 | 5 per closed cycle in a row without an answer from its owner |
//! | streak | 20 | 10 per update in a row off-track; else 4 per update in a row at risk |
//! | flat | 10 | 4 per update in a row after the first with the same progress |
//! | slips | 10 | 3 per move of the due date |
//! | blocked | 10 | it waits on a priority that is stalled, off-track or dropped |
//! | dependents | 10 | 3 per priority waiting on it, when it drifts by any other part |
//!
//! A priority that is done or dropped scores 0.

use chrono::NaiveDate;

use super::drift::UpdateFact;
use super::{Priority, Status};

/// What one priority's score is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Pace,
    Staleness,
    Streak,
    Flat,
    Slips,
    Blocked,
    Dependents,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Pace => "pace",
            Part::Staleness => "staleness",
            Part::Streak => "streak",
            Part::Flat => "flat",
            Part::Slips => "slips",
            Part::Blocked => "blocked",
            Part::Dependents => "dependents",
        }
    }
}

/// The score and the parts that make it up, largest first, each with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Score {
    pub value: u8,
    pub parts: Vec<(Part, u8, String)>,
}

impl Score {
    /// `72 (pace 25: 12 days overdue; streak 20: …)`, for lists.
    pub fn explain(&self) -> String {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|(part, points, why)| format!("{} {points}: {why}", part.as_str()))
            .collect();
        if parts.is_empty() {
            self.value.to_string()
        } else {
            format!("{} ({})", self.value, parts.join("; "))
        }
    }
}

/// Everything the score reads of one priority.
pub struct Inputs<'a> {
    pub priority: &'a Priority,
    /// Its latest updates, newest first.
    pub updates: &'a [UpdateFact],
    /// Whether its owner answered in its team's latest closed cycles, newest first.
    pub answered: &'a [bool],
    pub today: NaiveDate,
    /// How many times its due date moved.
    pub slips: usize,
    /// It waits on a priority that is stalled, off-track or dropped.
    pub blocked: bool,
    /// How many priorities wait on it.
    pub dependents: usize,
}

pub fn score(i: &Inputs<'_>) -> Score {
    if !i.priority.is_active() {
        return Score::default();
    }
    let mut parts: Vec<(Part, u8, String)> = [
        pace(i.priority, i.today).map(|(n, why)| (Part::Pace, n, why)),
        staleness(i.answered).map(|(n, why)| (Part::Staleness, n, why)),
        streak(i.updates).map(|(n, why)| (Part::Streak, n, why)),
        flat(i.updates).map(|(n, why)| (Part::Flat, n, why)),
        slips(i.slips).map(|(n, why)| (Part::Slips, n, why)),
        i.blocked
            .then(|| (Part::Blocked, 10, "waits on a stalled priority".to_string())),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !parts.is_empty()
        && let Some((n, why)) = dependents(i.dependents)
    {
        parts.push((Part::Dependents, n, why));
    }
    parts.sort_by_key(|p| std::cmp::Reverse(p.1));
    let value = parts
        .iter()
        .map(|(_, n, _)| u32::from(*n))
        .sum::<u32>()
        .min(100) as u8;
    Score { value, parts }
}

/// Overdue is the whole of pace; before the due date, half a point per point behind.
pub fn pace(p: &Priority, today: NaiveDate) -> Option<(u8, String)> {
    let due = p.due?;
    if due < today {
        let days = (today - due).num_days();
        return Some((25, format!("{days} days overdue")));
    }
    let start = p.created_at.date_naive();
    let span = (due - start).num_days();
    let elapsed = (today - start).num_days();
    let expected = if span <= 0 {
        100
    } else {
        (elapsed * 100 / span).clamp(0, 100)
    };
    let gap = expected - i64::from(p.progress.value());
    (gap >= 2).then(|| {
        (
            (gap / 2).min(25) as u8,
            format!("{gap} points behind the line to {due}"),
        )
    })
}

pub fn staleness(answered_newest_first: &[bool]) -> Option<(u8, String)> {
    let missed = answered_newest_first.iter().take_while(|a| !**a).count();
    (missed > 0).then(|| {
        (
            (missed * 5).min(15) as u8,
            format!("no answer in the last {missed} cycles"),
        )
    })
}

pub fn streak(updates_newest_first: &[UpdateFact]) -> Option<(u8, String)> {
    let run = |bad: fn(Status) -> bool| {
        updates_newest_first
            .iter()
            .take_while(|u| bad(u.status))
            .count()
    };
    let off = run(|s| s == Status::OffTrack);
    if off > 0 {
        return Some((
            (off * 10).min(20) as u8,
            format!("{off} updates off-track in a row"),
        ));
    }
    let risky = run(|s| s == Status::AtRisk);
    (risky > 0).then(|| {
        (
            (risky * 4).min(20) as u8,
            format!("{risky} updates at risk in a row"),
        )
    })
}

pub fn flat(updates_newest_first: &[UpdateFact]) -> Option<(u8, String)> {
    let first = updates_newest_first.first()?.progress;
    let same = updates_newest_first
        .iter()
        .take_while(|u| u.progress == first)
        .count();
    (same >= 2).then(|| {
        (
            ((same - 1) * 4).min(10) as u8,
            format!("progress at {first}% for {same} updates"),
        )
    })
}

pub fn slips(moves: usize) -> Option<(u8, String)> {
    (moves > 0).then(|| {
        (
            (moves * 3).min(10) as u8,
            format!("due date moved {moves} times"),
        )
    })
}

pub fn dependents(waiting: usize) -> Option<(u8, String)> {
    (waiting > 0).then(|| {
        (
            (waiting * 3).min(10) as u8,
            format!("{waiting} priorities wait on it"),
        )
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::{PriorityNumber, Progress};

    fn priority(status: Status, progress: u8, due: Option<NaiveDate>) -> Priority {
        Priority {
            id: 1,
            number: PriorityNumber(1),
            title: "t".into(),
            owner_person_id: 1,
            owner_user_id: "U1".into(),
            owner_name: "ana".into(),
            team_id: 1,
            team_name: "Platform".into(),
            due,
            parent: None,
            status,
            progress: Progress::new(i64::from(progress)).unwrap(),
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn u(status: Status, progress: u8) -> UpdateFact {
        UpdateFact { status, progress }
    }

    fn inputs<'a>(p: &'a Priority, updates: &'a [UpdateFact], answered: &'a [bool]) -> Inputs<'a> {
        Inputs {
            priority: p,
            updates,
            answered,
            today: day(7, 2),
            slips: 0,
            blocked: false,
            dependents: 0,
        }
    }

    #[test]
    fn a_priority_on_pace_and_answered_scores_zero_and_closed_ones_always_do() {
        let p = priority(Status::OnTrack, 60, Some(day(12, 31)));
        let ups = [u(Status::OnTrack, 60), u(Status::OnTrack, 40)];
        assert_eq!(score(&inputs(&p, &ups, &[true, true])).value, 0);
        let done = priority(Status::Done, 100, Some(day(1, 2)));
        let mut i = inputs(&done, &ups, &[false, false]);
        i.blocked = true;
        assert_eq!(score(&i), Score::default());
    }

    #[test]
    fn each_part_has_its_weight_and_cap() {
        let p = priority(Status::OnTrack, 0, Some(day(12, 31)));
        // Half a year of a year gone, nothing done: 50 points behind, capped at 25.
        assert_eq!(pace(&p, day(7, 2)).map(|x| x.0), Some(25));
        let p = priority(Status::OnTrack, 40, Some(day(12, 31)));
        assert_eq!(pace(&p, day(7, 2)).map(|x| x.0), Some(5));
        assert_eq!(pace(&p, day(1, 2)), None, "ahead of the line");
        let late = priority(Status::OnTrack, 90, Some(day(6, 1)));
        assert_eq!(
            pace(&late, day(6, 13)),
            Some((25, "12 days overdue".into()))
        );
        assert_eq!(staleness(&[false, false, true]).map(|x| x.0), Some(10));
        assert_eq!(staleness(&[false; 6]).map(|x| x.0), Some(15));
        assert_eq!(staleness(&[true, false]), None);
        let off = [
            u(Status::OffTrack, 5),
            u(Status::OffTrack, 5),
            u(Status::OffTrack, 5),
        ];
        assert_eq!(streak(&off).map(|x| x.0), Some(20));
        let risk = [
            u(Status::AtRisk, 5),
            u(Status::AtRisk, 4),
            u(Status::OnTrack, 3),
        ];
        assert_eq!(streak(&risk).map(|x| x.0), Some(8));
        assert_eq!(flat(&off).map(|x| x.0), Some(8));
        assert_eq!(flat(&risk), None);
        assert_eq!(slips(1).map(|x| x.0), Some(3));
        assert_eq!(slips(9).map(|x| x.0), Some(10));
        assert_eq!(dependents(2).map(|x| x.0), Some(6));
    }

    #[test]
    fn parts_add_up_largest_first_and_never_pass_100() {
        let p = priority(Status::OffTrack, 5, Some(day(6, 1)));
        let ups = [u(Status::OffTrack, 5); 4];
        let mut i = inputs(&p, &ups, &[false, false, false]);
        i.slips = 5;
        i.blocked = true;
        i.dependents = 4;
        let s = score(&i);
        assert_eq!(s.value, 100);
        let points: Vec<u8> = s.parts.iter().map(|p| p.1).collect();
        assert_eq!(points, [25, 20, 15, 10, 10, 10, 10]);
        assert!(
            s.explain()
                .starts_with("100 (pace 25: 31 days overdue; streak 20"),
            "{}",
            s.explain()
        );
    }

    #[test]
    fn others_waiting_only_count_when_it_drifts() {
        let p = priority(Status::OnTrack, 60, Some(day(12, 31)));
        let ups = [u(Status::OnTrack, 60), u(Status::OnTrack, 50)];
        let mut i = inputs(&p, &ups, &[true]);
        i.dependents = 3;
        assert_eq!(score(&i).value, 0);
        i.slips = 1;
        assert_eq!(score(&i).value, 3 + 9);
    }
}
