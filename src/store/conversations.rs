//! Conversation references: where a person's direct chat or a channel lives on platforms that
//! need a stored address to message proactively (Teams).

use super::{Result, Store};

/// Whose conversation a reference is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// A person's one-to-one chat with the bot; the target is their platform user id.
    Person,
    /// A channel; the target is the channel id.
    Channel,
}

impl RefKind {
    fn as_str(self) -> &'static str {
        match self {
            RefKind::Person => "person",
            RefKind::Channel => "channel",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConversationRef {
    pub target: String,
    pub service_url: String,
    pub conversation_id: String,
    pub team_id: Option<String>,
    pub stale_at: Option<i64>,
    pub stale_reason: Option<String>,
}

/// A reference as a platform just showed it.
#[derive(Debug, Clone, Copy)]
pub struct NewRef<'a> {
    pub kind: RefKind,
    pub target: &'a str,
    pub service_url: &'a str,
    pub conversation_id: &'a str,
    pub team_id: Option<&'a str>,
}

impl Store {
    /// Remember (or refresh) a reference; a fresh one is never stale.
    pub async fn save_conversation_ref(&self, ws: i64, r: NewRef<'_>, now: i64) -> Result<()> {
        let NewRef {
            kind,
            target,
            service_url,
            conversation_id,
            team_id,
        } = r;
        sqlx::query(
            "INSERT INTO conversation_refs
                 (workspace_id, kind, target, service_url, conversation_id, team_id, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (workspace_id, kind, target) DO UPDATE SET
                 service_url = excluded.service_url,
                 conversation_id = excluded.conversation_id,
                 team_id = COALESCE(excluded.team_id, conversation_refs.team_id),
                 stale_at = NULL,
                 stale_reason = NULL,
                 updated_at = excluded.updated_at",
        )
        .bind(ws)
        .bind(kind.as_str())
        .bind(target)
        .bind(service_url)
        .bind(conversation_id)
        .bind(team_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn conversation_ref(
        &self,
        ws: i64,
        kind: RefKind,
        target: &str,
    ) -> Result<Option<ConversationRef>> {
        Ok(sqlx::query_as(
            "SELECT target, service_url, conversation_id, team_id, stale_at, stale_reason
             FROM conversation_refs WHERE workspace_id = $1 AND kind = $2 AND target = $3",
        )
        .bind(ws)
        .bind(kind.as_str())
        .bind(target)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The most recently seen service address of a workspace, to open new conversations on.
    pub async fn latest_service_url(&self, ws: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT service_url FROM conversation_refs WHERE workspace_id = $1
             ORDER BY updated_at DESC LIMIT 1",
        )
        .bind(ws)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The service address a conversation was reached on (to update a message sent there).
    pub async fn conversation_service_url(
        &self,
        ws: i64,
        conversation_id: &str,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT service_url FROM conversation_refs
             WHERE workspace_id = $1 AND conversation_id = $2
             ORDER BY updated_at DESC LIMIT 1",
        )
        .bind(ws)
        .bind(conversation_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The platform refused this conversation for good; stop sending there until it is seen
    /// again.
    pub async fn mark_conversation_stale(
        &self,
        ws: i64,
        kind: RefKind,
        target: &str,
        reason: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE conversation_refs SET stale_at = $1, stale_reason = $2
             WHERE workspace_id = $3 AND kind = $4 AND target = $5",
        )
        .bind(now)
        .bind(reason)
        .bind(ws)
        .bind(kind.as_str())
        .bind(target)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether anyone in the workspace is an admin by the database (not by configuration).
    pub async fn has_admin(&self, ws: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM people WHERE workspace_id = $1 AND is_admin = 1",
        )
        .bind(ws)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }
}

/// A Slack workspace's installation, as the OAuth exchange returned it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SlackInstallation {
    /// Encrypted with the keyring.
    pub bot_token: String,
    pub bot_user_id: Option<String>,
    pub installed_by: Option<String>,
}

impl Store {
    /// Record (or replace, on reinstall) a workspace's installation.
    pub async fn save_slack_installation(
        &self,
        ws: i64,
        install: &SlackInstallation,
        scope: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO slack_installations
                 (workspace_id, bot_token, bot_user_id, scope, installed_by, installed_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (workspace_id) DO UPDATE SET
                 bot_token = excluded.bot_token,
                 bot_user_id = excluded.bot_user_id,
                 scope = excluded.scope,
                 installed_by = excluded.installed_by,
                 installed_at = excluded.installed_at,
                 uninstalled_at = NULL",
        )
        .bind(ws)
        .bind(&install.bot_token)
        .bind(&install.bot_user_id)
        .bind(scope)
        .bind(&install.installed_by)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live installation of a Slack workspace, by its tenant key.
    pub async fn slack_installation(&self, key: &str) -> Result<Option<SlackInstallation>> {
        Ok(sqlx::query_as(
            "SELECT i.bot_token, i.bot_user_id, i.installed_by
             FROM slack_installations i JOIN workspaces w ON w.id = i.workspace_id
             WHERE w.platform = 'slack' AND w.external_id = $1 AND i.uninstalled_at IS NULL",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The app was uninstalled or its tokens revoked: stop using the token.
    pub async fn mark_slack_uninstalled(&self, key: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE slack_installations SET uninstalled_at = $1
             WHERE workspace_id = (SELECT id FROM workspaces WHERE platform = 'slack' AND external_id = $2)",
        )
        .bind(now)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
