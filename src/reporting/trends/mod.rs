//! The dashboard's 12-week trends: participation, on-track share and drift per team and for
//! the organisation. Each closed cycle's figures are kept once (when its digest is built, or
//! on the dashboard's first look for cycles that closed before), so the page reads stored
//! counts rather than evaluating drift as of every past close. The arithmetic is in `series`.

mod series;

use chrono::{DateTime, NaiveDate, Utc};

use super::digest::{self, Digest};
use crate::store::{CycleFigures, CycleRow, Store, StoreError, TeamRow};

pub use series::{Measure, Tally, WEEKS, Week, team_series, total, week_start, weeks_ending};

/// What the dashboard draws: the organisation's series, then each team's, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Trends {
    pub weeks: Vec<NaiveDate>,
    pub organisation: Vec<Week>,
    pub teams: Vec<(String, Vec<Week>)>,
}

/// A closed cycle's figures from its digest (as of its close) and its on-time answers
/// (on track, all).
pub fn figures(cycle: &CycleRow, built: &Digest, (on_track, answers): (i64, i64)) -> CycleFigures {
    let (asked, away, answered) = built
        .participation
        .as_ref()
        .map(|p| (p.expected + p.away, p.away, p.checked_in))
        .unwrap_or_default();
    CycleFigures {
        cycle_id: cycle.id,
        team_id: cycle.team_id,
        closes_at: cycle.closes_at,
        asked: asked as i64,
        away: away as i64,
        answered: answered as i64,
        answers,
        on_track_answers: on_track,
        active: built.drift.active as i64,
        stalled: built.drift.stalled as i64,
    }
}

/// Keep a closed cycle's figures from the digest just built for it (first write wins).
pub async fn record(
    store: &Store,
    ws: i64,
    cycle: &CycleRow,
    built: &Digest,
) -> Result<(), StoreError> {
    let mix = store.answer_mix(ws, cycle.id).await?;
    store
        .save_cycle_figures(ws, &figures(cycle, built, mix))
        .await
}

/// Build the digest of a closed cycle as of its close, as its digest job does, and keep its
/// figures. For cycles that closed before figures were kept, or whose job has not run yet.
async fn backfill_one(store: &Store, ws: i64, cycle: &CycleRow) -> Result<(), StoreError> {
    let Some(team) = store.team(ws, cycle.team_id).await? else {
        return Ok(());
    };
    let as_of = DateTime::from_timestamp(cycle.closes_at, 0).unwrap_or_default();
    let built = digest::build(store, ws, &team, Some(cycle), as_of, false).await?;
    record(store, ws, cycle, &built).await
}

/// The workspace's trends over the `WEEKS` weeks ending with `now`'s, first keeping the
/// figures of any closed cycle in those weeks that lacks them (older ones are never needed).
pub async fn load(
    store: &Store,
    ws: i64,
    teams: &[TeamRow],
    now: DateTime<Utc>,
) -> Result<Trends, StoreError> {
    let weeks = weeks_ending(now);
    let (from, to) = (series::window_start(&weeks), now.timestamp());
    for cycle in store.cycles_without_figures(ws, from, to).await? {
        backfill_one(store, ws, &cycle).await?;
    }
    let figures = store.cycle_figures(ws, from, to).await?;
    let mut by_name: Vec<&TeamRow> = teams.iter().collect();
    by_name.sort_by_key(|t| (t.name.to_lowercase(), t.id));
    let team_series: Vec<(String, Vec<Week>)> = by_name
        .into_iter()
        .map(|t| {
            let own: Vec<CycleFigures> = figures
                .iter()
                .filter(|f| f.team_id == t.id)
                .copied()
                .collect();
            (t.name.clone(), team_series(&weeks, &own))
        })
        .collect();
    let all: Vec<&[Week]> = team_series.iter().map(|(_, s)| s.as_slice()).collect();
    Ok(Trends {
        organisation: total(&weeks, &all),
        teams: team_series,
        weeks,
    })
}
