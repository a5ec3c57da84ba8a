//! Quiet digests: who has not answered is named without a notification unless the team asks
//! for mentions (Slack and Teams), following a team's digest as a direct message, and a late
//! answer redrawing the posted digest with a line in its thread, each exactly once.

use chrono::{Duration, TimeZone, Utc};
use serde_json::Value;

use crate::checkins::buttons;
use crate::common::{Reply, TestApp, dm, spawn_app};

/// Mon 2026-11-30 09:00 in Berlin.
fn monday_nine_berlin() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()
}

/// Fri 2026-12-04 16:00 in Berlin.
fn friday_four_berlin() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0).unwrap()
}

/// Every `text` in a Slack message's blocks, one per line.
fn texts(body: &Value) -> String {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(t)) = m.get("text") {
                    out.push(t.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&body["blocks"], &mut out);
    out.join("\n")
}

/// The first text of a command's reply: what it says, before its next steps.
fn said(r: &Reply) -> String {
    r.body["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text block: {}", r.body))
        .to_string()
}

/// Platform (lead ana) with #1, #2 owned by ana and #3, #4 owned by ben; check-ins Mondays
/// 09:00 Berlin, the digest Fridays 16:00 (`digest` is the digest command's tail).
async fn platform(app: &TestApp, digest: &str) {
    for (user, cmd) in [
        ("U0ANA", "team add Platform <#C0PLATFORM|platform>"),
        ("U0ANA", "add Payments API team:Platform"),
        ("U0ANA", "add Billing export team:Platform"),
        ("U0BEN", "add Fraud rules team:Platform"),
        ("U0BEN", "add Ledger team:Platform"),
        (
            "U0ANA",
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
        ),
        ("U0ANA", &format!("rhythm Platform digest {digest}")),
    ] {
        let r = app.slash(user, cmd).await;
        assert!(!r.all_text().contains("⚠️"), "{cmd}: {}", r.all_text());
    }
}

/// The week: prompts on Monday, ana answers #1 (unchanged, so nothing moves), ben nothing;
/// the digest on Friday. The digest's (ts, body).
async fn week_to_the_digest(app: &TestApp) -> (String, Value) {
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    app.clock.set(monday_nine_berlin() + Duration::hours(1));
    let r = app.slash("U0ANA", "status #1 on-track 10%").await;
    assert!(r.all_text().contains("On track at 10%"), "{}", r.all_text());
    app.clock.set(friday_four_berlin());
    assert_eq!(app.tick().await.closed, 1);
    let posts = app.slack.messages_in("C0PLATFORM");
    assert_eq!(posts.len(), 2, "the digest and its thread");
    posts[0].clone()
}

#[tokio::test]
async fn the_digest_names_who_did_not_answer_without_a_mention_unless_asked() {
    let app = spawn_app().await;
    platform(&app, "\"fri 16:00\"").await;
    let shown = app.slash("U0ANA", "rhythm Platform").await.all_text();
    assert!(
        shown.contains(
            "Platform's digest names who has not answered without notifying them (nudge:quiet); add nudge:mention to a digest time to @-mention them."
        ),
        "{shown}"
    );
    let (_, digest) = week_to_the_digest(&app).await;
    let text = texts(&digest);
    assert!(text.contains("*No answer from*\n• ben"), "{text}");
    assert!(
        text.contains("Participation: 1 of 2 owners checked in"),
        "{text}"
    );
    // Nobody is pinged by the digest: no mention markup anywhere in what was posted.
    assert!(!digest.to_string().contains("<@U0BEN>"), "{digest}");
    assert!(!digest.to_string().contains("<@"), "{digest}");

    // The team asks for mentions; a later digest time without `nudge:` keeps them.
    let r = app
        .slash(
            "U0ANA",
            "rhythm Platform digest \"fri 16:00\" nudge:mention",
        )
        .await;
    assert!(
        r.all_text().contains(
            "Platform's digest @-mentions who has not answered, which notifies them (nudge:mention)."
        ),
        "{}",
        r.all_text()
    );
    let r = app
        .slash("U0ANA", "rhythm Platform digest \"fri 16:00\"")
        .await;
    assert!(r.all_text().contains("(nudge:mention)"), "{}", r.all_text());
    // Only a lead changes it, and a nudge pacer does not know is refused.
    let r = app
        .slash("U0BEN", "rhythm Platform digest \"fri 16:00\" nudge:quiet")
        .await;
    assert!(
        r.all_text()
            .contains("Only a lead of Platform or an admin can change its rhythm."),
        "{}",
        r.all_text()
    );
    let r = app
        .slash("U0ANA", "rhythm Platform digest \"fri 16:00\" nudge:loud")
        .await;
    assert!(
        r.all_text().contains("`nudge:loud` is not a nudge"),
        "{}",
        r.all_text()
    );
    let nudge: String = sqlx::query_scalar("SELECT digest_nudge FROM rhythms")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(nudge, "mention");

    // The next week's digest mentions ben.
    app.clock.set(monday_nine_berlin() + Duration::days(7));
    app.tick().await;
    app.slash("U0ANA", "status #1 on-track 20%").await;
    app.clock.set(friday_four_berlin() + Duration::days(7));
    app.tick().await;
    let posts = app.slack.messages_in("C0PLATFORM");
    let next = texts(&posts[2].1);
    assert!(next.contains("Platform digest · Fri 11 Dec"), "{next}");
    assert!(next.contains("*No answer from*\n• <@U0BEN>"), "{next}");
}

#[tokio::test]
async fn a_teams_digest_card_has_mention_entities_only_with_nudge_mention() {
    use crate::msteams::{ANA, BEN, CHANNEL, all_text, ana_and_ben_chat, in_channel};
    let app = spawn_app().await;
    crate::msteams::platform_with_rhythm(&app).await;
    ana_and_ben_chat(&app).await;
    let digest_cards = |app: &TestApp| {
        app.teams
            .calls_of("send")
            .into_iter()
            .filter(|c| c.conversation == CHANNEL && all_text(&c.body).contains("digest ·"))
            .collect::<Vec<_>>()
    };
    // Week 1: Ana answers (nothing moves), Ben does not.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap());
    app.tick().await;
    app.teams_post(&in_channel(&app, ANA, "status #1 on-track 10%", &[]))
        .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 27, 15, 0, 0).unwrap());
    app.tick().await;
    let cards = digest_cards(&app);
    assert_eq!(cards.len(), 1);
    let card = &cards[0].body["attachments"][0]["content"];
    let text = all_text(&cards[0].body);
    assert!(text.contains("No answer from"), "{text}");
    assert!(text.contains("• Ben Okafor"), "{text}");
    assert!(!cards[0].body.to_string().contains("<at>"), "{card:#}");
    assert!(card["msteams"]["entities"].is_null(), "{card:#}");

    // With nudge:mention, Ben is a real mention with its entity.
    app.teams_post(&in_channel(
        &app,
        ANA,
        "rhythm Platform digest \"fri 16:00\" nudge:mention",
        &[],
    ))
    .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap());
    app.tick().await;
    app.teams_post(&in_channel(&app, ANA, "status #1 on-track 20%", &[]))
        .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0).unwrap());
    app.tick().await;
    let cards = digest_cards(&app);
    assert_eq!(cards.len(), 2);
    let card = &cards[1].body["attachments"][0]["content"];
    assert!(
        cards[1].body.to_string().contains("<at>Ben Okafor</at>"),
        "{card:#}"
    );
    let entities = card["msteams"]["entities"].as_array().expect("entities");
    assert!(
        entities
            .iter()
            .any(|e| e["type"] == "mention" && e["mentioned"]["id"] == BEN),
        "{entities:#?}"
    );
}

#[tokio::test]
async fn followers_get_each_posted_digest_once_by_direct_message() {
    let app = spawn_app().await;
    platform(&app, "\"fri 16:00\"").await;
    let r = app.slash("U0CHEN", "follow").await;
    assert_eq!(
        said(&r),
        "You follow no team's digest. Following one sends you each digest it posts as a direct message."
    );
    let r = app.slash("U0CHEN", "follow Platform").await;
    assert_eq!(
        said(&r),
        "You now follow Platform's digest: each one posted comes to you as a direct message."
    );
    let r = app.slash("U0CHEN", "follow platform").await;
    assert_eq!(
        said(&r),
        "You already follow Platform's digest; nothing changed."
    );
    let r = app.slash("U0CHEN", "follow").await;
    assert_eq!(said(&r), "You follow the digests of Platform.");
    // ana leads Platform: she follows, but sees it in its channel and gets no copy.
    let r = app.slash("U0ANA", "follow Platform").await;
    assert_eq!(
        said(&r),
        "You now follow Platform's digest. You are in the team (a member, a lead or the owner of one of its priorities), so you see it in its channel and get no direct message of it while you are."
    );

    let (_, posted) = week_to_the_digest(&app).await;
    // Ticked again, and by two at once: still one copy.
    app.tick().await;
    tokio::join!(app.tick(), app.tick());
    let chen = app.slack.messages_in(&dm("U0CHEN"));
    assert_eq!(chen.len(), 1, "{chen:#?}");
    let copy = texts(&chen[0].1);
    assert!(copy.contains("Platform digest · Fri 4 Dec"), "{copy}");
    assert!(copy.contains("*No answer from*\n• ben"), "{copy}");
    assert!(
        copy.contains("You follow Platform's digest; it was posted in its channel. To stop: `/pacer unfollow Platform`"),
        "{copy}"
    );
    // The leads' buttons stay in the channel.
    assert!(buttons(&chen[0].1).is_empty(), "{copy}");
    assert!(!buttons(&posted).is_empty());
    let ana_digests = app
        .slack
        .messages_in(&dm("U0ANA"))
        .iter()
        .filter(|(_, b)| texts(b).contains("Platform digest"))
        .count();
    assert_eq!(ana_digests, 0);
    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'digest_follow'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(jobs, 1, "one job per digest and follower");

    // Unfollowed, the next digest is not sent.
    let r = app.slash("U0CHEN", "unfollow Platform").await;
    assert_eq!(said(&r), "You no longer follow Platform's digest.");
    let r = app.slash("U0CHEN", "unfollow Platform").await;
    assert_eq!(
        said(&r),
        "You do not follow Platform's digest; nothing changed."
    );
    app.clock.set(monday_nine_berlin() + Duration::days(7));
    app.tick().await;
    app.clock.set(friday_four_berlin() + Duration::days(7));
    app.tick().await;
    assert_eq!(app.slack.messages_in("C0PLATFORM").len(), 4);
    assert_eq!(app.slack.messages_in(&dm("U0CHEN")).len(), 1);
}

#[tokio::test]
async fn following_refuses_unknown_teams_and_other_workspaces_teams() {
    let app = spawn_app().await;
    platform(&app, "\"fri 16:00\"").await;
    let r = app
        .slash_in(
            "T0OTHER",
            "U0BEN",
            "C0OTHER",
            "team add Secret <#C0SECRET|secret>",
        )
        .await;
    assert!(!r.all_text().contains("⚠️"), "{}", r.all_text());
    // Names resolve only in the caller's workspace, both ways.
    let r = app.slash("U0CHEN", "follow Secret").await;
    assert!(
        r.all_text().contains("There is no team called Secret"),
        "{}",
        r.all_text()
    );
    let r = app
        .slash_in("T0OTHER", "U0BEN", "C0OTHER", "follow Platform")
        .await;
    assert!(
        r.all_text().contains("There is no team called Platform"),
        "{}",
        r.all_text()
    );
    let r = app.slash("U0CHEN", "follow Platfrom").await;
    assert!(
        r.all_text().contains("There is no team called Platfrom"),
        "{}",
        r.all_text()
    );
    let r = app.slash("U0CHEN", "unfollow Secret").await;
    assert!(
        r.all_text().contains("There is no team called Secret"),
        "{}",
        r.all_text()
    );
    let r = app
        .slash("U0CHEN", &format!("follow {}", "x".repeat(300)))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.all_text().contains("⚠️"), "{}", r.all_text());
    let r = app.slash("U0CHEN", "unfollow").await;
    assert!(
        r.all_text().contains("needs a team name"),
        "{}",
        r.all_text()
    );
    assert_eq!(app.count("digest_followers").await, 0);
}

#[tokio::test]
async fn a_late_answer_updates_the_posted_digest_and_says_so_in_its_thread_once() {
    let app = spawn_app().await;
    platform(&app, "\"fri 16:00\"").await;
    let (digest_ts, digest) = week_to_the_digest(&app).await;
    let text = texts(&digest);
    assert!(
        text.contains("🟢 On track 4 · 🟡 At risk 0 · 🔴 Off track 0 · ✅ Done 0"),
        "{text}"
    );
    assert!(!text.contains("Updated"), "{text}");

    // ben answers both his priorities half an hour after the digest.
    let (prompt_ts, prompt) = app.slack.messages_in(&dm("U0BEN"))[0].clone();
    let value = |action: &str, i: usize| {
        buttons(&prompt)
            .into_iter()
            .filter(|(a, _)| a == action)
            .nth(i)
            .unwrap()
            .1
    };
    app.clock.set(friday_four_berlin() + Duration::minutes(30));
    let at_risk = value("checkin:at-risk", 0);
    let r = app
        .click(
            "U0BEN",
            &dm("U0BEN"),
            &prompt_ts,
            "checkin:at-risk",
            &at_risk,
        )
        .await;
    assert_eq!(r.status, 200);
    app.clock.set(friday_four_berlin() + Duration::minutes(31));
    let off_track = value("checkin:off-track", 1);
    app.click(
        "U0BEN",
        &dm("U0BEN"),
        &prompt_ts,
        "checkin:off-track",
        &off_track,
    )
    .await;
    // The same click delivered again records nothing new to tell.
    app.click(
        "U0BEN",
        &dm("U0BEN"),
        &prompt_ts,
        "checkin:at-risk",
        &at_risk,
    )
    .await;
    app.tick().await;
    app.tick().await;

    let updates: Vec<_> = app
        .slack
        .calls_to("chat.update")
        .into_iter()
        .filter(|c| c.body["channel"] == "C0PLATFORM")
        .collect();
    assert_eq!(updates.len(), 2, "one redraw per late answer");
    let last = &updates[1].body;
    assert_eq!(last["ts"].as_str(), Some(digest_ts.as_str()));
    let redrawn = texts(last);
    assert!(
        redrawn.contains("🟢 On track 2 · 🟡 At risk 1 · 🔴 Off track 1 · ✅ Done 0"),
        "{redrawn}"
    );
    assert!(
        redrawn.contains("Participation: 2 of 2 owners checked in"),
        "{redrawn}"
    );
    assert!(
        redrawn.contains("Updated Fri 4 Dec 16:31 (2 late answers)"),
        "{redrawn}"
    );
    assert!(!redrawn.contains("No answer from"), "{redrawn}");
    // Both were told at the same tick: each redraw shows the digest as it stands.
    assert_eq!(texts(&updates[0].body), redrawn);

    let mut replies: Vec<String> = app
        .slack
        .messages_in("C0PLATFORM")
        .iter()
        .filter(|(_, b)| b["thread_ts"].as_str() == Some(digest_ts.as_str()))
        .map(|(_, b)| texts(b))
        .filter(|t| t.contains("answered late"))
        .collect();
    // Told at the same tick, the two lines may land in either order.
    replies.sort();
    assert_eq!(
        replies,
        [
            "ben answered late: *#3* At risk · 0%",
            "ben answered late: *#4* Off track · 0%"
        ]
    );
    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'digest_late'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(jobs, 2, "the redelivered click queued nothing");

    // A Seen click redraws it as it stands, the late answers still counted.
    let seen = buttons(&digest)
        .into_iter()
        .find(|(a, _)| a == "digest:seen")
        .unwrap();
    let r = app
        .click("U0ANA", "C0PLATFORM", &digest_ts, "digest:seen", &seen.1)
        .await;
    assert_eq!(r.status, 200);
    let (_, now) = app
        .slack
        .messages_in("C0PLATFORM")
        .into_iter()
        .find(|(ts, _)| *ts == digest_ts)
        .unwrap();
    let now = texts(&now);
    assert!(
        now.contains("Updated Fri 4 Dec 16:31 (2 late answers)"),
        "{now}"
    );

    // The next digest still lists them as late answers from the previous cycle.
    app.clock.set(monday_nine_berlin() + Duration::days(7));
    app.tick().await;
    app.clock.set(friday_four_berlin() + Duration::days(7));
    app.tick().await;
    let next = app
        .slack
        .messages_in("C0PLATFORM")
        .into_iter()
        .map(|(_, b)| texts(&b))
        .find(|t| t.contains("Platform digest · Fri 11 Dec"))
        .unwrap();
    assert!(
        next.contains("*Late answers from the previous cycle*"),
        "{next}"
    );
}

/// The sandbox: the digest names who did not answer as plain text (no mention), and a
/// follower's direct messages get the posted digest.
#[tokio::test]
async fn the_sandbox_digest_is_quiet_and_reaches_a_follower() {
    use serde_json::json;
    let app = crate::sandbox::demo_app().await;
    let post = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            let r = app
                .http
                .post(format!("{}{path}", app.url))
                .header("Origin", &app.url)
                .json(&body)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    };
    let html = |who: &'static str, channel: &'static str| {
        let app = &app;
        async move { app.sandbox_messages(who, channel).await }
    };
    // Priya (Growth) follows Platform from her direct messages.
    let status = post(
        "/sandbox/command",
        json!({"as": "S-priya", "channel": "D-S-priya", "text": "/pacer follow Platform"}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html("S-priya", "D-S-priya").await.contains(
            "You now follow Platform's digest: each one posted comes to you as a direct message."
        ),
        "{}",
        html("S-priya", "D-S-priya").await
    );
    let before = html("S-ana", "C-platform")
        .await
        .matches("Platform digest")
        .count();
    for _ in 0..20 {
        assert_eq!(post("/sandbox/rhythm", json!({})).await, 200);
        if html("S-ana", "C-platform")
            .await
            .matches("Platform digest")
            .count()
            > before
        {
            break;
        }
    }
    let platform = html("S-ana", "C-platform").await;
    let at = platform
        .rfind("No answer from")
        .expect("someone did not answer");
    let section = &platform[at..];
    let section = &section[..section.find("</p>").unwrap_or(section.len())];
    // Plain names: no mention markup (Jonas answered, for himself and for Lea, who is on leave
    // with him acting).
    assert_eq!(section, "No answer from</b><br>• Ana, Tomas");
    assert!(
        platform.contains("Away</b><br>• Lea (acting: Jonas)"),
        "{platform}"
    );
    let priya = html("S-priya", "D-S-priya").await;
    assert_eq!(priya.matches("Platform digest").count(), 1, "{priya}");
    assert!(priya.contains("You follow Platform"), "{priya}");
}
