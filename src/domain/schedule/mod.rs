//! Rhythm schedules: 5-field crontab with crontab's meaning, or a friendly `<days> HH:MM`,
//! firing at wall-clock time in a zone across daylight-saving changes.
//!
//! The `cron` crate does the calendar walk, but it numbers weekdays 1–7 from Sunday where
//! crontab numbers them 0–7 with 0 and 7 both Sunday, and it ANDs day-of-month with
//! day-of-week where crontab ORs them when both are restricted. So the day-of-week field is
//! translated to names, and the OR case becomes two schedules. The walk runs over naive local
//! time; mapping to instants applies the DST rules: a time that does not exist fires at the
//! next valid minute, a time that occurs twice fires once (the first time).
//!
//! Reading a schedule's text is in `parse`; this file holds the schedule and its walk.

mod days_off;
mod parse;

use std::fmt;

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

pub use days_off::{DaysOff, Firing};
pub use parse::ScheduleError;

#[derive(Clone)]
pub struct Schedule {
    text: String,
    friendly: Option<String>,
    crons: Vec<cron::Schedule>,
    /// Whether it can fire on a Saturday or a Sunday: a schedule that never does treats the
    /// weekend as days off when a holiday moves one of its firings.
    weekends: bool,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({:?})", self.text)
    }
}

impl Schedule {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// "Mondays at 09:00", or the crontab expression as written.
    pub fn describe(&self) -> String {
        self.friendly
            .clone()
            .unwrap_or_else(|| format!("`{}` (crontab)", self.text))
    }

    /// Whether it ever fires on a Saturday or a Sunday.
    pub fn fires_on_weekends(&self) -> bool {
        self.weekends
    }

    /// Wall-clock times strictly after `after`, in order, from every underlying schedule.
    fn local_candidates(&self, after: NaiveDateTime, n: usize) -> Vec<NaiveDateTime> {
        let start = Utc.from_utc_datetime(&after);
        let mut all: Vec<NaiveDateTime> = self
            .crons
            .iter()
            .flat_map(|c| {
                c.after(&start)
                    .take(n)
                    .map(|t| t.naive_utc())
                    .collect::<Vec<_>>()
            })
            .collect();
        all.sort();
        all.dedup();
        all.truncate(n);
        all
    }

    /// The next `n` firing instants strictly after `after`, at wall-clock time in `tz`.
    pub fn upcoming(&self, after: DateTime<Utc>, tz: Tz, n: usize) -> Vec<DateTime<Utc>> {
        // Start a little early: a wall-clock time just before `after` may map past it (DST).
        let local_after = after.with_timezone(&tz).naive_local() - Duration::hours(3);
        let mut out: Vec<DateTime<Utc>> = Vec::new();
        let mut cursor = local_after;
        while out.len() < n {
            let batch = self.local_candidates(cursor, n + 4);
            if batch.is_empty() {
                break;
            }
            for local in &batch {
                if let Some(at) = resolve(tz, *local)
                    && at > after
                    && !out.contains(&at)
                {
                    out.push(at);
                }
            }
            cursor = *batch.last().unwrap_or(&cursor);
        }
        out.sort();
        out.truncate(n);
        out
    }

    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        self.upcoming(after, tz, 1).into_iter().next()
    }

    /// The latest firing at or before `now` and at or after `not_before`: the one slot a
    /// scheduler catches up on after downtime, however many it missed.
    pub fn latest(
        &self,
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Option<DateTime<Utc>> {
        // Widening windows keep frequent schedules cheap and still find monthly or yearly ones.
        for days in [1, 8, 32, 370, 1500] {
            let from = (now - Duration::days(days)).max(not_before) - Duration::seconds(1);
            let mut best = None;
            let mut cursor = from;
            'walk: loop {
                let batch = self.upcoming(cursor, tz, 16);
                let Some(last) = batch.last().copied() else {
                    break;
                };
                for t in batch {
                    if t > now {
                        break 'walk;
                    }
                    best = Some(t);
                }
                cursor = last;
            }
            if best.is_some() || from < not_before {
                return best;
            }
        }
        None
    }
}

/// A wall-clock time in a zone as an instant: skipped times move to the next valid minute,
/// repeated times take the first occurrence.
pub fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let mut t = local;
    for _ in 0..(24 * 60) {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(dt) => return Some(dt.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => return Some(first.with_timezone(&Utc)),
            LocalResult::None => t += Duration::minutes(1),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(tz: Tz, times: &[DateTime<Utc>]) -> Vec<String> {
        times
            .iter()
            .map(|t| {
                t.with_timezone(&tz)
                    .format("%a %Y-%m-%d %H:%M %Z")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn crontab_weekday_numbers_mean_what_crontab_means() {
        let tz = Tz::UTC;
        let after = utc("2026-11-23T00:00:00Z"); // a Monday
        let monday: Schedule = "0 9 * * 1".parse().unwrap();
        assert_eq!(
            local(tz, &monday.upcoming(after, tz, 1)),
            ["Mon 2026-11-23 09:00 UTC"]
        );
        for sunday in ["0 9 * * 0", "0 9 * * 7", "0 9 * * SUN", "0 9 * * sun"] {
            let s: Schedule = sunday.parse().unwrap();
            assert_eq!(
                local(tz, &s.upcoming(after, tz, 1)),
                ["Sun 2026-11-29 09:00 UTC"],
                "{sunday}"
            );
        }
        let weekdays: Schedule = "30 8 * * 1-5".parse().unwrap();
        let got = local(tz, &weekdays.upcoming(after, tz, 6));
        assert_eq!(got[0], "Mon 2026-11-23 08:30 UTC");
        assert_eq!(got[4], "Fri 2026-11-27 08:30 UTC");
        assert_eq!(got[5], "Mon 2026-11-30 08:30 UTC");
        let fri_to_sun: Schedule = "0 18 * * 5-7".parse().unwrap();
        let got = local(tz, &fri_to_sun.upcoming(after, tz, 3));
        assert_eq!(
            got,
            [
                "Fri 2026-11-27 18:00 UTC",
                "Sat 2026-11-28 18:00 UTC",
                "Sun 2026-11-29 18:00 UTC"
            ]
        );
    }

    #[test]
    fn day_of_month_or_day_of_week_when_both_are_given() {
        let tz = Tz::UTC;
        // The 1st of the month, or any Friday.
        let s: Schedule = "0 9 1 * 5".parse().unwrap();
        let got = local(tz, &s.upcoming(utc("2026-11-23T00:00:00Z"), tz, 3));
        assert_eq!(
            got,
            [
                "Fri 2026-11-27 09:00 UTC",
                "Tue 2026-12-01 09:00 UTC",
                "Fri 2026-12-04 09:00 UTC"
            ]
        );
    }

    #[test]
    fn friendly_forms() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let after = utc("2026-11-23T12:00:00Z");
        let s: Schedule = "mon,thu 09:30".parse().unwrap();
        assert_eq!(s.describe(), "Mondays, Thursdays at 09:30");
        assert_eq!(
            local(tz, &s.upcoming(after, tz, 3)),
            [
                "Thu 2026-11-26 09:30 CET",
                "Mon 2026-11-30 09:30 CET",
                "Thu 2026-12-03 09:30 CET"
            ]
        );
        let d: Schedule = "daily 07:00".parse().unwrap();
        assert_eq!(
            local(tz, &d.upcoming(after, tz, 1)),
            ["Tue 2026-11-24 07:00 CET"]
        );
        let w: Schedule = "weekdays 17:00".parse().unwrap();
        assert_eq!(
            local(tz, &w.upcoming(utc("2026-11-27T17:00:00Z"), tz, 1)),
            ["Mon 2026-11-30 17:00 CET"]
        );
        assert!("Friday 16:00".parse::<Schedule>().is_ok());
    }

    #[test]
    fn bad_schedules_say_what_is_wrong() {
        assert!(matches!(
            "mon 25:00".parse::<Schedule>(),
            Err(ScheduleError::BadTime(_))
        ));
        assert!(matches!(
            "funday 09:00".parse::<Schedule>(),
            Err(ScheduleError::BadDay(_))
        ));
        assert!(matches!(
            "61 9 * * 1".parse::<Schedule>(),
            Err(ScheduleError::BadField {
                field: "minute",
                ..
            })
        ));
        assert!(matches!(
            "0 9 * * 8".parse::<Schedule>(),
            Err(ScheduleError::BadField {
                field: "day-of-week",
                ..
            })
        ));
        assert!(matches!(
            "0 9 32 * *".parse::<Schedule>(),
            Err(ScheduleError::BadField { .. })
        ));
        assert!(matches!(
            "whenever".parse::<Schedule>(),
            Err(ScheduleError::Unrecognised(_))
        ));
        assert!(matches!(
            "0 9 31 2 *".parse::<Schedule>(),
            Err(ScheduleError::Never(_))
        ));
    }

    #[test]
    fn wall_clock_holds_across_daylight_saving_in_berlin() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let s: Schedule = "sun 09:00".parse().unwrap();
        // Summer time ends on Sunday 2026-10-25.
        let got = s.upcoming(utc("2026-10-17T00:00:00Z"), tz, 2);
        assert_eq!(
            local(tz, &got),
            ["Sun 2026-10-18 09:00 CEST", "Sun 2026-10-25 09:00 CET"]
        );
        assert_eq!(got[0].to_rfc3339(), "2026-10-18T07:00:00+00:00");
        assert_eq!(got[1].to_rfc3339(), "2026-10-25T08:00:00+00:00");
    }

    #[test]
    fn a_skipped_time_fires_at_the_next_valid_minute_and_a_repeated_one_once() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // 2027-03-14: 02:00 → 03:00 in New York; 02:30 does not exist.
        let s: Schedule = "30 2 * * *".parse().unwrap();
        let got = s.upcoming(utc("2027-03-13T12:00:00Z"), ny, 2);
        assert_eq!(
            local(ny, &got),
            ["Sun 2027-03-14 03:00 EDT", "Mon 2027-03-15 02:30 EDT"]
        );
        // 2026-11-01: 01:30 happens twice in New York; it fires once.
        let s: Schedule = "30 1 * * *".parse().unwrap();
        let got = s.upcoming(utc("2026-10-31T12:00:00Z"), ny, 2);
        assert_eq!(
            local(ny, &got),
            ["Sun 2026-11-01 01:30 EDT", "Mon 2026-11-02 01:30 EST"]
        );
    }

    #[test]
    fn latest_catches_up_once_and_not_before_the_rhythm_existed() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let s: Schedule = "mon 09:00".parse().unwrap();
        let set = utc("2026-11-01T00:00:00Z");
        // Three Mondays missed: only the last counts.
        let got = s.latest(set, utc("2026-11-23T10:00:00Z"), tz).unwrap();
        assert_eq!(got, utc("2026-11-23T08:00:00Z"));
        // Exactly at the firing time counts.
        assert_eq!(
            s.latest(set, utc("2026-11-23T08:00:00Z"), tz),
            Some(utc("2026-11-23T08:00:00Z"))
        );
        // Nothing before the rhythm was set.
        assert_eq!(
            s.latest(utc("2026-11-23T09:00:00Z"), utc("2026-11-23T10:00:00Z"), tz),
            None
        );
        let every_minute: Schedule = "* * * * *".parse().unwrap();
        assert_eq!(
            every_minute.latest(set, utc("2026-11-23T10:00:30Z"), Tz::UTC),
            Some(utc("2026-11-23T10:00:00Z"))
        );
    }

    #[test]
    fn the_29th_of_february_waits_for_a_leap_year() {
        let tz = Tz::UTC;
        let s: Schedule = "0 9 29 2 *".parse().unwrap();
        let got = s.upcoming(utc("2026-11-23T00:00:00Z"), tz, 2);
        assert_eq!(
            local(tz, &got),
            ["Tue 2028-02-29 09:00 UTC", "Sun 2032-02-29 09:00 UTC"]
        );
    }
}
