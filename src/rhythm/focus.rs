//! The focus question at the end of a check-in prompt: "How much of your week went to these
//! priorities?" with *Most*, *About half*, *Little*, *None*, and *Focus…*, a small form with
//! the level and an optional word on what took the rest. Buttons carry the cycle id; an
//! answer is recorded only for someone asked in that cycle of this workspace, on a team whose
//! rhythm asks the question.

use chrono::{DateTime, Utc};

use crate::domain::focus::{FocusLevel, REST_MAX, rest_word};
use crate::message::{Block, Button, ButtonStyle, Field, FieldKind, Form, Rich};
use crate::store::{CycleRow, FocusAnswer, FocusRecorded, PersonRow, Store, StoreError};

/// Every focus action starts with this (inside the check-in's `checkin:` so every platform
/// routes it like a check-in button): `checkin:focus-most` … `checkin:focus-none`.
pub const ACTION_PREFIX: &str = "checkin:focus";
/// The *Focus…* button, which opens the form.
pub const ACTION_FORM: &str = "checkin:focus";
/// What the form sends back when submitted.
pub const ACTION_ANSWERED: &str = "checkin:focus-answered";

pub const QUESTION: &str = "How much of your week went to these priorities?";

fn level_action(level: FocusLevel) -> String {
    format!("{ACTION_PREFIX}-{}", level.as_str())
}

/// The level a button names, if it is one of the four.
pub fn level_of_action(action: &str) -> Option<FocusLevel> {
    action
        .strip_prefix(ACTION_PREFIX)?
        .strip_prefix('-')?
        .parse()
        .ok()
        .filter(|l: &FocusLevel| level_action(*l) == action)
}

/// A cycle id as a button carries it; anything else is forged or foreign.
pub fn parse_value(v: &str) -> Option<i64> {
    if v.is_empty() || v.len() > 18 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok().filter(|n: &i64| *n > 0)
}

/// The question's blocks for a prompt: the question, the answer recorded (if any), and the
/// buttons.
pub fn blocks(cycle_id: i64, answer: Option<&FocusAnswer>) -> Vec<Block> {
    let mut line = Rich::new().bold(QUESTION).line_break();
    let recorded = answer.and_then(|a| FocusLevel::from_value(a.level).map(|l| (l, a)));
    match recorded {
        Some((level, a)) => {
            line = line.text(format!("✔ Recorded: {}", level.label()));
            if let Some(rest) = &a.rest {
                line = line.text(" · the rest went to ").italic(rest);
            }
            if a.late == 1 {
                line = line.text(" (late)");
            }
        }
        None => {
            line = line.text("One click; add what took the rest with Focus… if you like.");
        }
    }
    let value = cycle_id.to_string();
    let mut buttons: Vec<Button> = FocusLevel::ALL
        .iter()
        .map(|l| Button {
            label: l.label().to_string(),
            action: level_action(*l),
            value: value.clone(),
            style: if recorded.is_some_and(|(r, _)| r == *l) {
                ButtonStyle::Primary
            } else {
                ButtonStyle::Default
            },
            current: None,
            form: None,
        })
        .collect();
    buttons.push(Button {
        label: "Focus…".into(),
        action: ACTION_FORM.into(),
        value: value.clone(),
        style: ButtonStyle::Default,
        current: None,
        form: Some(Box::new(form(&value))),
    });
    vec![Block::Text(line), Block::Actions(buttons)]
}

/// The form: the level, and what took the rest of the week.
pub fn form(value: &str) -> Form {
    Form {
        title: "Focus".into(),
        about: QUESTION.into(),
        fields: vec![
            Field {
                id: "level",
                label: "Most, about half, little or none".into(),
                kind: FieldKind::Text {
                    multiline: false,
                    max: 20,
                },
                required: true,
                hint: Some("most, half, little or none".into()),
            },
            Field {
                id: "rest",
                label: "What took the rest (optional)".into(),
                kind: FieldKind::Text {
                    multiline: false,
                    max: REST_MAX as u32,
                },
                required: false,
                hint: Some("A word or two, like firefighting".into()),
            },
        ],
        submit: "Save focus".into(),
        action: ACTION_ANSWERED.into(),
        value: value.into(),
    }
}

/// A form's mistakes, by field id.
pub type Problems = Vec<(&'static str, String)>;

/// The form's fields checked the same way everywhere: the level and what took the rest.
pub fn read_form(fields: &[(String, String)]) -> Result<(FocusLevel, Option<String>), Problems> {
    let field = |id: &str| {
        fields
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let mut problems = Vec::new();
    let level = match field("level").trim() {
        "" => {
            problems.push(("level", "Say most, half, little or none.".to_string()));
            None
        }
        text => match text.parse::<FocusLevel>() {
            Ok(l) => Some(l),
            Err(_) => {
                problems.push(("level", "Say most, half, little or none.".to_string()));
                None
            }
        },
    };
    let rest = match rest_word(field("rest")) {
        Ok(r) => r,
        Err(why) => {
            problems.push(("rest", why));
            None
        }
    };
    match level {
        Some(l) if problems.is_empty() => Ok((l, rest)),
        _ => Err(problems),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FocusError {
    #[error("This focus question does not belong to this workspace")]
    Foreign,
    #[error("You were not asked in this check-in")]
    NotAsked,
    #[error("{0} no longer asks the focus question")]
    Off(String),
    #[error("This check-in has closed and your focus for it ({0}) was recorded already")]
    Final(FocusLevel),
    #[error("storage failed")]
    Store(#[from] StoreError),
}

impl FocusError {
    /// What to tell the person who tried: the problem and that nothing changed.
    pub fn refusal(&self) -> String {
        format!("{self}. Nothing was recorded.")
    }
}

/// Record a person's focus for a cycle after the checks a forged or foreign click must fail.
pub async fn record(
    store: &Store,
    ws: i64,
    person: &PersonRow,
    cycle_id: i64,
    (level, rest): (FocusLevel, Option<&str>),
    now: DateTime<Utc>,
) -> Result<CycleRow, FocusError> {
    let cycle = store
        .cycle(ws, cycle_id)
        .await?
        .ok_or(FocusError::Foreign)?;
    if !store.was_asked(ws, cycle.id, person.id).await? {
        return Err(FocusError::NotAsked);
    }
    if !store.rhythm_asks_focus(ws, cycle.team_id).await? {
        let team = store
            .team(ws, cycle.team_id)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        return Err(FocusError::Off(team));
    }
    let recorded = store
        .record_focus(
            ws,
            (cycle.id, person.id),
            (level.value(), rest),
            cycle.is_open(),
            now.timestamp(),
        )
        .await?;
    match recorded {
        FocusRecorded::Recorded => Ok(cycle),
        FocusRecorded::Final(a) => Err(FocusError::Final(
            FocusLevel::from_value(a.level).unwrap_or(FocusLevel::None),
        )),
    }
}

/// The question's blocks for a person's prompt in a cycle, when their team asks it.
pub async fn prompt_blocks(
    store: &Store,
    ws: i64,
    cycle: &CycleRow,
    person_id: i64,
) -> Result<Vec<Block>, StoreError> {
    if !store.rhythm_asks_focus(ws, cycle.team_id).await? {
        return Ok(Vec::new());
    }
    let answer = store.focus_answer(ws, cycle.id, person_id).await?;
    Ok(blocks(cycle.id, answer.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_values_round_trip_and_reject_forgeries() {
        for l in FocusLevel::ALL {
            assert_eq!(level_of_action(&level_action(l)), Some(l));
        }
        for bad in [
            "checkin:focus",
            "checkin:focus-",
            "checkin:focus-maybe",
            "checkin:focus-about half",
            "checkin:focus-MOST",
            "checkin:focusmost",
            "checkin:on-track",
        ] {
            assert_eq!(level_of_action(bad), None, "{bad}");
        }
        assert_eq!(parse_value("12"), Some(12));
        for bad in ["", "0", "-1", "1:2", "a", "+3", "99999999999999999999"] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_form_is_read_with_its_problems_by_field() {
        let f = |level: &str, rest: &str| {
            read_form(&[
                ("level".to_string(), level.to_string()),
                ("rest".to_string(), rest.to_string()),
            ])
        };
        assert_eq!(
            f(" About half ", " support "),
            Ok((FocusLevel::Half, Some("support".into())))
        );
        assert_eq!(f("none", ""), Ok((FocusLevel::None, None)));
        let problems = f("maybe", &"x".repeat(101)).unwrap_err();
        assert_eq!(
            problems.iter().map(|p| p.0).collect::<Vec<_>>(),
            ["level", "rest"]
        );
        assert_eq!(read_form(&[]).unwrap_err()[0].0, "level");
    }

    #[test]
    fn the_prompt_shows_the_answer_recorded() {
        let answer = FocusAnswer {
            level: 1,
            rest: Some("firefighting".into()),
            late: 0,
        };
        let blocks = blocks(7, Some(&answer));
        let Block::Text(line) = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(
            line.plain(),
            format!("{QUESTION}\n✔ Recorded: Little · the rest went to firefighting")
        );
        let Block::Actions(buttons) = &blocks[1] else {
            panic!("{blocks:?}")
        };
        let labels: Vec<_> = buttons.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["Most", "About half", "Little", "None", "Focus…"]);
        assert!(buttons.iter().all(|b| b.value == "7"));
        assert_eq!(buttons[2].style, ButtonStyle::Primary);
        assert_eq!(buttons[0].style, ButtonStyle::Default);
    }
}
