//! The one test helper: the real router on port 0, a fresh database (a SQLite file, or a fresh
//! PostgreSQL schema when PACER_TEST_DATABASE_URL is set), a fake Slack Web API on loopback,
//! and an injected clock.
#![allow(dead_code)]

pub mod fake_slack;
pub mod fake_socket;
pub mod fake_teams;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use pacer::clock::ManualClock;
use pacer::config::Config;
use pacer::startup::{self, AppState};
use pacer::store::Store;
use serde_json::Value;

pub use fake_slack::FakeSlack;
pub use fake_teams::FakeTeams;

pub const SIGNING_SECRET: &str = "test-signing-secret-8f742231b10e";
/// pacer's secret key in tests on PostgreSQL, where one is required (32 bytes, base64). On
/// SQLite the tests leave it unset, so pacer keeps a generated key beside the database file.
pub const SECRET_KEY: &str = "Zm9yLXRlc3RzLW9ubHk6IDMyIHJhbmRvbSBieXRlcyE=";
pub const ADMIN: &str = "UADMIN01";

pub struct TestApp {
    pub url: String,
    pub clock: ManualClock,
    pub slack: FakeSlack,
    pub teams: FakeTeams,
    pub store: Store,
    pub http: reqwest::Client,
    pub state: AppState,
    pub db_url: String,
    _db: TestDb,
}

/// A database of the test's own, removed when the test ends.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, schema: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, schema } = self {
            let (url, schema) = (admin_url.clone(), schema.clone());
            // Best effort: a dropped schema keeps the shared test database small.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                // Never waited on for long: a test that failed with a transaction still open
                // (its pool is not closed when it panics) holds locks on the schema forever.
                rt.block_on(async {
                    tokio::time::timeout(std::time::Duration::from_secs(10), async {
                        let store = Store::connect(&url).await.ok()?;
                        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .execute(store.pool())
                            .await
                            .ok()?;
                        store.close().await;
                        Some(())
                    })
                    .await
                    .ok()
                    .flatten()
                })
            })
            .join();
        }
    }
}

/// A database URL of this test's own.
pub async fn test_database() -> (String, TestDb) {
    match std::env::var("PACER_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin_url) => {
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let store = Store::connect(&admin_url)
                .await
                .expect("PostgreSQL reachable");
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(store.pool())
                .await
                .expect("create schema");
            store.close().await;
            let sep = if admin_url.contains('?') { '&' } else { '?' };
            let url = format!("{admin_url}{sep}options%5Bsearch_path%5D={schema}");
            (url, TestDb::Postgres { admin_url, schema })
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("pacer.db").display());
            (url, TestDb::Sqlite(dir))
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Start pacer with extra configuration pairs.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_inner(extra, None).await
}

/// The sandbox alone, on a clock of its own (`sandbox_clock`), apart from the process's
/// (`app.clock`), as `pacer serve` runs it.
pub async fn spawn_sandbox_with_own_clock(sandbox_clock: ManualClock) -> TestApp {
    spawn_app_inner(&[("PACER_SANDBOX", "on")], Some(sandbox_clock)).await
}

async fn spawn_app_inner(extra: &[(&str, &str)], own_clock: Option<ManualClock>) -> TestApp {
    let slack = FakeSlack::start().await;
    let teams = FakeTeams::start().await;
    let (db_url, db) = test_database().await;
    let mut values: HashMap<String, String> = [
        ("PACER_DATABASE_URL", db_url.as_str()),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET),
        ("SLACK_BOT_TOKEN", "xoxb-test-token"),
        ("SLACK_API_BASE_URL", &slack.api_base()),
        ("PACER_ADMINS", ADMIN),
        // Tests tick the scheduler themselves, with the injected clock.
        ("PACER_SCHEDULER", "off"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    values.extend(teams.config());
    if !db_url.starts_with("sqlite:") {
        values.insert("PACER_SECRET_KEY".into(), SECRET_KEY.into());
    }
    // The sandbox runs alone (no chat platform), on the injected clock as its own.
    let sandbox = extra.contains(&("PACER_SANDBOX", "on"));
    if sandbox {
        values.retain(|k, _| !k.starts_with("SLACK_") && !k.starts_with("TEAMS_"));
    }
    for (k, v) in extra {
        values.insert(k.to_string(), v.to_string());
    }
    let config = Config::from_map(&values).expect("valid test config");
    let store = startup::open_store(&config)
        .await
        .expect("database opens and migrates");
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap());
    let state = AppState::with_sandbox_clock(
        config,
        store.clone(),
        Arc::new(clock.clone()),
        sandbox.then(|| {
            Arc::new(own_clock.unwrap_or_else(|| clock.clone())) as pacer::clock::SharedClock
        }),
    );
    let app_state = state.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(startup::serve(state, listener, std::future::pending()));
    TestApp {
        url,
        clock,
        slack,
        teams,
        store,
        http: reqwest::Client::new(),
        state: app_state,
        db_url: db_url.clone(),
        _db: db,
    }
}

/// What pacer answered.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// All the mrkdwn and plain text of a Block Kit reply, for assertions.
    pub fn all_text(&self) -> String {
        let mut out = Vec::new();
        collect_text(&self.body, &mut out);
        out.join("\n")
    }
}

fn collect_text(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(t)) = m.get("text") {
                out.push(t.clone());
            }
            for (k, x) in m {
                if k != "text" || !x.is_string() {
                    collect_text(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_text(x, out)),
        _ => {}
    }
}

/// The direct-message channel the fake Slack gives `user`.
pub fn dm(user: &str) -> String {
    format!("D{user}")
}

impl TestApp {
    pub fn sign(&self, body: &str) -> (String, String) {
        let ts = self.clock_now().to_string();
        let sig = pacer::slack::signature::sign(SIGNING_SECRET, &ts, body.as_bytes());
        (ts, sig)
    }

    pub fn clock_now(&self) -> i64 {
        use pacer::clock::Clock;
        self.clock.now().timestamp()
    }

    /// POST a body signed as Slack signs it.
    pub async fn post_signed(&self, path: &str, body: &str, content_type: &str) -> Reply {
        let (ts, sig) = self.sign(body);
        self.post_raw(
            path,
            body,
            content_type,
            &[
                ("X-Slack-Request-Timestamp", &ts),
                ("X-Slack-Signature", &sig),
            ],
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: &str,
        content_type: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", content_type)
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("pacer answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    }

    /// The form body of a `/pacer` slash command as Slack sends it (text escaped: & < >).
    pub fn command_body(&self, team: &str, user: &str, channel: &str, text: &str) -> String {
        serde_urlencoded::to_string([
            ("token", "deprecated"),
            ("team_id", team),
            ("team_domain", "example"),
            ("channel_id", channel),
            (
                "channel_name",
                if channel.starts_with('D') {
                    "directmessage"
                } else {
                    "general"
                },
            ),
            ("user_id", user),
            ("user_name", &user.to_lowercase()),
            ("command", "/pacer"),
            ("text", text),
            ("api_app_id", "A0PACER"),
            (
                "response_url",
                &format!(
                    "{}/response/{}",
                    self.slack.base,
                    uuid::Uuid::new_v4().simple()
                ),
            ),
            ("trigger_id", "1234.5678.abcd"),
        ])
        .unwrap()
    }

    /// `/pacer <text>` from `user` in workspace `team`, channel `channel`.
    pub async fn slash_in(&self, team: &str, user: &str, channel: &str, text: &str) -> Reply {
        let body = self.command_body(team, user, channel, text);
        self.post_signed(
            "/slack/commands",
            &body,
            "application/x-www-form-urlencoded",
        )
        .await
    }

    /// `/pacer <text>` in the default workspace T0001, channel C0GENERAL1.
    pub async fn slash(&self, user: &str, text: &str) -> Reply {
        self.slash_in("T0001", user, "C0GENERAL1", text).await
    }

    /// The sandbox's page of `channel` as `who` sees it.
    pub async fn sandbox_messages(&self, who: &str, channel: &str) -> String {
        self.http
            .get(format!(
                "{}/sandbox/messages?as={who}&channel={channel}",
                self.url
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// `/pacer <text>` that must succeed (answered, no ⚠️): the reply's text.
    pub async fn ok(&self, user: &str, text: &str) -> String {
        let r = self.slash(user, text).await;
        assert_eq!(r.status, 200, "{text}: {}", r.text);
        let all = r.all_text();
        assert!(!all.contains("⚠️"), "{text}: {all}");
        all
    }

    /// `/pacer <text>` that must be refused (answered with a ⚠️): the reply's text.
    pub async fn refused(&self, user: &str, text: &str) -> String {
        let r = self.slash(user, text).await;
        assert_eq!(r.status, 200, "{text}: {}", r.text);
        let all = r.all_text();
        assert!(all.contains("⚠️"), "{text} should be refused: {all}");
        all
    }

    /// Run the scheduler once at the injected clock's time.
    pub async fn tick(&self) -> pacer::rhythm::TickReport {
        use pacer::clock::Clock;
        self.state
            .scheduler
            .tick(self.clock.now())
            .await
            .expect("tick")
    }

    /// A click on a check-in button as Slack sends it.
    pub async fn click(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        action_id: &str,
        value: &str,
    ) -> Reply {
        let payload = serde_json::json!({
            "type": "block_actions",
            "user": {"id": user, "username": user.to_lowercase(), "team_id": "T0001"},
            "api_app_id": "A0PACER",
            "token": "deprecated",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
            "trigger_id": "1234.5678.trigger",
            "team": {"id": "T0001", "domain": "example"},
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": {"id": channel, "name": "directmessage"},
            "message": {"type": "message", "ts": ts, "text": "Check-in"},
            "response_url": format!("{}/response/{}", self.slack.base, uuid::Uuid::new_v4().simple()),
            "actions": [{
                "action_id": action_id, "block_id": "b1", "value": value, "type": "button",
                "text": {"type": "plain_text", "text": "x"}, "action_ts": "1700000000.1"
            }]
        });
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.post_signed(
            "/slack/interactivity",
            &body,
            "application/x-www-form-urlencoded",
        )
        .await
    }

    /// POST an activity to /teams/messages with a fresh, valid Bot Framework token.
    pub async fn teams_post(&self, activity: &Value) -> Reply {
        let service_url = activity["serviceUrl"].as_str().unwrap_or_default();
        let token = fake_teams::sign(
            &fake_teams::claims(self.clock_now(), service_url),
            fake_teams::KID,
            fake_teams::BOT_KEY_PEM,
        );
        self.teams_post_with(activity, Some(&format!("Bearer {token}")))
            .await
    }

    /// POST an activity with this Authorization header (or none).
    pub async fn teams_post_with(&self, activity: &Value, authorization: Option<&str>) -> Reply {
        let body = activity.to_string();
        match authorization {
            Some(a) => {
                self.post_raw(
                    "/teams/messages",
                    &body,
                    "application/json",
                    &[("Authorization", a)],
                )
                .await
            }
            None => {
                self.post_raw("/teams/messages", &body, "application/json", &[])
                    .await
            }
        }
    }

    /// The environment a `pacer` process needs beside this app's database (its secret key on
    /// PostgreSQL).
    pub fn key_env(&self) -> Vec<(&'static str, &'static str)> {
        if self.db_url.starts_with("sqlite:") {
            Vec::new()
        } else {
            vec![("PACER_SECRET_KEY", SECRET_KEY)]
        }
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }
}
