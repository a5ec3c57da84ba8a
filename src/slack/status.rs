//! Reading a Slack status as away or present. Slack has no "out of office" flag: people say it
//! with a status, usually one of Slack's suggestions ("🌴 Vacationing", "🤒 Out sick") or their
//! own words ("OOO until Monday", "On parental leave"). pacer reads the emoji and the text the
//! way a colleague would, and keeps the status's expiry.

use serde_json::Value;

use crate::messenger::Availability;

/// Status emoji that say the person is off: vacation, sick leave, out of office.
const AWAY_EMOJI: &[&str] = &[
    ":palm_tree:",
    ":desert_island:",
    ":beach_with_umbrella:",
    ":face_with_thermometer:",
    ":thermometer:",
    ":sick:",
    ":nauseated_face:",
    ":baby:",
    ":baby_bottle:",
    ":no_entry:",
];

/// Words in a status text that say the same, matched on whole words (lowercased).
const AWAY_PHRASES: &[&str] = &[
    "vacation",
    "vacationing",
    "holiday",
    "holidays",
    "on leave",
    "parental leave",
    "maternity leave",
    "paternity leave",
    "sick leave",
    "annual leave",
    "out sick",
    "off sick",
    "sick",
    "pto",
    "ooo",
    "out of office",
    "out of the office",
    "off work",
    "day off",
    "days off",
    "time off",
    "urlaub",
    "congé",
    "vacaciones",
];

/// The availability a `users.info` answer's `user.profile` says, with the status's expiry
/// (whoever asks knows what time it is, and ignores one that has passed).
pub fn availability(user: &Value) -> Availability {
    let profile = user.get("profile");
    let field = |k: &str| {
        profile
            .and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or("")
    };
    let (text, emoji) = (field("status_text"), field("status_emoji"));
    let until = profile
        .and_then(|p| p.get("status_expiration"))
        .and_then(Value::as_i64)
        .filter(|t| *t > 0);
    let away_emoji = AWAY_EMOJI.contains(&emoji.to_ascii_lowercase().as_str());
    if !(away_emoji || says_away(text)) {
        return Availability::Present;
    }
    let label = match (emoji, text) {
        (e, "") => e.to_string(),
        ("", t) => t.to_string(),
        (e, t) => format!("{e} {t}"),
    };
    Availability::Away {
        label: label.chars().take(100).collect(),
        until,
    }
}

fn says_away(text: &str) -> bool {
    let words: Vec<String> = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != 'é')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    AWAY_PHRASES.iter().any(|phrase| {
        let parts: Vec<&str> = phrase.split(' ').collect();
        words
            .windows(parts.len())
            .any(|w| w.iter().eq(parts.iter()))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(text: &str, emoji: &str, expiration: i64) -> Value {
        json!({"id": "U1", "profile": {
            "status_text": text, "status_emoji": emoji, "status_expiration": expiration
        }})
    }

    #[test]
    fn slacks_own_away_statuses_and_peoples_words_read_as_away() {
        for (text, emoji) in [
            ("Vacationing", ":palm_tree:"),
            ("Out sick", ":face_with_thermometer:"),
            ("", ":palm_tree:"),
            ("OOO until Monday", ""),
            ("On parental leave", ":baby:"),
            ("Out of office, back 4 Jan", ":calendar:"),
            ("PTO", ""),
            ("Im Urlaub", ""),
        ] {
            assert!(
                matches!(
                    availability(&user(text, emoji, 0)),
                    Availability::Away { .. }
                ),
                "{text} {emoji}"
            );
        }
        assert_eq!(
            availability(&user("Vacationing", ":palm_tree:", 5_000)),
            Availability::Away {
                label: ":palm_tree: Vacationing".into(),
                until: Some(5_000)
            }
        );
    }

    #[test]
    fn working_statuses_and_lookalike_words_do_not() {
        for (text, emoji) in [
            ("In a meeting", ":spiral_calendar_pad:"),
            ("Commuting", ":bus:"),
            ("Working remotely", ":house_with_garden:"),
            ("", ""),
            ("Booking my holidayss", ""),
            ("shooo", ""),
            ("Leaving at 5", ""),
        ] {
            assert_eq!(
                availability(&user(text, emoji, 0)),
                Availability::Present,
                "{text} {emoji}"
            );
        }
        assert_eq!(availability(&json!({"id": "U1"})), Availability::Present);
    }
}
