//! Check-ins that ask only what changed (`ask:changed`): the prompt asks about priorities at
//! risk, off track, stale or due soon, and lists the rest under one *All still on track*
//! button that records them unchanged; on Slack, Teams and in the sandbox. And answering
//! ahead: `/pacer checkin` before a cycle opens records answers that the cycle takes when it
//! opens.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::checkins::buttons;
use crate::common::{TestApp, dm, spawn_app};

/// What pacer told people privately through response_urls.
fn told(app: &TestApp) -> Vec<String> {
    app.slack
        .calls()
        .into_iter()
        .filter(|c| c.method.starts_with("response_url:"))
        .map(|c| c.body["text"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn id_of(app: &TestApp, number: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM priorities WHERE number = $1")
        .bind(number)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

async fn person_id(app: &TestApp, user: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM people WHERE user_id = $1")
        .bind(user)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

/// (priority number, status, progress, author, note, late) of every check-in of a cycle.
async fn checkins_of(
    app: &TestApp,
    cycle: i64,
) -> Vec<(i64, String, i64, String, Option<String>, i64)> {
    sqlx::query_as(
        "SELECT p.number, u.status, u.progress, a.user_id, u.note, u.late FROM priority_updates u
         JOIN priorities p ON p.id = u.priority_id JOIN people a ON a.id = u.author_id
         WHERE u.cycle_id = $1 ORDER BY u.id",
    )
    .bind(cycle)
    .fetch_all(app.store.pool())
    .await
    .unwrap()
}

async fn only_cycle(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT MAX(id) FROM cycles")
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

/// The latest digest posted in #platform (not its thread).
fn digest_text(app: &TestApp) -> String {
    app.slack
        .messages_in("C0PLATFORM")
        .into_iter()
        .map(|(_, body)| body.to_string())
        .rfind(|b| b.contains("owners checked in"))
        .expect("a digest in #platform")
}

/// A click on a button of an ephemeral message (a slash command's answer), as Slack sends it:
/// the refreshed message goes back through the response_url.
async fn click_ephemeral(app: &TestApp, user: &str, action: &str, value: &str) {
    let payload = json!({
        "type": "block_actions", "user": {"id": user, "team_id": "T0001"}, "team": {"id": "T0001"},
        "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": dm(user), "is_ephemeral": true},
        "response_url": format!("{}/response/{}", app.slack.base, uuid::Uuid::new_v4().simple()),
        "actions": [{"action_id": action, "value": value, "type": "button", "block_id": "b", "action_ts": "1"}]
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

/// The messages that replaced an ephemeral one through a response_url, oldest first.
async fn replaced(app: &TestApp, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let found: Vec<Value> = app
            .slack
            .calls()
            .into_iter()
            .filter(|c| c.method.starts_with("response_url:") && c.body["replace_original"] == true)
            .map(|c| c.body)
            .collect();
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("fewer than {n} replaced messages");
}

/// A click as Slack sends it from another workspace's team.
async fn click_from_workspace(app: &TestApp, team: &str, user: &str, action: &str, value: &str) {
    let payload = json!({
        "type": "block_actions", "user": {"id": user}, "team": {"id": team},
        "trigger_id": "1.2.3", "container": {"type": "message", "message_ts": "1.1", "channel_id": dm(user)},
        "actions": [{"action_id": action, "value": value, "type": "button", "block_id": "b", "action_ts": "1"}]
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

/// Platform: ana owns #1 Payments API (on track, 40%), #2 Billing export (due in 8 days from
/// the first check-in), #3 Search rewrite (at risk) and #4 Docs portal (due in March); ben owns
/// #5 Fraud rules. Check-ins Mondays 09:00 UTC, asking what changed; digests Fridays 16:00.
async fn platform(app: &TestApp) {
    app.slash("U0ANA", "team add Platform <#C0PLATFORM|platform>")
        .await;
    for add in [
        "add Payments API team:Platform",
        "add Billing export team:Platform due:2026-12-08",
        "add Search rewrite team:Platform",
        "add Docs portal team:Platform due:2027-03-01",
    ] {
        app.slash("U0ANA", add).await;
    }
    app.slash("U0BEN", "add Fraud rules team:Platform").await;
    app.slash("U0ANA", "status #1 on-track 40%").await;
    app.slash("U0ANA", "status #3 at-risk 30%").await;
    let r = app
        .slash(
            "U0ANA",
            "rhythm Platform checkin \"mon 09:00\" tz:UTC remind:4h ask:changed",
        )
        .await;
    assert!(r.all_text().contains("(ask:changed)"), "{}", r.all_text());
    app.slash("U0ANA", "rhythm Platform digest \"fri 16:00\"")
        .await;
}

#[tokio::test]
async fn an_ask_changed_prompt_asks_what_may_have_changed_and_one_click_records_the_rest() {
    let app = spawn_app().await;
    platform(&app).await;
    // A later `rhythm … checkin` without `ask:` keeps asking what changed; `rhythm` shows it.
    app.slash("U0ANA", "rhythm Platform checkin \"mon 09:00\" tz:UTC")
        .await;
    let ask: String = sqlx::query_scalar("SELECT ask FROM rhythms")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(ask, "changed");
    let shown = app.slash("U0BEN", "rhythm Platform").await.all_text();
    assert!(
        shown.contains(
            "asks only about priorities at risk, off track, stale or due within two weeks"
        ),
        "{shown}"
    );

    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
    let r = app.tick().await;
    assert_eq!((r.opened, r.sent), (1, 2));
    let cycle = only_cycle(&app).await;
    let ana = person_id(&app, "U0ANA").await;
    let ben = person_id(&app, "U0BEN").await;

    // Ana is asked about #2 (due in 8 days) and #3 (at risk) with buttons; #1 and #4 are
    // listed under one "All still on track".
    let prompts = app.slack.messages_in(&dm("U0ANA"));
    assert_eq!(prompts.len(), 1);
    let (ts, body) = &prompts[0];
    let text = body.to_string();
    assert!(
        text.contains("On track, nothing due within two weeks:"),
        "{text}"
    );
    let bs = buttons(body);
    let asked: Vec<String> = bs
        .iter()
        .filter(|(a, _)| a == "checkin:on-track")
        .map(|(_, v)| v.clone())
        .collect();
    assert_eq!(
        asked,
        [
            format!("{cycle}:{}", id_of(&app, 2).await),
            format!("{cycle}:{}", id_of(&app, 3).await)
        ]
    );
    let unchanged: Vec<&(String, String)> = bs
        .iter()
        .filter(|(a, _)| a == "checkin:unchanged")
        .collect();
    assert_eq!(unchanged.len(), 1, "{bs:?}");
    let value = unchanged[0].1.clone();
    assert_eq!(value, format!("{cycle}:{ana}"));
    let checkin_buttons = bs
        .iter()
        .filter(|(a, _)| !a.starts_with("checkin:focus"))
        .count();
    assert_eq!(
        checkin_buttons,
        2 * 5 + 1,
        "five buttons for each asked priority, one for the rest (and the focus question's)"
    );
    for listed in ["Payments API", "Docs portal"] {
        assert!(text.contains(listed), "{listed}: {text}");
    }
    // Ben's only priority is on track with nothing due: one button.
    let ben_prompt = &app.slack.messages_in(&dm("U0BEN"))[0];
    let ben_buttons: Vec<(String, String)> = buttons(&ben_prompt.1)
        .into_iter()
        .filter(|(a, _)| !a.starts_with("checkin:focus"))
        .collect();
    assert_eq!(
        ben_buttons,
        [("checkin:unchanged".to_string(), format!("{cycle}:{ben}"))]
    );

    // Refused, privately, with nothing recorded: Ben clicking Ana's button, forged and
    // malformed values, another workspace's click.
    app.click("U0BEN", &dm("U0BEN"), ts, "checkin:unchanged", &value)
        .await;
    for forged in [
        "",
        "abc",
        &cycle.to_string(),
        &format!("{}:{ana}", cycle + 1000),
        &format!("{cycle}:99999"),
        &format!("-{cycle}:{ana}"),
    ] {
        let r = app
            .click("U0ANA", &dm("U0ANA"), ts, "checkin:unchanged", forged)
            .await;
        assert_eq!(r.status, 200);
    }
    click_from_workspace(&app, "T0EVIL", "U0ANA", "checkin:unchanged", &value).await;
    assert_eq!(checkins_of(&app, cycle).await, []);
    let said = told(&app);
    assert!(
        said.iter()
            .any(|t| t
                == "⚠️ This check-in is for @ana; only they can answer it. Nothing was recorded."),
        "{said:?}"
    );
    assert!(
        said.iter()
            .filter(|t| t.contains("does not belong to this workspace")
                || t.contains("not one of pacer's"))
            .count()
            >= 6,
        "{said:?}"
    );

    // One click records #1 and #4 unchanged: status and progress carried, by Ana, no note.
    app.click("U0ANA", &dm("U0ANA"), ts, "checkin:unchanged", &value)
        .await;
    assert_eq!(
        checkins_of(&app, cycle).await,
        [
            (1, "on-track".into(), 40, "U0ANA".into(), None, 0),
            (4, "on-track".into(), 0, "U0ANA".into(), None, 0),
        ]
    );
    let updated = app.slack.wait_for("chat.update", 1).await;
    assert_eq!(updated[0].body["ts"], ts.as_str());
    let shown = updated[0].body.to_string();
    assert_eq!(shown.matches("✔ Recorded: ").count(), 2, "{shown}");
    assert!(
        !shown.contains("checkin:unchanged"),
        "nothing left for the button: {shown}"
    );

    // A replay changes nothing and says so.
    app.click("U0ANA", &dm("U0ANA"), ts, "checkin:unchanged", &value)
        .await;
    assert_eq!(checkins_of(&app, cycle).await.len(), 2);
    assert!(
        told(&app).iter().any(|t| t
            == "⚠️ Everything listed under “All still on track” is already answered. Nothing was recorded."),
        "{:?}",
        told(&app)
    );

    // The asked ones are answered one by one (a click, and words); then Ana owes nothing, so
    // the reminder goes to Ben only.
    let at_risk = bs
        .iter()
        .find(|(a, v)| a == "checkin:at-risk" && v == &asked[1])
        .unwrap()
        .1
        .clone();
    app.click("U0ANA", &dm("U0ANA"), ts, "checkin:at-risk", &at_risk)
        .await;
    app.slash_in("T0001", "U0ANA", "DU0ANA", "#2 on-track 60%")
        .await;
    assert_eq!(checkins_of(&app, cycle).await.len(), 4);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 13, 0, 0).unwrap());
    let r = app.tick().await;
    assert_eq!(r.reminders_queued, 1);
    assert_eq!(
        app.slack.messages_in(&dm("U0ANA")).len(),
        1,
        "no reminder for Ana"
    );
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 2);

    // The history shows the unchanged check-in.
    let show = app.slash("U0BEN", "show #1").await.all_text();
    assert!(
        show.contains("checked in: unchanged (on-track · 40%)"),
        "{show}"
    );

    // The digest counts Ana as checked in, Ben as not.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 16, 0, 0).unwrap());
    app.tick().await;
    let digest = digest_text(&app);
    assert!(digest.contains("1 of 2 owners checked in"), "{digest}");
    let participation = app.store.participation(1, cycle).await.unwrap();
    let answered: Vec<(String, i64)> = participation
        .iter()
        .map(|p| (p.user_id.clone(), p.answered))
        .collect();
    assert_eq!(
        answered,
        [("U0ANA".to_string(), 1), ("U0BEN".to_string(), 0)]
    );

    // After the close, Ben's click is recorded late, like any late answer.
    app.click(
        "U0BEN",
        &dm("U0BEN"),
        &ben_prompt.0,
        "checkin:unchanged",
        &format!("{cycle}:{ben}"),
    )
    .await;
    let late = checkins_of(&app, cycle).await;
    assert_eq!(
        late.last().unwrap(),
        &(5, "on-track".into(), 0, "U0BEN".into(), None, 1)
    );
}

#[tokio::test]
async fn priorities_without_an_update_for_two_cycles_are_asked_again() {
    let app = spawn_app().await;
    platform(&app).await;
    // Two cycles in which Ana keeps #1 fresh by words and leaves #4 to the button's first
    // click only in the first.
    let mut last_cycle = 0;
    for (day, click) in [(30, true), (7, false)] {
        let month = if day == 30 { 11 } else { 12 };
        app.clock
            .set(Utc.with_ymd_and_hms(2026, month, day, 9, 0, 0).unwrap());
        app.tick().await;
        last_cycle = only_cycle(&app).await;
        app.slash("U0ANA", "status #1 on-track 45%").await;
        if click {
            let ana = person_id(&app, "U0ANA").await;
            let prompt = app.slack.messages_in(&dm("U0ANA")).pop().unwrap();
            app.click(
                "U0ANA",
                &dm("U0ANA"),
                &prompt.0,
                "checkin:unchanged",
                &format!("{last_cycle}:{ana}"),
            )
            .await;
        }
    }
    let asked_before: Vec<i64> = sqlx::query_scalar(
        "SELECT p.number FROM cycle_priorities cp JOIN priorities p ON p.id = cp.priority_id
         WHERE cp.cycle_id = $1 AND cp.asked = 1 ORDER BY p.number",
    )
    .bind(last_cycle)
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(
        asked_before,
        [2, 3],
        "one closed cycle: nothing is stale yet"
    );
    // The third cycle: the last two closed cycles began Nov 30; Ana updated #1 (words) and #4
    // (the click) since, but Ben never touched #5 after creating it: asked.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 14, 9, 0, 0).unwrap());
    app.tick().await;
    let third = only_cycle(&app).await;
    let asked: Vec<i64> = sqlx::query_scalar(
        "SELECT p.number FROM cycle_priorities cp JOIN priorities p ON p.id = cp.priority_id
         WHERE cp.cycle_id = $1 AND cp.asked = 1 ORDER BY p.number",
    )
    .bind(third)
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(asked, [2, 3, 5]);
    let ben = app.slack.messages_in(&dm("U0BEN")).pop().unwrap();
    assert!(
        !ben.1.to_string().contains("checkin:unchanged"),
        "Ben's stale priority has its own buttons"
    );
}

#[tokio::test]
async fn all_still_on_track_in_teams() {
    use crate::msteams::{ANA, BEN, button_data, execute, in_channel};
    let app = spawn_app().await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap());
    for text in [
        "team add Platform",
        "add Payments API",
        "add Billing export",
        "add Fraud rules @Ben Okafor",
        "status #2 at-risk 20%",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin ask:changed",
    ] {
        let people: &[&str] = if text.contains("@Ben") { &[BEN] } else { &[] };
        app.teams_post(&in_channel(&app, ANA, text, people)).await;
    }
    app.teams.wait_for("reply", 6).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap());
    app.tick().await;
    app.teams.wait_for("send", 2).await;
    let sends = app.teams.calls_of("send");
    let ana_prompt = sends
        .iter()
        .find(|c| c.body.to_string().contains("Payments API"))
        .unwrap()
        .clone();
    let card = ana_prompt.body.to_string();
    assert!(
        card.contains("On track, nothing due within two weeks:"),
        "{card}"
    );
    let all = button_data(&ana_prompt.body, "All still on track");
    // Ben cannot click it; Ana can, once.
    let r = app
        .teams_post(&execute(&app, BEN, "1:x", all.clone()))
        .await;
    assert!(
        r.body["value"]
            .as_str()
            .unwrap()
            .contains("only they can answer"),
        "{:#}",
        r.body
    );
    let r = app
        .teams_post(&execute(&app, ANA, "1:card", all.clone()))
        .await;
    assert_eq!(r.body["type"], "application/vnd.microsoft.card.adaptive");
    assert!(
        r.body["value"].to_string().contains("✔ Recorded"),
        "{:#}",
        r.body
    );
    let cycle = only_cycle(&app).await;
    let recorded: Vec<i64> = checkins_of(&app, cycle).await.iter().map(|c| c.0).collect();
    assert_eq!(recorded, [1]);
    let r = app.teams_post(&execute(&app, ANA, "1:card", all)).await;
    assert!(
        r.body["value"]
            .as_str()
            .unwrap()
            .contains("already answered"),
        "{:#}",
        r.body
    );
    assert_eq!(checkins_of(&app, cycle).await.len(), 1);
}

#[tokio::test]
async fn all_still_on_track_in_the_sandbox() {
    let app = crate::sandbox::demo_app().await;
    // The demo's Customer team asks what changed; Kai's prompt of this week is unanswered.
    let ask: String = sqlx::query_scalar(
        "SELECT r.ask FROM rhythms r JOIN teams t ON t.id = r.team_id WHERE t.name = 'Customer'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(ask, "changed");
    // Someone of Customer whose prompt this week still lists priorities to confirm.
    let (cycle, kai, kai_user): (i64, i64, String) = sqlx::query_as(
        "SELECT c.id, o.person_id, p.user_id FROM cycles c JOIN teams t ON t.id = c.team_id
         JOIN cycle_owners o ON o.cycle_id = c.id JOIN people p ON p.id = o.person_id
         WHERE t.name = 'Customer' AND c.state = 'open' AND EXISTS (
             SELECT 1 FROM cycle_priorities cp WHERE cp.cycle_id = c.id AND cp.person_id = o.person_id
             AND cp.asked = 0 AND NOT EXISTS (SELECT 1 FROM priority_updates u
                 WHERE u.cycle_id = c.id AND u.priority_id = cp.priority_id))
         ORDER BY p.display_name LIMIT 1",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    let other = if kai_user == "S-chen" {
        "S-yuki"
    } else {
        "S-chen"
    };
    let message: i64 = {
        let html = app
            .sandbox_messages(&kai_user, &format!("D-{kai_user}"))
            .await;
        let value = format!("data-action=\"checkin:unchanged\" data-value=\"{cycle}:{kai}\"");
        let at = html.find(&value).unwrap_or_else(|| panic!("{html}"));
        let start = html[..at].rfind("id=\"m").unwrap() + 5;
        let end = start + html[start..].find('"').unwrap();
        html[start..end].parse().unwrap()
    };
    let post = |who: &str, value: String| {
        let body =
            json!({"as": who, "message": message, "action": "checkin:unchanged", "value": value});
        let req = app
            .http
            .post(format!("{}/sandbox/action", app.url))
            .header("Origin", &app.url)
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let before = checkins_of(&app, cycle).await.len();
    let (status, body) = post(other, format!("{cycle}:{kai}")).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("only they can answer")
    );
    let (status, body) = post(&kai_user, format!("{cycle}:{kai}")).await;
    assert_eq!(status, 200, "{body}");
    let after = checkins_of(&app, cycle).await;
    assert!(after.len() > before, "{after:?}");
    assert!(
        after[before..]
            .iter()
            .all(|c| c.3 == kai_user && c.4.is_none() && c.5 == 0)
    );
    let (status, _) = post(&kai_user, format!("{cycle}:{kai}")).await;
    assert_eq!(status, 422, "a replay records nothing");
    assert_eq!(checkins_of(&app, cycle).await.len(), after.len());
}

/// Ana owns #1, #2 and #4 in Platform, ben #3; check-ins Mondays 09:00 UTC (asking about
/// everything), reminders after 4h, digests Fridays 16:00.
async fn platform_ahead(app: &TestApp) {
    app.slash("U0ANA", "team add Platform <#C0PLATFORM|platform>")
        .await;
    app.slash("U0ANA", "add Payments API team:Platform").await;
    app.slash("U0ANA", "add Billing export team:Platform").await;
    app.slash("U0BEN", "add Fraud rules team:Platform").await;
    app.slash("U0ANA", "add Docs portal team:Platform").await;
    app.slash("U0ANA", "add Search rewrite team:Platform").await;
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:UTC remind:4h",
    )
    .await;
    app.slash("U0ANA", "rhythm Platform digest \"fri 16:00\"")
        .await;
}

#[tokio::test]
async fn answers_given_ahead_are_the_cycles_answers_when_it_opens() {
    let app = spawn_app().await;
    platform_ahead(&app).await;
    // Sunday: no cycle is open; the coming one is shown with its buttons.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap());
    let r = app.slash_in("T0001", "U0ANA", "DU0ANA", "checkin").await;
    let text = r.all_text();
    assert!(
        text.contains(
            "Your next check-in for Platform opens Mon 30 Nov 10:00; answer now if you will be away"
        ),
        "{text}"
    );
    let bs = buttons(&r.body);
    let value_of = |action: &str, number: i64| {
        let id = match number {
            1 => 1,
            2 => 2,
            4 => 4,
            5 => 5,
            _ => unreachable!(),
        };
        bs.iter()
            .find(|(a, v)| a == action && v.ends_with(&format!(":{id}")))
            .unwrap_or_else(|| panic!("{action} #{number}: {bs:?}"))
            .1
            .clone()
    };
    assert_eq!(
        id_of(&app, 4).await,
        4,
        "ids follow numbers in a fresh database"
    );
    let slot = Utc
        .with_ymd_and_hms(2026, 11, 30, 9, 0, 0)
        .unwrap()
        .timestamp();
    let team: i64 = sqlx::query_scalar("SELECT id FROM teams WHERE name = 'Platform'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let at_risk_1 = value_of("checkin:at-risk", 1);
    assert_eq!(at_risk_1, format!("ahead:{team}:{slot}:1"));
    assert_eq!(buttons(&r.body).len(), 4 * 5, "Ana's four priorities");

    // Ana answers #1 at risk, #2 done, #4 and #5 on track.
    for (action, n) in [
        ("checkin:at-risk", 1),
        ("checkin:done", 2),
        ("checkin:on-track", 4),
        ("checkin:on-track", 5),
    ] {
        click_ephemeral(&app, "U0ANA", action, &value_of(action, n)).await;
    }
    assert_eq!(app.count("ahead_answers").await, 4);
    let shown = replaced(&app, 4).await;
    let last = shown.last().unwrap().to_string();
    assert!(last.contains("4 of 4 given ahead"), "{last}");
    assert_eq!(last.matches("(given ahead)").count(), 4, "{last}");
    // Nothing changed on the priorities yet.
    let status_1: String = sqlx::query_scalar("SELECT status FROM priorities WHERE number = 1")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(status_1, "on-track");

    // Refused, with nothing stored: Ben on Ana's priority, Ana on Ben's (#3), another
    // workspace, a slot that is not the coming one, a team that is not the priority's,
    // malformed values.
    let before = told(&app).len();
    app.click("U0BEN", "DU0BEN", "1.1", "checkin:done", &at_risk_1)
        .await;
    let bens = format!("ahead:{team}:{slot}:3");
    app.click("U0ANA", "DU0ANA", "1.1", "checkin:done", &bens)
        .await;
    click_from_workspace(&app, "T0EVIL", "U0ANA", "checkin:done", &at_risk_1).await;
    for forged in [
        format!("ahead:{team}:{}:1", slot + 7 * 86_400),
        format!("ahead:{}:{slot}:1", team + 50),
        format!("ahead:{team}:{slot}"),
        format!("ahead:{team}:{slot}:1:1"),
    ] {
        app.click("U0ANA", "DU0ANA", "1.1", "checkin:done", &forged)
            .await;
    }
    let said = told(&app);
    // Six told through their response_url (the other workspace's click carried none).
    assert_eq!(said.len() - before, 6, "{said:?}");
    assert!(said[before + 2].contains("no longer ahead"), "{said:?}");
    assert!(
        said[before + 3].contains("does not belong to this workspace"),
        "{said:?}"
    );
    assert!(
        said[before].contains("This check-in is for @ana"),
        "{said:?}"
    );
    assert!(
        said[before + 1].contains("This check-in is for @ben"),
        "{said:?}"
    );
    assert!(
        said[before..]
            .iter()
            .all(|t| t.contains("Nothing was recorded") || t.contains("not one of pacer's")),
        "{said:?}"
    );
    let kept: Vec<(i64, String)> =
        sqlx::query_as("SELECT priority_id, status FROM ahead_answers ORDER BY priority_id")
            .fetch_all(app.store.pool())
            .await
            .unwrap();
    assert_eq!(
        kept,
        [
            (1, "at-risk".into()),
            (2, "done".into()),
            (4, "on-track".into()),
            (5, "on-track".into())
        ]
    );

    // Before the cycle opens, #4 is closed and #5 handed to Ben: those answers are dropped.
    app.slash("U0ANA", "status #4 dropped").await;
    app.slash("U0ANA", "edit #5 @ben").await;

    // Monday: the cycle opens with Ana's answers recorded, by her, at the opening.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
    let r = app.tick().await;
    assert_eq!(r.opened, 1);
    let cycle = only_cycle(&app).await;
    assert_eq!(
        checkins_of(&app, cycle).await,
        [
            (1, "at-risk".into(), 0, "U0ANA".into(), None, 0),
            (2, "done".into(), 100, "U0ANA".into(), None, 0),
        ]
    );
    let (created, given): (i64, i64) = sqlx::query_as(
        "SELECT created_at, given_ahead_at FROM priority_updates WHERE cycle_id = $1 AND priority_id = 1",
    )
    .bind(cycle)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(
        created,
        Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0)
            .unwrap()
            .timestamp()
    );
    assert_eq!(
        given,
        Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0)
            .unwrap()
            .timestamp()
    );
    assert_eq!(app.count("ahead_answers").await, 0);
    let prompt = app.slack.messages_in(&dm("U0ANA"));
    assert_eq!(prompt.len(), 1);
    let text = prompt[0].1.to_string();
    assert_eq!(text.matches("(given ahead)").count(), 2, "{text}");
    assert!(text.contains("All answered"), "{text}");
    // With the cycle open, `checkin` shows its prompt, not the next one's.
    let now_open = app.slash_in("T0001", "U0BEN", "DU0BEN", "checkin").await;
    let now_open = now_open.all_text();
    assert!(now_open.contains("Check-in for Platform"), "{now_open}");
    assert!(
        !now_open.contains("answer now if you will be away"),
        "{now_open}"
    );

    // Ana owes nothing: the reminder goes to Ben alone, and the digest counts her.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 13, 0, 0).unwrap());
    assert_eq!(app.tick().await.reminders_queued, 1);
    assert_eq!(app.slack.messages_in(&dm("U0ANA")).len(), 1);
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 2);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 16, 0, 0).unwrap());
    app.tick().await;
    let digest = digest_text(&app);
    assert!(digest.contains("1 of 2 owners checked in"), "{digest}");
}

/// *All still on track* clicked after the digest was posted is a late answer like any other:
/// the posted digest is drawn again with it counted, once however often the click arrives.
#[tokio::test]
async fn a_late_all_still_on_track_updates_the_posted_digest() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
    app.tick().await;
    let cycle = only_cycle(&app).await;
    let ben = person_id(&app, "U0BEN").await;
    // Nobody answers; the digest goes out on Friday with ben silent.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 16, 0, 0).unwrap());
    app.tick().await;
    let digest = digest_text(&app);
    assert!(digest.contains("0 of 2 owners checked in"), "{digest}");
    // ben clicks his only button an hour late, and the click arrives twice.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 17, 0, 0).unwrap());
    let (ts, _) = app.slack.messages_in(&dm("U0BEN"))[0].clone();
    let value = format!("{cycle}:{ben}");
    for _ in 0..2 {
        app.click("U0BEN", &dm("U0BEN"), &ts, "checkin:unchanged", &value)
            .await;
    }
    let late: Vec<i64> = checkins_of(&app, cycle)
        .await
        .into_iter()
        .map(|c| c.5)
        .collect();
    assert_eq!(late, [1], "one late answer, recorded once");
    app.tick().await;
    app.tick().await;
    let redraws: Vec<String> = app
        .slack
        .calls_to("chat.update")
        .into_iter()
        .filter(|c| c.body["channel"] == "C0PLATFORM")
        .map(|c| c.body.to_string())
        .collect();
    assert_eq!(redraws.len(), 1, "{redraws:?}");
    assert!(
        redraws[0].contains("1 of 2 owners checked in"),
        "{}",
        redraws[0]
    );
    assert!(redraws[0].contains("(1 late answer)"), "{}", redraws[0]);
}
