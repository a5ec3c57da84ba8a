//! Each closed cycle's digest figures, kept once so that the dashboard's trends read twelve
//! weeks of history without re-evaluating drift as of every past close.

use super::{CycleRow, Result, Store};

/// What one closed cycle's digest counted. See `migrations/*/0011_cycle_figures.sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct CycleFigures {
    pub cycle_id: i64,
    pub team_id: i64,
    /// The cycle's scheduled close, which its digest is as of (seconds).
    pub closes_at: i64,
    /// Owners asked, those away included.
    pub asked: i64,
    pub away: i64,
    /// Owners not away who answered on time.
    pub answered: i64,
    /// On-time answers, and how many of them said on track.
    pub answers: i64,
    pub on_track_answers: i64,
    /// The team's own active priorities at the close, and how many drift flagged.
    pub active: i64,
    pub stalled: i64,
}

const COLUMNS: &str = "cycle_id, team_id, closes_at, asked, away, answered, answers, \
                       on_track_answers, active, stalled";

impl Store {
    /// Keep a closed cycle's figures. The first write wins: a retried digest job or a
    /// dashboard backfilling the same cycle at the same moment changes nothing.
    pub async fn save_cycle_figures(&self, ws: i64, f: &CycleFigures) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO cycle_figures (workspace_id, {COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (cycle_id) DO NOTHING"
        ))
        .bind(ws)
        .bind(f.cycle_id)
        .bind(f.team_id)
        .bind(f.closes_at)
        .bind(f.asked)
        .bind(f.away)
        .bind(f.answered)
        .bind(f.answers)
        .bind(f.on_track_answers)
        .bind(f.active)
        .bind(f.stalled)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The workspace's kept figures of cycles closing in `[from, to]`, oldest first.
    pub async fn cycle_figures(&self, ws: i64, from: i64, to: i64) -> Result<Vec<CycleFigures>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM cycle_figures
             WHERE workspace_id = $1 AND closes_at >= $2 AND closes_at <= $3
             ORDER BY closes_at, cycle_id"
        ))
        .bind(ws)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The workspace's closed cycles closing in `[from, to]` whose figures were never kept
    /// (closed before figures were, or whose digest job has not run yet), oldest first.
    pub async fn cycles_without_figures(
        &self,
        ws: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM cycles c LEFT JOIN cycle_figures f ON f.cycle_id = c.id
             WHERE c.workspace_id = $1 AND c.state = 'closed' AND c.closes_at >= $2
               AND c.closes_at <= $3 AND f.cycle_id IS NULL
             ORDER BY c.closes_at, c.id",
            Self::cycle_columns("c.")
        ))
        .bind(ws)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }
}
