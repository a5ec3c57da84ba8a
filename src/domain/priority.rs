use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

use super::{PriorityNumber, Status};

/// A priority as the command layer reads it, with the names it is shown with.
#[derive(Debug, Clone, PartialEq)]
pub struct Priority {
    pub id: i64,
    pub number: PriorityNumber,
    pub title: String,
    pub owner_person_id: i64,
    pub owner_user_id: String,
    pub owner_name: String,
    pub team_id: i64,
    pub team_name: String,
    pub due: Option<NaiveDate>,
    pub parent: Option<PriorityNumber>,
    pub status: Status,
    pub progress: Progress,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Priority {
    pub fn is_active(&self) -> bool {
        self.status.is_active()
    }
}

/// Completion, 0 to 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Progress(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgressError {
    #[error("`{0}` is not a percentage (write it like 40%)")]
    NotAPercentage(String),
    #[error("progress goes from 0% to 100%, not {0}%")]
    OutOfRange(i64),
}

impl Progress {
    pub const DONE: Progress = Progress(100);

    pub fn new(value: i64) -> Result<Self, ProgressError> {
        if (0..=100).contains(&value) {
            Ok(Progress(value as u8))
        } else {
            Err(ProgressError::OutOfRange(value))
        }
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

impl FromStr for Progress {
    type Err = ProgressError;

    /// `40%` or `40`; nothing else.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_suffix('%').unwrap_or(s);
        if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ProgressError::NotAPercentage(s.to_string()));
        }
        let n: i64 = digits
            .parse()
            .map_err(|_| ProgressError::NotAPercentage(s.to_string()))?;
        Progress::new(n)
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// Titles: trimmed, single-spaced, 1 to 200 characters.
pub fn normalise_title(raw: &str) -> Result<String, TitleError> {
    let title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Err(TitleError::Empty);
    }
    if title.chars().count() > 200 {
        return Err(TitleError::TooLong);
    }
    Ok(title)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TitleError {
    #[error("a priority needs a title")]
    Empty,
    #[error("titles are at most 200 characters")]
    TooLong,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_parses_percentages_in_range() {
        assert_eq!("40%".parse::<Progress>().unwrap().value(), 40);
        assert_eq!("100".parse::<Progress>().unwrap().value(), 100);
        assert_eq!("0%".parse::<Progress>().unwrap().value(), 0);
        assert_eq!(
            "101%".parse::<Progress>(),
            Err(ProgressError::OutOfRange(101))
        );
        assert!(matches!(
            "-5%".parse::<Progress>(),
            Err(ProgressError::NotAPercentage(_))
        ));
        assert!(matches!(
            "4.5%".parse::<Progress>(),
            Err(ProgressError::NotAPercentage(_))
        ));
    }

    #[test]
    fn titles_are_normalised() {
        assert_eq!(
            normalise_title("  Ship   the beta ").unwrap(),
            "Ship the beta"
        );
        assert_eq!(normalise_title("   "), Err(TitleError::Empty));
        assert_eq!(normalise_title(&"a".repeat(201)), Err(TitleError::TooLong));
        assert_eq!(normalise_title("🚀 Launch").unwrap(), "🚀 Launch");
    }
}
