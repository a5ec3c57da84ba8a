//! The review meeting: a team's agenda posted into its channel an hour before its review, one
//! block per item with *Decide…*, *Assign…* and *Later*; the forms those open; and who may use
//! them. Driven as Slack sends it: signed block actions and view submissions.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::common::{ADMIN, TestApp, spawn_app};

/// Leadership (lead ana, channel #leadership) over Platform (lead ben, member chen). chen owns
/// #1 and raises it; ben raises #2 (his own).
async fn organisation(app: &TestApp) {
    app.slash("U0ANA", "team add Leadership <#C0LEAD|leadership>")
        .await;
    app.slash(
        "U0ANA",
        "team add Platform <#C0PLATFORM|platform> parent:Leadership lead:<@U0BEN|ben>",
    )
    .await;
    app.slash("U0BEN", "team join Platform <@U0CHEN|chen>")
        .await;
    app.slash("U0CHEN", "add Vendor integration team:Platform")
        .await;
    app.slash("U0BEN", "add Billing export team:Platform").await;
    app.slash("U0CHEN", "raise #1 \"need a decision on the vendor\"")
        .await;
    app.slash("U0BEN", "raise #2 \"finance wants it sooner\"")
        .await;
}

/// The agenda messages posted into a channel.
fn agendas(app: &TestApp, channel: &str) -> Vec<(String, Value)> {
    app.slack
        .messages_in(channel)
        .into_iter()
        .filter(|(_, b)| b.to_string().contains("Agenda for"))
        .collect()
}

/// Every button of a message: (action id, value, label).
fn buttons(body: &Value) -> Vec<(String, String, String)> {
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
                e["text"]["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn value_for(body: &Value, action: &str, nth: usize) -> String {
    buttons(body)
        .into_iter()
        .filter(|(a, _, _)| a == action)
        .nth(nth)
        .map(|(_, v, _)| v)
        .expect("button")
}

/// A view submission of pacer's decision or assignment modal, as Slack sends it.
fn submission(user: &str, team: &str, metadata: &str, values: Value) -> String {
    let payload = json!({
        "type": "view_submission",
        "team": {"id": team, "domain": "example"},
        "user": {"id": user, "name": user.to_lowercase(), "team_id": team},
        "api_app_id": "A0PACER",
        "view": {
            "id": "V0MODAL", "type": "modal", "callback_id": "pacer_form",
            "private_metadata": metadata, "state": {"values": values}
        }
    });
    serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
}

async fn submit(app: &TestApp, user: &str, metadata: &str, values: Value) -> Value {
    let r = app
        .post_signed(
            "/slack/interactivity",
            &submission(user, "T0001", metadata, values),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, 200);
    r.body
}

fn text_input(v: &str) -> Value {
    json!({"value": {"type": "plain_text_input", "value": v}})
}

/// The text of the last update of a message.
fn last_update(app: &TestApp, ts: &str) -> String {
    app.slack
        .calls_to("chat.update")
        .into_iter()
        .rev()
        .find(|c| c.body["ts"] == ts)
        .map(|c| c.body.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_agenda_is_posted_before_the_review_and_a_lead_decides_assigns_and_defers_from_it() {
    let app = spawn_app().await;
    // Monday 7 December 2026, noon UTC.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap());
    organisation(&app).await;

    // Only a lead of the team (or an admin) sets when its review meets.
    let r = app
        .slash("U0CHEN", "rhythm Leadership review \"tue 10:00\"")
        .await
        .all_text();
    assert!(r.contains("lead"), "{r}");
    let r = app
        .slash("U0ANA", "rhythm Leadership review \"tue 10:00\"")
        .await
        .all_text();
    assert!(
        r.contains(
            "its agenda is posted into the team's channel an hour before, next Tue 8 Dec 09:00"
        ),
        "{r}"
    );

    // ana's zone is Europe/Berlin: the review meets at 09:00 UTC, its agenda is due at 08:00.
    // Nothing before the hour before; then the agenda, once, however often the rhythm ticks.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 8, 7, 59, 0).unwrap());
    app.tick().await;
    assert!(agendas(&app, "C0LEAD").is_empty());
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 8, 8, 0, 0).unwrap());
    app.tick().await;
    app.tick().await;
    let posted = agendas(&app, "C0LEAD");
    assert_eq!(posted.len(), 1, "posted once");
    let (ts, agenda) = posted[0].clone();
    let text = agenda.to_string();
    assert!(
        text.contains("Agenda for Leadership's next review"),
        "{text}"
    );
    assert!(
        text.contains("The review meets Tue 8 Dec 10:00 (Europe/Berlin)."),
        "{text}"
    );
    assert!(text.contains("Raised to this team (2)"), "{text}");
    let labels: Vec<String> = buttons(&agenda).into_iter().map(|(_, _, l)| l).collect();
    assert_eq!(
        labels,
        ["Decide…", "Assign…", "Later", "Decide…", "Assign…", "Later"]
    );
    let vendor = value_for(&agenda, "agenda:decide", 0);

    // Attacks: a member, a forged value, another workspace: refused, nothing recorded.
    app.click("U0CHEN", "C0LEAD", &ts, "agenda:later", &vendor)
        .await;
    let (team, priority) = vendor.split_once(':').unwrap();
    for forged in [
        format!("999:{priority}"),
        format!("{team}:999"),
        "x:y".to_string(),
        format!("{team}:{priority}:7"),
    ] {
        app.click("U0ANA", "C0LEAD", &ts, "agenda:later", &forged)
            .await;
        app.click("U0ANA", "C0LEAD", &ts, "agenda:decide", &forged)
            .await;
    }
    assert_eq!(app.count("agenda_deferrals").await, 0);
    assert!(
        app.slack.calls_to("views.open").is_empty(),
        "no form opened"
    );
    let refusals: Vec<String> = app
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.method.starts_with("response_url:"))
        .map(|c| c.body["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        refusals[0].contains("Only a lead of Leadership or an admin can change its agenda."),
        "{refusals:?}"
    );
    assert!(
        refusals[1..]
            .iter()
            .all(|r| r.contains("That agenda item could not be found")),
        "{refusals:?}"
    );

    // ana decides on #1 through the form.
    app.click("U0ANA", "C0LEAD", &ts, "agenda:decide", &vendor)
        .await;
    let opened = app.slack.calls_to("views.open");
    assert_eq!(opened.len(), 1);
    let view = &opened[0].body["view"];
    assert_eq!(view["callback_id"], "pacer_form");
    assert_eq!(
        view["blocks"][0]["text"]["text"],
        "*#1 Vendor integration (Platform)*"
    );
    let ids: Vec<&str> = view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["block_id"].as_str())
        .collect();
    assert_eq!(ids, ["decision", "owner", "due"]);
    let metadata = view["private_metadata"].as_str().unwrap().to_string();

    // Mistakes come back beside their fields, and record nothing.
    let r = submit(
        &app,
        "U0ANA",
        &metadata,
        json!({"decision": text_input("  ")}),
    )
    .await;
    assert_eq!(r["response_action"], "errors");
    assert_eq!(r["errors"]["decision"], "Say what was decided.");
    let r = submit(
        &app,
        "U0ANA",
        &metadata,
        json!({"decision": text_input("build it"),
               "due": {"value": {"type": "datepicker", "selected_date": "2026-12-20"}}}),
    )
    .await;
    assert_eq!(
        r["errors"]["owner"],
        "Name who owns the follow-up that is due."
    );
    let long = "x".repeat(501);
    let r = submit(
        &app,
        "U0ANA",
        &metadata,
        json!({"decision": text_input(&long)}),
    )
    .await;
    assert!(r["errors"]["decision"].as_str().unwrap().contains("500"));
    // The form's metadata names the item; a member who replays it is refused.
    let r = submit(
        &app,
        "U0CHEN",
        &metadata,
        json!({"decision": text_input("mine")}),
    )
    .await;
    assert!(
        r["errors"]["decision"]
            .as_str()
            .unwrap()
            .contains("can change its agenda"),
        "{r}"
    );
    assert_eq!(app.count("decisions").await, 0);

    let r = submit(
        &app,
        "U0ANA",
        &metadata,
        json!({"decision": text_input("drop the vendor, build in-house <b>"),
               "owner": {"value": {"type": "users_select", "selected_user": "U0BEN"}},
               "due": {"value": {"type": "datepicker", "selected_date": "2026-12-20"}}}),
    )
    .await;
    assert!(r.is_null() || r.get("response_action").is_none(), "{r}");
    assert_eq!(app.count("decisions").await, 1);
    let show = app.slash("U0ANA", "show #1").await.all_text();
    assert!(
        show.contains("_drop the vendor, build in-house &lt;b&gt;_ by <@U0ANA>"),
        "{show}"
    );
    assert!(
        show.contains("Follow-up: <@U0BEN>, due 2026-12-20"),
        "{show}"
    );
    // The posted agenda shows it in place: decided, no buttons left on #1.
    let updated = app.slack.wait_for("chat.update", 1).await;
    let body = &updated.last().unwrap().body;
    assert_eq!(body["channel"], "C0LEAD");
    assert_eq!(body["ts"], ts.as_str());
    let now = last_update(&app, &ts);
    assert!(now.contains("✅ Decided by <@U0ANA>"), "{now}");
    assert!(
        now.contains("drop the vendor, build in-house &lt;b&gt;"),
        "{now}"
    );
    assert_eq!(buttons(body).len(), 3, "only #2 keeps its buttons: {body}");
    // The owner and the follow-up's owner hear of it, once.
    app.tick().await;
    app.tick().await;
    for user in ["U0CHEN", "U0BEN"] {
        let dms: Vec<_> = app
            .slack
            .messages_in(&format!("D{user}"))
            .into_iter()
            .filter(|(_, b)| b.to_string().contains("Decision on"))
            .collect();
        assert_eq!(dms.len(), 1, "{user}");
    }

    // Assign #2 to chen, with a note.
    let billing = value_for(body, "agenda:assign", 0);
    app.click("U0ANA", "C0LEAD", &ts, "agenda:assign", &billing)
        .await;
    let opened = app.slack.calls_to("views.open");
    let view = &opened.last().unwrap().body["view"];
    let ids: Vec<&str> = view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["block_id"].as_str())
        .collect();
    assert_eq!(ids, ["owner", "due", "note"]);
    let metadata = view["private_metadata"].as_str().unwrap().to_string();
    let r = submit(
        &app,
        "U0ANA",
        &metadata,
        json!({"note": text_input("quotes")}),
    )
    .await;
    assert_eq!(r["errors"]["owner"], "Name who takes it.");
    let r = submit(
        &app,
        "U0ANA",
        &metadata,
        json!({"owner": {"value": {"type": "users_select", "selected_user": "U0CHEN"}},
               "note": text_input("two vendor quotes"),
               "due": {"value": {"type": "datepicker", "selected_date": "not-a-date"}}}),
    )
    .await;
    assert!(r["errors"]["due"].is_string(), "{r}");
    submit(
        &app,
        "U0ANA",
        &metadata,
        json!({"owner": {"value": {"type": "users_select", "selected_user": "U0CHEN"}},
               "note": text_input("two vendor quotes")}),
    )
    .await;
    assert_eq!(app.count("assignments").await, 1);
    app.slack.wait_for("chat.update", 2).await;
    let now = last_update(&app, &ts);
    assert!(
        now.contains("➡️ Assigned to <@U0CHEN> by ana: _two vendor quotes_"),
        "{now}"
    );
    app.tick().await;
    let told: Vec<_> = app
        .slack
        .messages_in("DU0CHEN")
        .into_iter()
        .filter(|(_, b)| b.to_string().contains("assigned you"))
        .collect();
    assert_eq!(told.len(), 1);
    assert!(
        told[0]
            .1
            .to_string()
            .contains("from Leadership's review agenda"),
        "{}",
        told[0].1
    );

    // Later: #2 leaves this agenda and comes back for the next review.
    app.click("U0ANA", "C0LEAD", &ts, "agenda:later", &billing)
        .await;
    assert_eq!(app.count("agenda_deferrals").await, 1);
    app.slack.wait_for("chat.update", 3).await;
    let now = last_update(&app, &ts);
    assert!(
        now.contains("Put off to a later review: *#2* (by ana, until Tue 15 Dec)"),
        "{now}"
    );
    assert!(!now.contains("Billing export"), "{now}");
    let typed = app.slash("U0ANA", "agenda Leadership").await.all_text();
    assert!(!typed.contains("Billing export"), "{typed}");
    // A week on, the next review's agenda has it again (and #1's decision is a week old).
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 15, 8, 0, 0).unwrap());
    app.tick().await;
    let posted = agendas(&app, "C0LEAD");
    assert_eq!(posted.len(), 2);
    let next = posted[1].1.to_string();
    assert!(next.contains("Billing export"), "{next}");
    assert!(next.contains("The review meets Tue 15 Dec 10:00"), "{next}");
}

#[tokio::test]
async fn assign_is_a_command_too_and_only_for_those_who_steer_the_agenda() {
    let app = spawn_app().await;
    organisation(&app).await;
    let r = app.slash("U0CHEN", "assign #1 @ben").await.all_text();
    assert!(
        r.contains("a lead of Leadership or an admin can change its agenda"),
        "{r}"
    );
    let r = app.slash("U0ANA", "assign #1").await.all_text();
    assert!(r.contains("who takes it"), "{r}");
    let long = format!("assign #1 <@U0BEN|ben> \"{}\"", "y".repeat(301));
    let r = app.slash("U0ANA", &long).await.all_text();
    assert!(r.contains("at most 300 characters"), "{r}");
    let other = app
        .slash_in("T0OTHER", ADMIN, "C0OTHER", "assign #1 <@U0BEN|ben>")
        .await
        .all_text();
    assert!(other.contains("no priority #1"), "{other}");
    assert_eq!(app.count("assignments").await, 0);

    let r = app
        .slash("U0ANA", "assign #1 <@U0BEN|ben> due:2026-12-24 \"a plan\"")
        .await
        .all_text();
    assert!(
        r.contains("Assigned *#1* *Vendor integration* to <@U0BEN>, back by 2026-12-24 (on Leadership's agenda)."),
        "{r}"
    );
    let agenda = app.slash("U0ANA", "agenda Leadership").await.all_text();
    assert!(
        agenda.contains("➡️ Assigned to <@U0BEN> by ana, back by 2026-12-24: _a plan_"),
        "{agenda}"
    );
    // A lead of the agenda's team gets the buttons; a member reads the agenda without them.
    let lead = app.slash("U0ANA", "agenda Leadership").await;
    assert!(lead.all_text().contains("Decide…"), "{}", lead.all_text());
    let member = app.slash("U0CHEN", "agenda Leadership").await.all_text();
    assert!(!member.contains("Decide…"), "{member}");
    assert!(member.contains("Vendor integration"), "{member}");
}

/// The inputs and submit data of the inline form behind the button titled `title`.
fn show_card<'a>(card: &'a Value, title: &str) -> Option<&'a Value> {
    match card {
        Value::Object(m) => {
            if m.get("type").and_then(Value::as_str) == Some("Action.ShowCard")
                && m.get("title").and_then(Value::as_str) == Some(title)
            {
                return Some(card);
            }
            m.values().find_map(|v| show_card(v, title))
        }
        Value::Array(a) => a.iter().find_map(|v| show_card(v, title)),
        _ => None,
    }
}

#[tokio::test]
async fn in_teams_the_posted_agenda_carries_its_forms_and_a_decision_refreshes_the_card() {
    use crate::msteams::{ANA, CHANNEL, execute, in_channel, personal};
    let app = spawn_app().await;
    // Monday 7 December 2026; ana (Europe/Berlin) leads Leadership, whose channel this is.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap());
    app.teams_post(&in_channel(&app, ANA, "team add Leadership", &[]))
        .await;
    for text in [
        "team add Platform parent:Leadership",
        "add Payments API team:Platform",
        "raise #1 \"need budget\"",
    ] {
        app.teams_post(&personal(&app, ANA, text)).await;
    }
    app.teams_post(&in_channel(
        &app,
        ANA,
        "rhythm Leadership review \"tue 10:00\"",
        &[],
    ))
    .await;
    app.teams.wait_for("reply", 5).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 8, 8, 0, 0).unwrap());
    app.tick().await;
    let sent = app.teams.wait_for("send", 1).await;
    let posted = sent
        .iter()
        .find(|c| c.conversation.starts_with(CHANNEL) && c.body.to_string().contains("Agenda for"))
        .expect("the agenda in the channel")
        .clone();
    let card = &posted.body["attachments"][0]["content"];
    assert!(card.to_string().contains("Payments API"), "{card:#}");
    let decide = show_card(card, "Decide…").expect("the decision form is in the card");
    let submit = &decide["card"]["actions"][0];
    assert_eq!(submit["type"], "Action.Execute");
    assert_eq!(submit["data"]["form"], true);
    assert_eq!(submit["data"]["pacer"], "agenda:decided");
    let value = submit["data"]["value"].as_str().unwrap().to_string();
    let ids: Vec<&str> = decide["card"]["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            format!("decision-{value}"),
            format!("owner-{value}"),
            format!("due-{value}")
        ]
    );
    assert!(show_card(card, "Assign…").is_some());

    // A due date without a follow-up owner: told why, nothing recorded.
    let mut data = submit["data"].clone();
    data[format!("decision-{value}")] = json!("fund it from Q1");
    data[format!("due-{value}")] = json!("2026-12-20");
    let r = app
        .teams_post(&execute(&app, ANA, "1:agenda", data.clone()))
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body["value"]
            .as_str()
            .unwrap_or("")
            .contains("Name who owns the follow-up that is due."),
        "{:#}",
        r.body
    );
    assert_eq!(app.count("decisions").await, 0);
    data.as_object_mut()
        .unwrap()
        .remove(&format!("due-{value}"));
    let r = app.teams_post(&execute(&app, ANA, "1:agenda", data)).await;
    assert_eq!(r.body["type"], "application/vnd.microsoft.card.adaptive");
    let refreshed = r.body["value"].to_string();
    assert!(refreshed.contains("✅ Decided by"), "{refreshed}");
    assert!(refreshed.contains("fund it from Q1"), "{refreshed}");
    assert_eq!(app.count("decisions").await, 1);

    // Later is a plain Action.Execute; a forged value is refused.
    let later = json!({"pacer": "agenda:later", "value": "424242:1"});
    let r = app.teams_post(&execute(&app, ANA, "1:agenda", later)).await;
    assert!(
        r.body["value"]
            .as_str()
            .unwrap_or("")
            .contains("could not be found"),
        "{:#}",
        r.body
    );
    assert_eq!(app.count("agenda_deferrals").await, 0);
}

/// The `data-…` attribute of the first button with `action` in the sandbox's HTML.
fn attribute(html: &str, action: &str, name: &str) -> String {
    let at = html
        .find(&format!("data-action=\"{action}\""))
        .unwrap_or_else(|| panic!("no {action} button"));
    let start = html[..at].rfind("<button").unwrap();
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    let key = format!("{name}=\"");
    let from = tag.find(&key).unwrap() + key.len();
    tag[from..from + tag[from..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn in_the_sandbox_a_lead_decides_from_the_agenda_and_a_member_cannot() {
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
    let html = |who: &'static str| {
        let app = &app;
        async move { app.sandbox_messages(who, "C-leadership").await }
    };
    // The demo's leadership reviews on Tuesdays: the seeded weeks posted its agendas.
    let seeded = html("S-olivia").await;
    assert!(
        seeded.matches("The review meets Tue").count() >= 10,
        "an agenda for each seeded review"
    );
    let (status, _) = post(
        "/sandbox/command",
        json!({"as": "S-maya", "channel": "C-leadership", "text": "/pacer agenda Leadership"}),
    )
    .await;
    assert_eq!(status, 200);
    let page = html("S-maya").await;
    assert!(
        page.contains("data-kind=\"pform\""),
        "the forms ride on the buttons"
    );
    let message: u64 = attribute(&page, "agenda:decide", "data-msg")
        .parse()
        .unwrap();
    let value = attribute(&page, "agenda:decide", "data-value");

    // Olivia is a member of Leadership, not its lead.
    let (status, body) = post(
        "/sandbox/action",
        json!({"as": "S-olivia", "message": message, "action": "agenda:later", "value": value}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("can change its agenda"),
        "{body}"
    );
    let (status, body) = post(
        "/sandbox/submit",
        json!({"as": "S-maya", "message": message, "action": "agenda:decided", "value": value,
               "fields": {"decision": "   "}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"]["decision"], "Say what was decided.");
    let before = app.count("decisions").await;
    let (status, body) = post(
        "/sandbox/submit",
        json!({"as": "S-maya", "message": message, "action": "agenda:decided", "value": value,
               "fields": {"decision": "go with the second vendor", "owner": "@Ana", "due": "+1w"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.count("decisions").await, before + 1);
    let page = html("S-maya").await;
    assert!(
        page.contains("✅ Decided by"),
        "the agenda shows it in place"
    );
    assert!(page.contains("go with the second vendor"));
}
