use std::fmt;
use std::str::FromStr;

/// `#N`: a priority's number, unique and gap-free within a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PriorityNumber(pub i64);

impl fmt::Display for PriorityNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriorityNumberError {
    #[error("`{0}` is not a priority number (write it like #12)")]
    NotANumber(String),
    #[error("priority numbers start at #1")]
    Zero,
}

impl FromStr for PriorityNumber {
    type Err = PriorityNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix('#').unwrap_or(s);
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PriorityNumberError::NotANumber(s.to_string()));
        }
        let n: i64 = digits
            .parse()
            .map_err(|_| PriorityNumberError::NotANumber(s.to_string()))?;
        if n == 0 {
            return Err(PriorityNumberError::Zero);
        }
        Ok(PriorityNumber(n))
    }
}

/// A person as a command names them: a platform user id (`U123` in Slack, an AAD/29: id in
/// Teams), or a plain `@name` the way the sandbox writes it, resolved against known people.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserRef {
    Id { id: String, name: Option<String> },
    Name(String),
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserRef::Id { name: Some(n), .. } => write!(f, "@{n}"),
            UserRef::Id { id, .. } => write!(f, "<@{id}>"),
            UserRef::Name(n) => write!(f, "@{n}"),
        }
    }
}

/// A channel as a command names it: `<#C123|name>` from Slack, or `#name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

impl fmt::Display for ChannelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.id, &self.name) {
            (_, Some(n)) => write!(f, "#{n}"),
            (Some(id), None) => write!(f, "<#{id}>"),
            (None, None) => f.write_str("#?"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_numbers_parse_with_or_without_hash() {
        assert_eq!("#12".parse(), Ok(PriorityNumber(12)));
        assert_eq!("7".parse(), Ok(PriorityNumber(7)));
        assert_eq!(
            "#0".parse::<PriorityNumber>(),
            Err(PriorityNumberError::Zero)
        );
        assert!("#".parse::<PriorityNumber>().is_err());
        assert!("#-3".parse::<PriorityNumber>().is_err());
        assert!("#99999999999999999999".parse::<PriorityNumber>().is_err());
        assert!("#١٢".parse::<PriorityNumber>().is_err());
    }
}
