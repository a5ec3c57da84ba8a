//! Cycles of a rhythm, who each one asks, their check-ins, prompts and away periods.

use super::{JobPayload, Result, Store};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CycleRow {
    pub id: i64,
    pub workspace_id: i64,
    pub team_id: i64,
    pub slot: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub state: String,
}

impl CycleRow {
    pub fn is_open(&self) -> bool {
        self.state == "open"
    }
}

/// One owner asked in a new cycle.
#[derive(Debug, Clone)]
pub struct OwnerPlan {
    pub person_id: i64,
    pub prompt_at: i64,
    pub remind_at: Option<i64>,
    pub away: bool,
    pub priority_ids: Vec<i64>,
}

/// A new cycle as the scheduler decided it.
pub struct NewCycle<'a> {
    pub workspace_id: i64,
    pub team_id: i64,
    pub slot: &'a str,
    pub opens_at: i64,
    pub closes_at: i64,
    /// Already past its close (downtime): recorded closed, nobody prompted.
    pub already_closed: bool,
    pub owners: Vec<OwnerPlan>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CheckinItem {
    pub priority_id: i64,
    pub number: i64,
    pub title: String,
    pub status: String,
    pub progress: i64,
    pub due_date: Option<String>,
    pub answered_status: Option<String>,
    pub answered_progress: Option<i64>,
    pub answered_late: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PromptRow {
    pub channel: String,
    pub ts: String,
}

const CYCLE_COLUMNS: &str = "id, workspace_id, team_id, slot, opens_at, closes_at, state";

/// A team of teams without a rhythm of its own still gets its roll-up: when a child team's
/// cycle closes, the parent (and its parent, up the tree) gets a closed cycle for that day,
/// once however many children close that day, whose digest is the roll-up. Returns the new
/// cycles as (id, team).
async fn rollup_cycles(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    child: &CycleRow,
    now: i64,
) -> Result<Vec<(i64, i64)>> {
    let day = chrono::DateTime::from_timestamp(child.closes_at, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let slot = format!("rollup:{day}");
    let mut created = Vec::new();
    let mut team = child.team_id;
    for _ in 0..8 {
        let parent: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT p.id, p.channel_id FROM teams t JOIN teams p ON p.id = t.parent_team_id
             WHERE t.id = $1 AND t.workspace_id = $2",
        )
        .bind(team)
        .bind(child.workspace_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((parent, channel)) = parent else {
            break;
        };
        let own_rhythm: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM rhythms WHERE team_id = $1 AND checkin_schedule IS NOT NULL",
        )
        .bind(parent)
        .fetch_one(&mut **tx)
        .await?;
        if own_rhythm == 0 && channel.is_some() {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO cycles (workspace_id, team_id, slot, opens_at, closes_at, state, closed_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, 'closed', $6, $6)
                 ON CONFLICT (team_id, slot) DO NOTHING RETURNING id",
            )
            .bind(child.workspace_id)
            .bind(parent)
            .bind(&slot)
            .bind(child.opens_at)
            .bind(child.closes_at)
            .bind(now)
            .fetch_optional(&mut **tx)
            .await?;
            created.extend(id.map(|id| (id, parent)));
        }
        team = parent;
    }
    Ok(created)
}

impl Store {
    /// Open a cycle with its owners, their priorities and prompt jobs, in one transaction.
    /// `None` when the slot was already opened (by another tick or replica).
    pub async fn open_cycle(&self, c: NewCycle<'_>, now: i64) -> Result<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO cycles (workspace_id, team_id, slot, opens_at, closes_at, state, closed_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (team_id, slot) DO NOTHING RETURNING id",
        )
        .bind(c.workspace_id)
        .bind(c.team_id)
        .bind(c.slot)
        .bind(c.opens_at)
        .bind(c.closes_at)
        .bind(if c.already_closed { "closed" } else { "open" })
        .bind(if c.already_closed { Some(now) } else { None })
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(cycle_id) = id else {
            return Ok(None);
        };
        if c.already_closed {
            // A closed cycle moves the team's window of recent cycles.
            super::drift_facts::refresh_teams(
                &mut tx,
                self.backend,
                c.workspace_id,
                &[c.team_id],
                now,
            )
            .await?;
        } else {
            for o in &c.owners {
                sqlx::query(
                    "INSERT INTO cycle_owners (cycle_id, person_id, workspace_id, prompt_at, remind_at, remind_decided, away)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(cycle_id)
                .bind(o.person_id)
                .bind(c.workspace_id)
                .bind(o.prompt_at)
                .bind(o.remind_at)
                .bind(if o.away || o.remind_at.is_none() { 1i64 } else { 0 })
                .bind(o.away as i64)
                .execute(&mut *tx)
                .await?;
                for p in &o.priority_ids {
                    sqlx::query(
                        "INSERT INTO cycle_priorities (cycle_id, priority_id, person_id, workspace_id) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(cycle_id)
                    .bind(p)
                    .bind(o.person_id)
                    .bind(c.workspace_id)
                    .execute(&mut *tx)
                    .await?;
                }
                if !o.away {
                    super::jobs::insert_job(
                        &mut tx,
                        c.workspace_id,
                        &format!("prompt:{cycle_id}:{}", o.person_id),
                        &JobPayload::Prompt {
                            cycle_id,
                            person_id: o.person_id,
                        },
                        o.prompt_at,
                        now,
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(Some(cycle_id))
    }

    pub async fn cycle(&self, ws: i64, id: i64) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CYCLE_COLUMNS} FROM cycles WHERE workspace_id = $1 AND id = $2"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn cycle_exists(&self, team_id: i64, slot: &str) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM cycles WHERE team_id = $1 AND slot = $2")
                .bind(team_id)
                .bind(slot)
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }

    /// Close every open cycle whose time has come and queue its digest, in one transaction;
    /// returns the closed cycles.
    pub async fn close_due_cycles(&self, now: i64, scope: &super::Scope) -> Result<Vec<CycleRow>> {
        let within = scope.sql("workspace_id");
        // A read first: most ticks have nothing to close and need not take the write lock.
        let due: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM cycles WHERE state = 'open' AND closes_at <= $1{within}"
        ))
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        if due == 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let closed: Vec<CycleRow> = sqlx::query_as(&format!(
            "UPDATE cycles SET state = 'closed', closed_at = $1 WHERE state = 'open' AND closes_at <= $1{within}
             RETURNING {CYCLE_COLUMNS}"
        ))
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        // Every team with a newly closed cycle, by workspace: their priorities' window of
        // recent cycles moved.
        let mut closed_teams: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
        for c in &closed {
            let roll_ups = rollup_cycles(&mut tx, c, now).await?;
            let teams = closed_teams.entry(c.workspace_id).or_default();
            teams.push(c.team_id);
            teams.extend(roll_ups.iter().map(|(_, team)| *team));
            for id in std::iter::once(c.id).chain(roll_ups.into_iter().map(|(id, _)| id)) {
                super::jobs::insert_job(
                    &mut tx,
                    c.workspace_id,
                    &format!("digest:{id}"),
                    &JobPayload::Digest { cycle_id: id },
                    now,
                    now,
                )
                .await?;
            }
        }
        for (ws, teams) in &closed_teams {
            super::drift_facts::refresh_teams(&mut tx, self.backend, *ws, teams, now).await?;
        }
        tx.commit().await?;
        Ok(closed)
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

    pub async fn save_digest_post(
        &self,
        ws: i64,
        cycle_id: i64,
        channel: &str,
        ts: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO digest_posts (cycle_id, workspace_id, channel, ts, posted_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (cycle_id) DO NOTHING",
        )
        .bind(cycle_id)
        .bind(ws)
        .bind(channel)
        .bind(ts)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
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

    /// The earliest moment something of this workspace's rhythm is due, as far as the
    /// database knows: a pending job, an undecided reminder, or an open cycle's close.
    pub async fn next_due_at(&self, ws: i64) -> Result<Option<i64>> {
        let job: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(due_at) FROM jobs WHERE workspace_id = $1 AND state = 'pending'",
        )
        .bind(ws)
        .fetch_one(&self.pool)
        .await?;
        let remind: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(o.remind_at) FROM cycle_owners o JOIN cycles c ON c.id = o.cycle_id
             WHERE o.workspace_id = $1 AND o.remind_decided = 0 AND c.state = 'open'",
        )
        .bind(ws)
        .fetch_one(&self.pool)
        .await?;
        let close: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(closes_at) FROM cycles WHERE workspace_id = $1 AND state = 'open'",
        )
        .bind(ws)
        .fetch_one(&self.pool)
        .await?;
        Ok([job, remind, close].into_iter().flatten().min())
    }

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
            super::jobs::insert_job(
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
                    u.status AS answered_status, u.progress AS answered_progress, u.late AS answered_late
             FROM cycle_priorities cp
             JOIN priorities p ON p.id = cp.priority_id AND p.workspace_id = cp.workspace_id
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
        Ok(sqlx::query_scalar(
            "SELECT person_id FROM cycle_priorities WHERE workspace_id = $1 AND cycle_id = $2 AND priority_id = $3",
        )
        .bind(ws)
        .bind(cycle_id)
        .bind(priority_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The open cycle a priority is being asked about, if any.
    pub async fn open_cycle_of_priority(
        &self,
        ws: i64,
        priority_id: i64,
    ) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM cycles c JOIN cycle_priorities cp ON cp.cycle_id = c.id
             WHERE cp.workspace_id = $1 AND cp.priority_id = $2 AND c.state = 'open'
             ORDER BY c.opens_at DESC LIMIT 1",
            Self::cycle_columns("c.")
        ))
        .bind(ws)
        .bind(priority_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Open cycles in which a person is asked something, newest first.
    pub async fn open_cycles_of_person(&self, ws: i64, person_id: i64) -> Result<Vec<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM cycles c JOIN cycle_owners o ON o.cycle_id = c.id
             WHERE o.workspace_id = $1 AND o.person_id = $2 AND c.state = 'open'
             ORDER BY c.opens_at DESC",
            Self::cycle_columns("c.")
        ))
        .bind(ws)
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
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
        Ok(sqlx::query_as(
            "SELECT channel, ts FROM prompts WHERE workspace_id = $1 AND cycle_id = $2 AND person_id = $3",
        )
        .bind(ws)
        .bind(cycle_id)
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Replace a person's away periods with one (away <from> <to>).
    pub async fn set_away(
        &self,
        ws: i64,
        person_id: i64,
        from: &str,
        to: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM away_periods WHERE workspace_id = $1 AND person_id = $2")
            .bind(ws)
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO away_periods (workspace_id, person_id, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ws)
        .bind(person_id)
        .bind(from)
        .bind(to)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `true` if there was an away period to end.
    pub async fn clear_away(&self, ws: i64, person_id: i64) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM away_periods WHERE workspace_id = $1 AND person_id = $2")
                .bind(ws)
                .bind(person_id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whether a person is away on a date (`YYYY-MM-DD`, inclusive bounds).
    pub async fn is_away(&self, ws: i64, person_id: i64, date: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM away_periods WHERE workspace_id = $1 AND person_id = $2 AND starts_on <= $3 AND ends_on >= $3",
        )
        .bind(ws)
        .bind(person_id)
        .bind(date)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Active priorities of a team grouped by owner: (owner person id, priority ids).
    pub async fn active_priorities_by_owner(
        &self,
        ws: i64,
        team_id: i64,
    ) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT owner_id, id FROM priorities WHERE workspace_id = $1 AND team_id = $2
             AND status NOT IN ('done', 'dropped') ORDER BY owner_id, number",
        )
        .bind(ws)
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

const UNANSWERED_SQL: &str = "SELECT COUNT(*) FROM cycle_priorities cp
     WHERE cp.cycle_id = $1 AND cp.person_id = $2
     AND NOT EXISTS (SELECT 1 FROM priority_updates u WHERE u.cycle_id = cp.cycle_id AND u.priority_id = cp.priority_id)";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Participant {
    pub person_id: i64,
    pub user_id: String,
    pub display_name: String,
    pub away: i64,
    pub answered: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StatusChange {
    pub priority_id: i64,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LateAnswer {
    pub priority_id: i64,
    pub status: String,
    pub progress: i64,
    pub created_at: i64,
}

impl Store {
    fn cycle_columns(prefix: &str) -> String {
        CYCLE_COLUMNS
            .split(", ")
            .map(|c| format!("{prefix}{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The team's latest closed cycle that closed at or before `before`.
    pub async fn last_closed_cycle(
        &self,
        ws: i64,
        team_id: i64,
        before: i64,
    ) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CYCLE_COLUMNS} FROM cycles WHERE workspace_id = $1 AND team_id = $2 AND state = 'closed'
             AND closes_at <= $3 ORDER BY closes_at DESC, id DESC LIMIT 1"
        ))
        .bind(ws)
        .bind(team_id)
        .bind(before)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The closed cycle of the same team before this one.
    pub async fn previous_cycle(&self, ws: i64, cycle: &CycleRow) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CYCLE_COLUMNS} FROM cycles WHERE workspace_id = $1 AND team_id = $2 AND state = 'closed'
             AND opens_at < $3 ORDER BY opens_at DESC, id DESC LIMIT 1"
        ))
        .bind(ws)
        .bind(cycle.team_id)
        .bind(cycle.opens_at)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn open_cycle_of_team(&self, ws: i64, team_id: i64) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM cycles c WHERE c.workspace_id = $1 AND c.team_id = $2 AND c.state = 'open'
             ORDER BY c.opens_at DESC LIMIT 1",
            Self::cycle_columns("c.")
        ))
        .bind(ws)
        .bind(team_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Who a cycle asked, whether they were away, and whether they answered (on time).
    pub async fn participation(&self, ws: i64, cycle_id: i64) -> Result<Vec<Participant>> {
        Ok(sqlx::query_as(
            "SELECT o.person_id, p.user_id, p.display_name, o.away,
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
}

impl Store {
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
                if super::jobs::insert_job(
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
