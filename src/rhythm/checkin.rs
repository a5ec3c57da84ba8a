//! Recording an answer to a prompt (a button or the form), with the checks a forged or foreign
//! click must fail: the cycle and priority belong to this workspace, the priority is in that
//! cycle, and the person answering is the one who was asked.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::prompt::{self, PromptContext};
use crate::domain::{Priority, Progress, Status};
use crate::message::Message;
use crate::messenger::{Messenger, Sent};
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
    #[error("everything listed under “All still on track” is already answered")]
    NothingLeft,
    #[error("{0}")]
    NotAhead(String),
    #[error("storage failed")]
    Store(#[from] StoreError),
}

impl CheckinError {
    /// What to tell the person who tried: the problem and that nothing changed.
    pub fn refusal(&self) -> String {
        let text = self.to_string();
        let mut c = text.chars();
        let capitalised = c
            .next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default();
        format!("{capitalised}. Nothing was recorded.")
    }
}

/// The check-in form's fields as a platform received them (Slack's modal, Teams' card, the
/// sandbox's dialog), before checking.
#[derive(Debug, Default, Clone, Copy)]
pub struct FormInput<'a> {
    pub status: Option<&'a str>,
    pub progress: Option<&'a str>,
    pub note: Option<&'a str>,
    pub blocker: Option<&'a str>,
}

pub const NOTE_MAX: usize = 2000;
pub const BLOCKER_MAX: usize = 500;

/// Check the form the same way on every platform: a status, a whole-number progress from 0 to
/// 100 (`40`, `40%`, or `40.0` as number inputs send it), a note and a blocker within their
/// lengths. The problems come back by field name (`status`, `progress`, `note`, `blocker`).
pub fn read_form(input: FormInput<'_>) -> Result<Answer, Vec<(&'static str, &'static str)>> {
    let status = input
        .status
        .map(str::trim)
        .and_then(|s| s.parse::<Status>().ok());
    let progress = input
        .progress
        .map(|p| p.trim().trim_end_matches('%').trim())
        .and_then(|p| {
            p.parse::<i64>().ok().or_else(|| {
                p.parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e6)
                    .map(|f| f as i64)
            })
        })
        .and_then(|p| Progress::new(p).ok());
    let text = |t: Option<&str>| {
        t.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (note, blocker) = (text(input.note), text(input.blocker));
    let mut problems = Vec::new();
    if status.is_none() {
        problems.push(("status", "Choose a status."));
    }
    if progress.is_none() {
        problems.push(("progress", "Use a whole number from 0 to 100, like 40."));
    }
    if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
        problems.push(("note", "Keep the note under 2,000 characters."));
    }
    if blocker
        .as_ref()
        .is_some_and(|b| b.chars().count() > BLOCKER_MAX)
    {
        problems.push(("blocker", "Keep the blocker under 500 characters."));
    }
    match (status, progress) {
        (Some(status), Some(progress)) if problems.is_empty() => Ok(Answer::Form {
            status,
            progress,
            note,
            blocker,
        }),
        _ => Err(problems),
    }
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
    check_asked(store, ws, person, cycle_id, priority_id).await?;
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
    // A late answer to a posted digest queues its update in the same transaction.
    let priority = store
        .record_update(ws, &current, &input, person.id, now.timestamp())
        .await?;
    Ok(Recorded {
        cycle,
        priority,
        late,
    })
}

/// *All still on track* (`ask:changed`), clicked by `person` on the prompt of `owner_id` in
/// `cycle_id`: each listed priority not yet answered is recorded unchanged, by the owner, in
/// one transaction. After the cycle closed the answers are recorded late, like any other.
/// Refused for another workspace's cycle, someone else's prompt, or when nothing is left to
/// record (a replay).
pub async fn record_unchanged(
    store: &Store,
    ws: i64,
    person: &PersonRow,
    cycle_id: i64,
    owner_id: i64,
    now: DateTime<Utc>,
) -> Result<(CycleRow, Vec<i64>), CheckinError> {
    let cycle = store
        .cycle(ws, cycle_id)
        .await?
        .ok_or(CheckinError::Foreign)?;
    if !store.is_cycle_owner(ws, cycle_id, owner_id).await? {
        return Err(CheckinError::Foreign);
    }
    if owner_id != person.id {
        let name = store
            .person(ws, owner_id)
            .await?
            .map(|p| p.display_name)
            .unwrap_or_default();
        return Err(CheckinError::NotYours(name));
    }
    let late = !cycle.is_open();
    let recorded = store
        .record_unchanged(ws, cycle_id, person.id, late, now.timestamp())
        .await?;
    if recorded.is_empty() {
        return Err(CheckinError::NothingLeft);
    }
    Ok((cycle, recorded))
}

/// Only the person asked about a priority in a check-in may answer it (or open its form): the
/// cycle and priority belong to this workspace, the priority is in that cycle, and it is
/// `person`'s.
pub async fn check_asked(
    store: &Store,
    ws: i64,
    person: &PersonRow,
    cycle_id: i64,
    priority_id: i64,
) -> Result<(), CheckinError> {
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
    Ok(())
}

/// After an answer given in words, show it in the person's open prompts too, as a click would.
/// Best effort: a prompt that cannot be updated stays as it was.
pub async fn refresh_open_prompts(
    store: &Store,
    messenger: &dyn Messenger,
    workspace_key: &str,
    ws: i64,
    person: &PersonRow,
    now: DateTime<Utc>,
) {
    let Ok(cycles) = store.open_cycles_of_person(ws, person.id).await else {
        return;
    };
    for cycle in cycles {
        let (Ok(Some(prompt)), Ok(message)) = (
            store.prompt(ws, cycle.id, person.id).await,
            current_prompt(store, ws, &cycle, person, now, false).await,
        ) else {
            continue;
        };
        let sent = Sent {
            channel: prompt.channel,
            ts: prompt.ts,
        };
        if let Err(e) = messenger.update(workspace_key, &sent, &message).await {
            tracing::warn!(error = %e, "could not refresh a prompt after a text answer");
        }
    }
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
    let mut message = prompt::prompt(
        &PromptContext {
            team: &team,
            person_name: &person.display_name,
            cycle_id: cycle.id,
            person_id: person.id,
            closes_at: DateTime::from_timestamp(cycle.closes_at, 0).unwrap_or(now),
            open: cycle.is_open(),
            tz,
            today: now.with_timezone(&tz).date_naive(),
            reminder,
        },
        &items,
    );
    // The focus question comes after the priorities, before the closing line.
    if !items.is_empty() {
        let focus = super::focus::prompt_blocks(store, ws, cycle, person.id).await?;
        let at = message.blocks.len().saturating_sub(1);
        message.blocks.splice(at..at, focus);
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(status: &str, progress: &str) -> Result<Answer, Vec<(&'static str, &'static str)>> {
        read_form(FormInput {
            status: Some(status),
            progress: Some(progress),
            note: Some("  waiting on legal "),
            blocker: Some(""),
        })
    }

    #[test]
    fn the_form_is_read_the_same_way_everywhere() {
        for ok in ["40", "40%", " 40 ", "40.0", "0", "100"] {
            assert!(form("at-risk", ok).is_ok(), "{ok}");
        }
        match form("off-track", "40").unwrap() {
            Answer::Form {
                status,
                progress,
                note,
                blocker,
            } => {
                assert_eq!(status, Status::OffTrack);
                assert_eq!(progress.value(), 40);
                assert_eq!(note.as_deref(), Some("waiting on legal"));
                assert_eq!(blocker, None);
            }
            other => panic!("{other:?}"),
        }
        for bad in ["140", "-1", "4.5", "lots", "", "1e9"] {
            let problems = form("at-risk", bad).unwrap_err();
            assert_eq!(
                problems,
                vec![("progress", "Use a whole number from 0 to 100, like 40.")],
                "{bad}"
            );
        }
        let problems = form("maybe", "x").unwrap_err();
        assert_eq!(
            problems.iter().map(|p| p.0).collect::<Vec<_>>(),
            ["status", "progress"]
        );
        let long = "x".repeat(NOTE_MAX + 1);
        let problems = read_form(FormInput {
            status: Some("done"),
            progress: Some("100"),
            note: Some(&long),
            blocker: None,
        })
        .unwrap_err();
        assert_eq!(problems[0].0, "note");
    }

    #[test]
    fn refusals_say_nothing_changed() {
        assert_eq!(
            CheckinError::Foreign.refusal(),
            "This check-in does not belong to this workspace. Nothing was recorded."
        );
    }
}
