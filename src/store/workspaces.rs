use super::{Result, Store, StoreError};

impl Store {
    /// The workspace for a platform tenant, created on first contact. Every command and event
    /// asks this first, so it reads first: a write (which SQLite serialises) only the once.
    pub async fn ensure_workspace(
        &self,
        platform: &str,
        external_id: &str,
        now: i64,
    ) -> Result<i64> {
        if let Some(ws) = self.workspace_id(platform, external_id).await? {
            return Ok(ws);
        }
        sqlx::query(
            "INSERT INTO workspaces (platform, external_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (platform, external_id) DO NOTHING",
        )
        .bind(platform)
        .bind(external_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.workspace_id(platform, external_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("workspace vanished after insert".into()))
    }

    /// Every workspace as (id, platform, tenant key).
    pub async fn workspaces(&self) -> Result<Vec<(i64, String, String)>> {
        Ok(
            sqlx::query_as("SELECT id, platform, external_id FROM workspaces ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The platform and tenant key of a workspace.
    pub async fn workspace_ref(&self, ws: i64) -> Result<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT platform, external_id FROM workspaces WHERE id = $1")
                .bind(ws)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn workspace_id(&self, platform: &str, external_id: &str) -> Result<Option<i64>> {
        let key = (platform.to_string(), external_id.to_string());
        if let Some(ws) = self
            .workspace_ids
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(Some(*ws));
        }
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM workspaces WHERE platform = $1 AND external_id = $2",
        )
        .bind(platform)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(ws) = found {
            let mut ids = self
                .workspace_ids
                .write()
                .unwrap_or_else(|e| e.into_inner());
            if ids.len() < 100_000 {
                ids.insert(key, ws);
            }
        }
        Ok(found)
    }
}
