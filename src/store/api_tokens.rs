//! The read API's bearer tokens. Only a token's SHA-256 is stored; every statement names its
//! workspace, except the lookup by hash, which is how a request learns its workspace.

use super::{Result, Store};

/// A token as `token list` shows it: never the token itself.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub label: String,
    pub hint: String,
    pub created_by_name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// The workspace a presented token reads, when the token is live.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct ApiTokenGrant {
    pub id: i64,
    pub workspace_id: i64,
    pub last_used_at: Option<i64>,
}

/// A new token's row.
pub struct NewApiToken<'a> {
    pub label: &'a str,
    pub token_hash: &'a str,
    pub hint: &'a str,
    pub created_by: i64,
}

impl Store {
    /// Store a new token; `false` when a live token of this workspace has the label already.
    pub async fn create_api_token(&self, ws: i64, new: NewApiToken<'_>, now: i64) -> Result<bool> {
        let key = new.label.to_lowercase();
        let mut tx = self.pool.begin().await?;
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM api_tokens WHERE workspace_id = $1 AND label_key = $2 AND revoked_at IS NULL",
        )
        .bind(ws)
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Ok(false);
        }
        let inserted = sqlx::query(
            "INSERT INTO api_tokens (workspace_id, label, label_key, token_hash, hint, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(ws)
        .bind(new.label)
        .bind(&key)
        .bind(new.token_hash)
        .bind(new.hint)
        .bind(new.created_by)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {
                tx.commit().await?;
                Ok(true)
            }
            // Two admins adding the same label at once: the partial unique index decides.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The workspace's live tokens, oldest first.
    pub async fn api_tokens(&self, ws: i64) -> Result<Vec<ApiTokenRow>> {
        Ok(sqlx::query_as(
            "SELECT t.id, t.label, t.hint, p.display_name AS created_by_name, t.created_at, t.last_used_at
             FROM api_tokens t JOIN people p ON p.id = t.created_by AND p.workspace_id = t.workspace_id
             WHERE t.workspace_id = $1 AND t.revoked_at IS NULL ORDER BY t.created_at, t.id",
        )
        .bind(ws)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revoke the live token with this label; `false` when there is none.
    pub async fn revoke_api_token(&self, ws: i64, label: &str, by: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $3, revoked_by = $4
             WHERE workspace_id = $1 AND label_key = $2 AND revoked_at IS NULL",
        )
        .bind(ws)
        .bind(label.to_lowercase())
        .bind(now)
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The live token with this hash, if any.
    pub async fn api_token_grant(&self, token_hash: &str) -> Result<Option<ApiTokenGrant>> {
        Ok(sqlx::query_as(
            "SELECT id, workspace_id, last_used_at FROM api_tokens
             WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Note when a token was last used (callers write at most once a minute per token).
    pub async fn touch_api_token(&self, ws: i64, id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $3 WHERE workspace_id = $1 AND id = $2")
            .bind(ws)
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
