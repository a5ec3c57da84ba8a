//! The weekly series behind the dashboard's trends, computed from kept cycle figures with no
//! store access, so the arithmetic (weeks, gaps, weighting) is tested on its own.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::store::CycleFigures;

/// How many weeks a trend covers, the current one included.
pub const WEEKS: usize = 12;

/// Counts summed over the cycles of one week. Percentages are derived from the counts, so an
/// organisation's week weighs each team by its size rather than averaging team percentages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cycles that closed in the week.
    pub cycles: i64,
    /// Owners asked who were not away, and those of them who answered on time.
    pub expected: i64,
    pub answered: i64,
    /// On-time answers, and those saying on track.
    pub answers: i64,
    pub on_track: i64,
    /// Active and stalled priorities at each team's last close of the week.
    pub active: i64,
    pub stalled: i64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.cycles += other.cycles;
        self.expected += other.expected;
        self.answered += other.answered;
        self.answers += other.answers;
        self.on_track += other.on_track;
        self.active += other.active;
        self.stalled += other.stalled;
    }
}

/// One ISO week (Monday-start, UTC) of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    pub start: NaiveDate,
    pub tally: Tally,
}

/// The three figures a trend draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Participation,
    OnTrack,
    Drift,
}

impl Measure {
    pub const ALL: [Measure; 3] = [Measure::Participation, Measure::OnTrack, Measure::Drift];

    pub fn label(self) -> &'static str {
        match self {
            Measure::Participation => "participation",
            Measure::OnTrack => "on track",
            Measure::Drift => "drift",
        }
    }
}

impl Week {
    /// The measure in % (unrounded, for drawing), or `None` when the week had nothing to
    /// measure: no cycle closed, nobody was expected, no answer, no active priority. A gap is
    /// drawn as a break in the line, never as zero.
    pub fn value(&self, m: Measure) -> Option<f64> {
        let (part, whole) = match m {
            Measure::Participation => (self.tally.answered, self.tally.expected),
            Measure::OnTrack => (self.tally.on_track, self.tally.answers),
            Measure::Drift => (self.tally.stalled, self.tally.active),
        };
        (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
    }

    /// The measure in whole %, rounded half up as the digests round.
    pub fn percent(&self, m: Measure) -> Option<u32> {
        self.value(m).map(|v| (v + 0.5).floor() as u32)
    }
}

/// Monday of the ISO week `t` falls in, in UTC.
pub fn week_start(t: DateTime<Utc>) -> NaiveDate {
    let day = t.date_naive();
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The Mondays of the `WEEKS` weeks ending with the one `now` falls in, oldest first.
pub fn weeks_ending(now: DateTime<Utc>) -> Vec<NaiveDate> {
    let last = week_start(now);
    (0..WEEKS)
        .rev()
        .map(|back| last - Duration::weeks(back as i64))
        .collect()
}

/// The first second of the oldest week shown: the window starts there and ends at `now`.
pub fn window_start(weeks: &[NaiveDate]) -> i64 {
    weeks
        .first()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0)
}

/// Which of `weeks` a close falls in, if any.
fn week_of(weeks: &[NaiveDate], closes_at: i64) -> Option<usize> {
    let start = week_start(DateTime::from_timestamp(closes_at, 0)?);
    weeks.iter().position(|w| *w == start)
}

/// One team's series from its cycles' figures (any order). Participation and answers sum over
/// every cycle that closed in the week; drift is the team's state at its last close that
/// week, since priorities carry over from one cycle to the next and summing would count them
/// twice.
pub fn team_series(weeks: &[NaiveDate], figures: &[CycleFigures]) -> Vec<Week> {
    let mut out: Vec<Week> = weeks
        .iter()
        .map(|start| Week {
            start: *start,
            tally: Tally::default(),
        })
        .collect();
    let mut last_close: Vec<Option<(i64, i64)>> = vec![None; weeks.len()];
    for f in figures {
        let Some(i) = week_of(weeks, f.closes_at) else {
            continue;
        };
        let t = &mut out[i].tally;
        t.cycles += 1;
        t.expected += f.asked - f.away;
        t.answered += f.answered;
        t.answers += f.answers;
        t.on_track += f.on_track_answers;
        let key = (f.closes_at, f.cycle_id);
        if last_close[i].is_none_or(|k| key > k) {
            last_close[i] = Some(key);
            t.active = f.active;
            t.stalled = f.stalled;
        }
    }
    out
}

/// The organisation's series: every team's counts added week by week.
pub fn total(weeks: &[NaiveDate], teams: &[&[Week]]) -> Vec<Week> {
    weeks
        .iter()
        .enumerate()
        .map(|(i, start)| {
            let mut tally = Tally::default();
            for series in teams {
                if let Some(w) = series.get(i) {
                    tally.add(&w.tally);
                }
            }
            Week {
                start: *start,
                tally,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "series_tests.rs"]
mod tests;
