//! What a cycle produced: who answered, status changes and late answers for its digest, the
//! digest's post, and stalls that dependent owners hear about.

use super::{LateAnswer, Participant, StatusChange};
use crate::store::{JobPayload, Result, Store, jobs};

impl Store {
    /// Who a cycle asked, whether they were away, and whether they answered (on time).
    pub async fn participation(&self, ws: i64, cycle_id: i64) -> Result<Vec<Participant>> {
        Ok(sqlx::query_as(
            "SELECT o.person_id, p.user_id, p.display_name, o.away, o.away_reason,
                 CAST(CASE WHEN EXISTS (SELECT 1 FROM priority_updates u JOIN cycle_priorities cp
                                   ON cp.priority_id = u.priority_id AND cp.cycle_id = o.cycle_id
                                   WHERE u.cycle_id = o.cycle_id AND cp.person_id = o.person_id AND u.late = 0)
                      THEN 1 ELSE 0 END AS BIGINT) AS answered
             FROM cycle_owners o JOIN people p ON p.id = o.person_id AND p.workspace_id = o.workspace_id
             WHERE o.workspace_id = $1 AND o.cycle_id = $2 ORDER BY LOWER(p.display_name)",
        )
        .bind(ws)
        .bind(cycle_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The priorities a cycle asked of someone acting for their away owner: (priority, the
    /// acting person's name).
    pub async fn acting_in_cycle(&self, ws: i64, cycle_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT cp.priority_id, p.display_name FROM cycle_priorities cp
             JOIN people p ON p.id = cp.person_id AND p.workspace_id = cp.workspace_id
             WHERE cp.workspace_id = $1 AND cp.cycle_id = $2 AND cp.on_behalf_of IS NOT NULL",
        )
        .bind(ws)
        .bind(cycle_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Status changes of a team's priorities in a time window.
    pub async fn status_changes(
        &self,
        ws: i64,
        team_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<StatusChange>> {
        Ok(sqlx::query_as(
            "SELECT h.priority_id, h.old_value, h.new_value, h.at FROM priority_history h
             JOIN priorities p ON p.id = h.priority_id AND p.workspace_id = h.workspace_id
             WHERE h.workspace_id = $1 AND p.team_id = $2 AND h.field = 'status' AND h.at >= $3 AND h.at <= $4
             ORDER BY h.id",
        )
        .bind(ws)
        .bind(team_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Answers to a cycle that came after it closed.
    pub async fn late_answers(&self, ws: i64, cycle_id: i64) -> Result<Vec<LateAnswer>> {
        Ok(sqlx::query_as(
            "SELECT priority_id, status, progress, created_at FROM priority_updates
             WHERE workspace_id = $1 AND cycle_id = $2 AND late = 1 ORDER BY id",
        )
        .bind(ws)
        .bind(cycle_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// (on-track answers, all answers) of a cycle, for trends.
    pub async fn answer_mix(&self, ws: i64, cycle_id: i64) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN status = 'on-track' THEN 1 ELSE 0 END), 0) AS BIGINT), COUNT(*)
             FROM priority_updates WHERE workspace_id = $1 AND cycle_id = $2 AND late = 0",
        )
        .bind(ws)
        .bind(cycle_id)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn digest_post(
        &self,
        ws: i64,
        cycle_id: i64,
    ) -> Result<Option<(String, String, Option<String>)>> {
        Ok(sqlx::query_as("SELECT channel, ts, thread_ts FROM digest_posts WHERE workspace_id = $1 AND cycle_id = $2")
            .bind(ws)
            .bind(cycle_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn save_digest_thread(&self, ws: i64, cycle_id: i64, thread_ts: &str) -> Result<()> {
        sqlx::query(
            "UPDATE digest_posts SET thread_ts = $1 WHERE workspace_id = $2 AND cycle_id = $3",
        )
        .bind(thread_ts)
        .bind(ws)
        .bind(cycle_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Cross-team dependency edges with an active dependent, across workspaces:
    /// (workspace, dependent priority id, depends-on priority id).
    pub async fn cross_team_dependencies(&self) -> Result<Vec<(i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT d.workspace_id, d.priority_id, d.depends_on_id FROM priority_dependencies d
             JOIN priorities a ON a.id = d.priority_id AND a.workspace_id = d.workspace_id
             JOIN priorities b ON b.id = d.depends_on_id AND b.workspace_id = d.workspace_id
             WHERE a.team_id <> b.team_id AND a.status NOT IN ('done', 'dropped')
             ORDER BY d.workspace_id, d.depends_on_id, d.priority_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Record whether a priority is in trouble now. When it newly is, queue one notice per
    /// dependent owner in the same transaction; returns how many were queued.
    pub async fn record_stall_state(
        &self,
        ws: i64,
        priority_id: i64,
        stalled: bool,
        notify: &[i64],
        now: i64,
    ) -> Result<usize> {
        let previous: Option<(i64, i64)> = sqlx::query_as(
            "SELECT stalled, episode FROM stall_states WHERE workspace_id = $1 AND priority_id = $2",
        )
        .bind(ws)
        .bind(priority_id)
        .fetch_optional(&self.pool)
        .await?;
        let was = previous.is_some_and(|(s, _)| s != 0);
        if was == stalled && previous.is_some() {
            return Ok(0);
        }
        let episode = previous.map(|(_, e)| e).unwrap_or(0) + i64::from(stalled && !was);
        let mut tx = self.pool.begin().await?;
        // Only the writer that flips the state queues notices.
        let changed = sqlx::query(
            "INSERT INTO stall_states (priority_id, workspace_id, stalled, episode, changed_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (priority_id) DO UPDATE SET stalled = excluded.stalled, episode = excluded.episode,
                 changed_at = excluded.changed_at
             WHERE stall_states.stalled <> excluded.stalled",
        )
        .bind(priority_id)
        .bind(ws)
        .bind(stalled as i64)
        .bind(episode)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mut queued = 0;
        if changed.rows_affected() == 1 && stalled {
            for dependent in notify {
                if jobs::insert_job(
                    &mut tx,
                    ws,
                    &format!("stall:{priority_id}:{episode}:{dependent}"),
                    &JobPayload::Stall {
                        target_id: priority_id,
                        episode,
                        dependent_id: *dependent,
                    },
                    now,
                    now,
                )
                .await?
                {
                    queued += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(queued)
    }
}
