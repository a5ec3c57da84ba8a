//! `POST /slack/commands`: the `/pacer` slash command.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{PLATFORM, PREFIX, blocks, valid_id, workspace_key};
use crate::commands::execute::{ChannelInfo, Invocation, Services, answer_without_state, run_text};
use crate::commands::render;
use crate::error::AppError;
use crate::message::Message;
use crate::people::ensure_person;
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
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let Some(slack) = state.slack.as_ref() else {
        return Err(AppError::NotFound);
    };
    slack.verify(&headers, &body, state.clock.now())?;
    let form: SlashCommand = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("malformed slash command".into()))?;
    if form.ssl_check.as_deref() == Some("1") {
        return Ok(StatusCode::OK.into_response());
    }
    let (Some(team_id), Some(user_id)) = (form.team_id.clone(), form.user_id.clone()) else {
        return Err(AppError::BadRequest(
            "team_id and user_id are required".into(),
        ));
    };
    if !valid_id(&team_id) || !valid_id(&user_id) {
        return Err(AppError::BadRequest("malformed team_id or user_id".into()));
    }
    if let Some(message) = answer_without_state(form.text.as_deref().unwrap_or_default(), PREFIX) {
        return Ok(Json(blocks::response(&message)).into_response());
    }
    let response_url = form.response_url.clone();
    let span = tracing::info_span!("slash_command", team = %team_id, user = %user_id);
    let task_state = state.clone();
    let mut task = state.tasks.spawn(tracing::Instrument::instrument(
        async move { execute(&task_state, form, team_id, user_id).await },
        span,
    ));
    match tokio::time::timeout(INLINE_DEADLINE, &mut task).await {
        Ok(Ok(Err(AppError::Unavailable(why)))) => Err(AppError::Unavailable(why)),
        Ok(joined) => Ok(Json(blocks::response(&finished(joined))).into_response()),
        Err(_) => {
            // Slow (a directory lookup, a busy database): ack now, answer when done.
            let follow_state = state.clone();
            state.tasks.spawn(async move {
                let message = finished(task.await);
                let (Some(url), Some(slack)) = (response_url, follow_state.slack.as_ref()) else {
                    return;
                };
                if let Err(e) = slack.api.respond(&url, &blocks::response(&message)).await {
                    tracing::warn!(error = %e, "could not deliver a delayed command reply");
                }
            });
            Ok(
                Json(json!({"response_type": "ephemeral", "text": "Working on it…"}))
                    .into_response(),
            )
        }
    }
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

async fn execute(
    state: &AppState,
    form: SlashCommand,
    team_id: String,
    user_id: String,
) -> Result<Message, AppError> {
    let Some(slack) = state.slack.as_ref() else {
        return Err(AppError::NotFound);
    };
    let now = state.clock.now();
    let key = workspace_key(&team_id, form.enterprise_id.as_deref());
    let ws = state
        .store
        .ensure_workspace(PLATFORM, &key, now.timestamp())
        .await?;
    let directory = slack.directory(&key).await;
    let caller = ensure_person(
        &state.store,
        &directory,
        ws,
        &user_id,
        form.user_name.as_deref(),
        now,
    )
    .await?;
    let channel = form
        .channel_id
        .filter(|c| {
            !c.starts_with('D')
                && valid_id(c)
                && form.channel_name.as_deref() != Some("directmessage")
        })
        .map(|id| ChannelInfo {
            id,
            name: form.channel_name.filter(|n| n != "privategroup"),
        });
    let invocation = Invocation {
        workspace_id: ws,
        configured_admin: state.config.admins.contains(&user_id),
        caller,
        channel,
        now,
        prefix: PREFIX,
    };
    let services = Services {
        store: &state.store,
        directory: &directory,
        admins: &state.config.admins,
        links: Some(crate::commands::execute::Links {
            keyring: &state.keyring,
            public_url: &state.config.public_url,
        }),
    };
    let text = form.text.unwrap_or_default();
    Ok(run_text(&services, &invocation, &text).await)
}
