//! `checkin` (my current prompt, now) and `away` (pause my prompts and reminders).

use super::execute::{CommandError, Invocation, Outcome};
use super::render::next_steps;
use crate::commands::execute::{Services, resolve_person};
use crate::domain::{DueDate, UserRef};
use crate::message::{Block, Message, Rich, Visibility};
use crate::rhythm::checkin::current_prompt;
use crate::store::PersonRow;

pub async fn checkin(s: &Services<'_>, inv: &Invocation) -> Outcome {
    let cycles = s
        .store
        .open_cycles_of_person(inv.ws(), inv.caller.id)
        .await?;
    let Some(cycle) = cycles.first() else {
        if let Some(coming) =
            crate::rhythm::ahead::next_coming(s.store, inv.ws(), &inv.caller, inv.now).await?
        {
            return Ok(crate::rhythm::ahead::prompt(
                s.store,
                inv.ws(),
                &inv.caller,
                &coming,
                inv.now,
            )
            .await?);
        }
        return Ok(Message::private(vec![
            Block::Text(Rich::new().text(
                "No check-in is open for you right now: none of your teams' cycles is asking about your priorities.",
            )),
            next_steps(inv.prefix, &["list mine", "status #N on-track 50% note"]),
        ]));
    };
    let mut message = current_prompt(s.store, inv.ws(), cycle, &inv.caller, inv.now, false).await?;
    message.visibility = Visibility::Private;
    if cycles.len() > 1 {
        message.blocks.push(Block::Context(Rich::new().text(format!(
            "{} more check-ins are open for you; answer this one and run the command again.",
            cycles.len() - 1
        ))));
    }
    Ok(message)
}

pub async fn away(
    s: &Services<'_>,
    inv: &Invocation,
    from: DueDate,
    to: DueDate,
    acting: Option<UserRef>,
) -> Outcome {
    let today = inv.today();
    let (from, to) = (from.resolve(today), to.resolve(today));
    if to < from {
        return Err(CommandError::Invalid {
            problem: format!("the away period ends ({to}) before it starts ({from})"),
            example: "away 2026-12-20 2027-01-04".into(),
        });
    }
    if to < today {
        return Err(CommandError::Invalid {
            problem: format!("that period ended on {to}; give dates from today on"),
            example: "away +1d +2w".into(),
        });
    }
    if (to - from).num_days() >= MAX_AWAY_DAYS {
        return Err(CommandError::Invalid {
            problem: format!(
                "an away period is at most {MAX_AWAY_DAYS} days; {from} to {to} is longer"
            ),
            example: "away 2026-12-20 2027-01-04".into(),
        });
    }
    let acting = match &acting {
        Some(u) => Some(acting_person(s, inv, u).await?),
        None => None,
    };
    s.store
        .set_away(
            inv.ws(),
            inv.caller.id,
            (&from.to_string(), &to.to_string()),
            acting.as_ref().map(|a| a.id),
            inv.ts(),
        )
        .await?;
    let fmt = |d: chrono::NaiveDate| d.format("%a %-d %b %Y").to_string();
    let text = match &acting {
        None => format!(
            "You're away from {} to {} (both days included): no check-in prompts or reminders for you until then, and missed cycles won't count as silence.",
            fmt(from),
            fmt(to)
        ),
        Some(a) => format!(
            "You're away from {} to {} (both days included). {} gets your check-in prompts meanwhile and answers on your behalf (they are told now); a cycle they leave unanswered counts against them, not you.",
            fmt(from),
            fmt(to),
            a.display_name
        ),
    };
    Ok(Message::private(vec![
        Block::Text(Rich::new().text(text)),
        next_steps(inv.prefix, &["away off"]),
    ]))
}

/// The longest away period, in days: a year covers any leave; more is a typo.
const MAX_AWAY_DAYS: i64 = 366;

/// Who `acting:` names: someone else, whom the platform knows in this workspace (a forged or
/// foreign user id is refused rather than recorded as a new person).
async fn acting_person(
    s: &Services<'_>,
    inv: &Invocation,
    user: &UserRef,
) -> Result<PersonRow, CommandError> {
    if let UserRef::Id { id, .. } = user
        && s.store.person_by_user_id(inv.ws(), id).await?.is_none()
        && s.directory.profile(id).await.is_none()
    {
        return Err(CommandError::NoSuchPerson(user.to_string()));
    }
    let person = resolve_person(s, inv, user).await?;
    if person.id == inv.caller.id {
        return Err(CommandError::Invalid {
            problem: "you can't act for yourself; name someone who answers while you're away"
                .into(),
            example: "away 2026-12-20 2027-01-04 acting:@ben".into(),
        });
    }
    Ok(person)
}

pub async fn away_off(s: &Services<'_>, inv: &Invocation) -> Outcome {
    let had = s
        .store
        .clear_away(inv.ws(), inv.caller.id, inv.ts())
        .await?;
    let text = if had {
        "Welcome back: your check-in prompts and reminders are on again."
    } else {
        "You weren't marked away; nothing changed."
    };
    Ok(Message::private(vec![
        Block::Text(Rich::new().text(text)),
        next_steps(inv.prefix, &["checkin"]),
    ]))
}

/// How many of the away owner's priorities the acting notice lists.
const ACTING_LINES: usize = 10;

/// The direct message telling `acting` that they act for `owner` from `from` to `to` (both
/// included), with the owner's active priorities; or, `ended`, that they no longer do.
pub fn acting_notice(
    owner: &PersonRow,
    (from, to): (&str, &str),
    priorities: &[crate::domain::Priority],
    ended: bool,
    prefix: &str,
) -> Message {
    let name = &owner.display_name;
    let day = |d: &str| {
        d.parse::<chrono::NaiveDate>()
            .map(|d| d.format("%a %-d %b %Y").to_string())
            .unwrap_or_else(|_| d.to_string())
    };
    let (from, to) = (day(from), day(to));
    if ended {
        return Message {
            blocks: vec![
                Block::Text(Rich::new().user(&owner.user_id, name).text(format!(
                    " changed their away period of {from} to {to}: you no longer act for them, so their check-in prompts no longer come to you and you no longer answer for them."
                ))),
                next_steps(prefix, &["list mine"]),
            ],
            visibility: Visibility::Shared,
        };
    }
    let mut blocks = vec![Block::Text(
        Rich::new().user(&owner.user_id, name).text(format!(
            " is away from {from} to {to} (both days included) and named you acting owner. Their check-in prompts come to you meanwhile, each priority marked \"for {name}, who is away\"; your answers are recorded on their behalf, and a cycle you leave unanswered counts against you, not them."
        )),
    )];
    if !priorities.is_empty() {
        let mut list = Rich::new().bold("Their priorities");
        for p in priorities.iter().take(ACTING_LINES) {
            list = list
                .line_break()
                .text("• ")
                .priority(p.number)
                .text(" ")
                .bold(&p.title)
                .text(format!(" ({})", p.team_name));
        }
        if priorities.len() > ACTING_LINES {
            list = list
                .line_break()
                .italic(format!("…and {} more", priorities.len() - ACTING_LINES));
        }
        blocks.push(Block::Text(list));
    }
    let first = priorities.first().map(|p| format!("show {}", p.number));
    let steps: Vec<&str> = first.as_deref().into_iter().chain(["checkin"]).collect();
    blocks.push(next_steps(prefix, &steps));
    Message {
        blocks,
        visibility: Visibility::Shared,
    }
}
