//! Due dates as people write them: `2026-12-31`, `Q3`, `+2w`, `eoq`.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate};

/// A due date as written, resolved against "today" in the writer's zone when executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueDate {
    On(NaiveDate),
    /// End of quarter N of the current year, or of next year's if it has passed.
    Quarter(u8),
    /// End of the current quarter.
    EndOfQuarter,
    InDays(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DueDateError {
    #[error("`{0}` is not a date I understand")]
    Unrecognised(String),
    #[error("`{0}` is not a real calendar date")]
    NoSuchDay(String),
    #[error("`{0}` is too far away (at most 10 years ahead)")]
    TooFar(String),
}

const MAX_DAYS_AHEAD: i64 = 3660;

impl FromStr for DueDate {
    type Err = DueDateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let unrecognised = || DueDateError::Unrecognised(s.to_string());
        if lower == "eoq" {
            return Ok(DueDate::EndOfQuarter);
        }
        if let Some(q) = lower.strip_prefix('q') {
            return match q {
                "1" | "2" | "3" | "4" => Ok(DueDate::Quarter(q.as_bytes()[0] - b'0')),
                _ => Err(unrecognised()),
            };
        }
        if let Some(rest) = lower.strip_prefix('+') {
            // Split off the last character, not the last byte: input is arbitrary UTF-8.
            let cut = rest.char_indices().last().map_or(0, |(i, _)| i);
            let (digits, unit) = rest.split_at(cut);
            let n: i64 = digits
                .parse()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(unrecognised)?;
            let days = match unit {
                "d" => n,
                "w" => n.saturating_mul(7),
                _ => return Err(unrecognised()),
            };
            if days > MAX_DAYS_AHEAD {
                return Err(DueDateError::TooFar(s.to_string()));
            }
            return Ok(DueDate::InDays(days));
        }
        let bytes = lower.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return Err(unrecognised());
        }
        NaiveDate::parse_from_str(&lower, "%Y-%m-%d")
            .map(DueDate::On)
            .map_err(|_| DueDateError::NoSuchDay(s.to_string()))
    }
}

impl DueDate {
    pub fn resolve(self, today: NaiveDate) -> NaiveDate {
        match self {
            DueDate::On(d) => d,
            DueDate::InDays(n) => today + Duration::days(n),
            DueDate::EndOfQuarter => quarter_end(today.year(), quarter_of(today)),
            DueDate::Quarter(q) => {
                let this_year = quarter_end(today.year(), q);
                if this_year < today {
                    quarter_end(today.year() + 1, q)
                } else {
                    this_year
                }
            }
        }
    }
}

impl fmt::Display for DueDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DueDate::On(d) => write!(f, "{d}"),
            DueDate::Quarter(q) => write!(f, "Q{q}"),
            DueDate::EndOfQuarter => f.write_str("eoq"),
            DueDate::InDays(n) => write!(f, "+{n}d"),
        }
    }
}

fn quarter_of(d: NaiveDate) -> u8 {
    ((d.month() - 1) / 3 + 1) as u8
}

fn quarter_end(year: i32, q: u8) -> NaiveDate {
    let (month, day) = match q {
        1 => (3, 31),
        2 => (6, 30),
        3 => (9, 30),
        _ => (12, 31),
    };
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MAX)
}

/// "due today", "in 12 days", "3 days overdue": the due date in words relative to today.
pub fn relative(due: NaiveDate, today: NaiveDate, active: bool) -> String {
    let days = (due - today).num_days();
    match days {
        0 => "due today".to_string(),
        1 => "due tomorrow".to_string(),
        d if d > 1 => format!("in {d} days"),
        -1 if active => "1 day overdue".to_string(),
        d if active => format!("{} days overdue", -d),
        -1 => "was due yesterday".to_string(),
        d => format!("was due {} days ago", -d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn absolute_dates_parse_and_reject_impossible_days() {
        assert_eq!("2026-12-31".parse(), Ok(DueDate::On(date("2026-12-31"))));
        assert_eq!("2028-02-29".parse(), Ok(DueDate::On(date("2028-02-29"))));
        assert!(matches!(
            "2027-02-29".parse::<DueDate>(),
            Err(DueDateError::NoSuchDay(_))
        ));
        assert!(matches!(
            "2026-13-01".parse::<DueDate>(),
            Err(DueDateError::NoSuchDay(_))
        ));
        assert!(matches!(
            "31/12/2026".parse::<DueDate>(),
            Err(DueDateError::Unrecognised(_))
        ));
        assert!(matches!(
            "tomorrow".parse::<DueDate>(),
            Err(DueDateError::Unrecognised(_))
        ));
    }

    #[test]
    fn quarters_resolve_to_this_year_or_next_when_passed() {
        let today = date("2026-11-23");
        let q = |s: &str| s.parse::<DueDate>().unwrap().resolve(today);
        assert_eq!(q("Q4"), date("2026-12-31"));
        assert_eq!(q("q1"), date("2027-03-31"));
        assert_eq!(q("Q3"), date("2027-09-30"));
        assert_eq!(q("eoq"), date("2026-12-31"));
        assert_eq!(q("EOQ"), date("2026-12-31"));
        assert!("Q5".parse::<DueDate>().is_err());
        assert!("Q".parse::<DueDate>().is_err());
    }

    #[test]
    fn quarter_end_day_itself_counts_as_not_passed() {
        assert_eq!(
            DueDate::Quarter(1).resolve(date("2026-03-31")),
            date("2026-03-31")
        );
    }

    #[test]
    fn relative_offsets_count_days_and_weeks() {
        let today = date("2026-11-23");
        assert_eq!(
            "+10d".parse::<DueDate>().unwrap().resolve(today),
            date("2026-12-03")
        );
        assert_eq!(
            "+2w".parse::<DueDate>().unwrap().resolve(today),
            date("2026-12-07")
        );
        assert!("+w".parse::<DueDate>().is_err());
        assert!("+3m".parse::<DueDate>().is_err());
        assert!("+-3d".parse::<DueDate>().is_err());
        assert!("+3é".parse::<DueDate>().is_err());
        assert!("+🚀".parse::<DueDate>().is_err());
        assert!(matches!(
            "+9999w".parse::<DueDate>(),
            Err(DueDateError::TooFar(_))
        ));
    }

    #[test]
    fn relative_words() {
        let today = date("2026-11-23");
        assert_eq!(relative(date("2026-12-05"), today, true), "in 12 days");
        assert_eq!(relative(date("2026-11-23"), today, true), "due today");
        assert_eq!(relative(date("2026-11-24"), today, true), "due tomorrow");
        assert_eq!(relative(date("2026-11-20"), today, true), "3 days overdue");
        assert_eq!(relative(date("2026-11-22"), today, true), "1 day overdue");
        assert_eq!(
            relative(date("2026-11-20"), today, false),
            "was due 3 days ago"
        );
    }
}
