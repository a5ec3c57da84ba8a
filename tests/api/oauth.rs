//! Slack OAuth v2 install for many workspaces: the consent redirect with a signed state bound
//! to a cookie, the code exchange, the encrypted token, the installer as first admin, and every
//! way a callback can be wrong.

use chrono::Duration;
use serde_json::json;

use crate::common::{TestApp, spawn_app, spawn_app_with};

const OAUTH: &[(&str, &str)] = &[
    ("SLACK_BOT_TOKEN", ""),
    ("SLACK_CLIENT_ID", "1234.5678"),
    ("SLACK_CLIENT_SECRET", "oauth-client-secret"),
    ("PACER_PUBLIC_URL", "https://pacer.example.com"),
];

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Start an install: (state, cookie).
async fn start(app: &TestApp) -> (String, String) {
    let r = no_redirects()
        .get(format!("{}/slack/install", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let url = url::Url::parse(&location).unwrap();
    assert_eq!(url.path(), "/oauth/v2/authorize");
    assert!(location.starts_with(&app.slack.base));
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "1234.5678");
    assert_eq!(
        q["redirect_uri"],
        "https://pacer.example.com/slack/oauth/callback"
    );
    assert!(q["scope"].split(',').any(|s| s == "chat:write"));
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_string();
    (q["state"].clone(), cookie)
}

async fn callback(app: &TestApp, query: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = no_redirects().get(format!("{}/slack/oauth/callback?{query}", app.url));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_workspace_installs_pacer_and_uses_it() {
    let app = spawn_app_with(OAUTH).await;
    let (state, cookie) = start(&app).await;
    let (status, page) = callback(
        &app,
        &format!("code=good-code&state={}", urlencode(&state)),
        Some(&cookie),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("pacer is installed") && page.contains("New &lt;Co&gt;"),
        "{page}"
    );

    // The token is stored, encrypted.
    let stored: String = sqlx::query_scalar("SELECT bot_token FROM slack_installations")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(!stored.contains("xoxb"), "{stored}");
    // The installer is the workspace's first admin, known by their Slack profile.
    let (name, admin): (String, i64) =
        sqlx::query_as("SELECT display_name, is_admin FROM people WHERE user_id = 'U0ANA'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!((name.as_str(), admin), ("ana", 1));

    // The new workspace works with its own token: Ben's profile comes from users.info.
    let r = app
        .slash_in("T0NEW", "U0BEN", "C0NEWGEN", "team add Platform")
        .await;
    assert_eq!(r.status, 200);
    let tz: Option<String> = sqlx::query_scalar("SELECT tz FROM people WHERE user_id = 'U0BEN'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(tz.as_deref(), Some("America/New_York"));

    // Used once: the same callback again is refused (the cookie was cleared by the browser,
    // and without it the state is not this browser's).
    let (status, _) = callback(
        &app,
        &format!("code=good-code&state={}", urlencode(&state)),
        None,
    )
    .await;
    assert_eq!(status, 400);

    // Uninstalling stops the token being used.
    let event = json!({
        "token": "x", "team_id": "T0NEW", "api_app_id": "A0PACER", "type": "event_callback",
        "event_id": "Ev0UNINSTALL", "event_time": 1,
        "event": {"type": "app_uninstalled", "event_ts": "1.0"}
    });
    let r = app
        .post_signed("/slack/events", &event.to_string(), "application/json")
        .await;
    assert_eq!(r.status, 200);
    let mut gone = false;
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM slack_installations WHERE uninstalled_at IS NOT NULL",
        )
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        if n == 1 {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(gone, "the installation is marked uninstalled");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_wrong_callback_installs_nothing() {
    let app = spawn_app_with(OAUTH).await;
    let (state, cookie) = start(&app).await;
    let good = urlencode(&state);
    let mut tampered = state.clone();
    tampered.pop();
    tampered.push(if state.ends_with('0') { '1' } else { '0' });
    let (_, other_cookie) = start(&app).await;
    let cases = [
        (
            "another browser's cookie",
            format!("code=good-code&state={good}"),
            Some(other_cookie.as_str()),
            400,
        ),
        (
            "tampered state",
            format!("code=good-code&state={}", urlencode(&tampered)),
            Some(cookie.as_str()),
            400,
        ),
        (
            "no state",
            "code=good-code".to_string(),
            Some(cookie.as_str()),
            400,
        ),
        (
            "user cancelled",
            format!("error=access_denied&state={good}"),
            Some(cookie.as_str()),
            400,
        ),
        (
            "no code",
            format!("state={good}"),
            Some(cookie.as_str()),
            400,
        ),
        (
            "code Slack refuses",
            format!("code=bad-code&state={good}"),
            Some(cookie.as_str()),
            502,
        ),
    ];
    for (name, query, cookie, status) in cases {
        let (got, page) = callback(&app, &query, cookie).await;
        assert_eq!(got, status, "{name}: {page}");
        assert!(
            page.contains("/slack/install"),
            "{name}: offers to start again"
        );
    }
    // Expired after ten minutes.
    app.clock.advance(Duration::minutes(11));
    let (got, _) = callback(&app, &format!("code=good-code&state={good}"), Some(&cookie)).await;
    assert_eq!(got, 400);
    assert_eq!(app.count("slack_installations").await, 0);
}

#[tokio::test]
async fn a_client_without_cookies_is_held_to_the_signed_single_use_state() {
    let app = spawn_app_with(OAUTH).await;
    let (state, _cookie) = start(&app).await;
    let query = format!("code=good-code&state={}", urlencode(&state));
    let (status, page) = callback(&app, &query, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(app.count("slack_installations").await, 1);
    let (status, _) = callback(&app, &query, None).await;
    assert_eq!(status, 400, "a state is good once");
}

#[tokio::test]
async fn without_oauth_credentials_install_says_how_to_enable_it() {
    let app = spawn_app().await;
    let r = no_redirects()
        .get(format!("{}/slack/install", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("SLACK_CLIENT_ID"));
}

#[tokio::test]
async fn what_slack_sends_back_is_shown_escaped() {
    let app = spawn_app_with(OAUTH).await;
    let (state, cookie) = start(&app).await;
    let hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>";
    let (status, page) = callback(
        &app,
        &format!("error={}&state={}", urlencode(hostile), urlencode(&state)),
        Some(&cookie),
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(
        !page.contains("<script>") && !page.contains("<img"),
        "{page}"
    );
    assert!(
        page.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&gt;&lt;img src=x onerror=alert(1)&gt;"
        ),
        "{page}"
    );
    assert_eq!(app.count("slack_installations").await, 0);
}
