use super::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TeamRow {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub channel_id: Option<String>,
    pub channel_name: Option<String>,
    pub parent_team_id: Option<i64>,
    pub parent_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MemberRow {
    pub person_id: i64,
    pub user_id: String,
    pub display_name: String,
    pub role: String,
}

pub(super) const TEAM_SELECT: &str =
    "SELECT t.id, t.workspace_id, t.name, t.channel_id, t.channel_name,
        t.parent_team_id, p.name AS parent_name
     FROM teams t LEFT JOIN teams p ON p.id = t.parent_team_id AND p.workspace_id = t.workspace_id";

pub struct NewTeamArgs<'a> {
    pub name: &'a str,
    pub name_key: &'a str,
    pub channel_id: Option<&'a str>,
    pub channel_name: Option<&'a str>,
    pub parent_team_id: Option<i64>,
    pub lead_person_id: i64,
    pub created_by: i64,
}

impl Store {
    /// Create a team with its first lead, in one transaction. A taken name is a unique
    /// violation the caller turns into a friendly answer.
    pub async fn create_team(&self, ws: i64, new: NewTeamArgs<'_>, now: i64) -> Result<TeamRow> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO teams (workspace_id, name, name_key, channel_id, channel_name, parent_team_id, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(ws)
        .bind(new.name)
        .bind(new.name_key)
        .bind(new.channel_id)
        .bind(new.channel_name)
        .bind(new.parent_team_id)
        .bind(now)
        .bind(new.created_by)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO team_members (workspace_id, team_id, person_id, role, joined_at) VALUES ($1, $2, $3, 'lead', $4)",
        )
        .bind(ws)
        .bind(id)
        .bind(new.lead_person_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.team(ws, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("team vanished after insert".into()))
    }

    pub async fn team(&self, ws: i64, id: i64) -> Result<Option<TeamRow>> {
        Ok(sqlx::query_as(&format!(
            "{TEAM_SELECT} WHERE t.workspace_id = $1 AND t.id = $2"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn team_by_name(&self, ws: i64, name_key: &str) -> Result<Option<TeamRow>> {
        Ok(sqlx::query_as(&format!(
            "{TEAM_SELECT} WHERE t.workspace_id = $1 AND t.name_key = $2"
        ))
        .bind(ws)
        .bind(name_key)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn team_by_channel(&self, ws: i64, channel_id: &str) -> Result<Option<TeamRow>> {
        Ok(sqlx::query_as(&format!(
            "{TEAM_SELECT} WHERE t.workspace_id = $1 AND t.channel_id = $2 ORDER BY t.id LIMIT 1"
        ))
        .bind(ws)
        .bind(channel_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn teams(&self, ws: i64) -> Result<Vec<TeamRow>> {
        Ok(sqlx::query_as(&format!(
            "{TEAM_SELECT} WHERE t.workspace_id = $1 ORDER BY t.name_key"
        ))
        .bind(ws)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn teams_of(&self, ws: i64, person_id: i64) -> Result<Vec<TeamRow>> {
        Ok(sqlx::query_as(&format!(
            "{TEAM_SELECT} JOIN team_members m ON m.team_id = t.id AND m.workspace_id = t.workspace_id
             WHERE t.workspace_id = $1 AND m.person_id = $2 ORDER BY t.name_key"
        ))
        .bind(ws)
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn members(&self, ws: i64, team_id: i64) -> Result<Vec<MemberRow>> {
        Ok(sqlx::query_as(
            "SELECT m.person_id, p.user_id, p.display_name, m.role
             FROM team_members m JOIN people p ON p.id = m.person_id AND p.workspace_id = m.workspace_id
             WHERE m.workspace_id = $1 AND m.team_id = $2
             ORDER BY CASE m.role WHEN 'lead' THEN 0 ELSE 1 END, LOWER(p.display_name)",
        )
        .bind(ws)
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Add people as members; those already in the team keep their role. Returns who was added.
    pub async fn add_members(
        &self,
        ws: i64,
        team_id: i64,
        people: &[i64],
        now: i64,
    ) -> Result<Vec<i64>> {
        let mut tx = self.pool.begin().await?;
        let mut added = Vec::new();
        for &person in people {
            let done = sqlx::query(
                "INSERT INTO team_members (workspace_id, team_id, person_id, role, joined_at)
                 VALUES ($1, $2, $3, 'member', $4) ON CONFLICT (team_id, person_id) DO NOTHING",
            )
            .bind(ws)
            .bind(team_id)
            .bind(person)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                added.push(person);
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Remove people from a team. Returns who was removed.
    pub async fn remove_members(&self, ws: i64, team_id: i64, people: &[i64]) -> Result<Vec<i64>> {
        let mut tx = self.pool.begin().await?;
        let mut removed = Vec::new();
        for &person in people {
            let done = sqlx::query(
                "DELETE FROM team_members WHERE workspace_id = $1 AND team_id = $2 AND person_id = $3",
            )
            .bind(ws)
            .bind(team_id)
            .bind(person)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                removed.push(person);
            }
        }
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn child_teams(&self, ws: i64, team_id: i64) -> Result<Vec<TeamRow>> {
        Ok(sqlx::query_as(&format!(
            "{TEAM_SELECT} WHERE t.workspace_id = $1 AND t.parent_team_id = $2 ORDER BY t.name_key"
        ))
        .bind(ws)
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
