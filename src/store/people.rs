use std::collections::HashSet;

use super::{Result, Store, StoreError};
use crate::domain::permissions::Actor;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub workspace_id: i64,
    pub user_id: String,
    pub display_name: String,
    pub tz: Option<String>,
    pub is_admin: i64,
    pub profile_fetched_at: Option<i64>,
}

const PERSON_COLUMNS: &str =
    "id, workspace_id, user_id, display_name, tz, is_admin, profile_fetched_at";

impl Store {
    pub async fn person_by_user_id(&self, ws: i64, user_id: &str) -> Result<Option<PersonRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE workspace_id = $1 AND user_id = $2"
        ))
        .bind(ws)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn person(&self, ws: i64, id: i64) -> Result<Option<PersonRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE workspace_id = $1 AND id = $2"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Everyone known in a workspace, by name.
    pub async fn people(&self, ws: i64) -> Result<Vec<PersonRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE workspace_id = $1 ORDER BY LOWER(display_name), id"
        ))
        .bind(ws)
        .fetch_all(&self.pool)
        .await?)
    }

    /// People whose display name matches, ignoring case (for `@name` in the sandbox).
    pub async fn people_named(&self, ws: i64, name: &str) -> Result<Vec<PersonRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE workspace_id = $1 AND LOWER(display_name) = LOWER($2)
             ORDER BY id"
        ))
        .bind(ws)
        .bind(name)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Record a person, or refresh what we know of them. `profile` is `(name, tz)` when it came
    /// from the platform's directory; without it an existing name is kept.
    pub async fn upsert_person(
        &self,
        ws: i64,
        user_id: &str,
        fallback_name: &str,
        profile: Option<(&str, Option<&str>)>,
        now: i64,
    ) -> Result<PersonRow> {
        match profile {
            Some((name, tz)) => {
                sqlx::query(
                    "INSERT INTO people (workspace_id, user_id, display_name, tz, profile_fetched_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $5)
                     ON CONFLICT (workspace_id, user_id)
                     DO UPDATE SET display_name = excluded.display_name, tz = excluded.tz,
                                   profile_fetched_at = excluded.profile_fetched_at",
                )
                .bind(ws)
                .bind(user_id)
                .bind(name)
                .bind(tz)
                .bind(now)
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO people (workspace_id, user_id, display_name, created_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (workspace_id, user_id) DO NOTHING",
                )
                .bind(ws)
                .bind(user_id)
                .bind(fallback_name)
                .bind(now)
                .execute(&self.pool)
                .await?;
            }
        }
        self.person_by_user_id(ws, user_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("person vanished after insert".into()))
    }

    /// The Azure AD object id Teams sent with a person's activities, if any.
    pub async fn aad_object_id(&self, ws: i64, user_id: &str) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT aad_object_id FROM people WHERE workspace_id = $1 AND user_id = $2",
        )
        .bind(ws)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(aad,)| aad))
    }

    /// Keep the Azure AD object id an activity carried for its sender (written only when new).
    pub async fn remember_aad_object_id(&self, ws: i64, user_id: &str, aad: &str) -> Result<()> {
        sqlx::query(
            "UPDATE people SET aad_object_id = $1
             WHERE workspace_id = $2 AND user_id = $3 AND (aad_object_id IS NULL OR aad_object_id <> $1)",
        )
        .bind(aad)
        .bind(ws)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// What pacer last read of a person's platform status: (away label, its end, when read).
    /// `None` when it was never read.
    pub async fn cached_availability(
        &self,
        ws: i64,
        person_id: i64,
    ) -> Result<Option<(Option<String>, Option<i64>, i64)>> {
        let row: Option<(Option<String>, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT absence_label, absence_until, absence_checked_at FROM people
             WHERE workspace_id = $1 AND id = $2",
        )
        .bind(ws)
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(label, until, at)| at.map(|at| (label, until, at))))
    }

    /// Remember a whole roster's statuses as read at `now`, in one transaction: everyone of
    /// the workspace pacer knows is present, but the roster's away members (others are
    /// skipped). Someone pacer knows who is not on the roster (a guest, someone gone) is kept
    /// as present too, so the next prompt does not read the roster again for them.
    pub async fn save_roster_availability(
        &self,
        ws: i64,
        away: &[(String, String, Option<i64>)],
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if self.backend == super::Backend::Postgres {
            // Rows locked in one order: two replicas keeping the same roster at once queue
            // behind each other instead of deadlocking (a plain UPDATE takes its rows in
            // whatever order the scan meets them, which earlier updates reshuffle).
            sqlx::query(
                "SELECT id FROM people WHERE workspace_id = $1 ORDER BY id FOR NO KEY UPDATE",
            )
            .bind(ws)
            .fetch_all(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE people SET absence_label = NULL, absence_until = NULL, absence_checked_at = $1
             WHERE workspace_id = $2",
        )
        .bind(now)
        .bind(ws)
        .execute(&mut *tx)
        .await?;
        for (user_id, label, until) in away {
            sqlx::query(
                "UPDATE people SET absence_label = $1, absence_until = $2
                 WHERE workspace_id = $3 AND user_id = $4",
            )
            .bind(label)
            .bind(*until)
            .bind(ws)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Remember a person's platform status as read at `now` (`label` `None`: not away).
    pub async fn save_availability(
        &self,
        ws: i64,
        person_id: i64,
        label: Option<&str>,
        until: Option<i64>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE people SET absence_label = $1, absence_until = $2, absence_checked_at = $3
             WHERE workspace_id = $4 AND id = $5",
        )
        .bind(label)
        .bind(until)
        .bind(now)
        .bind(ws)
        .bind(person_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_admin(&self, ws: i64, person_id: i64, admin: bool) -> Result<()> {
        sqlx::query("UPDATE people SET is_admin = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(admin as i64)
            .bind(ws)
            .bind(person_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// What the permission rules need to know about a person.
    pub async fn actor(
        &self,
        ws: i64,
        person: &PersonRow,
        configured_admin: bool,
    ) -> Result<Actor> {
        let leads: Vec<i64> = sqlx::query_scalar(
            "SELECT team_id FROM team_members WHERE workspace_id = $1 AND person_id = $2 AND role = 'lead'",
        )
        .bind(ws)
        .bind(person.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Actor {
            person_id: person.id,
            is_admin: configured_admin || person.is_admin != 0,
            leads: leads.into_iter().collect::<HashSet<_>>(),
        })
    }
}
