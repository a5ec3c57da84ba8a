//! `POST /slack/interactivity`: buttons and forms. The payload arrives as a JSON string in the
//! `payload` form field, signed like everything else.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::error::AppError;
use crate::startup::AppState;

#[derive(Deserialize)]
struct Form {
    payload: String,
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
    let form: Form = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("missing payload field".into()))?;
    let payload: Value = serde_json::from_str(&form.payload)
        .map_err(|_| AppError::BadRequest("payload is not JSON".into()))?;
    let Some(kind) = payload.get("type").and_then(Value::as_str) else {
        return Err(AppError::BadRequest("payload has no type".into()));
    };
    let actions: Vec<&str> = payload
        .get("actions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("action_id").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    tracing::info!(kind, ?actions, "interaction with no handler; acknowledged");
    Ok(StatusCode::OK.into_response())
}
