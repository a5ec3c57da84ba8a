//! A team's days off: a range of dates with a name, parsed once. Firings that fall on one move
//! to the next working day (`schedule::DaysOff`).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

/// The longest holiday one command (or one calendar event) may add (the refusal says 31).
pub const MAX_DAYS: i64 = 31;
/// How many holidays a team may have ahead of it (ended ones do not count).
pub const MAX_UPCOMING: i64 = 100;
/// How long a holiday's name may be (the refusal says 100).
pub const NAME_MAX: usize = 100;
/// How far ahead a holiday may start, in days: about three years.
pub const MAX_AHEAD_DAYS: i64 = 3 * 366;

/// `2026-12-24` or `2026-12-24..2026-12-26`: both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayError {
    #[error("`{0}` is not a date; use YYYY-MM-DD, or a range like 2026-12-24..2026-12-26")]
    BadDate(String),
    #[error("the range {first}..{last} ends before it starts")]
    Backwards { first: NaiveDate, last: NaiveDate },
    #[error("{days} days is too long for one holiday (at most 31); add it in parts")]
    TooLong { days: i64 },
    #[error("a holiday needs a name, like \"Christmas\"")]
    NoName,
    #[error("a holiday's name is at most 100 characters")]
    NameTooLong,
}

impl DayRange {
    pub fn new(first: NaiveDate, last: NaiveDate) -> Result<Self, HolidayError> {
        if last < first {
            return Err(HolidayError::Backwards { first, last });
        }
        let range = DayRange { first, last };
        if range.days() > MAX_DAYS {
            return Err(HolidayError::TooLong { days: range.days() });
        }
        Ok(range)
    }

    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    pub fn overlaps(&self, other: &DayRange) -> bool {
        self.first <= other.last && other.first <= self.last
    }
}

/// A calendar date written `YYYY-MM-DD`, and a real one (no 30 February).
pub fn parse_day(text: &str) -> Result<NaiveDate, HolidayError> {
    let t = text.trim();
    let well_formed = t.len() == 10
        && t.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(HolidayError::BadDate(t.to_string()));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| HolidayError::BadDate(t.to_string()))
}

impl FromStr for DayRange {
    type Err = HolidayError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once("..") {
            Some((a, b)) => DayRange::new(parse_day(a)?, parse_day(b)?),
            None => {
                let day = parse_day(s)?;
                DayRange::new(day, day)
            }
        }
    }
}

impl fmt::Display for DayRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}..{}", self.first, self.last)
        }
    }
}

/// What a holiday is called, as typed: 1 to [`NAME_MAX`] characters on one line. It is kept as
/// text; every renderer escapes it, so markup in it never becomes a mention or a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayName(String);

impl HolidayName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for HolidayName {
    type Err = HolidayError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            return Err(HolidayError::NoName);
        }
        if name.chars().count() > NAME_MAX {
            return Err(HolidayError::NameTooLong);
        }
        Ok(HolidayName(name))
    }
}

impl fmt::Display for HolidayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_refuse_what_is_not_a_real_range() {
        let r: DayRange = "2026-12-24..2026-12-26".parse().unwrap();
        assert_eq!(
            (r.days(), r.to_string()),
            (3, "2026-12-24..2026-12-26".into())
        );
        let one: DayRange = "2026-12-24".parse().unwrap();
        assert_eq!((one.days(), one.to_string()), (1, "2026-12-24".into()));
        assert!(matches!(
            "2026-02-30".parse::<DayRange>(),
            Err(HolidayError::BadDate(_))
        ));
        assert!(matches!(
            "2026-2-3".parse::<DayRange>(),
            Err(HolidayError::BadDate(_))
        ));
        assert!(matches!(
            "2026-12-26..2026-12-24".parse::<DayRange>(),
            Err(HolidayError::Backwards { .. })
        ));
        assert!(matches!(
            "2026-01-01..2026-12-31".parse::<DayRange>(),
            Err(HolidayError::TooLong { days: 365 })
        ));
        assert!("2026-12-01..2026-12-31".parse::<DayRange>().is_ok());
        assert!(r.overlaps(&one) && !r.overlaps(&"2026-12-27".parse().unwrap()));
    }

    #[test]
    fn names_are_one_line_and_bounded() {
        let n: HolidayName = "  Christmas\n  Eve ".parse().unwrap();
        assert_eq!(n.as_str(), "Christmas Eve");
        assert_eq!("  ".parse::<HolidayName>(), Err(HolidayError::NoName));
        assert_eq!(
            "x".repeat(101).parse::<HolidayName>(),
            Err(HolidayError::NameTooLong)
        );
        assert_eq!(
            "<!channel> party".parse::<HolidayName>().unwrap().as_str(),
            "<!channel> party",
            "kept as typed; escaped where shown"
        );
    }
}
