//! Delivering due jobs: claim with a lease, build the message from the current state, send,
//! record, and finish; retry with backoff or give up with a logged reason. No transaction is
//! open while a platform is called.

use super::{MAX_ATTEMPTS, TickReport};

/// How long a claim lasts and whose jobs a tick delivers. How fast is the messengers' business:
/// each paces itself to its platform's published limits (`crate::pace`).
#[derive(Clone)]
pub struct Pace {
    pub lease_secs: i64,
    /// The scheduler's clock, for renewing leases during a long batch (a tick's `now` is fixed
    /// at its start); without one, the tick's `now`.
    pub clock: Option<crate::clock::SharedClock>,
    /// Whose jobs this tick delivers.
    pub scope: Scope,
    /// Sends outgoing webhook events; without one, they are left for a scheduler that has one.
    pub webhooks: Option<std::sync::Arc<crate::webhooks::Sender>>,
}
use chrono_tz::Tz;

use crate::domain::away::AwayReason;
use crate::http::metrics::{self, metrics};
use crate::messenger::{Messenger, Messengers, SendError};
use crate::store::{JobKind, JobPayload, JobRow, Scope, Store, StoreError};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::task::JoinSet;
use tracing::Instrument;

use chrono::{DateTime, Duration, Utc};

/// Jobs claimed at a time: a replica that dies strands at most [`IN_FLIGHT`] until its lease
/// ends, and replicas ticking together share a fan-out batch by batch.
pub const CLAIM_BATCH: i64 = 10;

/// Deliveries in flight at once per replica: enough to keep a platform's allowed rate busy
/// while each call takes its round trip; the messengers keep to the rate itself.
pub const IN_FLIGHT: usize = 20;

type Finished = (JobRow, Result<Outcome, JobError>);

pub async fn run_due_jobs(
    store: &Store,
    messengers: &Messengers,
    now: DateTime<Utc>,
    pace: &Pace,
    stopping: &AtomicBool,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    let mut claimed: VecDeque<JobRow> = VecDeque::new();
    let mut running: JoinSet<Finished> = JoinSet::new();
    let mut started: HashMap<tokio::task::Id, JobRow> = HashMap::new();
    let mut drained = false;
    let kinds: Vec<JobKind> = JobKind::OUTBOUND
        .into_iter()
        .filter(|k| *k != JobKind::Webhook || pace.webhooks.is_some())
        .collect();
    loop {
        if stopping.load(Ordering::SeqCst) && !claimed.is_empty() {
            let unsent: Vec<JobRow> = claimed.drain(..).collect();
            store.release_jobs(&unsent).await?;
            tracing::info!(
                released = unsent.len(),
                "stopping: claimed jobs handed back"
            );
        }
        let stop = stopping.load(Ordering::SeqCst);
        // Small batches: a claim covers only the few jobs about to be worked on.
        if !stop
            && !drained
            && claimed.is_empty()
            && running.len() + CLAIM_BATCH as usize <= IN_FLIGHT
        {
            let jobs = store
                .claim_jobs(
                    &kinds,
                    &pace.scope,
                    now.timestamp(),
                    pace.lease_secs,
                    CLAIM_BATCH,
                )
                .await?;
            drained = jobs.is_empty();
            claimed.extend(jobs);
        }
        if !stop {
            start_claimed(
                store,
                messengers,
                now,
                pace,
                &mut claimed,
                &mut running,
                &mut started,
            )
            .await?;
        }
        let Some(done) = running.join_next_with_id().await else {
            if claimed.is_empty() && (drained || stop) {
                return Ok(());
            }
            continue;
        };
        finished(store, done, &mut started, now, report).await?;
    }
}

/// Start claimed jobs until [`IN_FLIGHT`] are running. Each job's lease is renewed first, so
/// a job whose lease ran out during a slow batch is left to whoever took it over.
async fn start_claimed(
    store: &Store,
    messengers: &Messengers,
    now: DateTime<Utc>,
    pace: &Pace,
    claimed: &mut VecDeque<JobRow>,
    running: &mut JoinSet<Finished>,
    started: &mut HashMap<tokio::task::Id, JobRow>,
) -> Result<(), StoreError> {
    while running.len() < IN_FLIGHT {
        let Some(job) = claimed.pop_front() else {
            break;
        };
        // Still ours? A slow batch can outlive its lease; whoever took the job over owns it.
        let current = pace.clock.as_ref().map(|c| c.now()).unwrap_or(now).max(now);
        if !store
            .renew_lease(job.id, job.attempts, current.timestamp() + pace.lease_secs)
            .await?
        {
            tracing::warn!(id = job.id, "job taken over by another worker; leaving it");
            continue;
        }
        metrics::job(job.kind.as_str(), "claimed");
        if now.timestamp() - job.due_at > 60 {
            metrics().jobs_late.inc();
        }
        let span = tracing::info_span!("job", id = job.id, kind = %job.kind, key = %job.key);
        let (store, messengers, row) = (store.clone(), messengers.clone(), job.clone());
        let webhooks = pace.webhooks.clone();
        let task = running.spawn(
            async move {
                let outcome = match webhooks {
                    Some(sender) if row.kind == JobKind::Webhook => {
                        webhook(&store, &sender, &row).await
                    }
                    _ => run(&store, &messengers, &row, now).await,
                };
                (row, outcome)
            }
            .instrument(span),
        );
        started.insert(task.id(), job);
    }
    Ok(())
}

/// Record a delivery task that has ended, whether it returned or panicked.
async fn finished(
    store: &Store,
    done: Result<(tokio::task::Id, Finished), tokio::task::JoinError>,
    started: &mut HashMap<tokio::task::Id, JobRow>,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    match done {
        Ok((id, (job, outcome))) => {
            started.remove(&id);
            record(store, &job, outcome, now, report).await?;
        }
        Err(e) => {
            // A delivery that panicked: counted as a failed attempt, retried with backoff.
            let Some(job) = started.remove(&e.id()) else {
                return Ok(());
            };
            tracing::error!(id = job.id, error = %e, "delivery task died");
            let outcome = Err(JobError::Invalid(format!("delivery task died: {e}")));
            record(store, &job, outcome, now, report).await?;
        }
    }
    Ok(())
}

/// The outcome of one delivery, written back to its job (fenced by the attempt it claimed).
async fn record(
    store: &Store,
    job: &JobRow,
    outcome: Result<Outcome, JobError>,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    let span = tracing::info_span!("job", id = job.id, kind = %job.kind, key = %job.key);
    let _enter = span.enter();
    match outcome {
        Ok(Outcome::Sent) => {
            metrics::job(job.kind.as_str(), "sent");
            store.finish_job(job, now.timestamp()).await?;
            report.sent += 1;
        }
        Ok(Outcome::NothingToDo) => {
            metrics::job(job.kind.as_str(), "skipped");
            store.finish_job(job, now.timestamp()).await?;
            report.skipped += 1;
        }
        Err(JobError::Send(SendError::Retry {
            after,
            not_sent,
            reason,
        })) if job.attempts < MAX_ATTEMPTS => {
            // Slack's "wait" does not count against the attempts.
            // Whatever a platform sends, the wait is between one second and an hour.
            let wait = after
                .map(crate::messenger::clamp_retry_after)
                .map(|d| Duration::seconds(d.as_secs() as i64))
                .unwrap_or_else(|| backoff(job.kind, job.attempts));
            let error = format!(
                "{}: {reason}",
                if not_sent { "not sent" } else { "unknown" }
            );
            store
                // Only a wait before anything was sent is not an attempt: an unknown
                // outcome must still be looked up next time.
                .retry_job(
                    job,
                    (now + wait).timestamp(),
                    &error,
                    after.is_some() && not_sent,
                )
                .await?;
            tracing::warn!(%error, retry_in_secs = wait.num_seconds(), "delivery will be retried");
            metrics::job(job.kind.as_str(), "retried");
            report.retried += 1;
        }
        Err(JobError::Store(e)) if job.attempts < MAX_ATTEMPTS => {
            // The database failed mid-delivery (a lost connection, a deadlock): the message
            // may be out already, so the next attempt looks for it before sending.
            let error = format!("unknown: {e}");
            let wait = backoff(job.kind, job.attempts);
            store
                .retry_job(job, (now + wait).timestamp(), &error, false)
                .await?;
            tracing::warn!(%error, retry_in_secs = wait.num_seconds(), "delivery will be retried");
            metrics::job(job.kind.as_str(), "retried");
            report.retried += 1;
        }
        Err(e) => {
            tracing::error!(error = %e, attempts = job.attempts, "delivery given up");
            store.fail_job(job, &e.to_string(), now.timestamp()).await?;
            metrics::job(job.kind.as_str(), "failed");
            report.failed += 1;
        }
    }
    Ok(())
}

fn backoff(kind: JobKind, attempts: i64) -> Duration {
    if kind == JobKind::Webhook {
        return webhook_backoff(attempts);
    }
    Duration::seconds((30i64 << (attempts.clamp(1, 8) - 1)).min(3600))
}

/// A receiver that is down is given hours to come back, not the minutes a platform needs:
/// 1 min, 5 min, 30 min, 2 h, 6 h after the first five attempts; the sixth is the last.
fn webhook_backoff(attempts: i64) -> Duration {
    const WAITS: [i64; 5] = [60, 300, 1800, 7200, 21_600];
    Duration::seconds(WAITS[(attempts.clamp(1, 5) - 1) as usize])
}

/// Deliver one webhook event and say what becomes of its job: done when the receiver took it
/// (or the hook is gone), retried when it may take it later, given up otherwise.
async fn webhook(
    store: &Store,
    sender: &crate::webhooks::Sender,
    job: &JobRow,
) -> Result<Outcome, JobError> {
    use crate::webhooks::Delivery;
    let JobPayload::Webhook {
        hook_id,
        event_id,
        event_type,
        body,
    } = job.payload().map_err(JobError::Invalid)?
    else {
        return Err(JobError::Invalid("not a webhook job".into()));
    };
    let queued = crate::webhooks::send::Queued {
        ws: job.workspace_id,
        hook_id,
        event_id: &event_id,
        event_type: &event_type,
        body: &body,
    };
    match sender.deliver(store, &queued).await? {
        Delivery::Delivered(_) => Ok(Outcome::Sent),
        Delivery::Dropped => Ok(Outcome::NothingToDo),
        Delivery::Gone => Err(JobError::Invalid(
            "the receiver answered 410 Gone; the hook was removed".into(),
        )),
        // Whatever happened, the attempt counts: a receiver that keeps asking to wait still
        // runs out of attempts.
        Delivery::Retry { after, reason } => Err(JobError::Send(SendError::Retry {
            after,
            not_sent: false,
            reason,
        })),
        Delivery::Failed(reason) => Err(JobError::Invalid(reason)),
    }
}

enum Outcome {
    Sent,
    NothingToDo,
}

#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error("{0}")]
    Send(SendError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
}

async fn run(
    store: &Store,
    messengers: &Messengers,
    job: &JobRow,
    now: DateTime<Utc>,
) -> Result<Outcome, JobError> {
    let ws = job.workspace_id;
    let (platform, key) = store
        .workspace_ref(ws)
        .await?
        .ok_or_else(|| JobError::Invalid("workspace is gone".into()))?;
    let messenger = messengers
        .get(&platform)
        .ok_or_else(|| JobError::Invalid(format!("no {platform} messenger configured")))?;
    // A previous attempt whose outcome is unknown may have been delivered: look first.
    let unknown_before = job.attempts > 1
        && !job
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("not sent"));
    let (cycle_id, person_id, reminder) = match job.payload().map_err(JobError::Invalid)? {
        JobPayload::Digest { cycle_id } => {
            let post = (cycle_id, now);
            return digest(store, messenger.as_ref(), &key, job, post, unknown_before).await;
        }
        JobPayload::Stall {
            target_id,
            dependent_id,
            ..
        } => {
            let ids = (target_id, dependent_id);
            return stall_notice(
                store,
                messenger.as_ref(),
                &key,
                job,
                ids,
                now,
                unknown_before,
            )
            .await;
        }
        JobPayload::Decision {
            decision_id,
            person_id,
        } => {
            let ids = (decision_id, person_id);
            return decision_notice(store, messenger.as_ref(), &key, job, ids, unknown_before)
                .await;
        }
        JobPayload::Agenda {
            team_id,
            meeting_at,
        } => {
            let ids = (team_id, meeting_at);
            return agenda(
                store,
                messenger.as_ref(),
                &key,
                job,
                ids,
                now,
                unknown_before,
            )
            .await;
        }
        JobPayload::Assignment {
            assignment_id,
            person_id,
        } => {
            let ids = (assignment_id, person_id);
            return assignment_notice(store, messenger.as_ref(), &key, job, ids, unknown_before)
                .await;
        }
        JobPayload::Acting {
            away_id,
            owner_id,
            person_id,
            starts_on,
            ends_on,
            ended,
        } => {
            let notice = ActingNotice {
                away_id,
                owner_id,
                person_id,
                period: (starts_on, ends_on),
                ended,
            };
            return acting_notice(store, messenger.as_ref(), &key, job, notice, unknown_before)
                .await;
        }
        JobPayload::DigestFollow {
            cycle_id,
            person_id,
        } => {
            let ids = (cycle_id, person_id);
            return follower_digest(store, messenger.as_ref(), &key, job, ids, unknown_before)
                .await;
        }
        JobPayload::DigestLate {
            cycle_id,
            priority_id,
            person_id,
            status,
            progress,
        } => {
            let answer = LateAnswer {
                cycle_id,
                priority_id,
                person_id,
                status: &status,
                progress,
            };
            return late_answer(store, messenger.as_ref(), &key, job, answer, unknown_before).await;
        }
        JobPayload::Prompt {
            cycle_id,
            person_id,
        } => (cycle_id, person_id, false),
        JobPayload::Remind {
            cycle_id,
            person_id,
        } => (cycle_id, person_id, true),
        JobPayload::Inbound { .. } => {
            return Err(JobError::Invalid(
                "inbound jobs are the server's, not the scheduler's".into(),
            ));
        }
        JobPayload::Webhook { .. } => {
            return Err(JobError::Invalid("no webhook sender is configured".into()));
        }
    };
    let checkin = (cycle_id, person_id, reminder);
    send_checkin(
        store,
        messenger.as_ref(),
        &key,
        job,
        checkin,
        now,
        unknown_before,
    )
    .await
}

/// Send a person their check-in prompt (or reminder), unless there is no longer anything to
/// ask: the cycle closed, they already answered, or they own nothing in it.
async fn send_checkin(
    store: &Store,
    messenger: &dyn Messenger,
    key: &str,
    job: &JobRow,
    (cycle_id, person_id, reminder): (i64, i64, bool),
    now: DateTime<Utc>,
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    let ws = job.workspace_id;
    let cycle = store
        .cycle(ws, cycle_id)
        .await?
        .ok_or_else(|| JobError::Invalid("cycle is gone".into()))?;
    let person = store
        .person(ws, person_id)
        .await?
        .ok_or_else(|| JobError::Invalid("person is gone".into()))?;
    // Decided when due; re-checked now: an answer may have come in between.
    if reminder && (!cycle.is_open() || store.unanswered(cycle_id, person_id).await? == 0) {
        return Ok(Outcome::NothingToDo);
    }
    if !reminder && !cycle.is_open() {
        return Ok(Outcome::NothingToDo);
    }
    if store
        .checkin_items(ws, cycle_id, person_id)
        .await?
        .is_empty()
    {
        return Ok(Outcome::NothingToDo);
    }
    // A status of vacation, sick leave or out of office: away for this cycle, asked nothing.
    // (Not after an attempt whose outcome is unknown: that prompt may be out already.)
    if !unknown_before
        && let Some(label) =
            super::absence::away_by_status(store, messenger, key, ws, &person, now.timestamp())
                .await?
    {
        let reason = AwayReason::Status(label);
        store
            .mark_away_by_status(ws, cycle_id, person_id, &reason)
            .await?;
        tracing::info!(
            cycle_id,
            reminder,
            "the person's status says away; not asked"
        );
        return Ok(Outcome::NothingToDo);
    }
    let message = super::checkin::current_prompt(store, ws, &cycle, &person, now, reminder).await?;
    if unknown_before
        && let Some(sent) = messenger
            .find_direct(key, &person.user_id, &job.key)
            .await
            .map_err(JobError::Send)?
    {
        tracing::info!("found the message an earlier attempt delivered; not sending again");
        store
            .save_prompt(ws, cycle_id, person_id, &sent.channel, &sent.ts)
            .await?;
        return Ok(Outcome::Sent);
    }
    let sent = messenger
        .send_direct(key, &person.user_id, &message, &job.key)
        .await
        .map_err(JobError::Send)?;
    // Recorded right after the call: the crash window is as short as it can be.
    store
        .save_prompt(ws, cycle_id, person_id, &sent.channel, &sent.ts)
        .await?;
    Ok(Outcome::Sent)
}

/// Keep a closed cycle's figures for the trends, then post its digest to the team's channel and
/// the full list as a thread reply.
/// Each part is recorded as soon as it is posted, so a retry skips what is already there.
async fn digest(
    store: &Store,
    messenger: &dyn Messenger,
    key: &str,
    job: &JobRow,
    (cycle_id, now): (i64, DateTime<Utc>),
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    let ws = job.workspace_id;
    let cycle = store
        .cycle(ws, cycle_id)
        .await?
        .ok_or_else(|| JobError::Invalid("cycle is gone".into()))?;
    let team = store
        .team(ws, cycle.team_id)
        .await?
        .ok_or_else(|| JobError::Invalid("team is gone".into()))?;
    let closed_at = DateTime::from_timestamp(cycle.closes_at, 0).unwrap_or_default();
    let built =
        crate::reporting::digest::build(store, ws, &team, Some(&cycle), closed_at, false).await?;
    // Kept for the dashboard's trends whether or not the digest is posted, so they never
    // re-evaluate drift as of a past close.
    crate::reporting::trends::record(store, ws, &cycle, &built).await?;
    let Some(channel) = team.channel_id.clone() else {
        tracing::info!(team = %team.name, "team has no channel; digest not posted");
        return Ok(Outcome::NothingToDo);
    };
    let tz: Tz = store
        .rhythm(ws, team.id)
        .await?
        .and_then(|r| r.home_zone.parse().ok())
        .unwrap_or(Tz::UTC);
    let posted = store.digest_post(ws, cycle_id).await?;
    let main_ts = match &posted {
        Some((_, ts, _)) => ts.clone(),
        None => {
            let post = (channel.as_str(), job.key.as_str(), None);
            let sent = find_or_post(messenger, key, post, unknown_before, || {
                crate::reporting::render::summary(&built, tz)
            })
            .await?;
            // The digest's webhook events are queued with the record that it was posted.
            let (event, flags) = crate::webhooks::digest_events(&built, cycle_id);
            store
                .save_digest_post(
                    ws,
                    cycle_id,
                    (&sent.channel, &sent.ts),
                    &event,
                    &flags,
                    (Utc::now().timestamp(), now.timestamp()),
                )
                .await?;
            sent.ts
        }
    };
    // Its followers get it as a direct message, each once: queued under a key per follower.
    queue_followers(store, ws, team.id, cycle_id, now).await?;
    if posted
        .as_ref()
        .is_some_and(|(_, _, thread)| thread.is_some())
    {
        return Ok(Outcome::Sent);
    }
    let thread_key = format!("{}:thread", job.key);
    let post = (
        channel.as_str(),
        thread_key.as_str(),
        Some(main_ts.as_str()),
    );
    let sent = find_or_post(messenger, key, post, unknown_before, || {
        crate::reporting::render::thread(&built)
    })
    .await?;
    store.save_digest_thread(ws, cycle_id, &sent.ts).await?;
    Ok(Outcome::Sent)
}

/// Post `render`'s message to a channel (or a thread of it) under a key. When an earlier
/// attempt's outcome is unknown, the post may already be there: look for it first, so it is
/// not posted twice. The message is only built when it is really posted.
async fn find_or_post(
    messenger: &dyn Messenger,
    key: &str,
    (channel, post_key, thread): (&str, &str, Option<&str>),
    unknown_before: bool,
    render: impl FnOnce() -> crate::message::Message,
) -> Result<crate::messenger::Sent, JobError> {
    let found = if unknown_before {
        messenger
            .find(key, channel, post_key, thread)
            .await
            .map_err(JobError::Send)?
    } else {
        None
    };
    match found {
        Some(sent) => Ok(sent),
        None => messenger
            .post(key, channel, &render(), post_key, thread)
            .await
            .map_err(JobError::Send),
    }
}

#[allow(clippy::too_many_arguments)]
/// Tell the owner of a priority that what it waits on (in another team) has stalled.
async fn stall_notice(
    store: &Store,
    messenger: &dyn Messenger,
    key: &str,
    job: &JobRow,
    (target_id, dependent_id): (i64, i64),
    now: DateTime<Utc>,
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    let ws = job.workspace_id;
    let found = store
        .priorities_by_ids(ws, &[target_id, dependent_id])
        .await?;
    let (Some(target), Some(dependent)) = (
        found.iter().find(|p| p.id == target_id),
        found.iter().find(|p| p.id == dependent_id),
    ) else {
        return Ok(Outcome::NothingToDo);
    };
    if !dependent.is_active() {
        return Ok(Outcome::NothingToDo);
    }
    let thresholds = store.drift_thresholds(ws).await?;
    let flags = crate::reporting::drift::evaluate(
        store,
        ws,
        std::slice::from_ref(target),
        now,
        now.date_naive(),
        &thresholds,
    )
    .await?;
    let why = match flags.get(&target.id).and_then(|r| r.first()) {
        Some(r) => r.text.clone(),
        None => target.status.label().to_lowercase(),
    };
    let message = crate::message::Message {
        blocks: vec![
            crate::message::Block::Text(
                crate::message::Rich::new()
                    .text("Heads up: ")
                    .priority(target.number)
                    .text(" ")
                    .bold(&target.title)
                    .text(format!(" ({}), which your ", target.team_name))
                    .priority(dependent.number)
                    .text(format!(" {} waits on, is in trouble: ", dependent.title))
                    .italic(why)
                    .text(". Its owner is ")
                    .user(&target.owner_user_id, &target.owner_name)
                    .text("."),
            ),
            crate::message::next_steps(
                messenger.direct_prefix(),
                &[
                    &format!("show {}", target.number),
                    &format!("status {} at-risk", dependent.number),
                ],
            ),
        ],
        visibility: crate::message::Visibility::Shared,
    };
    let to = (dependent.owner_user_id.as_str(), job.key.as_str());
    notify_once(messenger, key, to, &message, unknown_before).await
}

/// Tell one person of a decision on a priority they own, wait on, or follow up. Built from the
/// stored decision when sent; a person or decision gone by then is nothing to do.
async fn decision_notice(
    store: &Store,
    messenger: &dyn Messenger,
    key: &str,
    job: &JobRow,
    (decision_id, person_id): (i64, i64),
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    let ws = job.workspace_id;
    let (Some(decision), Some(person)) = (
        store.decision(ws, decision_id).await?,
        store.person(ws, person_id).await?,
    ) else {
        return Ok(Outcome::NothingToDo);
    };
    let Some(priority) = store.priority_by_id(ws, decision.priority_id).await? else {
        return Ok(Outcome::NothingToDo);
    };
    let waiting: Vec<i64> = store
        .dependents_of(ws, priority.id)
        .await?
        .iter()
        .map(|d| d.priority_id)
        .collect();
    let theirs: Vec<_> = store
        .priorities_by_ids(ws, &waiting)
        .await?
        .into_iter()
        .filter(|p| p.is_active() && p.owner_person_id == person_id)
        .collect();
    let about = (&priority, theirs.as_slice(), person_id);
    let message = super::decision::notice(&decision, about, messenger.direct_prefix());
    let to = (person.user_id.as_str(), job.key.as_str());
    notify_once(messenger, key, to, &message, unknown_before).await
}

/// Post a team's review agenda into its channel before the meeting, unless the meeting has
/// begun (a job that waited through an outage) or the team has no channel.
#[allow(clippy::too_many_arguments)]
async fn agenda(
    store: &Store,
    messenger: &dyn Messenger,
    key: &str,
    job: &JobRow,
    (team_id, meeting_at): (i64, i64),
    now: DateTime<Utc>,
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    let ws = job.workspace_id;
    if now.timestamp() >= meeting_at {
        tracing::info!(
            team = team_id,
            "the review has begun; its agenda is not posted"
        );
        return Ok(Outcome::NothingToDo);
    }
    let Some(team) = store.team(ws, team_id).await? else {
        return Ok(Outcome::NothingToDo);
    };
    let Some(channel) = team.channel_id.clone() else {
        tracing::info!(team = %team.name, "team has no channel; agenda not posted");
        return Ok(Outcome::NothingToDo);
    };
    let tz: Tz = store
        .rhythm(ws, team.id)
        .await?
        .and_then(|r| r.home_zone.parse().ok())
        .unwrap_or(Tz::UTC);
    let view = crate::commands::review::View {
        store,
        ws,
        now,
        today: now.with_timezone(&tz).date_naive(),
        prefix: messenger.channel_prefix(),
    };
    let message = crate::commands::review::build_agenda(&view, &team, true, false).await?;
    let post = (channel.as_str(), job.key.as_str(), None);
    find_or_post(messenger, key, post, unknown_before, || message).await?;
    Ok(Outcome::Sent)
}

/// Tell someone an agenda item was assigned to them.
async fn assignment_notice(
    store: &Store,
    messenger: &dyn Messenger,
    key: &str,
    job: &JobRow,
    (assignment_id, person_id): (i64, i64),
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    let ws = job.workspace_id;
    let (Some(assignment), Some(person)) = (
        store.assignment(ws, assignment_id).await?,
        store.person(ws, person_id).await?,
    ) else {
        return Ok(Outcome::NothingToDo);
    };
    let Some(priority) = store.priority_by_id(ws, assignment.priority_id).await? else {
        return Ok(Outcome::NothingToDo);
    };
    let message = crate::commands::review::meeting::assignment_notice(
        &assignment,
        &priority,
        messenger.direct_prefix(),
    );
    let to = (person.user_id.as_str(), job.key.as_str());
    notify_once(messenger, key, to, &message, unknown_before).await
}

struct ActingNotice {
    away_id: i64,
    owner_id: i64,
    person_id: i64,
    period: (String, String),
    ended: bool,
}

/// Tell someone they act for an away owner (while that period still stands as it was when
/// queued), or that they no longer do.
async fn acting_notice(
    store: &Store,
    messenger: &dyn Messenger,
    key: &str,
    job: &JobRow,
    n: ActingNotice,
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    let ws = job.workspace_id;
    let (Some(owner), Some(person)) = (
        store.person(ws, n.owner_id).await?,
        store.person(ws, n.person_id).await?,
    ) else {
        return Ok(Outcome::NothingToDo);
    };
    if !n.ended {
        // Replaced or called off before it was told: the newer change speaks for itself.
        let period = store.away_period(ws, n.away_id).await?;
        if period.is_none_or(|p| p.acting_person_id != Some(n.person_id)) {
            return Ok(Outcome::NothingToDo);
        }
    }
    let query = crate::store::PriorityQuery {
        owner: Some(owner.id),
        teams: None,
        include_closed: false,
    };
    let priorities = store.priorities(ws, &query).await?;
    let message = crate::commands::checkin::acting_notice(
        &owner,
        (&n.period.0, &n.period.1),
        &priorities,
        n.ended,
        messenger.direct_prefix(),
    );
    let to = (person.user_id.as_str(), job.key.as_str());
    notify_once(messenger, key, to, &message, unknown_before).await
}

/// Send a notice to `user_id` under `post_key`, unless an earlier attempt whose outcome is
/// unknown already delivered it.
async fn notify_once(
    messenger: &dyn Messenger,
    key: &str,
    (user_id, post_key): (&str, &str),
    message: &crate::message::Message,
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    if unknown_before
        && messenger
            .find_direct(key, user_id, post_key)
            .await
            .map_err(JobError::Send)?
            .is_some()
    {
        return Ok(Outcome::Sent);
    }
    messenger
        .send_direct(key, user_id, message, post_key)
        .await
        .map_err(JobError::Send)?;
    Ok(Outcome::Sent)
}

/// Queue the posted digest of `cycle_id` for each follower of the team who is not in it; a
/// follower queued before (another tick, another replica, a retry) is not queued again.
async fn queue_followers(
    store: &Store,
    ws: i64,
    team_id: i64,
    cycle_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for person_id in store.digest_recipients(ws, team_id).await? {
        let key = format!("digest-follow:{cycle_id}:{person_id}");
        let payload = JobPayload::DigestFollow {
            cycle_id,
            person_id,
        };
        store
            .enqueue_job(ws, &key, &payload, now.timestamp(), now.timestamp())
            .await?;
    }
    Ok(())
}

/// Send a posted digest to a follower of its team as a direct message, as it stands now and
/// without its buttons (acknowledging it is its leads' business). A follower who stopped
/// following or joined the team since is nothing to do.
async fn follower_digest(
    store: &Store,
    messenger: &dyn Messenger,
    key: &str,
    job: &JobRow,
    (cycle_id, person_id): (i64, i64),
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    use crate::message::{Block, Rich};
    let ws = job.workspace_id;
    let (Some(cycle), Some(person)) = (
        store.cycle(ws, cycle_id).await?,
        store.person(ws, person_id).await?,
    ) else {
        return Ok(Outcome::NothingToDo);
    };
    let Some(team) = store.team(ws, cycle.team_id).await? else {
        return Ok(Outcome::NothingToDo);
    };
    if store.digest_post(ws, cycle_id).await?.is_none()
        || !store
            .digest_recipients(ws, team.id)
            .await?
            .contains(&person_id)
    {
        return Ok(Outcome::NothingToDo);
    }
    let mut message =
        crate::reporting::digest::ack::posted_message(store, ws, &team, &cycle).await?;
    message.blocks.retain(|b| !matches!(b, Block::Actions(_)));
    let name = if team.name.contains(' ') {
        format!("\"{}\"", team.name)
    } else {
        team.name.clone()
    };
    message.blocks.push(Block::Context(
        Rich::new()
            .text(format!(
                "You follow {}'s digest; it was posted in its channel. To stop: ",
                team.name
            ))
            .code(format!("{}unfollow {name}", messenger.direct_prefix())),
    ));
    let to = (person.user_id.as_str(), job.key.as_str());
    notify_once(messenger, key, to, &message, unknown_before).await
}

/// An answer given after its cycle's digest was posted.
struct LateAnswer<'a> {
    cycle_id: i64,
    priority_id: i64,
    person_id: i64,
    status: &'a str,
    progress: i64,
}

/// Draw the posted digest again in place, with the late answers counted in and when it was
/// updated, and say in its thread who answered late and what. The thread reply is keyed by the
/// job, so a retry after an unknown outcome finds it instead of posting it twice.
async fn late_answer(
    store: &Store,
    messenger: &dyn Messenger,
    key: &str,
    job: &JobRow,
    answer: LateAnswer<'_>,
    unknown_before: bool,
) -> Result<Outcome, JobError> {
    use crate::message::{Block, Message, Rich, Visibility};
    let ws = job.workspace_id;
    let Some((channel, ts, _)) = store.digest_post(ws, answer.cycle_id).await? else {
        return Ok(Outcome::NothingToDo);
    };
    let Some(cycle) = store.cycle(ws, answer.cycle_id).await? else {
        return Ok(Outcome::NothingToDo);
    };
    let (Some(team), Some(person), Some(priority)) = (
        store.team(ws, cycle.team_id).await?,
        store.person(ws, answer.person_id).await?,
        store.priority_by_id(ws, answer.priority_id).await?,
    ) else {
        return Ok(Outcome::NothingToDo);
    };
    let redrawn = crate::reporting::digest::ack::posted_message(store, ws, &team, &cycle).await?;
    let sent = crate::messenger::Sent {
        channel: channel.clone(),
        ts: ts.clone(),
    };
    messenger
        .update(key, &sent, &redrawn)
        .await
        .map_err(JobError::Send)?;
    let status = answer
        .status
        .parse::<crate::domain::Status>()
        .map(|s| s.label().to_string())
        .unwrap_or_else(|_| answer.status.to_string());
    let line = Message {
        blocks: vec![Block::Text(
            Rich::new()
                .text(format!("{} answered late: ", person.display_name))
                .priority(priority.number)
                .text(format!(" {status} · {}%", answer.progress)),
        )],
        visibility: Visibility::Shared,
    };
    let post = (channel.as_str(), job.key.as_str(), Some(ts.as_str()));
    find_or_post(messenger, key, post, unknown_before, || line).await?;
    // A parent's roll-up that lists this digest shows its participation too.
    crate::reporting::digest::ack::refresh_rollup(store, messenger, key, ws, (&team, &cycle)).await;
    Ok(Outcome::Sent)
}
