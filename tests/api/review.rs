//! Leaders close the loop: a priority raised to the parent team, the review agenda, a decision
//! that closes the raise and tells the people it concerns exactly once, and the automatic raise
//! after two bad cycles.

use chrono::{Duration, TimeZone, Utc};

use crate::common::{ADMIN, TestApp, spawn_app};

/// Leadership (lead ana) over Platform (lead ben, member chen); Growth (lead admin) has no
/// parent. chen owns Platform's #1; Growth's #2 (admin) and Platform's #3 (ben) wait on it.
async fn organisation(app: &TestApp) {
    app.slash("U0ANA", "team add Leadership").await;
    app.slash(
        "U0ANA",
        "team add Platform <#C0PLATFORM|platform> parent:Leadership lead:<@U0BEN|ben>",
    )
    .await;
    app.slash("U0BEN", "team join Platform <@U0CHEN|chen>")
        .await;
    app.slash(ADMIN, "team add Growth").await;
    app.slash("U0CHEN", "add Vendor integration team:Platform")
        .await;
    app.slash(ADMIN, "add Checkout revamp team:Growth").await;
    app.slash(ADMIN, "depends #2 on #1").await;
    app.slash("U0BEN", "add Billing export team:Platform").await;
    app.slash("U0BEN", "depends #3 on #1").await;
}

/// The direct messages a person got whose key is a decision notice.
fn decision_dms(app: &TestApp, user: &str) -> Vec<String> {
    app.slack
        .messages_in(&format!("D{user}"))
        .into_iter()
        .filter(|(_, b)| {
            b["metadata"]["event_payload"]["key"]
                .as_str()
                .is_some_and(|k| k.starts_with("decision:"))
        })
        .map(|(_, b)| b.to_string())
        .collect()
}

#[tokio::test]
async fn raise_agenda_decide_closes_the_loop_and_tells_each_person_once() {
    let app = spawn_app().await;
    organisation(&app).await;

    // Attacks first: a lead of the parent team is neither owner nor lead of Platform.
    let r = app.slash("U0ANA", "raise #1 \"vendor\"").await.all_text();
    assert!(
        r.contains("a lead of its team or an admin can change #1"),
        "{r}"
    );
    // Growth has no parent team to raise to.
    let r = app.slash(ADMIN, "raise #2 \"stuck\"").await.all_text();
    assert!(r.contains("Growth has no parent team"), "{r}");
    // Absurd lengths are refused.
    let long = format!("raise #1 \"{}\"", "x".repeat(501));
    let r = app.slash("U0CHEN", &long).await.all_text();
    assert!(r.contains("at most 500 characters"), "{r}");
    // Closed work is not raised.
    app.slash("U0CHEN", "add Old idea team:Platform").await;
    app.slash("U0CHEN", "status #4 dropped").await;
    let r = app.slash("U0CHEN", "raise #4 \"gone\"").await.all_text();
    assert!(r.contains("only active work is raised"), "{r}");
    assert_eq!(app.count("raised_items").await, 0);

    // The owner raises it; the parent team's lead owns it now.
    let r = app
        .slash(
            "U0CHEN",
            "raise #1 \"need a decision on the vendor &lt;!channel&gt;\"",
        )
        .await
        .all_text();
    assert!(r.contains("Raised *#1*"), "{r}");
    assert!(r.contains("owned by <@U0ANA> (leads of Leadership)"), "{r}");
    assert!(!r.contains("<!channel>"), "markup stays text: {r}");
    let again = app.slash("U0CHEN", "raise #1 \"again\"").await.all_text();
    assert!(again.contains("already raised to Leadership"), "{again}");
    assert_eq!(app.count("raised_items").await, 1);

    let agenda = app.slash("U0ANA", "agenda Leadership").await.all_text();
    assert!(agenda.contains("Raised to this team (1)"), "{agenda}");
    assert!(
        agenda.contains("*#1* *Vendor integration* · <@U0CHEN> · Platform"),
        "{agenda}"
    );
    assert!(agenda.contains("raised by chen today"), "{agenda}");
    assert!(
        agenda.contains("need a decision on the vendor &lt;!channel&gt;"),
        "{agenda}"
    );
    // Platform's own agenda shows #3 waiting on nothing in trouble yet: it is not there.
    let platform = app.slash("U0BEN", "agenda Platform").await.all_text();
    assert!(!platform.contains("Raised to this team"), "{platform}");

    // A member (and the owner) cannot decide, nor can another workspace reach #1.
    let r = app
        .slash("U0CHEN", "decide #1 \"keep it\"")
        .await
        .all_text();
    assert!(
        r.contains("a lead of Platform or of Leadership, or an admin, can decide on #1"),
        "{r}"
    );
    let other = app
        .slash_in("T0OTHER", ADMIN, "C0OTHER", "decide #1 \"take it over\"")
        .await
        .all_text();
    assert!(other.contains("no priority #1"), "{other}");
    let other = app
        .slash_in("T0OTHER", ADMIN, "C0OTHER", "raise #1 \"x\"")
        .await
        .all_text();
    assert!(other.contains("no priority #1"), "{other}");
    assert_eq!(app.count("decisions").await, 0);

    // The parent team's lead decides, with a follow-up for ben.
    let r = app
        .slash(
            "U0ANA",
            "decide #1 \"drop the vendor, build in-house &lt;b&gt;\" <@U0BEN|ben> due:+5d",
        )
        .await
        .all_text();
    assert!(r.contains("Decided on *#1*"), "{r}");
    assert!(r.contains("The item raised to Leadership is closed"), "{r}");
    assert!(r.contains("3 people will get it"), "{r}");
    for _ in 0..3 {
        app.tick().await;
    }
    // chen owns #1; admin and ben own what waits on it (ben also owns the follow-up): one each.
    for user in ["U0CHEN", ADMIN, "U0BEN"] {
        let dms = decision_dms(&app, user);
        assert_eq!(dms.len(), 1, "{user}: {dms:?}");
        assert!(
            dms[0].contains("drop the vendor, build in-house &lt;b&gt;"),
            "{dms:?}"
        );
        assert!(!dms[0].contains("<b>"), "{dms:?}");
    }
    assert!(
        decision_dms(&app, "U0ANA").is_empty(),
        "the decider has the reply"
    );
    // Each is told why it concerns them.
    assert!(decision_dms(&app, ADMIN)[0].contains("Your *#2* Checkout revamp waits on it"));
    assert!(decision_dms(&app, "U0CHEN")[0].contains("Decision on your *#1*"));

    let show = app.slash("U0ANA", "show #1").await.all_text();
    assert!(show.contains("*Decisions*"), "{show}");
    assert!(
        show.contains("_drop the vendor, build in-house &lt;b&gt;_ by <@U0ANA>"),
        "{show}"
    );
    assert!(show.contains("Follow-up: <@U0BEN>, due"), "{show}");
    assert!(!show.contains("Raised to"), "the raise is closed: {show}");

    // The follow-up is on the next agenda (raised item gone), until it is done.
    let agenda = app.slash("U0ANA", "agenda Leadership").await.all_text();
    assert!(!agenda.contains("Raised to this team"), "{agenda}");
    assert!(agenda.contains("Follow-ups due (1)"), "{agenda}");
    assert!(agenda.contains("Follow-up: <@U0BEN>"), "{agenda}");
    let r = app.slash("U0ZED", "decide done #1").await.all_text();
    assert!(r.contains("can change #1"), "a bystander cannot: {r}");
    let r = app.slash("U0BEN", "decide done #1").await.all_text();
    assert!(r.contains("Marked 1 follow-up(s)"), "{r}");
    let agenda = app.slash("U0ANA", "agenda Leadership").await.all_text();
    assert!(agenda.contains("Nothing to review"), "{agenda}");

    // Another workspace's show never sees the decision.
    app.slash_in("T0OTHER", ADMIN, "C0OTHER", "team add Ops")
        .await;
    app.slash_in("T0OTHER", ADMIN, "C0OTHER", "add Rota team:Ops")
        .await;
    let other = app
        .slash_in("T0OTHER", ADMIN, "C0OTHER", "show #1")
        .await
        .all_text();
    assert!(!other.contains("Decisions"), "{other}");
}

#[tokio::test]
async fn two_off_track_or_blocking_cycles_raise_a_priority_by_itself() {
    let app = spawn_app().await;
    // Monday 2026-11-23, 06:00 UTC.
    let monday = Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap();
    app.clock.set(monday);
    app.slash("U0ANA", "team add Leadership").await;
    app.slash(
        "U0ANA",
        "team add Platform <#C0PLATFORM|platform> parent:Leadership lead:<@U0BEN|ben>",
    )
    .await;
    app.slash(ADMIN, "team add Growth").await;
    app.slash("U0CHEN", "add Vendor integration team:Platform")
        .await; // #1
    app.slash("U0BEN", "add Data migration team:Platform due:2026-11-25")
        .await; // #2, overdue from Thursday
    app.slash(ADMIN, "add Checkout revamp team:Growth").await; // #3
    app.slash(ADMIN, "depends #3 on #2").await;
    app.slash(
        "U0BEN",
        "rhythm Platform checkin \"mon 09:00\" tz:UTC remind:off",
    )
    .await;
    app.slash("U0BEN", "rhythm Platform digest \"fri 16:00\"")
        .await;

    let mut raised = Vec::new();
    for week in 0..2 {
        let start = monday + Duration::weeks(week);
        app.clock.set(start + Duration::hours(3));
        app.tick().await;
        app.clock.set(start + Duration::hours(4));
        app.slash("U0CHEN", "status #1 off-track 10% vendor silent")
            .await;
        app.slash("U0BEN", "status #2 on-track 50%").await;
        app.tick().await;
        app.clock
            .set(start + Duration::days(4) + Duration::hours(10));
        raised.push(app.tick().await.raised);
    }
    assert_eq!(raised, vec![0, 2], "raised only at the second close");
    let agenda = app.slash("U0ANA", "agenda Leadership").await.all_text();
    assert!(agenda.contains("Raised to this team (2)"), "{agenda}");
    assert!(agenda.contains("raised by itself (off-track)"), "{agenda}");
    assert!(agenda.contains("raised by itself (blocking)"), "{agenda}");
    let show = app.slash("U0CHEN", "show #1").await.all_text();
    assert!(
        show.contains("*Raised to Leadership* by pacer (by itself)"),
        "{show}"
    );

    // A decision settles it: the next close does not raise it again on the same evidence.
    app.slash("U0ANA", "decide #1 \"find a second vendor\"")
        .await;
    let start = monday + Duration::weeks(2);
    app.clock.set(start + Duration::hours(3));
    app.tick().await;
    app.clock.set(start + Duration::hours(4));
    app.slash("U0CHEN", "status #1 off-track 10% still").await;
    app.clock
        .set(start + Duration::days(4) + Duration::hours(10));
    assert_eq!(app.tick().await.raised, 0);
    assert_eq!(app.count("raised_items").await, 2);
    // Platform's digest of that cycle lists the decision taken in it.
    let posts = app.slack.messages_in("C0PLATFORM");
    let summary = posts
        .iter()
        .rev()
        .map(|(_, b)| b.to_string())
        .find(|b| b.contains("Decisions"));
    let summary = summary.unwrap_or_default();
    assert!(
        summary.contains("_find a second vendor_ · by <@U0ANA>"),
        "{posts:?}"
    );
    assert_eq!(
        posts
            .iter()
            .filter(|(_, b)| b.to_string().contains("find a second vendor"))
            .count(),
        1,
        "only the digest of the cycle it was taken in"
    );
}

/// Every string of a Teams reply, for assertions.
fn teams_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(teams_text).collect::<Vec<_>>().join("\n"),
        serde_json::Value::Object(m) => m.values().map(teams_text).collect::<Vec<_>>().join("\n"),
        _ => String::new(),
    }
}

#[tokio::test]
async fn teams_raises_decides_and_shows_the_agenda_through_the_same_grammar() {
    use crate::msteams::{ANA, in_channel, personal};
    let app = spawn_app().await;
    for text in [
        "team add Leadership",
        "team add Platform parent:Leadership",
        "add Vendor integration team:Platform",
    ] {
        app.teams_post(&in_channel(&app, ANA, text, &[])).await;
    }
    app.teams.wait_for("reply", 3).await;
    let steps = [
        (
            "raise #1 \"need a call &lt;at&gt;Ben&lt;/at&gt;\"",
            "Raised",
        ),
        ("agenda Leadership", "Raised to this team (1)"),
        (
            "decide #1 \"build in-house\"",
            "The item raised to Leadership is closed",
        ),
        ("show #1", "build in-house"),
    ];
    for (i, (command, expected)) in steps.iter().enumerate() {
        assert_eq!(
            app.teams_post(&personal(&app, ANA, command)).await.status,
            200
        );
        let replies = app.teams.wait_for("reply", 4 + i).await;
        let text = teams_text(&replies[3 + i].body);
        assert!(text.contains(expected), "{command}: {text}");
    }
    let raised: String = sqlx::query_scalar("SELECT reason FROM raised_items")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(raised, "need a call <at>Ben</at>", "kept as typed text");
    let mentions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(mentions, 1, "typed markup made no person");
}

#[tokio::test]
async fn the_sandbox_raises_and_lists_the_agenda_with_typed_markup_as_text() {
    let app = crate::sandbox::demo_app().await;
    let command = |text: &str| {
        let body = serde_json::json!({"as": "S-ana", "channel": "C-platform", "text": text});
        app.http
            .post(format!("{}/sandbox/command", app.url))
            .header("Origin", &app.url)
            .json(&body)
            .send()
    };
    for text in [
        "/pacer add Sandbox-made priority",
        "/pacer raise #26 \"<script>alert(1)</script> needs a call\"",
        "/pacer agenda Leadership",
    ] {
        assert_eq!(
            command(text).await.unwrap().status().as_u16(),
            200,
            "{text}"
        );
    }
    let html = app.sandbox_messages("S-ana", "C-platform").await;
    assert!(html.contains("Raised to this team"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; needs a call"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
}

#[tokio::test]
async fn a_priority_shows_once_on_an_agenda_in_its_worst_section() {
    let app = spawn_app().await;
    organisation(&app).await;
    // Growth's #2 waits on Platform's #1, now off-track: #2 is stalled (blocked) and waiting on
    // another team. It is listed once, under Stalled, with the other reason on its line.
    app.slash("U0CHEN", "status #1 off-track 10% vendor gone")
        .await;
    let agenda = app.slash(ADMIN, "agenda Growth").await.all_text();
    assert!(agenda.contains("*Stalled (1)*"), "{agenda}");
    assert!(!agenda.contains("Waiting on other teams ("), "{agenda}");
    assert_eq!(agenda.matches("*#2*").count(), 1, "{agenda}");
    assert!(
        agenda.contains("Also waiting on other teams: waits on *#1* Vendor integration"),
        "{agenda}"
    );
}
