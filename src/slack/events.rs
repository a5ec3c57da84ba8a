//! The Events API, over HTTP (`POST /slack/events`) or Socket Mode. URL verification is
//! answered; every event is deduplicated by `event_id` in the database so Slack's retries have
//! one effect, and handled through the neutral inbound handler.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PLATFORM, Signed, SlackPlatform, blocks, respond, valid_id, workspace_key};
use crate::error::AppError;
use crate::inbound::{self, Place, Reply};
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Envelope {
    UrlVerification {
        challenge: String,
    },
    EventCallback {
        team_id: String,
        enterprise_id: Option<String>,
        #[serde(default)]
        is_enterprise_install: bool,
        event_id: String,
        /// Parsed so that a malformed event is refused before it is stored; handled later
        /// from the stored JSON.
        #[allow(dead_code)]
        event: SlackEvent,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum SlackEvent {
    AppHomeOpened {
        user: String,
        tab: Option<String>,
    },
    Message {
        channel: Option<String>,
        channel_type: Option<String>,
        user: Option<String>,
        text: Option<String>,
        bot_id: Option<String>,
        subtype: Option<String>,
    },
    AppUninstalled {},
    TokensRevoked {},
    #[serde(other)]
    Other,
}

pub async fn handle(
    State(state): State<AppState>,
    Signed { body, .. }: Signed,
) -> Result<Response, AppError> {
    let raw: Value = serde_json::from_slice(&body)
        .map_err(|_| AppError::BadRequest("malformed event payload".into()))?;
    Ok(respond(receive(&state, raw).await?))
}

/// Take an Events API payload however it arrived (HTTP or Socket Mode). `Ok` means it is
/// stored and safe to acknowledge; the body is the URL verification's answer, if any.
pub async fn receive(state: &AppState, raw: Value) -> Result<Option<Value>, AppError> {
    let envelope: Envelope = serde_json::from_value(raw.clone())
        .map_err(|_| AppError::BadRequest("malformed event payload".into()))?;
    match envelope {
        Envelope::UrlVerification { challenge } => Ok(Some(json!({ "challenge": challenge }))),
        Envelope::EventCallback {
            team_id,
            enterprise_id,
            is_enterprise_install,
            event_id,
            event: _,
        } => {
            if !valid_id(&team_id) || event_id.is_empty() || event_id.len() > 64 {
                return Err(AppError::BadRequest("malformed team_id or event_id".into()));
            }
            let now = state.clock.now().timestamp();
            let key = workspace_key(&team_id, enterprise_id.as_deref());
            let ws = state.store.ensure_workspace(PLATFORM, &key, now).await?;
            // Stored before the 200 and handled right after it: the work may call Slack and
            // must not hold the 3-second window, and must not be lost if it fails.
            // An org-wide (Enterprise Grid) install is kept under the organisation's id.
            let org = enterprise_id
                .as_deref()
                .filter(|e| is_enterprise_install && valid_id(e));
            let stored = json!({
                "key": key,
                "org": org,
                "event_id": event_id,
                "event": raw.get("event").cloned().unwrap_or(Value::Null),
            });
            crate::inbound::accept(state, ws, PLATFORM, &event_id, stored).await?;
            Ok(None)
        }
        Envelope::Other => Ok(None),
    }
}

/// What [`handle`] stored for an event: the workspace key and the event itself.
#[derive(Debug, Deserialize)]
struct Stored {
    key: String,
    #[serde(default)]
    org: Option<String>,
    event: SlackEvent,
}

/// Handle an event [`handle`] stored (see `crate::inbound`). An error means nothing was
/// recorded and the event is to be handled again.
pub async fn process(
    state: &AppState,
    slack: &SlackPlatform,
    _ws: i64,
    stored: Value,
) -> Result<(), AppError> {
    let Ok(Stored { key, org, event }) = serde_json::from_value::<Stored>(stored) else {
        return Err(AppError::BadRequest("malformed stored event".into()));
    };
    dispatch(state, slack, &key, org.as_deref(), event).await
}

/// `org`: the organisation of an org-wide (Enterprise Grid) install, whose token is kept under
/// its id.
async fn dispatch(
    state: &AppState,
    slack: &SlackPlatform,
    key: &str,
    org: Option<&str>,
    event: SlackEvent,
) -> Result<(), AppError> {
    match event {
        SlackEvent::AppUninstalled {} | SlackEvent::TokensRevoked {} => {
            let now = state.clock.now().timestamp();
            for installed in std::iter::once(key).chain(org) {
                state.store.mark_slack_uninstalled(installed, now).await?;
                tracing::info!(installation = %installed, "pacer was uninstalled; its token is no longer used");
            }
            Ok(())
        }
        SlackEvent::AppHomeOpened { user, tab }
            if tab.as_deref().unwrap_or("home") == "home" && valid_id(&user) =>
        {
            publish_home(state, slack, key, &user).await
        }
        SlackEvent::Message {
            channel: Some(channel),
            channel_type,
            user: Some(user),
            text: Some(text),
            bot_id: None,
            subtype: None,
        } if channel_type.as_deref() == Some("im") && valid_id(&user) => {
            direct_message(state, slack, key, &channel, &user, &text).await
        }
        _ => Ok(()),
    }
}

/// The Home tab: the person's priorities and how to use pacer.
async fn publish_home(
    state: &AppState,
    slack: &SlackPlatform,
    key: &str,
    user: &str,
) -> Result<(), AppError> {
    let Reply::Message(home) = slack
        .handle(state, key, user, None, inbound::Event::HomeOpened)
        .await?
    else {
        return Ok(());
    };
    let view = blocks::home_view(&home);
    let Some(token) = slack.token_for(key).await else {
        tracing::warn!("no bot token for this workspace; Home tab not published");
        return Ok(());
    };
    slack
        .api
        .call_json(
            &token,
            "views.publish",
            &json!({"user_id": user, "view": view}),
        )
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(())
}

/// A direct message to pacer is a command (the inbound handler reads `#12 at-risk 40% …` as a
/// status update).
async fn direct_message(
    state: &AppState,
    slack: &SlackPlatform,
    key: &str,
    channel: &str,
    user: &str,
    text: &str,
) -> Result<(), AppError> {
    // A storage failure records nothing and is retried; once recorded, the reply is sent once
    // at most (a failed post is logged, not retried, so the command never runs twice).
    let event = inbound::Event::Text {
        text: text.to_string(),
        place: Place::Direct,
    };
    let Reply::Message(reply) = slack.handle(state, key, user, None, event).await? else {
        return Ok(());
    };
    let Some(token) = slack.token_for(key).await else {
        return Ok(());
    };
    let body: Value = json!({
        "channel": channel,
        "text": blocks::fallback_text(&reply),
        "blocks": blocks::blocks(&reply, blocks::MAX_MESSAGE_BLOCKS),
    });
    if let Err(e) = slack.api.call_json(&token, "chat.postMessage", &body).await {
        tracing::warn!(error = %e, "could not answer a direct message");
    }
    Ok(())
}
