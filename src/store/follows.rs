//! Quiet digests and their followers: how a team's digest names who has not answered
//! (`rhythms.digest_nudge`), who follows a team's digest, who gets it as a direct message, and
//! who answered a cycle late (counted when a posted digest is drawn again).

use super::{Result, Store};
use crate::domain::nudge::Nudge;

impl Store {
    /// How the team's digest names who has not answered; quiet when it has no rhythm.
    pub async fn digest_nudge(&self, ws: i64, team_id: i64) -> Result<Nudge> {
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT digest_nudge FROM rhythms WHERE workspace_id = $1 AND team_id = $2",
        )
        .bind(ws)
        .bind(team_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(stored.and_then(|s| s.parse().ok()).unwrap_or_default())
    }

    /// Follow a team's digest; `false` when `person_id` already did.
    pub async fn follow_digest(
        &self,
        ws: i64,
        team_id: i64,
        person_id: i64,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO digest_followers (workspace_id, team_id, person_id, followed_at)
             SELECT $1, t.id, $3, $4 FROM teams t WHERE t.workspace_id = $1 AND t.id = $2
             ON CONFLICT (team_id, person_id) DO NOTHING",
        )
        .bind(ws)
        .bind(team_id)
        .bind(person_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stop following a team's digest; `false` when `person_id` did not.
    pub async fn unfollow_digest(&self, ws: i64, team_id: i64, person_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM digest_followers WHERE workspace_id = $1 AND team_id = $2 AND person_id = $3",
        )
        .bind(ws)
        .bind(team_id)
        .bind(person_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The names of the teams whose digest `person_id` follows, by name.
    pub async fn followed_teams(&self, ws: i64, person_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT t.name FROM digest_followers f
             JOIN teams t ON t.id = f.team_id AND t.workspace_id = f.workspace_id
             WHERE f.workspace_id = $1 AND f.person_id = $2 ORDER BY LOWER(t.name)",
        )
        .bind(ws)
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether `person_id` is in the team already: a member or lead of it, or the owner of one
    /// of its active priorities. They see its digest in its channel.
    pub async fn in_team(&self, ws: i64, team_id: i64, person_id: i64) -> Result<bool> {
        let found: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM (
                 SELECT person_id AS who FROM team_members
                 WHERE workspace_id = $1 AND team_id = $2 AND person_id = $3
                 UNION ALL
                 SELECT owner_id AS who FROM priorities
                 WHERE workspace_id = $1 AND team_id = $2 AND owner_id = $3
                   AND status NOT IN ('done', 'dropped')
             ) x",
        )
        .bind(ws)
        .bind(team_id)
        .bind(person_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(found > 0)
    }

    /// The followers of a team's digest who are not in the team (see [`Store::in_team`]):
    /// who gets each posted digest as a direct message. Person ids, oldest follower first.
    pub async fn digest_recipients(&self, ws: i64, team_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT f.person_id FROM digest_followers f
             WHERE f.workspace_id = $1 AND f.team_id = $2
               AND NOT EXISTS (SELECT 1 FROM team_members m
                               WHERE m.team_id = f.team_id AND m.person_id = f.person_id)
               AND NOT EXISTS (SELECT 1 FROM priorities p
                               WHERE p.workspace_id = f.workspace_id AND p.team_id = f.team_id
                                 AND p.owner_id = f.person_id AND p.status NOT IN ('done', 'dropped'))
             ORDER BY f.followed_at, f.person_id",
        )
        .bind(ws)
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The user ids of the owners asked in a cycle who answered only after it closed.
    pub async fn late_answerers(&self, ws: i64, cycle_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT p.user_id FROM priority_updates u
             JOIN cycle_priorities cp ON cp.priority_id = u.priority_id AND cp.cycle_id = u.cycle_id
             JOIN people p ON p.id = cp.person_id AND p.workspace_id = u.workspace_id
             WHERE u.workspace_id = $1 AND u.cycle_id = $2 AND u.late = 1
             ORDER BY p.user_id",
        )
        .bind(ws)
        .bind(cycle_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
