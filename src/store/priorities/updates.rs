//! Reading what happened to priorities: their history, their status updates, and whether
//! they were answered in recent cycles. The drift facts are drawn from these too.

use sqlx::AnyConnection;

use super::{HistoryEntry, ID_BATCH, UpdateEntry};
use crate::store::{Result, Store};

impl Store {
    pub async fn history(&self, ws: i64, priority_id: i64) -> Result<Vec<HistoryEntry>> {
        Ok(sqlx::query_as(
            "SELECT h.at, a.user_id AS actor_user_id, a.display_name AS actor_name, h.field, h.old_value, h.new_value
             FROM priority_history h JOIN people a ON a.id = h.actor_id AND a.workspace_id = h.workspace_id
             WHERE h.workspace_id = $1 AND h.priority_id = $2 ORDER BY h.id",
        )
        .bind(ws)
        .bind(priority_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The latest updates of the given priorities, newest first, at most `per_priority` each.
    pub async fn recent_updates(
        &self,
        ws: i64,
        priority_ids: &[i64],
        per_priority: usize,
    ) -> Result<Vec<UpdateEntry>> {
        self.updates_as_of(ws, priority_ids, per_priority, i64::MAX)
            .await
    }

    /// The latest updates (at or before `as_of`) of the given priorities, newest first, at most
    /// `per_priority` each.
    pub async fn updates_as_of(
        &self,
        ws: i64,
        priority_ids: &[i64],
        per_priority: usize,
        as_of: i64,
    ) -> Result<Vec<UpdateEntry>> {
        let mut conn = self.pool.acquire().await?;
        latest_updates(&mut conn, ws, priority_ids, per_priority, as_of, as_of).await
    }

    /// See [`answered_in_recent_cycles`].
    pub async fn answered_in_recent_cycles(
        &self,
        ws: i64,
        priorities: &[(i64, i64)],
        as_of: i64,
        n: usize,
    ) -> Result<Vec<(i64, i64)>> {
        let mut conn = self.pool.acquire().await?;
        answered_in_recent_cycles(&mut conn, ws, priorities, as_of, n).await
    }
}

/// For each priority, whether it was answered in each of the last `n` closed cycles of its team
/// (as of `as_of`) that asked its owner about it, newest first; cycles while the owner was away
/// do not count. Only each team's latest `n + 6` closed cycles are looked at, which bounds the
/// work for a whole organisation and leaves room for six away cycles. `priorities` are
/// (priority id, team id) pairs.
pub(crate) async fn answered_in_recent_cycles(
    conn: &mut AnyConnection,
    ws: i64,
    priorities: &[(i64, i64)],
    as_of: i64,
    n: usize,
) -> Result<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for chunk in priorities.chunks(ID_BATCH) {
        let mut teams: Vec<i64> = chunk.iter().map(|(_, t)| *t).collect();
        teams.sort_unstable();
        teams.dedup();
        // The teams' latest closed cycles: a small, exact list the next query can use its
        // primary key with.
        let cycle_teams = latest_closed_cycles(conn, ws, &teams, as_of, n + 6).await?;
        if cycle_teams.is_empty() {
            continue;
        }
        let cycles: Vec<i64> = cycle_teams.keys().copied().collect();
        let team_of: std::collections::HashMap<i64, i64> = chunk.iter().copied().collect();
        let cycle_list: Vec<String> = (0..cycles.len()).map(|i| format!("${}", i + 2)).collect();
        let prio_list: Vec<String> = (0..chunk.len())
            .map(|i| format!("${}", i + 2 + cycles.len()))
            .collect();
        let sql = format!(
            "SELECT cp.priority_id, cp.cycle_id,
                 CAST(CASE WHEN EXISTS (
                     SELECT 1 FROM priority_updates u WHERE u.cycle_id = cp.cycle_id AND u.priority_id = cp.priority_id
                 ) THEN 1 ELSE 0 END AS BIGINT) AS answered
             FROM cycle_priorities cp
             JOIN cycles c ON c.id = cp.cycle_id
             JOIN cycle_owners o ON o.cycle_id = cp.cycle_id AND o.person_id = cp.person_id
             WHERE cp.workspace_id = $1 AND o.away = 0 AND cp.cycle_id IN ({}) AND cp.priority_id IN ({})
             ORDER BY cp.priority_id, c.closes_at DESC, c.id DESC",
            cycle_list.join(", "),
            prio_list.join(", ")
        );
        let mut q = sqlx::query_as::<_, (i64, i64, i64)>(&sql).bind(ws);
        for c in &cycles {
            q = q.bind(*c);
        }
        for (id, _) in chunk {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&mut *conn).await?;
        // Newest first per priority; keep the first `n` of its own team's cycles (a batch
        // holds other teams' cycles too, which may have asked about a priority that moved).
        let mut last = None;
        let mut taken = 0;
        for (id, cycle, answered) in rows {
            if cycle_teams.get(&cycle) != team_of.get(&id) {
                continue;
            }
            if last != Some(id) {
                last = Some(id);
                taken = 0;
            }
            if taken < n {
                out.push((id, answered));
                taken += 1;
            }
        }
    }
    Ok(out)
}

/// The latest `depth` closed cycles (at or before `as_of`) of each of `teams`, as a map from
/// cycle id to team id.
async fn latest_closed_cycles(
    conn: &mut AnyConnection,
    ws: i64,
    teams: &[i64],
    as_of: i64,
    depth: usize,
) -> Result<std::collections::HashMap<i64, i64>> {
    let list: Vec<String> = (0..teams.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "SELECT id, team_id FROM (
             SELECT id, team_id, ROW_NUMBER() OVER (PARTITION BY team_id ORDER BY closes_at DESC, id DESC) AS rn
             FROM cycles WHERE workspace_id = $1 AND state = 'closed' AND closes_at <= $2
               AND team_id IN ({})
         ) x WHERE rn <= $3",
        list.join(", ")
    );
    let mut q = sqlx::query_as::<_, (i64, i64)>(&sql)
        .bind(ws)
        .bind(as_of)
        .bind(depth as i64);
    for t in teams {
        q = q.bind(*t);
    }
    Ok(q.fetch_all(&mut *conn).await?.into_iter().collect())
}

/// The latest updates of the given priorities, newest first, at most `per_priority` each, at or
/// before `as_of`. Most priorities have their latest updates in the 60 days before
/// `recent_until`, so the first pass looks only there; the few that do not are fetched again
/// without bound. (`recent_until` is `as_of`, or now when `as_of` is unbounded.)
pub(crate) async fn latest_updates(
    conn: &mut AnyConnection,
    ws: i64,
    priority_ids: &[i64],
    per_priority: usize,
    recent_until: i64,
    as_of: i64,
) -> Result<Vec<UpdateEntry>> {
    const RECENT_SECS: i64 = 60 * 86_400;
    let mut out = updates_between(
        conn,
        ws,
        priority_ids,
        per_priority,
        recent_until.saturating_sub(RECENT_SECS),
        as_of,
    )
    .await?;
    let mut found: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for u in &out {
        *found.entry(u.priority_id).or_default() += 1;
    }
    let short: Vec<i64> = priority_ids
        .iter()
        .copied()
        .filter(|id| found.get(id).copied().unwrap_or(0) < per_priority)
        .collect();
    if !short.is_empty() {
        let retry: std::collections::HashSet<i64> = short.iter().copied().collect();
        out.retain(|u| !retry.contains(&u.priority_id));
        out.extend(updates_between(conn, ws, &short, per_priority, i64::MIN, as_of).await?);
        out.sort_by(|a, b| {
            a.priority_id
                .cmp(&b.priority_id)
                .then(b.created_at.cmp(&a.created_at))
        });
    }
    Ok(out)
}

async fn updates_between(
    conn: &mut AnyConnection,
    ws: i64,
    priority_ids: &[i64],
    per_priority: usize,
    from: i64,
    to: i64,
) -> Result<Vec<UpdateEntry>> {
    let mut out = Vec::new();
    for chunk in priority_ids.chunks(ID_BATCH) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 5)).collect();
        let sql = format!(
            "SELECT priority_id, status, progress, note, blocker, created_at FROM (
                 SELECT u.*, ROW_NUMBER() OVER (PARTITION BY u.priority_id ORDER BY u.created_at DESC, u.id DESC) AS rn
                 FROM priority_updates u
                 WHERE u.workspace_id = $1 AND u.created_at >= $3 AND u.created_at <= $4 AND u.priority_id IN ({})
             ) ranked WHERE rn <= $2 ORDER BY priority_id, created_at DESC, rn",
            list.join(", ")
        );
        let mut q = sqlx::query_as::<_, UpdateEntry>(&sql)
            .bind(ws)
            .bind(per_priority as i64)
            .bind(from)
            .bind(to);
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// One move of a priority's due date, as the slip log shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Slip {
    pub at: i64,
    pub actor_name: String,
    pub old_value: String,
    pub new_value: Option<String>,
    pub reason: Option<String>,
}

/// The SQL of a slip: a change of a due date the priority had (setting the first one is not).
const SLIP: &str = "h.field = 'due' AND h.old_value IS NOT NULL";

impl Store {
    /// A priority's slips, oldest first.
    pub async fn slips(&self, ws: i64, priority_id: i64) -> Result<Vec<Slip>> {
        Ok(sqlx::query_as(&format!(
            "SELECT h.at, a.display_name AS actor_name, h.old_value, h.new_value, h.reason
             FROM priority_history h JOIN people a ON a.id = h.actor_id AND a.workspace_id = h.workspace_id
             WHERE h.workspace_id = $1 AND h.priority_id = $2 AND {SLIP} ORDER BY h.id"
        ))
        .bind(ws)
        .bind(priority_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Priorities of the workspace whose due date moved at least `min` times by `as_of`: how
    /// many times, and the reason given with the latest move. One grouped read of the due
    /// changes (indexed by workspace, field and time), whatever the number of priorities.
    pub async fn slipping(
        &self,
        ws: i64,
        as_of: i64,
        min: usize,
    ) -> Result<std::collections::HashMap<i64, (usize, Option<String>)>> {
        let rows: Vec<(i64, i64, Option<String>)> = sqlx::query_as(&format!(
            "SELECT l.priority_id, s.moves, l.reason FROM priority_history l
             JOIN (SELECT h.priority_id, COUNT(*) AS moves, MAX(h.id) AS latest
                   FROM priority_history h
                   WHERE h.workspace_id = $1 AND {SLIP} AND h.at <= $2
                   GROUP BY h.priority_id HAVING COUNT(*) >= $3) s ON l.id = s.latest"
        ))
        .bind(ws)
        .bind(as_of)
        .bind(min as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, moves, reason)| (id, (moves.max(0) as usize, reason)))
            .collect())
    }
}
