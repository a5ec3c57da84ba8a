//! Monday's fan-out at Slack's allowed rate: 1,000 owners whose check-ins open at one instant,
//! prompted through the real scheduler and Slack messenger against the test suite's fake Slack,
//! which enforces Slack's tiers (chat.postMessage 600 a minute per workspace and about one a
//! second per channel, Tier 3 conversations.* 50 a minute, Tier 4 users.info 100) with 429 and
//! Retry-After, and takes 100 ms a post. The first week no DM channel is known; the second week
//! every one is. Reported: time, the share of the allowed message rate used, calls per method,
//! 429s, and lost or duplicated prompts.
//!
//! ```sh
//! cargo bench --bench fanout                                   # SQLite, a temporary file
//! PACER_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench fanout
//! PACER_BENCH_OWNERS=200 cargo bench --bench fanout            # a smaller run
//! ```

#[path = "../tests/api/common/fake_slack.rs"]
#[allow(dead_code)]
mod fake_slack;
#[path = "../tests/api/common/fake_socket.rs"]
#[allow(dead_code)]
mod fake_socket;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use pacer::clock::ManualClock;
use pacer::config::Config;
use pacer::startup::{self, AppState};
use pacer::store::{NewPriority, NewTeamArgs, RhythmRow, Store};

use fake_slack::FakeSlack;

const TEAMS: usize = 20;
const POST_LATENCY_MS: u64 = 100;
/// What the fake allows: chat.postMessage calls a minute per workspace.
const ALLOWED_PER_MINUTE: f64 = 600.0;
/// Any key of 32 bytes; the bench's tokens are never real.
const SECRET_KEY: &str = "3f1c9a7e5b2d8f4061a3c5e7092b4d6f8a1c3e5f7092b4d6e8f0a2c4b6d8e0f1";

fn main() {
    let owners: usize = std::env::var("PACER_BENCH_OWNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run(owners));
}

async fn run(owners: usize) {
    let slack = FakeSlack::start().await;
    slack.set_post_delay(POST_LATENCY_MS);
    let dir = tempfile::tempdir().expect("temp dir");
    let (db_url, schema) = database(&dir).await;
    let mut values: HashMap<String, String> = [
        ("PACER_DATABASE_URL", db_url.as_str()),
        ("PACER_SECRET_KEY", SECRET_KEY),
        ("SLACK_SIGNING_SECRET", "bench-signing-secret"),
        ("SLACK_BOT_TOKEN", "xoxb-test-token"),
        ("SLACK_API_BASE_URL", &slack.api_base()),
        ("PACER_SCHEDULER", "off"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    values.retain(|_, v| !v.is_empty());
    let config = Config::from_map(&values).expect("config");
    let store = startup::open_store(&config).await.expect("database");
    let monday = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let clock = ManualClock::new(monday);
    let state = AppState::new(config, store.clone(), Arc::new(clock.clone()));
    seed(&store, owners, monday).await;
    println!(
        "{owners} owners, {TEAMS} teams, check-ins at Monday 09:00; fake Slack: {POST_LATENCY_MS} ms a post, \
         chat.postMessage {ALLOWED_PER_MINUTE} a minute per workspace and ~1 a second per channel, Tier 3 50 a minute"
    );
    println!();
    println!(
        "| week | prompts | digest posts | lost | duplicated | time | posts a minute | of allowed | conversations.open | conversations.history | users.info | 429s |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (week, at) in [(1, monday), (2, monday + chrono::Duration::days(7))] {
        clock.set(at);
        slack.clear_calls();
        let before = slack.all_messages().len();
        let started = Instant::now();
        let mut report = state.scheduler.tick(at).await.expect("tick");
        // Whatever a 429 handed back is due again after its Retry-After: tick until done.
        while report.retried > 0 && started.elapsed() < Duration::from_secs(1800) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let now = at + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
            clock.set(now);
            report = state.scheduler.tick(now).await.expect("tick");
        }
        let elapsed = started.elapsed();
        let messages = slack.all_messages();
        let new = &messages[before..];
        let mut per_person: HashMap<String, usize> = HashMap::new();
        for (channel, _, _) in new.iter().filter(|(c, _, _)| c.starts_with("DU0B")) {
            *per_person.entry(channel.clone()).or_default() += 1;
        }
        let prompts: usize = per_person.values().sum();
        // The second Monday also closes the first week's cycles: a digest and its thread each.
        let digests = new.len() - prompts;
        let lost = (0..owners)
            .filter(|i| !per_person.contains_key(&format!("DU0B{i:04}")))
            .count();
        let duplicated: usize = per_person.values().map(|n| n.saturating_sub(1)).sum();
        let calls = slack.calls();
        let count = |m: &str| calls.iter().filter(|c| c.method == m).count();
        let limited = calls
            .iter()
            .filter(|c| c.method.starts_with("429:"))
            .count();
        let per_minute = new.len() as f64 * 60.0 / elapsed.as_secs_f64();
        println!(
            "| {week} | {prompts} | {digests} | {lost} | {duplicated} | {:.1} s | {:.0} | {:.0} % | {} | {} | {} | {limited} |",
            elapsed.as_secs_f64(),
            per_minute,
            100.0 * per_minute / ALLOWED_PER_MINUTE,
            count("conversations.open"),
            count("conversations.history"),
            count("users.info"),
        );
    }
    store.close().await;
    if let Some((url, schema)) = schema {
        let admin = Store::connect(&url).await.expect("PostgreSQL reachable");
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(admin.pool())
            .await
            .expect("drop schema");
    }
}

/// A temporary SQLite file, or a schema of its own on `PACER_BENCH_DATABASE_URL`.
async fn database(dir: &tempfile::TempDir) -> (String, Option<(String, String)>) {
    match std::env::var("PACER_BENCH_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let schema = format!("bench_fanout_{}", std::process::id());
            let admin = Store::connect(&url).await.expect("PostgreSQL reachable");
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(admin.pool())
                .await
                .expect("create schema");
            admin.close().await;
            let sep = if url.contains('?') { '&' } else { '?' };
            (
                format!("{url}{sep}options%5Bsearch_path%5D={schema}"),
                Some((url, schema)),
            )
        }
        _ => (
            format!("sqlite://{}", dir.path().join("fanout.db").display()),
            None,
        ),
    }
}

async fn seed(store: &Store, owners: usize, monday: DateTime<Utc>) {
    let ts = (monday - chrono::Duration::days(1)).timestamp();
    let ws = store
        .ensure_workspace("slack", "T0BENCH", ts)
        .await
        .unwrap();
    let mut people = Vec::new();
    for i in 0..owners {
        let id = format!("U0B{i:04}");
        let name = format!("owner {i}");
        people.push(
            store
                .upsert_person(ws, &id, &name, Some((&name, Some("UTC"))), ts)
                .await
                .unwrap(),
        );
    }
    for t in 0..TEAMS {
        let name = format!("Team{t}");
        let channel = format!("C0TEAM{t}");
        let team = store
            .create_team(
                ws,
                NewTeamArgs {
                    name: &name,
                    name_key: &name.to_lowercase(),
                    channel_id: Some(&channel),
                    channel_name: None,
                    parent_team_id: None,
                    lead_person_id: people[t].id,
                    created_by: people[t].id,
                },
                ts,
            )
            .await
            .unwrap();
        for (i, p) in people.iter().enumerate().filter(|(i, _)| i % TEAMS == t) {
            store
                .create_priority(
                    ws,
                    NewPriority {
                        title: format!("Work of owner {i}"),
                        owner_id: p.id,
                        team_id: team.id,
                        due: None,
                        parent_id: None,
                        created_by: p.id,
                    },
                    ts,
                )
                .await
                .unwrap();
        }
        store
            .save_rhythm(
                &RhythmRow {
                    team_id: team.id,
                    workspace_id: ws,
                    checkin_schedule: Some("mon 09:00".into()),
                    digest_schedule: Some("fri 16:00".into()),
                    zone: "UTC".into(),
                    home_zone: "UTC".into(),
                    remind_minutes: None,
                    review_schedule: None,
                    updated_at: ts,
                    ask: "all".into(),
                },
                people[t].id,
                ts,
            )
            .await
            .unwrap();
    }
}
