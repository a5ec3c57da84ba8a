//! Recording an answer to a prompt (a button or the form), with the checks a forged or foreign
//! click must fail: the cycle and priority belong to this workspace, the priority is in that
//! cycle, and the person answering is the one who was asked.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::prompt::{self, PromptContext};
use crate::domain::{Priority, Progress, Status};
use crate::message::Message;
use crate::store::{CycleRow, PersonRow, Store, StoreError, UpdateInput};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Status(Status),
    Form {
        status: Status,
        progress: Progress,
        note: Option<String>,
        blocker: Option<String>,
    },
}

#[derive(Debug)]
pub struct Recorded {
    pub cycle: CycleRow,
    pub priority: Priority,
    pub late: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckinError {
    #[error("this check-in does not belong to this workspace")]
    Foreign,
    #[error("this check-in is for @{0}; only they can answer it")]
    NotYours(String),
    #[error("storage failed")]
    Store(#[from] StoreError),
}

pub async fn record(
    store: &Store,
    ws: i64,
    person: &PersonRow,
    cycle_id: i64,
    priority_id: i64,
    answer: &Answer,
    now: DateTime<Utc>,
) -> Result<Recorded, CheckinError> {
    let cycle = store
        .cycle(ws, cycle_id)
        .await?
        .ok_or(CheckinError::Foreign)?;
    let owner = store
        .cycle_priority_owner(ws, cycle_id, priority_id)
        .await?
        .ok_or(CheckinError::Foreign)?;
    if owner != person.id {
        let name = store
            .person(ws, owner)
            .await?
            .map(|p| p.display_name)
            .unwrap_or_default();
        return Err(CheckinError::NotYours(name));
    }
    let current = store
        .priority_by_id(ws, priority_id)
        .await?
        .ok_or(CheckinError::Foreign)?;
    let late = !cycle.is_open();
    let (status, progress, note, blocker) = match answer {
        Answer::Status(s) => {
            let progress = if *s == Status::Done {
                Progress::DONE
            } else {
                current.progress
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
    let input = UpdateInput {
        status,
        progress,
        note,
        blocker,
        cycle_id: Some(cycle.id),
        late,
    };
    let priority = store
        .record_update(ws, &current, &input, person.id, now.timestamp())
        .await?;
    Ok(Recorded {
        cycle,
        priority,
        late,
    })
}

/// The prompt as it stands now for a person in a cycle (after answers, or for `/pacer checkin`).
pub async fn current_prompt(
    store: &Store,
    ws: i64,
    cycle: &CycleRow,
    person: &PersonRow,
    now: DateTime<Utc>,
    reminder: bool,
) -> Result<Message, StoreError> {
    let items = store.checkin_items(ws, cycle.id, person.id).await?;
    let team = store
        .team(ws, cycle.team_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    let tz: Tz = person
        .tz
        .as_deref()
        .and_then(|z| z.parse().ok())
        .unwrap_or(Tz::UTC);
    Ok(prompt::prompt(
        &PromptContext {
            team: &team,
            person_name: &person.display_name,
            cycle_id: cycle.id,
            closes_at: DateTime::from_timestamp(cycle.closes_at, 0).unwrap_or(now),
            open: cycle.is_open(),
            tz,
            today: now.with_timezone(&tz).date_naive(),
            reminder,
        },
        &items,
    ))
}
