//! Dependencies between priorities: which one waits on which.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Transaction};

use super::Dependency;
use super::write::HistoryWriter;
use crate::domain::PriorityNumber;
use crate::store::{Result, Store};

/// Whether a dependency was added or removed: the history shows the priority depended on as
/// the new value or the old one.
enum Change {
    Added,
    Removed,
}

impl Store {
    /// `true` if the dependency is new.
    pub async fn add_dependency(
        &self,
        ws: i64,
        priority_id: i64,
        on_id: i64,
        actor: i64,
        now: i64,
    ) -> Result<bool> {
        let insert = sqlx::query(
            "INSERT INTO priority_dependencies (workspace_id, priority_id, depends_on_id, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (priority_id, depends_on_id) DO NOTHING",
        )
        .bind(ws)
        .bind(priority_id)
        .bind(on_id)
        .bind(actor)
        .bind(now);
        let history = HistoryWriter::new(ws, priority_id, actor, now);
        self.change_dependency(insert, history, ws, on_id, Change::Added)
            .await
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
        let delete = sqlx::query(
            "DELETE FROM priority_dependencies WHERE workspace_id = $1 AND priority_id = $2 AND depends_on_id = $3",
        )
        .bind(ws)
        .bind(priority_id)
        .bind(on_id);
        let history = HistoryWriter::new(ws, priority_id, actor, now);
        self.change_dependency(delete, history, ws, on_id, Change::Removed)
            .await
    }

    /// Run the statement that adds or removes the dependency on `on_id` and, when it changed
    /// a row, write the history row naming the priority depended on. `true` if it changed one.
    async fn change_dependency<'q>(
        &self,
        statement: Query<'q, Any, AnyArguments<'q>>,
        history: HistoryWriter,
        ws: i64,
        on_id: i64,
        change: Change,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let changed = statement.execute(&mut *tx).await?.rows_affected() == 1;
        if changed {
            let on = number_text(&mut tx, ws, on_id).await?;
            let (old, new) = match change {
                Change::Added => (None, Some(on.as_str())),
                Change::Removed => (Some(on.as_str()), None),
            };
            history.write(&mut tx, "depends on", old, new).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// What a priority waits on.
    pub async fn dependencies_of(&self, ws: i64, priority_id: i64) -> Result<Vec<Dependency>> {
        self.linked_priorities(ws, priority_id, "priority_id", "depends_on_id")
            .await
    }

    /// What waits on a priority.
    pub async fn dependents_of(&self, ws: i64, priority_id: i64) -> Result<Vec<Dependency>> {
        self.linked_priorities(ws, priority_id, "depends_on_id", "priority_id")
            .await
    }

    /// The priorities at the `wanted` end of the dependencies whose `known` end is
    /// `priority_id`; the two are column names of `priority_dependencies`, never user text.
    async fn linked_priorities(
        &self,
        ws: i64,
        priority_id: i64,
        known: &str,
        wanted: &str,
    ) -> Result<Vec<Dependency>> {
        let sql = format!(
            "SELECT p.id AS priority_id, p.number, p.title, p.status, t.name AS team_name
             FROM priority_dependencies d
             JOIN priorities p ON p.id = d.{wanted} AND p.workspace_id = d.workspace_id
             JOIN teams t ON t.id = p.team_id AND t.workspace_id = p.workspace_id
             WHERE d.workspace_id = $1 AND d.{known} = $2 ORDER BY p.number"
        );
        Ok(sqlx::query_as(&sql)
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

/// A priority's number as history shows it (`#12`), looked up by id.
async fn number_text(tx: &mut Transaction<'_, Any>, ws: i64, id: i64) -> Result<String> {
    let number: i64 =
        sqlx::query_scalar("SELECT number FROM priorities WHERE workspace_id = $1 AND id = $2")
            .bind(ws)
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(PriorityNumber(number).to_string())
}
