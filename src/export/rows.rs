//! The rows of an export, as both formats write them: each row type serialises to a JSON
//! object (lists as arrays, absent values as null) and to CSV cells under a fixed header
//! (lists joined with spaces, absent values empty). Times are ISO 8601 in UTC.

use chrono::{DateTime, SecondsFormat};
use serde::Serialize;

use crate::reporting::digest::Digest;
use crate::store::{CheckinRecord, ClosedCycle, CycleRecord, ExportPriority, ExportSlip};

/// A row both formats can write.
pub trait ExportRow: Serialize {
    /// The CSV header, one name per cell of [`ExportRow::cells`].
    const HEADER: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

/// Where rows go, one at a time.
pub trait RowSink {
    fn row<R: ExportRow>(&mut self, row: &R) -> anyhow::Result<()>;
}

/// A stored Unix time as ISO 8601 UTC (`2026-11-30T09:00:00Z`).
pub fn iso(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

fn joined<T: ToString>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Serialize)]
pub struct PriorityOut {
    pub number: i64,
    pub title: String,
    pub team: String,
    pub owner: String,
    pub owner_user_id: String,
    pub status: String,
    pub progress: i64,
    pub due: Option<String>,
    pub parent: Option<i64>,
    pub depends_on: Vec<i64>,
    pub drift_flags: Vec<&'static str>,
    pub created_at: String,
    pub updated_at: String,
}

impl PriorityOut {
    /// A stored priority with the drift flags it carries now.
    pub fn new(p: ExportPriority, drift_flags: Vec<&'static str>) -> Self {
        let depends_on = p
            .depends_on
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        PriorityOut {
            number: p.number,
            title: p.title,
            team: p.team,
            owner: p.owner_name,
            owner_user_id: p.owner_user_id,
            status: p.status,
            progress: p.progress,
            due: p.due_date,
            parent: p.parent_number,
            depends_on,
            drift_flags,
            created_at: iso(p.created_at),
            updated_at: iso(p.updated_at),
        }
    }
}

impl ExportRow for PriorityOut {
    const HEADER: &'static [&'static str] = &[
        "number",
        "title",
        "team",
        "owner",
        "owner_user_id",
        "status",
        "progress",
        "due",
        "parent",
        "depends_on",
        "drift_flags",
        "created_at",
        "updated_at",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.number.to_string(),
            self.title.clone(),
            self.team.clone(),
            self.owner.clone(),
            self.owner_user_id.clone(),
            self.status.clone(),
            self.progress.to_string(),
            opt(&self.due),
            opt(&self.parent),
            joined(&self.depends_on),
            joined(&self.drift_flags),
            self.created_at.clone(),
            self.updated_at.clone(),
        ]
    }
}

#[derive(Debug, Serialize)]
pub struct CheckinOut {
    pub id: i64,
    pub priority: i64,
    pub cycle: Option<i64>,
    pub author: String,
    pub author_user_id: String,
    pub status: String,
    pub progress: i64,
    pub note: Option<String>,
    pub blocker: Option<String>,
    pub late: bool,
    pub recorded_at: String,
}

impl From<CheckinRecord> for CheckinOut {
    fn from(c: CheckinRecord) -> Self {
        CheckinOut {
            id: c.id,
            priority: c.priority_number,
            cycle: c.cycle_id,
            author: c.author_name,
            author_user_id: c.author_user_id,
            status: c.status,
            progress: c.progress,
            note: c.note,
            blocker: c.blocker,
            late: c.late != 0,
            recorded_at: iso(c.created_at),
        }
    }
}

impl ExportRow for CheckinOut {
    const HEADER: &'static [&'static str] = &[
        "id",
        "priority",
        "cycle",
        "author",
        "author_user_id",
        "status",
        "progress",
        "note",
        "blocker",
        "late",
        "recorded_at",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.priority.to_string(),
            opt(&self.cycle),
            self.author.clone(),
            self.author_user_id.clone(),
            self.status.clone(),
            self.progress.to_string(),
            opt(&self.note),
            opt(&self.blocker),
            self.late.to_string(),
            self.recorded_at.clone(),
        ]
    }
}

/// A due date moved: from what to what, by whom, when and why.
#[derive(Debug, Serialize)]
pub struct SlipOut {
    pub id: i64,
    pub priority: i64,
    pub old_due: String,
    pub new_due: Option<String>,
    pub reason: Option<String>,
    pub moved_by: String,
    pub moved_by_user_id: String,
    pub moved_at: String,
}

impl From<ExportSlip> for SlipOut {
    fn from(s: ExportSlip) -> Self {
        SlipOut {
            id: s.id,
            priority: s.priority_number,
            old_due: s.old_due,
            new_due: s.new_due,
            reason: s.reason,
            moved_by: s.actor_name,
            moved_by_user_id: s.actor_user_id,
            moved_at: iso(s.moved_at),
        }
    }
}

impl ExportRow for SlipOut {
    const HEADER: &'static [&'static str] = &[
        "id",
        "priority",
        "old_due",
        "new_due",
        "reason",
        "moved_by",
        "moved_by_user_id",
        "moved_at",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.priority.to_string(),
            self.old_due.clone(),
            opt(&self.new_due),
            opt(&self.reason),
            self.moved_by.clone(),
            self.moved_by_user_id.clone(),
            self.moved_at.clone(),
        ]
    }
}

#[derive(Debug, Serialize)]
pub struct CycleOut {
    pub id: i64,
    pub team: String,
    pub slot: String,
    pub opens_at: String,
    pub closes_at: String,
    pub closed_at: Option<String>,
    pub state: String,
    pub asked: i64,
    pub away: i64,
    pub answered: i64,
}

impl From<CycleRecord> for CycleOut {
    fn from(c: CycleRecord) -> Self {
        CycleOut {
            id: c.id,
            team: c.team_name,
            slot: c.slot,
            opens_at: iso(c.opens_at),
            closes_at: iso(c.closes_at),
            closed_at: c.closed_at.map(iso),
            state: c.state,
            asked: c.asked,
            away: c.away,
            answered: c.answered,
        }
    }
}

impl ExportRow for CycleOut {
    const HEADER: &'static [&'static str] = &[
        "id",
        "team",
        "slot",
        "opens_at",
        "closes_at",
        "closed_at",
        "state",
        "asked",
        "away",
        "answered",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.team.clone(),
            self.slot.clone(),
            self.opens_at.clone(),
            self.closes_at.clone(),
            opt(&self.closed_at),
            self.state.clone(),
            self.asked.to_string(),
            self.away.to_string(),
            self.answered.to_string(),
        ]
    }
}

/// The figures of one closed cycle's digest, as `pacer digest` draws it up.
#[derive(Debug, Serialize)]
pub struct DigestOut {
    pub cycle: i64,
    pub team: String,
    pub period_start: String,
    pub period_end: String,
    pub posted_at: Option<String>,
    pub checked_in: Option<usize>,
    pub expected: Option<usize>,
    pub away: Option<usize>,
    pub on_track: usize,
    pub at_risk: usize,
    pub off_track: usize,
    pub done: usize,
    pub dropped: usize,
    pub active: usize,
    pub stalled: usize,
    pub stalled_percent: u32,
    pub moved: usize,
    pub finished: usize,
    pub late: usize,
    pub no_answer: usize,
}

impl DigestOut {
    pub fn new(closed: &ClosedCycle, d: &Digest) -> Self {
        let p = d.participation.as_ref();
        DigestOut {
            cycle: closed.cycle.id,
            team: d.team.clone(),
            period_start: d.period_start.to_rfc3339_opts(SecondsFormat::Secs, true),
            period_end: d.period_end.to_rfc3339_opts(SecondsFormat::Secs, true),
            posted_at: closed.posted_at.map(iso),
            checked_in: p.map(|p| p.checked_in),
            expected: p.map(|p| p.expected),
            away: p.map(|p| p.away),
            on_track: d.counts.on_track,
            at_risk: d.counts.at_risk,
            off_track: d.counts.off_track,
            done: d.counts.done,
            dropped: d.counts.dropped,
            active: d.drift.active,
            stalled: d.drift.stalled,
            stalled_percent: d.drift.percent,
            moved: d.moved.len(),
            finished: d.finished.len(),
            late: d.late.len(),
            no_answer: d.no_answer.len(),
        }
    }
}

impl ExportRow for DigestOut {
    const HEADER: &'static [&'static str] = &[
        "cycle",
        "team",
        "period_start",
        "period_end",
        "posted_at",
        "checked_in",
        "expected",
        "away",
        "on_track",
        "at_risk",
        "off_track",
        "done",
        "dropped",
        "active",
        "stalled",
        "stalled_percent",
        "moved",
        "finished",
        "late",
        "no_answer",
    ];

    fn cells(&self) -> Vec<String> {
        let counts = [
            self.on_track,
            self.at_risk,
            self.off_track,
            self.done,
            self.dropped,
            self.active,
            self.stalled,
        ];
        let mut cells = vec![
            self.cycle.to_string(),
            self.team.clone(),
            self.period_start.clone(),
            self.period_end.clone(),
            opt(&self.posted_at),
            opt(&self.checked_in),
            opt(&self.expected),
            opt(&self.away),
        ];
        cells.extend(counts.iter().map(usize::to_string));
        cells.push(self.stalled_percent.to_string());
        cells.extend(
            [self.moved, self.finished, self.late, self.no_answer]
                .iter()
                .map(usize::to_string),
        );
        cells
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_as_many_cells_as_its_header_names() {
        let p = PriorityOut::new(
            ExportPriority {
                id: 1,
                number: 3,
                title: "T".into(),
                team: "Platform".into(),
                owner_name: "ana".into(),
                owner_user_id: "U1".into(),
                status: "on-track".into(),
                progress: 40,
                due_date: None,
                parent_number: Some(1),
                depends_on: Some("1 2".into()),
                created_at: 0,
                updated_at: 0,
            },
            vec!["overdue", "blocked"],
        );
        assert_eq!(p.cells().len(), PriorityOut::HEADER.len());
        assert_eq!(p.depends_on, [1, 2]);
        assert_eq!(p.cells()[10], "overdue blocked");
        assert_eq!(p.created_at, "1970-01-01T00:00:00Z");
    }
}
