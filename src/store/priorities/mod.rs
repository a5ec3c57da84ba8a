//! Priorities in the store: the row they are read from and the queries that list them, with
//! writing in `write`, dependencies in `deps`, and history and status updates in `updates`.

mod deps;
mod updates;
mod write;

use chrono::{DateTime, NaiveDate, Utc};

use super::{Result, Store, StoreError};
use crate::domain::{Priority, PriorityNumber, Progress, Status};

pub use updates::Slip;
pub(crate) use updates::{answered_in_recent_cycles, latest_updates};

#[derive(Debug, sqlx::FromRow)]
pub(super) struct PriorityRow {
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

pub(super) const PRIORITY_SELECT: &str =
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

pub(super) fn convert(rows: Vec<PriorityRow>) -> Result<Vec<Priority>> {
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
    /// Why the due date changed, kept with its history row (the slip log).
    pub due_reason: Option<String>,
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
}

/// A priority as read inside a transaction (one that writes several updates together).
pub(crate) async fn priority_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ws: i64,
    id: i64,
) -> Result<Option<Priority>> {
    let row: Option<PriorityRow> = sqlx::query_as(&format!(
        "{PRIORITY_SELECT} WHERE p.workspace_id = $1 AND p.id = $2"
    ))
    .bind(ws)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Priority::try_from).transpose()
}
