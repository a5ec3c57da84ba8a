//! The maintained drift facts against the history: after any sequence of events (updates and
//! check-ins, late answers to closed cycles, cycles opening and closing with roll-ups above
//! them, priorities added, closed, reopened and moved, dependencies added and removed, new
//! thresholds, days passing), the flags from the maintained facts equal the flags recomputed
//! from the history, now and at every earlier moment of the run, and every active priority's
//! facts are usable (so the comparison is never between two readings of the history).

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use pacer::domain::drift::Reason;
use pacer::domain::{Priority, Progress, Status};
use pacer::reporting::drift::{Source, evaluate_from};
use pacer::store::{
    NewCycle, NewPriority, NewTeamArgs, OwnerPlan, PriorityChanges, PriorityQuery, Scope, Store,
    UpdateInput,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::common::test_database;

const CASES: usize = 40;
const TEAMS: usize = 3;
const OWNERS: usize = 3;

#[derive(Debug, Clone)]
enum Event {
    Add {
        team: usize,
        owner: usize,
        due_in_days: Option<i64>,
    },
    Update {
        p: usize,
        status: usize,
        progress: i64,
        /// Answer the open cycle that asks about it, if there is one.
        checkin: bool,
    },
    /// Answer the `back`-th latest closed cycle that asked about it, after its close.
    LateAnswer {
        p: usize,
        back: usize,
        status: usize,
    },
    OpenCycle {
        team: usize,
        away: [bool; OWNERS],
        already_closed: bool,
    },
    CloseDue,
    Days(i64),
    Depend {
        p: usize,
        on: usize,
    },
    Undepend {
        p: usize,
        on: usize,
    },
    Move {
        p: usize,
        team: usize,
    },
    Thresholds {
        silent: i64,
        off: i64,
        risk: i64,
        flat: i64,
    },
}

fn event() -> impl Strategy<Value = Event> {
    let ix = 0..64usize;
    prop_oneof![
        2 => (0..TEAMS, 0..OWNERS, proptest::option::of(-5i64..40)).prop_map(
            |(team, owner, due_in_days)| Event::Add { team, owner, due_in_days }
        ),
        6 => (ix.clone(), 0..5usize, prop_oneof![Just(40i64), 0..=100i64], any::<bool>())
            .prop_map(|(p, status, progress, checkin)| Event::Update { p, status, progress, checkin }),
        2 => (ix.clone(), 0..4usize, 0..3usize)
            .prop_map(|(p, back, status)| Event::LateAnswer { p, back, status }),
        3 => (0..TEAMS, any::<[bool; OWNERS]>(), proptest::bool::weighted(0.15)).prop_map(
            |(team, away, already_closed)| Event::OpenCycle { team, away, already_closed }
        ),
        3 => Just(Event::CloseDue),
        1 => (0i64..20).prop_map(Event::Days),
        1 => (ix.clone(), ix.clone()).prop_map(|(p, on)| Event::Depend { p, on }),
        1 => (ix.clone(), ix.clone()).prop_map(|(p, on)| Event::Undepend { p, on }),
        1 => (ix, 0..TEAMS).prop_map(|(p, team)| Event::Move { p, team }),
        1 => (1i64..=3, 1i64..=3, 1i64..=4, 1i64..=4)
            .prop_map(|(silent, off, risk, flat)| Event::Thresholds { silent, off, risk, flat }),
    ]
}

/// One run: its own workspace in the shared database.
struct World {
    store: Store,
    ws: i64,
    now: DateTime<Utc>,
    people: Vec<i64>,
    teams: Vec<(i64, String)>,
    priorities: Vec<i64>,
    slots: usize,
    /// Moments of the run to ask about again at the end, as a closed cycle's digest would.
    moments: Vec<DateTime<Utc>>,
}

impl World {
    async fn new(store: &Store, case: usize) -> World {
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
        let t = now.timestamp();
        let ws = store
            .ensure_workspace("slack", &format!("TDRIFT{case}"), t)
            .await
            .unwrap();
        let mut people = Vec::new();
        for i in 0..OWNERS {
            let p = store
                .upsert_person(ws, &format!("U{i}"), &format!("owner {i}"), None, t)
                .await
                .unwrap();
            people.push(p.id);
        }
        let mut teams: Vec<(i64, String)> = Vec::new();
        for i in 0..TEAMS {
            let name = format!("team{i}");
            let channel = format!("C{i}");
            let row = store
                .create_team(
                    ws,
                    NewTeamArgs {
                        name: &name,
                        name_key: &name,
                        channel_id: Some(&channel),
                        channel_name: Some(&name),
                        // Team 0 is above the others and gets their roll-up cycles.
                        parent_team_id: (i > 0).then(|| teams[0].0),
                        lead_person_id: people[0],
                        created_by: people[0],
                    },
                    t,
                )
                .await
                .unwrap();
            teams.push((row.id, name));
        }
        World {
            store: store.clone(),
            ws,
            now,
            people,
            teams,
            priorities: Vec::new(),
            slots: 0,
            moments: Vec::new(),
        }
    }

    fn t(&self) -> i64 {
        self.now.timestamp()
    }

    async fn priority(&self, ix: usize) -> Option<Priority> {
        if self.priorities.is_empty() {
            return None;
        }
        let id = self.priorities[ix % self.priorities.len()];
        self.store.priority_by_id(self.ws, id).await.unwrap()
    }

    async fn apply(&mut self, e: &Event) {
        let (store, ws) = (self.store.clone(), self.ws);
        self.now += Duration::minutes(7);
        let t = self.t();
        match e {
            Event::Add {
                team,
                owner,
                due_in_days,
            } => {
                let p = store
                    .create_priority(
                        ws,
                        NewPriority {
                            title: format!("P{}", self.priorities.len()),
                            owner_id: self.people[*owner],
                            team_id: self.teams[*team].0,
                            due: due_in_days.map(|d| (self.now + Duration::days(d)).date_naive()),
                            parent_id: None,
                            created_by: self.people[0],
                        },
                        t,
                    )
                    .await
                    .unwrap();
                self.priorities.push(p.id);
            }
            Event::Update {
                p,
                status,
                progress,
                checkin,
            } => {
                let Some(p) = self.priority(*p).await else {
                    return;
                };
                let cycle_id = if *checkin {
                    store
                        .open_cycle_of_priority(ws, p.id)
                        .await
                        .unwrap()
                        .map(|c| c.id)
                } else {
                    None
                };
                let update = UpdateInput {
                    status: Status::ALL[*status],
                    progress: Progress::new(*progress).unwrap(),
                    note: None,
                    blocker: None,
                    cycle_id,
                    late: false,
                };
                store
                    .record_update(ws, &p, &update, p.owner_person_id, t)
                    .await
                    .unwrap();
            }
            Event::LateAnswer { p, back, status } => {
                let Some(p) = self.priority(*p).await else {
                    return;
                };
                let closed: Vec<i64> = sqlx::query_scalar(
                    "SELECT c.id FROM cycles c JOIN cycle_priorities cp ON cp.cycle_id = c.id
                     WHERE cp.priority_id = $1 AND c.state = 'closed' ORDER BY c.closes_at DESC, c.id DESC",
                )
                .bind(p.id)
                .fetch_all(store.pool())
                .await
                .unwrap();
                let Some(cycle) = closed.get(*back) else {
                    return;
                };
                let update = UpdateInput {
                    status: Status::ALL[*status],
                    progress: p.progress,
                    note: None,
                    blocker: None,
                    cycle_id: Some(*cycle),
                    late: true,
                };
                store
                    .record_update(ws, &p, &update, p.owner_person_id, t)
                    .await
                    .unwrap();
            }
            Event::OpenCycle {
                team,
                away,
                already_closed,
            } => {
                let team_id = self.teams[*team].0;
                let mut owners: Vec<OwnerPlan> = Vec::new();
                for (owner, id) in store.active_priorities_by_owner(ws, team_id).await.unwrap() {
                    if owners.last().map(|o| o.person_id) != Some(owner) {
                        let i = self.people.iter().position(|p| *p == owner).unwrap();
                        owners.push(OwnerPlan {
                            person_id: owner,
                            prompt_at: t,
                            remind_at: None,
                            away: away[i],
                            away_reason: away[i].then(|| "period".to_string()),
                            priority_ids: Vec::new(),
                            acting_for: Vec::new(),
                            quiet: Vec::new(),
                        });
                    }
                    owners.last_mut().unwrap().priority_ids.push(id);
                }
                self.slots += 1;
                let slot = format!("s{}", self.slots);
                let (opens, closes) = if *already_closed {
                    (t - 3 * 86_400, t - 3600)
                } else {
                    (t, t + 2 * 86_400)
                };
                store
                    .open_cycle(
                        NewCycle {
                            workspace_id: ws,
                            team_id,
                            slot: &slot,
                            opens_at: opens,
                            closes_at: closes,
                            already_closed: *already_closed,
                            owners,
                        },
                        t,
                    )
                    .await
                    .unwrap();
            }
            Event::CloseDue => {
                self.now += Duration::days(2);
                store
                    .close_due_cycles(self.t(), &Scope::Only(ws))
                    .await
                    .unwrap();
                self.moments.push(self.now);
            }
            Event::Days(n) => {
                self.now += Duration::days(*n);
                self.moments.push(self.now);
            }
            Event::Depend { p, on } | Event::Undepend { p, on } => {
                let (Some(a), Some(b)) = (self.priority(*p).await, self.priority(*on).await) else {
                    return;
                };
                if matches!(e, Event::Depend { .. }) {
                    store
                        .add_dependency(ws, a.id, b.id, self.people[0], t)
                        .await
                        .unwrap();
                } else {
                    store
                        .remove_dependency(ws, a.id, b.id, self.people[0], t)
                        .await
                        .unwrap();
                }
            }
            Event::Move { p, team } => {
                let Some(p) = self.priority(*p).await else {
                    return;
                };
                let (team_id, name) = self.teams[*team].clone();
                if p.team_id == team_id {
                    return;
                }
                let changes = PriorityChanges {
                    title: None,
                    owner: None,
                    team: Some((team_id, name)),
                    due: None,
                    parent: None,
                    due_reason: None,
                };
                store
                    .change_priority(ws, &p, &changes, self.people[0], t)
                    .await
                    .unwrap();
            }
            Event::Thresholds {
                silent,
                off,
                risk,
                flat,
            } => {
                let spec = format!(
                    "silent={silent},stuck_off_track={off},stuck_at_risk={risk},flat={flat},behind=20"
                );
                store.set_drift_thresholds(ws, &spec, t).await.unwrap();
            }
        }
    }

    async fn flags(&self, at: DateTime<Utc>, source: Source) -> HashMap<i64, Vec<Reason>> {
        let all = self
            .store
            .priorities(
                self.ws,
                &PriorityQuery {
                    include_closed: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let t = self.store.drift_thresholds(self.ws).await.unwrap();
        evaluate_from(&self.store, self.ws, &all, at, at.date_naive(), &t, source)
            .await
            .unwrap()
    }

    /// The facts behind differing flags, for the failure message.
    async fn explain(
        &self,
        maintained: &HashMap<i64, Vec<Reason>>,
        history: &HashMap<i64, Vec<Reason>>,
    ) -> String {
        let ids: Vec<i64> = maintained
            .keys()
            .filter(|id| maintained.get(id) != history.get(id))
            .copied()
            .collect();
        let facts = self.store.drift_facts(self.ws, &ids).await.unwrap();
        let mut out = format!("now {}\n", self.t());
        for id in ids {
            let p = self
                .store
                .priority_by_id(self.ws, id)
                .await
                .unwrap()
                .unwrap();
            let answered = self
                .store
                .answered_in_recent_cycles(self.ws, &[(id, p.team_id)], self.t(), 3)
                .await
                .unwrap();
            out += &format!(
                "priority {id} team {} {:?}: maintained {:?}, history answered {answered:?}\n",
                p.team_id,
                p.status,
                facts.get(&id)
            );
        }
        let cycles: Vec<(i64, i64, String, i64, i64)> = sqlx::query_as(
            "SELECT id, team_id, state, opens_at, closes_at FROM cycles WHERE workspace_id = $1 ORDER BY id",
        )
        .bind(self.ws)
        .fetch_all(self.store.pool())
        .await
        .unwrap();
        out + &format!("cycles {cycles:?}")
    }

    /// Every active priority's maintained facts serve a question about now.
    async fn assert_facts_serve(&self, history: &[Event]) {
        let t = self.store.drift_thresholds(self.ws).await.unwrap();
        let active = self
            .store
            .priorities(self.ws, &PriorityQuery::default())
            .await
            .unwrap();
        let ids: Vec<i64> = active.iter().map(|p| p.id).collect();
        let facts = self.store.drift_facts(self.ws, &ids).await.unwrap();
        for id in ids {
            assert!(
                facts.get(&id).is_some_and(|f| f.serves(self.t(), &t)),
                "priority {id} has no usable drift facts ({:?}) after {history:#?}",
                facts.get(&id)
            );
        }
    }
}

fn rand_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

#[tokio::test]
async fn maintained_drift_state_equals_the_history_after_any_events() {
    let (url, _db) = test_database().await;
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    // A fresh seed each run, printed on failure; DRIFT_SEED=<n> replays one.
    let seed: u64 = std::env::var("DRIFT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand_seed);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: CASES as u32,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = proptest::collection::vec(event(), 10..60);
    for case in 0..CASES {
        let events = strategy.new_tree(&mut runner).unwrap().current();
        let mut world = World::new(&store, case).await;
        // A few priorities and a first cycle, so that most events have something to act on.
        for (team, owner) in [(1, 0), (1, 1), (2, 2), (0, 1)] {
            world
                .apply(&Event::Add {
                    team,
                    owner,
                    due_in_days: Some(20),
                })
                .await;
        }
        for (i, e) in events.iter().enumerate() {
            world.apply(e).await;
            let now = world.now;
            let maintained = world.flags(now, Source::Maintained).await;
            let history = world.flags(now, Source::History).await;
            assert_eq!(
                maintained,
                history,
                "seed {seed}, case {case}: flags differ after {:#?}\n{}",
                &events[..=i],
                world.explain(&maintained, &history).await
            );
            world.assert_facts_serve(&events[..=i]).await;
        }
        for at in world.moments.clone() {
            assert_eq!(
                world.flags(at, Source::Maintained).await,
                world.flags(at, Source::History).await,
                "seed {seed}, case {case}: flags as of {at} differ after {events:#?}"
            );
        }
    }
    store.close().await;
}
