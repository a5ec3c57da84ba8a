//! Slack over Socket Mode, against the fake Socket Mode server: no public URL and no signing
//! secret; commands, clicks, the check-in form and events arrive as envelopes on pacer's own
//! WebSocket connections and reach the same handlers as over HTTP. Connections that Slack
//! refreshes, drops or stops answering are replaced, and nothing is lost or done twice.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::checkins::buttons;
use crate::common::{ADMIN, TestApp, spawn_app_with};

async fn socket_app() -> TestApp {
    let app = spawn_app_with(&[
        ("SLACK_APP_TOKEN", "xapp-test-token"),
        // Socket Mode needs no signing secret, and without one there are no webhooks.
        ("SLACK_SIGNING_SECRET", ""),
    ])
    .await;
    app.slack.socket().wait_open(2).await;
    app
}

/// A slash command's payload as Socket Mode carries it: the HTTP form's fields, as JSON.
fn command(app: &TestApp, user: &str, channel: &str, text: &str) -> Value {
    json!({
        "token": "deprecated", "team_id": "T0001", "team_domain": "example",
        "channel_id": channel,
        "channel_name": if channel.starts_with('D') { "directmessage" } else { "general" },
        "user_id": user, "user_name": user.to_lowercase(), "command": "/pacer", "text": text,
        "api_app_id": "A0PACER", "is_enterprise_install": "false",
        "response_url": format!("{}/response/{}", app.slack.base, uuid::Uuid::new_v4().simple()),
        "trigger_id": "1234.5678.abcd"
    })
}

/// Everything a reply says, for assertions.
fn text_of(v: &Value) -> String {
    let mut out = Vec::new();
    collect(v, &mut out);
    out.join("\n")
}

fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect(x, out)),
        _ => {}
    }
}

/// Send `/pacer <text>` down connection `conn` and return the acknowledgement's payload.
async fn slash(app: &TestApp, conn: usize, user: &str, text: &str) -> Value {
    let hub = app.slack.socket();
    let id = hub.send(
        conn,
        "slash_commands",
        command(app, user, "C0GENERAL1", text),
    );
    hub.wait_ack(&id).await["payload"].clone()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn commands_are_answered_in_the_acknowledgement_without_a_public_url() {
    let app = socket_app().await;
    let hub = app.slack.socket();
    let conns = hub.open_ids();
    assert_eq!(conns.len(), 2, "two connections, as Slack recommends");
    // Only the app-level token opened them; the bot token still does the Web API.
    let opens = app.slack.calls_to("apps.connections.open");
    assert!(
        opens
            .iter()
            .all(|c| c.authorization.as_deref() == Some("Bearer xapp-test-token")),
        "{opens:?}"
    );

    let help = slash(&app, conns[0], "U0ANA", "help").await;
    assert_eq!(help["response_type"], "ephemeral", "{help}");
    assert!(text_of(&help).contains("/pacer add"), "{help}");

    let team = slash(
        &app,
        conns[1],
        ADMIN,
        "team add Platform <#C0PLATFORM|platform>",
    )
    .await;
    assert!(text_of(&team).contains("Platform"), "{team}");
    let added = slash(&app, conns[0], "U0ANA", "add Payments API team:Platform").await;
    assert!(text_of(&added).contains("Payments API"), "{added}");
    let list = slash(&app, conns[1], "U0BEN", "list all").await;
    assert!(text_of(&list).contains("Payments API"), "{list}");

    // Operators see the connections (the metrics are the process's: other tests' count too).
    let metrics = app
        .http
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let open: i64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("pacer_slack_socket_connections "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the open-connections gauge");
    assert!(open >= 2, "{open}");

    // Without a signing secret, pacer takes no Slack webhooks at all.
    let body = app.command_body("T0001", "U0ANA", "C0GENERAL1", "list all");
    let r = app
        .post_signed(
            "/slack/commands",
            &body,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, 404);
}

/// Platform with #1 owned by ana and a check-in open now; ana's prompt (ts, buttons).
async fn open_checkin(app: &TestApp, conn: usize) -> (String, Vec<(String, String)>) {
    slash(
        app,
        conn,
        "U0ANA",
        "team add Platform <#C0PLATFORM|platform>",
    )
    .await;
    slash(app, conn, "U0ANA", "add Payments API team:Platform").await;
    slash(
        app,
        conn,
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin",
    )
    .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap());
    assert_eq!(app.tick().await.opened, 1);
    let prompt = app.slack.messages_in("DU0ANA");
    let (ts, body) = prompt.first().expect("ana is prompted").clone();
    (ts, buttons(&body))
}

fn click(app: &TestApp, user: &str, ts: &str, action: &str, value: &str) -> Value {
    json!({
        "type": "block_actions",
        "user": {"id": user, "username": user.to_lowercase(), "team_id": "T0001"},
        "api_app_id": "A0PACER", "token": "deprecated",
        "container": {"type": "message", "message_ts": ts, "channel_id": "DU0ANA", "is_ephemeral": false},
        "trigger_id": "1234.5678.trigger",
        "team": {"id": "T0001", "domain": "example"}, "enterprise": null,
        "is_enterprise_install": false,
        "response_url": format!("{}/response/{}", app.slack.base, uuid::Uuid::new_v4().simple()),
        "actions": [{"action_id": action, "block_id": "b1", "value": value, "type": "button",
                     "text": {"type": "plain_text", "text": "x"}, "action_ts": "1700000000.1"}]
    })
}

fn form(private_metadata: &str, progress: &str) -> Value {
    json!({
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "example"},
        "user": {"id": "U0ANA", "username": "ana", "team_id": "T0001"},
        "api_app_id": "A0PACER", "token": "deprecated", "trigger_id": "1.2.3",
        "view": {
            "id": "V0MODAL", "type": "modal", "callback_id": "checkin_form",
            "private_metadata": private_metadata,
            "state": {"values": {
                "status": {"value": {"type": "static_select", "selected_option": {"value": "at-risk"}}},
                "progress": {"value": {"type": "plain_text_input", "value": progress}},
                "note": {"value": {"type": "plain_text_input", "value": "vendor late"}},
                "blocker": {"value": {"type": "plain_text_input", "value": null}}
            }}
        }
    })
}

#[tokio::test]
async fn clicks_and_the_checkin_form_arrive_as_interactive_envelopes() {
    let app = socket_app().await;
    let hub = app.slack.socket();
    let conn = hub.open_ids()[0];
    let (ts, buttons) = open_checkin(&app, conn).await;
    let (_, value) = buttons
        .iter()
        .find(|(a, _)| a == "checkin:on-track")
        .expect("an on-track button")
        .clone();

    // Someone else's click is refused, privately, and records nothing.
    let id = hub.send(
        conn,
        "interactive",
        click(&app, "U0BEN", &ts, "checkin:on-track", &value),
    );
    hub.wait_ack(&id).await;
    let refusals = app.slack.wait_for_prefix("response_url:", 1).await;
    assert!(
        refusals[0]
            .body
            .to_string()
            .contains("only they can answer"),
        "{:?}",
        refusals[0].body
    );

    // The owner's click is recorded and the prompt updated in place.
    let id = hub.send(
        conn,
        "interactive",
        click(&app, "U0ANA", &ts, "checkin:on-track", &value),
    );
    assert_eq!(hub.wait_ack(&id).await.get("payload"), None);
    let updates = app.slack.wait_for("chat.update", 1).await;
    assert_eq!(updates[0].body["ts"], ts.as_str());
    assert!(
        updates[0].body.to_string().contains("On track"),
        "{:?}",
        updates[0].body
    );

    // "Update…" opens the form.
    let id = hub.send(
        conn,
        "interactive",
        click(&app, "U0ANA", &ts, "checkin:update", &value),
    );
    hub.wait_ack(&id).await;
    let opened = app.slack.wait_for("views.open", 1).await;
    let metadata = opened[0].body["view"]["private_metadata"]
        .as_str()
        .unwrap()
        .to_string();

    // A form with a mistake is answered with its errors in the acknowledgement.
    let id = hub.send(conn, "interactive", form(&metadata, "140"));
    let ack = hub.wait_ack(&id).await;
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(ack["payload"]["errors"]["progress"].is_string(), "{ack}");

    // A good one is recorded.
    let id = hub.send(conn, "interactive", form(&metadata, "40"));
    let ack = hub.wait_ack(&id).await;
    assert_eq!(ack.get("payload"), None, "{ack}");
    let show = slash(&app, conn, "U0ANA", "show #1").await;
    let shown = text_of(&show);
    assert!(
        shown.contains("40%") && shown.contains("vendor late"),
        "{shown}"
    );
}

fn event(id: &str, event: Value) -> Value {
    json!({
        "token": "deprecated", "team_id": "T0001", "api_app_id": "A0PACER",
        "event": event, "type": "event_callback", "event_id": id, "event_time": 1700000000,
        "authorizations": [{"enterprise_id": null, "team_id": "T0001", "user_id": "U0BOT",
                            "is_bot": true, "is_enterprise_install": false}]
    })
}

#[tokio::test]
async fn direct_messages_and_the_home_tab_arrive_as_events() {
    let app = socket_app().await;
    let hub = app.slack.socket();
    let conn = hub.open_ids()[1];
    let (_, _) = open_checkin(&app, conn).await;

    let dm = event(
        "Ev0DM1",
        json!({"type": "message", "channel": "DU0ANA", "channel_type": "im", "user": "U0ANA",
               "text": "#1 at-risk 30% waiting on legal", "ts": "1700000100.000100"}),
    );
    let id = hub.send(conn, "events_api", dm);
    assert_eq!(hub.wait_ack(&id).await.get("payload"), None);
    // The answer in words is recorded, answered in the DM, and shown in the open prompt.
    app.slack.wait_for("chat.update", 1).await;
    let show = slash(&app, conn, "U0ANA", "show #1").await;
    assert!(text_of(&show).contains("30%"), "{show}");

    let home = event(
        "Ev0HOME",
        json!({"type": "app_home_opened", "user": "U0ANA", "channel": "DU0ANA", "tab": "home"}),
    );
    let id = hub.send(conn, "events_api", home);
    hub.wait_ack(&id).await;
    let published = app.slack.wait_for("views.publish", 1).await;
    assert!(
        published[0].body.to_string().contains("Payments API"),
        "{:?}",
        published[0].body
    );
}

#[tokio::test]
async fn a_forced_disconnect_loses_nothing_and_does_nothing_twice() {
    let app = socket_app().await;
    let hub = app.slack.socket();
    let conns = hub.open_ids();
    slash(&app, conns[0], "U0ANA", "team add Platform").await;

    // An envelope, then Slack refreshes that connection at once: whether or not its ack made
    // it, Slack delivers it again on the other connection; it runs once.
    let id = hub.send(
        conns[0],
        "slash_commands",
        command(
            &app,
            "U0ANA",
            "C0GENERAL1",
            "add Payments API team:Platform",
        ),
    );
    hub.disconnect(conns[0], "refresh_requested");
    hub.redeliver(conns[1], &id);
    wait_until("the redelivery's ack", || {
        hub.acks(&id).iter().any(|(c, _)| *c == conns[1])
    })
    .await;
    // pacer opened a replacement and is back to two connections.
    let now_open = hub.wait_open(2).await;
    assert!(hub.opened.load(std::sync::atomic::Ordering::SeqCst) >= 3);
    assert!(!now_open.contains(&conns[0]));

    // An event delivered twice, on two connections, is handled once.
    let dm = event(
        "Ev0TWICE",
        json!({"type": "message", "channel": "DU0ANA", "channel_type": "im", "user": "U0ANA",
               "text": "add Billing export team:Platform", "ts": "1700000200.000100"}),
    );
    let first = hub.send(now_open[0], "events_api", dm.clone());
    let second = hub.send(now_open[1], "events_api", dm);
    hub.wait_ack(&first).await;
    hub.wait_ack(&second).await;
    app.slack.wait_for("chat.postMessage", 1).await;

    let list = slash(&app, now_open[0], "U0BEN", "list all").await;
    let listed = text_of(&list);
    assert_eq!(listed.matches("Payments API").count(), 1, "{listed}");
    assert_eq!(listed.matches("Billing export").count(), 1, "{listed}");
    assert_eq!(app.count("priorities").await, 2);
    assert_eq!(app.slack.calls_to("chat.postMessage").len(), 1);

    // A connection dropped without a word is replaced too.
    hub.drop_connection(now_open[1]);
    wait_until("a replacement connection", || {
        hub.open_ids().iter().all(|c| *c != now_open[1]) && hub.open_connections() == 2
    })
    .await;
    let after = hub.open_ids();
    let help = slash(&app, *after.last().unwrap(), "U0ANA", "help").await;
    assert!(text_of(&help).contains("/pacer add"));
}

#[tokio::test]
async fn a_connection_that_stops_answering_is_replaced() {
    // Runs with the default keepalive (a ping every 5 s, given up after 15 s of silence).
    let app = socket_app().await;
    let hub = app.slack.socket();
    let conns = hub.open_ids();
    let opened = hub.opened.load(std::sync::atomic::Ordering::SeqCst);
    hub.silence(conns[0]);
    for _ in 0..300 {
        if hub.opened.load(std::sync::atomic::Ordering::SeqCst) > opened
            && hub.open_connections() == 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        hub.opened.load(std::sync::atomic::Ordering::SeqCst) > opened,
        "pacer gave up on the silent connection and opened another"
    );
    let fresh = *hub.wait_open(2).await.last().unwrap();
    assert!(!conns.contains(&fresh) || fresh != conns[0]);
    let help = slash(&app, fresh, "U0ANA", "help").await;
    assert!(text_of(&help).contains("/pacer add"));
}

#[tokio::test]
async fn the_app_token_must_be_an_app_level_token() {
    let mut values = std::collections::HashMap::new();
    values.insert(
        "SLACK_APP_TOKEN".to_string(),
        "xoxb-not-an-app-token".to_string(),
    );
    let e = pacer::config::Config::from_map(&values)
        .unwrap_err()
        .to_string();
    assert!(e.contains("SLACK_APP_TOKEN") && e.contains("xapp-"), "{e}");
    values.insert("SLACK_APP_TOKEN".to_string(), "xapp-1-A0-1-abc".to_string());
    values.insert("SLACK_BOT_TOKEN".to_string(), "xoxb-1".to_string());
    let c = pacer::config::Config::from_map(&values).unwrap();
    let slack = c.slack.unwrap();
    assert!(slack.signing_secret.is_none() && slack.app_token.is_some());
    assert_eq!(slack.socket_connections, 2);
    values.insert("SLACK_SOCKET_CONNECTIONS".to_string(), "11".to_string());
    assert!(pacer::config::Config::from_map(&values).is_err());
}

/// Two replicas on one database each hold two connections; Slack may deliver an envelope again
/// on any of them (its ack was lost): it runs once, and every delivery is acknowledged.
#[tokio::test]
async fn replicas_share_the_envelopes_and_run_each_once() {
    use pacer::startup::{self, AppState};
    let app = socket_app().await;
    let mut values: std::collections::HashMap<String, String> = [
        ("PACER_DATABASE_URL", app.db_url.clone()),
        ("SLACK_APP_TOKEN", "xapp-test-token".into()),
        ("SLACK_BOT_TOKEN", "xoxb-test-token".into()),
        ("SLACK_API_BASE_URL", app.slack.api_base()),
        ("PACER_ADMINS", ADMIN.into()),
        ("PACER_SCHEDULER", "off".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in app.key_env() {
        values.insert(k.to_string(), v.to_string());
    }
    let config = pacer::config::Config::from_map(&values).unwrap();
    let store = startup::open_store(&config).await.unwrap();
    let second = AppState::new(config, store, std::sync::Arc::new(app.clock.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    tokio::spawn(startup::serve(second, listener, std::future::pending()));
    let hub = app.slack.socket();
    let all = hub.wait_open(4).await;

    slash(&app, all[0], ADMIN, "team add Platform").await;
    let id = hub.send(
        all[1],
        "slash_commands",
        command(
            &app,
            "U0ANA",
            "C0GENERAL1",
            "add Payments API team:Platform",
        ),
    );
    for conn in &all {
        if *conn != all[1] {
            hub.redeliver(*conn, &id);
        }
    }
    wait_until("every delivery acknowledged", || {
        hub.acks(&id).len() == all.len()
    })
    .await;
    assert!(
        hub.acks(&id)
            .iter()
            .any(|(_, ack)| text_of(&ack["payload"]).contains("Payments API")),
        "the delivery that ran answered with the command's reply"
    );
    assert_eq!(app.count("priorities").await, 1, "run once across replicas");
}
