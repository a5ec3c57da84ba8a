//! Focus: how much of a person's week went to their priorities, asked once per cycle after
//! the priorities. Each answer is a [`FocusLevel`]; a team's level for a cycle is the mean of
//! its answers (Most 3, About half 2, Little 1, None 0), rounded to the nearest level with a
//! half rounding down. A team whose level is Little or below in each of its last two cycles
//! with answers is **unfocused**.

use std::fmt;
use std::str::FromStr;

/// One person's answer, least focused first (the order ranks teams).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FocusLevel {
    None = 0,
    Little = 1,
    Half = 2,
    Most = 3,
}

/// The longest word on what took the rest of the week, in characters.
pub const REST_MAX: usize = 100;

/// How many cycles in a row at Little or below make a team unfocused.
pub const UNFOCUSED_CYCLES: usize = 2;

impl FocusLevel {
    pub const ALL: [FocusLevel; 4] = [
        FocusLevel::Most,
        FocusLevel::Half,
        FocusLevel::Little,
        FocusLevel::None,
    ];

    pub fn value(self) -> i64 {
        self as i64
    }

    pub fn from_value(v: i64) -> Option<FocusLevel> {
        match v {
            0 => Some(FocusLevel::None),
            1 => Some(FocusLevel::Little),
            2 => Some(FocusLevel::Half),
            3 => Some(FocusLevel::Most),
            _ => None,
        }
    }

    /// The word in action ids and the grammar: `most`, `half`, `little`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            FocusLevel::Most => "most",
            FocusLevel::Half => "half",
            FocusLevel::Little => "little",
            FocusLevel::None => "none",
        }
    }

    /// A person's answer as a button shows it: *Most*, *About half*, *Little*, *None*.
    pub fn label(self) -> &'static str {
        match self {
            FocusLevel::Most => "Most",
            FocusLevel::Half => "About half",
            FocusLevel::Little => "Little",
            FocusLevel::None => "None",
        }
    }

    /// A team's level as a digest words it: "mostly", "about half", "little", "none".
    pub fn team_word(self) -> &'static str {
        match self {
            FocusLevel::Most => "mostly",
            FocusLevel::Half => "about half",
            FocusLevel::Little => "little",
            FocusLevel::None => "none",
        }
    }

    /// Little or below: what counts towards `unfocused`.
    pub fn is_low(self) -> bool {
        self <= FocusLevel::Little
    }
}

impl fmt::Display for FocusLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a focus answer; use most, half, little or none")]
pub struct BadFocusLevel(pub String);

impl FromStr for FocusLevel {
    type Err = BadFocusLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let words: Vec<String> = s
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        match words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["most" | "mostly"] => Ok(FocusLevel::Most),
            ["half"] | ["about", "half"] => Ok(FocusLevel::Half),
            ["little"] => Ok(FocusLevel::Little),
            ["none"] => Ok(FocusLevel::None),
            _ => Err(BadFocusLevel(s.chars().take(40).collect())),
        }
    }
}

/// What took the rest of the week, as given: trimmed, kept as typed text, at most
/// [`REST_MAX`] characters; blank is no word.
pub fn rest_word(text: &str) -> Result<Option<String>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > REST_MAX {
        return Err(format!(
            "Keep what took the rest of your week to {REST_MAX} characters or fewer."
        ));
    }
    if t.chars().any(char::is_control) {
        return Err("Write what took the rest of your week on one line.".into());
    }
    Ok(Some(t.to_string()))
}

/// A team's level from its answers: the mean, rounded to the nearest level, a half rounding
/// down (2.5 is About half, 1.5 is Little); `None` without answers.
pub fn team_level(answers: &[FocusLevel]) -> Option<FocusLevel> {
    let n = answers.len() as i64;
    if n == 0 {
        return None;
    }
    let sum: i64 = answers.iter().map(|a| a.value()).sum();
    // ceil(sum/n - 1/2) = ceil((2 sum - n) / 2n); the numerator is never below -n.
    let num = 2 * sum - n;
    let level = if num <= 0 {
        0
    } else {
        (num + 2 * n - 1) / (2 * n)
    };
    FocusLevel::from_value(level)
}

/// Whether a team is unfocused, from its levels in its cycles with answers, newest first:
/// the last [`UNFOCUSED_CYCLES`] of them all Little or below.
pub fn unfocused(levels_newest_first: &[FocusLevel]) -> bool {
    levels_newest_first.len() >= UNFOCUSED_CYCLES
        && levels_newest_first[..UNFOCUSED_CYCLES]
            .iter()
            .all(|l| l.is_low())
}

/// The one-line reason of `unfocused`, naming the words people gave (at most five, each once
/// whatever its case, in the order given).
pub fn unfocused_reason(words: &[String]) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut named: Vec<&str> = Vec::new();
    for w in words {
        let key = w.to_lowercase();
        if !seen.contains(&key) {
            seen.push(key);
            named.push(w);
        }
    }
    let mut reason = format!("focus at Little or below for {UNFOCUSED_CYCLES} cycles");
    if !named.is_empty() {
        reason.push_str(": ");
        reason.push_str(&named.iter().take(5).copied().collect::<Vec<_>>().join(", "));
        if named.len() > 5 {
            reason.push_str(&format!(" and {} more", named.len() - 5));
        }
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::FocusLevel::*;
    use super::*;

    #[test]
    fn levels_parse_from_the_words_people_use() {
        for (text, level) in [
            ("most", Most),
            ("Mostly", Most),
            ("half", Half),
            ("about half", Half),
            ("About-Half", Half),
            ("little", Little),
            ("NONE", None),
        ] {
            assert_eq!(text.parse::<FocusLevel>(), Ok(level), "{text}");
        }
        for bad in ["", "maybe", "about", "half half", "3", "most little"] {
            assert!(bad.parse::<FocusLevel>().is_err(), "{bad}");
        }
        for l in FocusLevel::ALL {
            assert_eq!(l.as_str().parse::<FocusLevel>(), Ok(l));
            assert_eq!(FocusLevel::from_value(l.value()), Some(l));
        }
        assert_eq!(FocusLevel::from_value(4), Option::None);
    }

    #[test]
    fn a_team_level_is_the_rounded_mean_with_halves_down() {
        assert_eq!(team_level(&[]), Option::None);
        assert_eq!(team_level(&[Most, Most, Most, Half, Little]), Some(Half));
        assert_eq!(team_level(&[Most, Most, Most, Most, Half]), Some(Most));
        assert_eq!(team_level(&[Most, Half]), Some(Half));
        assert_eq!(team_level(&[Half, Little]), Some(Little));
        assert_eq!(team_level(&[Little, None]), Some(None));
        assert_eq!(team_level(&[None]), Some(None));
        assert_eq!(team_level(&[None, None, Most]), Some(Little));
        assert_eq!(team_level(&[Most, Most, None]), Some(Half));
    }

    #[test]
    fn unfocused_takes_two_low_cycles_in_a_row() {
        assert!(!unfocused(&[]));
        assert!(!unfocused(&[Little]));
        assert!(unfocused(&[Little, None]));
        assert!(unfocused(&[None, Little, Most]));
        assert!(!unfocused(&[Half, Little, Little]));
        assert!(!unfocused(&[Little, Half]));
    }

    #[test]
    fn the_reason_names_the_words_once() {
        let words = ["firefighting", "support", "Firefighting"].map(String::from);
        assert_eq!(
            unfocused_reason(&words),
            "focus at Little or below for 2 cycles: firefighting, support"
        );
        assert_eq!(
            unfocused_reason(&[]),
            "focus at Little or below for 2 cycles"
        );
    }

    #[test]
    fn the_word_is_capped_and_one_line() {
        assert_eq!(rest_word("  support "), Ok(Some("support".into())));
        assert_eq!(rest_word("   "), Ok(Option::None));
        assert!(rest_word(&"x".repeat(REST_MAX)).is_ok());
        assert_eq!(
            rest_word(&"x".repeat(REST_MAX + 1)),
            Err("Keep what took the rest of your week to 100 characters or fewer.".into())
        );
        assert!(rest_word("a\nb").is_err());
    }
}
