//! Changing priorities: creating one, editing its fields, recording status updates. Every
//! change writes history rows in the same transaction, so the history never disagrees with
//! the priority.

use sqlx::{Any, Encode, Transaction, Type};

use super::{NewPriority, PriorityChanges, UpdateInput, due_text};
use crate::domain::{Priority, PriorityNumber};
use crate::store::{Result, Store, StoreError, drift_facts, webhooks};

/// Who changed which priority, and when: what every history row of one change shares.
pub(super) struct HistoryWriter {
    ws: i64,
    priority_id: i64,
    actor: i64,
    at: i64,
}

impl HistoryWriter {
    pub fn new(ws: i64, priority_id: i64, actor: i64, at: i64) -> Self {
        HistoryWriter {
            ws,
            priority_id,
            actor,
            at,
        }
    }

    /// Write one history row: `field` went from `old` to `new` (either may be absent, as
    /// when a note is added or a dependency removed).
    pub async fn write(
        &self,
        tx: &mut Transaction<'_, Any>,
        field: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<()> {
        self.write_with_reason(tx, field, (old, new), None).await
    }

    /// [`Self::write`] with the reason given for the change (a due date's slip).
    pub async fn write_with_reason(
        &self,
        tx: &mut Transaction<'_, Any>,
        field: &str,
        (old, new): (Option<&str>, Option<&str>),
        reason: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO priority_history (workspace_id, priority_id, actor_id, at, field, old_value, new_value, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.ws)
        .bind(self.priority_id)
        .bind(self.actor)
        .bind(self.at)
        .bind(field)
        .bind(old)
        .bind(new)
        .bind(reason)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The history rows of a status update: what changed of status and progress, the note and
    /// the blocker.
    async fn update_rows(
        &self,
        tx: &mut Transaction<'_, Any>,
        current: &Priority,
        update: &UpdateInput<'_>,
    ) -> Result<()> {
        if update.status != current.status {
            let (old, new) = (current.status.as_str(), update.status.as_str());
            self.write(tx, "status", Some(old), Some(new)).await?;
        }
        if update.progress != current.progress {
            let (old, new) = (current.progress.to_string(), update.progress.to_string());
            self.write(tx, "progress", Some(&old), Some(&new)).await?;
        }
        if let Some(note) = update.note {
            self.write(tx, "note", None, Some(note)).await?;
        }
        if let Some(blocker) = update.blocker {
            self.write(tx, "blocker", None, Some(blocker)).await?;
        }
        Ok(())
    }

    /// Set one column of the priority to `value` and write the history row that tells of it
    /// in words (`old` and `new` are what people read, such as a name for an owner id).
    async fn set_column<T>(
        &self,
        tx: &mut Transaction<'_, Any>,
        column: &str,
        value: T,
        field: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<()>
    where
        T: for<'q> Encode<'q, Any> + Type<Any>,
    {
        let sql = format!(
            "UPDATE priorities SET {column} = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4"
        );
        sqlx::query(&sql)
            .bind(value)
            .bind(self.at)
            .bind(self.ws)
            .bind(self.priority_id)
            .execute(&mut **tx)
            .await?;
        self.write(tx, field, old, new).await
    }
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
        let history = HistoryWriter::new(ws, id, new.created_by, now);
        history
            .write(&mut tx, "created", None, Some(&new.title))
            .await?;
        drift_facts::refresh(&mut tx, self.backend, ws, &[id], now).await?;
        tx.commit().await?;
        self.priority(ws, PriorityNumber(number))
            .await?
            .ok_or_else(|| StoreError::Corrupt("priority vanished after insert".into()))
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
        let history = HistoryWriter::new(ws, id, actor, now);
        if let Some(title) = &changes.title {
            let old = Some(current.title.as_str());
            history
                .set_column(&mut tx, "title", title, "title", old, Some(title))
                .await?;
        }
        if let Some((owner_id, owner_name)) = &changes.owner {
            let old = Some(current.owner_name.as_str());
            history
                .set_column(
                    &mut tx,
                    "owner_id",
                    owner_id,
                    "owner",
                    old,
                    Some(owner_name),
                )
                .await?;
        }
        if let Some((team_id, team_name)) = &changes.team {
            let old = Some(current.team_name.as_str());
            history
                .set_column(&mut tx, "team_id", team_id, "team", old, Some(team_name))
                .await?;
        }
        if let Some(due) = &changes.due {
            let (old, new) = (due_text(current.due), due_text(*due));
            sqlx::query(
                "UPDATE priorities SET due_date = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4",
            )
            .bind(&new)
            .bind(now)
            .bind(ws)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let reason = changes.due_reason.as_deref();
            history
                .write_with_reason(&mut tx, "due", (old.as_deref(), new.as_deref()), reason)
                .await?;
        }
        if let Some(parent) = &changes.parent {
            let old = current.parent.map(|p| p.to_string());
            let new = parent.map(|(_, n)| n.to_string());
            let parent_id = parent.map(|(pid, _)| pid);
            history
                .set_column(
                    &mut tx,
                    "parent_id",
                    parent_id,
                    "parent",
                    old.as_deref(),
                    new.as_deref(),
                )
                .await?;
        }
        if changes.team.is_some() {
            // Another team's cycles are the ones `silent` looks at now.
            drift_facts::refresh(&mut tx, self.backend, ws, &[id], now).await?;
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
        let mut tx = self.pool.begin().await?;
        self.write_update(&mut tx, ws, current, update, author, now)
            .await?;
        tx.commit().await?;
        self.priority(ws, current.number)
            .await?
            .ok_or_else(|| StoreError::Corrupt("priority vanished after update".into()))
    }

    /// [`Store::record_update`]'s writes, inside a transaction of the caller's (several
    /// updates recorded together); returns the update's id.
    pub(crate) async fn write_update(
        &self,
        tx: &mut Transaction<'_, Any>,
        ws: i64,
        current: &Priority,
        update: &UpdateInput<'_>,
        author: i64,
        now: i64,
    ) -> Result<i64> {
        let UpdateInput {
            status,
            progress,
            note,
            blocker,
            cycle_id,
            late,
        } = *update;
        let history = HistoryWriter::new(ws, current.id, author, now);
        let update_id: i64 = sqlx::query_scalar(
            "INSERT INTO priority_updates (workspace_id, priority_id, author_id, status, progress, note, blocker, created_at, cycle_id, late, on_behalf_of)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                     (SELECT cp.on_behalf_of FROM cycle_priorities cp
                      WHERE cp.cycle_id = $9 AND cp.priority_id = $2 AND cp.person_id = $3 AND cp.workspace_id = $1))
             RETURNING id",
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
        .fetch_one(&mut **tx)
        .await?;
        let stored_status = self.locked_status(tx, ws, current.id).await?;
        sqlx::query(
            "UPDATE priorities SET status = $1, progress = $2, updated_at = $3 WHERE workspace_id = $4 AND id = $5",
        )
        .bind(status.as_str())
        .bind(progress.value() as i64)
        .bind(now)
        .bind(ws)
        .bind(current.id)
        .execute(&mut **tx)
        .await?;
        history.update_rows(tx, current, update).await?;
        drift_facts::refresh(tx, self.backend, ws, &[current.id], now).await?;
        let hooks = webhooks::active_hooks(tx, ws).await?;
        if !hooks.is_empty() {
            let by = self.author(tx, ws, author).await?;
            let fact = crate::webhooks::UpdateFact {
                update_id,
                priority: current,
                old_status: stored_status.as_deref().unwrap_or(current.status.as_str()),
                update,
                by: (&by.0, &by.1),
            };
            let events = crate::webhooks::update_events(&fact);
            webhooks::queue_events(tx, ws, &hooks, &events, now).await?;
        }
        if late && let Some(cycle_id) = cycle_id {
            let answer = (status.as_str(), i64::from(progress.value()));
            queue_late_digest(tx, ws, (cycle_id, current.id, author), answer, now).await?;
        }
        Ok(update_id)
    }

    /// The priority's status as stored, read under the update's write lock: PostgreSQL locks
    /// the row; SQLite's writer already holds the database (the update row was written first).
    /// Two updates at once each see the status the other left, so a change is told once.
    async fn locked_status(
        &self,
        tx: &mut Transaction<'_, Any>,
        ws: i64,
        id: i64,
    ) -> Result<Option<String>> {
        let lock = match self.backend {
            crate::store::Backend::Postgres => " FOR UPDATE",
            crate::store::Backend::Sqlite => "",
        };
        Ok(sqlx::query_scalar(&format!(
            "SELECT status FROM priorities WHERE workspace_id = $1 AND id = $2{lock}"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// Who wrote an update (user id, name), for the events that tell of it.
    async fn author(
        &self,
        tx: &mut Transaction<'_, Any>,
        ws: i64,
        person: i64,
    ) -> Result<(String, String)> {
        Ok(sqlx::query_as(
            "SELECT user_id, display_name FROM people WHERE workspace_id = $1 AND id = $2",
        )
        .bind(ws)
        .bind(person)
        .fetch_optional(&mut **tx)
        .await?
        .unwrap_or_default())
    }
}

/// A late answer to a cycle whose digest was posted: queue, with the answer, the digest's
/// update in place and the answer's line in its thread. Keyed by what was answered, so a
/// redelivered click (the same answer again) queues nothing more; a different late answer is
/// told too. A digest not yet posted counts the late answer when it is.
async fn queue_late_digest(
    tx: &mut Transaction<'_, Any>,
    ws: i64,
    (cycle_id, priority_id, person_id): (i64, i64, i64),
    (status, progress): (&str, i64),
    now: i64,
) -> Result<()> {
    let posted: Option<i64> = sqlx::query_scalar(
        "SELECT cycle_id FROM digest_posts WHERE workspace_id = $1 AND cycle_id = $2",
    )
    .bind(ws)
    .bind(cycle_id)
    .fetch_optional(&mut **tx)
    .await?;
    if posted.is_none() {
        return Ok(());
    }
    let key = format!("digest-late:{cycle_id}:{priority_id}:{status}:{progress}");
    let payload = crate::store::JobPayload::DigestLate {
        cycle_id,
        priority_id,
        person_id,
        status: status.to_string(),
        progress,
    };
    crate::store::jobs::insert_job(tx, ws, &key, &payload, now, now).await?;
    Ok(())
}
