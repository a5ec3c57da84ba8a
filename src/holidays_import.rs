//! `pacer holidays import <team> <file.ics> [--workspace <id>]`: a team's days off from an
//! iCalendar file. Running it again adds nothing twice (a holiday on exactly the same days is
//! already there). Exit codes as `pacer export`: 0 done, 2 bad arguments or file, 1 a database
//! failure.

use std::path::Path;

use chrono::Duration;
use chrono_tz::Tz;

use crate::cli::{choose_team, load_config};
use crate::domain::holiday::MAX_AHEAD_DAYS;
use crate::startup;
use crate::store::{Added, NewHoliday, Store};

/// What an import did, counted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    pub already_there: usize,
    pub overlapping: usize,
    pub past: usize,
    pub too_far: usize,
    pub too_many: usize,
}

pub async fn run(team: &str, file: &Path, workspace: Option<&str>) -> anyhow::Result<i32> {
    let text = match std::fs::read(file) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return Ok(2);
        }
    };
    let config = load_config()?;
    crate::telemetry::init(config.log_format);
    let store = startup::open_store(&config).await?;
    let code = import(&store, team, &text, workspace, file).await;
    store.close().await;
    code
}

async fn import(
    store: &Store,
    team: &str,
    text: &str,
    workspace: Option<&str>,
    file: &Path,
) -> anyhow::Result<i32> {
    let Some((ws, team)) = choose_team(store, workspace, team).await? else {
        return Ok(2);
    };
    // Timed events are dated in the team's zone: its rhythm's, else UTC.
    let zone: Tz = store
        .rhythm(ws, team.id)
        .await?
        .and_then(|r| r.home_zone.parse().ok())
        .unwrap_or(Tz::UTC);
    let found = match crate::ical::holidays(text, zone) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return Ok(2);
        }
    };
    let now = chrono::Utc::now();
    let today = now.with_timezone(&zone).date_naive();
    let mut counts = Imported::default();
    for (days, holiday) in &found.events {
        if days.last < today {
            counts.past += 1;
            continue;
        }
        if days.first > today + Duration::days(MAX_AHEAD_DAYS) {
            counts.too_far += 1;
            continue;
        }
        let new = NewHoliday {
            team_id: team.id,
            days: *days,
            name: holiday,
            by: None,
        };
        let added = store.add_holiday(ws, &new, today, now.timestamp()).await?;
        match added {
            Added::Added => counts.added += 1,
            Added::AlreadyThere(_) => counts.already_there += 1,
            Added::Overlaps(_) => counts.overlapping += 1,
            Added::TooMany => counts.too_many += 1,
        }
    }
    crate::rhythm::replan_closes(store, ws, team.id, now).await?;
    println!(
        "{}",
        summary(&team.name, &counts, found.recurring, found.unreadable)
    );
    Ok(0)
}

/// "added 2 holidays to Platform; 1 already there, 1 repeating (RRULE, not expanded): left out".
fn summary(team: &str, c: &Imported, recurring: usize, unreadable: usize) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut line = format!("added {} holiday{} to {team}", c.added, plural(c.added));
    let left_out: Vec<String> = [
        (c.already_there, "already there"),
        (c.overlapping, "overlapping a holiday the team has"),
        (c.past, "in the past"),
        (c.too_far, "more than three years ahead"),
        (c.too_many, "over the limit of holidays ahead"),
        (recurring, "repeating (RRULE, not expanded)"),
        (unreadable, "unreadable or longer than 31 days"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, why)| format!("{n} {why}"))
    .collect();
    if !left_out.is_empty() {
        line.push_str(&format!("; left out: {}", left_out.join(", ")));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_what_was_left_out() {
        let c = Imported {
            added: 1,
            already_there: 2,
            ..Imported::default()
        };
        assert_eq!(
            summary("Platform", &c, 1, 0),
            "added 1 holiday to Platform; left out: 2 already there, 1 repeating (RRULE, not expanded)"
        );
        assert_eq!(
            summary("Platform", &Imported::default(), 0, 0),
            "added 0 holidays to Platform"
        );
    }
}
