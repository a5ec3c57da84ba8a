//! The outgoing-work table: jobs written with an idempotency key in the transaction that
//! decides them, claimed with an expiring lease, and finished, retried or given up.

use super::{Backend, Result, Store};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub workspace_id: i64,
    pub kind: String,
    pub key: String,
    pub cycle_id: Option<i64>,
    pub person_id: Option<i64>,
    pub due_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Insert a job unless its key exists; `true` if inserted.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ws: i64,
    kind: &str,
    key: &str,
    cycle_id: Option<i64>,
    person_id: Option<i64>,
    due_at: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO jobs (workspace_id, kind, key, cycle_id, person_id, due_at, state, attempts, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7) ON CONFLICT (key) DO NOTHING",
    )
    .bind(ws)
    .bind(kind)
    .bind(key)
    .bind(cycle_id)
    .bind(person_id)
    .bind(due_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

const JOB_COLUMNS: &str =
    "id, workspace_id, kind, key, cycle_id, person_id, due_at, attempts, last_error";

impl Store {
    /// Claim up to `limit` due jobs (or jobs whose lease expired: their claimer died) for
    /// `lease_secs`. PostgreSQL skips rows another replica is claiming; SQLite has one writer.
    pub async fn claim_jobs(&self, now: i64, lease_secs: i64, limit: i64) -> Result<Vec<JobRow>> {
        // A read first: most ticks have nothing due and need not take the write lock.
        let due: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE (state = 'pending' AND due_at <= $1) OR (state = 'running' AND lease_until < $1)",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        if due == 0 {
            return Ok(Vec::new());
        }
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        Ok(sqlx::query_as(&format!(
            "UPDATE jobs SET state = 'running', lease_until = $2, attempts = attempts + 1
             WHERE id IN (
                 SELECT id FROM jobs
                 WHERE (state = 'pending' AND due_at <= $1) OR (state = 'running' AND lease_until < $1)
                 ORDER BY due_at, id LIMIT $3 {lock})
             AND ((state = 'pending' AND due_at <= $1) OR (state = 'running' AND lease_until < $1))
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(now)
        .bind(now + lease_secs)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Renew a claim just before working on the job, fenced by the attempt count it was
    /// claimed with: `false` when another worker took it over after our lease ran out, in which
    /// case we must leave it alone.
    pub async fn renew_lease(&self, id: i64, attempts: i64, lease_until: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND state = 'running' AND attempts = $3",
        )
        .bind(lease_until)
        .bind(id)
        .bind(attempts)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Hand claimed jobs back untouched (shutting down): pending again, the attempt not counted.
    pub async fn release_jobs(&self, ids: &[i64]) -> Result<()> {
        for id in ids {
            sqlx::query(
                "UPDATE jobs SET state = 'pending', lease_until = NULL, attempts = attempts - 1
                 WHERE id = $1 AND state = 'running'",
            )
            .bind(id)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    pub async fn finish_job(&self, id: i64, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'done', finished_at = $2, lease_until = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Put a job back for another attempt at `due_at`. `attempts_back` undoes the count for
    /// attempts that do not count (Slack asked us to wait).
    pub async fn retry_job(
        &self,
        id: i64,
        due_at: i64,
        error: &str,
        attempts_back: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'pending', due_at = $2, last_error = $3, lease_until = NULL,
                 attempts = attempts - $4 WHERE id = $1",
        )
        .bind(id)
        .bind(due_at)
        .bind(error)
        .bind(attempts_back as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn fail_job(&self, id: i64, error: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'failed', last_error = $2, finished_at = $3, lease_until = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Job counts by state, for tests and metrics.
    pub async fn job_counts(&self) -> Result<Vec<(String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state ORDER BY kind, state",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
