//! The `/pacer` slash command, over HTTP (`POST /slack/commands`) or Socket Mode: Slack's
//! fields become a text [`Event`](crate::inbound::Event) for the neutral inbound handler, and
//! its reply becomes the command's response.

use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use std::sync::Arc;

use super::{PREFIX, Signed, SlackPlatform, blocks, respond, valid_id, workspace_key};
use crate::commands::execute::ChannelInfo;
use crate::commands::render;
use crate::error::AppError;
use crate::inbound::{self, Event, Place, Reply};
use crate::message::Message;
use crate::startup::AppState;

/// Slack waits 3 s for the answer; past this we ack and answer through response_url.
const INLINE_DEADLINE: Duration = Duration::from_millis(2500);

#[derive(Debug, Deserialize)]
pub struct SlashCommand {
    team_id: Option<String>,
    enterprise_id: Option<String>,
    channel_id: Option<String>,
    channel_name: Option<String>,
    user_id: Option<String>,
    user_name: Option<String>,
    text: Option<String>,
    response_url: Option<String>,
    ssl_check: Option<String>,
}

pub async fn handle(
    State(state): State<AppState>,
    Signed { slack, body }: Signed,
) -> Result<Response, AppError> {
    let form: SlashCommand = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("malformed slash command".into()))?;
    Ok(respond(answer(&state, &slack, form).await?))
}

/// Answer a slash command however it arrived: the response body (`None` for Slack's SSL check).
/// A command that takes longer than Slack waits is acknowledged with "Working on it…" and
/// answered through its response_url when done.
pub async fn answer(
    state: &AppState,
    slack: &Arc<SlackPlatform>,
    form: SlashCommand,
) -> Result<Option<Value>, AppError> {
    if form.ssl_check.as_deref() == Some("1") {
        return Ok(None);
    }
    let (Some(team_id), Some(user_id)) = (form.team_id.clone(), form.user_id.clone()) else {
        return Err(AppError::BadRequest(
            "team_id and user_id are required".into(),
        ));
    };
    if !valid_id(&team_id) || !valid_id(&user_id) {
        return Err(AppError::BadRequest("malformed team_id or user_id".into()));
    }
    let place = place(&form);
    let text = form.text.clone().unwrap_or_default();
    if let Some(message) = inbound::answer_at_once(&text, &place, PREFIX) {
        return Ok(Some(blocks::response(&message)));
    }
    let response_url = form.response_url.clone();
    let span = tracing::info_span!("slash_command", team = %team_id, user = %user_id);
    let task_state = state.clone();
    let task_slack = slack.clone();
    let mut task = state.tasks.spawn(tracing::Instrument::instrument(
        async move {
            let key = workspace_key(&team_id, form.enterprise_id.as_deref());
            let event = Event::Text { text, place };
            run(
                &task_state,
                &task_slack,
                &key,
                &user_id,
                form.user_name,
                event,
            )
            .await
        },
        span,
    ));
    match tokio::time::timeout(INLINE_DEADLINE, &mut task).await {
        Ok(Ok(Err(AppError::Unavailable(why)))) => Err(AppError::Unavailable(why)),
        Ok(joined) => Ok(Some(blocks::response(&finished(joined)))),
        Err(_) => {
            // Slow (a directory lookup, a busy database): ack now, answer when done.
            let slack = slack.clone();
            state.tasks.spawn(async move {
                let message = finished(task.await);
                let Some(url) = response_url else {
                    return;
                };
                if let Err(e) = slack.api.respond(&url, &blocks::response(&message)).await {
                    tracing::warn!(error = %e, "could not deliver a delayed command reply");
                }
            });
            Ok(Some(
                json!({"response_type": "ephemeral", "text": "Working on it…"}),
            ))
        }
    }
}

/// Where the command was typed: a direct message, or a channel pacer may answer in.
fn place(form: &SlashCommand) -> Place {
    form.channel_id
        .clone()
        .filter(|c| {
            !c.starts_with('D')
                && valid_id(c)
                && form.channel_name.as_deref() != Some("directmessage")
        })
        .map(|id| {
            Place::Channel(ChannelInfo {
                id,
                name: form.channel_name.clone().filter(|n| n != "privategroup"),
            })
        })
        .unwrap_or(Place::Direct)
}

fn finished(joined: Result<Result<Message, AppError>, tokio::task::JoinError>) -> Message {
    match joined {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            tracing::error!(error = ?e, "slash command failed");
            render::internal_error()
        }
        Err(e) => {
            tracing::error!(error = %e, "slash command task died");
            render::internal_error()
        }
    }
}

async fn run(
    state: &AppState,
    slack: &SlackPlatform,
    key: &str,
    user_id: &str,
    name: Option<String>,
    event: Event,
) -> Result<Message, AppError> {
    Ok(
        match slack.handle(state, key, user_id, name, event).await? {
            Reply::Message(m) | Reply::Recorded(m) => m,
            _ => render::internal_error(),
        },
    )
}
