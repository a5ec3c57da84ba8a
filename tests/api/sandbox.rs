//! The sandbox: the seeded demo organisation, the chat routes as the page uses them, check-ins
//! answered with a button and the form, and "run the rhythm now" firing through the scheduler.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::common::{TestApp, spawn_app, spawn_app_with};

/// A sandbox app with the demo organisation seeded up to 2026-11-23 08:00 UTC (a Monday).
pub async fn demo_app() -> TestApp {
    let app = spawn_app_with(&[("PACER_SANDBOX", "on")]).await;
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    app.clock.set(pacer::demo::history_start(now));
    pacer::demo::seed(&app.store, &app.state.scheduler, &app.clock, now)
        .await
        .expect("demo seeds");
    app
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .http
        .post(format!("{}{path}", app.url))
        .header("Origin", &app.url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn text(html: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in html.chars() {
        match c {
            '<' => tag = true,
            '>' => {
                tag = false;
                out.push(' ');
            }
            _ if !tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn channel(app: &TestApp, who: &str, channel: &str) -> String {
    let (status, html) = get(
        app,
        &format!("/sandbox/messages?as={who}&channel={channel}"),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    html
}

#[tokio::test]
async fn the_demo_organisation_drifts_in_every_way_the_contract_defines() {
    let app = demo_app().await;
    assert_eq!(app.count("teams").await, 4);
    assert_eq!(app.count("people").await, 12);
    assert_eq!(app.count("priorities").await, 25);
    let zones: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT tz) FROM people")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(zones >= 6, "{zones} zones");
    let aligned: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM priorities WHERE parent_id IS NOT NULL")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert!(
        aligned >= 18,
        "{aligned} priorities ladder up to the company's"
    );
    // Twelve weeks of closed cycles with digests in every team channel: as many as the
    // dashboard's trends show.
    let closed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cycles WHERE state = 'closed'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(closed, 4 * 12);
    // So the dashboard's trends are drawn for every week before this one (this week's digests
    // are still to come on Monday morning).
    let ws: i64 = sqlx::query_scalar("SELECT id FROM workspaces")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let teams = app.store.teams(ws).await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let trends = pacer::reporting::trends::load(&app.store, ws, &teams, now)
        .await
        .unwrap();
    let drawn: Vec<bool> = trends
        .organisation
        .iter()
        .map(|w| {
            w.value(pacer::reporting::trends::Measure::Participation)
                .is_some()
        })
        .collect();
    assert_eq!(drawn, [vec![true; 11], vec![false]].concat(), "{trends:?}");
    // What is stalled today, and why: every flag of the contract appears.
    let (status, _) = post(
        &app,
        "/sandbox/command",
        json!({"as": "S-maya", "channel": "C-leadership", "text": "/pacer list stalled"}),
    )
    .await;
    assert_eq!(status, 200);
    let html = channel(&app, "S-maya", "C-leadership").await;
    let all = text(&html);
    for flag in ["silent", "stuck", "flat", "overdue", "behind", "blocked"] {
        assert!(all.contains(flag), "no {flag} priority in the demo: {all}");
    }
    // The leadership channel carries the roll-up with alignment.
    assert!(all.contains("ladder up"), "{all}");
    // Ben's view of the channel does not show Maya's private reply.
    let bens = text(&channel(&app, "S-ben", "C-leadership").await);
    assert!(bens.contains("/pacer list stalled"));
    assert!(!bens.contains("Only visible to you"));
}

#[tokio::test]
async fn commands_buttons_forms_and_the_rhythm_through_the_sandbox_routes() {
    let app = demo_app().await;
    let (status, page) = get(&app, "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Run the rhythm now") && page.contains("/sandbox/command"));
    let (_, people) = get(&app, "/sandbox/people").await;
    let people: Value = serde_json::from_str(&people).unwrap();
    assert_eq!(people.as_array().unwrap().len(), 12);
    let (_, channels) = get(&app, "/sandbox/channels?as=S-ana").await;
    for c in [
        "C-platform",
        "C-growth",
        "C-customer",
        "C-leadership",
        "C-general",
        "D-S-ana",
    ] {
        assert!(channels.contains(c), "{channels}");
    }

    // A command typed in #platform: the priority lands in Platform; the reply shows there.
    let (status, _) = post(
        &app,
        "/sandbox/command",
        json!({"as": "S-ana", "channel": "C-platform", "text": "/pacer add Sandbox-made priority due:+3w"}),
    )
    .await;
    assert_eq!(status, 200);
    let platform = text(&channel(&app, "S-ana", "C-platform").await);
    assert!(
        platform.contains("#26") && platform.contains("Sandbox-made priority"),
        "{platform}"
    );
    let team: String = sqlx::query_scalar(
        "SELECT t.name FROM priorities p JOIN teams t ON t.id = p.team_id WHERE p.number = 26",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(team, "Platform");

    // Run the rhythm until Ana's Monday check-in arrives in her direct messages.
    let mut prompt = None;
    for _ in 0..6 {
        let (status, fired) = post(&app, "/sandbox/rhythm", json!({})).await;
        assert_eq!(status, 200, "{fired}");
        assert!(
            fired["summary"].as_str().unwrap().contains("UTC"),
            "{fired}"
        );
        let dm = channel(&app, "S-ana", "D-S-ana").await;
        if let Some(at) = dm.rfind("Check-in for Platform") {
            prompt = Some(
                dm[..at]
                    .rfind("id=\"m")
                    .map(|i| dm[i..].to_string())
                    .unwrap(),
            );
            break;
        }
    }
    let prompt = prompt.expect("Ana's check-in arrived");
    let id: u64 = prompt[5..prompt
        .find('"')
        .map(|_| prompt[5..].find('"').unwrap() + 5)
        .unwrap()]
        .parse()
        .unwrap();
    let value_at = prompt
        .find("data-action=\"checkin:on-track\" data-value=\"")
        .unwrap();
    let rest = &prompt[value_at + "data-action=\"checkin:on-track\" data-value=\"".len()..];
    let value = &rest[..rest.find('"').unwrap()];

    // Ben cannot answer Ana's check-in; a made-up value is refused.
    let (status, body) = post(
        &app,
        "/sandbox/action",
        json!({"as": "S-ben", "message": id, "action": "checkin:on-track", "value": value}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("only they can answer"),
        "{body}"
    );
    let (status, _) = post(
        &app,
        "/sandbox/action",
        json!({"as": "S-ana", "message": id, "action": "checkin:on-track", "value": "9999:1"}),
    )
    .await;
    assert_eq!(status, 422);

    // A click records and updates the prompt in place.
    let (status, body) = post(
        &app,
        "/sandbox/action",
        json!({"as": "S-ana", "message": id, "action": "checkin:on-track", "value": value}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let dm = text(&channel(&app, "S-ana", "D-S-ana").await);
    assert!(dm.contains("Recorded"), "{dm}");

    // The form: what it starts from, what it refuses, what it records.
    let (status, start) = get(&app, &format!("/sandbox/form?as=S-ana&value={value}")).await;
    assert_eq!(status, 200, "{start}");
    let start: Value = serde_json::from_str(&start).unwrap();
    assert_eq!(start["status"], "on-track");
    let (status, body) = post(
        &app,
        "/sandbox/form",
        json!({"as": "S-ana", "message": id, "value": value, "status": "maybe", "progress": "140"}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["errors"]["status"].is_string() && body["errors"]["progress"].is_string(),
        "{body}"
    );
    let (status, _) = post(
        &app,
        "/sandbox/form",
        json!({"as": "S-ana", "message": id, "value": value, "status": "at-risk",
               "progress": "55", "note": "new vendor signed", "blocker": ""}),
    )
    .await;
    assert_eq!(status, 200);
    let n = start["number"].as_i64().unwrap();
    let (status_now, progress): (String, i64) =
        sqlx::query_as("SELECT status, progress FROM priorities WHERE number = $1")
            .bind(n)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!((status_now.as_str(), progress), ("at-risk", 55));

    // Keep running the rhythm: Friday's digest reaches #platform, with its thread.
    let before = channel(&app, "S-ana", "C-platform")
        .await
        .matches("Platform digest")
        .count();
    for _ in 0..12 {
        post(&app, "/sandbox/rhythm", json!({})).await;
        if channel(&app, "S-ana", "C-platform")
            .await
            .matches("Platform digest")
            .count()
            > before
        {
            break;
        }
    }
    let platform = channel(&app, "S-ana", "C-platform").await;
    assert!(
        platform.matches("Platform digest").count() > before,
        "the digest arrived"
    );
    assert!(platform.contains("class=\"thread\""));
}

#[tokio::test]
async fn bad_sandbox_requests_get_clear_answers() {
    let app = demo_app().await;
    for (path, body) in [
        (
            "/sandbox/command",
            json!({"as": "S-nobody", "channel": "C-general", "text": "help"}),
        ),
        (
            "/sandbox/command",
            json!({"as": "S-ana", "channel": "D-S-ben", "text": "help"}),
        ),
        (
            "/sandbox/command",
            json!({"as": "S-ana", "channel": "C-general", "text": "  "}),
        ),
        (
            "/sandbox/action",
            json!({"as": "S-ana", "message": 1, "action": "delete-all", "value": "1:1"}),
        ),
    ] {
        let (status, reply) = post(&app, path, body.clone()).await;
        assert_eq!(status, 400, "{body} → {reply}");
        assert!(reply["error"].is_string());
    }
    let (status, _) = get(&app, "/sandbox/messages?as=S-ana&channel=D-S-ben").await;
    assert_eq!(status, 400, "another person's direct messages");
    let r = app
        .http
        .post(format!("{}/sandbox/command", app.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    // Someone new can join the sandbox.
    let (status, joined) = post(
        &app,
        "/sandbox/people",
        json!({"name": "zoe", "tz": "Europe/Paris"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(joined["id"], "S-zoe");
    let (status, _) = post(&app, "/sandbox/people", json!({"name": "<b>x</b>"})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_sandbox_is_off_beside_real_platforms() {
    let app = spawn_app().await;
    let (status, _) = get(&app, "/").await;
    assert_eq!(status, 404);
    let (status, _) = get(&app, "/sandbox/people").await;
    assert_eq!(status, 404);
}
