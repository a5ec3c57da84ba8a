//! The leaders' dashboard: `/pacer dashboard` answers privately with a signed link that works
//! for a day and for its own workspace only; the page shows every team's drift, stalls,
//! dependencies at risk and alignment.

use chrono::Duration;

use crate::common::{TestApp, spawn_app};

async fn organisation(app: &TestApp) {
    app.slash("U0ANA", "team add Leadership").await;
    app.slash("U0ANA", "team add Platform parent:Leadership")
        .await;
    app.slash("U0ANA", "team add Growth parent:Leadership")
        .await;
    app.slash("U0ANA", "add Win the mid-market team:Leadership")
        .await; // #1
    app.slash("U0ANA", "add Payments API team:Platform parent:#1")
        .await; // #2
    app.slash(
        "U0BEN",
        "add &lt;script&gt;alert(1)&lt;/script&gt; launch team:Growth",
    )
    .await; // #3, unaligned
    app.slash("U0BEN", "depends #3 on #2").await;
    app.slash("U0ANA", "status #2 off-track 10% vendor late")
        .await;
}

/// The first link in a Slack reply's text, as a person's Slack client opens it: the text is
/// mrkdwn, where `&` is written `&amp;`.
pub(crate) fn link_in(text: &str) -> String {
    let start = text.find("http").expect("a link in the reply");
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '>' || c == '|')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

#[tokio::test]
async fn a_private_link_opens_the_organisations_dashboard() {
    let app = spawn_app().await;
    organisation(&app).await;
    let r = app.slash("U0BEN", "dashboard").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["response_type"], "ephemeral",
        "only the asker sees the link"
    );
    let text = r.all_text();
    assert!(text.contains("24 hours"), "{text}");
    let link = link_in(&text).replace("http://127.0.0.1:3000", &app.url);
    let page = app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    for expected in [
        "Leadership",
        "Platform",
        "Growth",
        "Payments API",
        "blocked",
        "waits on",
        "2 of 3 active priorities ladder up",
        "&lt;script&gt;alert(1)&lt;/script&gt; launch",
    ] {
        assert!(
            html.contains(expected),
            "missing {expected:?} in the dashboard"
        );
    }
    assert!(!html.contains("<script>"), "user text is escaped");

    // Tampered, for another workspace, or incomplete: refused.
    let sig_at = link.find("sig=").unwrap() + 4;
    let mut tampered = link.clone();
    tampered.replace_range(
        sig_at..sig_at + 1,
        if &link[sig_at..sig_at + 1] == "a" {
            "b"
        } else {
            "a"
        },
    );
    let ws_at = link.find("ws=").unwrap();
    let other_ws = format!(
        "{}ws=999{}",
        &link[..ws_at],
        &link[link[ws_at..].find('&').unwrap() + ws_at..]
    );
    let incomplete = link[..link.find("&sig=").unwrap()].to_string();
    for bad in [tampered, other_ws, incomplete] {
        let r = app.http.get(&bad).send().await.unwrap();
        assert_eq!(r.status(), 403, "{bad}");
        assert!(r.text().await.unwrap().contains("dashboard"));
    }
    // A day later the link has expired.
    app.clock.advance(Duration::hours(25));
    let r = app.http.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("expired"));
}
