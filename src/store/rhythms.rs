use super::{Result, Store};
use crate::domain::nudge::Nudge;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RhythmRow {
    pub team_id: i64,
    pub workspace_id: i64,
    pub checkin_schedule: Option<String>,
    pub digest_schedule: Option<String>,
    pub zone: String,
    pub home_zone: String,
    pub remind_minutes: Option<i64>,
    /// When the team's review meets; its agenda is posted an hour before.
    pub review_schedule: Option<String>,
    /// Firings before this are not caught up on (the rhythm did not exist yet).
    pub updated_at: i64,
    /// How check-ins ask: `all` (every priority) or `changed` (only those that may have).
    pub ask: String,
}

/// What a rhythm command may set besides the rhythm's row; `None` keeps the team's setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RhythmOptions {
    /// How the digest names who has not answered.
    pub nudge: Option<Nudge>,
    /// Whether the check-in asks the focus question.
    pub focus: Option<bool>,
}

impl Store {
    pub async fn rhythm(&self, ws: i64, team_id: i64) -> Result<Option<RhythmRow>> {
        Ok(sqlx::query_as(
            "SELECT team_id, workspace_id, checkin_schedule, digest_schedule, zone, home_zone, remind_minutes, review_schedule, updated_at, ask
             FROM rhythms WHERE workspace_id = $1 AND team_id = $2",
        )
        .bind(ws)
        .bind(team_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn save_rhythm(&self, r: &RhythmRow, actor: i64, now: i64) -> Result<()> {
        self.save_rhythm_with(r, RhythmOptions::default(), actor, now)
            .await
    }

    /// Save a rhythm and the options given with it, in one transaction.
    pub async fn save_rhythm_with(
        &self,
        r: &RhythmRow,
        options: RhythmOptions,
        actor: i64,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        upsert_rhythm(&mut tx, r, actor, now).await?;
        if let Some(n) = options.nudge {
            sqlx::query(
                "UPDATE rhythms SET digest_nudge = $1 WHERE workspace_id = $2 AND team_id = $3",
            )
            .bind(n.as_str())
            .bind(r.workspace_id)
            .bind(r.team_id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(on) = options.focus {
            sqlx::query(
                "UPDATE rhythms SET focus_question = $1 WHERE workspace_id = $2 AND team_id = $3",
            )
            .bind(i64::from(on))
            .bind(r.workspace_id)
            .bind(r.team_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every rhythm with a check-in schedule, across workspaces: what the scheduler walks.
    pub async fn scheduled_rhythms(&self) -> Result<Vec<RhythmRow>> {
        Ok(sqlx::query_as(
            "SELECT team_id, workspace_id, checkin_schedule, digest_schedule, zone, home_zone, remind_minutes, review_schedule, updated_at, ask
             FROM rhythms WHERE checkin_schedule IS NOT NULL ORDER BY workspace_id, team_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every rhythm with a review meeting, across workspaces.
    pub async fn review_rhythms(&self) -> Result<Vec<RhythmRow>> {
        Ok(sqlx::query_as(
            "SELECT team_id, workspace_id, checkin_schedule, digest_schedule, zone, home_zone, remind_minutes, review_schedule, updated_at, ask
             FROM rhythms WHERE review_schedule IS NOT NULL ORDER BY workspace_id, team_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// `true` if the team had a rhythm.
    pub async fn delete_rhythm(&self, ws: i64, team_id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM rhythms WHERE workspace_id = $1 AND team_id = $2")
            .bind(ws)
            .bind(team_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Insert or replace a team's rhythm inside a transaction (its options are left as they are).
async fn upsert_rhythm(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    r: &RhythmRow,
    actor: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rhythms (team_id, workspace_id, checkin_schedule, digest_schedule, zone, remind_minutes, updated_by, updated_at, home_zone, review_schedule, ask)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (team_id) DO UPDATE SET checkin_schedule = excluded.checkin_schedule,
             digest_schedule = excluded.digest_schedule, zone = excluded.zone, home_zone = excluded.home_zone,
             remind_minutes = excluded.remind_minutes, review_schedule = excluded.review_schedule, updated_by = excluded.updated_by,
             updated_at = excluded.updated_at, ask = excluded.ask",
    )
    .bind(r.team_id)
    .bind(r.workspace_id)
    .bind(&r.checkin_schedule)
    .bind(&r.digest_schedule)
    .bind(&r.zone)
    .bind(r.remind_minutes)
    .bind(actor)
    .bind(now)
    .bind(&r.home_zone)
    .bind(&r.review_schedule)
    .bind(&r.ask)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
