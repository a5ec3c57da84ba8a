//! What a check-in card's action carries (an `Action.Execute`'s data or an `Action.Submit`'s
//! value) as the neutral inbound event: a status click, or the inline form with its inputs.
//! Whether it may be recorded is the inbound handler's to decide.

use serde_json::Value;

use super::cards::{ACTION_FORM, VERB, input_id};
use crate::inbound::{Event, FormFields};

/// The event a card action stands for, or `None` when it is not one of pacer's.
pub fn card_event(data: &Value) -> Option<Event> {
    let action = data.get(VERB).and_then(Value::as_str)?;
    let value = data.get("value").and_then(Value::as_str)?;
    if action != ACTION_FORM {
        return Some(Event::Click {
            action: action.to_string(),
            value: value.to_string(),
        });
    }
    // The inputs are named per priority, so that several forms can share one card.
    let input = |field: &str| {
        data.get(input_id(field, value)).and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    Some(Event::Form {
        value: value.to_string(),
        fields: FormFields {
            status: input("status"),
            progress: input("progress"),
            note: input("note"),
            blocker: input("blocker"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn card_actions_become_events() {
        let click = json!({VERB: "checkin:at-risk", "value": "3:9"});
        assert_eq!(
            card_event(&click),
            Some(Event::Click {
                action: "checkin:at-risk".into(),
                value: "3:9".into()
            })
        );
        for foreign in [json!({"key": "value"}), json!({VERB: 7, "value": "3:9"})] {
            assert_eq!(card_event(&foreign), None, "{foreign}");
        }
    }

    #[test]
    fn the_form_is_read_by_its_per_priority_input_ids() {
        let form = json!({VERB: ACTION_FORM, "value": "3:9", "status-3:9": "off-track",
                          "progress-3:9": 55, "note-3:9": " waiting on legal ", "blocker-3:9": ""});
        assert_eq!(
            card_event(&form),
            Some(Event::Form {
                value: "3:9".into(),
                fields: FormFields {
                    status: Some("off-track".into()),
                    progress: Some("55".into()),
                    note: Some(" waiting on legal ".into()),
                    blocker: Some(String::new()),
                }
            })
        );
    }
}
