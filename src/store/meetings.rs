//! The review meeting's own records: agenda items put off to a later review, and items
//! assigned to someone who brings them back. An assignment's notice is queued as a job in the
//! transaction that records it, keyed by assignment, so the assignee hears of it once.

use super::{JobPayload, Result, Store, jobs};

/// An item put off: hidden from its team's agendas until `until_at`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Deferral {
    pub priority_id: i64,
    pub until_at: i64,
    pub deferred_by_name: String,
}

/// An open assignment, with the names it is shown with.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: i64,
    pub team_id: i64,
    pub team_name: String,
    pub priority_id: i64,
    pub assignee_id: i64,
    pub assignee_user_id: String,
    pub assignee_name: String,
    pub assigned_by_user_id: String,
    pub assigned_by_name: String,
    pub note: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub assigned_at: i64,
}

/// What a new assignment says.
pub struct NewAssignment<'a> {
    pub team_id: i64,
    pub priority_id: i64,
    pub assignee_id: i64,
    pub assigned_by: i64,
    pub note: Option<&'a str>,
    pub due_date: Option<String>,
}

const ASSIGNMENT_SELECT: &str = "SELECT a.id, a.team_id, t.name AS team_name, a.priority_id,
        a.assignee_id, w.user_id AS assignee_user_id, w.display_name AS assignee_name,
        b.user_id AS assigned_by_user_id, b.display_name AS assigned_by_name,
        a.note, a.due_date, a.assigned_at
     FROM assignments a
     JOIN teams t ON t.id = a.team_id AND t.workspace_id = a.workspace_id
     JOIN people w ON w.id = a.assignee_id AND w.workspace_id = a.workspace_id
     JOIN people b ON b.id = a.assigned_by AND b.workspace_id = a.workspace_id";

impl Store {
    /// Put an item off on a team's agendas until `until_at`.
    pub async fn defer_on_agenda(
        &self,
        ws: i64,
        (team_id, priority_id): (i64, i64),
        until_at: i64,
        by: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO agenda_deferrals (workspace_id, team_id, priority_id, until_at, deferred_by, deferred_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ws)
        .bind(team_id)
        .bind(priority_id)
        .bind(until_at)
        .bind(by)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The items put off on a team's agendas and not yet due back at `now`, latest first.
    pub async fn deferred_on_agenda(
        &self,
        ws: i64,
        team_id: i64,
        now: i64,
    ) -> Result<Vec<Deferral>> {
        Ok(sqlx::query_as(
            "SELECT d.priority_id, d.until_at, p.display_name AS deferred_by_name
             FROM agenda_deferrals d
             JOIN people p ON p.id = d.deferred_by AND p.workspace_id = d.workspace_id
             WHERE d.workspace_id = $1 AND d.team_id = $2 AND d.until_at > $3
             ORDER BY d.deferred_at DESC, d.id DESC",
        )
        .bind(ws)
        .bind(team_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Record an assignment and queue the assignee's notice, in one transaction (none when
    /// the assignee is the person assigning). An earlier open assignment of the same priority
    /// on the same team's agenda is replaced. Returns the new id.
    pub async fn assign(&self, ws: i64, new: NewAssignment<'_>, now: i64) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE assignments SET done_at = $1
             WHERE workspace_id = $2 AND team_id = $3 AND priority_id = $4 AND done_at IS NULL",
        )
        .bind(now)
        .bind(ws)
        .bind(new.team_id)
        .bind(new.priority_id)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO assignments (workspace_id, team_id, priority_id, assignee_id, assigned_by, note, due_date, assigned_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(ws)
        .bind(new.team_id)
        .bind(new.priority_id)
        .bind(new.assignee_id)
        .bind(new.assigned_by)
        .bind(new.note)
        .bind(new.due_date)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        if new.assignee_id != new.assigned_by {
            let payload = JobPayload::Assignment {
                assignment_id: id,
                person_id: new.assignee_id,
            };
            let key = format!("assignment:{id}");
            jobs::insert_job(&mut tx, ws, &key, &payload, now, now).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Whether the priority was ever raised to the team (its follow-ups stay on that agenda).
    pub async fn ever_raised_to(&self, ws: i64, priority_id: i64, team_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM raised_items WHERE workspace_id = $1 AND priority_id = $2 AND team_id = $3",
        )
        .bind(ws)
        .bind(priority_id)
        .bind(team_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    pub async fn assignment(&self, ws: i64, id: i64) -> Result<Option<AssignmentRow>> {
        Ok(sqlx::query_as(&format!(
            "{ASSIGNMENT_SELECT} WHERE a.workspace_id = $1 AND a.id = $2"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A priority's open assignments: not done, and not answered by a decision taken since.
    pub async fn open_assignments(&self, ws: i64, priority_id: i64) -> Result<Vec<AssignmentRow>> {
        Ok(sqlx::query_as(&format!(
            "{ASSIGNMENT_SELECT} WHERE a.workspace_id = $1 AND a.priority_id = $2 AND a.done_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.workspace_id = a.workspace_id
                    AND d.priority_id = a.priority_id AND d.decided_at >= a.assigned_at)
             ORDER BY a.assigned_at, a.id"
        ))
        .bind(ws)
        .bind(priority_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
