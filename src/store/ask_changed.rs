//! Check-ins that ask only what changed (`ask:changed`): when an owner's priority counts as
//! stale, and recording *All still on track* in one transaction. Answers given ahead of a
//! cycle (`/pacer checkin` before it opens): kept by team, slot and priority, and recorded as
//! the cycle's check-ins in the transaction that opens it.

use super::priorities::priority_in;
use super::{Result, Store, UpdateInput};
use crate::domain::{Progress, Status};

/// An answer given ahead, as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AheadAnswer {
    pub priority_id: i64,
    pub person_id: i64,
    pub status: String,
    pub progress: i64,
    pub note: Option<String>,
    pub blocker: Option<String>,
    pub given_at: i64,
}

/// An answer given ahead, to store (replacing an earlier one for the same priority and cycle).
#[derive(Debug, Clone)]
pub struct NewAheadAnswer<'a> {
    pub workspace_id: i64,
    pub team_id: i64,
    /// The slot of the cycle it is for (`YYYY-MM-DDTHH:MM`, as cycles are named).
    pub slot: &'a str,
    pub priority_id: i64,
    pub person_id: i64,
    pub status: Status,
    pub progress: Progress,
    pub note: Option<&'a str>,
    pub blocker: Option<&'a str>,
    pub given_at: i64,
}

impl Store {
    /// When the window began in which an owner's silence makes a priority stale: the opening
    /// of the older of the team's last two cycles whose close time is at or before `before`
    /// (closed, or closing in the same tick). `None` while the team has fewer than two (too
    /// new for anything to be stale).
    pub async fn stale_window_start(
        &self,
        ws: i64,
        team_id: i64,
        before: i64,
    ) -> Result<Option<i64>> {
        let opens: Vec<i64> = sqlx::query_scalar(
            "SELECT opens_at FROM cycles WHERE workspace_id = $1 AND team_id = $2
             AND closes_at <= $3 AND slot NOT LIKE 'rollup:%' ORDER BY closes_at DESC, id DESC LIMIT 2",
        )
        .bind(ws)
        .bind(team_id)
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        Ok(opens.get(1).copied())
    }

    /// The priorities a person wrote an update for at or after `since`.
    pub async fn updated_by_since(&self, ws: i64, person_id: i64, since: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT priority_id FROM priority_updates
             WHERE workspace_id = $1 AND author_id = $2 AND created_at >= $3",
        )
        .bind(ws)
        .bind(person_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether a person is asked something in a cycle of this workspace.
    pub async fn is_cycle_owner(&self, ws: i64, cycle_id: i64, person_id: i64) -> Result<bool> {
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

    /// *All still on track*: each of the owner's priorities listed compactly in the cycle, still
    /// active and not yet answered in it, gets a check-in with its status and progress carried
    /// (no note), by the owner, in one transaction. Returns the numbers recorded (none on a
    /// replay).
    pub async fn record_unchanged(
        &self,
        ws: i64,
        cycle_id: i64,
        person_id: i64,
        late: bool,
        now: i64,
    ) -> Result<Vec<i64>> {
        let listed: Vec<i64> = sqlx::query_scalar(
            "SELECT priority_id FROM cycle_priorities
             WHERE workspace_id = $1 AND cycle_id = $2 AND person_id = $3 AND asked = 0
             ORDER BY priority_id",
        )
        .bind(ws)
        .bind(cycle_id)
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        if listed.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        // Write first: a second click racing the first waits here, then finds them answered.
        sqlx::query(
            "UPDATE cycle_owners SET remind_decided = remind_decided
             WHERE workspace_id = $1 AND cycle_id = $2 AND person_id = $3",
        )
        .bind(ws)
        .bind(cycle_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
        let mut recorded = Vec::new();
        for id in listed {
            let answered: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM priority_updates WHERE workspace_id = $1 AND cycle_id = $2 AND priority_id = $3",
            )
            .bind(ws)
            .bind(cycle_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if answered > 0 {
                continue;
            }
            let Some(p) = priority_in(&mut tx, ws, id).await? else {
                continue;
            };
            if !p.is_active() {
                continue;
            }
            let input = UpdateInput {
                status: p.status,
                progress: p.progress,
                note: None,
                blocker: None,
                cycle_id: Some(cycle_id),
                late,
            };
            self.write_update(&mut tx, ws, &p, &input, person_id, now)
                .await?;
            sqlx::query(
                "INSERT INTO priority_history (workspace_id, priority_id, actor_id, at, field, old_value, new_value)
                 VALUES ($1, $2, $3, $4, 'check-in', NULL, $5)",
            )
            .bind(ws)
            .bind(p.id)
            .bind(person_id)
            .bind(now)
            .bind(format!("unchanged ({} · {})", p.status.as_str(), p.progress))
            .execute(&mut *tx)
            .await?;
            recorded.push(p.number.0);
        }
        tx.commit().await?;
        Ok(recorded)
    }

    /// Keep an answer given ahead (a later one for the same priority and cycle replaces it).
    pub async fn save_ahead(&self, a: &NewAheadAnswer<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO ahead_answers (workspace_id, team_id, slot, priority_id, person_id, status, progress, note, blocker, given_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (team_id, slot, priority_id) DO UPDATE SET workspace_id = excluded.workspace_id,
                 person_id = excluded.person_id, status = excluded.status, progress = excluded.progress,
                 note = excluded.note, blocker = excluded.blocker, given_at = excluded.given_at",
        )
        .bind(a.workspace_id)
        .bind(a.team_id)
        .bind(a.slot)
        .bind(a.priority_id)
        .bind(a.person_id)
        .bind(a.status.as_str())
        .bind(a.progress.value() as i64)
        .bind(a.note)
        .bind(a.blocker)
        .bind(a.given_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A person's answers given ahead for a team's coming cycle.
    pub async fn ahead_answers(
        &self,
        ws: i64,
        team_id: i64,
        slot: &str,
        person_id: i64,
    ) -> Result<Vec<AheadAnswer>> {
        Ok(sqlx::query_as(
            "SELECT priority_id, person_id, status, progress, note, blocker, given_at FROM ahead_answers
             WHERE workspace_id = $1 AND team_id = $2 AND slot = $3 AND person_id = $4 ORDER BY priority_id",
        )
        .bind(ws)
        .bind(team_id)
        .bind(slot)
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// In the transaction that opens a cycle: record the answers given ahead for its slot as
    /// its check-ins (by their owner, at the opening, marked given ahead), for priorities the
    /// cycle asks their giver about. Answers for a priority closed, moved or handed to someone
    /// else meanwhile are dropped, as are any left for this team's earlier slots.
    pub(super) async fn record_ahead_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        ws: i64,
        team_id: i64,
        slot: &str,
        cycle_id: i64,
        now: i64,
    ) -> Result<usize> {
        let given: Vec<AheadAnswer> = sqlx::query_as(
            "SELECT a.priority_id, a.person_id, a.status, a.progress, a.note, a.blocker, a.given_at
             FROM ahead_answers a JOIN cycle_priorities cp
                 ON cp.cycle_id = $3 AND cp.priority_id = a.priority_id AND cp.person_id = a.person_id
             WHERE a.workspace_id = $1 AND a.team_id = $2 AND a.slot = $4 ORDER BY a.priority_id",
        )
        .bind(ws)
        .bind(team_id)
        .bind(cycle_id)
        .bind(slot)
        .fetch_all(&mut **tx)
        .await?;
        let mut recorded = 0;
        for a in &given {
            let (Some(p), Ok(status), Ok(progress)) = (
                priority_in(tx, ws, a.priority_id).await?,
                a.status.parse::<Status>(),
                Progress::new(a.progress),
            ) else {
                continue;
            };
            let input = UpdateInput {
                status,
                progress,
                note: a.note.as_deref(),
                blocker: a.blocker.as_deref(),
                cycle_id: Some(cycle_id),
                late: false,
            };
            let id = self
                .write_update(tx, ws, &p, &input, a.person_id, now)
                .await?;
            sqlx::query("UPDATE priority_updates SET given_ahead_at = $1 WHERE id = $2")
                .bind(a.given_at)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            recorded += 1;
        }
        sqlx::query(
            "DELETE FROM ahead_answers WHERE workspace_id = $1 AND team_id = $2 AND slot <= $3",
        )
        .bind(ws)
        .bind(team_id)
        .bind(slot)
        .execute(&mut **tx)
        .await?;
        Ok(recorded)
    }
}
