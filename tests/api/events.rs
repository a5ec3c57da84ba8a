use serde_json::json;

use crate::common::spawn_app;

fn envelope(event_id: &str, event: serde_json::Value) -> String {
    json!({
        "token": "deprecated",
        "team_id": "T0001",
        "api_app_id": "A0PACER",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1795510800,
        "authorizations": [{"enterprise_id": null, "team_id": "T0001", "user_id": "U0BOT", "is_bot": true, "is_enterprise_install": false}],
        "is_ext_shared_channel": false,
        "event_context": "4-abc"
    })
    .to_string()
}

#[tokio::test]
async fn url_verification_is_answered_with_the_challenge() {
    let app = spawn_app().await;
    let body = json!({
        "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification"
    })
    .to_string();
    let r = app
        .post_signed("/slack/events", &body, "application/json")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
}

#[tokio::test]
async fn app_home_opened_publishes_the_users_priorities() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform").await;
    app.slash("U0ANA", "add Ship the beta team:Platform").await;
    let body = envelope(
        "Ev0HOME1",
        json!({"type": "app_home_opened", "user": "U0ANA", "channel": "D0DM", "tab": "home", "event_ts": "1795510800.000100"}),
    );
    let r = app
        .post_signed("/slack/events", &body, "application/json")
        .await;
    assert_eq!(r.status, 200);
    let calls = app.slack.wait_for("views.publish", 1).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].body["user_id"], "U0ANA");
    assert_eq!(calls[0].body["view"]["type"], "home");
    let view = calls[0].body["view"].to_string();
    assert!(view.contains("Ship the beta"), "{view}");
    assert_eq!(
        calls[0].authorization.as_deref(),
        Some("Bearer xoxb-test-token")
    );
}

#[tokio::test]
async fn a_retried_event_has_one_effect() {
    let app = spawn_app().await;
    let body = envelope(
        "Ev0DM0001",
        json!({
            "type": "message", "channel": "D0DM0001", "channel_type": "im", "user": "U0ANA",
            "text": "team add Platform", "ts": "1795510800.000200", "event_ts": "1795510800.000200"
        }),
    );
    let r = app
        .post_signed("/slack/events", &body, "application/json")
        .await;
    assert_eq!(r.status, 200);
    // Slack retries the same event_id, as after a slow ack.
    for retry in ["1", "2", "3"] {
        let (ts, sig) = app.sign(&body);
        let r = app
            .post_raw(
                "/slack/events",
                &body,
                "application/json",
                &[
                    ("X-Slack-Request-Timestamp", &ts),
                    ("X-Slack-Signature", &sig),
                    ("X-Slack-Retry-Num", retry),
                    ("X-Slack-Retry-Reason", "http_timeout"),
                ],
            )
            .await;
        assert_eq!(r.status, 200);
    }
    let posts = app.slack.wait_for("chat.postMessage", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(app.slack.calls_to("chat.postMessage").len(), 1, "{posts:?}");
    assert_eq!(app.count("teams").await, 1);
    // One inbound job for the event, handled once.
    let done = app.store.jobs_in_state("done").await.unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0].key, "in:slack:Ev0DM0001");
}

#[tokio::test]
async fn a_direct_message_in_status_grammar_records_a_status() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform").await;
    app.slash("U0ANA", "add Ship the beta team:Platform").await;
    let body = envelope(
        "Ev0DM0002",
        json!({
            "type": "message", "channel": "D0DM0001", "channel_type": "im", "user": "U0ANA",
            "text": "#1 at-risk 40% waiting on legal", "ts": "1795510800.000300", "event_ts": "1795510800.000300"
        }),
    );
    assert_eq!(
        app.post_signed("/slack/events", &body, "application/json")
            .await
            .status,
        200
    );
    let posts = app.slack.wait_for("chat.postMessage", 1).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body["channel"], "D0DM0001");
    assert!(
        posts[0].body.to_string().contains("At risk at 40%"),
        "{}",
        posts[0].body
    );
    // The bot's own messages are not answered.
    let own = envelope(
        "Ev0DM0003",
        json!({
            "type": "message", "channel": "D0DM0001", "channel_type": "im", "bot_id": "B0PACER",
            "text": "list", "ts": "1795510800.000400", "event_ts": "1795510800.000400"
        }),
    );
    assert_eq!(
        app.post_signed("/slack/events", &own, "application/json")
            .await
            .status,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(app.slack.calls_to("chat.postMessage").len(), 1);
}

#[tokio::test]
async fn unknown_interactions_are_acknowledged() {
    let app = spawn_app().await;
    let payload = json!({
        "type": "block_actions", "user": {"id": "U0ANA"}, "team": {"id": "T0001"},
        "api_app_id": "A0PACER", "trigger_id": "1.2.3", "container": {"type": "message"},
        "actions": [{"block_id": "b", "action_id": "something_new", "value": "x", "type": "button", "action_ts": "1"}]
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    let r = app
        .post_signed(
            "/slack/interactivity",
            &body,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, 200);
}
