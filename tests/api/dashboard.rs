//! The leaders' dashboard: `/pacer dashboard` answers privately with a signed link that works
//! for a day and for its own workspace only; the page shows every team's drift, stalls,
//! dependencies at risk and alignment.

use chrono::Duration;

use crate::common::{ADMIN, TestApp, spawn_app};

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

/// The id of the team called `name` in the workspace whose Slack id is `external`.
async fn team_id(app: &TestApp, external: &str, name: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT t.id FROM teams t JOIN workspaces w ON w.id = t.workspace_id
         WHERE w.external_id = $1 AND t.name = $2",
    )
    .bind(external)
    .bind(name)
    .fetch_one(app.store.pool())
    .await
    .unwrap()
}

async fn page(app: &TestApp, url: &str) -> (u16, String) {
    let r = app.http.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn each_team_page_lists_its_decisions_and_raised_items_escaped_and_its_own_only() {
    let app = spawn_app().await;
    organisation(&app).await;
    // #2 (Platform) was raised and decided on, with a follow-up for ben that is overdue, in
    // text with a script and markup typed as entities (Slack sends both encoded once more).
    for (who, cmd) in [
        ("U0ANA", "raise #2 \"vendor is late\""),
        (
            "U0ANA",
            "decide #2 \"&lt;script&gt;alert(1)&lt;/script&gt; then &amp;lt;b&amp;gt;x&amp;lt;/b&amp;gt;\" <@U0BEN> due:2026-11-20",
        ),
        ("U0BEN", "raise #3 \"waiting on payments\""),
    ] {
        let r = app.slash(who, cmd).await;
        assert!(!r.all_text().contains("⚠"), "{cmd}: {}", r.all_text());
    }
    // Another workspace, with a team, a raised item and a decision of its own.
    for cmd in [
        "team add Board",
        "team add Ops parent:Board",
        "add Secret merger team:Ops",
        "raise #1 \"board must know\"",
        "decide #1 \"Secret plan decided\"",
    ] {
        let r = app.slash_in("T0OTHER", ADMIN, "C0OTHER", cmd).await;
        assert_eq!(r.status, 200, "{cmd}: {}", r.text);
    }
    let link = link_in(&app.slash("U0BEN", "dashboard").await.all_text())
        .replace("http://127.0.0.1:3000", &app.url);
    let (status, home) = page(&app, &link).await;
    assert_eq!(status, 200);
    let leadership = team_id(&app, "T0001", "Leadership").await;
    let query = &link[link.find('?').unwrap()..];
    assert!(
        home.contains(&format!(
            "href=\"{}&amp;team={leadership}\"",
            query.replace('&', "&amp;")
        )),
        "the organisation page links each team's page: {home}"
    );

    let (status, html) = page(&app, &format!("{link}&team={leadership}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<b>x"), "{html}");
    for expected in [
        "Raised to Leadership",
        "#3</b> &lt;script&gt;alert(1)&lt;/script&gt; launch",
        "waiting on payments",
        "Growth",
        "@ben",
        "(leads of Leadership)",
        "Decisions",
        "&lt;script&gt;alert(1)&lt;/script&gt; then &amp;lt;b&amp;gt;x&amp;lt;/b&amp;gt;",
        "due 2026-11-20",
        "overdue",
    ] {
        assert!(html.contains(expected), "missing {expected:?}: {html}");
    }
    // What Growth raised and is still open is on Growth's page; Platform's page has the
    // decision on its priority; nothing of the other workspace is anywhere.
    let growth = team_id(&app, "T0001", "Growth").await;
    let (_, html) = page(&app, &format!("{link}&team={growth}")).await;
    assert!(html.contains("Raised by Growth, still open"), "{html}");
    assert!(html.contains("waiting on payments"), "{html}");
    assert!(html.contains("No decision yet."), "{html}");
    let platform = team_id(&app, "T0001", "Platform").await;
    let (_, html) = page(&app, &format!("{link}&team={platform}")).await;
    assert!(html.contains("then &amp;lt;b&amp;gt;x"), "{html}");
    assert!(html.contains("Nothing is raised to this team."), "{html}");
    for html in [&home, &html] {
        assert!(!html.contains("Secret") && !html.contains("board must know"));
    }
    // Another workspace's team, a team that is no number, or a signature altered to pick
    // another team: not here.
    let board = team_id(&app, "T0OTHER", "Ops").await;
    for team in [board.to_string(), "abc".into(), "-1".into()] {
        let (status, html) = page(&app, &format!("{link}&team={team}")).await;
        assert_eq!(status, 404, "{team}");
        assert!(!html.contains("Secret"), "{html}");
    }
    let forged = link.replace("sig=", "sig=0");
    let (status, _) = page(&app, &format!("{forged}&team={leadership}")).await;
    assert_eq!(status, 403);
}
