//! The read API's routes: each reads one workspace (the token's), lists a page in a stable
//! order, and is documented by its `#[utoipa::path]`, which also mounts it.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::Reader;
use super::error::{ApiError, ErrorBody};
use super::model::{CheckinOut, CycleOut, Page, PriorityOut, TeamOut};
use super::query::{self, next_cursor};
use crate::domain::Priority;
use crate::startup::AppState;
use crate::store::{CheckinFilter, CycleFilter, PriorityFilter, Store};

/// Filters of `GET /api/v1/priorities`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PriorityParams {
    /// A team's name (any case).
    team: Option<String>,
    /// The owner's platform user id, like `U0123ABC`.
    owner: Option<String>,
    /// Statuses, comma-separated: `on-track`, `at-risk`, `off-track`, `done`, `dropped`, or
    /// `active` for the first three.
    status: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// Paging of `GET /api/v1/teams`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamParams {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// Filters of `GET /api/v1/cycles`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CycleParams {
    /// A team's name (any case).
    team: Option<String>,
    /// `open` or `closed`.
    state: Option<String>,
    /// Cycles that opened at or after: a date (UTC) or an RFC 3339 time.
    from: Option<String>,
    /// Cycles that opened before: an RFC 3339 time, or a date (UTC), whose whole day counts.
    to: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// Filters of `GET /api/v1/checkins`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckinParams {
    /// The team of the priority answered about (any case).
    team: Option<String>,
    /// The author's platform user id, like `U0123ABC`.
    owner: Option<String>,
    /// A priority's number.
    #[param(value_type = Option<i64>, minimum = 1)]
    priority: Option<String>,
    /// Statuses given, comma-separated (as for priorities).
    status: Option<String>,
    /// Recorded at or after: a date (UTC) or an RFC 3339 time.
    from: Option<String>,
    /// Recorded before: an RFC 3339 time, or a date (UTC), whose whole day counts.
    to: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// The workspace's priorities by number, with their dependencies and drift flags as of now.
#[utoipa::path(get, path = "/api/v1/priorities", tag = "read", params(PriorityParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of priorities", body = Page<PriorityOut>),
        (status = 400, description = "A filter is unknown or its value is not valid", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
    ))]
pub async fn list_priorities(
    State(state): State<AppState>,
    reader: Reader,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<PriorityOut>>, ApiError> {
    let ws = reader.workspace_id;
    let params: PriorityParams = query::parse(raw.as_deref())?;
    let page = query::page("p", params.cursor.as_deref(), params.limit.as_deref())?;
    let filter = PriorityFilter {
        team_id: team_id(&state.store, ws, params.team.as_deref()).await?,
        owner_id: person_id(&state.store, ws, "owner", params.owner.as_deref()).await?,
        statuses: query::statuses(params.status.as_deref())?,
    };
    let rows = state.store.priorities_page(ws, &filter, page).await?;
    let (rows, next) = next_cursor("p", rows, page, |p| p.number.0);
    Ok(Json(Page {
        items: described(&state, ws, rows).await?,
        next_cursor: next,
    }))
}

/// One priority by its number.
#[utoipa::path(get, path = "/api/v1/priorities/{number}", tag = "read",
    params(("number" = i64, Path, description = "The priority's number, as in `#12`", minimum = 1)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The priority", body = PriorityOut),
        (status = 400, description = "Not a priority number", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 404, description = "No such priority in this workspace", body = ErrorBody),
    ))]
pub async fn get_priority(
    State(state): State<AppState>,
    reader: Reader,
    Path(number): Path<String>,
) -> Result<Json<PriorityOut>, ApiError> {
    let ws = reader.workspace_id;
    let n = number
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::bad_request("a priority's number is a whole number from 1"))?;
    let p = state
        .store
        .priority(ws, crate::domain::PriorityNumber(n))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no priority #{n} here")))?;
    let mut out = described(&state, ws, vec![p]).await?;
    out.pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("there is no priority #{n} here")))
}

/// The workspace's teams by creation, with their leads and members.
#[utoipa::path(get, path = "/api/v1/teams", tag = "read", params(TeamParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of teams", body = Page<TeamOut>),
        (status = 400, description = "A filter is unknown or its value is not valid", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
    ))]
pub async fn list_teams(
    State(state): State<AppState>,
    reader: Reader,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<TeamOut>>, ApiError> {
    let ws = reader.workspace_id;
    let params: TeamParams = query::parse(raw.as_deref())?;
    let page = query::page("t", params.cursor.as_deref(), params.limit.as_deref())?;
    let rows = state.store.teams_page(ws, page).await?;
    let (rows, next) = next_cursor("t", rows, page, |t| t.id);
    let mut items = Vec::with_capacity(rows.len());
    for t in rows {
        let people = state.store.members(ws, t.id).await?;
        items.push(TeamOut::new(t, people));
    }
    Ok(Json(Page {
        items,
        next_cursor: next,
    }))
}

/// The workspace's check-in cycles by creation, with who was asked and who answered.
#[utoipa::path(get, path = "/api/v1/cycles", tag = "read", params(CycleParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of cycles", body = Page<CycleOut>),
        (status = 400, description = "A filter is unknown or its value is not valid", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
    ))]
pub async fn list_cycles(
    State(state): State<AppState>,
    reader: Reader,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<CycleOut>>, ApiError> {
    let ws = reader.workspace_id;
    let params: CycleParams = query::parse(raw.as_deref())?;
    let page = query::page("c", params.cursor.as_deref(), params.limit.as_deref())?;
    let (from, to) = query::window(params.from.as_deref(), params.to.as_deref())?;
    let open = query::open_or_closed(params.state.as_deref())?;
    let filter = CycleFilter {
        team_id: team_id(&state.store, ws, params.team.as_deref()).await?,
        open,
        from,
        to,
    };
    let rows = state.store.cycles_page(ws, &filter, page).await?;
    let (rows, next) = next_cursor("c", rows, page, |c| c.id);
    Ok(Json(Page {
        items: rows.into_iter().map(CycleOut::from).collect(),
        next_cursor: next,
    }))
}

/// Every status update by when it was recorded: answers to check-ins and `status` commands.
#[utoipa::path(get, path = "/api/v1/checkins", tag = "read", params(CheckinParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of updates", body = Page<CheckinOut>),
        (status = 400, description = "A filter is unknown or its value is not valid", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
    ))]
pub async fn list_checkins(
    State(state): State<AppState>,
    reader: Reader,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<CheckinOut>>, ApiError> {
    let ws = reader.workspace_id;
    let params: CheckinParams = query::parse(raw.as_deref())?;
    let page = query::page("u", params.cursor.as_deref(), params.limit.as_deref())?;
    let (from, to) = query::window(params.from.as_deref(), params.to.as_deref())?;
    let filter = CheckinFilter {
        team_id: team_id(&state.store, ws, params.team.as_deref()).await?,
        author_id: person_id(&state.store, ws, "owner", params.owner.as_deref()).await?,
        priority_id: priority_id(&state.store, ws, params.priority.as_deref()).await?,
        statuses: query::statuses(params.status.as_deref())?,
        from,
        to,
    };
    let rows = state.store.checkins_page(ws, &filter, page).await?;
    let (rows, next) = next_cursor("u", rows, page, |u| u.id);
    Ok(Json(Page {
        items: rows.into_iter().map(CheckinOut::from).collect(),
        next_cursor: next,
    }))
}

/// Priorities with what they wait on and their flags as of now (UTC dates).
async fn described(
    state: &AppState,
    ws: i64,
    rows: Vec<Priority>,
) -> Result<Vec<PriorityOut>, ApiError> {
    let now = state.clock.now();
    let thresholds = state.store.drift_thresholds(ws).await?;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let moment = crate::reporting::drift::Moment::now(now, now.date_naive(), &thresholds);
    let mut assessed = crate::reporting::drift::assess(&state.store, ws, &rows, &moment).await?;
    let mut waits: HashMap<i64, Vec<i64>> = HashMap::new();
    for (id, number) in state.store.dependency_numbers(ws, &ids).await? {
        waits.entry(id).or_default().push(number);
    }
    Ok(rows
        .into_iter()
        .map(|p| {
            let depends_on = waits.remove(&p.id).unwrap_or_default();
            let a = assessed.remove(&p.id).unwrap_or_default();
            PriorityOut::new(p, depends_on, &a.reasons, a.score.value)
        })
        .collect())
}

/// A team filter's id; an unknown team is a mistake worth saying, not an empty list.
pub(super) async fn team_id(
    store: &Store,
    ws: i64,
    name: Option<&str>,
) -> Result<Option<i64>, ApiError> {
    let Some(name) = name else { return Ok(None) };
    let key = name
        .parse::<crate::domain::TeamName>()
        .map(|n| n.key())
        .map_err(|_| ApiError::bad_request("`team` is not a team name"))?;
    match store.team_by_name(ws, &key).await? {
        Some(t) => Ok(Some(t.id)),
        None => Err(ApiError::bad_request(format!(
            "there is no team called `{}`",
            name.chars().take(80).collect::<String>()
        ))),
    }
}

pub(super) async fn person_id(
    store: &Store,
    ws: i64,
    filter: &str,
    user_id: Option<&str>,
) -> Result<Option<i64>, ApiError> {
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    match store.person_by_user_id(ws, user_id).await? {
        Some(p) => Ok(Some(p.id)),
        None => Err(ApiError::bad_request(format!(
            "`{filter}` names nobody here: use a platform user id like U0123ABC"
        ))),
    }
}

pub(super) async fn priority_id(
    store: &Store,
    ws: i64,
    number: Option<&str>,
) -> Result<Option<i64>, ApiError> {
    let Some(text) = number else { return Ok(None) };
    let n = text
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::bad_request("`priority` is a priority's number, like 12"))?;
    match store.priority(ws, crate::domain::PriorityNumber(n)).await? {
        Some(p) => Ok(Some(p.id)),
        None => Err(ApiError::bad_request(format!(
            "there is no priority #{n} here"
        ))),
    }
}
