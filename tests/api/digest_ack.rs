//! Leads acknowledge a posted digest: *Seen* shows who looked and when in the digest itself,
//! *Discuss* also puts its worst items on the parent team's agenda, and the parent's roll-up
//! says which sub-team digests no lead has looked at. Only leads of the team or of its parent
//! (and admins) may click; anyone else, another workspace or a forged value records nothing.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::common::{ADMIN, TestApp, spawn_app};

/// Mon 2026-11-23 09:00 UTC: the teams' check-ins open.
fn monday() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

/// Fri 2026-11-27 16:00 UTC: their digests.
fn friday() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 16, 0, 0).unwrap()
}

/// Leadership (lead ana, no rhythm of its own: a roll-up when its teams close) over Platform
/// (lead ben, member chen) and Mobile (lead dan); Growth (lead ada, an admin) has no parent.
/// Platform has four stalled priorities (#1 stuck off-track, #2–#4 overdue) and a healthy #5;
/// Mobile's #6 and Growth's #7 are overdue.
async fn organisation(app: &TestApp) {
    app.clock.set(monday() - Duration::hours(3));
    for (user, cmd) in [
        ("U0ANA", "team add Leadership <#C0LEAD|leadership>"),
        (
            "U0ANA",
            "team add Platform <#C0PLATFORM|platform> parent:Leadership lead:<@U0BEN|ben>",
        ),
        ("U0BEN", "team join Platform <@U0CHEN|chen>"),
        (
            "U0ANA",
            "team add Mobile <#C0MOBILE|mobile> parent:Leadership lead:<@U0DAN|dan>",
        ),
        (ADMIN, "team add Growth <#C0GROWTH|growth>"),
        ("U0CHEN", "add Vendor integration team:Platform"),
        ("U0BEN", "add Data migration team:Platform due:2026-11-25"),
        ("U0CHEN", "add Billing export team:Platform due:2026-11-24"),
        ("U0BEN", "add Docs refresh team:Platform due:2026-11-26"),
        ("U0BEN", "add Single sign-on team:Platform due:2027-06-30"),
        ("U0DAN", "add App redesign team:Mobile due:2026-11-25"),
        (ADMIN, "add Checkout revamp team:Growth due:2026-11-25"),
    ] {
        let r = app.slash(user, cmd).await.all_text();
        assert!(!r.contains("⚠️"), "{cmd}: {r}");
    }
    for team in ["Platform", "Mobile", "Growth"] {
        for rhythm in [
            format!("rhythm {team} checkin \"mon 09:00\" tz:UTC remind:off"),
            format!("rhythm {team} digest \"fri 16:00\""),
        ] {
            let r = app.slash(ADMIN, &rhythm).await.all_text();
            assert!(!r.contains("⚠️"), "{rhythm}: {r}");
        }
    }
    app.clock.set(monday());
    app.tick().await;
    app.clock.set(monday() + Duration::hours(1));
    app.slash("U0CHEN", "status #1 off-track 10% vendor silent")
        .await;
    app.clock.set(monday() + Duration::hours(2));
    app.slash("U0CHEN", "status #1 off-track 10% still silent")
        .await;
    app.clock.set(friday());
    app.tick().await;
    app.tick().await;
}

/// Every text of a Block Kit message.
fn texts(body: &Value) -> String {
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
    let mut out = Vec::new();
    walk(&body["blocks"], &mut out);
    out.join("\n")
}

/// The digest posted in a channel (its first message; the thread reply follows): (ts, body).
fn digest_in(app: &TestApp, channel: &str) -> (String, Value) {
    app.slack
        .messages_in(channel)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no digest in {channel}"))
}

/// The (action_id, value) of every button of a message.
fn buttons(body: &Value) -> Vec<(String, String)> {
    body["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("action_id"), s("value"))
        })
        .collect()
}

/// The digest's cycle id, as its buttons carry it.
fn cycle_of(body: &Value) -> String {
    buttons(body)
        .into_iter()
        .find(|(a, _)| a == "digest:seen")
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no Seen button: {body:#}"))
}

/// The priority numbers under *Needs attention*, in the digest's order.
fn needs_attention(body: &Value) -> Vec<i64> {
    let text = texts(body);
    let section = text
        .split("*Needs attention*")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .unwrap_or_default()
        .split("*Moved*")
        .next()
        .unwrap_or_default()
        .to_string();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("• *#"))
        .filter_map(|l| l.split('*').next()?.parse().ok())
        .collect()
}

/// The text of the digest in `channel` once it contains `needle` (an update in place is made
/// after the click is acknowledged), or as it is after a bounded wait.
async fn eventually(app: &TestApp, channel: &str, needle: &str) -> String {
    for _ in 0..1000 {
        let text = texts(&digest_in(app, channel).1);
        if text.contains(needle) {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    texts(&digest_in(app, channel).1)
}

/// What pacer told people privately through response URLs.
fn told(app: &TestApp) -> Vec<String> {
    app.slack
        .calls()
        .into_iter()
        .filter(|c| c.method.starts_with("response_url:"))
        .map(|c| c.body["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A click on a digest in `channel` by `user` of workspace `team`, as Slack sends it.
async fn click_in(
    app: &TestApp,
    (team, user): (&str, &str),
    (channel, ts): (&str, &str),
    action: &str,
    value: &str,
) -> u16 {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": user, "username": user.to_lowercase(), "team_id": team},
        "api_app_id": "A0PACER",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
        "trigger_id": "1234.5678.trigger",
        "team": {"id": team, "domain": "example"},
        "channel": {"id": channel, "name": "platform"},
        "message": {"type": "message", "ts": ts, "text": "Platform digest"},
        "response_url": format!("{}/response/{}", app.slack.base, uuid::Uuid::new_v4().simple()),
        "actions": [{
            "action_id": action, "block_id": "b9", "value": value, "type": "button",
            "text": {"type": "plain_text", "text": "x"}, "action_ts": "1700000000.1"
        }]
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    app.post_signed(
        "/slack/interactivity",
        &body,
        "application/x-www-form-urlencoded",
    )
    .await
    .status
}

async fn click(app: &TestApp, user: &str, channel: &str, action: &str, value: &str) -> u16 {
    let (ts, _) = digest_in(app, channel);
    click_in(app, ("T0001", user), (channel, &ts), action, value).await
}

#[tokio::test]
async fn a_lead_marks_the_digest_seen_and_it_says_so_in_place() {
    let app = spawn_app().await;
    organisation(&app).await;
    let (ts, posted) = digest_in(&app, "C0PLATFORM");
    assert!(
        texts(&posted).contains("Platform digest · Fri 27 Nov"),
        "{posted:#}"
    );
    let cycle = cycle_of(&posted);
    assert_eq!(
        buttons(&posted),
        vec![
            ("digest:seen".to_string(), cycle.clone()),
            ("digest:discuss".to_string(), cycle.clone()),
        ]
    );
    let labels: Vec<&str> = posted["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap())
        .map(|e| e["text"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Seen", "Discuss with Leadership"]);
    // The thread reply (the full list) carries no buttons.
    let (_, thread) = &app.slack.messages_in("C0PLATFORM")[1];
    assert!(buttons(thread).is_empty(), "{thread:#}");

    // Ben, Platform's lead, clicks Seen; the digest is updated in place, buttons kept.
    app.clock.set(friday() + Duration::minutes(5));
    assert_eq!(
        click(&app, "U0BEN", "C0PLATFORM", "digest:seen", &cycle).await,
        200
    );
    let updates = app.slack.wait_for("chat.update", 1).await;
    let mine = updates
        .iter()
        .find(|c| c.body["channel"] == "C0PLATFORM")
        .expect("the clicked digest is updated");
    assert_eq!(mine.body["ts"], ts.as_str());
    let (_, now) = digest_in(&app, "C0PLATFORM");
    let text = texts(&now);
    assert!(text.contains("Seen by ben · Fri 27 Nov 16:05"), "{text}");
    assert!(text.contains("Platform digest · Fri 27 Nov"), "{text}");
    assert_eq!(buttons(&now).len(), 2, "the buttons stay for the others");

    // A second click (or Slack's retry) records nothing more and keeps the first time.
    app.clock.set(friday() + Duration::minutes(9));
    click(&app, "U0BEN", "C0PLATFORM", "digest:seen", &cycle).await;
    app.slack.wait_for("chat.update", 3).await;
    assert_eq!(app.count("digest_acks").await, 1);
    let text = texts(&digest_in(&app, "C0PLATFORM").1);
    assert_eq!(text.matches("Seen by").count(), 1, "{text}");
    assert!(text.contains("Seen by ben · Fri 27 Nov 16:05"), "{text}");

    // An admin may too; each person once, in the order they looked.
    app.clock.set(friday() + Duration::minutes(12));
    click(&app, ADMIN, "C0PLATFORM", "digest:seen", &cycle).await;
    let text = eventually(&app, "C0PLATFORM", "Seen by ada").await;
    assert!(
        text.contains("Seen by ben · Fri 27 Nov 16:05\nSeen by ada · Fri 27 Nov 16:12"),
        "{text}"
    );
    assert_eq!(app.count("digest_acks").await, 2);
    assert!(told(&app).is_empty(), "{:?}", told(&app));
}

#[tokio::test]
async fn discuss_puts_the_worst_items_on_the_parents_agenda_once() {
    let app = spawn_app().await;
    organisation(&app).await;
    let (_, posted) = digest_in(&app, "C0PLATFORM");
    let cycle = cycle_of(&posted);
    let worst = needs_attention(&posted);
    assert_eq!(worst.len(), 4, "{}", texts(&posted));
    // chen already raised #1 by hand: Discuss does not raise it again.
    app.clock.set(friday() + Duration::minutes(3));
    let r = app
        .slash("U0CHEN", "raise #1 \"need a call on the vendor\"")
        .await
        .all_text();
    assert!(r.contains("Raised *#1*"), "{r}");

    // ana, the parent team's lead, discusses Platform's digest.
    app.clock.set(friday() + Duration::minutes(10));
    assert_eq!(
        click(&app, "U0ANA", "C0PLATFORM", "digest:discuss", &cycle).await,
        200
    );
    app.slack.wait_for("chat.update", 1).await;
    let mut expected: Vec<i64> = worst[..3].to_vec();
    if !expected.contains(&1) {
        expected.push(1);
    }
    expected.sort_unstable();
    let raised = |app: &TestApp| {
        let app_pool = app.store.pool().clone();
        async move {
            let rows: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT p.number, r.reason, r.why FROM raised_items r JOIN priorities p ON p.id = r.priority_id
                 WHERE r.closed_at IS NULL ORDER BY p.number",
            )
            .fetch_all(&app_pool)
            .await
            .unwrap();
            rows
        }
    };
    let rows = raised(&app).await;
    let numbers: Vec<i64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(numbers, expected, "{rows:?}");
    for (number, reason, why) in &rows {
        if *number == 1 {
            assert_eq!(
                reason, "need a call on the vendor",
                "kept as chen raised it"
            );
        } else {
            assert_eq!(reason, "Discuss: from Platform's digest of 27 Nov");
            assert_eq!(why, "digest");
        }
    }
    assert!(
        !numbers.contains(&worst[3]) || worst[3] == 1,
        "only the worst three"
    );

    // The parent's agenda lists them, raised by ana.
    let agenda = app.slash("U0ANA", "agenda Leadership").await.all_text();
    assert!(
        agenda.contains(&format!("Raised to this team ({})", expected.len())),
        "{agenda}"
    );
    assert!(
        agenda.contains("raised by ana today: _Discuss: from Platform's digest of 27 Nov_"),
        "{agenda}"
    );
    for n in &worst[..3] {
        assert!(agenda.contains(&format!("*#{n}*")), "#{n}: {agenda}");
    }

    // The digest says it was discussed, and where.
    let text = texts(&digest_in(&app, "C0PLATFORM").1);
    assert!(
        text.contains("Discussed by ana · Fri 27 Nov 16:10, on Leadership's agenda"),
        "{text}"
    );

    // Discuss again, by ana and by ben (Platform's lead): nothing is raised twice.
    app.clock.set(friday() + Duration::minutes(20));
    click(&app, "U0ANA", "C0PLATFORM", "digest:discuss", &cycle).await;
    click(&app, "U0BEN", "C0PLATFORM", "digest:discuss", &cycle).await;
    app.slack.wait_for("chat.update", 3).await;
    assert_eq!(raised(&app).await, rows);
    assert_eq!(app.count("raised_items").await, expected.len() as i64);
    assert_eq!(app.count("digest_acks").await, 2, "ana and ben, once each");
    // Even after a decision closes one, a later Discuss of the same digest does not bring it
    // back.
    let decided = expected.iter().find(|n| **n != 1).copied().unwrap();
    let r = app
        .slash("U0ANA", &format!("decide #{decided} \"push it a week\""))
        .await
        .all_text();
    assert!(r.contains("Decided on"), "{r}");
    click(&app, ADMIN, "C0PLATFORM", "digest:discuss", &cycle).await;
    app.slack.wait_for("chat.update", 4).await;
    assert_eq!(raised(&app).await.len(), expected.len() - 1);
}

#[tokio::test]
async fn members_other_leads_other_workspaces_and_forgeries_are_refused() {
    let app = spawn_app().await;
    organisation(&app).await;
    let (_, posted) = digest_in(&app, "C0PLATFORM");
    let cycle = cycle_of(&posted);
    let refusal = "Only a lead of Platform or of Leadership, or an admin, can mark Platform's digest seen or discuss it. Nothing was recorded.";
    // chen is a member of Platform; dan leads Mobile, a sibling team.
    for (user, action) in [
        ("U0CHEN", "digest:seen"),
        ("U0CHEN", "digest:discuss"),
        ("U0DAN", "digest:seen"),
    ] {
        assert_eq!(click(&app, user, "C0PLATFORM", action, &cycle).await, 200);
    }
    // Another workspace's admin (an admin by configuration, too) names this cycle.
    let (ts, _) = digest_in(&app, "C0PLATFORM");
    let other = click_in(
        &app,
        ("T0OTHER", ADMIN),
        ("C0OTHER", &ts),
        "digest:seen",
        &cycle,
    )
    .await;
    assert_eq!(other, 200);
    // Forged values, and an action that is not one of pacer's.
    for value in ["999999", "0", "abc", "1:2", ""] {
        click(&app, ADMIN, "C0PLATFORM", "digest:seen", value).await;
    }
    click(&app, ADMIN, "C0PLATFORM", "digest:approve", &cycle).await;
    // Growth has no parent: its digest offers Seen only, and Discuss is refused.
    let (_, growth) = digest_in(&app, "C0GROWTH");
    let growth_cycle = cycle_of(&growth);
    assert_eq!(
        buttons(&growth),
        vec![("digest:seen".to_string(), growth_cycle.clone())]
    );
    click(&app, ADMIN, "C0GROWTH", "digest:discuss", &growth_cycle).await;

    let told = app.slack.wait_for_prefix("response_url:", 11).await;
    let told: Vec<String> = told
        .iter()
        .map(|c| c.body["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(told.len(), 11, "{told:?}");
    assert_eq!(
        told.iter()
            .filter(|t| **t == format!("⚠️ {refusal}"))
            .count(),
        3,
        "{told:?}"
    );
    assert_eq!(
        told.iter()
            .filter(|t| t.contains(
                "This digest could not be found in this workspace. Nothing was recorded."
            ))
            .count(),
        2,
        "another workspace, and a cycle that does not exist: {told:?}"
    );
    assert_eq!(
        told.iter()
            .filter(
                |t| t.contains("That button is not one of pacer's digests. Nothing was recorded.")
            )
            .count(),
        5,
        "values that are not a cycle, and an action that is not pacer's: {told:?}"
    );
    assert!(
        told.iter().any(|t| t.contains(
            "Growth has no parent team to discuss its digest with; mark it seen instead. Nothing was recorded."
        )),
        "{told:?}"
    );
    assert_eq!(app.count("digest_acks").await, 0);
    assert_eq!(app.count("raised_items").await, 0);
    assert!(app.slack.calls_to("chat.update").is_empty());
    assert!(
        !texts(&digest_in(&app, "C0PLATFORM").1).contains("Seen by"),
        "nothing shown"
    );
}

#[tokio::test]
async fn the_rollup_lists_unseen_team_digests_until_a_lead_looks() {
    let app = spawn_app().await;
    organisation(&app).await;
    let rollup = texts(&digest_in(&app, "C0LEAD").1);
    assert!(
        rollup.contains("Leadership digest · Fri 27 Nov"),
        "{rollup}"
    );
    assert!(
        rollup.contains("*Team digests*\n• Not yet seen by a lead: Mobile, Platform"),
        "{rollup}"
    );
    // The roll-up has its own buttons: Leadership has no parent, so Seen only.
    assert_eq!(buttons(&digest_in(&app, "C0LEAD").1).len(), 1);
    let platform = cycle_of(&digest_in(&app, "C0PLATFORM").1);
    let mobile = cycle_of(&digest_in(&app, "C0MOBILE").1);

    // Ben sees Platform's digest: the posted roll-up stops listing it.
    app.clock.set(friday() + Duration::minutes(30));
    click(&app, "U0BEN", "C0PLATFORM", "digest:seen", &platform).await;
    let text = eventually(&app, "C0LEAD", "Seen: Platform").await;
    assert!(
        text.contains("• Not yet seen by a lead: Mobile\n• Seen: Platform"),
        "{text}"
    );
    // The preview of Leadership's digest says the same.
    let preview = app.slash("U0ANA", "digest Leadership").await.all_text();
    assert!(
        preview.contains("Not yet seen by a lead: Mobile"),
        "{preview}"
    );
    assert!(!preview.contains("Not yet seen by a lead: Mobile, Platform"));

    // ana (the parent's lead) discusses Mobile's: it is listed as discussed, none unseen.
    click(&app, "U0ANA", "C0MOBILE", "digest:discuss", &mobile).await;
    let text = eventually(&app, "C0LEAD", "Discussed: Mobile").await;
    assert!(told(&app).is_empty(), "{:?}", told(&app));
    assert!(
        text.contains("*Team digests*\n• Discussed: Mobile\n• Seen: Platform"),
        "{text}"
    );
    assert!(!text.contains("Not yet seen"), "{text}");
    // The roll-up was updated in place, not posted again.
    assert_eq!(app.slack.messages_in("C0LEAD").len(), 2);
}

#[tokio::test]
async fn a_lead_marks_a_teams_channel_digest_seen_from_the_card() {
    use crate::common::fake_teams::TENANT;
    use crate::msteams::{ANA, BEN, CHANNEL, buttons_data, execute, in_channel};
    let app = spawn_app().await;
    app.clock.set(monday() - Duration::hours(3));
    for (text, people) in [
        ("team add Platform", &[][..]),
        ("add Payments API due:2026-11-24", &[][..]),
        ("add Fraud rules @Ben Okafor", &[BEN][..]),
        (
            "rhythm Platform checkin \"mon 09:00\" tz:UTC remind:off",
            &[][..],
        ),
        ("rhythm Platform digest \"fri 16:00\"", &[][..]),
    ] {
        let r = app.teams_post(&in_channel(&app, ANA, text, people)).await;
        assert_eq!(r.status, 200, "{text}");
    }
    app.teams.wait_for("reply", 5).await;
    app.clock.set(monday());
    app.tick().await;
    app.clock.set(friday());
    app.tick().await;
    let post = app
        .teams
        .calls_of("send")
        .into_iter()
        .find(|c| c.conversation == CHANNEL)
        .expect("the digest is posted in the channel");
    let seen = buttons_data(&post.body, "Seen");
    assert_eq!(seen.len(), 1, "{:#}", post.body);
    assert_eq!(seen[0]["pacer"], "digest:seen");
    assert!(
        !post.body.to_string().contains("Discuss with"),
        "no parent team to discuss it with"
    );
    let card_id = post
        .activity_id
        .clone()
        .unwrap_or_else(|| "1:digest".into());

    // A click from the channel, as Teams sends an Action.Execute there.
    let in_the_channel = |user: &str| {
        let mut a = execute(&app, user, &card_id, seen[0].clone());
        a["conversation"] = json!({"isGroup": true, "conversationType": "channel",
            "tenantId": TENANT, "id": format!("{CHANNEL};messageid={card_id}")});
        a["channelData"] = json!({"teamsChannelId": CHANNEL, "teamsTeamId": CHANNEL,
            "channel": {"id": CHANNEL}, "team": {"id": CHANNEL}, "tenant": {"id": TENANT}});
        a
    };
    // Ben owns a priority but leads nothing: only he is told, and nothing is recorded.
    app.clock.set(friday() + Duration::minutes(2));
    let r = app.teams_post(&in_the_channel(BEN)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["type"], "application/vnd.microsoft.activity.message");
    assert_eq!(
        r.body["value"],
        "⚠️ Only a lead of Platform, or an admin, can mark Platform's digest seen or discuss it. Nothing was recorded."
    );
    assert_eq!(app.count("digest_acks").await, 0);

    // Ana leads Platform: the invoke response is the digest as it stands, for everyone.
    app.clock.set(friday() + Duration::minutes(5));
    let r = app.teams_post(&in_the_channel(ANA)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["type"], "application/vnd.microsoft.card.adaptive");
    let card = r.body["value"].to_string();
    assert!(card.contains("Platform digest · Fri 27 Nov"), "{card}");
    assert!(
        card.contains("Seen by Ana Lopez · Fri 27 Nov 16:05"),
        "{card}"
    );
    assert!(card.contains("digest:seen"), "the button stays: {card}");
    assert_eq!(app.count("digest_acks").await, 1);
}

/// The sandbox's HTML as words.
fn words(html: &str) -> String {
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
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn sandbox_channel(app: &TestApp, who: &str, channel: &str) -> String {
    app.sandbox_messages(who, channel).await
}

/// (message id, cycle) of the last digest's Seen button in a sandbox channel's HTML.
fn last_seen_button(html: &str) -> (u64, String) {
    let attr = |chunk: &str, name: &str| {
        chunk
            .split(&format!("{name}=\""))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_string()
    };
    html.split("<button")
        .filter(|b| b.contains("data-action=\"digest:seen\""))
        .last()
        .map(|b| (attr(b, "data-msg").parse().unwrap(), attr(b, "data-value")))
        .expect("a digest with a Seen button")
}

#[tokio::test]
async fn the_demo_has_a_digest_seen_and_one_not_and_the_sandbox_marks_one_in_place() {
    let app = crate::sandbox::demo_app().await;
    // Ana read each of Platform's digests; nobody read Customer's or Growth's.
    let platform = words(&sandbox_channel(&app, "S-maya", "C-platform").await);
    assert!(
        platform.contains("Seen by Ana · Fri 20 Nov 16:20"),
        "{platform}"
    );
    let lead = sandbox_channel(&app, "S-maya", "C-leadership").await;
    let rollups = words(&lead);
    let latest = rollups
        .rsplit("Leadership digest ·")
        .next()
        .unwrap_or_default();
    assert!(latest.contains("Team digests"), "{latest}");
    assert!(
        latest.contains("Not yet seen by a lead: Customer, Growth (digest of 13 Nov)"),
        "{latest}"
    );
    assert!(latest.contains("Seen: Platform"), "{latest}");

    // Priya is a member of Growth: refused, and nothing is recorded.
    let growth = sandbox_channel(&app, "S-ben", "C-growth").await;
    let (message, cycle) = last_seen_button(&growth);
    let action = |who: &str| {
        let body = json!({"as": who, "message": message, "action": "digest:seen", "value": cycle});
        app.http
            .post(format!("{}/sandbox/action", app.url))
            .header("Origin", &app.url)
            .json(&body)
            .send()
    };
    let before = app.count("digest_acks").await;
    let r = action("S-priya").await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(app.count("digest_acks").await, before);
    // Ben leads Growth: the digest in the channel shows it, for everyone.
    let r = action("S-ben").await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(app.count("digest_acks").await, before + 1);
    let growth = words(&sandbox_channel(&app, "S-priya", "C-growth").await);
    assert!(growth.contains("Seen by Ben · "), "{growth}");
}
