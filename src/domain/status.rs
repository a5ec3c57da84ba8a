use std::fmt;
use std::str::FromStr;

/// Where a priority stands. `done` and `dropped` close it; the others keep it active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    OnTrack,
    AtRisk,
    OffTrack,
    Done,
    Dropped,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Done,
        Status::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTrack => "on-track",
            Status::AtRisk => "at-risk",
            Status::OffTrack => "off-track",
            Status::Done => "done",
            Status::Dropped => "dropped",
        }
    }

    /// Words a person reads ("On track").
    pub fn label(self) -> &'static str {
        match self {
            Status::OnTrack => "On track",
            Status::AtRisk => "At risk",
            Status::OffTrack => "Off track",
            Status::Done => "Done",
            Status::Dropped => "Dropped",
        }
    }

    pub fn is_active(self) -> bool {
        !matches!(self, Status::Done | Status::Dropped)
    }

    /// How bad it is, for "at-risk or worse" rules and worst-first ordering.
    pub fn severity(self) -> u8 {
        match self {
            Status::OnTrack => 0,
            Status::AtRisk => 1,
            Status::OffTrack => 2,
            Status::Done => 0,
            Status::Dropped => 0,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a status")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;

    /// Accepts the canonical words and the ways people type them: `on-track`, `on_track`,
    /// `ontrack`, `On Track`, `green`/`amber`/`red`, `complete`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        match key.as_str() {
            "ontrack" | "green" | "ok" => Ok(Status::OnTrack),
            "atrisk" | "amber" | "yellow" | "risk" => Ok(Status::AtRisk),
            "offtrack" | "red" => Ok(Status::OffTrack),
            "done" | "complete" | "completed" | "finished" => Ok(Status::Done),
            "dropped" | "drop" | "cancelled" | "canceled" => Ok(Status::Dropped),
            _ => Err(UnknownStatus(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_and_common_spellings() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        }
        assert_eq!("On Track".parse::<Status>(), Ok(Status::OnTrack));
        assert_eq!("OFF_TRACK".parse::<Status>(), Ok(Status::OffTrack));
        assert_eq!("red".parse::<Status>(), Ok(Status::OffTrack));
        assert!("maybe".parse::<Status>().is_err());
    }

    #[test]
    fn closed_statuses_are_not_active() {
        assert!(Status::AtRisk.is_active());
        assert!(!Status::Done.is_active());
        assert!(!Status::Dropped.is_active());
    }
}
