//! How a team's digest names the people who have not answered: quietly by name (the default)
//! or with an @-mention that notifies them (`nudge:mention`).

use std::str::FromStr;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Nudge {
    /// Named without a notification.
    #[default]
    Quiet,
    /// Named with an @-mention, which notifies them.
    Mention,
}

impl Nudge {
    pub fn as_str(self) -> &'static str {
        match self {
            Nudge::Quiet => "quiet",
            Nudge::Mention => "mention",
        }
    }
}

impl FromStr for Nudge {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "quiet" => Ok(Nudge::Quiet),
            "mention" => Ok(Nudge::Mention),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nudges_read_back_what_they_write_and_nothing_else() {
        for n in [Nudge::Quiet, Nudge::Mention] {
            assert_eq!(n.as_str().parse::<Nudge>(), Ok(n));
        }
        assert_eq!("MENTION".parse::<Nudge>(), Ok(Nudge::Mention));
        for bad in ["loud", "", "mentions", "quiet!"] {
            assert_eq!(bad.parse::<Nudge>(), Err(()), "{bad}");
        }
        assert_eq!(Nudge::default(), Nudge::Quiet);
    }
}
