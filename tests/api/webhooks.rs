//! Outgoing webhooks end to end: only admins manage them, private and absurd targets are
//! refused (when added and when delivering), events reach a receiver on loopback signed as
//! Slack signs its requests, once per event, retried after a failure with the same id and
//! body, never across workspaces, and never after the hook is removed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{Duration, TimeZone, Utc};
use hmac::{Hmac, Mac};
use pacer::clock::{Clock, ManualClock};
use serde_json::Value;
use sha2::Sha256;

use crate::checkins::buttons;
use crate::common::{ADMIN, TestApp, spawn_app, spawn_app_with};

/// One request the receiver got, and whether it passed the receiver's checks.
#[derive(Debug, Clone)]
struct Received {
    event_id: String,
    event_type: String,
    user_agent: String,
    raw: String,
    body: Value,
    /// The signature matched the secret and the timestamp was within five minutes.
    verified: bool,
}

#[derive(Clone)]
struct ReceiverState {
    got: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer with, in order; 200 once they run out.
    answers: Arc<Mutex<VecDeque<u16>>>,
    secret: Arc<Mutex<Option<String>>>,
    clock: ManualClock,
}

/// A webhook receiver on loopback that verifies each request as a real one would: the
/// signature over `v0:<timestamp>:<body>` with its secret, and a timestamp no older than five
/// minutes by the (injected) clock.
struct Receiver {
    url: String,
    state: ReceiverState,
}

impl Receiver {
    async fn start(clock: &ManualClock) -> Receiver {
        let state = ReceiverState {
            got: Arc::default(),
            answers: Arc::default(),
            secret: Arc::default(),
            clock: clock.clone(),
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, state }
    }

    fn answer_with(&self, statuses: &[u16]) {
        self.state.answers.lock().unwrap().extend(statuses);
    }

    fn got(&self) -> Vec<Received> {
        self.state.got.lock().unwrap().clone()
    }

    fn of_type(&self, t: &str) -> Vec<Received> {
        self.got()
            .into_iter()
            .filter(|r| r.event_type == t)
            .collect()
    }
}

async fn receive(State(s): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let raw = String::from_utf8_lossy(&body).to_string();
    let ts = header("x-pacer-request-timestamp");
    let fresh = ts
        .parse::<i64>()
        .is_ok_and(|t| (s.clock.now().timestamp() - t).abs() <= 300);
    let verified = fresh
        && header("content-type") == "application/json"
        && s.secret.lock().unwrap().as_deref().is_some_and(|secret| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("v0:{ts}:{raw}").as_bytes());
            let given = header("x-pacer-signature");
            let given = given.strip_prefix("v0=").unwrap_or_default();
            hex::decode(given).is_ok_and(|g| mac.verify_slice(&g).is_ok())
        });
    s.got.lock().unwrap().push(Received {
        event_id: header("x-pacer-event-id"),
        event_type: header("x-pacer-event-type"),
        user_agent: header("user-agent"),
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        raw,
        verified,
    });
    if !verified {
        return StatusCode::UNAUTHORIZED;
    }
    let status = s.answers.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

/// An app that may send to loopback receivers, with a receiver and a hook registered to it.
async fn app_with_hook() -> (TestApp, Receiver) {
    let app = spawn_app_with(&[("PACER_WEBHOOK_ALLOW_PRIVATE", "true")]).await;
    let receiver = Receiver::start(&app.clock).await;
    let secret = add_hook(&app, &receiver).await;
    *receiver.state.secret.lock().unwrap() = Some(secret);
    (app, receiver)
}

/// `webhook add` for the receiver; the secret the reply shows.
async fn add_hook(app: &TestApp, receiver: &Receiver) -> String {
    let r = app
        .slash(ADMIN, &format!("webhook add <{}>", receiver.url))
        .await;
    let text = r.all_text();
    assert!(text.contains("Webhook 1 added"), "{text}");
    assert_eq!(r.body["response_type"], "ephemeral", "{}", r.body);
    let start = text.find("whsec_").expect("the secret is shown");
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

async fn webhook_jobs(app: &TestApp, state: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'webhook' AND state = $1")
        .bind(state)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

fn refused(r: &crate::common::Reply, why: &str) {
    let text = r.all_text();
    assert!(text.contains("⚠️"), "{text}");
    assert!(
        text.to_lowercase().contains(&why.to_lowercase()),
        "expected {why:?} in {text}"
    );
}

#[tokio::test]
async fn only_admins_manage_webhooks() {
    let app = spawn_app_with(&[("PACER_WEBHOOK_ALLOW_PRIVATE", "true")]).await;
    for text in [
        "webhook add https://hooks.example.com/pacer",
        "webhook list",
        "webhook remove 1",
    ] {
        let r = app.slash("U0ANA", text).await;
        assert_eq!(r.status, 200);
        refused(&r, "only an admin can manage webhooks");
    }
    assert_eq!(app.count("webhooks").await, 0);
    // An admin's hook stays out of reach too: not listed, not removed by a member.
    let receiver = Receiver::start(&app.clock).await;
    add_hook(&app, &receiver).await;
    let r = app.slash("U0ANA", "webhook remove 1").await;
    refused(&r, "only an admin");
    let r = app.slash("U0ANA", "webhook list").await;
    assert!(!r.all_text().contains(&receiver.url), "{}", r.all_text());
    assert_eq!(app.store.webhooks(1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn private_and_absurd_targets_are_refused_and_nothing_is_sent() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&app.clock).await;
    let loopback_https = receiver.url.replace("http://", "https://");
    for (url, why) in [
        (receiver.url.as_str(), "must start with https://"),
        (loopback_https.as_str(), "loopback"),
        ("https://localhost/hook", "localhost"),
        ("https://10.0.0.1/hook", "private address"),
        ("https://[::1]/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::ffff:192.168.0.1]/hook", "private address"),
        ("https://100.64.1.1/hook", "carrier-grade"),
        ("notaurl", "is not a url"),
        ("ftp://files.example.com/hook", "must start with https://"),
        (
            "https://user:pw@hooks.example.com/",
            "user name or password",
        ),
    ] {
        let r = app.slash(ADMIN, &format!("webhook add {url}")).await;
        assert_eq!(r.status, 200, "{url}");
        refused(&r, why);
        refused(&r, "no webhook was added");
    }
    let long = format!("https://hooks.example.com/{}", "a".repeat(5000));
    let r = app.slash(ADMIN, &format!("webhook add {long}")).await;
    assert_eq!(r.status, 200);
    refused(&r, "longer than 2048 characters");
    assert_eq!(app.count("webhooks").await, 0);

    // A hook that points inside anyway (added while allowed, or its name moved) is checked
    // again when delivering: nothing reaches the receiver, and the job fails with the reason.
    let sealed = app.state.keyring.encrypt("whsec_x").await.unwrap();
    let admin = app
        .store
        .person_by_user_id(1, ADMIN)
        .await
        .unwrap()
        .unwrap();
    app.store
        .add_webhook(1, &receiver.url, &sealed, admin.id, app.clock_now())
        .await
        .unwrap();
    payments(&app).await;
    app.slash("U0ANA", "status #1 at-risk").await;
    assert_eq!(webhook_jobs(&app, "pending").await, 1);
    let report = app.tick().await;
    assert_eq!(report.failed, 1);
    assert!(receiver.got().is_empty());
    let failed = app.store.jobs_in_state("failed").await.unwrap();
    let reason = failed[0].last_error.clone().unwrap_or_default();
    assert!(reason.contains("must start with https://"), "{reason}");
}

/// Platform with #1 Payments API (ana).
async fn payments(app: &TestApp) {
    for text in ["team add Platform", "add Payments API team:Platform"] {
        let r = app.slash("U0ANA", text).await;
        assert!(!r.all_text().contains("⚠️"), "{text}: {}", r.all_text());
    }
}

/// Platform with #1, #2 (ana) and #3 (ben), checking in Mondays at 09:00 Berlin.
async fn platform(app: &TestApp) {
    app.slash("U0ANA", "team add Platform <#C0PLATFORM|platform>")
        .await;
    app.slash("U0ANA", "add Payments API team:Platform").await;
    app.slash("U0ANA", "add Billing export team:Platform").await;
    app.slash("U0BEN", "add Fraud rules team:Platform").await;
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
    )
    .await;
}

fn monday_nine_berlin() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()
}

#[tokio::test]
async fn a_clicked_checkin_is_delivered_signed_once() {
    let (app, receiver) = app_with_hook().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    let (ts, prompt) = app.slack.messages_in("DU0ANA")[0].clone();
    let (action, value) = buttons(&prompt)
        .into_iter()
        .find(|(a, _)| a == "checkin:at-risk")
        .unwrap();
    assert_eq!(
        app.click("U0ANA", "DU0ANA", &ts, &action, &value)
            .await
            .status,
        200
    );
    app.slack.wait_for("chat.update", 1).await;
    assert!(receiver.got().is_empty(), "nothing is sent before a tick");
    let report = app.tick().await;
    assert_eq!(report.sent, 2, "{report:?}");

    let got = receiver.got();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|r| r.verified), "{got:?}");
    assert!(got.iter().all(|r| r.user_agent.starts_with("pacer/")));
    let checkin = &receiver.of_type("checkin.recorded")[0];
    let b = &checkin.body;
    assert_eq!(b["id"], checkin.event_id.as_str());
    assert!(checkin.event_id.starts_with("evt_checkin_"), "{b}");
    assert_eq!(b["type"], "checkin.recorded");
    assert_eq!(b["workspace"]["platform"], "slack");
    assert_eq!(b["workspace"]["id"], "T0001");
    assert_eq!(b["occurred_at"], "2026-11-30T08:00:00Z");
    assert_eq!(b["data"]["priority"]["number"], 1);
    assert_eq!(b["data"]["priority"]["title"], "Payments API");
    assert_eq!(b["data"]["priority"]["team"], "Platform");
    assert_eq!(b["data"]["priority"]["owner"]["user_id"], "U0ANA");
    assert_eq!(b["data"]["status"], "at-risk");
    assert_eq!(b["data"]["late"], false);
    let changed = &receiver.of_type("priority.status_changed")[0].body;
    assert_eq!(changed["data"]["from"], "on-track");
    assert_eq!(changed["data"]["to"], "at-risk");
    assert_eq!(changed["data"]["via"], "checkin");

    // Delivered means done: later ticks, and a second click that changes nothing, send nothing
    // more (the same status is a check-in, not a status change).
    app.tick().await;
    app.clock.advance(Duration::hours(1));
    app.tick().await;
    assert_eq!(receiver.got().len(), 2);
    app.click("U0ANA", "DU0ANA", &ts, &action, &value).await;
    app.slack.wait_for("chat.update", 2).await;
    app.tick().await;
    assert_eq!(receiver.of_type("checkin.recorded").len(), 2);
    assert_eq!(receiver.of_type("priority.status_changed").len(), 1);
    assert_eq!(webhook_jobs(&app, "done").await, 3);

    // `webhook list` shows the outcome, never the secret.
    let list = app.slash(ADMIN, "webhook list").await.all_text();
    assert!(list.contains(&receiver.url), "{list}");
    assert!(list.contains("delivered (200)"), "{list}");
    assert!(!list.contains("whsec_"), "{list}");
    let stored: String = sqlx::query_scalar("SELECT secret_sealed FROM webhooks")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let secret = receiver.state.secret.lock().unwrap().clone().unwrap();
    assert!(!stored.contains(&secret[6..]), "the secret is sealed");
}

#[tokio::test]
async fn a_failed_delivery_is_retried_after_the_backoff_with_the_same_event() {
    let (app, receiver) = app_with_hook().await;
    receiver.answer_with(&[500]);
    payments(&app).await;
    app.slash("U0ANA", "status #1 off-track 10% vendor late")
        .await;
    let r = app.tick().await;
    assert_eq!((r.sent, r.retried), (0, 1), "{r:?}");
    assert_eq!(receiver.got().len(), 1);

    // Not before the backoff (a minute), however often the scheduler looks.
    app.clock.advance(Duration::seconds(59));
    app.tick().await;
    assert_eq!(receiver.got().len(), 1);
    app.clock.advance(Duration::seconds(2));
    // Two schedulers at once deliver it once between them.
    let (a, b) = tokio::join!(app.tick(), app.tick());
    assert_eq!(a.sent + b.sent, 1, "{a:?} {b:?}");
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|r| r.verified));
    assert_eq!(got[0].event_id, got[1].event_id);
    assert_eq!(got[0].raw, got[1].raw, "a retry sends the same body");
    assert_eq!(got[1].body["data"]["note"], "vendor late");
    assert_eq!(got[1].body["data"]["via"], "update");
    for _ in 0..3 {
        app.clock.advance(Duration::hours(7));
        let (a, b) = tokio::join!(app.tick(), app.tick());
        assert_eq!(a.sent + b.sent, 0);
    }
    assert_eq!(receiver.got().len(), 2, "never again after success");
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_is_given_up_after_six_attempts_and_404_at_once() {
    let (app, receiver) = app_with_hook().await;
    receiver.answer_with(&[503, 503, 429, 500, 500, 500, 404]);
    payments(&app).await;
    app.slash("U0ANA", "status #1 at-risk").await;
    for wait in [0, 60, 300, 1800, 7200, 21_600] {
        app.clock.advance(Duration::seconds(wait));
        app.tick().await;
    }
    assert_eq!(receiver.got().len(), 6);
    assert_eq!(webhook_jobs(&app, "failed").await, 1);
    app.slash("U0ANA", "status #1 off-track").await;
    app.tick().await;
    assert_eq!(receiver.got().len(), 7);
    assert_eq!(
        webhook_jobs(&app, "failed").await,
        2,
        "a 404 is not retried"
    );
}

#[tokio::test]
async fn another_workspaces_events_never_reach_this_hook() {
    let (app, receiver) = app_with_hook().await;
    for text in [
        "team add Other",
        "add Other work team:Other",
        "status #1 off-track",
    ] {
        app.slash_in("T0OTHER", "U0EVE", "C0OTHER", text).await;
    }
    app.tick().await;
    assert!(receiver.got().is_empty(), "{:?}", receiver.got());
    assert_eq!(webhook_jobs(&app, "pending").await, 0);
    // The other workspace's admin neither sees nor removes this workspace's hook.
    let list = app
        .slash_in("T0OTHER", ADMIN, "C0OTHER", "webhook list")
        .await
        .all_text();
    assert!(list.contains("Webhooks (0)"), "{list}");
    let r = app
        .slash_in("T0OTHER", ADMIN, "C0OTHER", "webhook remove 1")
        .await;
    refused(&r, "there is no webhook 1 here");
    let r = app
        .slash_in(
            "T0OTHER",
            ADMIN,
            "C0OTHER",
            &format!("webhook remove {}", receiver.url),
        )
        .await;
    refused(&r, "there is no webhook");
    // This workspace's own change still arrives, and only it.
    payments(&app).await;
    app.slash("U0ANA", "status #1 at-risk").await;
    app.tick().await;
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["workspace"]["id"], "T0001");
    assert_eq!(got[0].body["data"]["priority"]["title"], "Payments API");
}

#[tokio::test]
async fn a_removed_hook_receives_nothing_more() {
    let (app, receiver) = app_with_hook().await;
    payments(&app).await;
    app.slash("U0ANA", "status #1 at-risk").await;
    app.tick().await;
    assert_eq!(receiver.got().len(), 1);
    // Queued, then the hook is removed before the next tick: dropped, not sent.
    app.slash("U0ANA", "status #1 off-track").await;
    let r = app
        .slash(ADMIN, &format!("webhook remove <{}>", receiver.url))
        .await;
    assert!(
        r.all_text().contains("Webhook 1 removed"),
        "{}",
        r.all_text()
    );
    app.tick().await;
    app.slash("U0ANA", "status #1 on-track").await;
    app.clock.advance(Duration::hours(1));
    app.tick().await;
    assert_eq!(receiver.got().len(), 1);
    assert_eq!(webhook_jobs(&app, "pending").await, 0);
    let list = app.slash(ADMIN, "webhook list").await.all_text();
    assert!(list.contains("Webhooks (0)"), "{list}");
    refused(&app.slash(ADMIN, "webhook remove 1").await, "no webhook 1");
}

/// Engineering with Platform (#1 ana) and Growth (#2 ben, waiting on #1); weekly rhythms with
/// Friday 16:00 digests.
async fn two_teams(app: &TestApp) {
    for (user, cmd) in [
        ("U0ANA", "team add Platform <#C0PLATFORM|platform>"),
        (
            "U0ANA",
            "team add Growth <#C0GROWTH|growth> lead:<@U0BEN|ben>",
        ),
        ("U0ANA", "add Payments API team:Platform"),
        ("U0BEN", "add Checkout revamp team:Growth"),
        ("U0BEN", "depends #2 on #1"),
        (
            "U0ANA",
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
        ),
        ("U0ANA", "rhythm Platform digest \"fri 16:00\""),
        (
            "U0BEN",
            "rhythm Growth checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
        ),
        ("U0BEN", "rhythm Growth digest \"fri 16:00\""),
    ] {
        let r = app.slash(user, cmd).await;
        assert!(!r.all_text().contains("⚠️"), "{cmd}: {}", r.all_text());
    }
}

#[tokio::test]
async fn digests_send_digest_posted_and_the_flags_that_changed() {
    let (app, receiver) = app_with_hook().await;
    two_teams(&app).await;
    let friday = Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0).unwrap();
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    app.slash("U0ANA", "status #1 off-track 20% vendor stuck")
        .await;
    // ben answers every week, so #2 is never silent: only `blocked` comes and goes.
    app.slash("U0BEN", "status #2 on-track 10%").await;
    app.clock.set(friday);
    app.tick().await;
    // The events the digest queued go out with the next tick.
    app.tick().await;
    let digests = receiver.of_type("digest.posted");
    assert_eq!(digests.len(), 2, "{:?}", receiver.got());
    let growth = digests
        .iter()
        .find(|d| d.body["data"]["team"] == "Growth")
        .unwrap();
    assert_eq!(growth.body["data"]["drift"]["stalled"], 1);
    assert_eq!(
        growth.body["data"]["needs_attention"],
        serde_json::json!([2])
    );
    let flags = receiver.of_type("priority.flags_changed");
    assert_eq!(flags.len(), 1, "{flags:?}");
    let data = &flags[0].body["data"];
    assert_eq!(data["priority"]["number"], 2);
    assert_eq!(data["added"], serde_json::json!(["blocked"]));
    assert_eq!(data["removed"], serde_json::json!([]));
    assert!(receiver.got().iter().all(|r| r.verified));

    // Next week #1 is back on track: #2's flag goes, and only that is told.
    app.clock.set(monday_nine_berlin() + Duration::days(7));
    app.tick().await;
    app.slash("U0ANA", "status #1 on-track 40%").await;
    app.slash("U0BEN", "status #2 on-track 20%").await;
    app.clock.set(friday + Duration::days(7));
    app.tick().await;
    app.tick().await;
    assert_eq!(receiver.of_type("digest.posted").len(), 4);
    let flags = receiver.of_type("priority.flags_changed");
    assert_eq!(flags.len(), 2, "{flags:?}");
    assert_eq!(
        flags[1].body["data"]["removed"],
        serde_json::json!(["blocked"])
    );
    assert_eq!(flags[1].body["data"]["flags"], serde_json::json!([]));
}

/// A key rotation re-seals hook secrets with the platform tokens: after it, the new key alone
/// opens them, so deliveries keep their signatures once the old key is dropped.
#[tokio::test]
async fn a_key_rotation_reseals_hook_secrets() {
    use pacer::keyring::{KeyMaterial, KeySource, Keyring};
    let (app, receiver) = app_with_hook().await;
    let secret = receiver.state.secret.lock().unwrap().clone().unwrap();
    let new = KeyMaterial::parse("bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QhISE=").unwrap();
    assert_eq!(app.state.keyring.reseal_all(&new).await.unwrap(), 1);
    let only_new = Keyring::new(
        KeySource::Configured {
            current: new,
            previous: None,
        },
        app.store.clone(),
    );
    let stored = &app.store.sealed_webhook_secrets().await.unwrap()[0].1;
    assert_eq!(only_new.decrypt(stored).await.unwrap().expose(), secret);
}
