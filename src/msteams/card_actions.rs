//! Check-in card actions: what an `Action.Execute`'s data or an `Action.Submit`'s value carries
//! becomes the neutral inbound event (a status click, or the inline form with its inputs), and
//! the handler's reply becomes the refreshed card (in the invoke response, or by updating the
//! card) or a private note. Whether it may be recorded is the inbound handler's to decide.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::activity::Kind;
use super::cards::{self, ACTION_FORM, VERB, input_id};
use super::messages::Ctx;
use crate::error::AppError;
use crate::inbound::{Event, FormFields, Reply};
use crate::message::{Block, Message, Rich};

/// The event a card action stands for, or `None` when it is not one of pacer's.
pub fn card_event(data: &Value) -> Option<Event> {
    let action = data.get(VERB).and_then(Value::as_str)?;
    let value = data.get("value").and_then(Value::as_str)?;
    if data.get("form").and_then(Value::as_bool) == Some(true) {
        return Some(other_form(action, value, data));
    }
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

/// One of pacer's other forms: every input named `<field>-<value>` is a field.
fn other_form(action: &str, value: &str, data: &Value) -> Event {
    let suffix = format!("-{value}");
    let fields = data
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| {
                    let field = k.strip_suffix(&suffix)?;
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => return None,
                    };
                    Some((field.to_string(), text))
                })
                .collect()
        })
        .unwrap_or_default();
    Event::Submit {
        action: action.to_string(),
        value: value.to_string(),
        fields,
    }
}

/// The outcome of a card action, for either way it arrived.
enum Outcome {
    /// The prompt as it stands now, to show in place of the card.
    Refreshed(Message),
    /// Something to tell the person instead.
    Told(String),
}

async fn answer(ctx: &Ctx<'_>, data: &Value) -> Result<Outcome, AppError> {
    let Some(event) = card_event(data) else {
        return Ok(Outcome::Told(
            "⚠️ That button is not one of pacer's check-ins.".into(),
        ));
    };
    Ok(match ctx.handle(event).await? {
        Reply::Recorded(message) => Outcome::Refreshed(message),
        Reply::Problems(problems) => {
            let why: Vec<&str> = problems.iter().map(|(_, why)| why.as_str()).collect();
            Outcome::Told(format!("⚠️ {} Nothing was recorded.", why.join(" ")))
        }
        Reply::Refused(why) => Outcome::Told(format!("⚠️ {why}")),
        _ => Outcome::Told("⚠️ That button is not one of pacer's check-ins.".into()),
    })
}

/// `Action.Submit`: the answer arrives as a message; the card is updated with a PUT.
pub(super) async fn submit(ctx: &Ctx<'_>, value: &Value) -> Result<(), AppError> {
    match answer(ctx, value).await? {
        Outcome::Refreshed(message) => {
            let a = ctx.activity;
            let card = match &a.kind {
                Kind::Message { reply_to_id, .. } => reply_to_id.clone(),
                _ => None,
            };
            if let (Some(card_id), Some(conversation)) = (card, a.conversation.as_ref()) {
                let api = ctx.teams.api.clone();
                let service_url = a.service_url.clone();
                let conversation = conversation.id.clone();
                let mut body = cards::activity(&message);
                body["id"] = json!(card_id);
                ctx.state.tasks.spawn(async move {
                    if let Err(e) = api
                        .update(&service_url, &conversation, &card_id, &body)
                        .await
                    {
                        tracing::warn!(error = %e, "could not update the check-in card");
                    }
                });
            }
        }
        Outcome::Told(text) => {
            ctx.reply(Message::private(vec![Block::Text(Rich::new().text(text))]))
        }
    }
    Ok(())
}

pub(super) fn invoke_message(text: &str) -> Value {
    json!({"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text})
}

/// `Action.Execute`: the answer arrives as an invoke; the response body is the new card.
pub(super) async fn execute(ctx: &Ctx<'_>, value: Option<&Value>) -> Result<Response, AppError> {
    let Some(action) = value.and_then(|v| v.get("action")) else {
        return Ok((
            StatusCode::BAD_REQUEST,
            Json(json!({
                "statusCode": 400,
                "type": "application/vnd.microsoft.error",
                "value": {"code": "BadRequest", "message": "no action in the invoke"}
            })),
        )
            .into_response());
    };
    if action.get("verb").and_then(Value::as_str) != Some(VERB) {
        return Ok(Json(invoke_message("That action is not one of pacer's.")).into_response());
    }
    let data = action.get("data").cloned().unwrap_or(Value::Null);
    match answer(ctx, &data).await? {
        Outcome::Refreshed(message) => Ok(Json(json!({
            "statusCode": 200,
            "type": cards::CARD_CONTENT_TYPE,
            "value": cards::card(&message),
        }))
        .into_response()),
        Outcome::Told(text) => Ok(Json(invoke_message(&text)).into_response()),
    }
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
