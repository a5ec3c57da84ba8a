//! Check-in buttons, the check-in form and a digest's Seen and Discuss, over HTTP
//! (`POST /slack/interactivity`, the payload a JSON string in the signed `payload` form field) or
//! Socket Mode. Clicks and forms go to the neutral inbound handler, which refuses forged and
//! foreign ones.

use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use std::sync::Arc;

use super::{Signed, SlackPlatform, blocks, forms, respond, valid_id, workspace_key};
use crate::commands::review::meeting;
use crate::domain::{Priority, Status};
use crate::error::AppError;
use crate::inbound::{Event, FormFields, Reply};
use crate::message::Message;
use crate::messenger::{Messenger, Sent};
use crate::reporting::digest::ack::ACTION_PREFIX as DIGEST_ACTION_PREFIX;
use crate::rhythm::prompt::ACTION_PREFIX;
use crate::startup::AppState;

pub const FORM_CALLBACK: &str = "checkin_form";

#[derive(Deserialize)]
struct Form {
    payload: String,
}

#[derive(Debug, Deserialize)]
struct Id {
    id: String,
    /// The user's workspace: what names it when `team` is null (org-wide installs).
    #[serde(default)]
    team_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Container {
    channel_id: Option<String>,
    message_ts: Option<String>,
    #[serde(default)]
    is_ephemeral: bool,
}

#[derive(Debug, Deserialize)]
struct Action {
    action_id: String,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    BlockActions {
        user: Id,
        team: Option<Id>,
        enterprise: Option<Id>,
        trigger_id: Option<String>,
        container: Option<Container>,
        response_url: Option<String>,
        #[serde(default)]
        actions: Vec<Action>,
    },
    ViewSubmission {
        user: Id,
        team: Option<Id>,
        enterprise: Option<Id>,
        view: View,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct View {
    callback_id: Option<String>,
    private_metadata: Option<String>,
    state: Option<Value>,
}

pub async fn handle(
    State(state): State<AppState>,
    Signed { slack, body }: Signed,
) -> Result<Response, AppError> {
    let form: Form = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("missing payload field".into()))?;
    let raw: Value = serde_json::from_str(&form.payload)
        .map_err(|_| AppError::BadRequest("payload is not JSON".into()))?;
    Ok(respond(receive(&state, &slack, raw).await?))
}

/// Take an interaction payload however it arrived (HTTP or Socket Mode); the body to answer
/// with, if any (the form's errors).
pub async fn receive(
    state: &AppState,
    slack: &Arc<SlackPlatform>,
    raw: Value,
) -> Result<Option<Value>, AppError> {
    if raw.get("type").and_then(Value::as_str).is_none() {
        return Err(AppError::BadRequest("payload has no type".into()));
    }
    let payload: Payload = serde_json::from_value(raw)
        .map_err(|_| AppError::BadRequest("malformed interaction payload".into()))?;
    match payload {
        Payload::BlockActions {
            user,
            team,
            enterprise,
            trigger_id,
            container,
            response_url,
            actions,
        } => {
            let Some(action) = actions.into_iter().next() else {
                return Ok(None);
            };
            if !is_ours(&action.action_id) {
                tracing::info!(action = %action.action_id, "interaction with no handler; acknowledged");
                return Ok(None);
            }
            let key = workspace_of(team, &user, enterprise.as_ref())?;
            let click = Click {
                key,
                user_id: user.id,
                trigger_id,
                container,
                response_url,
            };
            button(state, slack, click, action).await?;
            Ok(None)
        }
        Payload::ViewSubmission {
            user,
            team,
            enterprise,
            view,
        } if view.callback_id.as_deref() == Some(FORM_CALLBACK) => {
            let key = workspace_of(team, &user, enterprise.as_ref())?;
            submit_form(state, slack, &key, &user.id, &view).await
        }
        Payload::ViewSubmission {
            user,
            team,
            enterprise,
            view,
        } if view.callback_id.as_deref() == Some(forms::CALLBACK) => {
            let key = workspace_of(team, &user, enterprise.as_ref())?;
            submit_other_form(state, slack, &key, &user.id, &view).await
        }
        Payload::ViewSubmission { .. } | Payload::Other => Ok(None),
    }
}

/// Whether a button is one of pacer's: a check-in's or an agenda item's.
fn is_ours(action_id: &str) -> bool {
    action_id.starts_with(ACTION_PREFIX)
        || action_id.starts_with(meeting::PREFIX)
        || action_id.starts_with(DIGEST_ACTION_PREFIX)
}

/// The workspace key of an interaction, with its ids checked. Org-wide (Enterprise Grid)
/// installs send `team: null`; the user's own workspace names it then.
fn workspace_of(team: Option<Id>, user: &Id, enterprise: Option<&Id>) -> Result<String, AppError> {
    let team_id = team
        .map(|t| t.id)
        .or_else(|| user.team_id.clone())
        .ok_or_else(|| AppError::BadRequest("no team".into()))?;
    if !valid_id(&team_id) || !valid_id(&user.id) {
        return Err(AppError::BadRequest("malformed ids".into()));
    }
    Ok(workspace_key(&team_id, enterprise.map(|e| e.id.as_str())))
}

struct Click {
    key: String,
    user_id: String,
    trigger_id: Option<String>,
    container: Option<Container>,
    response_url: Option<String>,
}

/// Tell the clicker something privately, through the response_url.
fn tell(state: &AppState, slack: &SlackPlatform, response_url: Option<String>, text: String) {
    let Some(url) = response_url else {
        tracing::info!(%text, "could not tell the user: no response_url");
        return;
    };
    let api = slack.api.clone();
    state.tasks.spawn(async move {
        let body = json!({"response_type": "ephemeral", "replace_original": false, "text": text});
        if let Err(e) = api.respond(&url, &body).await {
            tracing::warn!(error = %e, "could not deliver an ephemeral reply");
        }
    });
}

async fn button(
    state: &AppState,
    slack: &Arc<SlackPlatform>,
    click: Click,
    action: Action,
) -> Result<(), AppError> {
    let value = action.value.unwrap_or_default();
    let event = Event::Click {
        action: action.action_id,
        value: value.clone(),
    };
    match slack
        .handle(state, &click.key, &click.user_id, None, event)
        .await?
    {
        Reply::Recorded(prompt) => refresh(
            state,
            slack,
            &click.key,
            prompt,
            click.container,
            click.response_url,
        ),
        Reply::OpenForm(priority) => open_form(slack, &priority, &value, &click).await,
        Reply::Form(form) => open_other_form(slack, &form, &click).await,
        Reply::Refused(why) => tell(state, slack, click.response_url, format!("⚠️ {why}")),
        _ => {}
    }
    Ok(())
}

/// Show what was recorded in the message that was clicked (or the one pacer sent).
fn refresh(
    state: &AppState,
    slack: &Arc<SlackPlatform>,
    key: &str,
    message: Message,
    container: Option<Container>,
    response_url: Option<String>,
) {
    let slack = slack.clone();
    let key = key.to_string();
    state.tasks.spawn(async move {
        let result: Result<(), String> = match container {
            Some(Container {
                is_ephemeral: true, ..
            }) => match response_url {
                Some(url) => {
                    let body = json!({
                        "replace_original": true,
                        "text": blocks::fallback_text(&message),
                        "blocks": blocks::blocks(&message, blocks::MAX_MESSAGE_BLOCKS),
                    });
                    slack
                        .api
                        .respond(&url, &body)
                        .await
                        .map_err(|e| e.to_string())
                }
                None => Ok(()),
            },
            Some(Container {
                channel_id: Some(channel),
                message_ts: Some(ts),
                ..
            }) => slack
                .messenger()
                .update(&key, &Sent { channel, ts }, &message)
                .await
                .map_err(|e| e.to_string()),
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not update the prompt in place");
        }
    });
}

/// Open the check-in form for a priority the clicker owns in that check-in.
async fn open_form(slack: &SlackPlatform, priority: &Priority, value: &str, click: &Click) {
    let Some(trigger) = click.trigger_id.as_deref() else {
        return;
    };
    let (channel, ts) = click
        .container
        .as_ref()
        .map(|c| {
            (
                c.channel_id.clone().unwrap_or_default(),
                c.message_ts.clone().unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    let metadata = format!("{value}|{channel}|{ts}");
    let view = form_view(priority, &metadata);
    let Some(token) = slack.token_for(&click.key).await else {
        return;
    };
    // The trigger expires three seconds after the click: open the form before acking.
    let body = json!({"trigger_id": trigger, "view": view});
    let call = slack.api.call_json(&token, "views.open", &body);
    match tokio::time::timeout(Duration::from_millis(2500), call).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "views.open failed"),
        Err(_) => tracing::warn!("views.open timed out"),
    }
}

/// Open one of pacer's other forms (a decision, an assignment) as a modal. The metadata keeps
/// the form's action and value, and where the clicked message is, to refresh it afterwards.
async fn open_other_form(slack: &SlackPlatform, form: &crate::message::Form, click: &Click) {
    let Some(trigger) = click.trigger_id.as_deref() else {
        return;
    };
    let container = click.container.as_ref();
    let meta = json!({
        "action": form.action,
        "value": form.value,
        "channel": container.and_then(|c| c.channel_id.clone()),
        "ts": container.and_then(|c| c.message_ts.clone()),
        "ephemeral": container.is_some_and(|c| c.is_ephemeral),
        "response_url": click.response_url,
    });
    let view = forms::view(form, &meta.to_string());
    let Some(token) = slack.token_for(&click.key).await else {
        return;
    };
    let body = json!({"trigger_id": trigger, "view": view});
    let call = slack.api.call_json(&token, "views.open", &body);
    match tokio::time::timeout(Duration::from_millis(2500), call).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "views.open failed"),
        Err(_) => tracing::warn!("views.open timed out"),
    }
}

/// A submitted decision or assignment form: recorded, the agenda it came from refreshed in
/// place, or the form's mistakes shown beside its fields.
async fn submit_other_form(
    state: &AppState,
    slack: &Arc<SlackPlatform>,
    key: &str,
    user_id: &str,
    view: &View,
) -> Result<Option<Value>, AppError> {
    let meta: Value = view
        .private_metadata
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or(Value::Null);
    let text = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_string);
    let (Some(action), Some(value)) = (text("action"), text("value")) else {
        return Ok(errors(
            json!({"decision": "This form could not be read; open it again."}),
        ));
    };
    let fields = view.state.as_ref().map(forms::fields).unwrap_or_default();
    let event = Event::Submit {
        action,
        value,
        fields,
    };
    match slack.handle(state, key, user_id, None, event).await? {
        Reply::Recorded(agenda) => {
            let container = Container {
                channel_id: text("channel"),
                message_ts: text("ts"),
                is_ephemeral: meta.get("ephemeral").and_then(Value::as_bool) == Some(true),
            };
            let container = container.channel_id.is_some().then_some(container);
            refresh(state, slack, key, agenda, container, text("response_url"));
            Ok(None)
        }
        Reply::Problems(problems) => {
            let problems: serde_json::Map<String, Value> = problems
                .into_iter()
                .map(|(f, why)| (f.to_string(), json!(why)))
                .collect();
            Ok(errors(Value::Object(problems)))
        }
        Reply::Refused(why) => {
            // Shown beside the form's first field: the modal stays open with the reason.
            let first = match meta.get("action").and_then(Value::as_str) {
                Some(meeting::ACTION_ASSIGNED) => "owner",
                Some(crate::rhythm::focus::ACTION_ANSWERED) => "level",
                _ => "decision",
            };
            Ok(errors(json!({ first: why })))
        }
        _ => Ok(None),
    }
}

fn status_option(s: Status) -> Value {
    json!({"text": {"type": "plain_text", "text": blocks::status_chip(s), "emoji": true}, "value": s.as_str()})
}

/// The "Update…" form: status, progress, note and blocker.
pub fn form_view(priority: &crate::domain::Priority, metadata: &str) -> Value {
    let mut title = format!("Check-in {}", priority.number);
    title.truncate(24);
    let text_input = |block: &str, label: &str, multiline: bool, max: u32| {
        json!({
            "type": "input", "block_id": block, "optional": true,
            "label": {"type": "plain_text", "text": label},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": multiline, "max_length": max}
        })
    };
    json!({
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}* {}", priority.number, blocks::escape(&priority.title))}},
            {
                "type": "input", "block_id": "status",
                "label": {"type": "plain_text", "text": "Status"},
                "element": {
                    "type": "static_select", "action_id": "value",
                    "initial_option": status_option(priority.status),
                    "options": Status::ALL.iter().map(|s| status_option(*s)).collect::<Vec<_>>()
                }
            },
            {
                "type": "input", "block_id": "progress",
                "label": {"type": "plain_text", "text": "Progress (%)"},
                "element": {"type": "plain_text_input", "action_id": "value", "initial_value": priority.progress.value().to_string()}
            },
            text_input("note", "Note", true, 2000),
            text_input("blocker", "Blocker (what or who you are waiting on)", false, 500),
        ]
    })
}

fn field<'a>(state: &'a Value, block: &str) -> Option<&'a Value> {
    state.pointer(&format!("/values/{block}/value"))
}

fn errors(errors: Value) -> Option<Value> {
    Some(json!({"response_action": "errors", "errors": errors}))
}

async fn submit_form(
    state: &AppState,
    slack: &Arc<SlackPlatform>,
    key: &str,
    user_id: &str,
    view: &View,
) -> Result<Option<Value>, AppError> {
    let empty = Value::Null;
    let values = view.state.as_ref().unwrap_or(&empty);
    let meta = view.private_metadata.as_deref().unwrap_or("");
    let mut parts = meta.splitn(3, '|');
    let value = parts.next().unwrap_or("").to_string();
    let channel = parts.next().unwrap_or("").to_string();
    let ts = parts.next().unwrap_or("").to_string();
    let read = |block: &str, path: &str| {
        field(values, block)
            .and_then(|v| v.pointer(path))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let fields = FormFields {
        status: read("status", "/selected_option/value"),
        progress: read("progress", "/value"),
        note: read("note", "/value"),
        blocker: read("blocker", "/value"),
    };
    match slack
        .handle(state, key, user_id, None, Event::Form { value, fields })
        .await?
    {
        Reply::Recorded(prompt) => {
            let container = (!channel.is_empty() && !ts.is_empty()).then_some(Container {
                channel_id: Some(channel),
                message_ts: Some(ts),
                is_ephemeral: false,
            });
            refresh(state, slack, key, prompt, container, None);
            Ok(None)
        }
        Reply::Problems(problems) => {
            let problems: serde_json::Map<String, Value> = problems
                .into_iter()
                .map(|(f, why)| (f.to_string(), json!(why)))
                .collect();
            Ok(errors(Value::Object(problems)))
        }
        Reply::Refused(why) => Ok(errors(json!({ "status": why }))),
        _ => Ok(None),
    }
}
