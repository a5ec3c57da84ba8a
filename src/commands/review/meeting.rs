//! The review meeting in chat: the buttons on each agenda item (*Decide…*, *Assign…*, *Later*),
//! the forms the first two open, and `assign #N @someone`. A button's value names the agenda's
//! team and the item's priority (`7:42`); both are looked up in the clicker's workspace, and
//! what the clicker may do is the domain's to say ([`Actor::may_steer_agenda`]).
//!
//! [`Actor::may_steer_agenda`]: crate::domain::permissions::Actor::may_steer_agenda

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::agenda::{self, FOLLOW_UP_DAYS, View};
use crate::commands::execute::{
    CommandError, Invocation, Outcome, Services, actor, resolve_person, resolve_priority,
};
use crate::commands::parse::{NOTE_MAX, TEXT_MAX};
use crate::commands::render::next_steps;
use crate::commands::tokens::{Token, tokenize};
use crate::domain::permissions::Denied;
use crate::domain::schedule::Schedule;
use crate::domain::{DueDate, Priority, PriorityNumber, UserRef};
use crate::message::{
    Block, Button, ButtonStyle, Field, FieldKind, Form, Message, Rich, Visibility,
};
use crate::store::{NewAssignment, StoreError, TeamRow};

pub const ACTION_DECIDE: &str = "agenda:decide";
pub const ACTION_ASSIGN: &str = "agenda:assign";
pub const ACTION_LATER: &str = "agenda:later";
/// What the decision and assignment forms send back when submitted.
pub const ACTION_DECIDED: &str = "agenda:decided";
pub const ACTION_ASSIGNED: &str = "agenda:assigned";
/// Every agenda action starts with this.
pub const PREFIX: &str = "agenda:";

/// What a click or a form on an agenda item comes to.
#[derive(Debug)]
pub enum Answer {
    /// The form to open.
    Form(Form),
    /// Done: the agenda as it stands now, to show in place of the one clicked.
    Agenda(Message),
    /// The form has mistakes, by field.
    Problems(Vec<(&'static str, String)>),
    /// Nothing was done; why, for the clicker only.
    Refused(String),
}

/// The buttons under an agenda item; the forms ride along for platforms that draw them in the
/// message.
pub fn buttons(team_id: i64, priority_id: i64) -> Block {
    let value = format!("{team_id}:{priority_id}");
    let button = |label: &str, action: &str, style, form: Option<Form>| Button {
        label: label.into(),
        action: action.into(),
        value: value.clone(),
        style,
        current: None,
        form: form.map(Box::new),
    };
    Block::Actions(vec![
        button(
            "Decide…",
            ACTION_DECIDE,
            ButtonStyle::Primary,
            Some(decide_form(&value, None)),
        ),
        button(
            "Assign…",
            ACTION_ASSIGN,
            ButtonStyle::Default,
            Some(assign_form(&value, None)),
        ),
        button("Later", ACTION_LATER, ButtonStyle::Default, None),
    ])
}

fn decide_form(value: &str, p: Option<&Priority>) -> Form {
    Form {
        title: "Decide".into(),
        about: p.map(about).unwrap_or_default(),
        fields: vec![
            Field {
                id: "decision",
                label: "What was decided".into(),
                kind: FieldKind::Text {
                    multiline: true,
                    max: TEXT_MAX as u32,
                },
                required: true,
                hint: None,
            },
            Field {
                id: "owner",
                label: "Follow-up owner (optional)".into(),
                kind: FieldKind::Person,
                required: false,
                hint: Some("Who does what was decided".into()),
            },
            Field {
                id: "due",
                label: "Follow-up due (optional)".into(),
                kind: FieldKind::Date,
                required: false,
                hint: None,
            },
        ],
        submit: "Record decision".into(),
        action: ACTION_DECIDED.into(),
        value: value.into(),
    }
}

fn assign_form(value: &str, p: Option<&Priority>) -> Form {
    Form {
        title: "Assign".into(),
        about: p.map(about).unwrap_or_default(),
        fields: vec![
            Field {
                id: "owner",
                label: "Who takes it".into(),
                kind: FieldKind::Person,
                required: true,
                hint: None,
            },
            Field {
                id: "due",
                label: "Back by (optional)".into(),
                kind: FieldKind::Date,
                required: false,
                hint: None,
            },
            Field {
                id: "note",
                label: "What to bring back (optional)".into(),
                kind: FieldKind::Text {
                    multiline: false,
                    max: NOTE_MAX as u32,
                },
                required: false,
                hint: None,
            },
        ],
        submit: "Assign".into(),
        action: ACTION_ASSIGNED.into(),
        value: value.into(),
    }
}

fn about(p: &Priority) -> String {
    format!("{} {} ({})", p.number, p.title, p.team_name)
}

/// The line of an agenda item with what the meeting did about it: a decision taken in the
/// last days (then `true`: the item needs no buttons), or who it is assigned to.
pub async fn annotate(
    view: &View<'_>,
    priority_id: i64,
    line: Rich,
) -> Result<(Rich, bool), StoreError> {
    let since = view.ts_of(Duration::days(FOLLOW_UP_DAYS - 1));
    let decided = view
        .store
        .decisions_of(view.ws, priority_id)
        .await?
        .into_iter()
        .rev()
        .find(|d| d.decided_at >= since);
    if let Some(d) = decided {
        let line = line
            .line_break()
            .text("✅ Decided by ")
            .user(&d.decided_by_user_id, &d.decided_by_name)
            .text(format!(" on {}: ", crate::store::ts_date(d.decided_at)))
            .italic(&d.text);
        return Ok((line, true));
    }
    let mut line = line;
    for a in view.store.open_assignments(view.ws, priority_id).await? {
        line = line
            .line_break()
            .text("➡️ Assigned to ")
            .user(&a.assignee_user_id, &a.assignee_name)
            .text(format!(" by {}", a.assigned_by_name));
        if let Some(due) = &a.due_date {
            line = line.text(format!(", back by {due}"));
        }
        if let Some(note) = a.note.as_deref().filter(|n| !n.is_empty()) {
            line = line.text(": ").italic(note);
        }
    }
    Ok((line, false))
}

/// The agenda's team and item a button's value names, in the caller's workspace, and whether
/// the caller may act on it.
async fn target(
    s: &Services<'_>,
    inv: &Invocation,
    value: &str,
) -> Result<Result<(TeamRow, Priority), String>, CommandError> {
    const FOREIGN: &str = "That agenda item could not be found.";
    let Some((team_id, priority_id)) = value
        .split_once(':')
        .and_then(|(t, p)| Some((t.parse::<i64>().ok()?, p.parse::<i64>().ok()?)))
    else {
        return Ok(Err(FOREIGN.into()));
    };
    let (Some(team), Some(p)) = (
        s.store.team(inv.ws(), team_id).await?,
        s.store.priority_by_id(inv.ws(), priority_id).await?,
    ) else {
        return Ok(Err(FOREIGN.into()));
    };
    let raised_to = s.store.open_raise(inv.ws(), p.id).await?.map(|r| r.team_id);
    let concerns = p.team_id == team.id
        || raised_to == Some(team.id)
        || s.store.ever_raised_to(inv.ws(), p.id, team.id).await?;
    if !concerns {
        return Ok(Err(FOREIGN.into()));
    }
    if !actor(s, inv)
        .await?
        .may_steer_agenda(team.id, p.team_id, raised_to)
    {
        let denied = Denied::NotTeamLead {
            team: team.name.clone(),
            what: "agenda",
        };
        return Ok(Err(format!("{}.", capitalised(&denied.to_string()))));
    }
    Ok(Ok((team, p)))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A click on an agenda item's button.
pub async fn click(
    s: &Services<'_>,
    inv: &Invocation,
    action: &str,
    value: &str,
) -> Result<Answer, CommandError> {
    let (team, p) = match target(s, inv, value).await? {
        Ok(found) => found,
        Err(why) => return Ok(Answer::Refused(why)),
    };
    match action {
        ACTION_DECIDE => Ok(Answer::Form(decide_form(value, Some(&p)))),
        ACTION_ASSIGN => Ok(Answer::Form(assign_form(value, Some(&p)))),
        ACTION_LATER => {
            let until = next_review(s, inv, &team).await?;
            s.store
                .defer_on_agenda(
                    inv.ws(),
                    (team.id, p.id),
                    until.timestamp(),
                    inv.caller.id,
                    inv.ts(),
                )
                .await?;
            refreshed(s, inv, &team).await
        }
        _ => Ok(Answer::Refused(
            "That button is not one of pacer's agenda buttons.".into(),
        )),
    }
}

/// When an item put off comes back: the team's next review meeting after this one, else in
/// a week.
async fn next_review(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamRow,
) -> Result<DateTime<Utc>, CommandError> {
    let week = inv.now + Duration::days(7);
    let Some(rhythm) = s.store.rhythm(inv.ws(), team.id).await? else {
        return Ok(week);
    };
    let Some(review) = rhythm
        .review_schedule
        .as_deref()
        .and_then(|r| r.parse::<Schedule>().ok())
    else {
        return Ok(week);
    };
    let home: Tz = rhythm.home_zone.parse().unwrap_or(Tz::UTC);
    // The meeting this agenda is for may be under way: put off past the one after it.
    let this = review.next_after(inv.now - Duration::hours(3), home);
    let next = this.and_then(|t| review.next_after(t, home));
    Ok(next.map(|t| t - crate::rhythm::AGENDA_LEAD).unwrap_or(week))
}

async fn refreshed(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamRow,
) -> Result<Answer, CommandError> {
    let view = View::of(s, inv);
    Ok(Answer::Agenda(
        agenda::build(&view, team, true, true).await?,
    ))
}

/// A submitted decision or assignment form.
pub async fn submit(
    s: &Services<'_>,
    inv: &Invocation,
    action: &str,
    value: &str,
    fields: &[(String, String)],
) -> Result<Answer, CommandError> {
    let (team, p) = match target(s, inv, value).await? {
        Ok(found) => found,
        Err(why) => return Ok(Answer::Refused(why)),
    };
    let field = |id: &str| {
        fields
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let owner = field("owner");
    let due = field("due");
    let mut problems = Vec::new();
    let owner = person_field(owner.as_deref(), &mut problems);
    let due = date_field(due.as_deref(), &mut problems);
    let result = match action {
        ACTION_DECIDED => {
            let text = text_field(field("decision"), TEXT_MAX, true, "decision", &mut problems);
            if due.is_some() && owner.is_none() {
                problems.push(("owner", "Name who owns the follow-up that is due.".into()));
            }
            if !problems.is_empty() {
                return Ok(Answer::Problems(problems));
            }
            super::decide(s, inv, p.number, text.unwrap_or_default(), owner, due).await
        }
        ACTION_ASSIGNED => {
            let note = text_field(field("note"), NOTE_MAX, false, "note", &mut problems);
            let Some(owner) = owner else {
                if !problems.iter().any(|(f, _)| *f == "owner") {
                    problems.push(("owner", "Name who takes it.".into()));
                }
                return Ok(Answer::Problems(problems));
            };
            if !problems.is_empty() {
                return Ok(Answer::Problems(problems));
            }
            assign_on(s, inv, &team, &p, (owner, due, note)).await
        }
        _ => {
            return Ok(Answer::Refused(
                "That form is not one of pacer's agenda forms.".into(),
            ));
        }
    };
    match result {
        Ok(_) => refreshed(s, inv, &team).await,
        Err(CommandError::NoSuchPerson(name)) => Ok(Answer::Problems(vec![(
            "owner",
            format!("I don't know anyone called @{name} here."),
        )])),
        Err(CommandError::AmbiguousPerson { name, count }) => Ok(Answer::Problems(vec![(
            "owner",
            format!("{count} people are called @{name}; pick the one you mean."),
        )])),
        Err(CommandError::Store(e)) => Err(CommandError::Store(e)),
        Err(other) => Ok(Answer::Refused(capitalised(&other.to_string()))),
    }
}

/// A person as typed (`@ben`, `Ben Ortiz`) or picked (`<@U123>`).
fn person_field(
    value: Option<&str>,
    problems: &mut Vec<(&'static str, String)>,
) -> Option<UserRef> {
    let value = value?;
    if value.starts_with("<@") {
        if let Ok(tokens) = tokenize(value)
            && let [Token::Mention(u)] = tokens.as_slice()
        {
            return Some(u.clone());
        }
        problems.push(("owner", "Pick a person.".into()));
        return None;
    }
    let name = value.trim_start_matches('@').trim();
    if name.is_empty() || name.chars().count() > 80 || name.contains(['<', '>']) {
        problems.push(("owner", "Name a person, like @ben.".into()));
        return None;
    }
    Some(UserRef::Name(name.to_string()))
}

fn date_field(value: Option<&str>, problems: &mut Vec<(&'static str, String)>) -> Option<DueDate> {
    let value = value?;
    match value.parse::<DueDate>() {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(("due", format!("{}.", capitalised(&e.to_string()))));
            None
        }
    }
}

fn text_field(
    value: Option<String>,
    max: usize,
    required: bool,
    id: &'static str,
    problems: &mut Vec<(&'static str, String)>,
) -> Option<String> {
    let text = crate::commands::tokens::decode_entities(&value.unwrap_or_default())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        if required {
            problems.push((id, "Say what was decided.".into()));
        }
        return None;
    }
    if text.chars().count() > max {
        problems.push((id, format!("Keep it under {max} characters.")));
        return None;
    }
    Some(text)
}

/// `assign #N @someone [due:<date>] ["what to bring back"]`: the item goes to someone who brings
/// it back to the review, on the agenda of the team it is raised to (else its own team's).
pub async fn assign(
    s: &Services<'_>,
    inv: &Invocation,
    n: PriorityNumber,
    (owner, due, note): (UserRef, Option<DueDate>, Option<String>),
) -> Outcome {
    let p = resolve_priority(s, inv, n).await?;
    let open = s.store.open_raise(inv.ws(), p.id).await?;
    let team_id = open.as_ref().map(|r| r.team_id).unwrap_or(p.team_id);
    let team = s
        .store
        .team(inv.ws(), team_id)
        .await?
        .ok_or(CommandError::NoSuchPriority(n))?;
    if !actor(s, inv)
        .await?
        .may_steer_agenda(team.id, p.team_id, open.map(|r| r.team_id))
    {
        return Err(CommandError::Denied(Denied::NotTeamLead {
            team: team.name,
            what: "agenda",
        }));
    }
    assign_on(s, inv, &team, &p, (owner, due, note)).await
}

async fn assign_on(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamRow,
    p: &Priority,
    (owner, due, note): (UserRef, Option<DueDate>, Option<String>),
) -> Outcome {
    let person = resolve_person(s, inv, &owner).await?;
    let due = due.map(|d| d.resolve(inv.today()));
    let new = NewAssignment {
        team_id: team.id,
        priority_id: p.id,
        assignee_id: person.id,
        assigned_by: inv.caller.id,
        note: note.as_deref(),
        due_date: due.map(|d| d.format("%Y-%m-%d").to_string()),
    };
    s.store.assign(inv.ws(), new, inv.ts()).await?;
    let mut line = Rich::new()
        .text("Assigned ")
        .priority(p.number)
        .text(" ")
        .bold(&p.title)
        .text(" to ")
        .user(&person.user_id, &person.display_name);
    if let Some(d) = due {
        line = line.text(format!(", back by {d}"));
    }
    line = line.text(format!(" (on {}'s agenda).", team.name));
    let told = if person.id == inv.caller.id {
        "It is yours; no message is sent."
    } else {
        "They will get it as a direct message."
    };
    Ok(Message::private(vec![
        Block::Text(line),
        Block::Context(Rich::new().text(told)),
        next_steps(inv.prefix, &[&format!("agenda {}", team.name)]),
    ]))
}

/// The direct message telling someone an agenda item is theirs to bring back.
pub fn assignment_notice(a: &crate::store::AssignmentRow, p: &Priority, prefix: &str) -> Message {
    let mut line = Rich::new()
        .user(&a.assigned_by_user_id, &a.assigned_by_name)
        .text(" assigned you ")
        .priority(p.number)
        .text(" ")
        .bold(&p.title)
        .text(format!(
            " ({}) from {}'s review agenda",
            p.team_name, a.team_name
        ));
    line = match &a.due_date {
        Some(d) => line.text(format!(": bring it back by {d}.")),
        None => line.text(": bring it back to the next review."),
    };
    let mut blocks = vec![Block::Text(line)];
    if let Some(note) = a.note.as_deref().filter(|n| !n.is_empty()) {
        blocks.push(Block::Context(
            Rich::new().text("What to bring back: ").italic(note),
        ));
    }
    blocks.push(next_steps(
        prefix,
        &[
            &format!("show {}", p.number),
            &format!("agenda {}", a.team_name),
        ],
    ));
    Message {
        blocks,
        visibility: Visibility::Shared,
    }
}
