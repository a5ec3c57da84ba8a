use crate::common::spawn_app;

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn bad_signature_gets_401_and_writes_nothing() {
    let app = spawn_app().await;
    let body = app.command_body("T0001", "U0ANA", "C0GENERAL1", "team add Platform");
    let (ts, _) = app.sign(&body);
    let forged = pacer::slack::signature::sign("not-the-secret", &ts, body.as_bytes());
    let r = app
        .post_raw(
            "/slack/commands",
            &body,
            FORM,
            &[
                ("X-Slack-Request-Timestamp", &ts),
                ("X-Slack-Signature", &forged),
            ],
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(app.count("workspaces").await, 0);
    assert_eq!(app.count("teams").await, 0);
}

#[tokio::test]
async fn a_body_changed_after_signing_gets_401() {
    let app = spawn_app().await;
    let body = app.command_body("T0001", "U0ANA", "C0GENERAL1", "team add Platform");
    let (ts, sig) = app.sign(&body);
    let tampered = body.replace("Platform", "Evil");
    let r = app
        .post_raw(
            "/slack/commands",
            &tampered,
            FORM,
            &[
                ("X-Slack-Request-Timestamp", &ts),
                ("X-Slack-Signature", &sig),
            ],
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(app.count("teams").await, 0);
}

#[tokio::test]
async fn stale_timestamp_gets_401() {
    let app = spawn_app().await;
    let body = app.command_body("T0001", "U0ANA", "C0GENERAL1", "team add Platform");
    let (ts, sig) = app.sign(&body);
    app.clock.advance(chrono::Duration::seconds(301));
    let r = app
        .post_raw(
            "/slack/commands",
            &body,
            FORM,
            &[
                ("X-Slack-Request-Timestamp", &ts),
                ("X-Slack-Signature", &sig),
            ],
        )
        .await;
    assert_eq!(r.status, 401);
    // Within the window the same request passes.
    app.clock.advance(chrono::Duration::seconds(-2));
    let r = app
        .post_raw(
            "/slack/commands",
            &body,
            FORM,
            &[
                ("X-Slack-Request-Timestamp", &ts),
                ("X-Slack-Signature", &sig),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn missing_headers_get_401_on_every_slack_route() {
    let app = spawn_app().await;
    for path in ["/slack/commands", "/slack/events", "/slack/interactivity"] {
        let r = app.post_raw(path, "payload=%7B%7D", FORM, &[]).await;
        assert_eq!(r.status, 401, "{path}");
        let (ts, _) = app.sign("x");
        let r = app
            .post_raw(
                path,
                "payload=%7B%7D",
                FORM,
                &[("X-Slack-Request-Timestamp", &ts)],
            )
            .await;
        assert_eq!(r.status, 401, "{path} without signature");
    }
    assert_eq!(app.count("workspaces").await, 0);
}

#[tokio::test]
async fn oversized_body_gets_413() {
    let app = spawn_app().await;
    let big = format!("text={}", "a".repeat(1024 * 1024 + 10));
    let r = app.post_signed("/slack/commands", &big, FORM).await;
    assert_eq!(r.status, 413);
    assert_eq!(app.count("workspaces").await, 0);
}

#[tokio::test]
async fn malformed_payloads_get_400() {
    let app = spawn_app().await;
    // A command without team or user.
    let r = app.post_signed("/slack/commands", "text=list", FORM).await;
    assert_eq!(r.status, 400);
    // Forged ids that are not Slack ids.
    let body = app.command_body("T0001'; DROP TABLE teams;--", "U0ANA", "C0GENERAL1", "list");
    assert_eq!(
        app.post_signed("/slack/commands", &body, FORM).await.status,
        400
    );
    // Events that are not JSON.
    let r = app
        .post_signed("/slack/events", "{not json", "application/json")
        .await;
    assert_eq!(r.status, 400);
    // Interactivity without a payload, or with a payload that is not JSON.
    assert_eq!(
        app.post_signed("/slack/interactivity", "nothing=here", FORM)
            .await
            .status,
        400
    );
    assert_eq!(
        app.post_signed("/slack/interactivity", "payload=%7Bnope", FORM)
            .await
            .status,
        400
    );
    assert_eq!(app.count("workspaces").await, 0);
}

#[tokio::test]
async fn ssl_check_is_acknowledged() {
    let app = spawn_app().await;
    let r = app
        .post_signed("/slack/commands", "ssl_check=1&token=x", FORM)
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .http
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn arbitrary_command_text_never_gives_a_500() {
    let app = spawn_app().await;
    let inputs = [
        "",
        " ",
        "\"",
        "<@",
        "<#C1|",
        "add",
        "add \"\"",
        "status #1",
        "edit #1",
        "team add",
        "team add #x",
        "list team:",
        "add x due:+99999999999999999999d",
        "show #99999999999999999999",
        "add 🚀🚀🚀 team:🚀",
        "status #1 on track 1000%",
        "depends #1 on",
        "teams teams",
        "\u{0}\u{1}",
        "&amp;&lt;&gt;",
        "team join Nobody <@U0ZZZ>",
        "rhythm X checkin \"mon 09:00\" tz:Nowhere/City",
    ];
    for text in inputs {
        let r = app.slash("U0ANA", text).await;
        assert_eq!(r.status, 200, "{text:?} → {}", r.text);
        assert!(r.body["blocks"].is_array(), "{text:?} → {}", r.text);
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_jobs_by_outcome() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform").await;
    app.slash("U0ANA", "add Ship team:Platform").await;
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin",
    )
    .await;
    app.post_raw("/slack/commands", "x=1", FORM, &[]).await;
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 8, 0, 0).unwrap());
    app.tick().await;
    let r = app
        .http
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    // The registry is per process: other tests add to the same counters, so look for presence.
    assert!(
        text.contains(r#"pacer_http_requests_total{route="/slack/commands",status="200"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"pacer_http_requests_total{route="/slack/commands",status="401"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"pacer_webhook_duration_seconds_bucket{le="#)
            || text.contains("pacer_webhook_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        text.contains(r#"pacer_jobs_total{kind="prompt",outcome="sent"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"pacer_jobs_total{kind="prompt",outcome="claimed"}"#),
        "{text}"
    );
    assert!(text.contains("pacer_jobs_due_late_total"), "{text}");
    assert!(!text.contains("xoxb-"), "no secrets in metrics");
}
