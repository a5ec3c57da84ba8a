//! The sandbox's own time: "run the rhythm now" and the clock the page shows.

use std::sync::Arc;

use axum::extract::State;
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::{SandboxPlatform, workspace};
use crate::error::AppError;
use crate::startup::AppState;

/// Fire the next due check-in, reminder or digest now: move the sandbox's time to it and run
/// one tick of the scheduler, as `pacer tick` would.
pub(super) async fn rhythm(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
) -> Result<Json<Value>, AppError> {
    let ws = workspace(&state, &sb).await?;
    let now = sb.clock.now();
    let next = state
        .scheduler
        .next_due(ws, now)
        .await
        .map_err(AppError::from)?;
    let Some(next) = next else {
        return Ok(Json(json!({
            "fired": false,
            "summary": "Nothing is scheduled. Give a team a rhythm first: /pacer rhythm <team> checkin \"mon 09:00\"",
        })));
    };
    let at = if next > now && sb.clock.jump_to(next) {
        sb.clock.now()
    } else {
        next.max(now)
    };
    // Only the sandbox's own workspace: real tenants keep the process's clock.
    let report = state
        .scheduler
        .tick_workspace(ws, at)
        .await
        .map_err(AppError::from)?;
    let mut parts = Vec::new();
    let mut say = |n: usize, one: &str, many: &str| {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    };
    say(report.opened, "check-in opened", "check-ins opened");
    say(report.reminders_queued, "reminder due", "reminders due");
    say(report.closed, "cycle closed", "cycles closed");
    say(report.sent, "message sent", "messages sent");
    say(report.failed, "message failed", "messages failed");
    let when = at.format("%a %-d %b %H:%M UTC");
    let summary = if parts.is_empty() {
        format!("{when}: nothing needed sending.")
    } else {
        format!("{when}: {}.", parts.join(" · "))
    };
    Ok(Json(
        json!({"fired": true, "at": at.to_rfc3339(), "summary": summary}),
    ))
}

pub(super) async fn clock(
    Extension(sb): Extension<Arc<SandboxPlatform>>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({
        "now": sb.clock.now().format("%a %-d %b %Y %H:%M UTC").to_string(),
        "at": sb.clock.now().to_rfc3339(),
    })))
}
