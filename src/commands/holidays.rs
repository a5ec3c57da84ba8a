//! `holiday add|list|remove`: a team's days off. A check-in or digest that falls on one moves
//! to the next working day at the same local time (`domain::schedule::DaysOff`); the team's
//! open cycle closes at its digest time as the days off now stand.

use chrono::{Datelike, Duration, NaiveDate};

use super::execute::{CommandError, Invocation, Outcome, Services, actor, resolve_team};
use super::render::next_steps;
use super::rhythm::quoted;
use crate::domain::TeamName;
use crate::domain::holiday::{DayRange, HolidayName, MAX_AHEAD_DAYS, MAX_UPCOMING};
use crate::domain::permissions::Denied;
use crate::message::{Block, Message, Rich};
use crate::store::{Added, HolidayRow, NewHoliday, TeamRow};

/// "Thu 24 Dec 2026", or "Thu 24 Dec – Sat 26 Dec 2026".
pub fn days_text(days: &DayRange) -> String {
    let day = |d: NaiveDate| d.format("%a %-d %b").to_string();
    if days.first == days.last {
        format!("{} {}", day(days.first), days.first.year())
    } else if days.first.year() == days.last.year() {
        format!(
            "{} – {} {}",
            day(days.first),
            day(days.last),
            days.last.year()
        )
    } else {
        let full = |d: NaiveDate| d.format("%a %-d %b %Y").to_string();
        format!("{} – {}", full(days.first), full(days.last))
    }
}

/// Only the team's leads and admins change its days off, as its rhythm.
async fn managed_team(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamName,
) -> Result<TeamRow, CommandError> {
    let team = resolve_team(s, inv, team).await?;
    if !actor(s, inv).await?.may_manage_team(team.id) {
        return Err(CommandError::Denied(Denied::NotTeamLead {
            team: team.name,
            what: "holidays",
        }));
    }
    Ok(team)
}

fn invalid(problem: String, example: String) -> CommandError {
    CommandError::Invalid { problem, example }
}

/// `holiday add <team> <days> "<name>"`.
pub async fn add(
    s: &Services<'_>,
    inv: &Invocation,
    team: TeamName,
    days: DayRange,
    name: HolidayName,
) -> Outcome {
    let team = managed_team(s, inv, &team).await?;
    let arg = quoted(&team.name);
    let today = inv.today();
    if days.last < today {
        return Err(invalid(
            format!("{days} is in the past; a holiday is for days ahead"),
            format!("holiday add {arg} {} \"{name}\"", today + Duration::days(7)),
        ));
    }
    if days.first > today + Duration::days(MAX_AHEAD_DAYS) {
        return Err(invalid(
            format!("{days} is more than three years ahead"),
            format!("holiday list {arg}"),
        ));
    }
    let added = s
        .store
        .add_holiday(
            inv.ws(),
            &NewHoliday {
                team_id: team.id,
                days,
                name: &name,
                by: Some(inv.caller.id),
            },
            today,
            inv.ts(),
        )
        .await?;
    match added {
        Added::Added => {}
        Added::AlreadyThere(h) => {
            return Err(invalid(
                format!("{} is already off on {days} ({})", team.name, h.name),
                format!("holiday list {arg}"),
            ));
        }
        Added::Overlaps(h) => {
            let theirs = h.range().map(|r| r.to_string()).unwrap_or_default();
            return Err(invalid(
                format!(
                    "{days} overlaps {}'s holiday {} on {theirs}; remove that one first, or add only the days it does not cover",
                    team.name, h.name
                ),
                format!("holiday remove {arg} {theirs}"),
            ));
        }
        Added::TooMany => {
            return Err(invalid(
                format!(
                    "{} already has {MAX_UPCOMING} holidays ahead; remove some first",
                    team.name
                ),
                format!("holiday list {arg}"),
            ));
        }
    }
    crate::rhythm::replan_closes(s.store, inv.ws(), team.id, inv.now).await?;
    Ok(Message::private(vec![
        Block::Text(
            Rich::new()
                .bold(&team.name)
                .text(format!(" is off on {}: ", days_text(&days)))
                .text(name.as_str())
                .text(". A check-in or digest due on those days comes on the next working day, at the same local time."),
        ),
        next_steps(
            inv.prefix,
            &[&format!("rhythm {arg}"), &format!("holiday list {arg}")],
        ),
    ]))
}

/// `holiday list <team>`: the days off that have not ended yet (anyone may look).
pub async fn list(s: &Services<'_>, inv: &Invocation, team: TeamName) -> Outcome {
    let team = resolve_team(s, inv, &team).await?;
    let arg = quoted(&team.name);
    let rows = s.store.holidays(inv.ws(), team.id, inv.today()).await?;
    let mut blocks = vec![Block::Header(format!("Holidays of {}", team.name))];
    if rows.is_empty() {
        blocks.push(Block::Text(
            Rich::new().text(format!("{} has no days off ahead.", team.name)),
        ));
    } else {
        let lines: Vec<Rich> = rows.iter().filter_map(holiday_line).collect();
        blocks.extend(crate::message::chunked_lines(lines, 40));
    }
    blocks.push(next_steps(
        inv.prefix,
        &[
            &format!("holiday add {arg} 2026-12-24..2026-12-26 \"Christmas\""),
            &format!("rhythm {arg}"),
        ],
    ));
    Ok(Message::private(blocks))
}

fn holiday_line(h: &HolidayRow) -> Option<Rich> {
    let days = h.range()?;
    Some(
        Rich::new()
            .text(format!("{} · ", days_text(&days)))
            .bold(&h.name)
            .text(format!(" ({days})")),
    )
}

/// `holiday remove <team> <date>`: the holiday covering that date.
pub async fn remove(s: &Services<'_>, inv: &Invocation, team: TeamName, day: NaiveDate) -> Outcome {
    let team = managed_team(s, inv, &team).await?;
    let arg = quoted(&team.name);
    let Some(removed) = s.store.remove_holiday(inv.ws(), team.id, day).await? else {
        return Err(invalid(
            format!("{} has no holiday on {day}", team.name),
            format!("holiday list {arg}"),
        ));
    };
    crate::rhythm::replan_closes(s.store, inv.ws(), team.id, inv.now).await?;
    let days = removed
        .range()
        .map(|r| days_text(&r))
        .unwrap_or_else(|| day.to_string());
    Ok(Message::private(vec![
        Block::Text(
            Rich::new()
                .text("Removed ")
                .bold(&removed.name)
                .text(format!(
                    " ({days}): {} checks in and gets its digest on those days as scheduled.",
                    team.name
                )),
        ),
        next_steps(inv.prefix, &[&format!("holiday list {arg}")]),
    ]))
}
