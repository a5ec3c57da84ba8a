//! One [`Store`] over sqlx's `Any` driver: the same SQL serves SQLite (embedded default) and
//! PostgreSQL (production), chosen from the URL scheme. Queries use `$N` placeholders, which
//! both engines accept, and portable types (BIGINT seconds, ISO date text).

mod api_reads;
mod api_tokens;
mod ask_changed;
mod away;
mod conversations;
mod cycle_figures;
mod cycles;
mod digest_acks;
mod drift_facts;
mod events;
mod export;
mod focus;
mod follows;
mod holidays;
mod jobs;
mod meetings;
#[cfg(test)]
mod migration_checks;
mod pace;
mod people;
mod priorities;
mod review;
mod rhythms;
mod teams;
mod webhooks;
mod workspaces;

use std::collections::HashMap;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use api_reads::{
    CheckinFilter, CheckinRecord, CycleFilter, CycleRecord, DecisionFilter, DecisionRecord,
    PageAfter, PriorityFilter, RaisedFilter, RaisedRecord,
};
pub use api_tokens::{ApiTokenGrant, ApiTokenRow, NewApiToken};
pub use ask_changed::{AheadAnswer, NewAheadAnswer};
pub use away::AwayPeriod;
pub use conversations::{ConversationRef, NewRef, RefKind, SlackInstallation};
pub use cycle_figures::CycleFigures;
pub use cycles::{
    CheckinItem, CycleRow, LateAnswer, NewCycle, OwnerPlan, Participant, PromptRow, StatusChange,
};
pub use digest_acks::{AckCount, DigestAck};
pub use drift_facts::StoredFacts;
pub use events::Delivery;
pub use export::{ClosedCycle, ExportDecision, ExportPriority, ExportSlip, ExportWorkspace};
pub use focus::{FOCUS_HISTORY_CYCLES, FocusAnswer, FocusHistoryRow, FocusRecorded};
pub use holidays::{Added, HolidayRow, NewHoliday};
pub use jobs::{JobKind, JobPayload, JobRow};
pub use meetings::{AssignmentRow, Deferral, NewAssignment};
pub use people::PersonRow;
pub(crate) use priorities::ts;
pub use priorities::{
    Dependency, HistoryEntry, NewPriority, PriorityChanges, PriorityQuery, Slip, UpdateEntry,
    UpdateInput,
};
pub use review::{DecisionRow, NewDecision, NewRaise, RaisedItem};
pub use rhythms::{RhythmOptions, RhythmRow};
pub use teams::{MemberRow, NewTeamArgs, TeamRow};
pub use webhooks::{AddedHook, FlagSnapshot, HookRef, MAX_HOOKS, OutgoingEvent, WebhookRow};

/// Which workspaces a piece of scheduling work covers: the sandbox runs on a clock of its own,
/// so the process's scheduler leaves its workspace alone and the sandbox ticks only its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scope {
    #[default]
    All,
    Only(i64),
    Except(Vec<i64>),
}

impl Scope {
    pub fn includes(&self, ws: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(only) => *only == ws,
            Scope::Except(ids) => !ids.contains(&ws),
        }
    }

    /// ` AND <column> …` restricting a statement to the scope (ids are integers we hold,
    /// never user text).
    pub(crate) fn sql(&self, column: &str) -> String {
        match self {
            Scope::All => String::new(),
            Scope::Except(ids) if ids.is_empty() => String::new(),
            Scope::Only(ws) => format!(" AND {column} = {ws}"),
            Scope::Except(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(" AND {column} NOT IN ({})", list.join(", "))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Workspace ids by (platform, tenant key): asked on every request, never changed or
    /// removed once created, so kept after the first read.
    workspace_ids: std::sync::Arc<std::sync::RwLock<HashMap<(String, String), i64>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (use sqlite://… or postgres://…)")]
    UnsupportedUrl,
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Whether the database could not be reached (as opposed to refusing a query): callers
    /// answer 503 and try again later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Sqlx(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            // SQLSTATE classes 08 (connection exception) and 57 (operator intervention:
            // shutting down), and 55000 as PostgreSQL says "database is not currently
            // accepting connections".
            StoreError::Sqlx(sqlx::Error::Database(db)) => db
                .code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57") || c == "55000"),
            _ => false,
        }
    }

    /// Whether a unique constraint refused the write (a name taken, a row already there).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

impl Store {
    /// Connect to `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        // An in-memory SQLite database exists per connection: one connection, or each would
        // see an empty database of its own.
        let in_memory = backend == Backend::Sqlite && url.contains(":memory:");
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") && !in_memory => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite if in_memory => 1,
                Backend::Sqlite => 8,
                Backend::Postgres => 10,
            })
            // Short, so that webhooks answer 503 quickly while the database is away.
            .acquire_timeout(Duration::from_secs(2))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the busy timeout makes
                        // writers queue instead of failing; SQLite leaves FKs off by default.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            backend,
            workspace_ids: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Readiness: the database answers and every migration this build knows is applied.
    pub async fn ready(&self) -> Result<bool> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        let expected = migrator.iter().count() as i64;
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(applied >= expected)
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn delete_setting(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every stored platform token, sealed: (workspace, ciphertext).
    pub async fn sealed_tokens(&self) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT workspace_id, bot_token FROM slack_installations ORDER BY workspace_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replace sealed platform tokens (by workspace) and webhook secrets (by hook) in a key
    /// rotation, all or none.
    pub async fn replace_sealed_tokens(
        &self,
        tokens: &[(i64, String)],
        hooks: &[(i64, String)],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (ws, sealed) in tokens {
            sqlx::query("UPDATE slack_installations SET bot_token = $1 WHERE workspace_id = $2")
                .bind(sealed)
                .bind(ws)
                .execute(&mut *tx)
                .await?;
        }
        for (id, sealed) in hooks {
            sqlx::query("UPDATE webhooks SET secret_sealed = $1 WHERE id = $2")
                .bind(sealed)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Store a setting unless one is already there; returns the value in force.
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        self.setting(key)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("setting {key} vanished")))
    }

    /// The workspace's drift thresholds: the contract's defaults unless changed.
    pub async fn drift_thresholds(&self, ws: i64) -> Result<crate::domain::drift::Thresholds> {
        let mut conn = self.pool.acquire().await?;
        drift_facts::thresholds(&mut conn, ws).await
    }

    /// Change a workspace's drift thresholds (`silent=3,behind=30`; unknown keys ignored), then
    /// draw the maintained drift facts again to the depths the new thresholds look at.
    pub async fn set_drift_thresholds(&self, ws: i64, spec: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(format!("drift:{ws}"))
        .bind(spec)
        .execute(&self.pool)
        .await?;
        self.rebuild_drift_facts(ws, now).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A stored Unix time as a calendar date (UTC), for history lines.
pub fn ts_date(secs: i64) -> chrono::NaiveDate {
    priorities::ts(secs).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_memory_sqlite_keeps_one_database() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        assert!(store.ready().await.unwrap());
        let ws = store.ensure_workspace("slack", "T1", 0).await.unwrap();
        assert_eq!(store.workspace_id("slack", "T1").await.unwrap(), Some(ws));
    }

    /// A known workspace is found without a write: through a read-only connection too.
    #[tokio::test]
    async fn ensuring_a_known_workspace_only_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacer.db");
        let store = Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let ws = store.ensure_workspace("slack", "T1", 0).await.unwrap();
        store.close().await;
        let read_only = Store::connect(&format!("sqlite://{}?mode=ro", path.display()))
            .await
            .unwrap();
        assert_eq!(
            read_only.ensure_workspace("slack", "T1", 1).await.unwrap(),
            ws
        );
        assert!(read_only.ensure_workspace("slack", "T2", 1).await.is_err());
    }

    #[tokio::test]
    async fn unsupported_urls_are_refused() {
        assert!(matches!(
            Store::connect("mysql://x").await,
            Err(StoreError::UnsupportedUrl)
        ));
    }
}
