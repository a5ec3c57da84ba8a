//! Evaluating the drift rules for a set of priorities: load what the pure rules in
//! `domain::drift` need (recent updates, recent cycles, dependencies and what they depend on)
//! in a bounded number of queries, then apply them. The history-derived inputs come from the
//! maintained drift facts (`store::drift_facts`) when those say what the history says as of
//! the moment asked about, which is every question about now; a closed cycle's digest asks
//! about its close and reads the history.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::drift::{self, Node, Reason, Thresholds, UpdateFact};
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
    if scope.is_empty() {
        return Ok(HashMap::new());
    }
    // `blocked` looks through dependencies, transitively: bring in everything reachable.
    let edges = store.dependency_edges(ws).await?;
    let mut deps: HashMap<i64, Vec<i64>> = HashMap::new();
    for (a, b) in &edges {
        deps.entry(*a).or_default().push(*b);
    }
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
    let inputs = rule_inputs(store, ws, &known, as_of.timestamp(), thresholds, source).await?;
    let slipping = store
        .slipping(ws, as_of.timestamp(), thresholds.slipping_moves)
        .await?;
    let nodes: Vec<Node> = known
        .values()
        .map(|p| {
            let facts = inputs.get(&p.id);
            let mut own = drift::own_flags(
                p,
                facts.map(|f| f.updates.as_slice()).unwrap_or(&[]),
                today,
                thresholds,
            );
            if p.is_active()
                && let Some(silent) = drift::silent_flag(
                    facts.map(|f| f.answered.as_slice()).unwrap_or(&[]),
                    thresholds,
                )
            {
                own.push(silent);
            }
            if p.is_active()
                && let Some((moves, why)) = slipping.get(&p.id)
                && let Some(flag) = drift::slipping_flag(*moves, why.as_deref(), thresholds)
            {
                own.push(flag);
            }
            Node {
                priority: p,
                depends_on: deps.get(&p.id).cloned().unwrap_or_default(),
                own,
            }
        })
        .collect();
    let mut all = drift::with_blocked(nodes);
    let wanted: HashSet<i64> = scope.iter().map(|p| p.id).collect();
    all.retain(|id, _| wanted.contains(id));
    Ok(all)
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
