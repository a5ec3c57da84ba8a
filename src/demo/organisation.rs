//! The example organisation: its people, teams and priorities, the story each priority's
//! owner tells week by week, and the commands that set it all up.

use chrono::{Duration, NaiveDate};

use crate::domain::Status;
use crate::domain::focus::FocusLevel;
use Story::{Behind, Finished, Flat, Overdue, Stuck};

/// (name, time zone)
pub(super) const PEOPLE: &[(&str, &str)] = &[
    ("Maya", "Europe/London"),
    ("Olivia", "America/Los_Angeles"),
    ("Ana", "Europe/Berlin"),
    ("Jonas", "Europe/Berlin"),
    ("Lea", "Europe/Berlin"),
    ("Tomas", "America/Sao_Paulo"),
    ("Ben", "America/New_York"),
    ("Priya", "America/New_York"),
    ("Sam", "America/Chicago"),
    ("Chen", "Asia/Tokyo"),
    ("Yuki", "Asia/Tokyo"),
    ("Kai", "Asia/Tokyo"),
];

/// How a priority's owner answers, week by week.
#[derive(Clone, Copy)]
pub(super) enum Story {
    /// On track, progress rising from `from` by `step` a week.
    Steady { from: u8, step: u8 },
    /// Fine until three weeks before today, then at risk, then off track twice: stuck.
    Stuck,
    /// Progress stops at 40% for the last four updates: flat.
    Flat,
    /// On track and nearly there, but its due date has passed: overdue.
    Overdue,
    /// Barely moving while the due date nears: behind.
    Behind,
    /// Finished in week five.
    Finished,
}

/// A steady story, on track and rising from `from`% by `step` points a week.
const fn steady(from: u8, step: u8) -> Story {
    Story::Steady { from, step }
}

/// (title, team, owner, due in days from today, company priority it serves, story)
type Seed = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    Option<usize>,
    Story,
);

const COMPANY: &[(&str, &str, i64)] = &[
    ("Win the mid-market", "Maya", 120),
    ("Expand to Japan", "Olivia", 150),
    ("Halve customer churn", "Maya", 100),
    ("Ship platform v2", "Olivia", 90),
];

/// The teams' priorities, numbered from #5 in this order; a table, so kept one a line.
#[rustfmt::skip]
pub(super) const SEEDS: &[Seed] = &[
    ("Payments API v2",              "Platform", "Ana",   50, Some(3), Stuck),
    ("Billing export for finance",   "Platform", "Jonas", 60, Some(3), Flat),
    ("SSO for enterprise customers", "Platform", "Lea",   45, Some(0), steady(10, 9)),
    ("Public status page",           "Platform", "Tomas", -9, Some(2), Overdue),
    ("Data residency in the EU",     "Platform", "Ana",   75, Some(0), steady(0, 6)),
    ("Mobile SDK",                   "Platform", "Tomas", 60, Some(3), steady(5, 8)),
    ("Cut cloud costs by 20%",       "Platform", "Jonas", 50, None,    steady(15, 7)),
    ("Mid-market pricing page",      "Growth",   "Ben",   20, Some(0), steady(20, 9)),
    ("Partner program",              "Growth",   "Priya", 55, Some(0), steady(5, 7)),
    ("Onboarding email journey",     "Growth",   "Sam",   35, Some(2), steady(10, 10)),
    ("Churn survey",                 "Growth",   "Priya", 10, Some(2), Finished),
    ("US webinar series",            "Growth",   "Sam",   70, Some(0), steady(0, 6)),
    ("Referral launch",              "Growth",   "Ben",   40, None,    steady(10, 8)),
    ("Customer case studies",        "Growth",   "Sam",   25, Some(0), steady(30, 8)),
    ("Japanese localisation",        "Customer", "Yuki",  50, Some(1), steady(10, 7)),
    ("Tokyo support desk",           "Customer", "Chen",  65, Some(1), steady(5, 8)),
    ("Tokyo partner deals",          "Customer", "Kai",   80, Some(1), steady(0, 6)),
    ("Help centre revamp",           "Customer", "Yuki",  14, Some(2), Behind),
    ("Customer success playbooks",   "Customer", "Chen",  45, Some(2), steady(20, 8)),
    ("Enterprise onboarding",        "Customer", "Kai",   60, Some(0), steady(10, 7)),
    ("NPS programme",                "Customer", "Chen",  90, Some(2), steady(0, 5)),
];

/// (team, lead, members): the teams under Leadership.
const TEAMS: &[(&str, &str, &[&str])] = &[
    ("Platform", "Ana", &["Jonas", "Lea", "Tomas"]),
    ("Growth", "Ben", &["Priya", "Sam"]),
    ("Customer", "Chen", &["Yuki", "Kai"]),
];

/// (team, time zone, check-in, digest)
const RHYTHMS: &[(&str, &str, &str, &str)] = &[
    ("Platform", "Europe/Berlin", "mon 09:00", "fri 16:00"),
    ("Growth", "America/New_York", "mon 09:00", "fri 16:00"),
    ("Customer", "Asia/Tokyo", "mon 09:00", "fri 16:00"),
    ("Leadership", "Europe/London", "mon 10:00", "fri 17:00"),
];

/// The team whose check-ins ask only what changed (`ask:changed`).
pub(super) const ASK_CHANGED_TEAM: &str = "Customer";

/// (dependent, depends on)
const DEPENDENCIES: &[(&str, &str)] = &[
    ("Japanese localisation", "Payments API v2"),
    ("Mid-market pricing page", "SSO for enterprise customers"),
    ("Partner program", "Billing export for finance"),
];

/// Who stops answering in the last two weeks.
pub(super) const SILENT: &str = "Kai";
/// Weeks of history: as many as the dashboard's trends show, so that every chart is full.
pub(super) const WEEKS: i64 = crate::reporting::trends::WEEKS as i64;

pub(super) fn progress_of(story: Story, week: i64) -> (Status, u8, Option<&'static str>) {
    let w = week.clamp(0, 20) as u8;
    match story {
        Story::Steady { from, step } => {
            let p = (from as u16 + step as u16 * w as u16).min(95) as u8;
            (Status::OnTrack, p, None)
        }
        Story::Stuck => match week {
            _ if week < WEEKS - 3 => (Status::OnTrack, (10 + 4 * w).min(42), None),
            _ if week == WEEKS - 3 => (
                Status::AtRisk,
                45,
                Some("the card processor's sandbox keeps timing out"),
            ),
            _ => (
                Status::OffTrack,
                45,
                Some("blocked on the card processor; escalated to their account team"),
            ),
        },
        Story::Flat => match week {
            _ if week < WEEKS - 4 => (Status::OnTrack, (5 + 5 * w).min(40), None),
            _ => (
                Status::AtRisk,
                40,
                Some("finance keeps changing the export format"),
            ),
        },
        Story::Overdue => (
            Status::OnTrack,
            (60 + 4 * w).min(88),
            Some("last checks before launch"),
        ),
        Story::Behind => (
            Status::AtRisk,
            (5 + 2 * w).min(25),
            Some("the writer is on another project"),
        ),
        Story::Finished => {
            if week >= 5 {
                (Status::Done, 100, Some("results shared in #growth"))
            } else {
                (Status::OnTrack, 20 + 15 * w, None)
            }
        }
    }
}

/// How much of `name`'s week in `team` went to their priorities, and what took the rest:
/// Customer is pulled into support escalations for the last three weeks of the history, so
/// its last two closed cycles are at Little or below and its digest and Leadership's roll-up
/// flag it `unfocused`; Growth runs events half the time; the others stay mostly focused.
pub(super) fn focus_of(team: &str, name: &str, week: i64) -> (FocusLevel, Option<&'static str>) {
    match (team, name) {
        ("Customer", "Chen") if week >= WEEKS - 3 => {
            (FocusLevel::Little, Some("support escalations"))
        }
        ("Customer", "Yuki") if week >= WEEKS - 3 => (FocusLevel::None, Some("firefighting")),
        ("Customer", _) if week >= WEEKS - 3 => (FocusLevel::Little, None),
        ("Customer", _) => (FocusLevel::Half, None),
        ("Growth", "Sam") => (FocusLevel::Half, Some("webinar logistics")),
        ("Platform", "Jonas") if week >= WEEKS - 4 => (FocusLevel::Half, Some("finance requests")),
        _ => (FocusLevel::Most, None),
    }
}

/// One command of the setup, typed by `who` in a channel (or a direct message).
pub(super) struct ScriptLine {
    pub who: &'static str,
    pub channel: Option<String>,
    pub text: String,
}

fn line(who: &'static str, channel: Option<&str>, text: impl Into<String>) -> ScriptLine {
    ScriptLine {
        who,
        channel: channel.map(str::to_string),
        text: text.into(),
    }
}

/// The commands that set the organisation up, in order: teams, priorities, dependencies, an
/// away week, a leave with an acting owner, the rhythms and a holiday ahead. Due dates count from `today`; `monday` is this
/// week's.
/// A priority whose due date keeps moving: its title, owner, and each move (days from today,
/// reason).
const SLIPPING: (&str, &str, &[(i64, &str)]) = (
    "Mobile SDK",
    "Tomas",
    &[
        (74, "the vendor's SDK licence came late"),
        (88, "app store review rejected the first build"),
        (102, "Android first, iOS after"),
    ],
);

pub(super) fn setup_script(today: NaiveDate, monday: NaiveDate) -> Vec<ScriptLine> {
    let due = |days: i64| -> String {
        let d: NaiveDate = today + Duration::days(days);
        d.format("%Y-%m-%d").to_string()
    };
    let leadership = Some("leadership");
    let mut script = vec![
        line("Maya", leadership, "team add Leadership lead:@Maya"),
        line("Maya", leadership, "team join Leadership @Olivia"),
    ];
    // Teams, leads and members, each in its own channel.
    for (team, lead, members) in TEAMS {
        let channel = team.to_lowercase();
        let add = format!("team add {team} lead:@{lead} parent:Leadership");
        script.push(line("Maya", Some(&channel), add));
        let people: Vec<String> = members.iter().map(|m| format!("@{m}")).collect();
        let join = format!("team join {team} {}", people.join(" "));
        script.push(line(lead, Some(&channel), join));
    }
    // Company priorities (#1–#4), then the teams' (#5…), each laddering up where it should.
    for (title, owner, days) in COMPANY {
        let add = format!("add {title} @{owner} team:Leadership due:{}", due(*days));
        script.push(line("Maya", leadership, add));
    }
    let mut numbers = std::collections::HashMap::new();
    for (i, (title, team, owner, days, parent, _)) in SEEDS.iter().enumerate() {
        let parent = parent
            .map(|p| format!(" parent:#{}", p + 1))
            .unwrap_or_default();
        let add = format!(
            "add {title} @{owner} team:{team} due:{}{parent}",
            due(*days)
        );
        script.push(line(owner, Some(&team.to_lowercase()), add));
        numbers.insert(*title, COMPANY.len() + i + 1);
    }
    for (dependent, on) in DEPENDENCIES {
        let (Some(a), Some(b)) = (numbers.get(dependent), numbers.get(on)) else {
            continue;
        };
        script.push(line("Maya", None, format!("depends #{a} on #{b}")));
    }
    // The Mobile SDK's due date moved three times, each with its reason: it is slipping.
    if let Some(n) = numbers.get(SLIPPING.0) {
        for (days, why) in SLIPPING.2 {
            let edit = format!("edit #{n} due:{} \"{why}\"", due(*days));
            script.push(line(SLIPPING.1, None, edit));
        }
    }
    // Ana put the Payments API before the leadership; the leadership already decided on the
    // billing export, with a follow-up for Jonas.
    if let Some(n) = numbers.get("Payments API v2") {
        let raise = format!("raise #{n} \"need a decision on the payments vendor\"");
        script.push(line("Ana", Some("platform"), raise));
    }
    if let Some(n) = numbers.get("Billing export for finance") {
        let raise = format!("raise #{n} \"finance wants the API, we can ship CSV now\"");
        script.push(line("Jonas", Some("platform"), raise));
        let decide = format!(
            "decide #{n} \"ship the CSV export first, the finance API next quarter\" @Jonas due:{}",
            due(-3)
        );
        script.push(line("Maya", leadership, decide));
    }
    // The leadership reviews on Tuesdays: its agenda is posted in #leadership an hour before.
    script.push(line(
        "Maya",
        leadership,
        "rhythm Leadership review \"tue 10:00\"".to_string(),
    ));
    // Sam took a week off in the middle of the quarter.
    let away_from = monday - Duration::weeks(4);
    let away = format!("away {} {}", away_from, away_from + Duration::days(6));
    script.push(line("Sam", None, away));
    // Lea is on leave this week and next; Jonas acts for her, so her check-ins come to him.
    let leave = format!(
        "away {monday} {} acting:@Jonas",
        monday + Duration::days(13)
    );
    script.push(line("Lea", None, leave));
    // The rhythm: Mondays' check-ins in each team's zone, a reminder after four hours,
    // Friday digests; the leadership's roll-up an hour after the teams'.
    for (team, zone, checkin, digest) in RHYTHMS {
        // The customer team asks only what may have changed; the rest is one click.
        let ask = if *team == ASK_CHANGED_TEAM {
            " ask:changed"
        } else {
            ""
        };
        let checkin = format!("rhythm {team} checkin \"{checkin}\" tz:{zone} remind:4h{ask}");
        script.push(line("Maya", None, checkin));
        let digest = format!("rhythm {team} digest \"{digest}\"");
        script.push(line("Maya", None, digest));
    }
    // The platform team is at its offsite next Monday: that check-in comes on Tuesday.
    let offsite = monday + Duration::weeks(1);
    let holiday = format!("holiday add Platform {offsite} \"Team offsite\"");
    script.push(line("Ana", Some("platform"), holiday));
    script
}
