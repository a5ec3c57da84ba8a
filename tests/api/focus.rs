//! The focus question end to end: answered by signed Slack clicks and the form over a quarter
//! of weekly cycles, a team turning `unfocused` after two cycles at Little or below and back,
//! the digest's focus line and trend, the parent's roll-up ranking its teams by focus; the
//! question turned off and on; forged, foreign and late answers; the word escaped; and an
//! answer through Teams and the sandbox.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::checkins::buttons;
use crate::common::{TestApp, dm, spawn_app};

const QUESTION: &str = "How much of your week went to these priorities?";

/// Monday 09:00 Berlin of week `w` (week 0 is 30 Nov 2026).
fn monday(w: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap() + Duration::weeks(w)
}

/// Friday 16:00 Berlin of week `w`: the sub-teams' digests.
fn friday(w: i64) -> DateTime<Utc> {
    monday(w) + Duration::days(4) + Duration::hours(7)
}

/// Engineering (#1 ana) over Platform (#2 ana, #3 ben) and Growth (#4 ben, its lead); weekly
/// Monday check-ins, Friday digests (Engineering's roll-up an hour after its teams').
async fn organisation(app: &TestApp) {
    app.clock.set(monday(0) - Duration::days(3));
    for (user, cmd) in [
        ("U0ANA", "team add Engineering <#C0ENG|eng>"),
        ("U0ANA", "add Grow revenue team:Engineering"),
        (
            "U0ANA",
            "team add Platform <#C0PLATFORM|platform> parent:Engineering",
        ),
        (
            "U0ANA",
            "team add Growth <#C0GROWTH|growth> lead:<@U0BEN|ben> parent:Engineering",
        ),
        ("U0ANA", "add Payments API team:Platform parent:#1"),
        ("U0BEN", "add Billing export team:Platform parent:#1"),
        ("U0BEN", "add Checkout revamp team:Growth parent:#1"),
        (
            "U0ANA",
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
        ),
        ("U0ANA", "rhythm Platform digest \"fri 16:00\""),
        (
            "U0BEN",
            "rhythm Growth checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
        ),
        ("U0BEN", "rhythm Growth digest \"fri 16:00\""),
        (
            "U0ANA",
            "rhythm Engineering checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
        ),
        ("U0ANA", "rhythm Engineering digest \"fri 17:00\""),
    ] {
        let r = app.slash(user, cmd).await;
        assert!(!r.all_text().contains("⚠️"), "{cmd}: {}", r.all_text());
    }
}

/// The newest prompt for `team` in `user`'s direct messages: its ts and body.
fn prompt(app: &TestApp, user: &str, team: &str) -> (String, Value) {
    app.slack
        .messages_in(&dm(user))
        .into_iter()
        .rev()
        .find(|(_, b)| b.to_string().contains(&format!("Check-in for {team}")))
        .unwrap_or_else(|| panic!("no {team} prompt for {user}"))
}

/// The cycle id the prompt's focus buttons carry.
fn focus_value(body: &Value) -> String {
    buttons(body)
        .into_iter()
        .find(|(a, _)| a == "checkin:focus-most")
        .map(|(_, v)| v)
        .expect("a focus question")
}

async fn click_focus(app: &TestApp, user: &str, team: &str, level: &str) {
    let (ts, body) = prompt(app, user, team);
    let value = focus_value(&body);
    let action = format!("checkin:focus-{level}");
    let r = app.click(user, &dm(user), &ts, &action, &value).await;
    assert_eq!(r.status, 200);
}

/// A view submission of the focus form, as Slack sends it.
fn submission(user: &str, metadata: &str, level: &str, rest: &str) -> String {
    let payload = json!({
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "example"},
        "user": {"id": user, "name": user.to_lowercase(), "team_id": "T0001"},
        "api_app_id": "A0PACER",
        "view": {
            "id": "V0MODAL", "type": "modal", "callback_id": "pacer_form",
            "private_metadata": metadata, "state": {"values": {
                "level": {"value": {"type": "plain_text_input", "value": level}},
                "rest": {"value": {"type": "plain_text_input", "value": rest}},
            }}
        }
    });
    serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
}

/// *Focus…* opens the form as a modal; it is submitted with a level and a word.
async fn focus_form(app: &TestApp, user: &str, team: &str, level: &str, rest: &str) -> Value {
    let (ts, body) = prompt(app, user, team);
    let value = focus_value(&body);
    let before = app.slack.calls_to("views.open").len();
    let r = app
        .click(user, &dm(user), &ts, "checkin:focus", &value)
        .await;
    assert_eq!(r.status, 200);
    let opened = app.slack.calls_to("views.open");
    assert_eq!(opened.len(), before + 1, "the form opened");
    let view = &opened[before].body["view"];
    assert_eq!(view["title"]["text"], "Focus");
    let ids: Vec<&str> = view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["block_id"].as_str())
        .collect();
    assert_eq!(ids, ["level", "rest"]);
    let metadata = view["private_metadata"].as_str().unwrap();
    let r = app
        .post_signed(
            "/slack/interactivity",
            &submission(user, metadata, level, rest),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, 200);
    r.body
}

/// The summary of the newest digest posted in `channel`.
fn digest(app: &TestApp, channel: &str) -> Value {
    app.slack
        .messages_in(channel)
        .into_iter()
        .rev()
        .find(|(_, b)| b.to_string().contains(" digest · "))
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("no digest in {channel}"))
}

/// The text of each block of a message, as Slack shows it (mrkdwn).
fn block_texts(body: &Value) -> Vec<String> {
    body["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["text"]["text"].as_str().map(str::to_string))
        .collect()
}

/// The digest's focus block, if it has one.
fn focus_of(body: &Value) -> Option<String> {
    block_texts(body)
        .into_iter()
        .find(|t| t.starts_with("Focus: "))
}

/// The roll-up's *Teams* lines.
fn rollup_teams(body: &Value) -> Vec<String> {
    block_texts(body)
        .into_iter()
        .find(|t| t.starts_with("*Teams*"))
        .map(|t| t.lines().skip(1).map(str::to_string).collect())
        .unwrap_or_default()
}

/// What pacer told people privately through response URLs, oldest first.
async fn told(app: &TestApp, n: usize) -> Vec<String> {
    app.slack
        .wait_for_prefix("response_url:", n)
        .await
        .into_iter()
        .map(|c| c.body["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The prompt in `channel` once an update in place shows `needle` (updates keep to Slack's
/// Tier 3 pace, so a few in a row take seconds); its text as Slack shows it.
async fn updated(app: &TestApp, channel: &str, needle: &str) -> String {
    for _ in 0..1000 {
        let found = app
            .slack
            .calls_to("chat.update")
            .into_iter()
            .filter(|c| c.body["channel"] == channel)
            .map(|c| block_texts(&c.body).join("\n"))
            .find(|t| t.contains(needle));
        if let Some(text) = found {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no update of {channel} shows {needle}");
}

async fn answers(app: &TestApp) -> Vec<(i64, i64, Option<String>, i64)> {
    sqlx::query_as(
        "SELECT f.cycle_id, f.level, f.rest, f.late FROM focus_answers f ORDER BY f.cycle_id, f.person_id",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap()
}

const UNFOCUSED: &str =
    "*⚠ unfocused*: focus at Little or below for 2 cycles: firefighting, support";

#[tokio::test]
async fn a_quarter_of_focus_answers_turns_a_team_unfocused_and_back() {
    let app = spawn_app().await;
    organisation(&app).await;
    let mostly = |n: usize| vec!["mostly"; n].join(" → ");
    let expected: Vec<Option<String>> = vec![
        Some("Focus: 2 Most — mostly".into()),
        Some(format!(
            "Focus: 2 Most — mostly (steady)\nFocus over the last 2 cycles: {}",
            mostly(2)
        )),
        Some(format!(
            "Focus: 2 Most — mostly (steady)\nFocus over the last 3 cycles: {}",
            mostly(3)
        )),
        Some(format!(
            "Focus: 1 Little · 1 None — none (was mostly)\nFocus over the last 4 cycles: {} → none",
            mostly(3)
        )),
        Some(format!(
            "Focus: 1 About half · 1 Little — little (was none)\nFocus over the last 5 cycles: {} → none → little\n{UNFOCUSED}",
            mostly(3)
        )),
        Some(format!(
            "Focus: no answers this cycle (was little)\nFocus over the last 5 cycles: {} → none → little\n{UNFOCUSED}",
            mostly(3)
        )),
        Some(format!(
            "Focus: 1 Most · 1 About half — about half (was little)\nFocus over the last 6 cycles: {} → none → little → about half",
            mostly(3)
        )),
        Some(format!(
            "Focus: 2 Most — mostly (was about half)\nFocus over the last 6 cycles: {} → none → little → about half → mostly",
            mostly(2)
        )),
        Some("Focus: 2 Most — mostly (steady)\nFocus over the last 6 cycles: mostly → none → little → about half → mostly → mostly".into()),
        Some("Focus: 2 Most — mostly (steady)\nFocus over the last 6 cycles: none → little → about half → mostly → mostly → mostly".into()),
        Some("Focus: 2 Most — mostly (steady)\nFocus over the last 6 cycles: little → about half → mostly → mostly → mostly → mostly".into()),
        Some("Focus: 2 Most — mostly (steady)\nFocus over the last 6 cycles: about half → mostly → mostly → mostly → mostly → mostly".into()),
        Some(format!(
            "Focus: 2 Most — mostly (steady)\nFocus over the last 6 cycles: {}",
            mostly(6)
        )),
    ];
    for week in 0..13 {
        app.clock.set(monday(week));
        let r = app.tick().await;
        assert_eq!(r.failed, 0);
        let (_, ana) = prompt(&app, "U0ANA", "Platform");
        assert!(ana.to_string().contains(QUESTION), "week {week}");
        app.clock.set(monday(week) + Duration::hours(2));
        match week {
            0 => {
                // Changeable until the cycle closes: the second click stands.
                click_focus(&app, "U0ANA", "Platform", "little").await;
                click_focus(&app, "U0ANA", "Platform", "most").await;
                click_focus(&app, "U0BEN", "Platform", "most").await;
            }
            3 => {
                focus_form(&app, "U0ANA", "Platform", "little", "firefighting").await;
                focus_form(&app, "U0BEN", "Platform", "none", " support ").await;
            }
            4 => {
                click_focus(&app, "U0ANA", "Platform", "little").await;
                click_focus(&app, "U0BEN", "Platform", "half").await;
            }
            5 => {}
            6 => {
                click_focus(&app, "U0ANA", "Platform", "most").await;
                click_focus(&app, "U0BEN", "Platform", "half").await;
            }
            _ => {
                click_focus(&app, "U0ANA", "Platform", "most").await;
                click_focus(&app, "U0BEN", "Platform", "most").await;
            }
        }
        // Growth's lead gives About half every week.
        click_focus(&app, "U0BEN", "Growth", "half").await;

        app.clock.set(friday(week));
        app.tick().await;
        let platform = digest(&app, "C0PLATFORM");
        assert_eq!(focus_of(&platform), expected[week as usize], "week {week}");
        let growth = focus_of(&digest(&app, "C0GROWTH")).unwrap();
        assert!(
            growth.starts_with("Focus: 1 About half — about half"),
            "week {week}: {growth}"
        );
        assert!(!growth.contains("unfocused"), "{growth}");

        // The roll-up ranks the teams least focused first (ties keep their order).
        app.clock.set(friday(week) + Duration::hours(1));
        app.tick().await;
        let teams = rollup_teams(&digest(&app, "C0ENG"));
        assert_eq!(teams.len(), 2, "week {week}: {teams:?}");
        let platform_focus = match week {
            0..=2 | 7.. => " · focus mostly",
            3 => " · focus none",
            4 | 5 => concat!(
                " · focus little · *⚠ unfocused* (focus at Little or below for 2 cycles: ",
                "firefighting, support)"
            ),
            _ => " · focus about half",
        };
        let (first, second) = if matches!(week, 3..=5) {
            (&teams[0], &teams[1])
        } else {
            (&teams[1], &teams[0])
        };
        assert!(
            first.starts_with("• *Platform*") && first.ends_with(platform_focus),
            "week {week}: {teams:?}"
        );
        assert!(
            second.starts_with("• *Growth*") && second.ends_with(" · focus about half"),
            "week {week}: {teams:?}"
        );
    }
    // One answer per person per cycle: ana's first click in week 0 was replaced.
    let rows = answers(&app).await;
    assert_eq!(rows.len(), 2 * 12 + 13, "{rows:?}");
    assert!(rows.iter().all(|r| r.3 == 0), "none late");
    let words: Vec<&str> = rows.iter().filter_map(|r| r.2.as_deref()).collect();
    assert_eq!(words, ["firefighting", "support"]);
}

#[tokio::test]
async fn forged_foreign_and_late_answers_are_refused_and_the_word_is_escaped() {
    let app = spawn_app().await;
    organisation(&app).await;
    app.clock.set(monday(0));
    app.tick().await;
    let (ts, body) = prompt(&app, "U0ANA", "Platform");
    let text = body.to_string();
    assert!(text.contains(QUESTION), "{text}");
    let focus_buttons: Vec<(String, String)> = buttons(&body)
        .into_iter()
        .filter(|(a, _)| a.starts_with("checkin:focus"))
        .collect();
    let value = focus_value(&body);
    assert_eq!(
        focus_buttons,
        [
            "checkin:focus-most",
            "checkin:focus-half",
            "checkin:focus-little",
            "checkin:focus-none",
            "checkin:focus"
        ]
        .map(|a| (a.to_string(), value.clone()))
    );
    let cycle: i64 = value.parse().unwrap();

    // Forged values and actions, someone not asked, another workspace: refused privately.
    let not_ours = "⚠️ That button is not one of pacer's focus questions. Nothing was recorded.";
    let mut n = 0;
    for (action, v) in [
        ("checkin:focus-most", "abc"),
        ("checkin:focus-most", "12:3"),
        ("checkin:focus-most", "-1"),
        ("checkin:focus-sometimes", value.as_str()),
        ("checkin:focus-MOST", value.as_str()),
        ("checkin:focus-answered", value.as_str()),
    ] {
        let r = app.click("U0ANA", &dm("U0ANA"), &ts, action, v).await;
        assert_eq!(r.status, 200);
        n += 1;
        assert_eq!(told(&app, n).await[n - 1], not_ours, "{action} {v}");
    }
    app.click("U0CHEN", "DU0CHEN", &ts, "checkin:focus-most", &value)
        .await;
    n += 1;
    assert_eq!(
        told(&app, n).await[n - 1],
        "⚠️ You were not asked in this check-in. Nothing was recorded."
    );
    let payload = json!({
        "type": "block_actions",
        "user": {"id": "U0EVE", "username": "eve", "team_id": "T0002"},
        "api_app_id": "A0PACER",
        "container": {"type": "message", "message_ts": ts, "channel_id": "DU0EVE", "is_ephemeral": false},
        "trigger_id": "1234.5678.trigger",
        "team": {"id": "T0002", "domain": "other"},
        "channel": {"id": "DU0EVE", "name": "directmessage"},
        "response_url": format!("{}/response/{}", app.slack.base, uuid::Uuid::new_v4().simple()),
        "actions": [{"action_id": "checkin:focus-none", "block_id": "b1", "value": value,
                     "type": "button", "action_ts": "1700000000.1"}]
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
    n += 1;
    assert_eq!(
        told(&app, n).await[n - 1],
        "⚠️ This focus question does not belong to this workspace. Nothing was recorded."
    );
    assert!(answers(&app).await.is_empty(), "nothing recorded");

    // The form refuses a level it does not know and a word over 100 characters.
    let r = focus_form(&app, "U0ANA", "Platform", "maybe", &"x".repeat(101)).await;
    assert_eq!(r["response_action"], "errors");
    assert_eq!(r["errors"]["level"], "Say most, half, little or none.");
    assert_eq!(
        r["errors"]["rest"],
        "Keep what took the rest of your week to 100 characters or fewer."
    );
    assert!(answers(&app).await.is_empty());

    // A word is kept as typed text: no markup, no mention that pings.
    let hostile = "<!channel> & <b>ops</b>";
    let r = focus_form(&app, "U0ANA", "Platform", "Little", hostile).await;
    assert!(r.is_null() || r.get("response_action").is_none(), "{r}");
    assert_eq!(
        answers(&app).await,
        [(cycle, 1, Some(hostile.to_string()), 0)]
    );
    let shown = updated(
        &app,
        "DU0ANA",
        "✔ Recorded: Little · the rest went to _&lt;!channel&gt; &amp; &lt;b&gt;ops&lt;/b&gt;_",
    )
    .await;
    assert!(!shown.contains("<!channel>"), "{shown}");
    // A redelivered click records nothing new.
    click_focus(&app, "U0ANA", "Platform", "little").await;
    click_focus(&app, "U0ANA", "Platform", "little").await;
    assert_eq!(answers(&app).await, [(cycle, 1, None, 0)]);
    focus_form(&app, "U0ANA", "Platform", "little", hostile).await;

    // The cycle closes: ben's first answer after it is kept, marked late; ana's stays.
    app.clock.set(friday(0));
    app.tick().await;
    assert_eq!(
        focus_of(&digest(&app, "C0PLATFORM")).as_deref(),
        Some("Focus: 1 Little — little")
    );
    click_focus(&app, "U0BEN", "Platform", "half").await;
    click_focus(&app, "U0ANA", "Platform", "most").await;
    let late = told(&app, n + 1).await;
    assert_eq!(
        late.last().unwrap(),
        "⚠️ This check-in has closed and your focus for it (Little) was recorded already. Nothing was recorded."
    );
    let rows = answers(&app).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], (cycle, 1, Some(hostile.to_string()), 0));
    assert_eq!((rows[1].1, rows[1].3), (2, 1), "ben's, late");
    updated(&app, "DU0BEN", "✔ Recorded: About half (late)").await;

    // A second week at Little makes Platform unfocused, naming the word, escaped.
    app.clock.set(monday(1));
    app.tick().await;
    click_focus(&app, "U0ANA", "Platform", "none").await;
    app.clock.set(friday(1));
    app.tick().await;
    let focus = focus_of(&digest(&app, "C0PLATFORM")).unwrap();
    assert_eq!(
        focus,
        "Focus: 1 None — none (was little)\nFocus over the last 2 cycles: little → none\n*⚠ unfocused*: focus at Little or below for 2 cycles: &lt;!channel&gt; &amp; &lt;b&gt;ops&lt;/b&gt;"
    );
}

#[tokio::test]
async fn a_team_turns_the_question_off_and_on() {
    let app = spawn_app().await;
    organisation(&app).await;
    app.clock.set(monday(0));
    app.tick().await;
    click_focus(&app, "U0ANA", "Platform", "little").await;
    let r = app.slash("U0ANA", "rhythm Platform").await;
    assert!(
        r.all_text().contains("Platform's check-ins end with the focus question (how much of the week went to the priorities); focus:off stops it."),
        "{}",
        r.all_text()
    );
    let r = app
        .slash(
            "U0ANA",
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin focus:off",
        )
        .await;
    assert!(
        r.all_text().contains(
            "Platform's check-ins do not ask the focus question; focus:on asks it again."
        ),
        "{}",
        r.all_text()
    );
    // Only a lead may change it, and a setting it does not know is refused.
    let r = app
        .slash("U0BEN", "rhythm Platform checkin \"mon 09:00\" focus:on")
        .await;
    assert!(r.all_text().contains("⚠️"), "{}", r.all_text());
    let r = app
        .slash("U0ANA", "rhythm Platform checkin \"mon 09:00\" focus:maybe")
        .await;
    assert!(
        r.all_text()
            .contains("`focus:maybe` is not a setting; use focus:on or focus:off"),
        "{}",
        r.all_text()
    );
    // An old button is refused now.
    click_focus(&app, "U0BEN", "Platform", "most").await;
    assert_eq!(
        told(&app, 1).await,
        ["⚠️ Platform no longer asks the focus question. Nothing was recorded."]
    );
    // The digest leaves focus out; a later `rhythm … checkin` without it keeps it off.
    app.clock.set(friday(0));
    app.tick().await;
    assert_eq!(focus_of(&digest(&app, "C0PLATFORM")), None);
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
    )
    .await;
    app.clock.set(monday(1));
    app.tick().await;
    let (_, platform) = prompt(&app, "U0ANA", "Platform");
    assert!(!platform.to_string().contains(QUESTION));
    assert!(
        !buttons(&platform)
            .iter()
            .any(|(a, _)| a.starts_with("checkin:focus"))
    );
    let (_, growth) = prompt(&app, "U0BEN", "Growth");
    assert!(growth.to_string().contains(QUESTION), "Growth still asks");
    let r = app
        .slash(
            "U0ANA",
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin focus:on",
        )
        .await;
    assert!(
        r.all_text()
            .contains("Platform's check-ins end with the focus question"),
        "{}",
        r.all_text()
    );
    app.clock.set(monday(2));
    app.tick().await;
    let (_, platform) = prompt(&app, "U0ANA", "Platform");
    assert!(platform.to_string().contains(QUESTION));
}

#[tokio::test]
async fn teams_records_a_focus_answer_by_execute_and_by_its_inline_form() {
    use crate::msteams::{ANA, button_data, execute, in_channel, personal};
    let app = spawn_app().await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap());
    for text in [
        "team add Platform",
        "add Payments API",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
    ] {
        app.teams_post(&in_channel(&app, ANA, text, &[])).await;
    }
    app.teams_post(&personal(&app, ANA, "help")).await;
    app.teams.wait_for("reply", 4).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap());
    app.tick().await;
    let prompt = app
        .teams
        .calls_of("send")
        .into_iter()
        .find(|c| c.body.to_string().contains("Check-in for Platform"))
        .expect("ana's prompt");
    assert!(prompt.body.to_string().contains(QUESTION));

    let half = button_data(&prompt.body, "About half");
    assert_eq!(half["pacer"], "checkin:focus-half");
    let r = app
        .teams_post(&execute(&app, ANA, "1:ana-card", half.clone()))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["type"], "application/vnd.microsoft.card.adaptive");
    assert!(
        r.body["value"]
            .to_string()
            .contains("✔ Recorded: About half"),
        "{:#}",
        r.body
    );

    // The form is drawn in the card; its inputs are named per cycle.
    let mut form = button_data(&prompt.body, "Save focus");
    let value = form["value"].as_str().unwrap().to_string();
    assert_eq!(value, half["value"].as_str().unwrap());
    assert_eq!(form["form"], true);
    form[format!("level-{value}")] = json!("none");
    form[format!("rest-{value}")] = json!("on-call");
    let r = app
        .teams_post(&execute(&app, ANA, "1:ana-card", form.clone()))
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body["value"]
            .to_string()
            .contains("✔ Recorded: None · the rest went to"),
        "{:#}",
        r.body
    );
    let rows = answers(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].1, rows[0].2.as_deref()), (0, Some("on-call")));

    // A level it does not know comes back as what to fix; nothing changes.
    form[format!("level-{value}")] = json!("lots");
    let r = app
        .teams_post(&execute(&app, ANA, "1:ana-card", form))
        .await;
    assert!(
        r.body["value"]
            .as_str()
            .unwrap_or_default()
            .contains("Say most, half, little or none."),
        "{:#}",
        r.body
    );
    assert_eq!(answers(&app).await, rows);
}

#[tokio::test]
async fn the_sandbox_records_a_focus_answer_and_the_demo_has_an_unfocused_team() {
    use crate::sandbox::demo_app;
    let app = demo_app().await;
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
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let page = |who: &'static str, channel: &'static str| {
        let app = &app;
        async move { app.sandbox_messages(who, channel).await }
    };
    // The demo's Customer team has been pulled into support for its last two cycles.
    let customer = page("S-chen", "C-customer").await;
    assert!(
        customer.contains(
            "⚠ unfocused</b>: focus at Little or below for 2 cycles: support escalations, firefighting"
        ),
        "{customer}"
    );
    let leadership = page("S-maya", "C-leadership").await;
    let customer_at = leadership.rfind("Customer</b> · on track").unwrap();
    let platform_at = leadership.rfind("Platform</b> · on track").unwrap();
    assert!(customer_at < platform_at, "the least focused team first");

    // Ana's new check-in arrives when the rhythm runs.
    let mut found = None;
    for _ in 0..6 {
        let (status, _) = post("/sandbox/rhythm", json!({})).await;
        assert_eq!(status, 200);
        let dm = page("S-ana", "D-S-ana").await;
        if let Some(at) = dm.rfind("Check-in for Platform") {
            let start = dm[..at].rfind("id=\"m").unwrap() + 5;
            let id: u64 = dm[start..start + dm[start..].find('"').unwrap()]
                .parse()
                .unwrap();
            let key = "data-action=\"checkin:focus-little\" data-value=\"";
            let v = &dm[at..][dm[at..].find(key).unwrap() + key.len()..];
            found = Some((id, v[..v.find('"').unwrap()].to_string()));
            break;
        }
    }
    let (message, value) = found.expect("ana's check-in arrived");
    let (status, body) = post(
        "/sandbox/action",
        json!({"as": "S-ana", "message": message, "action": "checkin:focus-little", "value": "1:2"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = post(
        "/sandbox/action",
        json!({"as": "S-ana", "message": message, "action": "checkin:focus-little", "value": value}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        page("S-ana", "D-S-ana")
            .await
            .contains("✔ Recorded: Little")
    );
    // The form, with a word that stays text.
    let (status, body) = post(
        "/sandbox/submit",
        json!({"as": "S-ana", "message": message, "action": "checkin:focus-answered", "value": value,
               "fields": {"level": "about half", "rest": "<script>alert(1)</script>"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let dm = page("S-ana", "D-S-ana").await;
    assert!(
        dm.contains(
            "✔ Recorded: About half · the rest went to <i>&lt;script&gt;alert(1)&lt;/script&gt;</i>"
        ),
        "{dm}"
    );
    let (status, body) = post(
        "/sandbox/submit",
        json!({"as": "S-ana", "message": message, "action": "checkin:focus-answered", "value": value,
               "fields": {"level": ""}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"]["level"], "Say most, half, little or none.");
}

/// The read API gives each cycle's focus answers and the team's level; `null` without any.
#[tokio::test]
async fn the_read_api_gives_each_cycles_focus() {
    use crate::read_api::{get, token_in};
    let app = spawn_app().await;
    organisation(&app).await;
    app.clock.set(monday(0));
    app.tick().await;
    click_focus(&app, "U0ANA", "Platform", "most").await;
    click_focus(&app, "U0BEN", "Platform", "little").await;
    // An answer changed while the cycle is open counts once, as it stands.
    click_focus(&app, "U0BEN", "Platform", "none").await;
    let token = token_in(&app, "T0001", "BI").await;
    let (status, page, _) = get(&app, Some(&token), "/api/v1/cycles?team=Platform").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["items"][0]["focus"],
        json!({"most": 1, "half": 0, "little": 0, "none": 1, "level": "little"}),
        "{page}"
    );
    let (_, growth, _) = get(&app, Some(&token), "/api/v1/cycles?team=Growth").await;
    assert_eq!(growth["items"][0]["focus"], Value::Null, "{growth}");
}
