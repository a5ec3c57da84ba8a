//! `pacer demo`: an example organisation for the sandbox, made the way a real one is. People
//! type the same commands (teams, priorities, dependencies, rhythms); then eight weeks of
//! history are lived through the real scheduler, with the owners' answers recorded at their
//! times, so that every kind of drift the contract defines shows up in today's digests:
//! a silent owner, a priority stuck off-track (and the one blocked behind it), flat progress,
//! one overdue and one far behind pace.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::clock::Clock;

use crate::commands::execute::{ChannelInfo, Invocation, Services, run_text};
use crate::domain::{Progress, Status};
use crate::message::Message;
use crate::people::NoDirectory;
use crate::rhythm::Scheduler;
use crate::rhythm::checkin::{self, Answer};
use crate::sandbox::inbox::channel_id;
use crate::sandbox::{PLATFORM, WORKSPACE};
use crate::store::{PersonRow, Store, StoreError};

/// (name, time zone)
const PEOPLE: &[(&str, &str)] = &[
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
enum Story {
    /// On track, progress rising from `from` by `step` a week.
    Steady { from: u8, step: u8 },
    /// Fine for five weeks, then at risk, then off track twice: stuck.
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

const SEEDS: &[Seed] = &[
    (
        "Payments API v2",
        "Platform",
        "Ana",
        40,
        Some(3),
        Story::Stuck,
    ),
    (
        "Billing export for finance",
        "Platform",
        "Jonas",
        30,
        Some(3),
        Story::Flat,
    ),
    (
        "SSO for enterprise customers",
        "Platform",
        "Lea",
        45,
        Some(0),
        Story::Steady { from: 10, step: 9 },
    ),
    (
        "Public status page",
        "Platform",
        "Tomas",
        -9,
        Some(2),
        Story::Overdue,
    ),
    (
        "Data residency in the EU",
        "Platform",
        "Ana",
        75,
        Some(0),
        Story::Steady { from: 0, step: 6 },
    ),
    (
        "Mobile SDK",
        "Platform",
        "Tomas",
        60,
        Some(3),
        Story::Steady { from: 5, step: 8 },
    ),
    (
        "Cut cloud costs by 20%",
        "Platform",
        "Jonas",
        50,
        None,
        Story::Steady { from: 15, step: 7 },
    ),
    (
        "Mid-market pricing page",
        "Growth",
        "Ben",
        20,
        Some(0),
        Story::Steady { from: 20, step: 9 },
    ),
    (
        "Partner program",
        "Growth",
        "Priya",
        55,
        Some(0),
        Story::Steady { from: 5, step: 7 },
    ),
    (
        "Onboarding email journey",
        "Growth",
        "Sam",
        35,
        Some(2),
        Story::Steady { from: 10, step: 10 },
    ),
    (
        "Churn survey",
        "Growth",
        "Priya",
        10,
        Some(2),
        Story::Finished,
    ),
    (
        "US webinar series",
        "Growth",
        "Sam",
        70,
        Some(0),
        Story::Steady { from: 0, step: 6 },
    ),
    (
        "Referral launch",
        "Growth",
        "Ben",
        40,
        None,
        Story::Steady { from: 10, step: 8 },
    ),
    (
        "Customer case studies",
        "Growth",
        "Sam",
        25,
        Some(0),
        Story::Steady { from: 30, step: 8 },
    ),
    (
        "Japanese localisation",
        "Customer",
        "Yuki",
        50,
        Some(1),
        Story::Steady { from: 10, step: 7 },
    ),
    (
        "Tokyo support desk",
        "Customer",
        "Chen",
        65,
        Some(1),
        Story::Steady { from: 5, step: 8 },
    ),
    (
        "Tokyo partner deals",
        "Customer",
        "Kai",
        80,
        Some(1),
        Story::Steady { from: 0, step: 6 },
    ),
    (
        "Help centre revamp",
        "Customer",
        "Yuki",
        14,
        Some(2),
        Story::Behind,
    ),
    (
        "Customer success playbooks",
        "Customer",
        "Chen",
        45,
        Some(2),
        Story::Steady { from: 20, step: 8 },
    ),
    (
        "Enterprise onboarding",
        "Customer",
        "Kai",
        60,
        Some(0),
        Story::Steady { from: 10, step: 7 },
    ),
    (
        "NPS programme",
        "Customer",
        "Chen",
        90,
        Some(2),
        Story::Steady { from: 0, step: 5 },
    ),
];

/// (dependent, depends on)
const DEPENDENCIES: &[(&str, &str)] = &[
    ("Japanese localisation", "Payments API v2"),
    ("Mid-market pricing page", "SSO for enterprise customers"),
    ("Partner program", "Billing export for finance"),
];

/// Who stops answering in the last two weeks.
const SILENT: &str = "Kai";
const WEEKS: i64 = 8;

fn user_id(name: &str) -> String {
    format!("S-{}", name.to_lowercase())
}

struct Seeder<'a> {
    store: &'a Store,
    ws: i64,
    admins: std::collections::HashSet<String>,
}

impl Seeder<'_> {
    async fn person(&self, name: &str) -> Result<PersonRow, StoreError> {
        self.store
            .person_by_user_id(self.ws, &user_id(name))
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("demo person {name} missing")))
    }

    /// Type a command as `who`, in a channel or a direct message, at `at`.
    async fn say(
        &self,
        who: &str,
        channel: Option<&str>,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Message, StoreError> {
        let caller = self.person(who).await?;
        let inv = Invocation {
            workspace_id: self.ws,
            configured_admin: who == "Maya",
            caller,
            channel: channel.map(|c| ChannelInfo {
                id: channel_id(c),
                name: Some(c.to_string()),
            }),
            now: at,
            prefix: "/pacer ",
        };
        let services = Services {
            store: self.store,
            directory: &NoDirectory,
            admins: &self.admins,
            links: None,
        };
        let reply = run_text(&services, &inv, text).await;
        tracing::debug!(%text, reply = %reply.summary(), "demo command");
        Ok(reply)
    }
}

fn progress_of(story: Story, week: i64) -> (Status, u8, Option<&'static str>) {
    let w = week.clamp(0, 20) as u8;
    match story {
        Story::Steady { from, step } => {
            let p = (from as u16 + step as u16 * w as u16).min(95) as u8;
            (Status::OnTrack, p, None)
        }
        Story::Stuck => match week {
            0..=4 => (Status::OnTrack, 10 + 8 * w, None),
            5 => (
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
            0..=3 => (Status::OnTrack, 10 * (w + 1), None),
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

/// Seed the sandbox workspace with the example organisation and eight weeks of history up to
/// `now`. Messages go wherever the scheduler's messengers send them (the sandbox's chat).
/// `clock` is the application's, reading [`history_start`] when seeding begins; it is moved
/// along with each tick so that messages carry the time they were sent.
pub async fn seed(
    store: &Store,
    scheduler: &Scheduler,
    clock: &dyn Clock,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let today = now.date_naive();
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    let start = history_start(now);
    let ws = store
        .ensure_workspace(PLATFORM, WORKSPACE, start.timestamp())
        .await?;
    for (name, tz) in PEOPLE {
        store
            .upsert_person(
                ws,
                &user_id(name),
                name,
                Some((name, Some(tz))),
                start.timestamp(),
            )
            .await?;
    }
    let maya = store
        .person_by_user_id(ws, &user_id("Maya"))
        .await?
        .ok_or_else(|| anyhow::anyhow!("seeding failed"))?;
    store.set_admin(ws, maya.id, true).await?;
    let s = Seeder {
        store,
        ws,
        admins: Default::default(),
    };
    let due = |days: i64| -> String {
        let d: NaiveDate = today + Duration::days(days);
        d.format("%Y-%m-%d").to_string()
    };

    // Teams, leads and members, each in its own channel.
    s.say(
        "Maya",
        Some("leadership"),
        "team add Leadership lead:@Maya",
        start,
    )
    .await?;
    s.say(
        "Maya",
        Some("leadership"),
        "team join Leadership @Olivia",
        start,
    )
    .await?;
    for (team, lead, members) in [
        ("Platform", "Ana", &["Jonas", "Lea", "Tomas"][..]),
        ("Growth", "Ben", &["Priya", "Sam"][..]),
        ("Customer", "Chen", &["Yuki", "Kai"][..]),
    ] {
        let channel = team.to_lowercase();
        s.say(
            "Maya",
            Some(&channel),
            &format!("team add {team} lead:@{lead} parent:Leadership"),
            start,
        )
        .await?;
        let people: Vec<String> = members.iter().map(|m| format!("@{m}")).collect();
        s.say(
            lead,
            Some(&channel),
            &format!("team join {team} {}", people.join(" ")),
            start,
        )
        .await?;
    }

    // Company priorities (#1–#4), then the teams' (#5…), each laddering up where it should.
    for (title, owner, days) in COMPANY {
        s.say(
            "Maya",
            Some("leadership"),
            &format!("add {title} @{owner} team:Leadership due:{}", due(*days)),
            start,
        )
        .await?;
    }
    let mut numbers = std::collections::HashMap::new();
    for (i, (title, team, owner, days, parent, _)) in SEEDS.iter().enumerate() {
        let parent = parent
            .map(|p| format!(" parent:#{}", p + 1))
            .unwrap_or_default();
        s.say(
            owner,
            Some(&team.to_lowercase()),
            &format!(
                "add {title} @{owner} team:{team} due:{}{parent}",
                due(*days)
            ),
            start,
        )
        .await?;
        numbers.insert(*title, COMPANY.len() + i + 1);
    }
    for (dependent, on) in DEPENDENCIES {
        let (Some(a), Some(b)) = (numbers.get(dependent), numbers.get(on)) else {
            continue;
        };
        s.say("Maya", None, &format!("depends #{a} on #{b}"), start)
            .await?;
    }
    // Sam took a week off in the middle of the quarter.
    let away_from = monday - Duration::weeks(4);
    s.say(
        "Sam",
        None,
        &format!("away {} {}", away_from, away_from + Duration::days(6)),
        start,
    )
    .await?;

    // The rhythm: Mondays' check-ins in each team's zone, a reminder after four hours,
    // Friday digests; the leadership's roll-up an hour after the teams'.
    for (team, zone, checkin, digest) in [
        ("Platform", "Europe/Berlin", "mon 09:00", "fri 16:00"),
        ("Growth", "America/New_York", "mon 09:00", "fri 16:00"),
        ("Customer", "Asia/Tokyo", "mon 09:00", "fri 16:00"),
        ("Leadership", "Europe/London", "mon 10:00", "fri 17:00"),
    ] {
        let who = "Maya";
        s.say(
            who,
            None,
            &format!("rhythm {team} checkin \"{checkin}\" tz:{zone} remind:4h"),
            start,
        )
        .await?;
        s.say(
            who,
            None,
            &format!("rhythm {team} digest \"{digest}\""),
            start,
        )
        .await?;
    }

    // Live through the eight weeks: every due moment ticks the real scheduler; owners answer
    // their prompts within the hour, as their story says.
    let stories: std::collections::HashMap<&str, Story> = SEEDS
        .iter()
        .map(|(t, _, _, _, _, story)| (*t, *story))
        .collect();
    let mut t = start;
    let mut guard = 0;
    while let Some(next) = scheduler.next_due(ws, t).await? {
        guard += 1;
        if next > now || guard > 2000 {
            break;
        }
        clock.jump_to(next);
        scheduler.tick_workspace(ws, next).await?;
        answer_open_prompts(store, ws, start, next, now, &stories).await?;
        t = next + Duration::seconds(1);
    }
    clock.jump_to(now);
    Ok(())
}

/// Where the demo's history begins: noon UTC on the Sunday before the Monday eight weeks
/// before this week's, so that every team, Tokyo's too, has eight whole weeks behind it.
pub fn history_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.date_naive();
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    (monday - Duration::weeks(WEEKS) - Duration::days(1))
        .and_hms_opt(12, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now - Duration::weeks(WEEKS))
}

async fn answer_open_prompts(
    store: &Store,
    ws: i64,
    start: DateTime<Utc>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    stories: &std::collections::HashMap<&str, Story>,
) -> Result<(), StoreError> {
    let answer_at = at + Duration::minutes(40);
    for team in store.teams(ws).await? {
        let Some(cycle) = store.open_cycle_of_team(ws, team.id).await? else {
            continue;
        };
        // The week still under way is left for whoever tries the sandbox, but for a few.
        let current = cycle.closes_at > now.timestamp();
        let week = (cycle.opens_at - start.timestamp()) / (7 * 24 * 3600);
        for p in store.participation(ws, cycle.id).await? {
            if p.answered > 0 || p.away > 0 {
                continue;
            }
            let name = p.display_name.as_str();
            if current && !matches!(name, "Jonas" | "Priya" | "Yuki" | "Olivia") {
                continue;
            }
            if name == SILENT && week >= WEEKS - 2 {
                continue;
            }
            let Some(person) = store.person(ws, p.person_id).await? else {
                continue;
            };
            for item in store.checkin_items(ws, cycle.id, p.person_id).await? {
                if item.answered_status.is_some() {
                    continue;
                }
                let story = stories
                    .get(item.title.as_str())
                    .copied()
                    .unwrap_or(Story::Steady { from: 5, step: 4 });
                let (status, progress, note) = progress_of(story, week);
                let answer = Answer::Form {
                    status,
                    progress: Progress::new(progress as i64).unwrap_or(Progress::DONE),
                    note: note.map(str::to_string),
                    blocker: None,
                };
                if let Err(e) = checkin::record(
                    store,
                    ws,
                    &person,
                    cycle.id,
                    item.priority_id,
                    &answer,
                    answer_at,
                )
                .await
                {
                    tracing::debug!(error = %e, "demo answer skipped");
                }
            }
        }
    }
    Ok(())
}

/// Where `pacer demo` keeps its database: a fresh file each start, beside where it runs.
pub const DATABASE_FILE: &str = "pacer-demo.db";

/// Remove the previous demo's database (and SQLite's side files).
pub fn fresh_database() -> std::io::Result<String> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        match std::fs::remove_file(format!("{DATABASE_FILE}{suffix}")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(format!("sqlite://{DATABASE_FILE}"))
}
