//! `pacer demo`: an example organisation for the sandbox, made the way a real one is. People
//! type the same commands (teams, priorities, dependencies, rhythms); then twelve weeks of
//! history (as many as the dashboard's trends show) are lived through the real scheduler, with the owners' answers recorded at their
//! times, so that every kind of drift the contract defines shows up in today's digests:
//! a silent owner, a priority stuck off-track (and the one blocked behind it), flat progress,
//! one overdue and one far behind pace, and Customer pulled off its priorities for its last
//! two cycles (`unfocused`). Platform's lead marks each of its digests seen; the
//! other teams' are left unseen, which Leadership's roll-up shows.

mod organisation;

use chrono::{DateTime, Datelike, Duration, Utc};

use crate::clock::Clock;

use crate::commands::execute::{ChannelInfo, Invocation, Services, run_text};
use crate::domain::Progress;
use crate::message::Message;
use crate::messenger::{Messenger, Sent};
use crate::people::NoDirectory;
use crate::reporting::digest::ack::{self, AckKind};
use crate::rhythm::Scheduler;
use crate::rhythm::checkin::{self, Answer};
use crate::sandbox::inbox::channel_id;
use crate::sandbox::{PLATFORM, WORKSPACE};
use crate::store::{PersonRow, Store, StoreError};
use organisation::{PEOPLE, SEEDS, SILENT, Story, WEEKS, focus_of, progress_of, setup_script};

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
            webhooks: None,
        };
        let reply = run_text(&services, &inv, text).await;
        tracing::debug!(%text, reply = %reply.summary(), "demo command");
        Ok(reply)
    }
}

/// Seed the sandbox workspace with the example organisation and twelve weeks of history up to
/// `now`. Messages go wherever the scheduler's messengers send them (the sandbox's chat).
/// `clock` is the application's, reading [`history_start`] when seeding begins; it is moved
/// along with each tick so that messages carry the time they were sent.
pub async fn seed(
    store: &Store,
    scheduler: &Scheduler,
    clock: &dyn Clock,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    seed_with_progress(store, scheduler, clock, now, &mut |_| {}).await
}

/// [`seed`], telling `progress` how far through the history it is (0.0 to 1.0) as it goes.
pub async fn seed_with_progress(
    store: &Store,
    scheduler: &Scheduler,
    clock: &dyn Clock,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(f64),
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
    for said in setup_script(today, monday) {
        s.say(said.who, said.channel.as_deref(), &said.text, start)
            .await?;
    }

    // Live through the twelve weeks: every due moment ticks the real scheduler; owners answer
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
        progress((next - start).num_seconds() as f64 / (now - start).num_seconds().max(1) as f64);
        scheduler.tick_workspace(ws, next).await?;
        answer_open_prompts(store, ws, start, next, now, &stories).await?;
        let messenger = scheduler.messengers().get(PLATFORM).map(|m| m.as_ref());
        read_digest(store, messenger, ws, next, now).await?;
        t = next + Duration::seconds(1);
    }
    clock.jump_to(now);
    progress(1.0);
    Ok(())
}

/// Where the demo's history begins: noon UTC on the Sunday before the Monday twelve weeks
/// before this week's, so that every team, Tokyo's too, has twelve whole weeks behind it.
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
            let (level, rest) = focus_of(&team.name, name, week);
            let focus = crate::rhythm::focus::record(
                store,
                ws,
                &person,
                cycle.id,
                (level, rest),
                answer_at,
            )
            .await;
            if let Err(e) = focus {
                tracing::debug!(error = %e, "demo focus answer skipped");
            }
        }
    }
    Ok(())
}

/// Whose posted digests their lead reads, and how soon after they are posted: Platform's lead
/// marks each one seen; the other teams' leads do not, so Leadership's roll-up shows whose
/// digest no lead has looked at.
const READ_DIGESTS: (&str, &str, i64) = ("platform", "Ana", 20);

/// The lead marks the team's digest posted at `at` seen (in the chat too), as a click would.
async fn read_digest(
    store: &Store,
    messenger: Option<&dyn Messenger>,
    ws: i64,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (team_key, lead, minutes) = READ_DIGESTS;
    let seen_at = at + Duration::minutes(minutes);
    let Some(team) = store.team_by_name(ws, team_key).await? else {
        return Ok(());
    };
    let Some(cycle) = store.last_closed_cycle(ws, team.id, at.timestamp()).await? else {
        return Ok(());
    };
    let Some((channel, ts, _)) = store.digest_post(ws, cycle.id).await? else {
        return Ok(());
    };
    let Some(person) = store.person_by_user_id(ws, &user_id(lead)).await? else {
        return Ok(());
    };
    let read = store.digest_acks(ws, cycle.id).await?;
    if seen_at > now || read.iter().any(|a| a.person_id == person.id) {
        return Ok(());
    }
    let actor = store.actor(ws, &person, false).await?;
    let done = match ack::acknowledge(
        store,
        ws,
        (&actor, &person),
        AckKind::Seen,
        cycle.id,
        seen_at,
    )
    .await
    {
        Ok(done) => done,
        Err(ack::AckError::Store(e)) => return Err(e),
        Err(e) => {
            tracing::debug!(error = %e, "demo digest not marked seen");
            return Ok(());
        }
    };
    if let Some(messenger) = messenger {
        let sent = Sent { channel, ts };
        if let Err(e) = messenger.update(WORKSPACE, &sent, &done.message).await {
            tracing::debug!(error = %e, "demo digest not updated in place");
        }
        let posted = (&done.team, &done.cycle);
        ack::refresh_rollup(store, messenger, WORKSPACE, ws, posted).await;
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
