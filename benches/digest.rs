//! Digest performance on a large organisation: 1,000 teams × 20 priorities × 52 weekly cycles
//! (about a million check-ins). Measures one team's digest, the organisation-wide roll-up and
//! `list stalled`, on SQLite, and on PostgreSQL when PACER_BENCH_DATABASE_URL is set. The
//! drift flags come from the maintained drift facts; `list stalled from history` measures the
//! same evaluation reading the history instead, as every request did before.
//!
//!     cargo bench --bench digest                     # SQLite (a temporary file)
//!     PACER_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench digest
//!
//! See bench/README.md for the figures measured on the project's machine.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use pacer::domain::drift::Thresholds;
use pacer::store::{PriorityQuery, Store};

const TEAMS: i64 = 1000;
const DIVISIONS: i64 = 10;
const OWNERS_PER_TEAM: i64 = 5;
const PRIORITIES_PER_TEAM: i64 = 20;
const CYCLES: i64 = 52;
const WS: i64 = 1;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 24, 8, 0, 0).unwrap()
}

#[derive(Clone)]
enum Cell {
    I(i64),
    S(String),
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::I(v)
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::S(v)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::S(v.to_string())
    }
}

fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    c: &Cell,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match c {
        Cell::I(v) => q.bind(*v),
        Cell::S(v) => q.bind(v.clone()),
    }
}

/// Insert rows in multi-row statements of at most ~5,000 parameters.
async fn bulk(store: &Store, table: &str, columns: &[&str], rows: impl Iterator<Item = Vec<Cell>>) {
    let per_row = columns.len();
    let per_stmt = (5000 / per_row).max(1);
    let mut batch: Vec<Vec<Cell>> = Vec::with_capacity(per_stmt);
    let mut tx = store.pool().begin().await.unwrap();
    let flush = |batch: &mut Vec<Vec<Cell>>| {
        let mut n = 0;
        let values: Vec<String> = batch
            .iter()
            .map(|_| {
                let cells: Vec<String> = (0..per_row)
                    .map(|_| {
                        n += 1;
                        format!("${n}")
                    })
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            values.join(", ")
        )
    };
    for row in rows {
        batch.push(row);
        if batch.len() == per_stmt {
            let sql = flush(&mut batch);
            let mut q = sqlx::query(&sql);
            for v in batch.iter().flatten() {
                q = bind(q, v);
            }
            q.execute(&mut *tx).await.unwrap();
            batch.clear();
        }
    }
    if !batch.is_empty() {
        let sql = flush(&mut batch);
        let mut q = sqlx::query(&sql);
        for v in batch.iter().flatten() {
            q = bind(q, v);
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn exec(store: &Store, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

macro_rules! row {
    ($($v:expr),* $(,)?) => { vec![$(Cell::from($v)),*] };
}

fn status_of(id: i64) -> &'static str {
    if id % 13 == 0 {
        "off-track"
    } else if id % 5 == 0 {
        "at-risk"
    } else {
        "on-track"
    }
}

async fn seed(store: &Store) {
    let t0 = Instant::now();
    let now = start().timestamp();
    exec(store, &format!("INSERT INTO workspaces (id, platform, external_id, next_priority_number, created_at) VALUES (1, 'slack', 'TBENCH', 1, {now})")).await;
    let people = TEAMS * OWNERS_PER_TEAM + 1;
    bulk(
        store,
        "people",
        &[
            "id",
            "workspace_id",
            "user_id",
            "display_name",
            "is_admin",
            "created_at",
        ],
        (1..=people).map(|i| row![i, WS, format!("U{i}"), format!("person {i}"), 0, now]),
    )
    .await;
    // Teams: 1 is the company, 2..=11 divisions, then the 1,000 teams.
    let team_id = |t: i64| 2 + DIVISIONS + t;
    bulk(
        store,
        "teams",
        &[
            "id",
            "workspace_id",
            "name",
            "name_key",
            "channel_id",
            "created_at",
            "created_by",
        ],
        (1..=1 + DIVISIONS + TEAMS).map(|id| {
            row![
                id,
                WS,
                format!("Team {id}"),
                format!("team {id}"),
                format!("C{id}"),
                now,
                1
            ]
        }),
    )
    .await;
    exec(
        store,
        &format!(
            "UPDATE teams SET parent_team_id = 1 WHERE id BETWEEN 2 AND {}",
            1 + DIVISIONS
        ),
    )
    .await;
    exec(
        store,
        &format!(
            "UPDATE teams SET parent_team_id = 2 + (id % {DIVISIONS}) WHERE id > {}",
            1 + DIVISIONS
        ),
    )
    .await;
    // Priorities: 1..=10 belong to the company; each team's 20 are owned 4 apiece by 5 owners.
    let company = 10;
    let mut rows = Vec::new();
    for c in 1..=company {
        rows.push(row![
            c,
            WS,
            c,
            format!("Company goal {c}"),
            1,
            1,
            "on-track",
            0,
            1,
            now,
            now
        ]);
    }
    for t in 0..TEAMS {
        for k in 0..PRIORITIES_PER_TEAM {
            let id = company + 1 + t * PRIORITIES_PER_TEAM + k;
            let owner = 2 + t * OWNERS_PER_TEAM + k % OWNERS_PER_TEAM;
            rows.push(row![
                id,
                WS,
                id,
                format!("Priority {id}"),
                owner,
                team_id(t),
                status_of(id),
                (k * 5) % 100,
                1,
                now,
                now
            ]);
        }
    }
    let count = rows.len() as i64;
    bulk(
        store,
        "priorities",
        &[
            "id",
            "workspace_id",
            "number",
            "title",
            "owner_id",
            "team_id",
            "status",
            "progress",
            "created_by",
            "created_at",
            "updated_at",
        ],
        rows.into_iter(),
    )
    .await;
    // Most ladder up to a company priority; one in ten to nothing.
    exec(store, &format!("UPDATE priorities SET parent_id = 1 + (id % {company}) WHERE id > {company} AND id % 10 <> 0")).await;
    exec(
        store,
        &format!(
            "UPDATE workspaces SET next_priority_number = {} WHERE id = 1",
            count + 1
        ),
    )
    .await;
    // Cycles: 52 closed weekly cycles per team.
    let cycle_id = |t: i64, w: i64| 1 + t * CYCLES + w;
    bulk(
        store,
        "cycles",
        &[
            "id",
            "workspace_id",
            "team_id",
            "slot",
            "opens_at",
            "closes_at",
            "state",
            "closed_at",
            "created_at",
        ],
        (0..TEAMS).flat_map(|t| {
            (0..CYCLES).map(move |w| {
                let opens = now + w * 7 * 86400;
                let closes = opens + 4 * 86400 + 8 * 3600;
                row![
                    cycle_id(t, w),
                    WS,
                    team_id(t),
                    format!("w{w}"),
                    opens,
                    closes,
                    "closed",
                    closes,
                    opens
                ]
            })
        }),
    )
    .await;
    bulk(
        store,
        "cycle_owners",
        &[
            "cycle_id",
            "person_id",
            "workspace_id",
            "prompt_at",
            "remind_decided",
            "away",
        ],
        (0..TEAMS).flat_map(|t| {
            (0..CYCLES).flat_map(move |w| {
                (0..OWNERS_PER_TEAM).map(move |o| {
                    let away = i64::from((w + o + t) % 26 == 0);
                    row![
                        cycle_id(t, w),
                        2 + t * OWNERS_PER_TEAM + o,
                        WS,
                        now + w * 7 * 86400,
                        1,
                        away
                    ]
                })
            })
        }),
    )
    .await;
    bulk(
        store,
        "cycle_priorities",
        &["cycle_id", "priority_id", "person_id", "workspace_id"],
        (0..TEAMS).flat_map(|t| {
            (0..CYCLES).flat_map(move |w| {
                (0..PRIORITIES_PER_TEAM).map(move |k| {
                    row![
                        cycle_id(t, w),
                        company + 1 + t * PRIORITIES_PER_TEAM + k,
                        2 + t * OWNERS_PER_TEAM + k % OWNERS_PER_TEAM,
                        WS
                    ]
                })
            })
        }),
    )
    .await;
    // Check-ins: most priorities answered most weeks; some owners silent lately; some flat.
    bulk(
        store,
        "priority_updates",
        &[
            "workspace_id",
            "priority_id",
            "author_id",
            "status",
            "progress",
            "created_at",
            "cycle_id",
            "late",
        ],
        (0..TEAMS).flat_map(|t| {
            (0..CYCLES).flat_map(move |w| {
                (0..PRIORITIES_PER_TEAM).filter_map(move |k| {
                    let id = company + 1 + t * PRIORITIES_PER_TEAM + k;
                    let silent_owner = (t + k) % 17 == 0 && w > CYCLES - 4;
                    if silent_owner || (t * 7 + k * 3 + w) % 11 == 0 {
                        return None;
                    }
                    let progress = if k % 7 == 0 {
                        40
                    } else {
                        (w * 2 + k * 3) % 100
                    };
                    Some(row![
                        WS,
                        id,
                        2 + t * OWNERS_PER_TEAM + k % OWNERS_PER_TEAM,
                        status_of(id),
                        progress,
                        now + w * 7 * 86400 + 3600,
                        cycle_id(t, w),
                        0,
                    ])
                })
            })
        }),
    )
    .await;
    // Cross-team dependencies: every tenth priority waits on one in the next team.
    bulk(
        store,
        "priority_dependencies",
        &[
            "workspace_id",
            "priority_id",
            "depends_on_id",
            "created_by",
            "created_at",
        ],
        (0..TEAMS).flat_map(|t| {
            (0..PRIORITIES_PER_TEAM).step_by(10).map(move |k| {
                let next = (t + 1) % TEAMS;
                row![
                    WS,
                    company + 1 + t * PRIORITIES_PER_TEAM + k,
                    company + 1 + next * PRIORITIES_PER_TEAM + 6,
                    1,
                    now
                ]
            })
        }),
    )
    .await;
    // Fresh statistics, as an operator's database would have after a while.
    exec(store, "ANALYZE").await;
    let updates: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM priority_updates")
        .fetch_one(store.pool())
        .await
        .unwrap();
    println!(
        "seeded {TEAMS} teams, {count} priorities, {} cycles, {updates} check-ins in {:.1?}",
        TEAMS * CYCLES,
        t0.elapsed()
    );
}

async fn measure<F, Fut>(name: &str, runs: usize, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut times: Vec<Duration> = Vec::new();
    let mut size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        size = f().await;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{name:<36} median {:>9.1?}  min {:>9.1?}  max {:>9.1?}  ({size} items)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; nothing else is expected.
    let (url, _dir, cleanup) = match std::env::var("PACER_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin) => {
            // PACER_BENCH_SCHEMA keeps a seeded schema between runs; otherwise a fresh one is
            // made and dropped.
            let kept = std::env::var("PACER_BENCH_SCHEMA").ok();
            let schema = kept
                .clone()
                .unwrap_or_else(|| format!("bench_{}", std::process::id()));
            let store = Store::connect(&admin).await.unwrap();
            exec(&store, &format!("CREATE SCHEMA IF NOT EXISTS {schema}")).await;
            store.close().await;
            let sep = if admin.contains('?') { '&' } else { '?' };
            (
                format!("{admin}{sep}options%5Bsearch_path%5D={schema}"),
                None,
                kept.is_none().then_some((admin, schema)),
            )
        }
        None => match std::env::var("PACER_BENCH_SQLITE_FILE").ok() {
            // Keep the seeded file between runs (seeding takes a couple of minutes).
            Some(path) => (format!("sqlite://{path}"), None, None),
            None => {
                let dir = tempfile::tempdir().unwrap();
                (
                    format!("sqlite://{}", dir.path().join("bench.db").display()),
                    Some(dir),
                    None,
                )
            }
        },
    };
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    println!("database: {:?}", store.backend());
    let seeded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workspaces")
        .fetch_one(store.pool())
        .await
        .unwrap();
    if seeded == 0 {
        seed(&store).await;
    }
    let as_of = start() + chrono::Duration::days(7 * CYCLES);
    // The seed writes history directly, as a database from before the maintained drift facts
    // would hold it: draw them once, as `pacer serve` does at start-up (a no-op on reruns).
    // This is also about what closing every team's cycle at once costs the closing transaction.
    let t = Instant::now();
    let drawn = store.backfill_drift_facts(as_of.timestamp()).await.unwrap();
    println!(
        "drift facts drawn for {drawn} priorities in {:.1?}",
        t.elapsed()
    );
    let today = as_of.date_naive();
    let team = store.team(WS, 2 + DIVISIONS + 500).await.unwrap().unwrap();
    let last = store
        .last_closed_cycle(WS, team.id, i64::MAX)
        .await
        .unwrap()
        .unwrap();
    let closed = DateTime::from_timestamp(last.closes_at, 0).unwrap();
    measure("one team's digest", 20, || async {
        let d = pacer::reporting::digest::build(&store, WS, &team, Some(&last), closed, false)
            .await
            .unwrap();
        d.priorities.len()
    })
    .await;
    let company = store.team(WS, 1).await.unwrap().unwrap();
    measure("organisation-wide roll-up", 5, || async {
        let d = pacer::reporting::digest::build(&store, WS, &company, None, as_of, true)
            .await
            .unwrap();
        d.rollup.map(|r| r.alignment.active).unwrap_or(0)
    })
    .await;
    measure("list stalled (whole workspace)", 5, || async {
        let all = store
            .priorities(WS, &PriorityQuery::default())
            .await
            .unwrap();
        let flags = pacer::reporting::drift::evaluate(
            &store,
            WS,
            &all,
            as_of,
            today,
            &Thresholds::default(),
        )
        .await
        .unwrap();
        flags.values().filter(|r| !r.is_empty()).count()
    })
    .await;
    measure("list stalled from history", 3, || async {
        let all = store
            .priorities(WS, &PriorityQuery::default())
            .await
            .unwrap();
        let flags = pacer::reporting::drift::evaluate_from(
            &store,
            WS,
            &all,
            as_of,
            today,
            &Thresholds::default(),
            pacer::reporting::drift::Source::History,
        )
        .await
        .unwrap();
        flags.values().filter(|r| !r.is_empty()).count()
    })
    .await;
    if std::env::var("PACER_BENCH_PHASES").is_ok() {
        let all = store
            .priorities(WS, &PriorityQuery::default())
            .await
            .unwrap();
        let ids: Vec<i64> = all.iter().map(|p| p.id).collect();
        let t = Instant::now();
        let f = store.drift_facts(WS, &ids).await.unwrap();
        println!("drift facts {:?} ({} rows)", t.elapsed(), f.len());
    }
    if std::env::var("PACER_BENCH_PHASES").is_ok() {
        let all = store
            .priorities(WS, &PriorityQuery::default())
            .await
            .unwrap();
        let ids: Vec<i64> = all.iter().map(|p| p.id).collect();
        let t = Instant::now();
        let _ = store.dependency_edges(WS).await.unwrap();
        println!("edges {:?}", t.elapsed());
        let t = Instant::now();
        let u = store
            .updates_as_of(WS, &ids, 3, as_of.timestamp())
            .await
            .unwrap();
        println!("updates {:?} ({} rows)", t.elapsed(), u.len());
        let t = Instant::now();
        let pairs: Vec<(i64, i64)> = all.iter().map(|p| (p.id, p.team_id)).collect();
        let a = store
            .answered_in_recent_cycles(WS, &pairs, as_of.timestamp(), 2)
            .await
            .unwrap();
        println!("answered {:?} ({} rows)", t.elapsed(), a.len());
        let t = Instant::now();
        let _ = store
            .priorities(WS, &PriorityQuery::default())
            .await
            .unwrap();
        println!("priorities {:?}", t.elapsed());
    }
    store.close().await;
    if let Some((admin, schema)) = cleanup {
        let store = Store::connect(&admin).await.unwrap();
        exec(&store, &format!("DROP SCHEMA {schema} CASCADE")).await;
        store.close().await;
    }
}
