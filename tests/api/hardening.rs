//! Attacks from the security review (issue 12), each shown failing: the sandbox's clock and
//! reach, DNS rebinding, and the settings that would put the sandbox beside real tenants.

use chrono::{TimeZone, Utc};
use pacer::clock::ManualClock;
use pacer::store::{NewPriority, NewTeamArgs, RhythmRow};
use serde_json::{Value, json};

use crate::common::{TestApp, spawn_sandbox_with_own_clock};

async fn sandbox_post(app: &TestApp, path: &str, body: Value, origin: Option<&str>) -> u16 {
    let mut r = app.http.post(format!("{}{path}", app.url)).json(&body);
    if let Some(o) = origin {
        r = r.header("Origin", o);
    }
    r.send().await.unwrap().status().as_u16()
}

/// A real tenant in the same database, with a weekly check-in on Mondays 09:00 UTC.
async fn real_tenant(app: &TestApp) -> i64 {
    let store = &app.store;
    let ts = app.clock_now();
    let ws = store.ensure_workspace("slack", "T0REAL", ts).await.unwrap();
    let p = store
        .upsert_person(ws, "U0REAL", "U0REAL", Some(("real", Some("UTC"))), ts)
        .await
        .unwrap();
    let team = store
        .create_team(
            ws,
            NewTeamArgs {
                name: "Real",
                name_key: "real",
                channel_id: Some("C0REAL"),
                channel_name: None,
                parent_team_id: None,
                lead_person_id: p.id,
                created_by: p.id,
            },
            ts,
        )
        .await
        .unwrap();
    store
        .create_priority(
            ws,
            NewPriority {
                title: "Real work".into(),
                owner_id: p.id,
                team_id: team.id,
                due: None,
                parent_id: None,
                created_by: p.id,
            },
            ts,
        )
        .await
        .unwrap();
    store
        .save_rhythm(
            &RhythmRow {
                team_id: team.id,
                workspace_id: ws,
                checkin_schedule: Some("mon 09:00".into()),
                digest_schedule: Some("fri 16:00".into()),
                zone: "UTC".into(),
                home_zone: "UTC".into(),
                remind_minutes: None,
                review_schedule: None,
                updated_at: ts,
                ask: "all".into(),
            },
            p.id,
            ts,
        )
        .await
        .unwrap();
    ws
}

#[tokio::test]
async fn running_the_sandbox_rhythm_moves_only_the_sandboxs_clock_and_workspace() {
    // Tuesday: the next check-in of both is next Monday.
    let tuesday = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let sandbox_clock = ManualClock::new(tuesday);
    let app = spawn_sandbox_with_own_clock(sandbox_clock.clone()).await;
    app.clock.set(tuesday);
    let real = real_tenant(&app).await;
    let origin = Some(app.url.as_str());
    assert_eq!(
        sandbox_post(&app, "/sandbox/people", json!({"name": "ana"}), origin).await,
        200
    );
    for text in [
        "/pacer team add Web",
        "/pacer add Ship it team:Web",
        "/pacer rhythm Web checkin \"mon 09:00\" tz:UTC",
    ] {
        let body = json!({"as": "S-ana", "channel": "C-general", "text": text});
        assert_eq!(
            sandbox_post(&app, "/sandbox/command", body, origin).await,
            200
        );
    }
    let status = sandbox_post(&app, "/sandbox/rhythm", json!({}), origin).await;
    assert_eq!(status, 200);
    // The sandbox lived to Monday; the process did not move, and the real tenant's Monday has
    // not come.
    assert!(sandbox_clock_now(&sandbox_clock) > tuesday);
    assert_eq!(app.clock_now(), tuesday.timestamp());
    let cycles_of = |ws: i64| {
        let pool = app.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM cycles WHERE workspace_id = $1")
                .bind(ws)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        cycles_of(real).await,
        0,
        "a real tenant's check-in fired early"
    );
    let sandbox_ws = app
        .store
        .workspace_id("sandbox", "sandbox")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cycles_of(sandbox_ws).await, 1);
    // The process's own tick, at the process's time, does not touch the sandbox's workspace
    // either: it lives on its own clock.
    let r = app.state.scheduler.tick(tuesday).await.unwrap();
    assert_eq!(r.opened, 0);
}

fn sandbox_clock_now(c: &ManualClock) -> chrono::DateTime<Utc> {
    use pacer::clock::Clock;
    c.now()
}

#[tokio::test]
async fn the_sandbox_refuses_other_hosts_and_cross_origin_writes() {
    let app = spawn_sandbox_with_own_clock(ManualClock::new(Utc::now())).await;
    let origin = app.url.clone();
    let port = app.url.rsplit(':').next().unwrap().to_string();
    // DNS rebinding: a page on evil.example resolves its name to 127.0.0.1.
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
    ] {
        let r = app
            .http
            .get(format!("{}/", app.url))
            .header("Host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{host}");
    }
    let r = app
        .http
        .get(format!("http://localhost:{port}/sandbox/people"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "localhost is this machine");
    // Writes need the sandbox's own page as their origin.
    let join = json!({"name": "mallory"});
    assert_eq!(
        sandbox_post(&app, "/sandbox/people", join.clone(), None).await,
        403
    );
    assert_eq!(
        sandbox_post(
            &app,
            "/sandbox/people",
            join.clone(),
            Some("http://evil.example")
        )
        .await,
        403
    );
    assert_eq!(
        sandbox_post(&app, "/sandbox/rhythm", json!({}), Some("null")).await,
        403
    );
    assert_eq!(app.count("people").await, 0, "nothing was written");
    assert_eq!(
        sandbox_post(&app, "/sandbox/people", join, Some(&origin)).await,
        200
    );
}

async fn pacer(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"));
    cmd.args(args)
        .current_dir(dir.path())
        .env_remove("SLACK_SIGNING_SECRET")
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("PACER_SANDBOX")
        .env_remove("PACER_LISTEN")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), cmd.output())
        .await
        .expect("refused at once")
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[tokio::test]
async fn the_sandbox_never_starts_beside_a_platform_or_on_a_public_address() {
    let (code, err) = pacer(
        &["serve"],
        &[("PACER_SANDBOX", "on"), ("SLACK_SIGNING_SECRET", "s3cret")],
    )
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("beside a chat platform"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    let (code, err) = pacer(
        &["serve"],
        &[("PACER_SANDBOX", "on"), ("PACER_LISTEN", "0.0.0.0:39391")],
    )
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("loopback"), "{err}");
    let (code, err) = pacer(&["demo"], &[("PACER_LISTEN", "0.0.0.0:39392")]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("loopback"), "{err}");
    let (code, err) = pacer(&["demo"], &[("SLACK_SIGNING_SECRET", "s3cret")]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("chat platform"), "{err}");
}

mod teams_forgery {
    use super::*;
    use crate::common::spawn_app;
    use crate::msteams::{ANA, BEN, personal};

    async fn say(app: &TestApp, text: &str) -> u16 {
        app.teams_post(&personal(app, ANA, text)).await.status
    }

    #[tokio::test]
    async fn typed_channel_and_person_markup_in_teams_is_only_text() {
        let app = spawn_app().await;
        // Ben is known to pacer (he talked to it once).
        assert_eq!(
            app.teams_post(&personal(&app, BEN, "teams")).await.status,
            200
        );
        assert_eq!(say(&app, "team add Platform").await, 200);
        // Entity-encoded markup, as a person types it into Teams.
        assert_eq!(
            say(&app, "team add Leak &lt;#19:victim@thread.tacv2|secret&gt;").await,
            200
        );
        assert_eq!(
            say(
                &app,
                "team add Leak2 &#60;#19:victim@thread.tacv2|secret&#62;"
            )
            .await,
            200
        );
        // A channel pacer holds no conversation reference for, named plainly.
        assert_eq!(say(&app, "team add Leak3 #general").await, 200);
        let leaked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM teams WHERE channel_id LIKE '19:victim%' OR channel_id = 'general'",
        )
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        assert_eq!(leaked, 0, "a typed channel became the team's channel");
        // A typed person is not a mention: the priority stays the caller's.
        assert_eq!(
            say(
                &app,
                "add Secret plan &lt;@29:1ben-aad-user|Ben Okafor&gt; team:Platform"
            )
            .await,
            200
        );
        let bens: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM priorities p JOIN people o ON o.id = p.owner_id WHERE o.user_id = $1",
        )
        .bind(BEN)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        assert_eq!(bens, 0, "a typed mention assigned Ben");
    }

    #[tokio::test]
    async fn another_tenant_is_refused_when_one_is_configured() {
        let app = spawn_app().await;
        let mut a = personal(&app, ANA, "team add Intruders");
        a["conversation"]["tenantId"] = json!("another-tenant");
        a["channelData"]["tenant"]["id"] = json!("another-tenant");
        let r = app.teams_post(&a).await;
        assert_eq!(r.status, 403);
        assert_eq!(app.count("workspaces").await, 0);
        assert_eq!(app.count("teams").await, 0);
    }

    #[tokio::test]
    async fn pacer_never_posts_to_a_channel_it_holds_no_reference_for() {
        let app = spawn_app().await;
        assert_eq!(say(&app, "team add Platform").await, 200);
        assert_eq!(say(&app, "add Ship it team:Platform").await, 200);
        // A row as an older pacer could have stored it from a forged command.
        sqlx::query("UPDATE teams SET channel_id = '19:victim@thread.tacv2'")
            .execute(app.store.pool())
            .await
            .unwrap();
        assert_eq!(say(&app, "rhythm Platform digest \"mon 10:00\"").await, 200);
        assert_eq!(
            say(&app, "rhythm Platform checkin \"mon 09:30\" tz:UTC").await,
            200
        );
        for h in [9, 10, 11] {
            app.clock
                .set(Utc.with_ymd_and_hms(2026, 11, 30, h, 45, 0).unwrap());
            app.tick().await;
        }
        let to_victim = app
            .teams
            .calls()
            .into_iter()
            .filter(|c| format!("{c:?}").contains("19:victim"))
            .count();
        assert_eq!(to_victim, 0);
        let failed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'digest' AND state = 'failed'",
        )
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        assert_eq!(failed, 1, "the digest is given up, not sent elsewhere");
    }
}

mod slack_inputs {
    use crate::common::fake_slack::FakeSlack;
    use crate::common::{SIGNING_SECRET, spawn_app};

    #[tokio::test]
    async fn an_absurd_timestamp_is_refused_not_a_panic() {
        let app = spawn_app().await;
        let body = app.command_body("T0001", "U0ANA", "C0GENERAL1", "teams");
        for ts in ["-9223372036854775808", "9223372036854775807"] {
            let sig = pacer::slack::signature::sign(SIGNING_SECRET, ts, body.as_bytes());
            let r = app
                .post_raw(
                    "/slack/commands",
                    &body,
                    "application/x-www-form-urlencoded",
                    &[
                        ("X-Slack-Request-Timestamp", ts),
                        ("X-Slack-Signature", &sig),
                    ],
                )
                .await;
            assert_eq!(r.status, 401, "{ts}");
        }
        assert_eq!(app.count("workspaces").await, 0);
    }

    #[tokio::test]
    async fn a_response_url_outside_slack_is_never_posted_to() {
        let app = spawn_app().await;
        let elsewhere = FakeSlack::start().await;
        // U0SLOW's profile takes longer than Slack's window, so the answer goes through the
        // response_url, which this request points at another host.
        let body = app
            .command_body("T0001", "U0SLOW", "C0GENERAL1", "list mine")
            .replace(
                &serde_urlencoded::to_string([("", app.slack.base.as_str())]).unwrap()[1..],
                &serde_urlencoded::to_string([("", elsewhere.base.as_str())]).unwrap()[1..],
            );
        assert!(body.contains(&elsewhere.base.replace(':', "%3A").replace('/', "%2F")));
        let r = app
            .post_signed(
                "/slack/commands",
                &body,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(r.status, 200);
        tokio::time::sleep(std::time::Duration::from_millis(4500)).await;
        assert!(elsewhere.calls().is_empty(), "{:?}", elsewhere.calls());
    }
}

#[tokio::test]
async fn a_dashboard_link_asked_for_in_a_teams_channel_goes_to_the_1_1_chat() {
    use crate::msteams::{ANA, in_channel, personal};
    let app = crate::common::spawn_app().await;
    // Ana has a 1:1 chat with pacer.
    assert_eq!(
        app.teams_post(&personal(&app, ANA, "teams")).await.status,
        200
    );
    let r = app
        .teams_post(&in_channel(&app, ANA, "dashboard", &[]))
        .await;
    assert_eq!(r.status, 200);
    let replies = app.teams.wait_for("reply", 2).await;
    let in_channel_text: String = replies
        .iter()
        .filter(|c| c.conversation.starts_with("19:"))
        .map(|c| c.body.to_string())
        .collect();
    assert!(
        !in_channel_text.contains("/dashboard?"),
        "a bearer link was posted where guests can read it: {in_channel_text}"
    );
    assert!(in_channel_text.contains("1:1 chat"), "{in_channel_text}");
    let private: String = app
        .teams
        .calls()
        .iter()
        .filter(|c| !c.conversation.starts_with("19:"))
        .map(|c| c.body.to_string())
        .collect();
    assert!(private.contains("/dashboard?"), "{private}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::common::spawn_app().await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"POST /slack/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(
        pacer::startup::HEADER_READ_TIMEOUT + std::time::Duration::from_secs(3),
        stream.read_to_end(&mut buf),
    )
    .await;
    assert!(closed.is_ok(), "the connection was held open");
    assert!(
        started.elapsed()
            >= pacer::startup::HEADER_READ_TIMEOUT - std::time::Duration::from_millis(500)
    );
}

#[tokio::test]
async fn metrics_can_have_an_address_of_their_own() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let app = crate::common::spawn_app_with(&[("PACER_METRICS_LISTEN", listen.as_str())]).await;
    let main = app
        .http
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), 404, "not on the public listener");
    let mut apart = None;
    for _ in 0..50 {
        if let Ok(r) = app
            .http
            .get(format!("http://{listen}/metrics"))
            .send()
            .await
        {
            apart = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let apart = apart.expect("the metrics listener answers");
    assert_eq!(apart.status(), 200);
    assert!(apart.text().await.unwrap().contains("pacer_"));
}

mod enterprise_grid {
    use crate::common::spawn_app;
    use pacer::store::SlackInstallation;
    use serde_json::json;

    #[tokio::test]
    async fn an_org_wide_uninstall_revokes_the_organisations_token() {
        let app = spawn_app().await;
        let now = app.clock_now();
        let org = app
            .store
            .ensure_workspace("slack", "E0ORG", now)
            .await
            .unwrap();
        let sealed = app.state.keyring.encrypt("xoxb-org-token").await.unwrap();
        app.store
            .save_slack_installation(
                org,
                &SlackInstallation {
                    bot_token: sealed,
                    bot_user_id: Some("U0BOT".into()),
                    installed_by: Some("U0ANA".into()),
                },
                "commands,chat:write",
                now,
            )
            .await
            .unwrap();
        assert!(
            app.store
                .slack_installation("E0ORG")
                .await
                .unwrap()
                .is_some()
        );
        let body = json!({
            "token": "x", "team_id": "T0001", "enterprise_id": "E0ORG", "is_enterprise_install": true,
            "api_app_id": "A0PACER", "type": "event_callback", "event_id": "Ev0UNINST1", "event_time": 1,
            "event": {"type": "app_uninstalled"},
        })
        .to_string();
        let r = app
            .post_signed("/slack/events", &body, "application/json")
            .await;
        assert_eq!(r.status, 200);
        let mut revoked = false;
        for _ in 0..200 {
            if app
                .store
                .slack_installation("E0ORG")
                .await
                .unwrap()
                .is_none()
            {
                revoked = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(revoked, "the org-wide token is still used");
    }

    #[tokio::test]
    async fn a_click_from_an_org_wide_install_with_no_team_is_answered() {
        let app = spawn_app().await;
        let payload = json!({
            "type": "block_actions",
            "user": {"id": "U0ANA", "username": "ana", "team_id": "T0001"},
            "api_app_id": "A0PACER", "token": "x",
            "container": {"type": "message", "message_ts": "1.2", "channel_id": "DU0ANA", "is_ephemeral": false},
            "trigger_id": "1.2.3", "team": null, "enterprise": {"id": "E0ORG", "name": "Org"},
            "is_enterprise_install": true,
            "response_url": format!("{}/response/org", app.slack.base),
            "actions": [{"type": "button", "action_id": "checkin:on-track", "block_id": "b", "value": "999:999", "action_ts": "1"}],
        });
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        let r = app
            .post_signed(
                "/slack/interactivity",
                &body,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        // Answered (the button is not one of this person's check-ins), not refused as malformed.
        let told = app.slack.wait_for("response_url:org", 1).await;
        assert_eq!(told.len(), 1);
        assert_eq!(app.count("priority_updates").await, 0);
    }
}

#[tokio::test]
async fn tokens_with_made_up_key_ids_cannot_make_pacer_hammer_the_key_endpoint() {
    use crate::common::fake_teams::{self, OTHER_KEY_PEM};
    use crate::msteams::{ANA, personal};
    let app = crate::common::spawn_app().await;
    assert_eq!(
        app.teams_post(&personal(&app, ANA, "teams")).await.status,
        200
    );
    let before = app.teams.metadata_fetches();
    let claims = fake_teams::claims(app.clock_now(), &app.teams.service_url());
    let mut statuses = Vec::new();
    for i in 0..30 {
        let forged = fake_teams::sign(&claims, &format!("made-up-{i}"), OTHER_KEY_PEM);
        let r = app
            .teams_post_with(
                &personal(&app, ANA, "teams"),
                Some(&format!("Bearer {forged}")),
            )
            .await;
        statuses.push(r.status);
    }
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(
        app.teams.metadata_fetches(),
        before + 1,
        "one look for an unknown key, not one per forged token"
    );
    // Genuine requests went on meanwhile.
    assert_eq!(
        app.teams_post(&personal(&app, ANA, "teams")).await.status,
        200
    );
    // Minutes later an unknown key may be looked up again (a real key roll).
    app.clock.advance(chrono::Duration::minutes(6));
    let claims = fake_teams::claims(app.clock_now(), &app.teams.service_url());
    let forged = fake_teams::sign(&claims, "made-up-again", OTHER_KEY_PEM);
    let r = app
        .teams_post_with(
            &personal(&app, ANA, "teams"),
            Some(&format!("Bearer {forged}")),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(app.teams.metadata_fetches(), before + 2);
}
