//! A cycle from its owners' side: reminders, what each owner is asked, the prompts sent to
//! them, and away periods.

use super::{CheckinItem, PromptRow};
use crate::domain::away::AwayReason;
use crate::store::{JobPayload, Result, Store, jobs};

impl Store {
    /// Owners whose reminder time has come and has not been decided yet.
    pub async fn due_reminders(&self, now: i64) -> Result<Vec<(i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT o.cycle_id, o.person_id, o.workspace_id FROM cycle_owners o
             JOIN cycles c ON c.id = o.cycle_id
             WHERE o.remind_decided = 0 AND o.remind_at <= $1 AND c.state = 'open'",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Decide one reminder: mark it decided and, if the owner still owes answers and is not
    /// away, queue the reminder job, in one transaction. `true` if a job was queued.
    pub async fn decide_reminder(
        &self,
        ws: i64,
        cycle_id: i64,
        person_id: i64,
        away: bool,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(
            "UPDATE cycle_owners SET remind_decided = 1
             WHERE cycle_id = $1 AND person_id = $2 AND workspace_id = $3 AND remind_decided = 0",
        )
        .bind(cycle_id)
        .bind(person_id)
        .bind(ws)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            return Ok(false);
        }
        let open: i64 = sqlx::query_scalar(UNANSWERED_SQL)
            .bind(cycle_id)
            .bind(person_id)
            .fetch_one(&mut *tx)
            .await?;
        let queue = open > 0 && !away;
        if queue {
            jobs::insert_job(
                &mut tx,
                ws,
                &format!("remind:{cycle_id}:{person_id}"),
                &JobPayload::Remind {
                    cycle_id,
                    person_id,
                },
                now,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(queue)
    }

    /// How many of an owner's priorities in a cycle have no check-in yet.
    pub async fn unanswered(&self, cycle_id: i64, person_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(UNANSWERED_SQL)
            .bind(cycle_id)
            .bind(person_id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// An owner's priorities in a cycle with their state and this cycle's answer, if any.
    pub async fn checkin_items(
        &self,
        ws: i64,
        cycle_id: i64,
        person_id: i64,
    ) -> Result<Vec<CheckinItem>> {
        Ok(sqlx::query_as(
            "SELECT p.id AS priority_id, p.number, p.title, p.status, p.progress, p.due_date,
                    u.status AS answered_status, u.progress AS answered_progress, u.late AS answered_late,
                    ob.display_name AS on_behalf_of,
                    cp.asked, u.given_ahead_at AS answered_ahead_at
             FROM cycle_priorities cp
             JOIN priorities p ON p.id = cp.priority_id AND p.workspace_id = cp.workspace_id
             LEFT JOIN people ob ON ob.id = cp.on_behalf_of AND ob.workspace_id = cp.workspace_id
             LEFT JOIN priority_updates u ON u.id = (
                 SELECT MAX(x.id) FROM priority_updates x WHERE x.cycle_id = cp.cycle_id AND x.priority_id = cp.priority_id)
             WHERE cp.workspace_id = $1 AND cp.cycle_id = $2 AND cp.person_id = $3
             ORDER BY p.number",
        )
        .bind(ws)
        .bind(cycle_id)
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whose prompt a priority is in, for a cycle.
    pub async fn cycle_priority_owner(
        &self,
        ws: i64,
        cycle_id: i64,
        priority_id: i64,
    ) -> Result<Option<i64>> {
        let owner: Option<(i64,)> = self
            .one_in_cycle(
                "SELECT person_id FROM cycle_priorities WHERE workspace_id = $1 AND cycle_id = $2 AND priority_id = $3",
                ws,
                cycle_id,
                priority_id,
            )
            .await?;
        Ok(owner.map(|(person_id,)| person_id))
    }

    pub async fn save_prompt(
        &self,
        ws: i64,
        cycle_id: i64,
        person_id: i64,
        channel: &str,
        ts: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO prompts (cycle_id, person_id, workspace_id, channel, ts) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (cycle_id, person_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts",
        )
        .bind(cycle_id)
        .bind(person_id)
        .bind(ws)
        .bind(channel)
        .bind(ts)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn prompt(
        &self,
        ws: i64,
        cycle_id: i64,
        person_id: i64,
    ) -> Result<Option<PromptRow>> {
        self.one_in_cycle(
            "SELECT channel, ts FROM prompts WHERE workspace_id = $1 AND cycle_id = $2 AND person_id = $3",
            ws,
            cycle_id,
            person_id,
        )
        .await
    }

    /// A lookup of at most one row of a cycle, by workspace, cycle and one more id (a person's
    /// or a priority's), bound as $1, $2 and $3.
    async fn one_in_cycle<T>(
        &self,
        sql: &'static str,
        ws: i64,
        cycle_id: i64,
        id: i64,
    ) -> Result<Option<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        Ok(sqlx::query_as(sql)
            .bind(ws)
            .bind(cycle_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// An owner found away by their platform status when their prompt or reminder was due:
    /// away for this cycle (no prompt, no reminder, no silence), with the status as the reason.
    /// `false` if they were already marked away.
    pub async fn mark_away_by_status(
        &self,
        ws: i64,
        cycle_id: i64,
        person_id: i64,
        reason: &AwayReason,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE cycle_owners SET away = 1, away_reason = $1, remind_decided = 1
             WHERE workspace_id = $2 AND cycle_id = $3 AND person_id = $4 AND away = 0",
        )
        .bind(reason.stored())
        .bind(ws)
        .bind(cycle_id)
        .bind(person_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whether a person is away on a date (`YYYY-MM-DD`, inclusive bounds).
    pub async fn is_away(&self, ws: i64, person_id: i64, date: &str) -> Result<bool> {
        Ok(self.away_on(ws, person_id, date).await?.is_some())
    }

    /// The away period covering a date, if any: `Some(acting)`, where `acting` is who acts for
    /// the person then (`None` when nobody does).
    pub async fn away_on(
        &self,
        ws: i64,
        person_id: i64,
        date: &str,
    ) -> Result<Option<Option<i64>>> {
        let row: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT acting_person_id FROM away_periods
             WHERE workspace_id = $1 AND person_id = $2 AND starts_on <= $3 AND ends_on >= $3
             ORDER BY id DESC LIMIT 1",
        )
        .bind(ws)
        .bind(person_id)
        .bind(date)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(acting,)| acting))
    }
}

const UNANSWERED_SQL: &str = "SELECT COUNT(*) FROM cycle_priorities cp
     WHERE cp.cycle_id = $1 AND cp.person_id = $2
     AND NOT EXISTS (SELECT 1 FROM priority_updates u WHERE u.cycle_id = cp.cycle_id AND u.priority_id = cp.priority_id)";
