//! Evaluating the drift rules for a set of priorities: load what the pure rules in
//! `domain::drift` need (recent updates, recent cycles, dependencies and what they depend on)
//! in a bounded number of queries, then apply them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::drift::{self, Node, Reason, Thresholds, UpdateFact};
use crate::domain::{Priority, Status};
use crate::store::{Store, StoreError};

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
    // Sorted, so each batch of ids covers few teams (ids are created team by team).
    let mut ids: Vec<i64> = known.keys().copied().collect();
    ids.sort_unstable();
    let depth = thresholds
        .stuck_at_risk
        .max(thresholds.flat_updates)
        .max(thresholds.stuck_off_track);
    let mut updates: HashMap<i64, Vec<UpdateFact>> = HashMap::new();
    for u in store
        .updates_as_of(ws, &ids, depth, as_of.timestamp())
        .await?
    {
        if let Ok(status) = u.status.parse::<Status>() {
            updates.entry(u.priority_id).or_default().push(UpdateFact {
                status,
                progress: u.progress.clamp(0, 100) as u8,
            });
        }
    }
    let mut answered: HashMap<i64, Vec<bool>> = HashMap::new();
    let with_teams: Vec<(i64, i64)> = ids.iter().map(|id| (*id, known[id].team_id)).collect();
    for (id, a) in store
        .answered_in_recent_cycles(ws, &with_teams, as_of.timestamp(), thresholds.silent_cycles)
        .await?
    {
        answered.entry(id).or_default().push(a != 0);
    }
    let nodes: Vec<Node> = known
        .values()
        .map(|p| {
            let mut own = drift::own_flags(
                p,
                updates.get(&p.id).map(Vec::as_slice).unwrap_or(&[]),
                today,
                thresholds,
            );
            if p.is_active()
                && let Some(silent) = drift::silent_flag(
                    answered.get(&p.id).map(Vec::as_slice).unwrap_or(&[]),
                    thresholds,
                )
            {
                own.push(silent);
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
