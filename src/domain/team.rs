use std::fmt;
use std::str::FromStr;

/// A team's name: unique per workspace regardless of case, readable in a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TeamName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamNameError {
    #[error("a team needs a name")]
    Empty,
    #[error("team names are at most 50 characters")]
    TooLong,
    #[error("`{0}` can't be used in a team name")]
    BadCharacter(char),
}

impl TeamName {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key that makes names unique: case-insensitive.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl FromStr for TeamName {
    type Err = TeamNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(TeamNameError::Empty);
        }
        if name.chars().count() > 50 {
            return Err(TeamNameError::TooLong);
        }
        if let Some(c) = name.chars().next().filter(|c| matches!(c, '#' | '@')) {
            return Err(TeamNameError::BadCharacter(c));
        }
        if let Some(c) = name
            .chars()
            .find(|c| c.is_control() || matches!(c, '<' | '>' | '"' | '*' | '`' | '|' | ':'))
        {
            return Err(TeamNameError::BadCharacter(c));
        }
        Ok(TeamName(name))
    }
}

impl fmt::Display for TeamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_compared_without_case() {
        let a: TeamName = "  Platform   Eng ".parse().unwrap();
        assert_eq!(a.as_str(), "Platform Eng");
        assert_eq!(a.key(), "platform eng");
        assert_eq!(
            "Zürich Ops".parse::<TeamName>().unwrap().key(),
            "zürich ops"
        );
    }

    #[test]
    fn rejects_names_that_would_confuse_the_grammar() {
        assert_eq!("".parse::<TeamName>(), Err(TeamNameError::Empty));
        assert_eq!(
            "#eng".parse::<TeamName>(),
            Err(TeamNameError::BadCharacter('#'))
        );
        assert_eq!(
            "a<b".parse::<TeamName>(),
            Err(TeamNameError::BadCharacter('<'))
        );
        assert_eq!(
            "x".repeat(51).parse::<TeamName>(),
            Err(TeamNameError::TooLong)
        );
    }
}
