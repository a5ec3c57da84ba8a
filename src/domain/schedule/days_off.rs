//! Days off: a firing whose local date is one of a team's holidays fires instead at the same
//! wall-clock time on the next working day, in the same zone (so across a daylight-saving change
//! the instant shifts with the offset). The next working day is the next date that is no holiday
//! and, for a schedule that never fires on a Saturday or a Sunday, no weekend day.
//!
//! A held firing is dropped when the schedule fires again at or before the moved time: the later
//! firing serves instead (a daily check-in over a three-day holiday opens one cycle, on the first
//! working day). So of a run of held firings only the last can survive, which keeps the walk
//! short however long the holiday.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{Schedule, resolve};

/// How far ahead a working day is looked for; a team off for longer is simply not asked.
const LOOK_AHEAD_DAYS: i64 = 400;

/// A team's holidays: inclusive date ranges with their names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaysOff {
    holidays: Vec<(NaiveDate, NaiveDate, String)>,
}

/// When a scheduled firing actually fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    /// The schedule's own time: what names the cycle (its slot).
    pub slot: DateTime<Utc>,
    /// When it fires: `slot`, or the same wall-clock time on the next working day.
    pub at: DateTime<Utc>,
    /// The holiday that moved it, if one did.
    pub holiday: Option<String>,
}

impl Firing {
    pub fn moved(&self) -> bool {
        self.at != self.slot
    }
}

impl DaysOff {
    /// `(first, last, name)` ranges, both days included.
    pub fn new(holidays: impl IntoIterator<Item = (NaiveDate, NaiveDate, String)>) -> Self {
        DaysOff {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// The holidays as `(first, last, name)`, in the order given.
    pub fn ranges(&self) -> &[(NaiveDate, NaiveDate, String)] {
        &self.holidays
    }

    pub fn is_empty(&self) -> bool {
        self.holidays.is_empty()
    }

    /// The name of the holiday on `day`, if it is one.
    pub fn holiday(&self, day: NaiveDate) -> Option<&str> {
        self.holidays
            .iter()
            .find(|(first, last, _)| *first <= day && day <= *last)
            .map(|(_, _, name)| name.as_str())
    }

    fn is_off(&self, day: NaiveDate, weekends_off: bool) -> bool {
        use chrono::{Datelike, Weekday};
        (weekends_off && matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
            || self.holiday(day).is_some()
    }

    /// The first working day after `day`.
    pub fn next_working_day(&self, day: NaiveDate, weekends_off: bool) -> Option<NaiveDate> {
        (1..=LOOK_AHEAD_DAYS)
            .map(|n| day + Duration::days(n))
            .find(|d| !self.is_off(*d, weekends_off))
    }
}

impl Schedule {
    /// When the firing scheduled at `slot` fires, with `off` applied in `tz`; `None` when a
    /// holiday holds it and the schedule's next firing serves instead.
    pub fn firing(&self, slot: DateTime<Utc>, tz: Tz, off: &DaysOff) -> Option<Firing> {
        let local = slot.with_timezone(&tz).naive_local();
        let Some(name) = off.holiday(local.date()) else {
            return Some(Firing {
                slot,
                at: slot,
                holiday: None,
            });
        };
        let day = off.next_working_day(local.date(), !self.weekends)?;
        let at = resolve(tz, day.and_time(local.time()))?;
        if self.next_after(slot, tz).is_some_and(|next| next <= at) {
            return None;
        }
        Some(Firing {
            slot,
            at,
            holiday: Some(name.to_string()),
        })
    }

    /// The next `n` firings strictly after `after`, holidays applied, in order. A firing held
    /// from before `after` to after it counts.
    pub fn firings_after(
        &self,
        after: DateTime<Utc>,
        tz: Tz,
        off: &DaysOff,
        n: usize,
    ) -> Vec<Firing> {
        if off.is_empty() {
            return self
                .upcoming(after, tz, n)
                .into_iter()
                .map(|at| Firing {
                    slot: at,
                    at,
                    holiday: None,
                })
                .collect();
        }
        let mut out: Vec<Firing> = self
            .latest(after - Duration::days(LOOK_AHEAD_DAYS), after, tz)
            .and_then(|slot| self.firing(slot, tz, off))
            .filter(|f| f.at > after)
            .into_iter()
            .collect();
        let mut cursor = after;
        // Each step passes at least one firing: a bound against a schedule held for ever.
        for _ in 0..(n * 4 + 16) {
            if out.len() >= n {
                break;
            }
            let Some(slot) = self.next_after(cursor, tz) else {
                break;
            };
            let last = self.last_held_before_working_day(slot, tz, off);
            out.extend(self.firing(last, tz, off));
            cursor = last;
        }
        out.truncate(n);
        out
    }

    /// `slot` itself unless a holiday holds it; then the schedule's last firing before the
    /// next working day (the only one of the run that can survive).
    fn last_held_before_working_day(
        &self,
        slot: DateTime<Utc>,
        tz: Tz,
        off: &DaysOff,
    ) -> DateTime<Utc> {
        let day = slot.with_timezone(&tz).date_naive();
        if off.holiday(day).is_none() {
            return slot;
        }
        off.next_working_day(day, !self.weekends)
            .and_then(|working| working.and_hms_opt(0, 0, 0))
            .and_then(|midnight| resolve(tz, midnight))
            .and_then(|start| self.latest(slot, start - Duration::seconds(1), tz))
            .unwrap_or(slot)
    }

    /// The latest firing at or before `now` (holidays applied) whose time is at or after
    /// `not_before`: what a scheduler opens, once, catching up after downtime. `None` while
    /// the latest scheduled firing is held for a working day still ahead (or dropped).
    pub fn latest_firing(
        &self,
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
        tz: Tz,
        off: &DaysOff,
    ) -> Option<Firing> {
        if off.is_empty() {
            return self.latest(not_before, now, tz).map(|at| Firing {
                slot: at,
                at,
                holiday: None,
            });
        }
        let slot = self.latest_slot(not_before, now, tz)?;
        self.firing(slot, tz, off)
            .filter(|f| f.at <= now && f.at >= not_before)
    }

    /// The latest scheduled time at or before `now` that may fire at or after `not_before`:
    /// one held from before `not_before` by a holiday may.
    pub fn latest_slot(
        &self,
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Option<DateTime<Utc>> {
        self.latest(not_before - Duration::days(LOOK_AHEAD_DAYS), now, tz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn off(ranges: &[(&str, &str, &str)]) -> DaysOff {
        DaysOff::new(
            ranges
                .iter()
                .map(|(a, b, n)| (day(a), day(b), n.to_string())),
        )
    }

    fn local(tz: Tz, firings: &[Firing]) -> Vec<String> {
        firings
            .iter()
            .map(|f| {
                f.at.with_timezone(&tz)
                    .format("%a %Y-%m-%d %H:%M %Z")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_monday_holiday_moves_the_checkin_to_tuesday_at_the_same_local_time() {
        for (zone, nine_utc, moved_utc) in [
            (
                "Europe/Berlin",
                "2026-12-07T08:00:00Z",
                "2026-12-08T08:00:00Z",
            ),
            (
                "America/New_York",
                "2026-12-07T14:00:00Z",
                "2026-12-08T14:00:00Z",
            ),
        ] {
            let tz: Tz = zone.parse().unwrap();
            let s: Schedule = "mon 09:00".parse().unwrap();
            let days = off(&[("2026-12-07", "2026-12-07", "Team day")]);
            let got = s.firings_after(utc("2026-12-01T00:00:00Z"), tz, &days, 2);
            assert_eq!(got[0].slot, utc(nine_utc), "{zone}");
            assert_eq!(got[0].at, utc(moved_utc), "{zone}");
            assert_eq!(got[0].holiday.as_deref(), Some("Team day"));
            assert!(!got[1].moved());
            // The scheduler opens it on Tuesday, not before.
            let set = utc("2026-11-01T00:00:00Z");
            let monday = utc(nine_utc) + Duration::hours(2);
            assert_eq!(s.latest_firing(set, monday, tz, &days), None, "{zone}");
            let tuesday = utc(moved_utc);
            let f = s.latest_firing(set, tuesday, tz, &days).unwrap();
            assert_eq!((f.slot, f.at), (utc(nine_utc), tuesday), "{zone}");
        }
    }

    #[test]
    fn a_held_firing_keeps_its_wall_clock_time_across_daylight_saving() {
        // Berlin leaves summer time on Sunday 2026-10-25: Friday 23 Oct 09:00 is 07:00 UTC,
        // the Monday it moves to is 08:00 UTC.
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let fri: Schedule = "fri 09:00".parse().unwrap();
        let days = off(&[("2026-10-23", "2026-10-23", "Bridge day")]);
        let f = fri
            .firings_after(utc("2026-10-20T00:00:00Z"), berlin, &days, 1)
            .remove(0);
        assert_eq!(f.slot, utc("2026-10-23T07:00:00Z"));
        assert_eq!(f.at, utc("2026-10-26T08:00:00Z"));
        // New York on 1 Nov 2026: Friday 30 Oct 09:00 EDT → Monday 2 Nov 09:00 EST.
        let ny: Tz = "America/New_York".parse().unwrap();
        let days = off(&[("2026-10-30", "2026-10-30", "Offsite")]);
        let f = fri
            .firings_after(utc("2026-10-27T00:00:00Z"), ny, &days, 1)
            .remove(0);
        assert_eq!(f.slot, utc("2026-10-30T13:00:00Z"));
        assert_eq!(f.at, utc("2026-11-02T14:00:00Z"));
        // A schedule that fires on weekends moves to Sunday, across the change too.
        let sat: Schedule = "sat 09:00".parse().unwrap();
        let days = off(&[("2026-10-24", "2026-10-24", "Away day")]);
        let f = sat
            .firings_after(utc("2026-10-20T00:00:00Z"), berlin, &days, 1)
            .remove(0);
        assert_eq!(f.at, utc("2026-10-25T08:00:00Z"));
        assert_eq!(
            local(berlin, &[f]),
            ["Sun 2026-10-25 09:00 CET"],
            "same wall-clock time, the new offset"
        );
    }

    #[test]
    fn weekends_are_days_off_only_for_a_schedule_that_never_fires_on_them() {
        let tz = Tz::UTC;
        let days = off(&[("2026-12-24", "2026-12-26", "Christmas")]);
        // Thursday 24 Dec: a Thursday schedule goes to Monday 28th (Fri 25, Sat 26 are
        // holidays and Sunday is a weekend day).
        let thu: Schedule = "thu 09:00".parse().unwrap();
        let got = thu.firings_after(utc("2026-12-20T00:00:00Z"), tz, &days, 2);
        assert_eq!(
            local(tz, &got),
            ["Mon 2026-12-28 09:00 UTC", "Thu 2026-12-31 09:00 UTC"]
        );
        // A daily schedule fires on Sundays: the three held firings become one, on Sunday.
        let daily: Schedule = "daily 09:00".parse().unwrap();
        let got = daily.firings_after(utc("2026-12-23T12:00:00Z"), tz, &days, 2);
        assert_eq!(
            local(tz, &got),
            ["Sun 2026-12-27 09:00 UTC", "Mon 2026-12-28 09:00 UTC"]
        );
        assert!(got.iter().all(|f| !f.moved()), "the regular firing serves");
        assert_eq!(
            daily.latest_firing(
                utc("2026-12-01T00:00:00Z"),
                utc("2026-12-25T12:00:00Z"),
                tz,
                &days
            ),
            None
        );
        // A weekday schedule held on Friday meets Monday's own firing: dropped.
        let weekdays: Schedule = "weekdays 09:00".parse().unwrap();
        let friday = off(&[("2027-01-01", "2027-01-01", "New Year")]);
        let got = weekdays.firings_after(utc("2026-12-31T12:00:00Z"), tz, &friday, 1);
        assert_eq!(local(tz, &got), ["Mon 2027-01-04 09:00 UTC"]);
    }

    #[test]
    fn a_firing_held_before_now_is_still_ahead() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let s: Schedule = "mon 09:00".parse().unwrap();
        let days = off(&[("2026-12-07", "2026-12-07", "Team day")]);
        // Monday noon: the Monday firing is held for Tuesday, which is next.
        let got = s.firings_after(utc("2026-12-07T11:00:00Z"), tz, &days, 1);
        assert_eq!(got[0].at, utc("2026-12-08T08:00:00Z"));
        // A rhythm set on the holiday itself still opens on Tuesday.
        let f = s.latest_firing(
            utc("2026-12-07T11:00:00Z"),
            utc("2026-12-08T08:00:00Z"),
            tz,
            &days,
        );
        assert_eq!(f.map(|f| f.at), Some(utc("2026-12-08T08:00:00Z")));
    }

    #[test]
    fn without_holidays_nothing_moves() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let s: Schedule = "mon 09:00".parse().unwrap();
        let after = utc("2026-11-23T12:00:00Z");
        let plain: Vec<DateTime<Utc>> = s
            .firings_after(after, tz, &DaysOff::default(), 3)
            .iter()
            .map(|f| f.at)
            .collect();
        assert_eq!(plain, s.upcoming(after, tz, 3));
        let other_days = off(&[("2026-12-01", "2026-12-03", "Elsewhere")]);
        let with: Vec<DateTime<Utc>> = s
            .firings_after(after, tz, &other_days, 3)
            .iter()
            .map(|f| f.at)
            .collect();
        assert_eq!(with, plain);
    }
}
