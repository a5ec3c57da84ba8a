//! The outgoing-work table: jobs written with an idempotency key in the transaction that
//! decides them, claimed with an expiring lease, and finished, retried or given up.

use super::{Backend, Result, Store};

/// What a job does. Stored as its name; the scheduler delivers every kind but `Inbound`, which
/// the server's inbound worker handles (a platform event acknowledged before it was handled).
/// `Webhook` is an event for one outgoing webhook, sent over HTTP rather than a platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    Prompt,
    Remind,
    Digest,
    Stall,
    Inbound,
    Webhook,
    Decision,
    Agenda,
    Assignment,
    DigestFollow,
    DigestLate,
    Acting,
}

impl JobKind {
    pub const ALL: [JobKind; 12] = [
        JobKind::Prompt,
        JobKind::Remind,
        JobKind::Digest,
        JobKind::Stall,
        JobKind::Inbound,
        JobKind::Webhook,
        JobKind::Decision,
        JobKind::Agenda,
        JobKind::Assignment,
        JobKind::DigestFollow,
        JobKind::DigestLate,
        JobKind::Acting,
    ];
    /// The kinds the scheduler sends.
    pub const OUTBOUND: [JobKind; 11] = [
        JobKind::Prompt,
        JobKind::Remind,
        JobKind::Digest,
        JobKind::Stall,
        JobKind::Webhook,
        JobKind::Decision,
        JobKind::Agenda,
        JobKind::Assignment,
        JobKind::DigestFollow,
        JobKind::DigestLate,
        JobKind::Acting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Prompt => "prompt",
            JobKind::Remind => "remind",
            JobKind::Digest => "digest",
            JobKind::Stall => "stall",
            JobKind::Inbound => "inbound",
            JobKind::Webhook => "webhook",
            JobKind::Decision => "decision",
            JobKind::Agenda => "agenda",
            JobKind::Assignment => "assignment",
            JobKind::DigestFollow => "digest_follow",
            JobKind::DigestLate => "digest_late",
            JobKind::Acting => "acting",
        }
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for JobKind {
    type Error = String;

    fn try_from(s: String) -> std::result::Result<Self, String> {
        JobKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown job kind {s}"))
    }
}

/// What a job needs to run, stored as JSON beside it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobPayload {
    /// A check-in prompt for one owner in one cycle.
    Prompt { cycle_id: i64, person_id: i64 },
    /// A reminder to an owner who has not answered.
    Remind { cycle_id: i64, person_id: i64 },
    /// A closed cycle's digest (and its thread).
    Digest { cycle_id: i64 },
    /// A notice to the owner of `dependent_id` that `target_id` (in another team) stalled.
    Stall {
        target_id: i64,
        episode: i64,
        dependent_id: i64,
    },
    /// A platform event acknowledged before it was handled.
    Inbound {
        platform: String,
        event: serde_json::Value,
    },
    /// One event for one outgoing webhook. The body is stored as it will be sent, so a retry
    /// sends the same bytes (and the same signature input) with the same event id.
    Webhook {
        hook_id: i64,
        event_id: String,
        event_type: String,
        body: String,
    },
    /// A decision, told to one person (the priority's owner, an owner whose work waits on it,
    /// or the follow-up's owner).
    Decision { decision_id: i64, person_id: i64 },
    /// A team's review agenda, posted into its channel before the meeting at `meeting_at`.
    Agenda { team_id: i64, meeting_at: i64 },
    /// An agenda item assigned to one person, told to them.
    Assignment { assignment_id: i64, person_id: i64 },
    /// A posted digest, sent to one of the team's followers as a direct message.
    DigestFollow { cycle_id: i64, person_id: i64 },
    /// An answer given after the cycle's digest was posted: the digest is drawn again in place
    /// and the answer told in its thread.
    DigestLate {
        cycle_id: i64,
        priority_id: i64,
        person_id: i64,
        status: String,
        progress: i64,
    },
    /// `person_id` is told they act for `owner_id` during the away period `away_id` (from
    /// `starts_on` to `ends_on`), or (`ended`) that they no longer do.
    Acting {
        away_id: i64,
        owner_id: i64,
        person_id: i64,
        starts_on: String,
        ends_on: String,
        ended: bool,
    },
}

impl JobPayload {
    pub fn kind(&self) -> JobKind {
        match self {
            JobPayload::Prompt { .. } => JobKind::Prompt,
            JobPayload::Remind { .. } => JobKind::Remind,
            JobPayload::Digest { .. } => JobKind::Digest,
            JobPayload::Stall { .. } => JobKind::Stall,
            JobPayload::Inbound { .. } => JobKind::Inbound,
            JobPayload::Webhook { .. } => JobKind::Webhook,
            JobPayload::Decision { .. } => JobKind::Decision,
            JobPayload::Agenda { .. } => JobKind::Agenda,
            JobPayload::Assignment { .. } => JobKind::Assignment,
            JobPayload::DigestFollow { .. } => JobKind::DigestFollow,
            JobPayload::DigestLate { .. } => JobKind::DigestLate,
            JobPayload::Acting { .. } => JobKind::Acting,
        }
    }

    fn cycle_and_person(&self) -> (Option<i64>, Option<i64>) {
        match self {
            JobPayload::Prompt {
                cycle_id,
                person_id,
            }
            | JobPayload::Remind {
                cycle_id,
                person_id,
            } => (Some(*cycle_id), Some(*person_id)),
            JobPayload::Digest { cycle_id } => (Some(*cycle_id), None),
            JobPayload::DigestFollow {
                cycle_id,
                person_id,
            }
            | JobPayload::DigestLate {
                cycle_id,
                person_id,
                ..
            } => (Some(*cycle_id), Some(*person_id)),
            JobPayload::Decision { person_id, .. }
            | JobPayload::Assignment { person_id, .. }
            | JobPayload::Acting { person_id, .. } => (None, Some(*person_id)),
            JobPayload::Stall { .. }
            | JobPayload::Inbound { .. }
            | JobPayload::Webhook { .. }
            | JobPayload::Agenda { .. } => (None, None),
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub workspace_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: JobKind,
    pub key: String,
    pub cycle_id: Option<i64>,
    pub person_id: Option<i64>,
    pub due_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub payload: Option<String>,
}

impl JobRow {
    /// The job's typed payload. Jobs queued before payloads existed are read from their
    /// columns (and, for stall notices, their key).
    pub fn payload(&self) -> std::result::Result<JobPayload, String> {
        if let Some(json) = &self.payload {
            let p: JobPayload = serde_json::from_str(json)
                .map_err(|e| format!("malformed payload of job {}: {e}", self.id))?;
            return if p.kind() == self.kind {
                Ok(p)
            } else {
                Err(format!(
                    "job {} is a {} with a {} payload",
                    self.id,
                    self.kind,
                    p.kind()
                ))
            };
        }
        let missing = || format!("job {} ({}) lacks its ids", self.id, self.kind);
        match self.kind {
            JobKind::Prompt => Ok(JobPayload::Prompt {
                cycle_id: self.cycle_id.ok_or_else(missing)?,
                person_id: self.person_id.ok_or_else(missing)?,
            }),
            JobKind::Remind => Ok(JobPayload::Remind {
                cycle_id: self.cycle_id.ok_or_else(missing)?,
                person_id: self.person_id.ok_or_else(missing)?,
            }),
            JobKind::Digest => Ok(JobPayload::Digest {
                cycle_id: self.cycle_id.ok_or_else(missing)?,
            }),
            JobKind::Stall => {
                let parts: Vec<i64> = self
                    .key
                    .split(':')
                    .skip(1)
                    .filter_map(|p| p.parse().ok())
                    .collect();
                match parts[..] {
                    [target_id, episode, dependent_id] => Ok(JobPayload::Stall {
                        target_id,
                        episode,
                        dependent_id,
                    }),
                    _ => Err(missing()),
                }
            }
            JobKind::Inbound
            | JobKind::Webhook
            | JobKind::Decision
            | JobKind::Agenda
            | JobKind::Assignment
            | JobKind::DigestFollow
            | JobKind::DigestLate
            | JobKind::Acting => Err(missing()),
        }
    }
}

/// Insert a job unless its key exists; `true` if inserted.
pub(crate) async fn insert_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ws: i64,
    key: &str,
    payload: &JobPayload,
    due_at: i64,
    now: i64,
) -> Result<bool> {
    let (cycle_id, person_id) = payload.cycle_and_person();
    let json = serde_json::to_string(payload)
        .map_err(|e| super::StoreError::Corrupt(format!("job payload: {e}")))?;
    let done = sqlx::query(
        "INSERT INTO jobs (workspace_id, kind, key, cycle_id, person_id, due_at, state, attempts, created_at, payload)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8) ON CONFLICT (key) DO NOTHING",
    )
    .bind(ws)
    .bind(payload.kind().as_str())
    .bind(key)
    .bind(cycle_id)
    .bind(person_id)
    .bind(due_at)
    .bind(now)
    .bind(json)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

const JOB_COLUMNS: &str =
    "id, workspace_id, kind, key, cycle_id, person_id, due_at, attempts, last_error, payload";

/// [`JOB_COLUMNS`] each prefixed with a table name, for statements that join.
fn qualified_columns(table: &str) -> String {
    JOB_COLUMNS
        .split(", ")
        .map(|c| format!("{table}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `kind IN ('a', 'b')` for a fixed set of kinds (names from the enum, never user input).
fn kinds_clause(kinds: &[JobKind]) -> String {
    let names: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
    format!("kind IN ({})", names.join(", "))
}

impl Store {
    /// Claim up to `limit` due jobs of `kinds` (or jobs whose lease expired: their claimer
    /// died) for `lease_secs`. PostgreSQL skips rows another replica is claiming; SQLite has
    /// one writer. Never more than `limit`, whatever plan the database picks.
    pub async fn claim_jobs(
        &self,
        kinds: &[JobKind],
        scope: &super::Scope,
        now: i64,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<JobRow>> {
        let due_now = format!(
            "{}{} AND ((state = 'pending' AND due_at <= $1) OR (state = 'running' AND lease_until < $1))",
            kinds_clause(kinds),
            scope.sql("workspace_id")
        );
        // A read first: most ticks have nothing due and need not take the write lock.
        let due: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM jobs WHERE {due_now}"))
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        if due == 0 {
            return Ok(Vec::new());
        }
        let sql = match self.backend {
            // The ids are picked once, in a materialised CTE, and joined by id: written as
            // `WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`, PostgreSQL may plan a
            // semi-join that re-runs the sub-select per outer row and claims every due job.
            Backend::Postgres => format!(
                "WITH picked AS MATERIALIZED (
                     SELECT id FROM jobs WHERE {due_now}
                     ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
                 UPDATE jobs SET state = 'running', lease_until = $2, attempts = jobs.attempts + 1
                 FROM picked WHERE jobs.id = picked.id
                 RETURNING {}",
                qualified_columns("jobs")
            ),
            // One writer at a time: the uncorrelated sub-select runs once.
            Backend::Sqlite => format!(
                "UPDATE jobs SET state = 'running', lease_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM jobs WHERE {due_now} ORDER BY due_at, id LIMIT $3)
                 AND ({due_now})
                 RETURNING {JOB_COLUMNS}"
            ),
        };
        let mut claimed: Vec<JobRow> = sqlx::query_as(&sql)
            .bind(now)
            .bind(now + lease_secs)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        claimed.sort_by_key(|j| (j.due_at, j.id));
        Ok(claimed)
    }

    /// Queue a job outside any other transaction; `Some(id)` when it is new, `None` when a job
    /// with this key exists already.
    pub async fn enqueue_job(
        &self,
        ws: i64,
        key: &str,
        payload: &JobPayload,
        due_at: i64,
        now: i64,
    ) -> Result<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let inserted = insert_job(&mut tx, ws, key, payload, due_at, now).await?;
        let id: Option<i64> = if inserted {
            sqlx::query_scalar("SELECT id FROM jobs WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?
        } else {
            None
        };
        tx.commit().await?;
        Ok(id)
    }

    /// Claim one job by its key now, whatever its due time, unless it is done, failed for
    /// good, or held by a live lease: a platform's redelivery of something that failed.
    pub async fn claim_job_by_key(
        &self,
        key: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<JobRow>> {
        Ok(sqlx::query_as(&format!(
            "UPDATE jobs SET state = 'running', lease_until = $2, attempts = attempts + 1
             WHERE key = $3 AND (state = 'pending' OR (state = 'running' AND lease_until < $1))
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(now)
        .bind(now + lease_secs)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Delete up to `batch` finished (done or failed) jobs that finished before `before`;
    /// how many went.
    pub async fn prune_jobs(&self, before: i64, batch: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM jobs WHERE id IN (
                 SELECT id FROM jobs WHERE state IN ('done', 'failed') AND finished_at < $1
                 ORDER BY finished_at LIMIT $2)",
        )
        .bind(before)
        .bind(batch)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Jobs in a given state, oldest first (for tests and operators).
    pub async fn jobs_in_state(&self, state: &str) -> Result<Vec<JobRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE state = $1 ORDER BY id"
        ))
        .bind(state)
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

    // Every outcome below is fenced by the attempt the job was claimed with: a worker whose
    // lease ran out (and whose job another worker took over) changes nothing.

    /// Hand claimed jobs back untouched (shutting down): pending again, the attempt not counted.
    pub async fn release_jobs(&self, jobs: &[JobRow]) -> Result<()> {
        for job in jobs {
            sqlx::query(
                "UPDATE jobs SET state = 'pending', lease_until = NULL, attempts = attempts - 1
                 WHERE id = $1 AND state = 'running' AND attempts = $2",
            )
            .bind(job.id)
            .bind(job.attempts)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    pub async fn finish_job(&self, job: &JobRow, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'done', finished_at = $2, lease_until = NULL
             WHERE id = $1 AND attempts = $3",
        )
        .bind(job.id)
        .bind(now)
        .bind(job.attempts)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Put a job back for another attempt at `due_at`. `attempts_back` undoes the count for
    /// attempts that do not count (the platform asked us to wait before anything was sent).
    pub async fn retry_job(
        &self,
        job: &JobRow,
        due_at: i64,
        error: &str,
        attempts_back: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'pending', due_at = $2, last_error = $3, lease_until = NULL,
                 attempts = attempts - $4 WHERE id = $1 AND attempts = $5",
        )
        .bind(job.id)
        .bind(due_at)
        .bind(error)
        .bind(attempts_back as i64)
        .bind(job.attempts)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn fail_job(&self, job: &JobRow, error: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'failed', last_error = $2, finished_at = $3, lease_until = NULL
             WHERE id = $1 AND attempts = $4",
        )
        .bind(job.id)
        .bind(error)
        .bind(now)
        .bind(job.attempts)
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
