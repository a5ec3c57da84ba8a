//! A quarter (13 weekly cycles) of a three-team organisation, simulated with the injected
//! clock against the fake Slack: the exact number of prompts, reminders, opens and closes,
//! with answers by button and by text, and an away period.

use std::collections::HashSet;

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use crate::checkins::buttons;
use crate::common::spawn_app;

#[tokio::test]
async fn a_quarter_of_three_teams_runs_exactly_as_planned() {
    let app = spawn_app().await;
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap();
    app.clock.set(start);
    // Platform (Berlin, Mondays 09:00, reminder 4h, digest Fridays 16:00).
    app.slash("U0ANA", "team add Platform").await;
    app.slash("U0ANA", "add Payments API team:Platform").await; // #1 ana
    app.slash("U0ANA", "add Billing export team:Platform").await; // #2 ana
    app.slash("U0BEN", "add Fraud rules team:Platform").await; // #3 ben
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
    )
    .await;
    app.slash("U0ANA", "rhythm Platform digest \"fri 16:00\"")
        .await;
    // Growth (each owner's own zone, Tuesdays 10:00, reminder 2h, no digest).
    app.slash("U0BEN", "team add Growth").await;
    app.slash("U0BEN", "add US launch team:Growth").await; // #4 ben
    app.slash("U0CHEN", "add Japan launch team:Growth").await; // #5 chen
    app.slash(
        "U0BEN",
        "rhythm Growth checkin \"tue 10:00\" tz:member remind:2h",
    )
    .await;
    // Ops (UTC, crontab Wednesdays 09:00, no reminder, digest Thursdays 17:00).
    app.slash("U0CHEN", "team add Ops").await;
    app.slash("U0CHEN", "add On-call rota team:Ops").await; // #6 chen
    app.slash("U0ANA", "add Runbooks team:Ops").await; // #7 ana
    let r = app
        .slash(
            "U0CHEN",
            "rhythm Ops checkin \"0 9 * * 3\" tz:UTC remind:off",
        )
        .await;
    assert!(
        r.all_text().contains("with no reminder"),
        "{}",
        r.all_text()
    );
    app.slash("U0CHEN", "rhythm Ops digest \"0 17 * * 4\"")
        .await;
    // ben is away over the holidays (two Platform and two Growth cycles).
    app.slash("U0BEN", "away 2026-12-21 2027-01-03").await;

    let end = start + Duration::days(91);
    let mut now = start;
    let mut handled: HashSet<String> = HashSet::new();
    let mut chen_answers = 0;
    let (mut opened, mut closed, mut reminders) = (0, 0, 0);
    while now < end {
        app.clock.set(now);
        let r = app.tick().await;
        opened += r.opened;
        closed += r.closed;
        reminders += r.reminders_queued;
        assert_eq!(r.failed, 0);
        // ana answers every prompt at once, with a click per priority.
        for (ts, body) in app.slack.messages_in("DU0ANA") {
            if handled.insert(ts.clone()) {
                for (action, value) in buttons(&body)
                    .into_iter()
                    .filter(|(a, _)| a == "checkin:on-track")
                {
                    assert_eq!(
                        app.click("U0ANA", "DU0ANA", &ts, &action, &value)
                            .await
                            .status,
                        200
                    );
                }
            }
        }
        // chen answers Growth (#5) in words, never Ops (#6); ben never answers.
        for (ts, body) in app.slack.messages_in("DU0CHEN") {
            let is_prompt = body["metadata"]["event_payload"]["key"]
                .as_str()
                .is_some_and(|k| k.starts_with("prompt:"));
            if is_prompt && body.to_string().contains("Japan launch") && handled.insert(ts.clone())
            {
                chen_answers += 1;
                let event = json!({
                    "type": "event_callback", "team_id": "T0001", "api_app_id": "A0PACER",
                    "event_id": format!("Ev0CHEN{chen_answers}"), "event_time": now.timestamp(),
                    "event": {"type": "message", "channel": "DU0CHEN", "channel_type": "im", "user": "U0CHEN",
                              "text": format!("#5 on-track {}%", chen_answers * 5), "ts": ts, "event_ts": ts}
                });
                let before = app.count("priority_updates").await;
                assert_eq!(
                    app.post_signed("/slack/events", &event.to_string(), "application/json")
                        .await
                        .status,
                    200
                );
                for _ in 0..200 {
                    if app.count("priority_updates").await > before {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
        }
        now += Duration::hours(1);
    }

    let sent = app.slack.all_messages();
    let keyed = |prefix: &str, user: &str| {
        sent.iter()
            .filter(|(ch, _, b)| {
                ch == &format!("D{user}")
                    && b["metadata"]["event_payload"]["key"]
                        .as_str()
                        .is_some_and(|k| k.starts_with(prefix))
            })
            .count()
    };
    // Platform 13 + Ops 13 for ana; Platform 11 + Growth 11 for ben (2 + 2 away); Growth 13 + Ops 13 for chen.
    assert_eq!(keyed("prompt:", "U0ANA"), 26);
    assert_eq!(keyed("prompt:", "U0BEN"), 22);
    assert_eq!(keyed("prompt:", "U0CHEN"), 26);
    // Only ben, who never answers, is reminded: Platform 11 + Growth 11. Ops has no reminder.
    assert_eq!(keyed("remind:", "U0ANA"), 0);
    assert_eq!(keyed("remind:", "U0BEN"), 22);
    assert_eq!(keyed("remind:", "U0CHEN"), 0);
    assert_eq!(reminders, 22);
    // 13 cycles per team; Growth's last one closes only when the next opens, after the quarter.
    assert_eq!(opened, 39);
    assert_eq!(closed, 38);
    assert_eq!(chen_answers, 13);
    let answers: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM priority_updates WHERE cycle_id IS NOT NULL")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    // ana: 2 Platform + 1 Ops per week; chen: 1 Growth per week.
    assert_eq!(answers, 13 * 3 + 13);
    let undelivered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state <> 'done'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(undelivered, 0);
}
