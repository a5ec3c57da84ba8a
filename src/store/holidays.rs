//! A team's holidays: added (never overlapping another of the team's), listed, removed, and
//! read by the scheduler as the days off that move its firings.

use chrono::NaiveDate;

use super::{CycleRow, Result, Store};
use crate::domain::holiday::{DayRange, HolidayName, MAX_UPCOMING, parse_day};
use crate::domain::schedule::DaysOff;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HolidayRow {
    pub id: i64,
    pub team_id: i64,
    pub first_day: String,
    pub last_day: String,
    pub name: String,
}

impl HolidayRow {
    /// The stored days (written by [`Store::add_holiday`] from a checked range).
    pub fn range(&self) -> Option<DayRange> {
        let (first, last) = (
            parse_day(&self.first_day).ok()?,
            parse_day(&self.last_day).ok()?,
        );
        Some(DayRange { first, last })
    }
}

/// What adding a holiday did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    Added,
    /// The team already has a holiday on exactly these days: nothing changed.
    AlreadyThere(HolidayRow),
    /// It overlaps this holiday of the team's: nothing changed.
    Overlaps(HolidayRow),
    /// The team has [`MAX_UPCOMING`] holidays ahead already.
    TooMany,
}

/// A holiday to add: to which team, which days, its name, and who added it (none when imported).
#[derive(Debug, Clone, Copy)]
pub struct NewHoliday<'a> {
    pub team_id: i64,
    pub days: DayRange,
    pub name: &'a HolidayName,
    pub by: Option<i64>,
}

const COLUMNS: &str = "id, team_id, first_day, last_day, name";

impl Store {
    /// Add a holiday to a team unless it overlaps one the team has, or the team has too many
    /// ahead of `today`; one transaction, so a refused one leaves nothing behind.
    pub async fn add_holiday(
        &self,
        ws: i64,
        h: &NewHoliday<'_>,
        today: NaiveDate,
        now: i64,
    ) -> Result<Added> {
        let NewHoliday {
            team_id,
            days,
            name,
            by,
        } = *h;
        let (first, last) = (days.first.to_string(), days.last.to_string());
        let mut tx = self.pool.begin().await?;
        let clash: Option<HolidayRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM holidays
             WHERE workspace_id = $1 AND team_id = $2 AND first_day <= $3 AND last_day >= $4
             ORDER BY first_day LIMIT 1"
        ))
        .bind(ws)
        .bind(team_id)
        .bind(&last)
        .bind(&first)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(h) = clash {
            return Ok(if h.first_day == first && h.last_day == last {
                Added::AlreadyThere(h)
            } else {
                Added::Overlaps(h)
            });
        }
        let ahead: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM holidays WHERE workspace_id = $1 AND team_id = $2 AND last_day >= $3",
        )
        .bind(ws)
        .bind(team_id)
        .bind(today.to_string())
        .fetch_one(&mut *tx)
        .await?;
        if ahead >= MAX_UPCOMING {
            return Ok(Added::TooMany);
        }
        sqlx::query(
            "INSERT INTO holidays (workspace_id, team_id, first_day, last_day, name, added_by, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (team_id, first_day) DO NOTHING",
        )
        .bind(ws)
        .bind(team_id)
        .bind(&first)
        .bind(&last)
        .bind(name.as_str())
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Added::Added)
    }

    /// The team's holidays that end on or after `from`, in date order.
    pub async fn holidays(
        &self,
        ws: i64,
        team_id: i64,
        from: NaiveDate,
    ) -> Result<Vec<HolidayRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM holidays WHERE workspace_id = $1 AND team_id = $2 AND last_day >= $3
             ORDER BY first_day"
        ))
        .bind(ws)
        .bind(team_id)
        .bind(from.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    /// The team's days off from `from` on, as the schedule reads them.
    pub async fn days_off(&self, ws: i64, team_id: i64, from: NaiveDate) -> Result<DaysOff> {
        let rows = self.holidays(ws, team_id, from).await?;
        Ok(DaysOff::new(rows.into_iter().filter_map(|h| {
            let r = h.range()?;
            Some((r.first, r.last, h.name))
        })))
    }

    /// Remove the team's holiday that covers `day`; the removed one, if there was one.
    pub async fn remove_holiday(
        &self,
        ws: i64,
        team_id: i64,
        day: NaiveDate,
    ) -> Result<Option<HolidayRow>> {
        Ok(sqlx::query_as(&format!(
            "DELETE FROM holidays
             WHERE workspace_id = $1 AND team_id = $2 AND first_day <= $3 AND last_day >= $3
             RETURNING {COLUMNS}"
        ))
        .bind(ws)
        .bind(team_id)
        .bind(day.to_string())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The team's open cycles, whose close a change of its holidays may move.
    pub async fn open_cycles_of_team(&self, ws: i64, team_id: i64) -> Result<Vec<CycleRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM cycles c WHERE c.workspace_id = $1 AND c.team_id = $2 AND c.state = 'open'
             ORDER BY c.opens_at",
            Self::cycle_columns("c.")
        ))
        .bind(ws)
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Move an open cycle's close (and so its digest); `false` if it has closed meanwhile.
    pub async fn move_close(&self, ws: i64, cycle_id: i64, closes_at: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE cycles SET closes_at = $1 WHERE workspace_id = $2 AND id = $3 AND state = 'open'",
        )
        .bind(closes_at)
        .bind(ws)
        .bind(cycle_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
