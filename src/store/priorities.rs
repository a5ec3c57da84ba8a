use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;

use super::{Result, Store, StoreError};
use crate::domain::{Priority, PriorityNumber, Progress, Status};

#[derive(Debug, sqlx::FromRow)]
struct PriorityRow {
    id: i64,
    number: i64,
    title: String,
    owner_id: i64,
    owner_user_id: String,
    owner_name: String,
    team_id: i64,
    team_name: String,
    due_date: Option<String>,
    parent_number: Option<i64>,
    status: String,
    progress: i64,
    created_at: i64,
    updated_at: i64,
}

const PRIORITY_SELECT: &str =
    "SELECT p.id, p.number, p.title, p.owner_id, o.user_id AS owner_user_id,
        o.display_name AS owner_name, p.team_id, t.name AS team_name, p.due_date,
        pp.number AS parent_number, p.status, p.progress, p.created_at, p.updated_at
     FROM priorities p
     JOIN people o ON o.id = p.owner_id AND o.workspace_id = p.workspace_id
     JOIN teams t ON t.id = p.team_id AND t.workspace_id = p.workspace_id
     LEFT JOIN priorities pp ON pp.id = p.parent_id AND pp.workspace_id = p.workspace_id";

/// Ids bound per query: few round trips, well under SQLite's and PostgreSQL's parameter limits.
pub(super) const ID_BATCH: usize = 500;

pub(crate) fn ts(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

impl TryFrom<PriorityRow> for Priority {
    type Error = StoreError;

    fn try_from(r: PriorityRow) -> Result<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("priority {}: bad {what}", r.id));
        Ok(Priority {
            id: r.id,
            number: PriorityNumber(r.number),
            status: r.status.parse().map_err(|_| corrupt("status"))?,
            progress: Progress::new(r.progress).map_err(|_| corrupt("progress"))?,
            due: match &r.due_date {
                Some(d) => Some(
                    NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| corrupt("due date"))?,
                ),
                None => None,
            },
            parent: r.parent_number.map(PriorityNumber),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            title: r.title,
            owner_person_id: r.owner_id,
            owner_user_id: r.owner_user_id,
            owner_name: r.owner_name,
            team_id: r.team_id,
            team_name: r.team_name,
        })
    }
}

fn convert(rows: Vec<PriorityRow>) -> Result<Vec<Priority>> {
    rows.into_iter().map(Priority::try_from).collect()
}

/// One status update: where a priority stands, and the cycle it answers, if any.
#[derive(Debug, Clone, Copy)]
pub struct UpdateInput<'a> {
    pub status: Status,
    pub progress: Progress,
    pub note: Option<&'a str>,
    pub blocker: Option<&'a str>,
    pub cycle_id: Option<i64>,
    /// Answering a cycle that had already closed.
    pub late: bool,
}

pub struct NewPriority {
    pub title: String,
    pub owner_id: i64,
    pub team_id: i64,
    pub due: Option<NaiveDate>,
    pub parent_id: Option<i64>,
    pub created_by: i64,
}

/// Which priorities to list. Every filter is within one workspace.
#[derive(Debug, Default, Clone)]
pub struct PriorityQuery {
    pub owner: Option<i64>,
    pub teams: Option<Vec<i64>>,
    pub include_closed: bool,
}

/// A field change with the words the history shows for it.
pub struct PriorityChanges {
    pub title: Option<String>,
    pub owner: Option<(i64, String)>,
    pub team: Option<(i64, String)>,
    pub due: Option<Option<NaiveDate>>,
    /// `(id, number)` of the new parent, or `None` to clear it.
    pub parent: Option<Option<(i64, PriorityNumber)>>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HistoryEntry {
    pub at: i64,
    pub actor_user_id: String,
    pub actor_name: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UpdateEntry {
    pub priority_id: i64,
    pub status: String,
    pub progress: i64,
    pub note: Option<String>,
    pub blocker: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Dependency {
    pub priority_id: i64,
    pub number: i64,
    pub title: String,
    pub status: String,
    pub team_name: String,
}

fn due_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

impl Store {
    /// Create a priority with the workspace's next number. Taking the number is the first
    /// write of the transaction, so concurrent adds queue on that row (PostgreSQL's row lock,
    /// SQLite's single writer) and a failed insert rolls the counter back: no gaps, no twins.
    pub async fn create_priority(&self, ws: i64, new: NewPriority, now: i64) -> Result<Priority> {
        let mut tx = self.pool.begin().await?;
        let number: i64 = sqlx::query_scalar(
            "UPDATE workspaces SET next_priority_number = next_priority_number + 1
             WHERE id = $1 RETURNING next_priority_number - 1",
        )
        .bind(ws)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO priorities (workspace_id, number, title, owner_id, team_id, due_date, parent_id,
                 status, progress, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'on-track', 0, $8, $9, $9) RETURNING id",
        )
        .bind(ws)
        .bind(number)
        .bind(&new.title)
        .bind(new.owner_id)
        .bind(new.team_id)
        .bind(due_text(new.due))
        .bind(new.parent_id)
        .bind(new.created_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        history(
            &mut tx,
            ws,
            id,
            new.created_by,
            now,
            "created",
            None,
            Some(&new.title),
        )
        .await?;
        super::drift_facts::refresh(&mut tx, self.backend, ws, &[id], now).await?;
        tx.commit().await?;
        self.priority(ws, PriorityNumber(number))
            .await?
            .ok_or_else(|| StoreError::Corrupt("priority vanished after insert".into()))
    }

    pub async fn priority(&self, ws: i64, number: PriorityNumber) -> Result<Option<Priority>> {
        let row: Option<PriorityRow> = sqlx::query_as(&format!(
            "{PRIORITY_SELECT} WHERE p.workspace_id = $1 AND p.number = $2"
        ))
        .bind(ws)
        .bind(number.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Priority::try_from).transpose()
    }

    /// The newest update's id (0 when there is none): a cheap "has anything changed".
    pub async fn latest_update_id(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM priority_updates")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn priority_by_id(&self, ws: i64, id: i64) -> Result<Option<Priority>> {
        let row: Option<PriorityRow> = sqlx::query_as(&format!(
            "{PRIORITY_SELECT} WHERE p.workspace_id = $1 AND p.id = $2"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Priority::try_from).transpose()
    }

    pub async fn priorities(&self, ws: i64, q: &PriorityQuery) -> Result<Vec<Priority>> {
        let mut sql = format!("{PRIORITY_SELECT} WHERE p.workspace_id = $1");
        let mut n = 1;
        if q.owner.is_some() {
            n += 1;
            sql.push_str(&format!(" AND p.owner_id = ${n}"));
        }
        if let Some(teams) = &q.teams {
            if teams.is_empty() {
                return Ok(Vec::new());
            }
            let list: Vec<String> = teams
                .iter()
                .map(|_| {
                    n += 1;
                    format!("${n}")
                })
                .collect();
            sql.push_str(&format!(" AND p.team_id IN ({})", list.join(", ")));
        }
        if !q.include_closed {
            sql.push_str(" AND p.status NOT IN ('done', 'dropped')");
        }
        sql.push_str(" ORDER BY p.number");
        let mut query = sqlx::query_as::<_, PriorityRow>(&sql).bind(ws);
        if let Some(owner) = q.owner {
            query = query.bind(owner);
        }
        for team in q.teams.iter().flatten() {
            query = query.bind(*team);
        }
        convert(query.fetch_all(&self.pool).await?)
    }

    /// Apply an edit: every changed field in one transaction, each with a history row.
    pub async fn change_priority(
        &self,
        ws: i64,
        current: &Priority,
        changes: &PriorityChanges,
        actor: i64,
        now: i64,
    ) -> Result<Priority> {
        let mut tx = self.pool.begin().await?;
        let id = current.id;
        let set = |column: &str| {
            format!(
                "UPDATE priorities SET {column} = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4"
            )
        };
        if let Some(title) = &changes.title {
            sqlx::query(&set("title"))
                .bind(title)
                .bind(now)
                .bind(ws)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            history(
                &mut tx,
                ws,
                id,
                actor,
                now,
                "title",
                Some(&current.title),
                Some(title),
            )
            .await?;
        }
        if let Some((owner_id, owner_name)) = &changes.owner {
            sqlx::query(&set("owner_id"))
                .bind(owner_id)
                .bind(now)
                .bind(ws)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            history(
                &mut tx,
                ws,
                id,
                actor,
                now,
                "owner",
                Some(&current.owner_name),
                Some(owner_name),
            )
            .await?;
        }
        if let Some((team_id, team_name)) = &changes.team {
            sqlx::query(&set("team_id"))
                .bind(team_id)
                .bind(now)
                .bind(ws)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            history(
                &mut tx,
                ws,
                id,
                actor,
                now,
                "team",
                Some(&current.team_name),
                Some(team_name),
            )
            .await?;
        }
        if let Some(due) = &changes.due {
            let new = due_text(*due);
            sqlx::query(&set("due_date"))
                .bind(&new)
                .bind(now)
                .bind(ws)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            history(
                &mut tx,
                ws,
                id,
                actor,
                now,
                "due",
                due_text(current.due).as_deref(),
                new.as_deref(),
            )
            .await?;
        }
        if let Some(parent) = &changes.parent {
            let old = current.parent.map(|p| p.to_string());
            let new = parent.map(|(_, n)| n.to_string());
            sqlx::query(&set("parent_id"))
                .bind(parent.map(|(pid, _)| pid))
                .bind(now)
                .bind(ws)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            history(
                &mut tx,
                ws,
                id,
                actor,
                now,
                "parent",
                old.as_deref(),
                new.as_deref(),
            )
            .await?;
        }
        if changes.team.is_some() {
            // Another team's cycles are the ones `silent` looks at now.
            super::drift_facts::refresh(&mut tx, self.backend, ws, &[id], now).await?;
        }
        tx.commit().await?;
        self.priority(ws, current.number)
            .await?
            .ok_or_else(|| StoreError::Corrupt("priority vanished after edit".into()))
    }

    /// Record a status update (a check-in when it belongs to a cycle): an update row for the
    /// drift rules, the new state on the priority, and history, in one transaction.
    pub async fn record_update(
        &self,
        ws: i64,
        current: &Priority,
        update: &UpdateInput<'_>,
        author: i64,
        now: i64,
    ) -> Result<Priority> {
        let UpdateInput {
            status,
            progress,
            note,
            blocker,
            cycle_id,
            late,
        } = *update;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO priority_updates (workspace_id, priority_id, author_id, status, progress, note, blocker, created_at, cycle_id, late)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(ws)
        .bind(current.id)
        .bind(author)
        .bind(status.as_str())
        .bind(progress.value() as i64)
        .bind(note)
        .bind(blocker)
        .bind(now)
        .bind(cycle_id)
        .bind(late as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE priorities SET status = $1, progress = $2, updated_at = $3 WHERE workspace_id = $4 AND id = $5",
        )
        .bind(status.as_str())
        .bind(progress.value() as i64)
        .bind(now)
        .bind(ws)
        .bind(current.id)
        .execute(&mut *tx)
        .await?;
        if status != current.status {
            history(
                &mut tx,
                ws,
                current.id,
                author,
                now,
                "status",
                Some(current.status.as_str()),
                Some(status.as_str()),
            )
            .await?;
        }
        if progress != current.progress {
            let (old, new) = (current.progress.to_string(), progress.to_string());
            history(
                &mut tx,
                ws,
                current.id,
                author,
                now,
                "progress",
                Some(&old),
                Some(&new),
            )
            .await?;
        }
        if let Some(note) = note {
            history(
                &mut tx,
                ws,
                current.id,
                author,
                now,
                "note",
                None,
                Some(note),
            )
            .await?;
        }
        if let Some(blocker) = blocker {
            history(
                &mut tx,
                ws,
                current.id,
                author,
                now,
                "blocker",
                None,
                Some(blocker),
            )
            .await?;
        }
        super::drift_facts::refresh(&mut tx, self.backend, ws, &[current.id], now).await?;
        tx.commit().await?;
        self.priority(ws, current.number)
            .await?
            .ok_or_else(|| StoreError::Corrupt("priority vanished after update".into()))
    }

    pub async fn history(&self, ws: i64, priority_id: i64) -> Result<Vec<HistoryEntry>> {
        Ok(sqlx::query_as(
            "SELECT h.at, a.user_id AS actor_user_id, a.display_name AS actor_name, h.field, h.old_value, h.new_value
             FROM priority_history h JOIN people a ON a.id = h.actor_id AND a.workspace_id = h.workspace_id
             WHERE h.workspace_id = $1 AND h.priority_id = $2 ORDER BY h.id",
        )
        .bind(ws)
        .bind(priority_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The latest updates of the given priorities, newest first, at most `per_priority` each.
    pub async fn recent_updates(
        &self,
        ws: i64,
        priority_ids: &[i64],
        per_priority: usize,
    ) -> Result<Vec<UpdateEntry>> {
        self.updates_as_of(ws, priority_ids, per_priority, i64::MAX)
            .await
    }

    /// The latest updates (at or before `as_of`) of the given priorities, newest first, at most
    /// `per_priority` each.
    pub async fn updates_as_of(
        &self,
        ws: i64,
        priority_ids: &[i64],
        per_priority: usize,
        as_of: i64,
    ) -> Result<Vec<UpdateEntry>> {
        let mut conn = self.pool.acquire().await?;
        latest_updates(&mut conn, ws, priority_ids, per_priority, as_of, as_of).await
    }

    /// `true` if the dependency is new.
    pub async fn add_dependency(
        &self,
        ws: i64,
        priority_id: i64,
        on_id: i64,
        actor: i64,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "INSERT INTO priority_dependencies (workspace_id, priority_id, depends_on_id, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (priority_id, depends_on_id) DO NOTHING",
        )
        .bind(ws)
        .bind(priority_id)
        .bind(on_id)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let added = done.rows_affected() == 1;
        if added {
            let number: i64 = sqlx::query_scalar(
                "SELECT number FROM priorities WHERE workspace_id = $1 AND id = $2",
            )
            .bind(ws)
            .bind(on_id)
            .fetch_one(&mut *tx)
            .await?;
            let on = PriorityNumber(number).to_string();
            history(
                &mut tx,
                ws,
                priority_id,
                actor,
                now,
                "depends on",
                None,
                Some(&on),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// `true` if there was such a dependency.
    pub async fn remove_dependency(
        &self,
        ws: i64,
        priority_id: i64,
        on_id: i64,
        actor: i64,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "DELETE FROM priority_dependencies WHERE workspace_id = $1 AND priority_id = $2 AND depends_on_id = $3",
        )
        .bind(ws)
        .bind(priority_id)
        .bind(on_id)
        .execute(&mut *tx)
        .await?;
        let removed = done.rows_affected() == 1;
        if removed {
            let number: i64 = sqlx::query_scalar(
                "SELECT number FROM priorities WHERE workspace_id = $1 AND id = $2",
            )
            .bind(ws)
            .bind(on_id)
            .fetch_one(&mut *tx)
            .await?;
            let on = PriorityNumber(number).to_string();
            history(
                &mut tx,
                ws,
                priority_id,
                actor,
                now,
                "depends on",
                Some(&on),
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// What a priority waits on.
    pub async fn dependencies_of(&self, ws: i64, priority_id: i64) -> Result<Vec<Dependency>> {
        Ok(sqlx::query_as(
            "SELECT p.id AS priority_id, p.number, p.title, p.status, t.name AS team_name
             FROM priority_dependencies d
             JOIN priorities p ON p.id = d.depends_on_id AND p.workspace_id = d.workspace_id
             JOIN teams t ON t.id = p.team_id AND t.workspace_id = p.workspace_id
             WHERE d.workspace_id = $1 AND d.priority_id = $2 ORDER BY p.number",
        )
        .bind(ws)
        .bind(priority_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// What waits on a priority.
    pub async fn dependents_of(&self, ws: i64, priority_id: i64) -> Result<Vec<Dependency>> {
        Ok(sqlx::query_as(
            "SELECT p.id AS priority_id, p.number, p.title, p.status, t.name AS team_name
             FROM priority_dependencies d
             JOIN priorities p ON p.id = d.priority_id AND p.workspace_id = d.workspace_id
             JOIN teams t ON t.id = p.team_id AND t.workspace_id = p.workspace_id
             WHERE d.workspace_id = $1 AND d.depends_on_id = $2 ORDER BY p.number",
        )
        .bind(ws)
        .bind(priority_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every dependency edge of the workspace as (priority id, depends-on id).
    pub async fn dependency_edges(&self, ws: i64) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT priority_id, depends_on_id FROM priority_dependencies WHERE workspace_id = $1",
        )
        .bind(ws)
        .fetch_all(&self.pool)
        .await?)
    }
}

#[allow(clippy::too_many_arguments)]
async fn history(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ws: i64,
    priority_id: i64,
    actor: i64,
    at: i64,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO priority_history (workspace_id, priority_id, actor_id, at, field, old_value, new_value)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ws)
    .bind(priority_id)
    .bind(actor)
    .bind(at)
    .bind(field)
    .bind(old)
    .bind(new)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Priorities by id (any team), for looking through dependencies.
    pub async fn priorities_by_ids(&self, ws: i64, ids: &[i64]) -> Result<Vec<Priority>> {
        let mut out = Vec::new();
        // Chunks keep the bind list well under both engines' limits.
        for chunk in ids.chunks(ID_BATCH) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "{PRIORITY_SELECT} WHERE p.workspace_id = $1 AND p.id IN ({}) ORDER BY p.number",
                list.join(", ")
            );
            let mut q = sqlx::query_as::<_, PriorityRow>(&sql).bind(ws);
            for id in chunk {
                q = q.bind(*id);
            }
            out.extend(convert(q.fetch_all(&self.pool).await?)?);
        }
        Ok(out)
    }

    /// See [`answered_in_recent_cycles`].
    pub async fn answered_in_recent_cycles(
        &self,
        ws: i64,
        priorities: &[(i64, i64)],
        as_of: i64,
        n: usize,
    ) -> Result<Vec<(i64, i64)>> {
        let mut conn = self.pool.acquire().await?;
        answered_in_recent_cycles(&mut conn, ws, priorities, as_of, n).await
    }
}

/// For each priority, whether it was answered in each of the last `n` closed cycles of its team
/// (as of `as_of`) that asked its owner about it, newest first; cycles while the owner was away
/// do not count. Only each team's latest `n + 6` closed cycles are looked at, which bounds the
/// work for a whole organisation and leaves room for six away cycles. `priorities` are
/// (priority id, team id) pairs.
pub(crate) async fn answered_in_recent_cycles(
    conn: &mut AnyConnection,
    ws: i64,
    priorities: &[(i64, i64)],
    as_of: i64,
    n: usize,
) -> Result<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for chunk in priorities.chunks(ID_BATCH) {
        let mut teams: Vec<i64> = chunk.iter().map(|(_, t)| *t).collect();
        teams.sort_unstable();
        teams.dedup();
        // The teams' latest closed cycles: a small, exact list the next query can use its
        // primary key with.
        let list: Vec<String> = (0..teams.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "SELECT id, team_id FROM (
                 SELECT id, team_id, ROW_NUMBER() OVER (PARTITION BY team_id ORDER BY closes_at DESC, id DESC) AS rn
                 FROM cycles WHERE workspace_id = $1 AND state = 'closed' AND closes_at <= $2
                   AND team_id IN ({})
             ) x WHERE rn <= $3",
            list.join(", ")
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(&sql)
            .bind(ws)
            .bind(as_of)
            .bind((n + 6) as i64);
        for t in &teams {
            q = q.bind(*t);
        }
        let cycle_teams: std::collections::HashMap<i64, i64> =
            q.fetch_all(&mut *conn).await?.into_iter().collect();
        if cycle_teams.is_empty() {
            continue;
        }
        let cycles: Vec<i64> = cycle_teams.keys().copied().collect();
        let team_of: std::collections::HashMap<i64, i64> = chunk.iter().copied().collect();
        let cycle_list: Vec<String> = (0..cycles.len()).map(|i| format!("${}", i + 2)).collect();
        let prio_list: Vec<String> = (0..chunk.len())
            .map(|i| format!("${}", i + 2 + cycles.len()))
            .collect();
        let sql = format!(
            "SELECT cp.priority_id, cp.cycle_id,
                 CAST(CASE WHEN EXISTS (
                     SELECT 1 FROM priority_updates u WHERE u.cycle_id = cp.cycle_id AND u.priority_id = cp.priority_id
                 ) THEN 1 ELSE 0 END AS BIGINT) AS answered
             FROM cycle_priorities cp
             JOIN cycles c ON c.id = cp.cycle_id
             JOIN cycle_owners o ON o.cycle_id = cp.cycle_id AND o.person_id = cp.person_id
             WHERE cp.workspace_id = $1 AND o.away = 0 AND cp.cycle_id IN ({}) AND cp.priority_id IN ({})
             ORDER BY cp.priority_id, c.closes_at DESC, c.id DESC",
            cycle_list.join(", "),
            prio_list.join(", ")
        );
        let mut q = sqlx::query_as::<_, (i64, i64, i64)>(&sql).bind(ws);
        for c in &cycles {
            q = q.bind(*c);
        }
        for (id, _) in chunk {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&mut *conn).await?;
        // Newest first per priority; keep the first `n` of its own team's cycles (a batch
        // holds other teams' cycles too, which may have asked about a priority that moved).
        let mut last = None;
        let mut taken = 0;
        for (id, cycle, answered) in rows {
            if cycle_teams.get(&cycle) != team_of.get(&id) {
                continue;
            }
            if last != Some(id) {
                last = Some(id);
                taken = 0;
            }
            if taken < n {
                out.push((id, answered));
                taken += 1;
            }
        }
    }
    Ok(out)
}

/// The latest updates of the given priorities, newest first, at most `per_priority` each, at or
/// before `as_of`. Most priorities have their latest updates in the 60 days before
/// `recent_until`, so the first pass looks only there; the few that do not are fetched again
/// without bound. (`recent_until` is `as_of`, or now when `as_of` is unbounded.)
pub(crate) async fn latest_updates(
    conn: &mut AnyConnection,
    ws: i64,
    priority_ids: &[i64],
    per_priority: usize,
    recent_until: i64,
    as_of: i64,
) -> Result<Vec<UpdateEntry>> {
    const RECENT_SECS: i64 = 60 * 86_400;
    let mut out = updates_between(
        conn,
        ws,
        priority_ids,
        per_priority,
        recent_until.saturating_sub(RECENT_SECS),
        as_of,
    )
    .await?;
    let mut found: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for u in &out {
        *found.entry(u.priority_id).or_default() += 1;
    }
    let short: Vec<i64> = priority_ids
        .iter()
        .copied()
        .filter(|id| found.get(id).copied().unwrap_or(0) < per_priority)
        .collect();
    if !short.is_empty() {
        let retry: std::collections::HashSet<i64> = short.iter().copied().collect();
        out.retain(|u| !retry.contains(&u.priority_id));
        out.extend(updates_between(conn, ws, &short, per_priority, i64::MIN, as_of).await?);
        out.sort_by(|a, b| {
            a.priority_id
                .cmp(&b.priority_id)
                .then(b.created_at.cmp(&a.created_at))
        });
    }
    Ok(out)
}

async fn updates_between(
    conn: &mut AnyConnection,
    ws: i64,
    priority_ids: &[i64],
    per_priority: usize,
    from: i64,
    to: i64,
) -> Result<Vec<UpdateEntry>> {
    let mut out = Vec::new();
    for chunk in priority_ids.chunks(ID_BATCH) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 5)).collect();
        let sql = format!(
            "SELECT priority_id, status, progress, note, blocker, created_at FROM (
                 SELECT u.*, ROW_NUMBER() OVER (PARTITION BY u.priority_id ORDER BY u.created_at DESC, u.id DESC) AS rn
                 FROM priority_updates u
                 WHERE u.workspace_id = $1 AND u.created_at >= $3 AND u.created_at <= $4 AND u.priority_id IN ({})
             ) ranked WHERE rn <= $2 ORDER BY priority_id, created_at DESC, rn",
            list.join(", ")
        );
        let mut q = sqlx::query_as::<_, UpdateEntry>(&sql)
            .bind(ws)
            .bind(per_priority as i64)
            .bind(from)
            .bind(to);
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}
