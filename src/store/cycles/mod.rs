//! Cycles of a rhythm, who each one asks, their check-ins, prompts and away periods. This
//! file holds the rows and the queries that find cycles; opening and closing them is in
//! `open_close`, the owners' side in `checkins`, and what a cycle produced in `results`.

mod checkins;
mod open_close;
mod results;

use super::{Result, Store};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CycleRow {
    pub id: i64,
    pub workspace_id: i64,
    pub team_id: i64,
    pub slot: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub state: String,
}

impl CycleRow {
    pub fn is_open(&self) -> bool {
        self.state == "open"
    }
}

/// One owner asked in a new cycle.
#[derive(Debug, Clone)]
pub struct OwnerPlan {
    pub person_id: i64,
    pub prompt_at: i64,
    pub remind_at: Option<i64>,
    pub away: bool,
    /// Why they are away: `period`, or `acting:<id>` when someone acts for them.
    pub away_reason: Option<String>,
    pub priority_ids: Vec<i64>,
    /// Priorities asked of this person on behalf of their away owners: (priority, owner).
    pub acting_for: Vec<(i64, i64)>,
    /// Of `priority_ids`, those listed compactly under *All still on track* (`ask:changed`)
    /// rather than asked with their own buttons.
    pub quiet: Vec<i64>,
}

/// A new cycle as the scheduler decided it.
pub struct NewCycle<'a> {
    pub workspace_id: i64,
    pub team_id: i64,
    pub slot: &'a str,
    pub opens_at: i64,
    pub closes_at: i64,
    /// Already past its close (downtime): recorded closed, nobody prompted.
    pub already_closed: bool,
    pub owners: Vec<OwnerPlan>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CheckinItem {
    pub priority_id: i64,
    pub number: i64,
    pub title: String,
    pub status: String,
    pub progress: i64,
    pub due_date: Option<String>,
    pub answered_status: Option<String>,
    pub answered_progress: Option<i64>,
    pub answered_late: Option<i64>,
    /// The away owner this priority is asked for, when the person asked acts for them.
    pub on_behalf_of: Option<String>,
    /// 1 when asked with its own buttons; 0 when listed under *All still on track*.
    pub asked: i64,
    /// When this cycle's answer was given, if it was given ahead of the cycle.
    pub answered_ahead_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PromptRow {
    pub channel: String,
    pub ts: String,
}

const CYCLE_COLUMNS: &str = "id, workspace_id, team_id, slot, opens_at, closes_at, state";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Participant {
    pub person_id: i64,
    pub user_id: String,
    pub display_name: String,
    pub away: i64,
    pub away_reason: Option<String>,
    pub answered: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StatusChange {
    pub priority_id: i64,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LateAnswer {
    pub priority_id: i64,
    pub status: String,
    pub progress: i64,
    pub created_at: i64,
}

impl Store {
    pub(super) fn cycle_columns(prefix: &str) -> String {
        CYCLE_COLUMNS
            .split(", ")
            .map(|c| format!("{prefix}{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub async fn cycle(&self, ws: i64, id: i64) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CYCLE_COLUMNS} FROM cycles WHERE workspace_id = $1 AND id = $2"
        ))
        .bind(ws)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn cycle_exists(&self, team_id: i64, slot: &str) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM cycles WHERE team_id = $1 AND slot = $2")
                .bind(team_id)
                .bind(slot)
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }

    /// The team's latest closed cycle that closed at or before `before`.
    pub async fn last_closed_cycle(
        &self,
        ws: i64,
        team_id: i64,
        before: i64,
    ) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CYCLE_COLUMNS} FROM cycles WHERE workspace_id = $1 AND team_id = $2 AND state = 'closed'
             AND closes_at <= $3 ORDER BY closes_at DESC, id DESC LIMIT 1"
        ))
        .bind(ws)
        .bind(team_id)
        .bind(before)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The closed cycle of the same team before this one.
    pub async fn previous_cycle(&self, ws: i64, cycle: &CycleRow) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CYCLE_COLUMNS} FROM cycles WHERE workspace_id = $1 AND team_id = $2 AND state = 'closed'
             AND opens_at < $3 ORDER BY opens_at DESC, id DESC LIMIT 1"
        ))
        .bind(ws)
        .bind(cycle.team_id)
        .bind(cycle.opens_at)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn open_cycle_of_team(&self, ws: i64, team_id: i64) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM cycles c WHERE c.workspace_id = $1 AND c.team_id = $2 AND c.state = 'open'
             ORDER BY c.opens_at DESC LIMIT 1",
            Self::cycle_columns("c.")
        ))
        .bind(ws)
        .bind(team_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The open cycle a priority is being asked about, if any.
    pub async fn open_cycle_of_priority(
        &self,
        ws: i64,
        priority_id: i64,
    ) -> Result<Option<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM cycles c JOIN cycle_priorities cp ON cp.cycle_id = c.id
             WHERE cp.workspace_id = $1 AND cp.priority_id = $2 AND c.state = 'open'
             ORDER BY c.opens_at DESC LIMIT 1",
            Self::cycle_columns("c.")
        ))
        .bind(ws)
        .bind(priority_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Open cycles in which a person is asked something, newest first.
    pub async fn open_cycles_of_person(&self, ws: i64, person_id: i64) -> Result<Vec<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM cycles c JOIN cycle_owners o ON o.cycle_id = c.id
             WHERE o.workspace_id = $1 AND o.person_id = $2 AND c.state = 'open'
             ORDER BY c.opens_at DESC",
            Self::cycle_columns("c.")
        ))
        .bind(ws)
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Active priorities of a team grouped by owner: (owner person id, priority ids).
    pub async fn active_priorities_by_owner(
        &self,
        ws: i64,
        team_id: i64,
    ) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT owner_id, id FROM priorities WHERE workspace_id = $1 AND team_id = $2
             AND status NOT IN ('done', 'dropped') ORDER BY owner_id, number",
        )
        .bind(ws)
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
