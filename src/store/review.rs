//! What leaders review: priorities raised to a parent team, and the decisions that close them.
//! A decision's notices are queued as jobs in the transaction that records it, keyed by
//! decision and person, so each person hears of it once however often anything is retried.

use super::{JobPayload, Result, Store, jobs};

/// An open raised item, with what the agenda and `show` print of it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RaisedItem {
    pub id: i64,
    pub priority_id: i64,
    /// The team it is raised to (the priority team's parent).
    pub team_id: i64,
    pub team_name: String,
    pub raised_by_name: Option<String>,
    pub reason: String,
    /// `manual`, `off-track`, `blocking`, or `digest` (put there by Discuss on a digest).
    pub why: String,
    pub raised_at: i64,
}

/// A recorded decision, with the names it is shown with.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DecisionRow {
    pub id: i64,
    pub priority_id: i64,
    pub number: i64,
    pub title: String,
    pub text: String,
    pub decided_by_user_id: String,
    pub decided_by_name: String,
    pub decided_at: i64,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub done_at: Option<i64>,
}

/// What a new raised item says.
pub struct NewRaise<'a> {
    pub priority_id: i64,
    pub team_id: i64,
    pub raised_by: Option<i64>,
    pub reason: &'a str,
    pub why: &'a str,
}

/// What a new decision says, and who is told of it.
pub struct NewDecision<'a> {
    pub priority_id: i64,
    pub text: &'a str,
    pub decided_by: i64,
    pub owner_id: Option<i64>,
    pub due_date: Option<String>,
    /// People who get a direct message about it (deduplicated by the caller).
    pub notify: &'a [i64],
}

const RAISED_SELECT: &str = "SELECT r.id, r.priority_id, r.team_id, t.name AS team_name,
        b.display_name AS raised_by_name, r.reason, r.why, r.raised_at
     FROM raised_items r
     JOIN teams t ON t.id = r.team_id AND t.workspace_id = r.workspace_id
     LEFT JOIN people b ON b.id = r.raised_by AND b.workspace_id = r.workspace_id";

const DECISION_SELECT: &str = "SELECT d.id, d.priority_id, p.number, p.title, d.text,
        by_.user_id AS decided_by_user_id, by_.display_name AS decided_by_name, d.decided_at,
        o.user_id AS owner_user_id, o.display_name AS owner_name, d.due_date, d.done_at
     FROM decisions d
     JOIN priorities p ON p.id = d.priority_id AND p.workspace_id = d.workspace_id
     JOIN people by_ ON by_.id = d.decided_by AND by_.workspace_id = d.workspace_id
     LEFT JOIN people o ON o.id = d.owner_id AND o.workspace_id = d.workspace_id";

/// Raise a priority to a team unless it has an open raised item already (the unique index on
/// open items decides, so two raisers at once still make one); `true` if raised. Takes a pool or
/// a transaction.
pub(super) async fn insert_raise<'e, E>(
    exec: E,
    ws: i64,
    new: &NewRaise<'_>,
    now: i64,
) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query(
        "INSERT INTO raised_items (workspace_id, priority_id, team_id, raised_by, reason, why, raised_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(ws)
    .bind(new.priority_id)
    .bind(new.team_id)
    .bind(new.raised_by)
    .bind(new.reason)
    .bind(new.why)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// Raise a priority to a team unless it has an open raised item already; `true` if raised.
    pub async fn raise(&self, ws: i64, new: NewRaise<'_>, now: i64) -> Result<bool> {
        insert_raise(&self.pool, ws, &new, now).await
    }

    /// The priority's open raised item, if it has one.
    pub async fn open_raise(&self, ws: i64, priority_id: i64) -> Result<Option<RaisedItem>> {
        Ok(sqlx::query_as(&format!(
            "{RAISED_SELECT} WHERE r.workspace_id = $1 AND r.priority_id = $2 AND r.closed_at IS NULL"
        ))
        .bind(ws)
        .bind(priority_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Open items raised to a team, oldest first.
    pub async fn raised_to_team(&self, ws: i64, team_id: i64) -> Result<Vec<RaisedItem>> {
        Ok(sqlx::query_as(&format!(
            "{RAISED_SELECT} WHERE r.workspace_id = $1 AND r.team_id = $2 AND r.closed_at IS NULL
             ORDER BY r.raised_at, r.id"
        ))
        .bind(ws)
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Record a decision, close the priority's open raised item, and queue one notice per
    /// person to tell, all in one transaction. Returns the decision's id and whether a raised
    /// item was closed.
    pub async fn record_decision(
        &self,
        ws: i64,
        new: NewDecision<'_>,
        now: i64,
    ) -> Result<(i64, bool)> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO decisions (workspace_id, priority_id, text, decided_by, decided_at, owner_id, due_date)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(ws)
        .bind(new.priority_id)
        .bind(new.text)
        .bind(new.decided_by)
        .bind(now)
        .bind(new.owner_id)
        .bind(new.due_date)
        .fetch_one(&mut *tx)
        .await?;
        let closed = sqlx::query(
            "UPDATE raised_items SET closed_at = $1, closed_by_decision_id = $2
             WHERE workspace_id = $3 AND priority_id = $4 AND closed_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(ws)
        .bind(new.priority_id)
        .execute(&mut *tx)
        .await?;
        for person in new.notify {
            let payload = JobPayload::Decision {
                decision_id: id,
                person_id: *person,
            };
            let key = format!("decision:{id}:{person}");
            jobs::insert_job(&mut tx, ws, &key, &payload, now, now).await?;
        }
        tx.commit().await?;
        Ok((id, closed.rows_affected() > 0))
    }

    pub async fn decision(&self, ws: i64, id: i64) -> Result<Option<DecisionRow>> {
        Ok(sqlx::query_as(&format!(
            "{DECISION_SELECT} WHERE d.workspace_id = $1 AND d.id = $2"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A priority's decisions, oldest first.
    pub async fn decisions_of(&self, ws: i64, priority_id: i64) -> Result<Vec<DecisionRow>> {
        Ok(sqlx::query_as(&format!(
            "{DECISION_SELECT} WHERE d.workspace_id = $1 AND d.priority_id = $2 ORDER BY d.decided_at, d.id"
        ))
        .bind(ws)
        .bind(priority_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Decisions taken in a window on priorities of the given team, or closing an item raised
    /// to it, oldest first (digests).
    pub async fn decisions_in(
        &self,
        ws: i64,
        team_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<DecisionRow>> {
        Ok(sqlx::query_as(&format!(
            "{DECISION_SELECT} WHERE d.workspace_id = $1
               AND (p.team_id = $2 OR EXISTS (SELECT 1 FROM raised_items r WHERE r.workspace_id = d.workspace_id
                    AND r.closed_by_decision_id = d.id AND r.team_id = $2))
               AND d.decided_at >= $3 AND d.decided_at <= $4 ORDER BY d.decided_at, d.id"
        ))
        .bind(ws)
        .bind(team_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Follow-ups not done, of active priorities, that concern a team: the priority is the
    /// team's, or the decision closed an item raised to it. Due date `<= until` or none.
    pub async fn open_follow_ups(
        &self,
        ws: i64,
        team_id: i64,
        until: &str,
    ) -> Result<Vec<DecisionRow>> {
        Ok(sqlx::query_as(&format!(
            "{DECISION_SELECT} WHERE d.workspace_id = $1 AND d.owner_id IS NOT NULL AND d.done_at IS NULL
               AND p.status NOT IN ('done', 'dropped')
               AND (d.due_date IS NULL OR d.due_date <= $3)
               AND (p.team_id = $2 OR EXISTS (SELECT 1 FROM raised_items r
                    WHERE r.workspace_id = d.workspace_id AND r.closed_by_decision_id = d.id AND r.team_id = $2))
             ORDER BY COALESCE(d.due_date, '9999-12-31'), d.id"
        ))
        .bind(ws)
        .bind(team_id)
        .bind(until)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Mark the priority's open follow-ups done; how many were.
    pub async fn finish_follow_ups(&self, ws: i64, priority_id: i64, now: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE decisions SET done_at = $1
             WHERE workspace_id = $2 AND priority_id = $3 AND owner_id IS NOT NULL AND done_at IS NULL",
        )
        .bind(now)
        .bind(ws)
        .bind(priority_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Whether the priority was decided on, or raised, since `since`: evidence older than the
    /// last word on it does not raise it again.
    pub async fn reviewed_since(&self, ws: i64, priority_id: i64, since: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM decisions WHERE workspace_id = $1 AND priority_id = $2 AND decided_at >= $3)
                  + (SELECT COUNT(*) FROM raised_items WHERE workspace_id = $1 AND priority_id = $2
                       AND (closed_at IS NULL OR raised_at >= $3))",
        )
        .bind(ws)
        .bind(priority_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// The team's last `n` closed cycles, newest first: (id, opens_at, closes_at).
    pub async fn last_closed_cycles(
        &self,
        ws: i64,
        team_id: i64,
        n: i64,
    ) -> Result<Vec<(i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT id, opens_at, closes_at FROM cycles
             WHERE workspace_id = $1 AND team_id = $2 AND state = 'closed'
             ORDER BY closes_at DESC, id DESC LIMIT $3",
        )
        .bind(ws)
        .bind(team_id)
        .bind(n)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Each priority's last update in each of the given cycles: (priority, cycle, status).
    pub async fn last_statuses_in_cycles(
        &self,
        ws: i64,
        cycle_ids: &[i64],
    ) -> Result<Vec<(i64, i64, String)>> {
        if cycle_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (0..cycle_ids.len())
            .map(|i| format!("${}", i + 2))
            .collect();
        let sql = format!(
            "SELECT u.priority_id, u.cycle_id, u.status FROM priority_updates u
             WHERE u.workspace_id = $1 AND u.cycle_id IN ({list})
               AND u.id = (SELECT MAX(v.id) FROM priority_updates v
                           WHERE v.workspace_id = u.workspace_id AND v.priority_id = u.priority_id
                             AND v.cycle_id = u.cycle_id)",
            list = list.join(", ")
        );
        let mut q = sqlx::query_as(&sql).bind(ws);
        for id in cycle_ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// Priorities of a workspace that another team's active priority waits on.
    pub async fn waited_on_by_other_teams(&self, ws: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT d.depends_on_id FROM priority_dependencies d
             JOIN priorities a ON a.id = d.priority_id AND a.workspace_id = d.workspace_id
             JOIN priorities b ON b.id = d.depends_on_id AND b.workspace_id = d.workspace_id
             WHERE d.workspace_id = $1 AND a.team_id <> b.team_id AND a.status NOT IN ('done', 'dropped')",
        )
        .bind(ws)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Priorities that other teams' work waits on and that have been in trouble (as the
    /// dependents' owners were told) without a break since `since` or earlier.
    pub async fn stalled_since(&self, ws: i64, since: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT priority_id FROM stall_states
             WHERE workspace_id = $1 AND stalled = 1 AND changed_at <= $2",
        )
        .bind(ws)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }
}
