//! Reading a schedule: crontab's five fields with crontab's meaning, translated for the
//! `cron` crate, or a friendly `<days> HH:MM`.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::Schedule;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "`{0}` is not a schedule; use crontab (\"0 9 * * 1\") or a day and time (\"mon 09:00\", \"weekdays 09:30\")"
    )]
    Unrecognised(String),
    #[error("`{0}` is not a time of day (use HH:MM, 24-hour)")]
    BadTime(String),
    #[error("`{0}` is not a day (use mon…sun, daily or weekdays)")]
    BadDay(String),
    #[error("the {field} field `{value}` is not valid crontab")]
    BadField { field: &'static str, value: String },
    #[error("`{0}` never fires")]
    Never(String),
}

const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn day_index(word: &str) -> Option<usize> {
    let w = word.to_ascii_lowercase();
    let full = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    full.iter().position(|d| w.len() >= 3 && d.starts_with(&w))
}

/// Crontab day-of-week field → the set of days (0 = Sunday), accepting 0–7 and names.
fn crontab_days(field: &str) -> Option<[bool; 7]> {
    let mut days = [false; 7];
    let value = |s: &str| -> Option<usize> {
        if let Ok(n) = s.parse::<usize>() {
            return (n <= 7).then_some(n);
        }
        day_index(s)
    };
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<usize>().ok().filter(|s| *s > 0)?),
            None => (item, 1),
        };
        let (lo, hi) = if range == "*" {
            (0, 6)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(a)?, value(b)?);
            if a > b {
                return None;
            }
            (a, b)
        } else {
            let v = value(range)?;
            (v, if item.contains('/') { 7 } else { v })
        };
        let mut d = lo;
        while d <= hi {
            days[d % 7] = true;
            d += step;
        }
    }
    Some(days)
}

fn names(days: &[bool; 7]) -> String {
    DAY_NAMES
        .iter()
        .zip(days)
        .filter(|(_, on)| **on)
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

fn cron(expr: &str, original: &str) -> Result<cron::Schedule, ScheduleError> {
    cron::Schedule::from_str(expr).map_err(|_| ScheduleError::Unrecognised(original.to_string()))
}

fn check_field(value: &str, field: &'static str, lo: u32, hi: u32) -> Result<(), ScheduleError> {
    let bad = || ScheduleError::BadField {
        field,
        value: value.to_string(),
    };
    for item in value.split(',') {
        let range = item.split_once('/').map_or(item, |(r, s)| {
            if s.parse::<u32>().ok().filter(|s| *s > 0).is_none() {
                ""
            } else {
                r
            }
        });
        if range == "*" {
            continue;
        }
        let parts: Vec<&str> = range.split('-').collect();
        if parts.is_empty() || parts.len() > 2 {
            return Err(bad());
        }
        for p in parts {
            let ok = p.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
                || (field == "month" && MONTHS.iter().any(|m| m.eq_ignore_ascii_case(p)));
            if !ok {
                return Err(bad());
            }
        }
    }
    Ok(())
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let fields: Vec<&str> = text.split(' ').collect();
        if fields.len() == 5 {
            return crontab(&text, &fields);
        }
        if fields.len() == 2 {
            return friendly(&text, fields[0], fields[1]);
        }
        Err(ScheduleError::Unrecognised(s.to_string()))
    }
}

fn crontab(text: &str, f: &[&str]) -> Result<Schedule, ScheduleError> {
    check_field(f[0], "minute", 0, 59)?;
    check_field(f[1], "hour", 0, 23)?;
    check_field(f[2], "day-of-month", 1, 31)?;
    check_field(f[3], "month", 1, 12)?;
    let days = crontab_days(f[4]).ok_or_else(|| ScheduleError::BadField {
        field: "day-of-week",
        value: f[4].to_string(),
    })?;
    let (min, hour, dom, month) = (f[0], f[1], f[2], f[3]);
    let dom_restricted = dom != "*";
    let dow_restricted = f[4] != "*" && days.iter().any(|d| !d);
    let crons = if dom_restricted && dow_restricted {
        // Crontab: either day field matching is enough.
        vec![
            cron(&format!("0 {min} {hour} {dom} {month} *"), text)?,
            cron(&format!("0 {min} {hour} * {month} {}", names(&days)), text)?,
        ]
    } else if dow_restricted {
        vec![cron(
            &format!("0 {min} {hour} * {month} {}", names(&days)),
            text,
        )?]
    } else {
        vec![cron(&format!("0 {min} {hour} {dom} {month} *"), text)?]
    };
    let schedule = Schedule {
        text: text.to_string(),
        friendly: None,
        crons,
        // A day-of-month rule lands on weekends too.
        weekends: !dow_restricted || dom_restricted || days[0] || days[6],
    };
    let epoch = DateTime::<Utc>::UNIX_EPOCH.naive_utc();
    if schedule.local_candidates(epoch, 1).is_empty() {
        return Err(ScheduleError::Never(text.to_string()));
    }
    Ok(schedule)
}

fn friendly(text: &str, days_word: &str, time: &str) -> Result<Schedule, ScheduleError> {
    let (h, m) = time
        .split_once(':')
        .and_then(|(h, m)| {
            let h: u32 = h.parse().ok().filter(|h| *h < 24)?;
            let m: u32 = m.parse().ok().filter(|m| *m < 60)?;
            Some((h, m))
        })
        .ok_or_else(|| ScheduleError::BadTime(time.to_string()))?;
    let mut days = [false; 7];
    let (dow, describe) = match days_word.to_ascii_lowercase().as_str() {
        "daily" | "everyday" => {
            days = [true; 7];
            ("*".to_string(), "every day".to_string())
        }
        "weekdays" => ("MON,TUE,WED,THU,FRI".to_string(), "weekdays".to_string()),
        "weekends" => {
            (days[0], days[6]) = (true, true);
            ("SAT,SUN".to_string(), "weekends".to_string())
        }
        list => {
            for d in list.split(',') {
                let i = day_index(d).ok_or_else(|| ScheduleError::BadDay(d.to_string()))?;
                days[i] = true;
            }
            let full = [
                "Sundays",
                "Mondays",
                "Tuesdays",
                "Wednesdays",
                "Thursdays",
                "Fridays",
                "Saturdays",
            ];
            let listed: Vec<&str> = (0..7)
                .map(|i| (i + 1) % 7)
                .filter(|i| days[*i])
                .map(|i| full[i])
                .collect();
            (names(&days), listed.join(", "))
        }
    };
    let expr = format!("0 {m} {h} * * {dow}");
    Ok(Schedule {
        text: text.to_string(),
        friendly: Some(format!("{describe} at {h:02}:{m:02}")),
        crons: vec![cron(&expr, text)?],
        weekends: days[0] || days[6],
    })
}
