//! pacer's forms other than the check-in (a decision, an assignment) as Slack modals: one input
//! block per field, named by the field's id, and the submitted state read back by those ids.

use serde_json::{Value, json};

use super::blocks;
use crate::message::{FieldKind, Form};

/// The modals' callback id; the form's own action and value travel in the metadata.
pub const CALLBACK: &str = "pacer_form";

/// Slack's limit on a modal title.
const TITLE_MAX: usize = 24;

/// The modal for `form`; `metadata` is kept in `private_metadata` for the submission.
pub fn view(form: &Form, metadata: &str) -> Value {
    let mut title: String = form.title.chars().take(TITLE_MAX).collect();
    if title.is_empty() {
        title = "pacer".into();
    }
    let mut body: Vec<Value> = Vec::new();
    if !form.about.is_empty() {
        body.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("*{}*", blocks::escape(&form.about))}
        }));
    }
    for field in &form.fields {
        let element = match field.kind {
            FieldKind::Text { multiline, max } => json!({
                "type": "plain_text_input", "action_id": "value",
                "multiline": multiline, "max_length": max
            }),
            FieldKind::Person => json!({"type": "users_select", "action_id": "value"}),
            FieldKind::Date => json!({"type": "datepicker", "action_id": "value"}),
        };
        let mut input = json!({
            "type": "input",
            "block_id": field.id,
            "optional": !field.required,
            "label": {"type": "plain_text", "text": field.label},
            "element": element,
        });
        if let Some(hint) = &field.hint {
            input["hint"] = json!({"type": "plain_text", "text": hint});
        }
        body.push(input);
    }
    json!({
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": form.submit.chars().take(TITLE_MAX).collect::<String>()},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": body,
    })
}

/// The submitted fields by block id: typed text as typed, a picked user as a mention
/// (`<@U123>`), a picked date as `YYYY-MM-DD`. Blocks left empty are left out.
pub fn fields(state: &Value) -> Vec<(String, String)> {
    let Some(values) = state.get("values").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (block, actions) in values {
        let Some(v) = actions.get("value") else {
            continue;
        };
        let text = if let Some(user) = v.get("selected_user").and_then(Value::as_str) {
            Some(format!("<@{user}>"))
        } else if let Some(date) = v.get("selected_date").and_then(Value::as_str) {
            Some(date.to_string())
        } else {
            v.get("value").and_then(Value::as_str).map(str::to_string)
        };
        if let Some(text) = text {
            out.push((block.clone(), text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Field;

    #[test]
    fn a_form_becomes_a_modal_and_its_state_comes_back_by_field() {
        let form = Form {
            title: "Decide".into(),
            about: "#12 Ship <b> & co".into(),
            fields: vec![
                Field {
                    id: "decision",
                    label: "What was decided".into(),
                    kind: FieldKind::Text {
                        multiline: true,
                        max: 500,
                    },
                    required: true,
                    hint: None,
                },
                Field {
                    id: "owner",
                    label: "Owner".into(),
                    kind: FieldKind::Person,
                    required: false,
                    hint: Some("who".into()),
                },
                Field {
                    id: "due",
                    label: "Due".into(),
                    kind: FieldKind::Date,
                    required: false,
                    hint: None,
                },
            ],
            submit: "Record decision".into(),
            action: "agenda:decided".into(),
            value: "1:2".into(),
        };
        let v = view(&form, "meta");
        assert_eq!(v["callback_id"], CALLBACK);
        assert_eq!(
            v["blocks"][0]["text"]["text"],
            "*#12 Ship &lt;b&gt; &amp; co*"
        );
        assert_eq!(v["blocks"][1]["block_id"], "decision");
        assert_eq!(v["blocks"][1]["optional"], false);
        assert_eq!(v["blocks"][2]["element"]["type"], "users_select");
        assert_eq!(v["blocks"][3]["element"]["type"], "datepicker");
        let state = json!({"values": {
            "decision": {"value": {"type": "plain_text_input", "value": "build it"}},
            "owner": {"value": {"type": "users_select", "selected_user": "U0BEN"}},
            "due": {"value": {"type": "datepicker", "selected_date": null}},
        }});
        let mut got = fields(&state);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("decision".to_string(), "build it".to_string()),
                ("owner".to_string(), "<@U0BEN>".to_string()),
            ]
        );
    }
}
