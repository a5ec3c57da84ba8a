//! Opening and closing cycles: who a new cycle asks and when, closing the ones whose time has
//! come (with their digests and any roll-up cycles of parent teams), and when anything is due
//! next.

use super::{CYCLE_COLUMNS, CycleRow, NewCycle, OwnerPlan};
use crate::store::{JobPayload, Result, Scope, Store, drift_facts, jobs};

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
            drift_facts::refresh_teams(&mut tx, self.backend, c.workspace_id, &[c.team_id], now)
                .await?;
        } else {
            for o in &c.owners {
                add_owner(&mut tx, c.workspace_id, cycle_id, o, now).await?;
            }
            self.record_ahead_in(&mut tx, c.workspace_id, c.team_id, c.slot, cycle_id, now)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(cycle_id))
    }

    /// Close every open cycle whose time has come and queue its digest, in one transaction;
    /// returns the closed cycles.
    pub async fn close_due_cycles(&self, now: i64, scope: &Scope) -> Result<Vec<CycleRow>> {
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
                jobs::insert_job(
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
            drift_facts::refresh_teams(&mut tx, self.backend, *ws, teams, now).await?;
        }
        tx.commit().await?;
        Ok(closed)
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
}

/// Ask one owner in a new cycle: their row, the priorities they are asked about, and (unless
/// away) the job that sends the prompt.
async fn add_owner(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ws: i64,
    cycle_id: i64,
    o: &OwnerPlan,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO cycle_owners (cycle_id, person_id, workspace_id, prompt_at, remind_at, remind_decided, away, away_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(cycle_id)
    .bind(o.person_id)
    .bind(ws)
    .bind(o.prompt_at)
    .bind(o.remind_at)
    .bind(if o.away || o.remind_at.is_none() { 1i64 } else { 0 })
    .bind(o.away as i64)
    .bind(o.away_reason.as_deref())
    .execute(&mut **tx)
    .await?;
    let own = o.priority_ids.iter().map(|p| (*p, None));
    let handed = o.acting_for.iter().map(|(p, owner)| (*p, Some(*owner)));
    for (p, on_behalf_of) in own.chain(handed) {
        sqlx::query(
            "INSERT INTO cycle_priorities (cycle_id, priority_id, person_id, workspace_id, on_behalf_of, asked)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(cycle_id)
        .bind(p)
        .bind(o.person_id)
        .bind(ws)
        .bind(on_behalf_of)
        .bind(if o.quiet.contains(&p) { 0i64 } else { 1 })
        .execute(&mut **tx)
        .await?;
    }
    if !o.away {
        jobs::insert_job(
            tx,
            ws,
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
    Ok(())
}

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
