//! Outgoing webhooks in the store: the registered URLs with their sealed signing secrets, the
//! events queued for them as jobs (in the transaction that records the fact, so an event exists
//! exactly when its fact does), and the drift flags last reported for each priority.

use sqlx::{Any, Transaction};

use super::jobs::{JobPayload, insert_job};
use super::{Result, Store};

/// Active hooks a workspace may have: each event is one job per hook.
pub const MAX_HOOKS: i64 = 10;

/// A registered hook, as `webhook list` and delivery read it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    /// Encrypted with the keyring; never logged.
    pub secret_sealed: String,
    pub created_at: i64,
    pub created_by_name: String,
    pub removed_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub last_outcome: Option<String>,
}

/// An event to send to every active hook of a workspace. `id` is derived from the fact it
/// tells of (`evt_checkin_<update id>`), so a fact recorded once is one event, however often
/// the work around it is retried.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEvent {
    pub id: String,
    pub kind: &'static str,
    pub data: serde_json::Value,
}

/// The drift flags a digest found on one of its team's priorities.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagSnapshot {
    pub number: i64,
    /// The priority as events describe it (number, title, team, owner).
    pub priority: serde_json::Value,
    /// Flag names (`silent`, `blocked`, …), in any order.
    pub flags: Vec<String>,
}

/// What adding a hook came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddedHook {
    Added(i64),
    /// This URL is registered already.
    Duplicate(i64),
    /// The workspace has [`MAX_HOOKS`] already.
    TooMany,
}

/// Which hook `webhook remove` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookRef {
    Id(i64),
    Url(String),
}

const HOOK_SELECT: &str = "SELECT h.id, h.url, h.secret_sealed, h.created_at,
        p.display_name AS created_by_name, h.removed_at, h.last_attempt_at, h.last_outcome
     FROM webhooks h JOIN people p ON p.id = h.created_by AND p.workspace_id = h.workspace_id";

impl Store {
    /// Register a hook, unless its URL is registered already or the workspace has
    /// [`MAX_HOOKS`]; checked and written in one transaction.
    pub async fn add_webhook(
        &self,
        ws: i64,
        url: &str,
        secret_sealed: &str,
        created_by: i64,
        now: i64,
    ) -> Result<AddedHook> {
        let mut tx = self.pool.begin().await?;
        let active: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, url FROM webhooks WHERE workspace_id = $1 AND removed_at IS NULL",
        )
        .bind(ws)
        .fetch_all(&mut *tx)
        .await?;
        if let Some((id, _)) = active.iter().find(|(_, u)| u == url) {
            return Ok(AddedHook::Duplicate(*id));
        }
        if active.len() as i64 >= MAX_HOOKS {
            return Ok(AddedHook::TooMany);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (workspace_id, url, secret_sealed, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(ws)
        .bind(url)
        .bind(secret_sealed)
        .bind(created_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AddedHook::Added(id))
    }

    /// The workspace's active hooks, oldest first.
    pub async fn webhooks(&self, ws: i64) -> Result<Vec<WebhookRow>> {
        Ok(sqlx::query_as(&format!(
            "{HOOK_SELECT} WHERE h.workspace_id = $1 AND h.removed_at IS NULL ORDER BY h.id"
        ))
        .bind(ws)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One hook of the workspace, removed or not (delivery drops a removed hook's events).
    pub async fn webhook(&self, ws: i64, id: i64) -> Result<Option<WebhookRow>> {
        Ok(sqlx::query_as(&format!(
            "{HOOK_SELECT} WHERE h.workspace_id = $1 AND h.id = $2"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Remove an active hook by id or URL; the hook removed, or `None` if there was none.
    /// Its pending deliveries are dropped when they come up.
    pub async fn remove_webhook(
        &self,
        ws: i64,
        which: &HookRef,
        now: i64,
    ) -> Result<Option<WebhookRow>> {
        let found = self.webhooks(ws).await?.into_iter().find(|h| match which {
            HookRef::Id(id) => h.id == *id,
            HookRef::Url(url) => &h.url == url,
        });
        let Some(hook) = found else {
            return Ok(None);
        };
        let done = sqlx::query(
            "UPDATE webhooks SET removed_at = $1
             WHERE workspace_id = $2 AND id = $3 AND removed_at IS NULL",
        )
        .bind(now)
        .bind(ws)
        .bind(hook.id)
        .execute(&self.pool)
        .await?;
        Ok((done.rows_affected() == 1).then_some(hook))
    }

    /// Remember how the latest delivery to a hook went, for `webhook list`.
    pub async fn note_webhook_attempt(
        &self,
        ws: i64,
        id: i64,
        outcome: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE webhooks SET last_attempt_at = $1, last_outcome = $2
             WHERE workspace_id = $3 AND id = $4",
        )
        .bind(now)
        .bind(outcome)
        .bind(ws)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every hook's sealed secret, for a key rotation: (hook id, ciphertext).
    pub async fn sealed_webhook_secrets(&self) -> Result<Vec<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT id, secret_sealed FROM webhooks ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

/// The ids of a workspace's active hooks, read inside the transaction that records a fact.
pub(crate) async fn active_hooks(tx: &mut Transaction<'_, Any>, ws: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM webhooks WHERE workspace_id = $1 AND removed_at IS NULL ORDER BY id",
    )
    .bind(ws)
    .fetch_all(&mut **tx)
    .await?)
}

/// Queue `events` for each of `hooks`, one job per hook and event, keyed
/// `webhook:<hook id>:<event id>`: a second attempt to queue the same event is a no-op.
/// Called in the transaction that records the facts the events tell of.
pub(crate) async fn queue_events(
    tx: &mut Transaction<'_, Any>,
    ws: i64,
    hooks: &[i64],
    events: &[OutgoingEvent],
    now: i64,
) -> Result<usize> {
    if hooks.is_empty() || events.is_empty() {
        return Ok(0);
    }
    let (platform, external_id): (String, String) =
        sqlx::query_as("SELECT platform, external_id FROM workspaces WHERE id = $1")
            .bind(ws)
            .fetch_one(&mut **tx)
            .await?;
    let mut queued = 0;
    for event in events {
        let body = crate::webhooks::envelope(event, (&platform, &external_id), now);
        for hook_id in hooks {
            let payload = JobPayload::Webhook {
                hook_id: *hook_id,
                event_id: event.id.clone(),
                event_type: event.kind.to_string(),
                body: body.clone(),
            };
            let key = format!("webhook:{hook_id}:{}", event.id);
            if insert_job(tx, ws, &key, &payload, now, now).await? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

/// Compare each priority's flags with those last reported, remember the new ones, and return
/// a `priority.flags_changed` event for each that differs (`evt_flags_<cycle>_<number>`).
pub(crate) async fn flag_changes(
    tx: &mut Transaction<'_, Any>,
    ws: i64,
    cycle_id: i64,
    snapshots: &[FlagSnapshot],
    now: i64,
) -> Result<Vec<OutgoingEvent>> {
    let mut events = Vec::new();
    for snap in snapshots {
        let mut flags = snap.flags.clone();
        flags.sort();
        flags.dedup();
        let before: Option<String> = sqlx::query_scalar(
            "SELECT flags FROM webhook_flag_states WHERE workspace_id = $1 AND priority_number = $2",
        )
        .bind(ws)
        .bind(snap.number)
        .fetch_optional(&mut **tx)
        .await?;
        let before: Vec<String> = before
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect();
        if before == flags {
            continue;
        }
        sqlx::query(
            "INSERT INTO webhook_flag_states (workspace_id, priority_number, flags, changed_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (workspace_id, priority_number)
             DO UPDATE SET flags = excluded.flags, changed_at = excluded.changed_at",
        )
        .bind(ws)
        .bind(snap.number)
        .bind(flags.join(","))
        .bind(now)
        .execute(&mut **tx)
        .await?;
        events.push(crate::webhooks::flags_changed(
            cycle_id, snap, &before, &flags,
        ));
    }
    Ok(events)
}

impl Store {
    /// Record that a closed cycle's digest was posted (at `posted_at`, the wall clock), and,
    /// the first time, queue `digest.posted` and the `priority.flags_changed` events of the
    /// team's priorities for the workspace's hooks, in the same transaction, as of `now` (the
    /// scheduler's time, which the jobs are due by).
    pub async fn save_digest_post(
        &self,
        ws: i64,
        cycle_id: i64,
        (channel, ts): (&str, &str),
        digest: &OutgoingEvent,
        flags: &[FlagSnapshot],
        (posted_at, now): (i64, i64),
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO digest_posts (cycle_id, workspace_id, channel, ts, posted_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (cycle_id) DO NOTHING",
        )
        .bind(cycle_id)
        .bind(ws)
        .bind(channel)
        .bind(ts)
        .bind(posted_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let hooks = active_hooks(&mut tx, ws).await?;
        if inserted && !hooks.is_empty() {
            let mut events = vec![digest.clone()];
            events.extend(flag_changes(&mut tx, ws, cycle_id, flags, now).await?);
            queue_events(&mut tx, ws, &hooks, &events, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
