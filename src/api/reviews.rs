//! The read API's routes for leaders' reviews: decisions and raised items, listed like the
//! other resources (one workspace, a stable order, a keyset cursor).

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::Reader;
use super::error::{ApiError, ErrorBody};
use super::model::{DecisionOut, Page, RaisedOut};
use super::query::{self, next_cursor};
use super::resources::{person_id, priority_id, team_id};
use crate::startup::AppState;
use crate::store::{DecisionFilter, RaisedFilter};

/// Filters of `GET /api/v1/decisions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionParams {
    /// A team's name (any case): decisions on its priorities, or that closed an item raised to
    /// it.
    team: Option<String>,
    /// A priority's number.
    #[param(value_type = Option<i64>, minimum = 1)]
    priority: Option<String>,
    /// The follow-up owner's platform user id, like `U0123ABC`.
    owner: Option<String>,
    /// `true`: only decisions whose follow-up is not done yet; `false`: only those without one
    /// open (none, or done).
    #[param(value_type = Option<bool>)]
    open: Option<String>,
    /// Taken at or after: a date (UTC) or an RFC 3339 time.
    from: Option<String>,
    /// Taken before: an RFC 3339 time, or a date (UTC), whose whole day counts.
    to: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// Filters of `GET /api/v1/raised`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RaisedParams {
    /// The name of the team raised to (any case).
    team: Option<String>,
    /// A priority's number.
    #[param(value_type = Option<i64>, minimum = 1)]
    priority: Option<String>,
    /// `open` (no decision has closed it yet) or `closed`.
    state: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// Every decision by when it was taken, with who took it and its follow-up.
#[utoipa::path(get, path = "/api/v1/decisions", tag = "read", params(DecisionParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of decisions", body = Page<DecisionOut>),
        (status = 400, description = "A filter is unknown or its value is not valid", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
    ))]
pub async fn list_decisions(
    State(state): State<AppState>,
    reader: Reader,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<DecisionOut>>, ApiError> {
    let ws = reader.workspace_id;
    let params: DecisionParams = query::parse(raw.as_deref())?;
    let page = query::page("d", params.cursor.as_deref(), params.limit.as_deref())?;
    let (from, to) = query::window(params.from.as_deref(), params.to.as_deref())?;
    let open = match params.open.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::bad_request("`open` is `true` or `false`")),
    };
    let filter = DecisionFilter {
        team_id: team_id(&state.store, ws, params.team.as_deref()).await?,
        priority_id: priority_id(&state.store, ws, params.priority.as_deref()).await?,
        owner_id: person_id(&state.store, ws, "owner", params.owner.as_deref()).await?,
        open,
        from,
        to,
    };
    let rows = state.store.decisions_page(ws, &filter, page).await?;
    let (rows, next) = next_cursor("d", rows, page, |d| d.id);
    Ok(Json(Page {
        items: rows.into_iter().map(DecisionOut::from).collect(),
        next_cursor: next,
    }))
}

/// Every priority raised to a parent team by when it was raised, open and closed.
#[utoipa::path(get, path = "/api/v1/raised", tag = "read", params(RaisedParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of raised items", body = Page<RaisedOut>),
        (status = 400, description = "A filter is unknown or its value is not valid", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
    ))]
pub async fn list_raised(
    State(state): State<AppState>,
    reader: Reader,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<RaisedOut>>, ApiError> {
    let ws = reader.workspace_id;
    let params: RaisedParams = query::parse(raw.as_deref())?;
    let page = query::page("r", params.cursor.as_deref(), params.limit.as_deref())?;
    let open = query::open_or_closed(params.state.as_deref())?;
    let filter = RaisedFilter {
        team_id: team_id(&state.store, ws, params.team.as_deref()).await?,
        from_team_id: None,
        priority_id: priority_id(&state.store, ws, params.priority.as_deref()).await?,
        open,
    };
    let rows = state.store.raised_page(ws, &filter, page).await?;
    let (rows, next) = next_cursor("r", rows, page, |r| r.id);
    Ok(Json(Page {
        items: rows.into_iter().map(RaisedOut::from).collect(),
        next_cursor: next,
    }))
}
