use chrono::{NaiveDate, TimeZone, Utc};

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn at(y: i32, m: u32, d: u32, h: u32) -> i64 {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("a time")
        .timestamp()
}

fn figures(cycle_id: i64, closes_at: i64) -> CycleFigures {
    CycleFigures {
        cycle_id,
        team_id: 1,
        closes_at,
        asked: 4,
        away: 1,
        answered: 2,
        answers: 4,
        on_track_answers: 3,
        active: 10,
        stalled: 2,
    }
}

#[test]
fn weeks_are_mondays_ending_with_the_current_week_across_a_year_boundary() {
    // Wednesday 13 January 2027: its week starts Monday 11 January.
    let now = Utc.with_ymd_and_hms(2027, 1, 13, 9, 30, 0).unwrap();
    let weeks = weeks_ending(now);
    assert_eq!(weeks.len(), WEEKS);
    assert_eq!(weeks[11], date(2027, 1, 11));
    assert_eq!(weeks[10], date(2027, 1, 4));
    assert_eq!(
        weeks[9],
        date(2026, 12, 28),
        "the ISO week spanning new year"
    );
    assert_eq!(weeks[0], date(2026, 10, 26));
    assert_eq!(window_start(&weeks), at(2026, 10, 26, 0));
    // A Sunday late in the evening is still the week before.
    let sunday = Utc.with_ymd_and_hms(2027, 1, 3, 23, 59, 59).unwrap();
    assert_eq!(week_start(sunday), date(2026, 12, 28));
}

#[test]
fn a_close_on_new_years_day_counts_in_the_week_that_began_in_december() {
    let now = Utc.with_ymd_and_hms(2027, 1, 13, 9, 0, 0).unwrap();
    let weeks = weeks_ending(now);
    let s = team_series(&weeks, &[figures(1, at(2027, 1, 1, 16))]);
    assert_eq!(s[9].start, date(2026, 12, 28));
    assert_eq!(s[9].tally.cycles, 1);
    assert_eq!(s.iter().map(|w| w.tally.cycles).sum::<i64>(), 1);
}

#[test]
fn weeks_without_a_close_are_gaps_not_zero() {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let weeks = weeks_ending(now);
    let s = team_series(&weeks, &[figures(1, at(2026, 11, 27, 16))]);
    for m in Measure::ALL {
        assert_eq!(s[11].value(m), None, "{m:?} this week");
        assert!(s[10].value(m).is_some(), "{m:?} last week");
        assert_eq!(s[0].value(m), None);
    }
    assert_eq!(
        s[10].percent(Measure::Participation),
        Some(67),
        "2 of 3 not away"
    );
    assert_eq!(s[10].percent(Measure::OnTrack), Some(75));
    assert_eq!(s[10].percent(Measure::Drift), Some(20));
}

#[test]
fn nothing_to_measure_is_a_gap_too() {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let weeks = weeks_ending(now);
    // A roll-up cycle asks nobody; its team has no active priority of its own.
    let rollup = CycleFigures {
        cycle_id: 1,
        team_id: 1,
        closes_at: at(2026, 11, 27, 16),
        ..Default::default()
    };
    let s = team_series(&weeks, &[rollup]);
    assert_eq!(s[10].tally.cycles, 1);
    for m in Measure::ALL {
        assert_eq!(s[10].value(m), None, "{m:?}");
    }
}

#[test]
fn answers_add_up_over_a_weeks_cycles_and_drift_is_the_last_close() {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let weeks = weeks_ending(now);
    let tuesday = CycleFigures {
        active: 8,
        stalled: 4,
        ..figures(7, at(2026, 11, 24, 16))
    };
    let friday = CycleFigures {
        answered: 3,
        on_track_answers: 1,
        ..figures(8, at(2026, 11, 27, 16))
    };
    // Given newest first: order does not matter.
    let s = team_series(&weeks, &[friday, tuesday]);
    let t = s[10].tally;
    assert_eq!((t.cycles, t.expected, t.answered), (2, 6, 5));
    assert_eq!((t.answers, t.on_track), (8, 4));
    assert_eq!(
        (t.active, t.stalled),
        (10, 2),
        "Friday's close, not Tuesday's"
    );
}

#[test]
fn the_organisation_weighs_teams_by_their_counts() {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let weeks = weeks_ending(now);
    let close = at(2026, 11, 27, 16);
    // A small team fully on track (1 of 1), a big one mostly not (2 of 9).
    let small = team_series(
        &weeks,
        &[CycleFigures {
            answers: 1,
            on_track_answers: 1,
            active: 1,
            stalled: 0,
            ..figures(1, close)
        }],
    );
    let big = team_series(
        &weeks,
        &[CycleFigures {
            answers: 9,
            on_track_answers: 2,
            active: 9,
            stalled: 6,
            ..figures(2, close)
        }],
    );
    let only_earlier = team_series(&weeks, &[figures(3, at(2026, 11, 20, 16))]);
    let org = total(&weeks, &[&small, &big, &only_earlier]);
    // (1 + 2) / (1 + 9) = 30%, not the mean of 100% and 22%.
    assert_eq!(org[10].percent(Measure::OnTrack), Some(30));
    assert_eq!(org[10].percent(Measure::Drift), Some(60));
    assert_eq!(org[10].tally.cycles, 2);
    assert_eq!(org[9].tally.cycles, 1);
    assert_eq!(org[9].percent(Measure::Drift), Some(20));
    assert_eq!(org[11].value(Measure::Drift), None);
}

#[test]
fn percentages_round_half_up() {
    let week = Week {
        start: date(2026, 11, 23),
        tally: Tally {
            cycles: 1,
            expected: 8,
            answered: 1,
            answers: 3,
            on_track: 2,
            active: 200,
            stalled: 1,
        },
    };
    assert_eq!(week.percent(Measure::Participation), Some(13), "12.5");
    assert_eq!(week.percent(Measure::OnTrack), Some(67));
    assert_eq!(week.percent(Measure::Drift), Some(1), "0.5");
}
