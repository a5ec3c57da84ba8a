//! Evaluating the drift rules for a set of priorities: load what the pure rules in
//! `domain::drift` need (recent updates, recent cycles, dependencies and what they depend on)
//! in a bounded number of queries, then apply them. The history-derived inputs come from the
//! maintained drift facts (`store::drift_facts`) when those say what the history says as of
//! the moment asked about, which is every question about now; a closed cycle's digest asks
//! about its close and reads the history.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::drift::{self, Flag, Node, Reason, Thresholds, UpdateFact};
use crate::domain::score::{self, Score};
use crate::domain::{Priority, Status};
use crate::store::{Store, StoreError};

/// Where the rules' history-derived inputs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The maintained drift facts wherever they say what the history says as of the moment
    /// asked about, the history for the rest.
    Maintained,
    /// The history only: what the maintained facts are checked against.
    History,
}

/// Flags of every priority in `scope` (keyed by id), as of `as_of`, with `today` the date
/// overdue and behind count from.
pub async fn evaluate(
    store: &Store,
    ws: i64,
    scope: &[Priority],
    as_of: DateTime<Utc>,
    today: NaiveDate,
    thresholds: &Thresholds,
) -> Result<HashMap<i64, Vec<Reason>>, StoreError> {
    evaluate_from(
        store,
        ws,
        scope,
        as_of,
        today,
        thresholds,
        Source::Maintained,
    )
    .await
}

/// [`evaluate`], with the inputs taken from `source`.
pub async fn evaluate_from(
    store: &Store,
    ws: i64,
    scope: &[Priority],
    as_of: DateTime<Utc>,
    today: NaiveDate,
    thresholds: &Thresholds,
    source: Source,
) -> Result<HashMap<i64, Vec<Reason>>, StoreError> {
    let moment = Moment {
        as_of,
        today,
        thresholds,
        source,
    };
    Ok(assess(store, ws, scope, &moment)
        .await?
        .into_iter()
        .map(|(id, a)| (id, a.reasons))
        .collect())
}

/// A priority's flags and its drift score.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    pub reasons: Vec<Reason>,
    pub score: Score,
}

/// The moment the rules are applied at, and with what.
pub struct Moment<'a> {
    pub as_of: DateTime<Utc>,
    /// The date overdue and behind count from.
    pub today: NaiveDate,
    pub thresholds: &'a Thresholds,
    pub source: Source,
}

impl<'a> Moment<'a> {
    /// Now, with the maintained facts.
    pub fn now(as_of: DateTime<Utc>, today: NaiveDate, thresholds: &'a Thresholds) -> Self {
        Moment {
            as_of,
            today,
            thresholds,
            source: Source::Maintained,
        }
    }
}

/// Flags and drift score of every priority in `scope`, keyed by id.
pub async fn assess(
    store: &Store,
    ws: i64,
    scope: &[Priority],
    at: &Moment<'_>,
) -> Result<HashMap<i64, Assessment>, StoreError> {
    if scope.is_empty() {
        return Ok(HashMap::new());
    }
    // `blocked` looks through dependencies, transitively: bring in everything reachable.
    let edges = store.dependency_edges(ws).await?;
    let mut deps: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut waiting: HashMap<i64, usize> = HashMap::new();
    for (a, b) in &edges {
        deps.entry(*a).or_default().push(*b);
        *waiting.entry(*b).or_default() += 1;
    }
    let known = reachable(store, ws, scope, &deps).await?;
    let as_of = at.as_of.timestamp();
    let inputs = rule_inputs(store, ws, &known, as_of, at.thresholds, at.source).await?;
    // Every move counts toward the score; the flag needs the threshold's worth.
    let slips = store.slipping(ws, as_of, 1).await?;
    let nodes: Vec<Node> = known
        .values()
        .map(|p| Node {
            priority: p,
            depends_on: deps.get(&p.id).cloned().unwrap_or_default(),
            own: own_reasons(p, inputs.get(&p.id), slips.get(&p.id), at),
        })
        .collect();
    let mut flags = drift::with_blocked(nodes);
    let empty = RuleInputs::default();
    Ok(scope
        .iter()
        .map(|p| {
            let reasons = flags.remove(&p.id).unwrap_or_default();
            let facts = inputs.get(&p.id).unwrap_or(&empty);
            let score = score::score(&score::Inputs {
                priority: p,
                updates: &facts.updates,
                answered: &facts.answered,
                today: at.today,
                slips: slips.get(&p.id).map_or(0, |(n, _)| *n),
                blocked: reasons.iter().any(|r| r.flag == Flag::Blocked),
                dependents: waiting.get(&p.id).copied().unwrap_or(0),
            });
            (p.id, Assessment { reasons, score })
        })
        .collect())
}

/// `scope` and every priority reachable from it through dependencies, by id.
async fn reachable(
    store: &Store,
    ws: i64,
    scope: &[Priority],
    deps: &HashMap<i64, Vec<i64>>,
) -> Result<HashMap<i64, Priority>, StoreError> {
    let mut known: HashMap<i64, Priority> = scope.iter().map(|p| (p.id, p.clone())).collect();
    let mut frontier: Vec<i64> = scope.iter().map(|p| p.id).collect();
    let mut seen: HashSet<i64> = frontier.iter().copied().collect();
    while !frontier.is_empty() {
        let next: Vec<i64> = frontier
            .iter()
            .flat_map(|id| deps.get(id).into_iter().flatten().copied())
            .filter(|id| seen.insert(*id))
            .collect();
        let missing: Vec<i64> = next
            .iter()
            .copied()
            .filter(|id| !known.contains_key(id))
            .collect();
        for p in store.priorities_by_ids(ws, &missing).await? {
            known.insert(p.id, p);
        }
        frontier = next;
    }
    Ok(known)
}

/// The rules that look at one priority alone: its own flags, before `blocked`.
fn own_reasons(
    p: &Priority,
    facts: Option<&RuleInputs>,
    slips: Option<&(usize, Option<String>)>,
    at: &Moment<'_>,
) -> Vec<Reason> {
    let t = at.thresholds;
    let mut own = drift::own_flags(
        p,
        facts.map(|f| f.updates.as_slice()).unwrap_or(&[]),
        at.today,
        t,
    );
    if !p.is_active() {
        return own;
    }
    if let Some(silent) = drift::silent_flag(facts.map(|f| f.answered.as_slice()).unwrap_or(&[]), t)
    {
        own.push(silent);
    }
    if let Some((moves, why)) = slips
        && let Some(flag) = drift::slipping_flag(*moves, why.as_deref(), t)
    {
        own.push(flag);
    }
    own
}

/// What the rules read of each active priority's history as of `as_of`: its latest updates and
/// its answers in recent cycles. Done and dropped priorities need none (the rules ask nothing
/// of them but their status).
async fn rule_inputs(
    store: &Store,
    ws: i64,
    known: &HashMap<i64, Priority>,
    as_of: i64,
    thresholds: &Thresholds,
    source: Source,
) -> Result<HashMap<i64, RuleInputs>, StoreError> {
    // Sorted, so each batch of ids covers few teams (ids are created team by team).
    let mut ids: Vec<i64> = known
        .values()
        .filter(|p| p.is_active())
        .map(|p| p.id)
        .collect();
    ids.sort_unstable();
    let mut inputs: HashMap<i64, RuleInputs> = HashMap::new();
    if source == Source::Maintained {
        for (id, f) in store.drift_facts(ws, &ids).await? {
            if f.serves(as_of, thresholds) {
                inputs.insert(
                    id,
                    RuleInputs {
                        updates: f.updates,
                        answered: f.answered,
                    },
                );
            }
        }
    }
    let missing: Vec<i64> = ids
        .into_iter()
        .filter(|id| !inputs.contains_key(id))
        .collect();
    if missing.is_empty() {
        return Ok(inputs);
    }
    for u in store
        .updates_as_of(ws, &missing, thresholds.update_depth(), as_of)
        .await?
    {
        if let Ok(status) = u.status.parse::<Status>() {
            inputs
                .entry(u.priority_id)
                .or_default()
                .updates
                .push(UpdateFact {
                    status,
                    progress: u.progress.clamp(0, 100) as u8,
                });
        }
    }
    let with_teams: Vec<(i64, i64)> = missing.iter().map(|id| (*id, known[id].team_id)).collect();
    for (id, a) in store
        .answered_in_recent_cycles(ws, &with_teams, as_of, thresholds.silent_cycles)
        .await?
    {
        inputs.entry(id).or_default().answered.push(a != 0);
    }
    Ok(inputs)
}

/// One priority's history as the rules read it, newest first.
#[derive(Debug, Default)]
struct RuleInputs {
    updates: Vec<UpdateFact>,
    answered: Vec<bool>,
}
