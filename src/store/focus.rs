//! The focus question's answers (one per person per cycle) and whether a team's rhythm asks it.

use super::{Result, Store};

/// A person's focus answer in a cycle, as the prompt shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FocusAnswer {
    pub level: i64,
    pub rest: Option<String>,
    pub late: i64,
}

/// One answer in a team's recent cycles, for its digest and its parent's roll-up.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FocusHistoryRow {
    pub cycle_id: i64,
    pub opens_at: i64,
    pub level: i64,
    pub rest: Option<String>,
}

/// What recording an answer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FocusRecorded {
    /// Recorded (first or changed while the cycle is open; first after it closed, late).
    Recorded,
    /// The cycle has closed and this answer was given already: it stays.
    Final(FocusAnswer),
}

/// How many of a team's latest cycles with answers its digest looks at (the trend).
pub const FOCUS_HISTORY_CYCLES: i64 = 6;

impl Store {
    /// Whether a team's rhythm asks the focus question (on unless turned off; a team without a
    /// rhythm asks nothing, and a new rhythm starts with it on).
    pub async fn rhythm_asks_focus(&self, ws: i64, team_id: i64) -> Result<bool> {
        let on: Option<i64> = sqlx::query_scalar(
            "SELECT focus_question FROM rhythms WHERE workspace_id = $1 AND team_id = $2",
        )
        .bind(ws)
        .bind(team_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(on.is_none_or(|v| v != 0))
    }

    /// Whether a person was asked in a cycle of this workspace.
    pub async fn was_asked(&self, ws: i64, cycle_id: i64, person_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cycle_owners WHERE workspace_id = $1 AND cycle_id = $2 AND person_id = $3",
        )
        .bind(ws)
        .bind(cycle_id)
        .bind(person_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    pub async fn focus_answer(
        &self,
        ws: i64,
        cycle_id: i64,
        person_id: i64,
    ) -> Result<Option<FocusAnswer>> {
        Ok(sqlx::query_as(
            "SELECT level, rest, late FROM focus_answers WHERE workspace_id = $1 AND cycle_id = $2 AND person_id = $3",
        )
        .bind(ws)
        .bind(cycle_id)
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Record a person's answer: while the cycle is open it replaces theirs; after it closed
    /// only a first answer is kept (marked late).
    pub async fn record_focus(
        &self,
        ws: i64,
        (cycle_id, person_id): (i64, i64),
        (level, rest): (i64, Option<&str>),
        open: bool,
        now: i64,
    ) -> Result<FocusRecorded> {
        let sql = if open {
            "INSERT INTO focus_answers (cycle_id, person_id, workspace_id, level, rest, late, answered_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6)
             ON CONFLICT (cycle_id, person_id) DO UPDATE SET level = excluded.level, rest = excluded.rest,
                 answered_at = excluded.answered_at"
        } else {
            "INSERT INTO focus_answers (cycle_id, person_id, workspace_id, level, rest, late, answered_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6)
             ON CONFLICT (cycle_id, person_id) DO NOTHING"
        };
        let done = sqlx::query(sql)
            .bind(cycle_id)
            .bind(person_id)
            .bind(ws)
            .bind(level)
            .bind(rest)
            .bind(now)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() > 0 {
            return Ok(FocusRecorded::Recorded);
        }
        match self.focus_answer(ws, cycle_id, person_id).await? {
            Some(a) => Ok(FocusRecorded::Final(a)),
            None => Ok(FocusRecorded::Recorded),
        }
    }

    /// The answers of a team's latest [`FOCUS_HISTORY_CYCLES`] cycles with answers that opened
    /// at or before `up_to` (a cycle's `opens_at`), newest cycle first, each cycle's answers in
    /// the order given.
    pub async fn focus_history(
        &self,
        ws: i64,
        team_id: i64,
        up_to: i64,
    ) -> Result<Vec<FocusHistoryRow>> {
        Ok(sqlx::query_as(
            "SELECT c.id AS cycle_id, c.opens_at, f.level, f.rest
             FROM focus_answers f JOIN cycles c ON c.id = f.cycle_id AND c.workspace_id = f.workspace_id
             WHERE f.workspace_id = $1 AND c.id IN (
                 SELECT c2.id FROM cycles c2
                 WHERE c2.workspace_id = $1 AND c2.team_id = $2 AND c2.opens_at <= $3
                   AND EXISTS (SELECT 1 FROM focus_answers f2 WHERE f2.cycle_id = c2.id AND f2.workspace_id = $1)
                 ORDER BY c2.opens_at DESC, c2.id DESC LIMIT $4)
             ORDER BY c.opens_at DESC, c.id DESC, f.answered_at, f.person_id",
        )
        .bind(ws)
        .bind(team_id)
        .bind(up_to)
        .bind(FOCUS_HISTORY_CYCLES)
        .fetch_all(&self.pool)
        .await?)
    }
}
