//! Nothing lost, nothing twice: claims that hold their limit whatever the planner picks, inbound
//! events that survive a failure between acknowledgement and effect, and housekeeping.

use std::time::Duration;

use pacer::store::{JobKind, JobPayload, Scope};
use serde_json::json;

use crate::common::{TestApp, spawn_app};

/// Queue `n` jobs due now (stall notices: they need no cycle) in workspace `ws`.
async fn queue(app: &TestApp, ws: i64, from: usize, n: usize) {
    let now = app.clock_now();
    for i in from..from + n {
        let payload = JobPayload::Stall {
            target_id: i as i64,
            episode: 1,
            dependent_id: i as i64,
        };
        app.store
            .enqueue_job(ws, &format!("stall:{i}:1:{i}"), &payload, now - 5, now - 5)
            .await
            .unwrap();
    }
}

/// The injected clock's time and a workspace to queue jobs in.
async fn workspace(app: &TestApp) -> (i64, i64) {
    let now = app.clock_now();
    let ws = app
        .store
        .ensure_workspace("slack", "T0001", now)
        .await
        .unwrap();
    (now, ws)
}

async fn analyze(app: &TestApp) {
    // PostgreSQL's planner statistics; SQLite's ANALYZE fills sqlite_stat1 the same way.
    sqlx::query("ANALYZE jobs")
        .execute(app.store.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_claim_never_returns_more_than_its_limit_with_fresh_or_stale_statistics() {
    let app = spawn_app().await;
    let (now, ws) = workspace(&app).await;
    // Stale: statistics taken while the table was empty, then a Monday's fan-out arrives.
    analyze(&app).await;
    queue(&app, ws, 0, 177).await;
    let mut seen = std::collections::HashSet::new();
    let first = app
        .store
        .claim_jobs(&JobKind::OUTBOUND, &Scope::All, now, 120, 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 10, "stale statistics: a claim takes its limit");
    seen.extend(first.iter().map(|j| j.id));
    // Fresh: statistics that know the table is full.
    queue(&app, ws, 177, 200).await;
    analyze(&app).await;
    // Two replicas claiming at the same instant take disjoint batches, each within the limit.
    loop {
        let (a, b) = tokio::join!(
            app.store
                .claim_jobs(&JobKind::OUTBOUND, &Scope::All, now, 120, 10),
            app.store
                .claim_jobs(&JobKind::OUTBOUND, &Scope::All, now, 120, 10)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(
            a.len() <= 10 && b.len() <= 10,
            "{} and {}",
            a.len(),
            b.len()
        );
        if a.is_empty() && b.is_empty() {
            break;
        }
        for j in a.iter().chain(&b) {
            assert!(seen.insert(j.id), "job {} claimed twice", j.id);
        }
    }
    assert_eq!(seen.len(), 377, "every job claimed exactly once");
    // Inbound jobs are not the scheduler's, and the scheduler's are not the inbound worker's.
    assert!(
        app.store
            .claim_jobs(&[JobKind::Inbound], &Scope::All, now + 1000, 120, 10)
            .await
            .unwrap()
            .iter()
            .all(|j| j.kind == JobKind::Inbound)
    );
}

fn dm_event(event_id: &str, text: &str) -> String {
    json!({
        "token": "deprecated", "team_id": "T0001", "api_app_id": "A0PACER", "type": "event_callback",
        "event_id": event_id, "event_time": 1795510800,
        "event": {
            "type": "message", "channel": "DU0ANA", "channel_type": "im", "user": "U0ANA",
            "text": text, "ts": "1795510800.000200", "event_ts": "1795510800.000200"
        },
    })
    .to_string()
}

/// Make every write of a check-in or status fail, as a database error between the ack and the
/// effect would.
async fn break_updates(app: &TestApp, broken: bool) {
    let (from, to) = if broken {
        ("priority_updates", "priority_updates_away")
    } else {
        ("priority_updates_away", "priority_updates")
    };
    sqlx::query(&format!("ALTER TABLE {from} RENAME TO {to}"))
        .execute(app.store.pool())
        .await
        .unwrap();
}

async fn wait_for_job(app: &TestApp, key: &str, state: &str, with_error: bool) -> bool {
    for _ in 0..300 {
        let jobs = app.store.jobs_in_state(state).await.unwrap();
        if jobs
            .iter()
            .any(|j| j.key == key && (!with_error || j.last_error.is_some()))
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

async fn redeliver(app: &TestApp, body: &str, retry: &str) -> u16 {
    let (ts, sig) = app.sign(body);
    app.post_raw(
        "/slack/events",
        body,
        "application/json",
        &[
            ("X-Slack-Request-Timestamp", &ts),
            ("X-Slack-Signature", &sig),
            ("X-Slack-Retry-Num", retry),
            ("X-Slack-Retry-Reason", "http_error"),
        ],
    )
    .await
    .status
}

/// Ana's priority #1, and her DM `text` as event `event_id`, acknowledged while the database
/// refuses its effect; the database is whole again when this returns. The event's body and job
/// key.
async fn a_dm_that_failed(app: &TestApp, event_id: &str, text: &str) -> (String, String) {
    app.slash("U0ANA", "team add Platform").await;
    app.slash("U0ANA", "add Ship the beta team:Platform").await;
    let body = dm_event(event_id, text);
    let key = format!("in:slack:{event_id}");
    break_updates(app, true).await;
    let r = app
        .post_signed("/slack/events", &body, "application/json")
        .await;
    assert_eq!(r.status, 200, "acknowledged: the event is stored");
    assert!(
        wait_for_job(app, &key, "pending", true).await,
        "the failed attempt is kept for a retry"
    );
    let show = app.slash("U0ANA", "show #1").await;
    assert!(
        !show.all_text().contains("At risk") && !show.all_text().contains("Off track"),
        "nothing half-written"
    );
    break_updates(app, false).await;
    (body, key)
}

#[tokio::test]
async fn a_slack_event_whose_handling_failed_is_handled_once_on_redelivery() {
    let app = spawn_app().await;
    let (body, key) =
        a_dm_that_failed(&app, "Ev0FAIL0001", "#1 at-risk 40% waiting on legal").await;
    let key = key.as_str();

    // Slack's redelivery is handled now, not deduplicated away.
    assert_eq!(redeliver(&app, &body, "1").await, 200);
    assert!(wait_for_job(&app, key, "done", false).await);
    assert_eq!(app.count("priority_updates").await, 1);
    let replies = app.slack.wait_for("chat.postMessage", 1).await;
    // Later redeliveries and the worker find nothing more to do.
    assert_eq!(redeliver(&app, &body, "2").await, 200);
    app.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(pacer::inbound::run_due(&app.state).await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(app.count("priority_updates").await, 1);
    assert_eq!(
        app.slack.calls_to("chat.postMessage").len(),
        1,
        "one answer: {replies:?}"
    );
    let show = app.slash("U0ANA", "show #1").await;
    assert!(show.all_text().contains("At risk"), "{}", show.all_text());
}

#[tokio::test]
async fn a_slack_event_that_failed_is_retried_by_the_worker_without_a_redelivery() {
    let app = spawn_app().await;
    let (_, key) = a_dm_that_failed(&app, "Ev0FAIL0002", "#1 off-track 10% vendor gone").await;
    let key = key.as_str();
    // Not yet due: the backoff holds it.
    assert_eq!(pacer::inbound::run_due(&app.state).await.unwrap(), 0);
    app.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(pacer::inbound::run_due(&app.state).await.unwrap(), 1);
    assert!(wait_for_job(&app, key, "done", false).await);
    assert_eq!(app.count("priority_updates").await, 1);
    assert_eq!(app.slack.wait_for("chat.postMessage", 1).await.len(), 1);
}

#[tokio::test]
async fn a_teams_activity_whose_handling_failed_is_handled_once_on_redelivery() {
    use crate::msteams::{ANA, personal};
    let app = spawn_app().await;
    assert_eq!(
        app.teams_post(&personal(&app, ANA, "team add Platform"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.teams_post(&personal(&app, ANA, "add Ship the beta team:Platform"))
            .await
            .status,
        200
    );
    let status = personal(&app, ANA, "status #1 at-risk 40% waiting on legal");
    break_updates(&app, true).await;
    let failed = app.teams_post(&status).await;
    assert!(failed.status >= 500, "{}", failed.status);
    break_updates(&app, false).await;
    // Bot Framework delivers the same activity again: handled, once.
    assert_eq!(app.teams_post(&status).await.status, 200);
    assert_eq!(app.count("priority_updates").await, 1);
    assert_eq!(app.teams_post(&status).await.status, 200);
    assert_eq!(app.count("priority_updates").await, 1);
}

#[tokio::test]
async fn housekeeping_prunes_finished_jobs_and_old_event_ids_after_the_retention() {
    let app = spawn_app().await;
    let (now, ws) = workspace(&app).await;
    queue(&app, ws, 0, 1200).await;
    // Finished long ago, in batches larger than one housekeeping statement.
    let jobs = app
        .store
        .claim_jobs(&JobKind::OUTBOUND, &Scope::All, now, 120, 2000)
        .await
        .unwrap();
    for j in &jobs[..1100] {
        app.store.finish_job(j, now).await.unwrap();
    }
    for i in 0..3 {
        app.store
            .first_delivery("msteams", &format!("old-{i}"), now)
            .await
            .unwrap();
    }
    // A claim whose replica died while handling it, never redelivered.
    app.store
        .claim_delivery("msteams", "stuck", now, 60)
        .await
        .unwrap();
    // Within the retention (30 days by default): nothing goes.
    let mut report = pacer::rhythm::TickReport::default();
    let day = chrono::Duration::days(1);
    let at = |days: i64| chrono::DateTime::from_timestamp(now, 0).unwrap() + day * days as i32;
    app.state
        .scheduler
        .housekeep(at(29), &mut report)
        .await
        .unwrap();
    assert_eq!(report.pruned, 0);
    // Past it: every finished job and old event id, none of the unfinished jobs.
    app.store
        .first_delivery("msteams", "recent", at(31).timestamp())
        .await
        .unwrap();
    app.state
        .scheduler
        .housekeep(at(31), &mut report)
        .await
        .unwrap();
    assert_eq!(report.pruned, 1100 + 3 + 1);
    assert_eq!(app.count("jobs").await, 100);
    assert_eq!(app.count("processed_events").await, 1);
    // The scheduler's tick does it too.
    for j in &jobs[1100..] {
        app.store.finish_job(j, at(31).timestamp()).await.unwrap();
    }
    app.clock.set(at(62));
    let r = app.tick().await;
    assert_eq!(r.pruned, 100 + 1, "the jobs and the event id from day 31");
    assert_eq!(app.count("jobs").await, 0);
    assert_eq!(app.count("processed_events").await, 0);
}

/// A worker whose lease ran out, and whose job another worker took over, changes nothing when
/// it finally reports: the outcome is fenced by the attempt it claimed.
#[tokio::test]
async fn a_late_worker_cannot_finish_fail_retry_or_release_a_job_taken_over() {
    let app = spawn_app().await;
    let (now, ws) = workspace(&app).await;
    queue(&app, ws, 0, 1).await;
    let first = app
        .store
        .claim_jobs(&JobKind::OUTBOUND, &Scope::All, now, 120, 10)
        .await
        .unwrap();
    let second = app
        .store
        .claim_jobs(&JobKind::OUTBOUND, &Scope::All, now + 121, 120, 10)
        .await
        .unwrap();
    assert_eq!(
        (first.len(), second.len()),
        (1, 1),
        "taken over after the lease"
    );
    let late = &first[0];
    app.store.finish_job(late, now + 130).await.unwrap();
    app.store.fail_job(late, "late", now + 130).await.unwrap();
    app.store.retry_job(late, now, "late", true).await.unwrap();
    app.store
        .release_jobs(std::slice::from_ref(late))
        .await
        .unwrap();
    let running = app.store.jobs_in_state("running").await.unwrap();
    assert_eq!(running.len(), 1, "still the second worker's");
    assert_eq!(running[0].attempts, 2);
    app.store.finish_job(&second[0], now + 131).await.unwrap();
    assert_eq!(app.store.jobs_in_state("done").await.unwrap().len(), 1);
}
