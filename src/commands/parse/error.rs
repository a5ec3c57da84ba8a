//! What can be wrong with a command's text, each mistake naming the command whose usage
//! helps with it.

use crate::commands::tokens::TokenError;
use crate::domain::due::DueDateError;
use crate::domain::holiday::HolidayError;
use crate::domain::ids::PriorityNumberError;
use crate::domain::priority::{ProgressError, TitleError};
use crate::domain::schedule::ScheduleError;
use crate::domain::status::UnknownStatus;
use crate::domain::team::TeamNameError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("there is no command here")]
    Empty,
    #[error("`{word}` is not a pacer command")]
    UnknownCommand {
        word: String,
        suggestion: Option<&'static str>,
    },
    #[error("{0}")]
    Token(#[from] TokenError),
    #[error("`{command}` needs {what}")]
    Missing {
        command: &'static str,
        what: &'static str,
    },
    #[error("`{command}` does not take `{got}`")]
    Unexpected { command: &'static str, got: String },
    #[error("`{option}:` is given twice")]
    Repeated {
        command: &'static str,
        option: String,
    },
    #[error("`{command}` has no `{option}:` option")]
    UnknownOption {
        command: &'static str,
        option: String,
    },
    #[error("{source}")]
    Priority {
        command: &'static str,
        source: PriorityNumberError,
    },
    #[error("{source}; use one of on-track, at-risk, off-track, done, dropped")]
    Status {
        command: &'static str,
        source: UnknownStatus,
        suggestion: Option<&'static str>,
    },
    #[error("{source}")]
    Progress {
        command: &'static str,
        source: ProgressError,
    },
    #[error("{source}; use YYYY-MM-DD, Q1…Q4, +Nd, +Nw or eoq")]
    Due {
        command: &'static str,
        source: DueDateError,
    },
    #[error("{source}")]
    TeamName {
        command: &'static str,
        source: TeamNameError,
    },
    #[error("{source}")]
    Title {
        command: &'static str,
        source: TitleError,
    },
    #[error("`{got}` is not a time zone; use an IANA name like Europe/Berlin, or `member`")]
    Zone { command: &'static str, got: String },
    #[error("`ask:{got}` is not a way to ask; use `ask:changed` or `ask:all`")]
    Ask { command: &'static str, got: String },
    #[error("`{got}` is not a duration; use minutes or hours like 30m, 4h, 1h30m, or `off`")]
    Duration { command: &'static str, got: String },
    #[error("{source}")]
    Schedule {
        command: &'static str,
        source: ScheduleError,
    },
    #[error("`{got}` is not a subcommand of `{command}`")]
    UnknownSubcommand {
        command: &'static str,
        got: String,
        suggestion: Option<&'static str>,
    },
    #[error("`{command}` needs `on` between the two priorities")]
    MissingOn { command: &'static str },
    #[error("the note is too long (at most 2,000 characters)")]
    NoteTooLong { command: &'static str },
    #[error("the text is too long (at most {max} characters)")]
    TextTooLong { command: &'static str, max: usize },
    #[error(
        "`nudge:{got}` is not a nudge; use `nudge:quiet` (named without a notification) or `nudge:mention`"
    )]
    Nudge { command: &'static str, got: String },
    #[error("{source}")]
    Holiday {
        command: &'static str,
        source: HolidayError,
    },
    #[error("`focus:{got}` is not a setting; use focus:on or focus:off")]
    Focus { command: &'static str, got: String },
}

impl ParseError {
    /// The command whose usage helps with this mistake, if one is known.
    pub fn command(&self) -> Option<&'static str> {
        use ParseError::*;
        match self {
            Empty | UnknownCommand { .. } | Token(_) => None,
            Missing { command, .. }
            | Unexpected { command, .. }
            | Repeated { command, .. }
            | UnknownOption { command, .. }
            | Priority { command, .. }
            | Status { command, .. }
            | Progress { command, .. }
            | Due { command, .. }
            | TeamName { command, .. }
            | Title { command, .. }
            | Zone { command, .. }
            | Duration { command, .. }
            | Nudge { command, .. }
            | Ask { command, .. }
            | Schedule { command, .. }
            | UnknownSubcommand { command, .. }
            | MissingOn { command }
            | NoteTooLong { command }
            | TextTooLong { command, .. }
            | Holiday { command, .. }
            | Focus { command, .. } => Some(command),
        }
    }

    /// A likely-meant word, for "did you mean".
    pub fn suggestion(&self) -> Option<&'static str> {
        match self {
            ParseError::UnknownCommand { suggestion, .. }
            | ParseError::UnknownSubcommand { suggestion, .. }
            | ParseError::Status { suggestion, .. } => *suggestion,
            _ => None,
        }
    }
}
