//! Reading days off from an iCalendar file (`pacer holidays import`): each VEVENT becomes a
//! holiday named by its SUMMARY. All-day events (`DTSTART;VALUE=DATE`) cover their dates up to
//! the exclusive DTEND; timed events cover the dates they touch in the team's zone. Events that
//! repeat (RRULE) are not expanded: they are counted and left out, and so are those that
//! cannot be read or are longer than a holiday may be.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarComponent, CalendarDateTime, Component, DatePerhapsTime};

use crate::domain::holiday::{DayRange, HolidayError, HolidayName};
use crate::domain::schedule::resolve;

/// What a calendar file holds, as holidays.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Holidays {
    pub events: Vec<(DayRange, HolidayName)>,
    /// Events with an RRULE, left out.
    pub recurring: usize,
    /// Events without a readable start, or spanning more than a holiday may.
    pub unreadable: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("not an iCalendar file: {0}")]
pub struct NotACalendar(String);

/// The holidays in `text`, dates of timed events taken in `zone`.
pub fn holidays(text: &str, zone: Tz) -> Result<Holidays, NotACalendar> {
    if !text.trim_start().starts_with("BEGIN:VCALENDAR") {
        return Err(NotACalendar(
            "it does not begin with BEGIN:VCALENDAR".into(),
        ));
    }
    let calendar: Calendar = text
        .parse()
        .map_err(|e: String| NotACalendar(e.lines().next().unwrap_or("unreadable").to_string()))?;
    let mut out = Holidays::default();
    for component in calendar.components.iter() {
        let CalendarComponent::Event(event) = component else {
            continue;
        };
        if event.property_value("RRULE").is_some() {
            out.recurring += 1;
            continue;
        }
        match days_of(event, zone) {
            Ok(days) => {
                let name = event
                    .get_summary()
                    .and_then(|s| s.parse::<HolidayName>().ok())
                    .unwrap_or_else(|| "Holiday".parse().expect("a valid name"));
                out.events.push((days, name));
            }
            Err(_) => out.unreadable += 1,
        }
    }
    Ok(out)
}

/// The dates an event covers.
fn days_of(event: &icalendar::Event, zone: Tz) -> Result<DayRange, HolidayError> {
    let unreadable = || HolidayError::BadDate("DTSTART".into());
    let (first, last) = match event.get_start().ok_or_else(unreadable)? {
        DatePerhapsTime::Date(first) => {
            let last = match event.get_end() {
                // DTEND of an all-day event is the day after it.
                Some(DatePerhapsTime::Date(end)) => end - Duration::days(1),
                Some(DatePerhapsTime::DateTime(end)) => {
                    local_date(&end, zone, true).ok_or_else(unreadable)?
                }
                None => duration_days(event)
                    .map(|d| first + Duration::days(d - 1))
                    .unwrap_or(first),
            };
            (first, last.max(first))
        }
        DatePerhapsTime::DateTime(start) => {
            let first = local_date(&start, zone, false).ok_or_else(unreadable)?;
            let last = match event.get_end() {
                Some(DatePerhapsTime::DateTime(end)) => local_date(&end, zone, true),
                Some(DatePerhapsTime::Date(end)) => Some(end - Duration::days(1)),
                None => Some(first),
            }
            .ok_or_else(unreadable)?;
            (first, last.max(first))
        }
    };
    DayRange::new(first, last)
}

/// `DURATION:P3D` as whole days (at least one).
fn duration_days(event: &icalendar::Event) -> Option<i64> {
    let text = event.property_value("DURATION")?;
    let days: i64 = text.strip_prefix('P')?.strip_suffix('D')?.parse().ok()?;
    Some(days.max(1))
}

/// The date of a DATE-TIME in `zone`; an end is exclusive, so an event ending at midnight ends
/// the day before. A zone pacer does not know, or none (floating), reads as `zone`'s time.
fn local_date(t: &CalendarDateTime, zone: Tz, is_end: bool) -> Option<NaiveDate> {
    let instant: DateTime<Utc> = match t {
        CalendarDateTime::Utc(u) => *u,
        CalendarDateTime::Floating(naive) => resolve(zone, *naive)?,
        CalendarDateTime::WithTimezone { date_time, tzid } => {
            let tz: Tz = tzid.parse().unwrap_or(zone);
            resolve(tz, *date_time)?
        }
    };
    let instant = if is_end {
        instant - Duration::seconds(1)
    } else {
        instant
    };
    Some(instant.with_timezone(&zone).date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const CALENDAR: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example Corp//Holidays//EN\r
BEGIN:VEVENT\r
UID:xmas-2026@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART;VALUE=DATE:20261224\r
DTEND;VALUE=DATE:20261227\r
SUMMARY:Christmas\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:offsite@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=America/New_York:20261211T200000\r
DTEND;TZID=America/New_York:20261211T230000\r
SUMMARY:Offsite\\, evening\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:weekly@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART;VALUE=DATE:20261201\r
RRULE:FREQ=WEEKLY;COUNT=4\r
SUMMARY:No-meeting Tuesday\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:long@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART;VALUE=DATE:20270101\r
DTEND;VALUE=DATE:20270301\r
SUMMARY:Sabbatical\r
END:VEVENT\r
END:VCALENDAR\r
";

    #[test]
    fn all_day_and_timed_events_become_days_off() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let got = holidays(CALENDAR, berlin).unwrap();
        let events: Vec<(String, String)> = got
            .events
            .iter()
            .map(|(d, n)| (d.to_string(), n.to_string()))
            .collect();
        assert_eq!(
            events,
            [
                (
                    "2026-12-24..2026-12-26".to_string(),
                    "Christmas".to_string()
                ),
                // 20:00–23:00 in New York is 02:00–05:00 the next day in Berlin.
                ("2026-12-12".to_string(), "Offsite, evening".to_string()),
            ]
        );
        assert_eq!((got.recurring, got.unreadable), (1, 1));
        let ny: Tz = "America/New_York".parse().unwrap();
        let got = holidays(CALENDAR, ny).unwrap();
        assert_eq!(got.events[1].0.first, day("2026-12-11"));
    }

    #[test]
    fn what_is_not_a_calendar_is_refused() {
        assert!(holidays("hello", Tz::UTC).is_err());
        assert!(holidays("BEGIN:VCALENDAR\nBEGIN:VEVENT\n", Tz::UTC).is_err());
        let empty = holidays(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
            Tz::UTC,
        );
        assert_eq!(empty.unwrap(), Holidays::default());
    }
}
