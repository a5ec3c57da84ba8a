//! What the read API answers, as documented in its OpenAPI document. Times are RFC 3339 in
//! UTC; dates are `YYYY-MM-DD`; statuses are the command grammar's words.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Priority;
use crate::domain::drift::Reason;
use crate::store::{
    CheckinRecord, CycleRecord, DecisionRecord, MemberRow, RaisedRecord, TeamRow, ts,
};

/// A person, by their chat platform's user id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    /// The platform's user id, like `U0123ABC` (Slack) or `29:1…` (Teams).
    pub user_id: String,
    pub name: String,
}

/// A drift flag raised on a priority, with the line that explains it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagOut {
    /// One of `silent`, `stuck`, `flat`, `overdue`, `behind`, `blocked`, `slipping`.
    #[schema(example = "overdue")]
    pub flag: &'static str,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriorityOut {
    pub number: i64,
    pub title: String,
    /// `on-track`, `at-risk`, `off-track`, `done` or `dropped`.
    #[schema(example = "at-risk")]
    pub status: &'static str,
    /// Percent, 0 to 100.
    #[schema(minimum = 0, maximum = 100)]
    pub progress: i64,
    pub due: Option<NaiveDate>,
    pub team: String,
    pub owner: Person,
    /// The parent priority's number.
    pub parent: Option<i64>,
    /// Numbers of the priorities this one waits on.
    pub depends_on: Vec<i64>,
    /// Drift flags as of the request (dates in UTC).
    pub flags: Vec<FlagOut>,
    /// The drift score as of the request: 0 (moving as planned) to 100.
    #[schema(minimum = 0, maximum = 100)]
    pub drift_score: u8,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PriorityOut {
    pub fn new(p: Priority, depends_on: Vec<i64>, flags: &[Reason], drift_score: u8) -> Self {
        PriorityOut {
            number: p.number.0,
            status: p.status.as_str(),
            progress: i64::from(p.progress.value()),
            due: p.due,
            owner: Person {
                user_id: p.owner_user_id,
                name: p.owner_name,
            },
            parent: p.parent.map(|n| n.0),
            depends_on,
            flags: flags
                .iter()
                .map(|r| FlagOut {
                    flag: r.flag.as_str(),
                    reason: r.text.clone(),
                })
                .collect(),
            drift_score,
            created_at: p.created_at,
            updated_at: p.updated_at,
            title: p.title,
            team: p.team_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamOut {
    pub name: String,
    /// The chat channel its digests go to.
    pub channel: Option<String>,
    /// The parent team's name.
    pub parent: Option<String>,
    pub leads: Vec<Person>,
    pub members: Vec<Person>,
}

impl TeamOut {
    pub fn new(t: TeamRow, people: Vec<MemberRow>) -> Self {
        let (leads, members): (Vec<_>, Vec<_>) = people.into_iter().partition(|m| m.role == "lead");
        let person = |m: MemberRow| Person {
            user_id: m.user_id,
            name: m.display_name,
        };
        TeamOut {
            name: t.name,
            channel: t.channel_id,
            parent: t.parent_name,
            leads: leads.into_iter().map(person).collect(),
            members: members.into_iter().map(person).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CycleOut {
    pub id: i64,
    pub team: String,
    /// The check-in time this cycle belongs to, in the team's zone.
    pub slot: String,
    /// `open` or `closed`.
    #[schema(example = "closed")]
    pub state: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Owners asked.
    pub asked: i64,
    /// Owners asked who were away.
    pub away: i64,
    /// Owners who answered before it closed.
    pub answered: i64,
    /// How the focus question was answered; `null` when nobody answered it.
    pub focus: Option<FocusOut>,
}

/// A cycle's answers to the focus question (late ones included).
#[derive(Debug, Serialize, ToSchema)]
pub struct FocusOut {
    /// How many said *Most* of their week went to the priorities.
    pub most: i64,
    /// How many said *About half*.
    pub half: i64,
    pub little: i64,
    pub none: i64,
    /// The team's level: the mean of the answers, rounded to the nearest level, a half down.
    #[schema(example = "half")]
    pub level: String,
}

impl FocusOut {
    fn of(c: &CycleRecord) -> Option<FocusOut> {
        use crate::domain::focus::{FocusLevel, team_level};
        let counts = [
            (FocusLevel::Most, c.focus_most),
            (FocusLevel::Half, c.focus_half),
            (FocusLevel::Little, c.focus_little),
            (FocusLevel::None, c.focus_none),
        ];
        let answers: Vec<FocusLevel> = counts
            .iter()
            .flat_map(|(level, n)| std::iter::repeat_n(*level, (*n).max(0) as usize))
            .collect();
        let level = team_level(&answers)?;
        Some(FocusOut {
            most: c.focus_most,
            half: c.focus_half,
            little: c.focus_little,
            none: c.focus_none,
            level: level.as_str().to_string(),
        })
    }
}

impl From<CycleRecord> for CycleOut {
    fn from(c: CycleRecord) -> Self {
        let focus = FocusOut::of(&c);
        CycleOut {
            id: c.id,
            team: c.team_name,
            slot: c.slot,
            state: c.state,
            opens_at: ts(c.opens_at),
            closes_at: ts(c.closes_at),
            closed_at: c.closed_at.map(ts),
            focus,
            asked: c.asked,
            away: c.away,
            answered: c.answered,
        }
    }
}

/// A status update: an answer to a check-in (`cycle` set) or a `status` command.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckinOut {
    pub id: i64,
    pub priority: i64,
    pub title: String,
    pub team: String,
    pub author: Person,
    #[schema(example = "on-track")]
    pub status: String,
    #[schema(minimum = 0, maximum = 100)]
    pub progress: i64,
    pub note: Option<String>,
    pub blocker: Option<String>,
    /// The cycle it answered, if it answered one.
    pub cycle: Option<i64>,
    /// Given after its cycle closed.
    pub late: bool,
    pub recorded_at: DateTime<Utc>,
}

impl From<CheckinRecord> for CheckinOut {
    fn from(u: CheckinRecord) -> Self {
        CheckinOut {
            id: u.id,
            priority: u.priority_number,
            title: u.priority_title,
            team: u.team_name,
            author: Person {
                user_id: u.author_user_id,
                name: u.author_name,
            },
            status: u.status,
            progress: u.progress,
            note: u.note,
            blocker: u.blocker,
            cycle: u.cycle_id,
            late: u.late != 0,
            recorded_at: ts(u.created_at),
        }
    }
}

/// What a decision asks of someone: who, by when, and when they were done.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpOut {
    pub owner: Person,
    pub due: Option<NaiveDate>,
    /// When `decide done` marked it done; null while it is open.
    pub done_at: Option<DateTime<Utc>>,
}

/// A decision taken about a priority, with its follow-up if it has one.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionOut {
    pub id: i64,
    /// The number of the priority decided on.
    pub priority: i64,
    pub title: String,
    /// The priority's team.
    pub team: String,
    pub text: String,
    pub decided_by: Person,
    pub decided_at: DateTime<Utc>,
    pub follow_up: Option<FollowUpOut>,
}

impl From<DecisionRecord> for DecisionOut {
    fn from(d: DecisionRecord) -> Self {
        let follow_up = match (d.owner_user_id, d.owner_name) {
            (Some(user_id), Some(name)) => Some(FollowUpOut {
                owner: Person { user_id, name },
                due: d
                    .due_date
                    .and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()),
                done_at: d.done_at.map(ts),
            }),
            _ => None,
        };
        DecisionOut {
            id: d.id,
            priority: d.priority_number,
            title: d.priority_title,
            team: d.team_name,
            text: d.text,
            decided_by: Person {
                user_id: d.decided_by_user_id,
                name: d.decided_by_name,
            },
            decided_at: ts(d.decided_at),
            follow_up,
        }
    }
}

/// A priority put before its team's parent team, by a person or by itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct RaisedOut {
    pub id: i64,
    /// The number of the priority raised.
    pub priority: i64,
    pub title: String,
    /// The priority's team (as it stands now).
    pub from_team: String,
    /// The team it was raised to, whose leads own it until a decision closes it.
    pub to_team: String,
    /// Who raised it; null when it raised itself after two bad cycles.
    pub raised_by: Option<Person>,
    /// `manual` (raised by a person), `off-track` or `blocking` (raised by itself).
    #[schema(example = "manual")]
    pub reason_kind: String,
    pub why: String,
    /// `open` or `closed`.
    #[schema(example = "open")]
    pub state: &'static str,
    pub raised_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The id of the decision that closed it.
    pub closed_by_decision: Option<i64>,
}

impl From<RaisedRecord> for RaisedOut {
    fn from(r: RaisedRecord) -> Self {
        let raised_by = match (r.raised_by_user_id, r.raised_by_name) {
            (Some(user_id), Some(name)) => Some(Person { user_id, name }),
            _ => None,
        };
        RaisedOut {
            id: r.id,
            priority: r.priority_number,
            title: r.priority_title,
            from_team: r.from_team,
            to_team: r.to_team,
            raised_by,
            reason_kind: r.kind,
            why: r.why,
            state: if r.closed_at.is_some() {
                "closed"
            } else {
                "open"
            },
            raised_at: ts(r.raised_at),
            closed_at: r.closed_at.map(ts),
            closed_by_decision: r.closed_by_decision_id,
        }
    }
}

/// One page of a list; pass `next_cursor` as `cursor` for the next, until it is null.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
