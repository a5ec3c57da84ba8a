//! Away without asking, and acting owners: a Slack status of vacation or sick leave skips that
//! person's prompt and reminder (read once per hour, its expiry believed) and the digest lists
//! them as away, not silent; `away <from> <to> acting:@someone` sends the away owner's prompts to
//! the acting person, records their answers on the owner's behalf, and counts their silence
//! against them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;

use crate::checkins::buttons;
use crate::common::{TestApp, dm, spawn_app};

/// Mon 2026-11-30 09:00 in Berlin.
fn monday_nine_berlin() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()
}

/// Platform (lead ana, #C0PLATFORM): #1 ana's, #2 ben's, #3 chen's; Monday 09:00 Berlin
/// check-ins reminded after 4 hours, the digest Monday 17:00.
async fn platform(app: &TestApp) {
    app.ok("U0ANA", "team add Platform <#C0PLATFORM|platform>")
        .await;
    app.ok("U0ANA", "add Payments API team:Platform").await;
    app.ok("U0BEN", "add Billing export team:Platform").await;
    app.ok("U0CHEN", "add Fraud rules team:Platform").await;
    app.ok(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
    )
    .await;
    app.ok("U0ANA", "rhythm Platform digest \"mon 17:00\"")
        .await;
}

/// users.info calls that asked about `user` since the calls were last cleared.
fn lookups(app: &TestApp, user: &str) -> usize {
    app.slack
        .calls_to("users.info")
        .iter()
        .filter(|c| c.body["user"] == user)
        .count()
}

/// The digest's channel post (not its thread reply) as one string.
fn digest_post(app: &TestApp) -> String {
    let posts = app.slack.messages_in("C0PLATFORM");
    let post = posts
        .iter()
        .find(|(_, b)| b.get("thread_ts").is_none())
        .expect("a digest post");
    post.1.to_string()
}

fn digest_thread(app: &TestApp) -> String {
    let posts = app.slack.messages_in("C0PLATFORM");
    let reply = posts
        .iter()
        .find(|(_, b)| b.get("thread_ts").is_some())
        .expect("a thread reply");
    reply.1.to_string()
}

#[tokio::test]
async fn a_vacation_status_skips_the_prompt_and_reminder_and_the_digest_lists_them_away() {
    let app = spawn_app().await; // Mon 2026-11-23
    platform(&app).await;
    let monday = monday_nine_berlin();
    // ben is on vacation with no end set; chen's sick status expired on Sunday.
    app.slack
        .set_status("U0BEN", "Vacationing", ":palm_tree:", 0);
    let sunday = (monday - Duration::days(1)).timestamp();
    app.slack
        .set_status("U0CHEN", "Out sick", ":face_with_thermometer:", sunday);
    app.slack.clear_calls();
    app.clock.set(monday);
    let r = app.tick().await;
    assert_eq!((r.opened, r.sent), (1, 2), "ana and chen, not ben");
    assert!(app.slack.messages_in(&dm("U0BEN")).is_empty());
    assert_eq!(app.slack.messages_in(&dm("U0ANA")).len(), 1);
    assert_eq!(app.slack.messages_in(&dm("U0CHEN")).len(), 1);
    // The fan-out read everyone's status once, from the roster (five members, two a page),
    // not person by person.
    assert_eq!(app.slack.calls_to("users.list").len(), 3);
    for u in ["U0ANA", "U0BEN", "U0CHEN"] {
        assert_eq!(lookups(&app, u), 0, "{u}");
    }
    let (away, reason, decided): (i64, Option<String>, i64) = sqlx::query_as(
        "SELECT o.away, o.away_reason, o.remind_decided FROM cycle_owners o
         JOIN people p ON p.id = o.person_id WHERE p.user_id = 'U0BEN'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(
        (away, reason.as_deref(), decided),
        (1, Some("status::palm_tree: Vacationing"), 1)
    );
    // ana answers; at reminder time chen is reminded, ben is not.
    let (ts, body) = app.slack.messages_in(&dm("U0ANA"))[0].clone();
    let (action, value) = buttons(&body)
        .into_iter()
        .find(|(a, _)| a == "checkin:on-track")
        .unwrap();
    assert_eq!(
        app.click("U0ANA", &dm("U0ANA"), &ts, &action, &value)
            .await
            .status,
        200
    );
    app.clock.set(monday + Duration::hours(4));
    let r = app.tick().await;
    assert_eq!((r.reminders_queued, r.sent), (1, 1));
    assert_eq!(app.slack.messages_in(&dm("U0CHEN")).len(), 2);
    assert!(app.slack.messages_in(&dm("U0BEN")).is_empty());
    // Her kept status is stale, so it is read again, from the roster the fan-out read (the
    // messenger shares one read for two minutes of its own time): no new call.
    assert_eq!(app.slack.calls_to("users.list").len(), 3);
    assert_eq!(lookups(&app, "U0CHEN"), 0);
    // The digest: ben away with his status, chen silent, 1 of 2 checked in.
    app.clock.set(monday + Duration::hours(8));
    assert_eq!(app.tick().await.closed, 1);
    let post = digest_post(&app);
    assert!(post.contains("1 of 2 owners checked in (1 away)"), "{post}");
    assert!(
        post.contains("*Away*\\n• ben (status: :palm_tree: Vacationing)"),
        "{post}"
    );
    assert!(post.contains("*No answer from*\\n• chen"), "{post}");
    // ben's missed cycle is no silence: #2 is not flagged.
    assert!(!post.contains("Billing export"), "{post}");
}

#[tokio::test]
async fn a_status_with_an_end_counts_until_then_and_not_after() {
    let app = spawn_app().await;
    platform(&app).await;
    let monday = monday_nine_berlin();
    // ben's out-of-office status ends Monday at noon UTC, and Slack still shows it a week on
    // (as the status read is kept): past its end it says nothing.
    let noon = (monday + Duration::hours(4)).timestamp();
    app.slack.set_status("U0BEN", "OOO until noon", "", noon);
    app.clock.set(monday);
    app.tick().await;
    assert!(app.slack.messages_in(&dm("U0BEN")).is_empty());
    let (label, until): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT absence_label, absence_until FROM people WHERE user_id = 'U0BEN'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(
        (label.as_deref(), until),
        (Some("OOO until noon"), Some(noon))
    );
    app.clock.set(monday + Duration::days(7));
    let r = app.tick().await;
    assert_eq!(r.opened, 1);
    let ben = app.slack.messages_in(&dm("U0BEN"));
    assert_eq!(ben.len(), 1);
    assert!(ben[0].1.to_string().contains("Check-in for Platform"));
}

#[tokio::test]
async fn a_platform_that_cannot_say_leaves_the_person_prompted() {
    let app = spawn_app().await;
    platform(&app).await;
    // ben is on vacation, but Slack cannot list the workspace (a 500 for each delivery's try):
    // a prompt too many beats a silent one, so everyone is asked.
    app.slack
        .set_status("U0BEN", "Vacationing", ":palm_tree:", 0);
    for _ in 0..3 {
        app.slack
            .fail_next("users.list", crate::common::fake_slack::Fault::ServerError);
    }
    app.clock.set(monday_nine_berlin());
    let r = app.tick().await;
    assert_eq!((r.opened, r.sent), (1, 3), "everyone is asked");
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 1);
}

/// ana away for the week of 30 Nov, ben acting for her.
async fn ana_away_ben_acting(app: &TestApp) -> String {
    app.ok("U0ANA", "away 2026-11-28 2026-12-06 acting:<@U0BEN|ben>")
        .await
}

#[tokio::test]
async fn an_acting_owner_is_asked_for_the_away_owner_and_answers_on_their_behalf() {
    let app = spawn_app().await;
    platform(&app).await;
    let reply = ana_away_ben_acting(&app).await;
    assert!(
        reply.contains("You're away from Sat 28 Nov 2026 to Sun 6 Dec 2026 (both days included). ben gets your check-in prompts meanwhile and answers on your behalf (they are told now); a cycle they leave unanswered counts against them, not you."),
        "{reply}"
    );
    // ben is told at once, before any prompt.
    assert_eq!(app.tick().await.sent, 1);
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 1);
    let monday = monday_nine_berlin();
    app.clock.set(monday);
    let r = app.tick().await;
    assert_eq!(
        (r.opened, r.sent),
        (1, 2),
        "ben (for himself and ana) and chen"
    );
    assert!(app.slack.messages_in(&dm("U0ANA")).is_empty());
    let (ts, body) = app.slack.messages_in(&dm("U0BEN"))[1].clone();
    let text = body.to_string();
    assert!(
        text.contains("*Payments API* · for ana, who is away"),
        "{text}"
    );
    assert!(text.contains("*Billing export*"), "{text}");
    let values: Vec<(String, String)> = buttons(&body)
        .into_iter()
        .filter(|(a, _)| a == "checkin:at-risk")
        .collect();
    assert_eq!(values.len(), 2);
    // Someone else clicking ben's prompt, even ana (the owner, a lead), records nothing.
    for intruder in ["U0CHEN", "U0ANA"] {
        let r = app
            .click(intruder, &dm("U0BEN"), &ts, "checkin:at-risk", &values[0].1)
            .await;
        assert_eq!(r.status, 200);
    }
    let told: Vec<String> = app
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.method.starts_with("response_url:"))
        .map(|c| c.body["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        told.iter()
            .filter(|t| t.contains("This check-in is for @ben"))
            .count(),
        2,
        "{told:?}"
    );
    assert_eq!(app.count("priority_updates").await, 0);
    // ben answers #1 (ana's) with a click: recorded as his, on ana's behalf.
    let r = app
        .click("U0BEN", &dm("U0BEN"), &ts, "checkin:at-risk", &values[0].1)
        .await;
    assert_eq!(r.status, 200);
    let (author, behalf, number): (String, Option<String>, i64) = sqlx::query_as(
        "SELECT a.user_id, o.user_id, p.number FROM priority_updates u
         JOIN people a ON a.id = u.author_id
         LEFT JOIN people o ON o.id = u.on_behalf_of
         JOIN priorities p ON p.id = u.priority_id",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(
        (author.as_str(), behalf.as_deref(), number),
        ("U0BEN", Some("U0ANA"), 1)
    );
    // And in words, as an owner would: ben may answer #1 while the cycle asks him about it.
    let text = app.ok("U0BEN", "status #1 at-risk 40% vendor late").await;
    assert!(text.contains("is now"), "{text}");
    // chen, asked nothing about #1, may not.
    let text = app.refused("U0CHEN", "status #1 done").await;
    assert!(
        text.contains("Only its owner, a lead of its team or an admin"),
        "{text}"
    );
    // ben leaves #2 (his own) unanswered: the digest lists ana as away with ben acting, and
    // nobody as silent (ben answered); the full list marks #1 as answered by the acting owner.
    app.clock.set(monday + Duration::hours(8));
    assert_eq!(app.tick().await.closed, 1);
    let post = digest_post(&app);
    assert!(post.contains("*Away*\\n• ana (acting: ben)"), "{post}");
    assert!(post.contains("1 of 2 owners checked in (1 away)"), "{post}");
    let thread = digest_thread(&app);
    assert!(
        thread.contains("*Payments API* · <@U0ANA> · 🟡 At risk · 40% (acting: ben)"),
        "{thread}"
    );
    // Once the cycle is closed and ana is back, ben's right to answer #1 is gone.
    let text = app.refused("U0BEN", "status #1 done").await;
    assert!(text.contains("Only its owner"), "{text}");
}

#[tokio::test]
async fn silence_while_acting_counts_against_the_acting_owner_not_the_away_one() {
    let app = spawn_app().await;
    platform(&app).await;
    // ana away for three weeks, ben acting; ben never answers.
    app.ok("U0ANA", "away 2026-11-28 2026-12-20 acting:@ben")
        .await;
    let monday = monday_nine_berlin();
    for week in 0..2 {
        let start = monday + Duration::days(7 * week);
        app.clock.set(start);
        app.tick().await;
        app.clock.set(start + Duration::hours(8));
        assert_eq!(app.tick().await.closed, 1, "week {week}");
    }
    // The second digest: ben silent, ana away (acting: ben), and #1 flagged silent: the
    // acting owner's silence is the priority's.
    let posts = app.slack.messages_in("C0PLATFORM");
    let last = posts
        .iter()
        .rev()
        .find(|(_, b)| b.get("thread_ts").is_none())
        .unwrap()
        .1
        .to_string();
    assert!(last.contains("*No answer from*\\n• ben, chen"), "{last}");
    assert!(last.contains("*Away*\\n• ana (acting: ben)"), "{last}");
    assert!(
        last.contains("*Payments API* · <@U0ANA> · 🟢 On track\\n   _silent: no check-in from its owner in the last 2 cycles_"),
        "{last}"
    );
    // ana herself is not among those who did not answer (the line above is exactly ben, chen).
    assert!(!last.contains("• ana,"), "{last}");
}

#[tokio::test]
async fn acting_must_name_someone_else_this_workspace_knows() {
    let app = spawn_app().await;
    platform(&app).await;
    let text = app
        .refused("U0ANA", "away 2026-12-01 2026-12-04 acting:<@U0ANA|ana>")
        .await;
    assert!(text.contains("You can't act for yourself"), "{text}");
    // A user id Slack does not know here (another workspace's, or made up).
    let text = app
        .refused(
            "U0ANA",
            "away 2026-12-01 2026-12-04 acting:<@UOTHERWS1|eve>",
        )
        .await;
    assert!(text.contains("eve"), "{text}");
    let text = app
        .refused("U0ANA", "away 2026-12-01 2026-12-04 acting:@nobody")
        .await;
    assert!(text.contains("nobody"), "{text}");
    let text = app
        .refused("U0ANA", "away 2026-12-01 2026-12-04 acting:ben")
        .await;
    assert!(text.contains("acting:ben"), "{text}");
    let text = app.refused("U0ANA", "away 2026-12-01 2036-12-04").await;
    assert!(text.contains("at most 366 days"), "{text}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM away_periods")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing recorded");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE user_id = 'UOTHERWS1'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "no person made up from a forged id");
    // `away off` ends it, acting included: ana is asked again.
    ana_away_ben_acting(&app).await;
    app.ok("U0ANA", "away off").await;
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    let ana: Vec<(String, Value)> = app.slack.messages_in(&dm("U0ANA"));
    assert_eq!(ana.len(), 1);
    assert!(
        !app.slack.messages_in(&dm("U0BEN"))[0]
            .1
            .to_string()
            .contains("for ana")
    );
}

#[tokio::test]
async fn the_demo_has_an_acting_owner_this_week() {
    let app = crate::sandbox::demo_app().await; // Mon 2026-11-23 08:00 UTC
    let (away, acting, from, to): (String, String, String, String) = sqlx::query_as(
        "SELECT p.display_name, a.display_name, w.starts_on, w.ends_on FROM away_periods w
         JOIN people p ON p.id = w.person_id JOIN people a ON a.id = w.acting_person_id",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(
        (away.as_str(), acting.as_str(), from.as_str(), to.as_str()),
        ("Lea", "Jonas", "2026-11-23", "2026-12-06")
    );
    // This week's Platform cycle asks Jonas about Lea's SSO priority, on her behalf.
    let asked: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.display_name, pr.title FROM cycle_priorities cp
         JOIN people a ON a.id = cp.person_id JOIN priorities pr ON pr.id = cp.priority_id
         JOIN people o ON o.id = cp.on_behalf_of WHERE o.display_name = 'Lea'",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(
        asked,
        [(
            "Jonas".to_string(),
            "SSO for enterprise customers".to_string()
        )]
    );
    // Jonas was told in his direct messages when Lea named him.
    let inbox = app.sandbox_messages("S-jonas", "D-S-jonas").await;
    assert_eq!(
        inbox.matches("named you acting owner").count(),
        1,
        "{inbox}"
    );
    assert!(inbox.contains("SSO for enterprise customers"), "{inbox}");
}

#[tokio::test]
async fn teams_presence_out_of_office_skips_the_prompt_and_shows_in_the_digest() {
    use crate::msteams::{ANA, BEN};
    let app = spawn_app().await;
    crate::msteams::platform_with_rhythm(&app).await;
    // Ana's activities carried her AAD object id; Graph says she is out of office.
    app.teams.set_presence(
        "aad-1ana-aad-user",
        serde_json::json!({"availability": "Offline", "activity": "OutOfOffice",
            "outOfOfficeSettings": {"message": "Back on 4 Jan", "isOutOfOffice": true}}),
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap());
    let report = app.tick().await;
    assert_eq!(report.opened, 1);
    let sent_to = |user: &str| {
        app.teams
            .calls_of("send")
            .iter()
            .filter(|c| c.conversation.contains(&user[3..]))
            .count()
    };
    app.teams.wait_for("send", 1).await;
    assert_eq!(sent_to(ANA), 0, "no prompt while out of office");
    assert_eq!(
        sent_to(BEN),
        1,
        "ben's presence cannot be read (never wrote): asked"
    );
    // One read, with Graph's token for the tenant (not the connector's).
    assert_eq!(
        app.teams.presence_reads(),
        [(
            "aad-1ana-aad-user".to_string(),
            Some("Bearer graph-token-for-tenant".to_string())
        )]
    );
    let away: (i64, Option<String>) = sqlx::query_as(
        "SELECT o.away, o.away_reason FROM cycle_owners o JOIN people p ON p.id = o.person_id
         WHERE p.user_id = $1",
    )
    .bind(ANA)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(
        away,
        (1, Some("status:Out of office: Back on 4 Jan".to_string()))
    );
    // The reminder four hours later: ana is away, nothing is read or sent for her.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
    app.tick().await;
    assert_eq!(sent_to(ANA), 0);
    assert_eq!(app.teams.presence_reads().len(), 1);
    // Friday's digest lists her as away with her out-of-office message.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 27, 15, 0, 0).unwrap());
    assert_eq!(app.tick().await.closed, 1);
    let digest = app
        .teams
        .calls_of("send")
        .into_iter()
        .map(|c| c.body.to_string())
        .find(|b| b.contains("Platform digest"))
        .expect("the digest card");
    assert!(
        digest.contains("Ana Lopez (status: Out of office: Back on 4 Jan)"),
        "{digest}"
    );
}

#[tokio::test]
async fn a_tenant_without_the_presence_permission_is_asked_once_and_everyone_prompted() {
    use crate::msteams::ANA;
    let app = spawn_app().await;
    crate::msteams::platform_with_rhythm(&app).await;
    app.teams.refuse_presence();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap());
    app.tick().await;
    app.teams.wait_for("send", 2).await;
    let to_ana = app
        .teams
        .calls_of("send")
        .iter()
        .filter(|c| c.conversation.contains(&ANA[3..]))
        .count();
    assert_eq!(to_ana, 1, "Graph refused: ana is asked");
    // Her reminder reads nothing: the tenant's refusal is kept for an hour (of the process's
    // own time) rather than asked again for every person.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
    app.tick().await;
    assert_eq!(app.teams.presence_reads().len(), 1);
}

/// Replicas whose fan-outs read the same roster at once keep it at once: they queue for the
/// people's rows in one order, so neither fails (on PostgreSQL, rows taken in whatever order
/// each scan met them deadlocked, and the prompt that was keeping the roster failed with it).
#[tokio::test]
async fn replicas_keeping_one_roster_at_once_neither_deadlock_nor_fail() {
    const PEOPLE: usize = 300;
    let app = spawn_app().await;
    let now = Utc::now().timestamp();
    let ws = app
        .store
        .ensure_workspace("slack", "T0001", now)
        .await
        .unwrap();
    for i in 0..PEOPLE {
        let id = format!("U0P{i:03}");
        app.store
            .upsert_person(ws, &id, &id, Some((&format!("owner {i}"), None)), now)
            .await
            .unwrap();
    }
    let away: Vec<(String, String, Option<i64>)> = (0..PEOPLE)
        .step_by(7)
        .map(|i| (format!("U0P{i:03}"), "🌴 Vacationing".to_string(), None))
        .collect();
    let mut replicas = tokio::task::JoinSet::new();
    for replica in 0..8 {
        let (store, away) = (app.store.clone(), away.clone());
        replicas.spawn(async move {
            for round in 0..6 {
                store
                    .save_roster_availability(ws, &away, now + replica + round)
                    .await?;
            }
            Ok::<_, pacer::store::StoreError>(())
        });
    }
    while let Some(done) = replicas.join_next().await {
        done.unwrap().expect("keeping the roster never fails");
    }
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM people WHERE workspace_id = $1 AND absence_label IS NOT NULL",
    )
    .bind(ws)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(kept as usize, away.len());
}

/// Every text of `user`'s direct messages, one string per message.
fn dms(app: &TestApp, user: &str) -> Vec<String> {
    app.slack
        .messages_in(&dm(user))
        .into_iter()
        .map(|(_, body)| body.to_string())
        .collect()
}

#[tokio::test]
async fn the_acting_person_is_told_once_and_told_again_only_when_it_changes() {
    let app = spawn_app().await; // Mon 2026-11-23
    platform(&app).await;
    ana_away_ben_acting(&app).await;
    // Told at the next tick, once, however many ticks run.
    for _ in 0..3 {
        app.tick().await;
    }
    let told = dms(&app, "U0BEN");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("is away from Sat 28 Nov 2026 to Sun 6 Dec 2026 (both days included) and named you acting owner"),
        "{}",
        told[0]
    );
    assert!(told[0].contains("<@U0ANA>"), "{}", told[0]);
    assert!(told[0].contains("Payments API* (Platform)"), "{}", told[0]);
    assert!(
        !told[0].contains("Billing export"),
        "ben's own: {}",
        told[0]
    );
    // The same period again changes nothing and tells nothing.
    ana_away_ben_acting(&app).await;
    app.tick().await;
    assert_eq!(dms(&app, "U0BEN").len(), 1);
    // chen takes over: ben hears he no longer acts, chen that he does.
    app.ok("U0ANA", "away 2026-11-28 2026-12-06 acting:<@U0CHEN|chen>")
        .await;
    app.tick().await;
    let ben = dms(&app, "U0BEN");
    assert_eq!(ben.len(), 2, "{ben:?}");
    assert!(
        ben[1].contains("you no longer answer for them"),
        "{}",
        ben[1]
    );
    let chen = dms(&app, "U0CHEN");
    assert_eq!(chen.len(), 1, "{chen:?}");
    assert!(chen[0].contains("named you acting owner"), "{}", chen[0]);
    // ana calls it off: chen hears it, ben hears nothing more.
    app.ok("U0ANA", "away off").await;
    app.tick().await;
    let chen = dms(&app, "U0CHEN");
    assert_eq!(chen.len(), 2, "{chen:?}");
    assert!(
        chen[1].contains("you no longer answer for them"),
        "{}",
        chen[1]
    );
    assert_eq!(dms(&app, "U0BEN").len(), 2);
}

#[tokio::test]
async fn a_change_before_the_notice_went_out_tells_only_who_acts_now() {
    let app = spawn_app().await;
    platform(&app).await;
    ana_away_ben_acting(&app).await;
    // Changed before any tick: ben was never told, so he is told nothing at all.
    app.ok("U0ANA", "away 2026-11-28 2026-12-06 acting:<@U0CHEN|chen>")
        .await;
    app.tick().await;
    assert!(dms(&app, "U0BEN").is_empty());
    assert_eq!(dms(&app, "U0CHEN").len(), 1);
    // Away without anyone acting tells nobody.
    app.ok("U0BEN", "away 2026-12-01 2026-12-02").await;
    app.tick().await;
    assert_eq!(dms(&app, "U0ANA").len(), 0);
}

#[tokio::test]
async fn in_teams_the_acting_person_is_told_in_their_personal_chat() {
    use crate::msteams::{ANA, BEN, in_channel};
    let app = spawn_app().await;
    crate::msteams::platform_with_rhythm(&app).await;
    let text = "away 2026-11-28 2026-12-06 acting:@Ben Okafor";
    let r = app.teams_post(&in_channel(&app, ANA, text, &[BEN])).await;
    assert_eq!(r.status, 200);
    app.tick().await;
    app.tick().await;
    let told: Vec<String> = app
        .teams
        .calls_of("send")
        .iter()
        .filter(|c| c.conversation.contains(&BEN[3..]))
        .map(|c| c.body.to_string())
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("named you acting owner"), "{}", told[0]);
    assert!(told[0].contains("Payments API"), "{}", told[0]);
    // The owner is named by a real mention entity.
    assert!(
        told[0].contains(r#""mentioned":{"id":"29:1ana-aad-user","name":"Ana Lopez"}"#),
        "{}",
        told[0]
    );
}
