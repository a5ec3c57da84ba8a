//! The operating rhythm end to end: prompts at check-in time, buttons, the form, text replies,
//! reminders, away periods, late answers, catch-up after downtime, and delivery exactly once
//! through crashes and a misbehaving Slack.

use chrono::{Duration, TimeZone, Utc};
use serde_json::Value;

use crate::common::fake_slack::Fault;
use crate::common::{TestApp, dm, spawn_app};

/// Mon 2026-11-30 09:00 in Berlin.
fn monday_nine_berlin() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()
}

/// (action_id, value) of every button in a message body.
pub fn buttons(body: &Value) -> Vec<(String, String)> {
    body["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            (
                e["action_id"].as_str().unwrap_or("").to_string(),
                e["value"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Platform (lead ana) with #1, #2 owned by ana and #3 owned by ben; a Monday 09:00 Berlin
/// rhythm with a 4h reminder.
async fn platform(app: &TestApp) {
    app.slash("U0ANA", "team add Platform <#C0PLATFORM|platform>")
        .await;
    app.slash("U0ANA", "add Payments API team:Platform").await;
    app.slash("U0ANA", "add Billing export team:Platform").await;
    app.slash("U0BEN", "add Fraud rules team:Platform").await;
    let r = app
        .slash(
            "U0ANA",
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
        )
        .await;
    assert!(
        r.all_text().contains("checks in Mondays at 09:00"),
        "{}",
        r.all_text()
    );
}

#[tokio::test]
async fn owners_are_prompted_at_checkin_time_and_a_click_records_and_updates_in_place() {
    let app = spawn_app().await;
    platform(&app).await;
    assert_eq!(
        app.tick().await.opened,
        0,
        "nothing before the first Monday"
    );
    app.clock.set(monday_nine_berlin() - Duration::minutes(1));
    assert_eq!(app.tick().await.opened, 0);
    app.clock.set(monday_nine_berlin());
    let r = app.tick().await;
    assert_eq!((r.opened, r.sent), (1, 2));

    let ana = app.slack.messages_in(&dm("U0ANA"));
    assert_eq!(ana.len(), 1);
    let (ts, body) = &ana[0];
    let text = body.to_string();
    assert!(text.contains("Check-in for Platform"), "{text}");
    assert!(
        text.contains("Payments API") && text.contains("Billing export"),
        "{text}"
    );
    assert!(
        !text.contains("Fraud rules"),
        "only ana's priorities: {text}"
    );
    assert_eq!(
        body["metadata"]["event_payload"]["key"]
            .as_str()
            .unwrap()
            .split(':')
            .next(),
        Some("prompt")
    );
    let bs = buttons(body);
    let labels: Vec<&str> = bs.iter().map(|(a, _)| a.as_str()).take(5).collect();
    assert_eq!(
        labels,
        [
            "checkin:on-track",
            "checkin:at-risk",
            "checkin:off-track",
            "checkin:done",
            "checkin:update"
        ]
    );
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 1);

    // ana marks #1 at risk with one click.
    let (_, value) = bs
        .iter()
        .find(|(a, _)| a == "checkin:at-risk")
        .unwrap()
        .clone();
    let r = app
        .click("U0ANA", &dm("U0ANA"), ts, "checkin:at-risk", &value)
        .await;
    assert_eq!(r.status, 200);
    let updates = app.slack.wait_for("chat.update", 1).await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].body["ts"], ts.as_str());
    assert!(
        updates[0].body.to_string().contains("Recorded: 🟡 At risk"),
        "{}",
        updates[0].body
    );
    let p = app
        .store
        .priority(1, pacer::domain::PriorityNumber(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, pacer::domain::Status::AtRisk);
    assert_eq!(p.progress.value(), 0, "progress is carried forward");
    let cycle_updates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM priority_updates WHERE cycle_id IS NOT NULL AND late = 0",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(cycle_updates, 1);
    // It can still be changed until the cycle closes.
    let r = app
        .click("U0ANA", &dm("U0ANA"), ts, "checkin:on-track", &value)
        .await;
    assert_eq!(r.status, 200);
    app.slack.wait_for("chat.update", 2).await;
    let p = app
        .store
        .priority(1, pacer::domain::PriorityNumber(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, pacer::domain::Status::OnTrack);
}

#[tokio::test]
async fn reminders_go_only_to_owners_who_have_not_answered_everything() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    // ana answers both of hers; ben answers nothing.
    let (ts, body) = app.slack.messages_in(&dm("U0ANA"))[0].clone();
    for (action, value) in buttons(&body)
        .into_iter()
        .filter(|(a, _)| a == "checkin:on-track")
    {
        assert_eq!(
            app.click("U0ANA", &dm("U0ANA"), &ts, &action, &value)
                .await
                .status,
            200
        );
    }
    app.clock
        .set(monday_nine_berlin() + Duration::hours(4) - Duration::minutes(1));
    assert_eq!(app.tick().await.reminders_queued, 0);
    app.clock.set(monday_nine_berlin() + Duration::hours(4));
    let r = app.tick().await;
    assert_eq!((r.reminders_queued, r.sent), (1, 1));
    let ben = app.slack.messages_in(&dm("U0BEN"));
    assert_eq!(ben.len(), 2);
    assert!(
        ben[1]
            .1
            .to_string()
            .contains("Reminder: check-in for Platform"),
        "{}",
        ben[1].1
    );
    assert_eq!(app.slack.messages_in(&dm("U0ANA")).len(), 1);
    // Later ticks remind nobody again.
    app.clock.set(monday_nine_berlin() + Duration::hours(30));
    let r = app.tick().await;
    assert_eq!((r.reminders_queued, r.sent), (0, 0));
}

#[tokio::test]
async fn a_text_reply_in_the_dm_records_a_checkin() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    let body = serde_json::json!({
        "type": "event_callback", "team_id": "T0001", "api_app_id": "A0PACER", "event_id": "Ev0TEXT1",
        "event_time": 1795510800,
        "event": {"type": "message", "channel": "DU0BEN", "channel_type": "im", "user": "U0BEN",
                  "text": "#3 off-track 20% waiting on legal", "ts": "1.2", "event_ts": "1.2"}
    })
    .to_string();
    assert_eq!(
        app.post_signed("/slack/events", &body, "application/json")
            .await
            .status,
        200
    );
    let replies = app.slack.wait_for("chat.postMessage", 3).await;
    assert!(
        replies
            .last()
            .unwrap()
            .body
            .to_string()
            .contains("Off track at 20%")
    );
    let (late, cycle): (i64, Option<i64>) =
        sqlx::query_as("SELECT late, cycle_id FROM priority_updates ORDER BY id DESC LIMIT 1")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!((late, cycle), (0, Some(1)));
    // The prompt shows the answer, as after a click.
    let updates = app.slack.wait_for("chat.update", 1).await;
    assert!(
        updates.iter().any(|u| u.body["channel"] == "DU0BEN"
            && u.body.to_string().contains("Recorded: 🔴 Off track · 20%")),
        "{updates:?}"
    );
    // ben has answered everything: only ana is reminded.
    app.clock.set(monday_nine_berlin() + Duration::hours(5));
    assert_eq!(app.tick().await.reminders_queued, 1);
    assert_eq!(
        app.slack.messages_in(&dm("U0BEN")).len(),
        2,
        "the prompt and pacer's confirmation"
    );
    assert_eq!(
        app.slack.messages_in(&dm("U0ANA")).len(),
        2,
        "the prompt and the reminder"
    );
}

#[tokio::test]
async fn the_update_form_opens_validates_and_records() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    let (ts, body) = app.slack.messages_in(&dm("U0ANA"))[0].clone();
    let (_, value) = buttons(&body)
        .into_iter()
        .find(|(a, _)| a == "checkin:update")
        .unwrap();
    assert_eq!(
        app.click("U0ANA", &dm("U0ANA"), &ts, "checkin:update", &value)
            .await
            .status,
        200
    );
    let opened = app.slack.calls_to("views.open");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].body["trigger_id"], "1234.5678.trigger");
    let view = &opened[0].body["view"];
    assert_eq!(view["type"], "modal");
    assert!(view["title"]["text"].as_str().unwrap().chars().count() <= 24);
    let metadata = view["private_metadata"].as_str().unwrap().to_string();

    let submit = |progress: &str, status: &str| {
        let payload = serde_json::json!({
            "type": "view_submission",
            "team": {"id": "T0001", "domain": "example"},
            "user": {"id": "U0ANA", "name": "ana", "team_id": "T0001"},
            "api_app_id": "A0PACER",
            "view": {
                "id": "V0MODAL", "type": "modal", "callback_id": "checkin_form", "private_metadata": metadata,
                "state": {"values": {
                    "status": {"value": {"type": "static_select", "selected_option": {"value": status}}},
                    "progress": {"value": {"type": "plain_text_input", "value": progress}},
                    "note": {"value": {"type": "plain_text_input", "value": "vendor slipped a week"}},
                    "blocker": {"value": {"type": "plain_text_input", "value": "legal review"}}
                }}
            }
        });
        serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
    };
    let r = app
        .post_signed(
            "/slack/interactivity",
            &submit("140", "at-risk"),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["response_action"], "errors");
    assert!(
        r.body["errors"]["progress"]
            .as_str()
            .unwrap()
            .contains("0 to 100")
    );
    assert_eq!(
        app.count("priority_updates").await,
        0,
        "nothing recorded on an invalid form"
    );
    let r = app
        .post_signed(
            "/slack/interactivity",
            &submit("abc", "at-risk"),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.body["response_action"], "errors");

    let r = app
        .post_signed(
            "/slack/interactivity",
            &submit("45", "at-risk"),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.is_empty() || r.body.get("response_action").is_none(),
        "{}",
        r.text
    );
    let (status, progress, note, blocker): (String, i64, Option<String>, Option<String>) =
        sqlx::query_as("SELECT status, progress, note, blocker FROM priority_updates")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!((status.as_str(), progress), ("at-risk", 45));
    assert_eq!(note.as_deref(), Some("vendor slipped a week"));
    assert_eq!(blocker.as_deref(), Some("legal review"));
    let updates = app.slack.wait_for("chat.update", 1).await;
    assert!(
        updates[0]
            .body
            .to_string()
            .contains("Recorded: 🟡 At risk · 45%"),
        "{}",
        updates[0].body
    );
}

#[tokio::test]
async fn forged_foreign_and_other_peoples_clicks_record_nothing() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    let (ts, body) = app.slack.messages_in(&dm("U0ANA"))[0].clone();
    let (_, value) = buttons(&body)
        .into_iter()
        .find(|(a, _)| a == "checkin:done")
        .unwrap();
    // ben clicks ana's prompt (a forwarded or forged payload).
    let r = app
        .click("U0BEN", &dm("U0ANA"), &ts, "checkin:done", &value)
        .await;
    assert_eq!(r.status, 200);
    // Values that are not pacer's, or point at nothing in this workspace.
    for v in ["garbage", "1:99999", "99999:1", "-1:1", "1:1:1"] {
        assert_eq!(
            app.click("U0ANA", &dm("U0ANA"), &ts, "checkin:done", v)
                .await
                .status,
            200
        );
    }
    // A status that does not exist.
    assert_eq!(
        app.click("U0ANA", &dm("U0ANA"), &ts, "checkin:maybe", &value)
            .await
            .status,
        200
    );
    assert_eq!(app.count("priority_updates").await, 0);
    let told: Vec<String> = app
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.method.starts_with("response_url:"))
        .map(|c| c.body["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        told.iter().any(|t| t.contains("This check-in is for @ana")),
        "{told:?}"
    );
    assert!(
        told.iter()
            .any(|t| t.contains("does not belong to this workspace")),
        "{told:?}"
    );
    assert!(
        told.iter()
            .all(|t| t.contains("Nothing was recorded") || t.contains("not one of pacer's")),
        "{told:?}"
    );
    // Another workspace cannot answer this workspace's cycle.
    let payload = serde_json::json!({
        "type": "block_actions", "user": {"id": "U0ANA"}, "team": {"id": "T0EVIL"},
        "trigger_id": "1.2.3", "container": {"type": "message", "message_ts": ts, "channel_id": "DU0ANA"},
        "actions": [{"action_id": "checkin:done", "value": value, "type": "button", "block_id": "b", "action_ts": "1"}]
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    assert_eq!(
        app.post_signed(
            "/slack/interactivity",
            &body,
            "application/x-www-form-urlencoded"
        )
        .await
        .status,
        200
    );
    assert_eq!(app.count("priority_updates").await, 0);
}

#[tokio::test]
async fn an_answer_after_the_cycle_closed_is_kept_and_marked_late() {
    let app = spawn_app().await;
    platform(&app).await;
    app.slash("U0ANA", "rhythm Platform digest \"fri 16:00\"")
        .await;
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    let (ts, body) = app.slack.messages_in(&dm("U0BEN"))[0].clone();
    // Friday 16:00 Berlin closes the cycle.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0).unwrap());
    assert_eq!(app.tick().await.closed, 1);
    let (_, value) = buttons(&body)
        .into_iter()
        .find(|(a, _)| a == "checkin:off-track")
        .unwrap();
    assert_eq!(
        app.click("U0BEN", &dm("U0BEN"), &ts, "checkin:off-track", &value)
            .await
            .status,
        200
    );
    let (late, cycle): (i64, Option<i64>) =
        sqlx::query_as("SELECT late, cycle_id FROM priority_updates")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!((late, cycle), (1, Some(1)));
    let updates = app.slack.wait_for("chat.update", 1).await;
    assert!(
        updates[0].body.to_string().contains("(late)"),
        "{}",
        updates[0].body
    );
}

#[tokio::test]
async fn away_owners_get_no_prompt_and_no_reminder() {
    let app = spawn_app().await;
    platform(&app).await;
    let r = app.slash("U0BEN", "away 2026-11-28 2026-12-02").await;
    assert!(
        r.all_text()
            .contains("You're away from Sat 28 Nov 2026 to Wed 2 Dec 2026"),
        "{}",
        r.all_text()
    );
    app.clock.set(monday_nine_berlin());
    assert_eq!(app.tick().await.sent, 1, "only ana");
    app.clock.set(monday_nine_berlin() + Duration::hours(5));
    app.tick().await;
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 0);
    // Back the next week.
    let r = app.slash("U0BEN", "away off").await;
    assert!(r.all_text().contains("Welcome back"), "{}", r.all_text());
    app.clock.set(monday_nine_berlin() + Duration::days(7));
    app.tick().await;
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 1);
    let r = app.slash("U0BEN", "away 2026-12-10 2026-12-01").await;
    assert!(
        r.all_text().contains("ends (2026-12-01) before it starts"),
        "{}",
        r.all_text()
    );
}

#[tokio::test]
async fn the_checkin_command_brings_up_my_current_prompt() {
    let app = spawn_app().await;
    platform(&app).await;
    // Before the cycle opens: someone without priorities has nothing to answer; an owner is
    // shown the coming check-in, to answer ahead.
    let r = app.slash("U0CAT", "checkin").await;
    assert!(
        r.all_text().contains("No check-in is open for you"),
        "{}",
        r.all_text()
    );
    let r = app.slash("U0BEN", "checkin").await;
    assert!(
        r.all_text()
            .contains("Your next check-in for Platform opens Mon 30 Nov 03:00"),
        "{}",
        r.all_text()
    );
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    let r = app.slash("U0BEN", "checkin").await;
    assert_eq!(r.body["response_type"], "ephemeral");
    assert!(r.all_text().contains("Fraud rules"), "{}", r.all_text());
    let all = buttons(&r.body);
    let focus = all
        .iter()
        .filter(|(a, _)| a.starts_with("checkin:focus"))
        .count();
    assert_eq!(
        (all.len() - focus, focus),
        (5, 5),
        "and the focus question's"
    );
}

#[tokio::test]
async fn after_downtime_the_scheduler_catches_up_once() {
    let app = spawn_app().await;
    platform(&app).await;
    // Down for three Mondays; back on a Tuesday.
    app.clock.set(monday_nine_berlin() + Duration::days(15));
    let r = app.tick().await;
    assert_eq!(
        (r.opened, r.sent),
        (1, 2),
        "one prompt each, not one per missed Monday"
    );
    assert_eq!(app.count("cycles").await, 1);
    assert_eq!(
        app.tick().await,
        pacer::rhythm::TickReport::default(),
        "a second tick does nothing"
    );
}

#[tokio::test]
async fn a_cycle_already_past_its_digest_time_is_closed_not_prompted() {
    let app = spawn_app().await;
    platform(&app).await;
    app.slash("U0ANA", "rhythm Platform digest \"mon 12:00\"")
        .await;
    // Down from before Monday 09:00 until after Monday 12:00.
    app.clock.set(monday_nine_berlin() + Duration::hours(4));
    let r = app.tick().await;
    assert_eq!((r.opened, r.closed, r.sent), (0, 1, 0));
    assert!(app.slack.calls_to("chat.postMessage").is_empty());
}

#[tokio::test]
async fn a_crash_between_claiming_and_finishing_neither_loses_nor_duplicates() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    let planned = app
        .state
        .scheduler
        .plan(monday_nine_berlin())
        .await
        .unwrap();
    assert_eq!(planned.opened, 1);
    // A replica claims both prompt jobs and dies before sending anything.
    let claimed = app
        .store
        .claim_jobs(
            &pacer::store::JobKind::OUTBOUND,
            &pacer::store::Scope::All,
            monday_nine_berlin().timestamp(),
            120,
            10,
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    app.clock.set(monday_nine_berlin() + Duration::seconds(60));
    assert_eq!(app.tick().await.sent, 0, "still leased to the dead replica");
    app.clock.set(monday_nine_berlin() + Duration::seconds(121));
    let r = app.tick().await;
    assert_eq!(r.sent, 2, "taken over once the lease expired");
    // A later restart finds nothing left to do.
    app.clock.set(monday_nine_berlin() + Duration::hours(1));
    app.tick().await;
    assert_eq!(app.slack.messages_in(&dm("U0ANA")).len(), 1);
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 1);
    assert_eq!(app.slack.all_messages().len(), 2);
}

#[tokio::test]
async fn an_unknown_outcome_is_looked_up_before_sending_again() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    // Slack keeps ana's prompt but answers 500: pacer cannot know it went out.
    app.slack
        .fail_next("chat.postMessage", Fault::AcceptedThen500);
    let r = app.tick().await;
    assert_eq!((r.sent, r.retried), (1, 1));
    app.clock.set(monday_nine_berlin() + Duration::minutes(5));
    let r = app.tick().await;
    assert_eq!(r.sent, 1);
    assert!(
        !app.slack.calls_to("conversations.history").is_empty(),
        "looked before sending"
    );
    assert_eq!(
        app.slack.messages_in(&dm("U0ANA")).len(),
        1,
        "not sent twice"
    );
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 1);
    // The prompt found in history is the one updated in place after a click.
    let prompt: (String, String) =
        sqlx::query_as("SELECT channel, ts FROM prompts WHERE person_id = 1")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(prompt.1, app.slack.messages_in(&dm("U0ANA"))[0].0);
}

#[tokio::test]
async fn rate_limits_and_server_errors_still_deliver_every_message_exactly_once() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    app.slack
        .fail_next("chat.postMessage", Fault::RateLimited(30));
    app.slack.fail_next("chat.postMessage", Fault::ServerError);
    app.slack
        .fail_next("conversations.open", Fault::RateLimited(5));
    let mut sent = app.tick().await.sent;
    for minute in 1..=30 {
        app.clock
            .set(monday_nine_berlin() + Duration::minutes(minute));
        sent += app.tick().await.sent;
    }
    assert_eq!(sent, 2);
    assert_eq!(app.slack.messages_in(&dm("U0ANA")).len(), 1);
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 1);
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state <> 'done'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(failed, 0);
}

/// Whatever Retry-After Slack sends (a number past any clock, an HTTP date, nonsense), the
/// scheduler neither panics nor parks the job for longer than an hour, and delivers once.
#[tokio::test]
async fn hostile_retry_after_values_cannot_stop_the_scheduler() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    for raw in [
        "18446744073709551615",
        "-9223372036854775808",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "soon",
    ] {
        app.slack
            .fail_next("chat.postMessage", Fault::RateLimitedRaw(raw));
    }
    let mut sent = app.tick().await.sent;
    let mut minutes = 0;
    while sent < 2 && minutes <= 61 {
        minutes += 1;
        app.clock
            .set(monday_nine_berlin() + Duration::minutes(minutes));
        sent += app.tick().await.sent;
    }
    assert_eq!(
        sent, 2,
        "both prompts within the hour (took {minutes} minutes)"
    );
    assert_eq!(app.slack.messages_in(&dm("U0ANA")).len(), 1);
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 1);
}

#[tokio::test]
async fn member_zones_prompt_each_owner_at_their_own_nine_oclock() {
    let app = spawn_app().await;
    app.slash("U0BEN", "team add Growth").await;
    app.slash("U0BEN", "add Launch in the US team:Growth").await; // ben: New York
    app.slash("U0CHEN", "add Launch in Japan team:Growth").await; // chen: Tokyo
    app.slash("U0ANA", "add Launch in Germany team:Growth")
        .await; // ana: Berlin
    app.slash(
        "U0BEN",
        "rhythm Growth checkin \"tue 09:00\" tz:member remind:off",
    )
    .await;
    // Walk to Tuesday 2026-11-24 in 15-minute steps and note when each DM arrives.
    let mut start = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let mut arrived = std::collections::HashMap::new();
    while start < Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap() {
        app.clock.set(start);
        app.tick().await;
        for user in ["U0ANA", "U0BEN", "U0CHEN"] {
            if !app.slack.messages_in(&dm(user)).is_empty() {
                arrived.entry(user).or_insert(start);
            }
        }
        start += Duration::minutes(15);
    }
    // 09:00 local: Tokyo 00:00Z, Berlin 08:00Z, New York 14:00Z.
    assert_eq!(
        arrived["U0CHEN"],
        Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
    );
    assert_eq!(
        arrived["U0ANA"],
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
    );
    assert_eq!(
        arrived["U0BEN"],
        Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap()
    );
    assert_eq!(app.slack.all_messages().len(), 3);
}

#[tokio::test]
async fn a_stopping_replica_hands_back_what_it_claimed_and_sends_nothing_more() {
    let app = spawn_app().await;
    platform(&app).await;
    app.clock.set(monday_nine_berlin());
    assert_eq!(
        app.state
            .scheduler
            .plan(monday_nine_berlin())
            .await
            .unwrap()
            .opened,
        1
    );
    // Claimed, then handed back on SIGTERM: another replica can send them at once.
    let claimed = app
        .store
        .claim_jobs(
            &pacer::store::JobKind::OUTBOUND,
            &pacer::store::Scope::All,
            monday_nine_berlin().timestamp(),
            120,
            10,
        )
        .await
        .unwrap();
    app.store.release_jobs(&claimed).await.unwrap();
    let attempts: Vec<i64> = sqlx::query_scalar("SELECT attempts FROM jobs ORDER BY id")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert_eq!(attempts, [0, 0]);
    let r = app.tick().await;
    assert_eq!(r.sent, 2, "no lease to wait for");
    assert!(
        app.slack.calls_to("conversations.history").is_empty(),
        "a handed-back job had no unknown outcome"
    );
    // A stopped scheduler claims nothing.
    app.state.scheduler.stop();
    app.clock.set(monday_nine_berlin() + Duration::days(7));
    assert_eq!(app.tick().await, pacer::rhythm::TickReport::default());
    assert_eq!(app.slack.all_messages().len(), 2);
}

/// Slack allows about 50 conversations.open a minute: a fan-out must not spend them. The first
/// prompt goes to the user id (Slack delivers it into the app's DM and names the channel); from
/// then on the DM channel is known. Unknown-outcome look-ups use it too.
#[tokio::test]
async fn prompts_never_spend_conversations_open_and_learn_each_dm_channel() {
    let app = spawn_app().await;
    platform(&app).await;
    let channels = |app: &TestApp| -> Vec<String> {
        app.slack
            .calls_to("chat.postMessage")
            .iter()
            .map(|c| c.body["channel"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    app.clock.set(monday_nine_berlin());
    assert_eq!(app.tick().await.sent, 2);
    let first = channels(&app);
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|c| c.starts_with('U')), "{first:?}");
    assert_eq!(app.slack.messages_in(&dm("U0ANA")).len(), 1);
    // Later weeks (reminders included) go straight to the DM channels pacer learnt, and an
    // outcome that is unknown (accepted, then a 500) is looked up there, not re-opened.
    app.slack.clear_calls();
    app.slack
        .fail_next("chat.postMessage", Fault::AcceptedThen500);
    for day in [7, 14] {
        for minutes in [0, 5, 300] {
            app.clock
                .set(monday_nine_berlin() + Duration::days(day) + Duration::minutes(minutes));
            app.tick().await;
        }
    }
    let later: Vec<String> = channels(&app)
        .into_iter()
        .filter(|c| c != "C0PLATFORM")
        .collect();
    assert!(later.len() >= 4, "{later:?}");
    assert!(
        later.iter().all(|c| c == &dm("U0ANA") || c == &dm("U0BEN")),
        "{later:?}"
    );
    assert!(
        app.slack.calls_to("conversations.open").is_empty(),
        "conversations.open was called"
    );
    // Exactly once: every delivered message has a job key of its own.
    for user in ["U0ANA", "U0BEN"] {
        let keys: Vec<String> = app
            .slack
            .messages_in(&dm(user))
            .iter()
            .map(|(_, b)| b["metadata"]["event_payload"]["key"].to_string())
            .collect();
        let unique: std::collections::HashSet<&String> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "a duplicate for {user}: {keys:?}");
        assert!(keys.len() >= 3, "{user}: {keys:?}");
    }
}
