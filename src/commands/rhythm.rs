//! `rhythm <team> checkin|digest|off`: when a team is prompted, reminded and digested.

use chrono_tz::Tz;

use super::execute::{CommandError, Invocation, Outcome, Services, actor, resolve_team};
use super::parse::{Remind, RhythmChange, ZoneChoice};
use super::render::next_steps;
use crate::domain::TeamName;
use crate::domain::permissions::Denied;
use crate::domain::schedule::Schedule;
use crate::message::{Block, Message, Rich};
use crate::store::RhythmRow;

const DEFAULT_REMIND_MINUTES: i64 = 4 * 60;

pub async fn set(
    s: &Services<'_>,
    inv: &Invocation,
    team: TeamName,
    change: RhythmChange,
) -> Outcome {
    let ws = inv.ws();
    let team = resolve_team(s, inv, &team).await?;
    if !actor(s, inv).await?.may_manage_team(team.id) {
        return Err(CommandError::Denied(Denied::NotTeamLead {
            team: team.name,
            what: "rhythm",
        }));
    }
    let existing = s.store.rhythm(ws, team.id).await?;
    let caller_zone = inv.caller.tz.clone().unwrap_or_else(|| "UTC".into());
    let mut row = existing.clone().unwrap_or(RhythmRow {
        team_id: team.id,
        workspace_id: ws,
        checkin_schedule: None,
        digest_schedule: None,
        zone: caller_zone.clone(),
        home_zone: caller_zone.clone(),
        remind_minutes: Some(DEFAULT_REMIND_MINUTES),
        review_schedule: None,
        updated_at: inv.ts(),
    });
    match change {
        RhythmChange::Off => {
            let had = s.store.delete_rhythm(ws, team.id).await?;
            let text = if had {
                format!(
                    "{}'s rhythm is off: no check-in prompts, reminders or digests until a new one is set.",
                    team.name
                )
            } else {
                format!("{} had no rhythm; nothing changed.", team.name)
            };
            return Ok(Message::private(vec![
                Block::Text(Rich::new().text(text)),
                next_steps(
                    inv.prefix,
                    &[&format!(
                        "rhythm {} checkin \"mon 09:00\"",
                        quoted(&team.name)
                    )],
                ),
            ]));
        }
        RhythmChange::Checkin {
            schedule,
            zone,
            remind,
        } => {
            row.checkin_schedule = Some(schedule.as_str().to_string());
            if let Some(z) = zone {
                match z {
                    ZoneChoice::Member => row.zone = "member".into(),
                    ZoneChoice::Zone(tz) => {
                        row.zone = tz.name().to_string();
                        row.home_zone = row.zone.clone();
                    }
                }
            }
            if let Some(r) = remind {
                row.remind_minutes = match r {
                    Remind::Off => None,
                    Remind::After(d) => Some(d.num_minutes()),
                };
            }
        }
        RhythmChange::Digest { schedule } => {
            row.digest_schedule = Some(schedule.as_str().to_string());
        }
        RhythmChange::Review { schedule } => {
            row.review_schedule = schedule.map(|s| s.as_str().to_string());
        }
    }
    s.store.save_rhythm(&row, inv.caller.id, inv.ts()).await?;
    Ok(describe(inv, &team.name, &row, &caller_zone))
}

/// "Platform's review meets tue 10:00 (Europe/Berlin); its agenda is posted an hour before,
/// next Tue 8 Dec 09:00", or a warning when the team has no channel to post it in.
fn review_line(
    team: &str,
    review: &Schedule,
    row: &RhythmRow,
    now: chrono::DateTime<chrono::Utc>,
) -> Block {
    let home: Tz = row.home_zone.parse().unwrap_or(Tz::UTC);
    let next = review
        .upcoming(now + crate::rhythm::AGENDA_LEAD, home, 1)
        .first()
        .map(|t| {
            (*t - crate::rhythm::AGENDA_LEAD)
                .with_timezone(&home)
                .format("%a %-d %b %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    Block::Context(Rich::new().text(format!(
        "{team}'s review meets {} ({}); its agenda is posted into the team's channel an hour before, next {next}.",
        review.describe(),
        row.home_zone
    )))
}

fn quoted(name: &str) -> String {
    if name.contains(' ') {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

fn duration_words(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

/// What the rhythm now is, with the next three firing times in the team's zone.
fn describe(inv: &Invocation, team: &str, row: &RhythmRow, caller_zone: &str) -> Message {
    let member = row.zone == "member";
    let zone_name = if member {
        caller_zone
    } else {
        row.zone.as_str()
    };
    let tz: Tz = zone_name.parse().unwrap_or(Tz::UTC);
    let parse = |s: &Option<String>| s.as_deref().and_then(|s| s.parse::<Schedule>().ok());
    let checkin = parse(&row.checkin_schedule);
    let digest = parse(&row.digest_schedule);
    let mut blocks = Vec::new();
    let mut line = Rich::new().bold(team);
    match &checkin {
        Some(c) => {
            line = line.text(format!(" checks in {}", c.describe()));
            line = line.text(if member {
                " in each owner's own time zone".to_string()
            } else {
                format!(" ({})", row.zone)
            });
            line = line.text(match row.remind_minutes {
                Some(m) => format!(
                    ", reminding whoever has not answered {} later",
                    duration_words(m)
                ),
                None => ", with no reminder".to_string(),
            });
        }
        None => line = line.text(" has no check-in schedule yet"),
    }
    line = line.text(match &digest {
        Some(d) => format!("; the digest goes out {}.", d.describe()),
        None => "; each cycle closes when the next one opens (no digest time set).".to_string(),
    });
    blocks.push(Block::Text(line));
    let fmt = |times: Vec<chrono::DateTime<chrono::Utc>>| {
        times
            .iter()
            .map(|t| t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    if let Some(c) = &checkin {
        let whose = if member {
            format!("for you, {zone_name}")
        } else {
            zone_name.to_string()
        };
        blocks.push(Block::Context(Rich::new().text(format!(
            "Next check-ins ({whose}): {}",
            fmt(c.upcoming(inv.now, tz, 3))
        ))));
    }
    if let Some(d) = &digest {
        let home: Tz = row.home_zone.parse().unwrap_or(Tz::UTC);
        let times: Vec<String> = d
            .upcoming(inv.now, home, 3)
            .iter()
            .map(|t| t.with_timezone(&home).format("%a %-d %b %H:%M").to_string())
            .collect();
        blocks.push(Block::Context(Rich::new().text(format!(
            "Next digests ({}): {}",
            row.home_zone,
            times.join(" · ")
        ))));
    }
    if let Some(review) = parse(&row.review_schedule) {
        blocks.push(review_line(team, &review, row, inv.now));
    }
    let arg = quoted(team);
    let next: Vec<String> = if checkin.is_none() {
        vec![format!("rhythm {arg} checkin \"mon 09:00\" tz:{zone_name}")]
    } else if digest.is_none() {
        vec![format!("rhythm {arg} digest \"fri 16:00\"")]
    } else {
        vec![format!("team show {arg}"), format!("rhythm {arg} off")]
    };
    let next: Vec<&str> = next.iter().map(String::as_str).collect();
    blocks.push(next_steps(inv.prefix, &next));
    Message::private(blocks)
}
