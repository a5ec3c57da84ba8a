//! What the read API lists: pages of priorities, teams, cycles, check-ins, decisions and raised
//! items of one workspace,
//! filtered, in a stable order, after a cursor (keyset pagination: a page costs the same
//! however deep it is, and rows added meanwhile never shift a page).

use super::priorities::{PRIORITY_SELECT, PriorityRow, convert};
use super::{Result, Store, TeamRow};
use crate::domain::{Priority, Status};

/// Where a page starts (after this key) and how many rows it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageAfter {
    pub after: i64,
    pub limit: i64,
}

/// Which priorities a page lists; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct PriorityFilter {
    pub team_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub statuses: Vec<Status>,
}

/// Which cycles a page lists. `from` and `to` bound when the cycle opened: `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct CycleFilter {
    pub team_id: Option<i64>,
    pub open: Option<bool>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Which updates a page lists. `from` and `to` bound when it was recorded: `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct CheckinFilter {
    pub team_id: Option<i64>,
    pub author_id: Option<i64>,
    pub priority_id: Option<i64>,
    pub statuses: Vec<Status>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Which decisions a page lists. `team` is the team of the priority decided on, or the team an
/// item it closed was raised to (as digests count them); `open` is whether it has a follow-up
/// not done; `from` and `to` bound when it was taken: `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    pub team_id: Option<i64>,
    pub priority_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub open: Option<bool>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Which raised items a page lists: `team` is the team raised to, `from_team` the priority's
/// team; `open` whether no decision has closed it yet.
#[derive(Debug, Clone, Default)]
pub struct RaisedFilter {
    pub team_id: Option<i64>,
    pub from_team_id: Option<i64>,
    pub priority_id: Option<i64>,
    pub open: Option<bool>,
}

/// A decision with the priority it is about and the names it is shown with.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DecisionRecord {
    pub id: i64,
    pub priority_number: i64,
    pub priority_title: String,
    pub team_name: String,
    pub text: String,
    pub decided_by_user_id: String,
    pub decided_by_name: String,
    pub decided_at: i64,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub done_at: Option<i64>,
}

/// A raised item with the priority it is about, the teams it went from and to, and who raised
/// it (nobody when it raised itself).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RaisedRecord {
    pub id: i64,
    pub priority_number: i64,
    pub priority_title: String,
    /// The priority's team as it stands now.
    pub from_team: String,
    pub to_team_id: i64,
    pub to_team: String,
    pub raised_by_user_id: Option<String>,
    pub raised_by_name: Option<String>,
    /// `manual`, `off-track` or `blocking`.
    pub kind: String,
    pub why: String,
    pub raised_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by_decision_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CycleRecord {
    pub id: i64,
    pub team_id: i64,
    pub team_name: String,
    pub slot: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub closed_at: Option<i64>,
    pub state: String,
    pub asked: i64,
    pub away: i64,
    pub answered: i64,
    /// How many answered the focus question with each level, Most down to None.
    pub focus_most: i64,
    pub focus_half: i64,
    pub focus_little: i64,
    pub focus_none: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CheckinRecord {
    pub id: i64,
    pub priority_number: i64,
    pub priority_title: String,
    pub team_name: String,
    pub author_user_id: String,
    pub author_name: String,
    pub status: String,
    pub progress: i64,
    pub note: Option<String>,
    pub blocker: Option<String>,
    pub cycle_id: Option<i64>,
    pub late: i64,
    pub created_at: i64,
}

/// A statement's conditions and the values they bind, numbered as they are added.
struct Conditions {
    sql: String,
    binds: Vec<Bind>,
}

enum Bind {
    Int(i64),
    Text(String),
}

impl Conditions {
    /// Starts with the workspace: `$1` is always the workspace id.
    fn new(ws_column: &str, ws: i64) -> Self {
        Conditions {
            sql: format!(" WHERE {ws_column} = $1"),
            binds: vec![Bind::Int(ws)],
        }
    }

    fn next(&self) -> usize {
        self.binds.len() + 1
    }

    fn int(&mut self, clause: &str, value: Option<i64>) {
        if let Some(v) = value {
            let n = self.next();
            self.sql
                .push_str(&format!(" AND {}", clause.replace('?', &format!("${n}"))));
            self.binds.push(Bind::Int(v));
        }
    }

    fn statuses(&mut self, column: &str, statuses: &[Status]) {
        if statuses.is_empty() {
            return;
        }
        let start = self.next();
        let list: Vec<String> = (0..statuses.len())
            .map(|i| format!("${}", start + i))
            .collect();
        self.sql
            .push_str(&format!(" AND {column} IN ({})", list.join(", ")));
        self.binds
            .extend(statuses.iter().map(|s| Bind::Text(s.as_str().to_string())));
    }

    /// The keyset condition, order and limit (one more row than the page, to know whether
    /// another page follows).
    fn page(mut self, key: &str, page: PageAfter) -> Self {
        self.int(&format!("{key} > ?"), Some(page.after));
        let n = self.next();
        self.sql.push_str(&format!(" ORDER BY {key} LIMIT ${n}"));
        self.binds.push(Bind::Int(page.limit + 1));
        self
    }

    fn bind<'q, O>(
        self,
        mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        for b in self.binds {
            q = match b {
                Bind::Int(v) => q.bind(v),
                Bind::Text(v) => q.bind(v),
            };
        }
        q
    }
}

pub(super) const CYCLE_SELECT: &str = "SELECT c.id, c.team_id, t.name AS team_name, c.slot, c.opens_at,
        c.closes_at, c.closed_at, c.state,
        (SELECT COUNT(*) FROM cycle_owners o WHERE o.cycle_id = c.id) AS asked,
        (SELECT COUNT(*) FROM cycle_owners o WHERE o.cycle_id = c.id AND o.away = 1) AS away,
        (SELECT COUNT(*) FROM cycle_owners o WHERE o.cycle_id = c.id AND EXISTS (
             SELECT 1 FROM priority_updates u JOIN cycle_priorities cp
                 ON cp.priority_id = u.priority_id AND cp.cycle_id = o.cycle_id
             WHERE u.cycle_id = o.cycle_id AND cp.person_id = o.person_id AND u.late = 0)) AS answered,
        (SELECT COUNT(*) FROM focus_answers f WHERE f.cycle_id = c.id AND f.level = 3) AS focus_most,
        (SELECT COUNT(*) FROM focus_answers f WHERE f.cycle_id = c.id AND f.level = 2) AS focus_half,
        (SELECT COUNT(*) FROM focus_answers f WHERE f.cycle_id = c.id AND f.level = 1) AS focus_little,
        (SELECT COUNT(*) FROM focus_answers f WHERE f.cycle_id = c.id AND f.level = 0) AS focus_none
     FROM cycles c JOIN teams t ON t.id = c.team_id AND t.workspace_id = c.workspace_id";

pub(super) const CHECKIN_SELECT: &str =
    "SELECT u.id, p.number AS priority_number, p.title AS priority_title,
        t.name AS team_name, a.user_id AS author_user_id, a.display_name AS author_name,
        u.status, u.progress, u.note, u.blocker, u.cycle_id, u.late, u.created_at
     FROM priority_updates u
     JOIN priorities p ON p.id = u.priority_id AND p.workspace_id = u.workspace_id
     JOIN teams t ON t.id = p.team_id AND t.workspace_id = p.workspace_id
     JOIN people a ON a.id = u.author_id AND a.workspace_id = u.workspace_id";

const DECISION_SELECT: &str = "SELECT d.id, p.number AS priority_number,
        p.title AS priority_title, t.name AS team_name, d.text,
        b.user_id AS decided_by_user_id, b.display_name AS decided_by_name, d.decided_at,
        o.user_id AS owner_user_id, o.display_name AS owner_name, d.due_date, d.done_at
     FROM decisions d
     JOIN priorities p ON p.id = d.priority_id AND p.workspace_id = d.workspace_id
     JOIN teams t ON t.id = p.team_id AND t.workspace_id = p.workspace_id
     JOIN people b ON b.id = d.decided_by AND b.workspace_id = d.workspace_id
     LEFT JOIN people o ON o.id = d.owner_id AND o.workspace_id = d.workspace_id";

pub(super) const RAISED_SELECT: &str = "SELECT r.id, p.number AS priority_number,
        p.title AS priority_title, f.name AS from_team, r.team_id AS to_team_id, t.name AS to_team,
        b.user_id AS raised_by_user_id, b.display_name AS raised_by_name, r.why AS kind,
        r.reason AS why, r.raised_at, r.closed_at, r.closed_by_decision_id
     FROM raised_items r
     JOIN priorities p ON p.id = r.priority_id AND p.workspace_id = r.workspace_id
     JOIN teams f ON f.id = p.team_id AND f.workspace_id = p.workspace_id
     JOIN teams t ON t.id = r.team_id AND t.workspace_id = r.workspace_id
     LEFT JOIN people b ON b.id = r.raised_by AND b.workspace_id = r.workspace_id";

impl Store {
    /// A page of priorities by number.
    pub async fn priorities_page(
        &self,
        ws: i64,
        f: &PriorityFilter,
        page: PageAfter,
    ) -> Result<Vec<Priority>> {
        let mut c = Conditions::new("p.workspace_id", ws);
        c.int("p.team_id = ?", f.team_id);
        c.int("p.owner_id = ?", f.owner_id);
        c.statuses("p.status", &f.statuses);
        let c = c.page("p.number", page);
        let sql = format!("{PRIORITY_SELECT}{}", c.sql);
        let rows: Vec<PriorityRow> = c.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?;
        convert(rows)
    }

    /// A page of teams by id.
    pub async fn teams_page(&self, ws: i64, page: PageAfter) -> Result<Vec<TeamRow>> {
        let c = Conditions::new("t.workspace_id", ws).page("t.id", page);
        let sql = format!("{}{}", super::teams::TEAM_SELECT, c.sql);
        Ok(c.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?)
    }

    /// A page of cycles by id, with who was asked and who answered on time.
    pub async fn cycles_page(
        &self,
        ws: i64,
        f: &CycleFilter,
        page: PageAfter,
    ) -> Result<Vec<CycleRecord>> {
        let mut c = Conditions::new("c.workspace_id", ws);
        c.int("c.team_id = ?", f.team_id);
        c.int("c.opens_at >= ?", f.from);
        c.int("c.opens_at < ?", f.to);
        if let Some(open) = f.open {
            c.sql.push_str(if open {
                " AND c.state = 'open'"
            } else {
                " AND c.state = 'closed'"
            });
        }
        let c = c.page("c.id", page);
        let sql = format!("{CYCLE_SELECT}{}", c.sql);
        Ok(c.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?)
    }

    /// A page of status updates (check-in answers and `status` commands) by id.
    pub async fn checkins_page(
        &self,
        ws: i64,
        f: &CheckinFilter,
        page: PageAfter,
    ) -> Result<Vec<CheckinRecord>> {
        let mut c = Conditions::new("u.workspace_id", ws);
        c.int("p.team_id = ?", f.team_id);
        c.int("u.author_id = ?", f.author_id);
        c.int("u.priority_id = ?", f.priority_id);
        c.statuses("u.status", &f.statuses);
        c.int("u.created_at >= ?", f.from);
        c.int("u.created_at < ?", f.to);
        let c = c.page("u.id", page);
        let sql = format!("{CHECKIN_SELECT}{}", c.sql);
        Ok(c.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?)
    }
}

impl Store {
    /// A page of decisions by id.
    pub async fn decisions_page(
        &self,
        ws: i64,
        f: &DecisionFilter,
        page: PageAfter,
    ) -> Result<Vec<DecisionRecord>> {
        let mut c = Conditions::new("d.workspace_id", ws);
        c.int(
            "(p.team_id = ? OR EXISTS (SELECT 1 FROM raised_items r WHERE r.workspace_id = d.workspace_id
                AND r.closed_by_decision_id = d.id AND r.team_id = ?))",
            f.team_id,
        );
        c.int("d.priority_id = ?", f.priority_id);
        c.int("d.owner_id = ?", f.owner_id);
        c.int("d.decided_at >= ?", f.from);
        c.int("d.decided_at < ?", f.to);
        if let Some(open) = f.open {
            c.sql.push_str(if open {
                " AND d.owner_id IS NOT NULL AND d.done_at IS NULL"
            } else {
                " AND (d.owner_id IS NULL OR d.done_at IS NOT NULL)"
            });
        }
        let c = c.page("d.id", page);
        let sql = format!("{DECISION_SELECT}{}", c.sql);
        Ok(c.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?)
    }

    /// A page of raised items by id.
    pub async fn raised_page(
        &self,
        ws: i64,
        f: &RaisedFilter,
        page: PageAfter,
    ) -> Result<Vec<RaisedRecord>> {
        let mut c = Conditions::new("r.workspace_id", ws);
        c.int("r.team_id = ?", f.team_id);
        c.int("p.team_id = ?", f.from_team_id);
        c.int("r.priority_id = ?", f.priority_id);
        if let Some(open) = f.open {
            c.sql.push_str(if open {
                " AND r.closed_at IS NULL"
            } else {
                " AND r.closed_at IS NOT NULL"
            });
        }
        let c = c.page("r.id", page);
        let sql = format!("{RAISED_SELECT}{}", c.sql);
        Ok(c.bind(sqlx::query_as(&sql)).fetch_all(&self.pool).await?)
    }

    /// `(priority id, number it waits on)` for these priorities.
    pub async fn dependency_numbers(&self, ws: i64, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(super::priorities::ID_BATCH) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT d.priority_id, p.number FROM priority_dependencies d
                 JOIN priorities p ON p.id = d.depends_on_id AND p.workspace_id = d.workspace_id
                 WHERE d.workspace_id = $1 AND d.priority_id IN ({}) ORDER BY d.priority_id, p.number",
                list.join(", ")
            );
            let mut q = sqlx::query_as::<_, (i64, i64)>(&sql).bind(ws);
            for id in chunk {
                q = q.bind(*id);
            }
            out.extend(q.fetch_all(&self.pool).await?);
        }
        Ok(out)
    }
}
