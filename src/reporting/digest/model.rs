//! What a digest holds: the platform-neutral model every renderer reads, and the small
//! conversions from store rows into it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::Priority;
use crate::domain::drift::{Reason, urgency};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub team: String,
    pub team_id: i64,
    pub cycle_id: Option<i64>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// A preview of a cycle still open.
    pub preview: bool,
    pub counts: Counts,
    pub participation: Option<Participation>,
    pub drift: Drift,
    pub needs_attention: Vec<Stalled>,
    pub moved: Vec<Moved>,
    pub finished: Vec<Item>,
    pub no_answer: Vec<Person>,
    /// Owners the cycle did not ask because they were away, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub away: Vec<AwayPerson>,
    pub late: Vec<Late>,
    /// Decisions taken in the period on the team's priorities or on items raised to it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionLine>,
    pub priorities: Vec<Line>,
    pub rollup: Option<Rollup>,
    /// The team's parent team, which *Discuss* takes the digest to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Who acknowledged this posted digest, earliest first. Unlike the rest, this is how things
    /// stand now, not when the cycle closed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub acks: Vec<Ack>,
    /// How the team answered the focus question, its trend, and whether it is `unfocused`;
    /// none when its rhythm does not ask, or nobody has answered yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<super::TeamFocus>,
    /// How the channel post names who has not answered: by name, or with an @-mention.
    #[serde(skip)]
    pub nudge: crate::domain::nudge::Nudge,
    /// Answers that came after the cycle closed, counted in when a posted digest is drawn
    /// again. Like `acks`, how things stand now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<Updated>,
}

/// A posted digest recounted after late answers: when the last came and how many priorities
/// were answered late.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Updated {
    pub at: DateTime<Utc>,
    pub late_answers: usize,
}

/// A lead (or admin) who saw a posted digest, or took it to the parent team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ack {
    pub user_id: String,
    pub name: String,
    pub seen_at: DateTime<Utc>,
    pub discussed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub on_track: usize,
    pub at_risk: usize,
    pub off_track: usize,
    pub done: usize,
    pub dropped: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Participation {
    pub checked_in: usize,
    pub expected: usize,
    pub away: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    pub stalled: usize,
    pub active: usize,
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub user_id: String,
    pub name: String,
}

/// An owner away in a cycle: "Ana (acting: Ben)", "Chen (status: 🌴 Vacationing)", "Dan".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AwayPerson {
    pub name: String,
    /// Who acted for them, or what their platform status said; `None` for an away period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub number: i64,
    pub title: String,
    pub team: String,
    pub owner: Person,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stalled {
    #[serde(flatten)]
    pub item: Item,
    pub status: String,
    pub progress: u8,
    pub reasons: Vec<String>,
    /// The drift score, 0–100 (`domain::score`): what "worst first" sorts by.
    pub score: u8,
    #[serde(skip)]
    pub urgency: (u8, u8, usize),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moved {
    #[serde(flatten)]
    pub item: Item,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Late {
    #[serde(flatten)]
    pub item: Item,
    pub status: String,
    pub progress: i64,
}

/// A decision as a digest shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionLine {
    pub number: i64,
    pub title: String,
    pub text: String,
    pub decided_by: Person,
    pub follow_up: Option<Person>,
    pub due: Option<String>,
}

impl From<crate::store::DecisionRow> for DecisionLine {
    fn from(d: crate::store::DecisionRow) -> Self {
        let follow_up = match (d.owner_user_id, d.owner_name) {
            (Some(user_id), Some(name)) => Some(Person { user_id, name }),
            _ => None,
        };
        DecisionLine {
            number: d.number,
            title: d.title,
            text: d.text,
            decided_by: Person {
                user_id: d.decided_by_user_id,
                name: d.decided_by_name,
            },
            follow_up,
            due: d.due_date,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    #[serde(flatten)]
    pub item: Item,
    pub status: String,
    pub progress: u8,
    pub due: Option<NaiveDate>,
    pub note: Option<String>,
    pub blocker: Option<String>,
    pub flags: Vec<String>,
    /// Who answered for its away owner in the cycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acting: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollup {
    pub children: Vec<ChildLine>,
    pub top_stalls: Vec<Stalled>,
    pub dependencies_at_risk: Vec<DependencyRisk>,
    pub alignment: Alignment,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChildLine {
    pub team: String,
    pub active: usize,
    pub on_track: usize,
    pub stalled: usize,
    pub participation: Option<Participation>,
    /// On-track share of answers in the child's last closed cycle and the one before, in %.
    pub on_track_share: Option<u32>,
    pub previous_on_track_share: Option<u32>,
    /// The sub-team's latest digest, when it has a channel to post one in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<ChildDigest>,
    /// The sub-team's focus level in its latest closed cycle with answers, and why it is
    /// `unfocused`, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<crate::domain::focus::FocusLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfocused: Option<String>,
}

/// Whether anyone who may (a lead of the sub-team or of this team, or an admin) has looked at
/// a sub-team's latest digest, as things stand now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChildDigest {
    pub cycle_id: i64,
    /// When its cycle closed: what the digest is "of".
    pub closed_at: DateTime<Utc>,
    pub seen: bool,
    pub discussed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DependencyRisk {
    pub dependent: Item,
    pub on: Item,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alignment {
    pub top_team: String,
    pub aligned: usize,
    pub active: usize,
    pub unaligned: Vec<Item>,
}

pub(super) fn person(p: &Priority) -> Person {
    Person {
        user_id: p.owner_user_id.clone(),
        name: p.owner_name.clone(),
    }
}

pub(super) fn item(p: &Priority) -> Item {
    Item {
        number: p.number.0,
        title: p.title.clone(),
        team: p.team_name.clone(),
        owner: person(p),
    }
}

pub(super) fn reason_texts(reasons: &[Reason]) -> Vec<String> {
    reasons
        .iter()
        .map(|r| format!("{}: {}", r.flag.as_str(), r.text))
        .collect()
}

pub(super) fn stalled(p: &Priority, reasons: &[Reason], score: u8) -> Stalled {
    Stalled {
        item: item(p),
        status: p.status.as_str().to_string(),
        progress: p.progress.value(),
        reasons: reason_texts(reasons),
        score,
        urgency: urgency(p.status, reasons),
    }
}

/// Highest drift score first; ties by status and worst flag, then by number.
pub(super) fn worst_first(list: &mut [Stalled]) {
    list.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.urgency.cmp(&a.urgency))
            .then(a.item.number.cmp(&b.item.number))
    });
}

pub(super) fn percent(part: usize, whole: usize) -> u32 {
    (part * 100 + whole / 2).checked_div(whole).unwrap_or(0) as u32
}
