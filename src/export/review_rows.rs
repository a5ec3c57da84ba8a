//! The rows of leaders' reviews in an export: decisions and raised items.

use serde::Serialize;

use super::rows::{ExportRow, iso, opt};
use crate::store::{ExportDecision, RaisedRecord};

/// A decision about a priority: what, who took it and when, and its follow-up.
#[derive(Debug, Serialize)]
pub struct DecisionOut {
    pub id: i64,
    pub priority: i64,
    pub decision: String,
    pub decided_by: String,
    pub decided_by_user_id: String,
    pub decided_at: String,
    pub follow_up_owner: Option<String>,
    pub follow_up_owner_user_id: Option<String>,
    pub follow_up_due: Option<String>,
    pub follow_up_done_at: Option<String>,
}

impl From<ExportDecision> for DecisionOut {
    fn from(d: ExportDecision) -> Self {
        DecisionOut {
            id: d.id,
            priority: d.priority_number,
            decision: d.text,
            decided_by: d.decided_by_name,
            decided_by_user_id: d.decided_by_user_id,
            decided_at: iso(d.decided_at),
            follow_up_owner: d.owner_name,
            follow_up_owner_user_id: d.owner_user_id,
            follow_up_due: d.due_date,
            follow_up_done_at: d.done_at.map(iso),
        }
    }
}

impl ExportRow for DecisionOut {
    const HEADER: &'static [&'static str] = &[
        "id",
        "priority",
        "decision",
        "decided_by",
        "decided_by_user_id",
        "decided_at",
        "follow_up_owner",
        "follow_up_owner_user_id",
        "follow_up_due",
        "follow_up_done_at",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.priority.to_string(),
            self.decision.clone(),
            self.decided_by.clone(),
            self.decided_by_user_id.clone(),
            self.decided_at.clone(),
            opt(&self.follow_up_owner),
            opt(&self.follow_up_owner_user_id),
            opt(&self.follow_up_due),
            opt(&self.follow_up_done_at),
        ]
    }
}

/// A priority raised to a parent team: from and to which team, who raised it (nobody when it
/// raised itself), why, and when and by which decision it was closed.
#[derive(Debug, Serialize)]
pub struct RaisedOut {
    pub id: i64,
    pub priority: i64,
    pub from_team: String,
    pub to_team: String,
    pub raised_by: Option<String>,
    pub raised_by_user_id: Option<String>,
    /// `manual`, `off-track` or `blocking`.
    pub reason_kind: String,
    pub why: String,
    pub raised_at: String,
    pub closed_at: Option<String>,
    pub closed_by_decision: Option<i64>,
}

impl From<RaisedRecord> for RaisedOut {
    fn from(r: RaisedRecord) -> Self {
        RaisedOut {
            id: r.id,
            priority: r.priority_number,
            from_team: r.from_team,
            to_team: r.to_team,
            raised_by: r.raised_by_name,
            raised_by_user_id: r.raised_by_user_id,
            reason_kind: r.kind,
            why: r.why,
            raised_at: iso(r.raised_at),
            closed_at: r.closed_at.map(iso),
            closed_by_decision: r.closed_by_decision_id,
        }
    }
}

impl ExportRow for RaisedOut {
    const HEADER: &'static [&'static str] = &[
        "id",
        "priority",
        "from_team",
        "to_team",
        "raised_by",
        "raised_by_user_id",
        "reason_kind",
        "why",
        "raised_at",
        "closed_at",
        "closed_by_decision",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.priority.to_string(),
            self.from_team.clone(),
            self.to_team.clone(),
            opt(&self.raised_by),
            opt(&self.raised_by_user_id),
            self.reason_kind.clone(),
            self.why.clone(),
            self.raised_at.clone(),
            opt(&self.closed_at),
            opt(&self.closed_by_decision),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_automatic_raise_has_no_one_in_raised_by() {
        let r = RaisedOut::from(RaisedRecord {
            id: 4,
            priority_number: 7,
            priority_title: "Vendor".into(),
            from_team: "Platform".into(),
            to_team_id: 1,
            to_team: "Leadership".into(),
            raised_by_name: None,
            raised_by_user_id: None,
            kind: "off-track".into(),
            why: "off-track in the last 2 cycles".into(),
            raised_at: 0,
            closed_at: None,
            closed_by_decision_id: None,
        });
        let cells = r.cells();
        assert_eq!(cells.len(), RaisedOut::HEADER.len());
        assert_eq!(
            cells,
            [
                "4",
                "7",
                "Platform",
                "Leadership",
                "",
                "",
                "off-track",
                "off-track in the last 2 cycles",
                "1970-01-01T00:00:00Z",
                "",
                ""
            ]
        );
    }
}
