//! What `pacer export` reads: one workspace's priorities, check-ins, cycles, closed cycles,
//! slips, decisions and raised items, as row streams. The rows are read one at a time off the connection and written out as they
//! come (`export` holds none of these tables in memory), so the queries here are plain joins
//! ordered for a stable file, each scoped by `workspace_id`. `since` is a Unix time; rows
//! before it are left out (`i64::MIN` keeps everything).

use futures_util::TryStreamExt;
use futures_util::stream::BoxStream;

use std::sync::LazyLock;

use super::api_reads::{CHECKIN_SELECT, CYCLE_SELECT, RAISED_SELECT};
use super::{
    Backend, CheckinRecord, CycleRecord, CycleRow, RaisedRecord, Result, Store, StoreError,
};

/// The workspace an export describes.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExportWorkspace {
    pub id: i64,
    pub platform: String,
    pub external_id: String,
    pub name: Option<String>,
    pub created_at: i64,
}

/// A priority as it stands now, with its parent's number and the numbers it depends on.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExportPriority {
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub team: String,
    pub owner_name: String,
    pub owner_user_id: String,
    pub status: String,
    pub progress: i64,
    pub due_date: Option<String>,
    pub parent_number: Option<i64>,
    /// Numbers joined with spaces, smallest first; `None` when it depends on nothing.
    pub depends_on: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One move of a due date the priority already had (the slip log), with its reason.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExportSlip {
    pub id: i64,
    pub priority_number: i64,
    pub moved_at: i64,
    pub actor_name: String,
    pub actor_user_id: String,
    pub old_due: String,
    pub new_due: Option<String>,
    pub reason: Option<String>,
}

/// A decision taken about a priority, with its follow-up if it has one.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExportDecision {
    pub id: i64,
    pub priority_number: i64,
    pub text: String,
    pub decided_by_name: String,
    pub decided_by_user_id: String,
    pub decided_at: i64,
    pub owner_name: Option<String>,
    pub owner_user_id: Option<String>,
    pub due_date: Option<String>,
    pub done_at: Option<i64>,
}

/// A closed cycle and when its digest was posted, if it was.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClosedCycle {
    #[sqlx(flatten)]
    pub cycle: CycleRow,
    pub posted_at: Option<i64>,
}

/// The priorities query for each engine: they differ only in the name of string aggregation
/// (`group_concat` with ORDER BY needs SQLite 3.44, which sqlx bundles).
const PRIORITIES_SQLITE: &str = "SELECT p.id, p.number, p.title, t.name AS team,
        o.display_name AS owner_name, o.user_id AS owner_user_id, p.status, p.progress,
        p.due_date, pp.number AS parent_number,
        (SELECT group_concat(CAST(dp.number AS TEXT), ' ' ORDER BY dp.number)
           FROM priority_dependencies d
           JOIN priorities dp ON dp.id = d.depends_on_id AND dp.workspace_id = d.workspace_id
           WHERE d.workspace_id = p.workspace_id AND d.priority_id = p.id) AS depends_on,
        p.created_at, p.updated_at
     FROM priorities p
     JOIN people o ON o.id = p.owner_id AND o.workspace_id = p.workspace_id
     JOIN teams t ON t.id = p.team_id AND t.workspace_id = p.workspace_id
     LEFT JOIN priorities pp ON pp.id = p.parent_id AND pp.workspace_id = p.workspace_id
     WHERE p.workspace_id = $1 ORDER BY p.number";

const PRIORITIES_POSTGRES: &str = "SELECT p.id, p.number, p.title, t.name AS team,
        o.display_name AS owner_name, o.user_id AS owner_user_id, p.status, p.progress,
        p.due_date, pp.number AS parent_number,
        (SELECT string_agg(CAST(dp.number AS TEXT), ' ' ORDER BY dp.number)
           FROM priority_dependencies d
           JOIN priorities dp ON dp.id = d.depends_on_id AND dp.workspace_id = d.workspace_id
           WHERE d.workspace_id = p.workspace_id AND d.priority_id = p.id) AS depends_on,
        p.created_at, p.updated_at
     FROM priorities p
     JOIN people o ON o.id = p.owner_id AND o.workspace_id = p.workspace_id
     JOIN teams t ON t.id = p.team_id AND t.workspace_id = p.workspace_id
     LEFT JOIN priorities pp ON pp.id = p.parent_id AND pp.workspace_id = p.workspace_id
     WHERE p.workspace_id = $1 ORDER BY p.number";

/// Check-ins and cycles are the rows the read API lists (one definition of who was asked and
/// who answered), here from a moment on, oldest first.
static CHECKINS: LazyLock<String> = LazyLock::new(|| {
    format!("{CHECKIN_SELECT} WHERE u.workspace_id = $1 AND u.created_at >= $2 ORDER BY u.id")
});

static CYCLES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{CYCLE_SELECT} WHERE c.workspace_id = $1 AND c.opens_at >= $2 ORDER BY c.opens_at, c.id"
    )
});

const DECISIONS: &str = "SELECT d.id, p.number AS priority_number, d.text,
        b.display_name AS decided_by_name, b.user_id AS decided_by_user_id, d.decided_at,
        o.display_name AS owner_name, o.user_id AS owner_user_id, d.due_date, d.done_at
     FROM decisions d
     JOIN priorities p ON p.id = d.priority_id AND p.workspace_id = d.workspace_id
     JOIN people b ON b.id = d.decided_by AND b.workspace_id = d.workspace_id
     LEFT JOIN people o ON o.id = d.owner_id AND o.workspace_id = d.workspace_id
     WHERE d.workspace_id = $1 AND d.decided_at >= $2
     ORDER BY d.id";

/// Raised items are the rows the read API lists, here from a moment on, closed ones too.
static RAISED: LazyLock<String> = LazyLock::new(|| {
    format!("{RAISED_SELECT} WHERE r.workspace_id = $1 AND r.raised_at >= $2 ORDER BY r.id")
});

const SLIPS: &str = "SELECT h.id, p.number AS priority_number, h.at AS moved_at,
        a.display_name AS actor_name, a.user_id AS actor_user_id, h.old_value AS old_due,
        h.new_value AS new_due, h.reason
     FROM priority_history h
     JOIN priorities p ON p.id = h.priority_id AND p.workspace_id = h.workspace_id
     JOIN people a ON a.id = h.actor_id AND a.workspace_id = h.workspace_id
     WHERE h.workspace_id = $1 AND h.field = 'due' AND h.old_value IS NOT NULL AND h.at >= $2
     ORDER BY h.id";

const CLOSED_CYCLES_PAGE: &str = "SELECT c.id, c.workspace_id, c.team_id, c.slot, c.opens_at,
        c.closes_at, c.state, d.posted_at
     FROM cycles c
     LEFT JOIN digest_posts d ON d.cycle_id = c.id AND d.workspace_id = c.workspace_id
     WHERE c.workspace_id = $1 AND c.state = 'closed' AND c.opens_at >= $2 AND c.id > $3
     ORDER BY c.id LIMIT $4";

impl Store {
    /// One workspace's identity, for the export's header.
    pub async fn export_workspace(&self, ws: i64) -> Result<Option<ExportWorkspace>> {
        Ok(sqlx::query_as(
            "SELECT id, platform, external_id, name, created_at FROM workspaces WHERE id = $1",
        )
        .bind(ws)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Every priority of the workspace, closed ones too, by number.
    pub fn export_priorities(&self, ws: i64) -> BoxStream<'_, Result<ExportPriority>> {
        let sql = match self.backend {
            Backend::Sqlite => PRIORITIES_SQLITE,
            Backend::Postgres => PRIORITIES_POSTGRES,
        };
        Box::pin(
            sqlx::query_as(sql)
                .bind(ws)
                .fetch(&self.pool)
                .map_err(StoreError::from),
        )
    }

    /// The rows of one of the statements above, which take the workspace and a time.
    fn rows_since<T>(&self, sql: &'static str, ws: i64, since: i64) -> BoxStream<'_, Result<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin + 'static,
    {
        Box::pin(
            sqlx::query_as(sql)
                .bind(ws)
                .bind(since)
                .fetch(&self.pool)
                .map_err(StoreError::from),
        )
    }

    /// Every status update recorded at or after `since`, oldest first.
    pub fn export_checkins(&self, ws: i64, since: i64) -> BoxStream<'_, Result<CheckinRecord>> {
        self.rows_since(&CHECKINS, ws, since)
    }

    /// Every decision taken at or after `since`, oldest first.
    pub fn export_decisions(&self, ws: i64, since: i64) -> BoxStream<'_, Result<ExportDecision>> {
        self.rows_since(DECISIONS, ws, since)
    }

    /// Every item raised at or after `since`, oldest first, closed ones too.
    pub fn export_raised(&self, ws: i64, since: i64) -> BoxStream<'_, Result<RaisedRecord>> {
        self.rows_since(&RAISED, ws, since)
    }

    /// Every due-date slip made at or after `since`, oldest first.
    pub fn export_slips(&self, ws: i64, since: i64) -> BoxStream<'_, Result<ExportSlip>> {
        self.rows_since(SLIPS, ws, since)
    }

    /// Every cycle that opened at or after `since`, oldest first.
    pub fn export_cycles(&self, ws: i64, since: i64) -> BoxStream<'_, Result<CycleRecord>> {
        self.rows_since(&CYCLES, ws, since)
    }

    /// Up to `limit` closed cycles that opened at or after `since`, with ids above `after`.
    /// Paged rather than streamed: each one's digest is drawn up with queries of its own,
    /// which must not wait behind a connection held by an open stream.
    pub async fn closed_cycles_page(
        &self,
        ws: i64,
        since: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ClosedCycle>> {
        Ok(sqlx::query_as(CLOSED_CYCLES_PAGE)
            .bind(ws)
            .bind(since)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }
}
