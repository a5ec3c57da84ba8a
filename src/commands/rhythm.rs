//! `rhythm <team> checkin|digest|off`: when a team is prompted, reminded and digested; `rhythm
//! <team>` alone shows it, with its next firings as the team's holidays move them.

use chrono_tz::Tz;

use super::execute::{CommandError, Invocation, Outcome, Services, actor, resolve_team};
use super::parse::{Ask, Remind, RhythmChange, ZoneChoice};
use super::render::next_steps;
use crate::domain::TeamName;
use crate::domain::holiday::DayRange;
use crate::domain::nudge::Nudge;
use crate::domain::permissions::Denied;
use crate::domain::schedule::{DaysOff, Firing, Schedule};
use crate::message::{Block, Message, Rich};
use crate::store::{RhythmOptions, RhythmRow, TeamRow};

const DEFAULT_REMIND_MINUTES: i64 = 4 * 60;

pub async fn set(
    s: &Services<'_>,
    inv: &Invocation,
    team: TeamName,
    change: RhythmChange,
) -> Outcome {
    let ws = inv.ws();
    let team = resolve_team(s, inv, &team).await?;
    let caller_zone = inv.caller.tz.clone().unwrap_or_else(|| "UTC".into());
    if change == RhythmChange::Show {
        return show(s, inv, &team, &caller_zone).await;
    }
    if !actor(s, inv).await?.may_manage_team(team.id) {
        return Err(CommandError::Denied(Denied::NotTeamLead {
            team: team.name,
            what: "rhythm",
        }));
    }
    let existing = s.store.rhythm(ws, team.id).await?;
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
        ask: Ask::All.as_str().into(),
    });
    let mut options = RhythmOptions::default();
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
            focus,
            ask,
        } => {
            options.focus = focus;
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
            // Without `ask:`, the team keeps how it asks.
            if let Some(a) = ask {
                row.ask = a.as_str().into();
            }
            if let Some(r) = remind {
                row.remind_minutes = match r {
                    Remind::Off => None,
                    Remind::After(d) => Some(d.num_minutes()),
                };
            }
        }
        RhythmChange::Digest { schedule, nudge } => {
            row.digest_schedule = Some(schedule.as_str().to_string());
            // Without `nudge:` the team's setting is kept.
            options.nudge = nudge;
        }
        RhythmChange::Review { schedule } => {
            row.review_schedule = schedule.map(|s| s.as_str().to_string());
        }
        RhythmChange::Show => {}
    }
    s.store
        .save_rhythm_with(&row, options, inv.caller.id, inv.ts())
        .await?;
    let off = days_off(s, inv, team.id).await?;
    let shown = describe(inv, &team.name, &row, &caller_zone, &off);
    with_options(s, inv, &team.name, &row, shown).await
}

/// The team's options as context lines just above the next steps: who its digest notifies
/// (when it has one) and whether its check-in asks the focus question (when it has one).
async fn with_options(
    s: &Services<'_>,
    inv: &Invocation,
    team: &str,
    row: &RhythmRow,
    mut shown: Message,
) -> Outcome {
    let mut lines = Vec::new();
    if row.digest_schedule.is_some() {
        lines.push(match s.store.digest_nudge(inv.ws(), row.team_id).await? {
            Nudge::Quiet => format!(
                "{team}'s digest names who has not answered without notifying them (nudge:quiet); add nudge:mention to a digest time to @-mention them."
            ),
            Nudge::Mention => format!(
                "{team}'s digest @-mentions who has not answered, which notifies them (nudge:mention)."
            ),
        });
    }
    if row.checkin_schedule.is_some() {
        lines.push(if s.store.rhythm_asks_focus(inv.ws(), row.team_id).await? {
            format!(
                "{team}'s check-ins end with the focus question (how much of the week went to the priorities); focus:off stops it."
            )
        } else {
            format!("{team}'s check-ins do not ask the focus question; focus:on asks it again.")
        });
    }
    let at = shown.blocks.len().saturating_sub(1);
    for (i, text) in lines.into_iter().enumerate() {
        shown
            .blocks
            .insert(at + i, Block::Context(Rich::new().text(text)));
    }
    Ok(shown)
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

/// `rhythm <team>`: the rhythm as it stands (anyone may look).
async fn show(s: &Services<'_>, inv: &Invocation, team: &TeamRow, caller_zone: &str) -> Outcome {
    let Some(row) = s.store.rhythm(inv.ws(), team.id).await? else {
        return Ok(Message::private(vec![
            Block::Text(Rich::new().text(format!("{} has no rhythm yet.", team.name))),
            next_steps(
                inv.prefix,
                &[&format!(
                    "rhythm {} checkin \"mon 09:00\" tz:{caller_zone}",
                    quoted(&team.name)
                )],
            ),
        ]));
    };
    let off = days_off(s, inv, team.id).await?;
    let shown = describe(inv, &team.name, &row, caller_zone, &off);
    with_options(s, inv, &team.name, &row, shown).await
}

/// The team's holidays as the scheduler reads them (a firing held from days ago may be ahead).
async fn days_off(
    s: &Services<'_>,
    inv: &Invocation,
    team_id: i64,
) -> Result<DaysOff, CommandError> {
    let from = inv.now.date_naive() - crate::rhythm::HOLIDAYS_BEHIND;
    Ok(s.store.days_off(inv.ws(), team_id, from).await?)
}

pub(super) fn quoted(name: &str) -> String {
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
fn describe(
    inv: &Invocation,
    team: &str,
    row: &RhythmRow,
    caller_zone: &str,
    off: &DaysOff,
) -> Message {
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
            if row.ask == Ask::Changed.as_str() {
                line = line.text(
                    "; it asks only about priorities at risk, off track, stale or due within two weeks, the others under one “All still on track” button (ask:changed)",
                );
            }
        }
        None => line = line.text(" has no check-in schedule yet"),
    }
    line = line.text(match &digest {
        Some(d) => format!("; the digest goes out {}.", d.describe()),
        None => "; each cycle closes when the next one opens (no digest time set).".to_string(),
    });
    blocks.push(Block::Text(line));
    if let Some(c) = &checkin {
        let whose = if member {
            format!("for you, {zone_name}")
        } else {
            zone_name.to_string()
        };
        blocks.push(Block::Context(Rich::new().text(format!(
            "Next check-ins ({whose}): {}",
            firings_text(&c.firings_after(inv.now, tz, off, 3), tz)
        ))));
    }
    if let Some(d) = &digest {
        let home: Tz = row.home_zone.parse().unwrap_or(Tz::UTC);
        blocks.push(Block::Context(Rich::new().text(format!(
            "Next digests ({}): {}",
            row.home_zone,
            firings_text(&d.firings_after(inv.now, home, off, 3), home)
        ))));
    }
    if let Some(review) = parse(&row.review_schedule) {
        blocks.push(review_line(team, &review, row, inv.now));
    }
    if let Some(line) = days_off_ahead(off, inv.today()) {
        blocks.push(Block::Context(line));
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

/// "Mon 30 Nov 09:00 · Mon 7 Dec 09:00 → Tue 8 Dec 09:00 (Team day) · …" in `tz`.
fn firings_text(firings: &[Firing], tz: Tz) -> String {
    let at = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%a %-d %b %H:%M");
    firings
        .iter()
        .map(|f| match &f.holiday {
            Some(name) if f.moved() => format!("{} → {} ({name})", at(f.slot), at(f.at)),
            _ => at(f.at).to_string(),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// "Days off ahead: Christmas (Thu 24 Dec – Sat 26 Dec 2026) · …", the next three.
fn days_off_ahead(off: &DaysOff, today: chrono::NaiveDate) -> Option<Rich> {
    let ahead: Vec<String> = off
        .ranges()
        .iter()
        .filter(|(_, last, _)| *last >= today)
        .take(3)
        .map(|(first, last, name)| {
            let days = DayRange {
                first: *first,
                last: *last,
            };
            format!("{name} ({})", super::holidays::days_text(&days))
        })
        .collect();
    (!ahead.is_empty()).then(|| Rich::new().text(format!("Days off ahead: {}", ahead.join(" · "))))
}
