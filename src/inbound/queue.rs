//! Platform events acknowledged before they are handled (Slack's Events API must be answered
//! within three seconds, and a 200 ends Slack's redeliveries). Before the 200, the event is
//! written to the jobs table under its event id; then this replica handles it at once. If the
//! handler fails, or the process dies, the job stays and is handled again: by the next
//! delivery of the same event, or by the inbound worker of any replica after a backoff or once
//! the dead holder's lease runs out. An event is marked done only when its effect is recorded.

use std::time::Duration;

use serde_json::Value;

use crate::error::AppError;
use crate::startup::AppState;
use crate::store::{JobKind, JobPayload, JobRow, Scope, StoreError};

/// How long a replica holds an inbound event it is handling: longer than any handler can take
/// (Slack's client waits out rate limits for at most 30 s, three times), so that no other
/// replica takes it over while it runs. Outcomes are fenced by the attempt all the same.
pub const LEASE_SECS: i64 = 300;
/// Attempts before an event is given up (with its reason logged and kept on the job).
pub const MAX_ATTEMPTS: i64 = 6;
/// How often the worker looks for events to retry.
pub const WORKER_EVERY: Duration = Duration::from_secs(5);

/// Record the event and start handling it. `Ok` means it is safe to acknowledge: the event is
/// stored and will be handled (now, or on retry). A redelivery of an event whose handling
/// failed is handled again at once; one already handled, or being handled, is ignored.
pub async fn accept(
    state: &AppState,
    ws: i64,
    platform: &str,
    event_id: &str,
    event: Value,
) -> Result<(), StoreError> {
    let key = format!("in:{platform}:{event_id}");
    let now = state.clock.now().timestamp();
    let payload = JobPayload::Inbound {
        platform: platform.to_string(),
        event,
    };
    state
        .store
        .enqueue_job(ws, &key, &payload, now, now)
        .await?;
    match state.store.claim_job_by_key(&key, now, LEASE_SECS).await? {
        Some(job) => {
            let task_state = state.clone();
            state.tasks.spawn(async move {
                if let Err(e) = process(&task_state, job).await {
                    tracing::warn!(error = %e, "could not record an inbound event's outcome");
                }
            });
        }
        None => tracing::info!(%event_id, %platform, "duplicate event delivery ignored"),
    }
    Ok(())
}

/// Handle every inbound event that is due for a retry (or whose holder died); how many.
pub async fn run_due(state: &AppState) -> Result<usize, StoreError> {
    let mut handled = 0;
    loop {
        if state.tasks.is_stopping() {
            return Ok(handled);
        }
        let now = state.clock.now().timestamp();
        let jobs = state
            .store
            .claim_jobs(&[JobKind::Inbound], &Scope::All, now, LEASE_SECS, 10)
            .await?;
        if jobs.is_empty() {
            return Ok(handled);
        }
        for job in jobs {
            process(state, job).await?;
            handled += 1;
        }
    }
}

/// Look for inbound events to retry every few seconds until shutdown.
pub async fn worker(state: AppState) {
    let cancel = state.tasks.token();
    loop {
        if let Err(e) = run_due(&state).await {
            tracing::warn!(error = %e, "inbound retries failed; will try again");
        }
        tokio::select! {
            _ = tokio::time::sleep(WORKER_EVERY) => {}
            _ = cancel.cancelled() => return,
        }
    }
}

/// Handle one claimed event and record the outcome on its job.
async fn process(state: &AppState, job: JobRow) -> Result<(), StoreError> {
    let now = state.clock.now().timestamp();
    let result = match job.payload() {
        Ok(JobPayload::Inbound { platform, event }) => {
            dispatch(state, job.workspace_id, &platform, event).await
        }
        Ok(other) => Err(AppError::BadRequest(format!(
            "not an inbound job: {:?}",
            other.kind()
        ))),
        Err(e) => Err(AppError::BadRequest(e)),
    };
    match result {
        Ok(()) => state.store.finish_job(&job, now).await,
        Err(e @ AppError::BadRequest(_)) => {
            tracing::error!(error = %e, key = %job.key, "inbound event cannot be handled; given up");
            state.store.fail_job(&job, &e.to_string(), now).await
        }
        Err(e) if job.attempts < MAX_ATTEMPTS => {
            let wait = 5i64 << (job.attempts.clamp(1, 8) - 1);
            tracing::warn!(error = ?e, key = %job.key, retry_in_secs = wait, "inbound event failed; will retry");
            state
                .store
                .retry_job(&job, now + wait, &e.to_string(), false)
                .await
        }
        Err(e) => {
            tracing::error!(error = ?e, key = %job.key, attempts = job.attempts, "inbound event given up");
            state.store.fail_job(&job, &e.to_string(), now).await
        }
    }
}

/// The platform that queued an event handles it.
async fn dispatch(state: &AppState, ws: i64, platform: &str, event: Value) -> Result<(), AppError> {
    match state.platforms.get(platform) {
        Some(p) => p.process(state, ws, event).await,
        None => Err(AppError::BadRequest(format!(
            "no inbound handler for {platform}"
        ))),
    }
}
