//! The drift rules' inputs, maintained: for each active priority, its latest updates and
//! whether it was answered in its team's latest closed cycles, as the history says once every
//! fact so far is counted. Each write of such a fact refreshes the rows it changes in its own
//! transaction, so that reading what is stalled now costs one row per priority instead of a
//! walk through a year of check-ins. The rules themselves stay in `domain::drift` and run at
//! read time: the date rules (overdue, behind) and `blocked` need no history.
//!
//! What changes these inputs, and where the refresh is: an update or check-in, late or not
//! (`record_update`); a new priority (`create_priority`); a move to another team, which brings
//! another team's cycles (`change_priority`); a cycle closing, which moves its team's window of
//! recent cycles, and the roll-up cycles of the teams above it (`close_due_cycles`, and
//! `open_cycle` for a cycle recorded already closed); new thresholds, which change how deep
//! the lists go (`set_drift_thresholds`). Nothing else the rules read comes from history.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;

use super::priorities::{ID_BATCH, answered_in_recent_cycles, latest_updates};
use super::{Backend, Result, Store, StoreError};
use crate::domain::Status;
use crate::domain::drift::{Thresholds, UpdateFact};

/// One priority's maintained drift inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFacts {
    /// Newest first, at most `update_depth`.
    pub updates: Vec<UpdateFact>,
    /// One entry per closed cycle that asked its owner, newest first, at most `answer_depth`.
    pub answered: Vec<bool>,
    pub update_depth: usize,
    pub answer_depth: usize,
    /// The time of the newest fact these reflect: an update's, or a closed cycle's close.
    pub facts_at: i64,
}

impl StoredFacts {
    /// Whether these are what the history gives as of `as_of` under these thresholds: drawn
    /// deep enough for `stuck` and `flat`, for the same `silent` (its window of cycles depends
    /// on it, so a deeper list is not a longer prefix of the same one), and with no fact newer
    /// than `as_of` (a closed cycle's digest asks about the past).
    pub fn serves(&self, as_of: i64, t: &Thresholds) -> bool {
        self.facts_at <= as_of
            && self.update_depth >= t.update_depth()
            && self.answer_depth == t.silent_cycles
    }
}

fn encode_updates(updates: &[UpdateFact]) -> String {
    updates
        .iter()
        .map(|u| format!("{}:{}", u.status.as_str(), u.progress))
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_updates(text: &str) -> Option<Vec<UpdateFact>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (status, progress) = item.split_once(':')?;
            Some(UpdateFact {
                status: status.parse().ok()?,
                progress: progress.parse().ok()?,
            })
        })
        .collect()
}

fn encode_answers(answered: &[bool]) -> String {
    answered
        .iter()
        .map(|a| if *a { '1' } else { '0' })
        .collect()
}

fn decode_answers(text: &str) -> Option<Vec<bool>> {
    text.chars()
        .map(|c| match c {
            '1' => Some(true),
            '0' => Some(false),
            _ => None,
        })
        .collect()
}

/// The workspace's drift thresholds, read on the caller's connection (inside a transaction
/// when refreshing, so the lists are drawn to the depths in force).
pub(crate) async fn thresholds(conn: &mut AnyConnection, ws: i64) -> Result<Thresholds> {
    let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(format!("drift:{ws}"))
        .fetch_optional(&mut *conn)
        .await?;
    Ok(parse_thresholds(value.as_deref()))
}

/// `silent=3,behind=30`: the contract's defaults for what is missing or unreadable, every
/// number within 1..=1000.
fn parse_thresholds(value: Option<&str>) -> Thresholds {
    let mut t = Thresholds::default();
    for pair in value.unwrap_or("").split(',') {
        let Some((k, n)) = pair.split_once('=') else {
            continue;
        };
        let Ok(n) = n.trim().parse::<i64>() else {
            continue;
        };
        let n = n.clamp(1, 1000);
        match k.trim() {
            "silent" => t.silent_cycles = n as usize,
            "stuck_off_track" => t.stuck_off_track = n as usize,
            "stuck_at_risk" => t.stuck_at_risk = n as usize,
            "flat" => t.flat_updates = n as usize,
            "behind" => t.behind_points = n,
            "slipping" => t.slipping_moves = n as usize,
            _ => {}
        }
    }
    t
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Draw the facts of these priorities again from their history, in the caller's transaction,
/// after the fact that changed them is written. On PostgreSQL the priorities' rows are locked
/// first, in id order, so that two transactions refreshing the same priority (an answer while
/// its cycle closes) take turns and the later one reads what the earlier one wrote; SQLite
/// has one writer at a time already. Done and dropped priorities lose their row: the rules
/// ask nothing of their history, and a reopening is an update, which refreshes it.
pub(crate) async fn refresh(
    conn: &mut AnyConnection,
    backend: Backend,
    ws: i64,
    ids: &[i64],
    now: i64,
) -> Result<()> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let t = thresholds(conn, ws).await?;
    let (active, closed) = lock_and_split(conn, backend, ws, &ids).await?;
    forget(conn, &closed).await?;
    if active.is_empty() {
        return Ok(());
    }
    let drawn = draw(conn, ws, &active, &t, now).await?;
    write(conn, ws, &active, &drawn, &t, now).await
}

/// Read (and on PostgreSQL lock, in id order) these priorities' rows, and split them into the
/// active ones, with their team, and the done or dropped ones.
async fn lock_and_split(
    conn: &mut AnyConnection,
    backend: Backend,
    ws: i64,
    ids: &[i64],
) -> Result<(Vec<(i64, i64)>, Vec<i64>)> {
    let lock = match backend {
        Backend::Postgres => " FOR NO KEY UPDATE",
        Backend::Sqlite => "",
    };
    let mut active: Vec<(i64, i64)> = Vec::new();
    let mut closed: Vec<i64> = Vec::new();
    for chunk in ids.chunks(ID_BATCH) {
        let sql = format!(
            "SELECT id, team_id, status FROM priorities WHERE workspace_id = $1 AND id IN ({})
             ORDER BY id{lock}",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (i64, i64, String)>(&sql).bind(ws);
        for id in chunk {
            q = q.bind(*id);
        }
        for (id, team, status) in q.fetch_all(&mut *conn).await? {
            if status.parse::<Status>().is_ok_and(Status::is_active) {
                active.push((id, team));
            } else {
                closed.push(id);
            }
        }
    }
    Ok((active, closed))
}

/// Drop the rows of priorities that are done or dropped: the rules ask nothing of them.
async fn forget(conn: &mut AnyConnection, closed: &[i64]) -> Result<()> {
    for chunk in closed.chunks(ID_BATCH) {
        let sql = format!(
            "DELETE FROM drift_facts WHERE priority_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The facts drawn from the history for a set of active priorities, before they are written.
struct Drawn {
    /// Newest first, by priority.
    updates: HashMap<i64, Vec<UpdateFact>>,
    /// The time of each priority's newest update.
    facts_at: HashMap<i64, i64>,
    /// Whether each priority was answered in its team's latest closed cycles, newest first.
    answered: HashMap<i64, Vec<bool>>,
    /// When each team's latest closed cycle closed.
    last_close: HashMap<i64, i64>,
}

/// Draw the active priorities' (id, team) facts from their history.
async fn draw(
    conn: &mut AnyConnection,
    ws: i64,
    active: &[(i64, i64)],
    t: &Thresholds,
    now: i64,
) -> Result<Drawn> {
    let active_ids: Vec<i64> = active.iter().map(|(id, _)| *id).collect();
    // As of no particular moment: every fact so far.
    let depth = t.update_depth();
    let mut updates: HashMap<i64, Vec<UpdateFact>> = HashMap::new();
    let mut facts_at: HashMap<i64, i64> = HashMap::new();
    for u in latest_updates(conn, ws, &active_ids, depth, now, i64::MAX).await? {
        let at = facts_at.entry(u.priority_id).or_insert(i64::MIN);
        *at = (*at).max(u.created_at);
        if let Ok(status) = u.status.parse::<Status>() {
            updates.entry(u.priority_id).or_default().push(UpdateFact {
                status,
                progress: u.progress.clamp(0, 100) as u8,
            });
        }
    }
    let mut answered: HashMap<i64, Vec<bool>> = HashMap::new();
    for (id, a) in answered_in_recent_cycles(conn, ws, active, i64::MAX, t.silent_cycles).await? {
        answered.entry(id).or_default().push(a != 0);
    }
    let teams: Vec<i64> = active
        .iter()
        .map(|(_, team)| *team)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let last_close = last_closes(conn, ws, &teams).await?;
    Ok(Drawn {
        updates,
        facts_at,
        answered,
        last_close,
    })
}

/// Write the drawn facts of the active priorities (id, team), replacing any older row.
async fn write(
    conn: &mut AnyConnection,
    ws: i64,
    active: &[(i64, i64)],
    drawn: &Drawn,
    t: &Thresholds,
    now: i64,
) -> Result<()> {
    let depth = t.update_depth();
    for chunk in active.chunks(ID_BATCH) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", placeholders(2 + i * 7, 7)))
            .collect();
        let sql = format!(
            "INSERT INTO drift_facts (workspace_id, priority_id, update_depth, updates, answer_depth,
                 answers, facts_at, refreshed_at)
             VALUES {}
             ON CONFLICT (priority_id) DO UPDATE SET update_depth = excluded.update_depth,
                 updates = excluded.updates, answer_depth = excluded.answer_depth,
                 answers = excluded.answers, facts_at = excluded.facts_at,
                 refreshed_at = excluded.refreshed_at",
            values
                .iter()
                .map(|v| v.replacen('(', "($1, ", 1))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(&sql).bind(ws);
        for (id, team) in chunk {
            // The newest fact: the latest update, or the team's latest close if later.
            let at = drawn
                .facts_at
                .get(id)
                .copied()
                .unwrap_or(0)
                .max(drawn.last_close.get(team).copied().unwrap_or(0));
            q = q
                .bind(*id)
                .bind(depth as i64)
                .bind(encode_updates(
                    drawn.updates.get(id).map(Vec::as_slice).unwrap_or(&[]),
                ))
                .bind(t.silent_cycles as i64)
                .bind(encode_answers(
                    drawn.answered.get(id).map(Vec::as_slice).unwrap_or(&[]),
                ))
                .bind(at)
                .bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// When each team's latest closed cycle closed.
async fn last_closes(
    conn: &mut AnyConnection,
    ws: i64,
    teams: &[i64],
) -> Result<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    for chunk in teams.chunks(ID_BATCH) {
        let sql = format!(
            "SELECT team_id, MAX(closes_at) FROM cycles
             WHERE workspace_id = $1 AND state = 'closed' AND team_id IN ({}) GROUP BY team_id",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(&sql).bind(ws);
        for team in chunk {
            q = q.bind(*team);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Refresh every active priority of these teams: a cycle of theirs closed, which moves the
/// window of cycles `silent` looks at. On PostgreSQL the teams' rows are locked first, so that
/// a priority created in or moved into one of them meanwhile (its write holds a key-share
/// lock on the team) is either seen here or refreshes itself after this commits.
pub(crate) async fn refresh_teams(
    conn: &mut AnyConnection,
    backend: Backend,
    ws: i64,
    teams: &[i64],
    now: i64,
) -> Result<()> {
    let mut teams = teams.to_vec();
    teams.sort_unstable();
    teams.dedup();
    let mut ids = Vec::new();
    for chunk in teams.chunks(ID_BATCH) {
        if backend == Backend::Postgres {
            let sql = format!(
                "SELECT id FROM teams WHERE workspace_id = $1 AND id IN ({}) ORDER BY id FOR UPDATE",
                placeholders(2, chunk.len())
            );
            let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(ws);
            for team in chunk {
                q = q.bind(*team);
            }
            q.fetch_all(&mut *conn).await?;
        }
        let sql = format!(
            "SELECT id FROM priorities WHERE workspace_id = $1 AND team_id IN ({})
             AND status NOT IN ('done', 'dropped')",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(ws);
        for team in chunk {
            q = q.bind(*team);
        }
        ids.extend(q.fetch_all(&mut *conn).await?);
    }
    refresh(conn, backend, ws, &ids, now).await
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    priority_id: i64,
    update_depth: i64,
    updates: String,
    answer_depth: i64,
    answers: String,
    facts_at: i64,
}

impl TryFrom<FactsRow> for StoredFacts {
    type Error = StoreError;

    fn try_from(r: FactsRow) -> Result<Self> {
        let corrupt = || StoreError::Corrupt(format!("drift facts of priority {}", r.priority_id));
        Ok(StoredFacts {
            updates: decode_updates(&r.updates).ok_or_else(corrupt)?,
            answered: decode_answers(&r.answers).ok_or_else(corrupt)?,
            update_depth: usize::try_from(r.update_depth).map_err(|_| corrupt())?,
            answer_depth: usize::try_from(r.answer_depth).map_err(|_| corrupt())?,
            facts_at: r.facts_at,
        })
    }
}

const FACTS_SELECT: &str =
    "SELECT priority_id, update_depth, updates, answer_depth, answers, facts_at FROM drift_facts";

impl Store {
    /// The maintained drift facts of these priorities (those that have a row). A large set
    /// reads the workspace's rows in one pass rather than in batches of ids.
    pub async fn drift_facts(&self, ws: i64, ids: &[i64]) -> Result<HashMap<i64, StoredFacts>> {
        let mut rows: Vec<FactsRow> = Vec::new();
        if ids.len() > ID_BATCH {
            let wanted: HashSet<i64> = ids.iter().copied().collect();
            rows = sqlx::query_as(&format!("{FACTS_SELECT} WHERE workspace_id = $1"))
                .bind(ws)
                .fetch_all(&self.pool)
                .await?;
            rows.retain(|r| wanted.contains(&r.priority_id));
        } else if !ids.is_empty() {
            let sql = format!(
                "{FACTS_SELECT} WHERE workspace_id = $1 AND priority_id IN ({})",
                placeholders(2, ids.len())
            );
            let mut q = sqlx::query_as::<_, FactsRow>(&sql).bind(ws);
            for id in ids {
                q = q.bind(*id);
            }
            rows = q.fetch_all(&self.pool).await?;
        }
        rows.into_iter()
            .map(|r| Ok((r.priority_id, StoredFacts::try_from(r)?)))
            .collect()
    }

    /// Draw the facts of every active priority of the workspace that has none, or has them
    /// for other thresholds, in batches of their own transactions: after new thresholds, and
    /// at start-up for a database that predates the table. Idempotent; rows of other depths
    /// are never served meanwhile, so a half-done rebuild is slower, not wrong.
    pub async fn rebuild_drift_facts(&self, ws: i64, now: i64) -> Result<usize> {
        let t = self.drift_thresholds(ws).await?;
        let stale: Vec<i64> = sqlx::query_scalar(
            "SELECT p.id FROM priorities p LEFT JOIN drift_facts f ON f.priority_id = p.id
             WHERE p.workspace_id = $1 AND p.status NOT IN ('done', 'dropped')
               AND (f.priority_id IS NULL OR f.update_depth <> $2 OR f.answer_depth <> $3)
             ORDER BY p.id",
        )
        .bind(ws)
        .bind(t.update_depth() as i64)
        .bind(t.silent_cycles as i64)
        .fetch_all(&self.pool)
        .await?;
        for chunk in stale.chunks(ID_BATCH) {
            let mut tx = self.pool.begin().await?;
            refresh(&mut tx, self.backend, ws, chunk, now).await?;
            tx.commit().await?;
        }
        Ok(stale.len())
    }

    /// [`Store::rebuild_drift_facts`] for every workspace.
    pub async fn backfill_drift_facts(&self, now: i64) -> Result<usize> {
        let mut drawn = 0;
        for (ws, _, _) in self.workspaces().await? {
            drawn += self.rebuild_drift_facts(ws, now).await?;
        }
        Ok(drawn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_survive_their_encoding() {
        let ups = vec![
            UpdateFact {
                status: Status::OffTrack,
                progress: 40,
            },
            UpdateFact {
                status: Status::AtRisk,
                progress: 0,
            },
        ];
        assert_eq!(decode_updates(&encode_updates(&ups)), Some(ups));
        assert_eq!(decode_updates(""), Some(vec![]));
        assert_eq!(decode_updates("late:4"), None);
        let answers = vec![true, false, false];
        assert_eq!(decode_answers(&encode_answers(&answers)), Some(answers));
        assert_eq!(decode_answers("2"), None);
    }

    #[test]
    fn thresholds_parse_with_defaults_and_bounds() {
        let t = parse_thresholds(Some("silent=3, flat=0,stuck_at_risk=5000,behind=x,odd=2"));
        assert_eq!(t.silent_cycles, 3);
        assert_eq!(t.flat_updates, 1);
        assert_eq!(t.stuck_at_risk, 1000);
        assert_eq!(t.behind_points, Thresholds::default().behind_points);
        assert_eq!(parse_thresholds(None), Thresholds::default());
    }
}
