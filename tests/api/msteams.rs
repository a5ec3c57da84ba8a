//! Microsoft Teams end to end: Bot Framework tokens signed with our own RSA key and served from
//! a fake OpenID/JWKS endpoint, activities shaped like the real recordings, and a fake
//! connector that records what pacer sends back.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::common::fake_teams::{
    self, APP_ID, BOT_KEY_PEM, KID, OTHER_KEY_PEM, TENANT, UNENDORSED_KID,
};
use crate::common::{TestApp, spawn_app};

pub const ANA: &str = "29:1ana-aad-user";
pub const BEN: &str = "29:1ben-aad-user";
pub const CHANNEL: &str = "19:097e6717fd7245bdbeba6baa13840db8@thread.skype";
const BOT: &str = "28:6b1f0c7e-3a52-4d6f-9a0e-2c8d4b7e91a3";

fn personal_conversation(user: &str) -> String {
    format!("a:chat-{}", &user[3..])
}

fn name_of(user: &str) -> &'static str {
    if user == ANA {
        "Ana Lopez"
    } else {
        "Ben Okafor"
    }
}

fn base(app: &TestApp, kind: &str, user: &str) -> Value {
    json!({
        "type": kind,
        "id": format!("{}", uuid::Uuid::new_v4().as_u128() % 10_000_000_000_000),
        "timestamp": "2026-11-23T09:00:00.000Z",
        "localTimestamp": "2026-11-23T10:00:00.000+01:00",
        "localTimezone": if user == ANA { "Europe/Berlin" } else { "America/New_York" },
        "channelId": "msteams",
        "serviceUrl": app.teams.service_url(),
        "from": {"id": user, "name": name_of(user), "aadObjectId": format!("aad-{}", &user[3..])},
        "recipient": {"id": BOT, "name": "pacer"},
        "entities": [{"locale": "en-US", "country": "US", "platform": "Web", "type": "clientInfo"}],
        "locale": "en-US",
    })
}

/// A message in the personal chat with pacer.
pub fn personal(app: &TestApp, user: &str, text: &str) -> Value {
    let mut a = base(app, "message", user);
    a["text"] = json!(text);
    a["textFormat"] = json!("plain");
    a["conversation"] = json!({"conversationType": "personal", "tenantId": TENANT, "id": personal_conversation(user)});
    a["channelData"] = json!({"tenant": {"id": TENANT}});
    a
}

/// `@pacer <text>` in the team channel, as Teams sends it: `<at>pacer</at>` in the text and a
/// mention entity; `people` are mentioned with `<at>Name</at>` too.
pub fn in_channel(app: &TestApp, user: &str, text: &str, people: &[&str]) -> Value {
    let mut a = base(app, "message", user);
    let mut entities = vec![
        json!({"type": "mention", "text": "<at>pacer</at>", "mentioned": {"id": BOT, "name": "pacer"}}),
    ];
    let mut body = format!("<at>pacer</at> {text}");
    for p in people {
        let tag = format!("<at>{}</at>", name_of(p));
        body = body.replacen(&format!("@{}", name_of(p)), &tag, 1);
        entities.push(
            json!({"type": "mention", "text": tag, "mentioned": {"id": p, "name": name_of(p)}}),
        );
    }
    let id = a["id"].as_str().unwrap().to_string();
    a["text"] = json!(format!("{body}\n"));
    a["entities"] = Value::Array(entities);
    a["conversation"] = json!({"isGroup": true, "conversationType": "channel", "tenantId": TENANT,
                               "id": format!("{CHANNEL};messageid={id}")});
    a["channelData"] = json!({"teamsChannelId": CHANNEL, "teamsTeamId": CHANNEL,
                              "channel": {"id": CHANNEL}, "team": {"id": CHANNEL}, "tenant": {"id": TENANT}});
    a
}

/// An `Action.Execute` click on a card pacer sent to `user`.
pub fn execute(app: &TestApp, user: &str, card_id: &str, data: Value) -> Value {
    let mut a = base(app, "invoke", user);
    a["name"] = json!("adaptiveCard/action");
    a["replyToId"] = json!(card_id);
    a["conversation"] = json!({"conversationType": "personal", "tenantId": TENANT, "id": personal_conversation(user)});
    a["channelData"] = json!({"tenant": {"id": TENANT}, "source": {"name": "message"}});
    a["value"] = json!({"action": {"type": "Action.Execute", "verb": "pacer", "data": data}, "trigger": "manual"});
    a
}

/// An `Action.Submit` click: a message with a value and no text.
pub fn submit(app: &TestApp, user: &str, card_id: &str, data: Value) -> Value {
    let mut a = base(app, "message", user);
    a["replyToId"] = json!(card_id);
    a["conversation"] = json!({"conversationType": "personal", "tenantId": TENANT, "id": personal_conversation(user)});
    a["channelData"] = json!({"tenant": {"id": TENANT}, "source": {"name": "message"}});
    a["value"] = data;
    a
}

pub(crate) fn all_text(v: &Value) -> String {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::String(s) if k == "text" || k == "title" || k == "summary" => {
                            out.push(s.clone())
                        }
                        _ => walk(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out.join("\n")
}

/// The Action.Execute data of every button titled `title` in a card activity, in order.
pub fn buttons_data(activity: &Value, title: &str) -> Vec<Value> {
    fn walk(v: &Value, title: &str, found: &mut Vec<Value>) {
        match v {
            Value::Object(m) => {
                if m.get("type").and_then(Value::as_str) == Some("Action.Execute")
                    && m.get("title").and_then(Value::as_str) == Some(title)
                    && let Some(d) = m.get("data")
                {
                    found.push(d.clone());
                }
                m.values().for_each(|x| walk(x, title, found));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, title, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(
        &activity["attachments"][0]["content"]["body"],
        title,
        &mut found,
    );
    found
}

/// The first button titled `title`.
pub fn button_data(activity: &Value, title: &str) -> Value {
    buttons_data(activity, title)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {title} button in {activity:#}"))
}

pub(crate) async fn ana_and_ben_chat(app: &TestApp) {
    for u in [ANA, BEN] {
        assert_eq!(app.teams_post(&personal(app, u, "help")).await.status, 200);
    }
    app.teams.wait_for("reply", 2).await;
}

#[tokio::test]
async fn a_channel_command_is_run_and_answered_in_its_thread() {
    let app = spawn_app().await;
    let r = app
        .teams_post(&in_channel(&app, ANA, "team add Platform", &[]))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let replies = app.teams.wait_for("reply", 1).await;
    let reply = &replies[0];
    assert!(
        reply.conversation.starts_with(CHANNEL),
        "{}",
        reply.conversation
    );
    assert!(reply.conversation.contains(";messageid="));
    assert!(
        reply
            .authorization
            .as_deref()
            .unwrap()
            .starts_with("Bearer connector-token-")
    );
    assert!(
        all_text(&reply.body).contains("Platform"),
        "{:#}",
        reply.body
    );

    // The channel is the team's: a priority added there lands in Platform, owned by Ben.
    let r = app
        .teams_post(&in_channel(
            &app,
            ANA,
            "add Ship the payments API @Ben Okafor due:2026-12-18",
            &[BEN],
        ))
        .await;
    assert_eq!(r.status, 200);
    let replies = app.teams.wait_for("reply", 2).await;
    let text = all_text(&replies[1].body);
    assert!(
        text.contains("#1") && text.contains("Ship the payments API"),
        "{text}"
    );
    assert!(text.contains("<at>Ben Okafor</at>"), "{text}");
    // A real mention: the entity names Ben's Teams id.
    assert!(replies[1].body.to_string().contains(BEN));

    let (owner, team): (String, String) = sqlx::query_as(
        "SELECT p.display_name, t.name FROM priorities pr
         JOIN people p ON p.id = pr.owner_id JOIN teams t ON t.id = pr.team_id WHERE pr.number = 1",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!((owner.as_str(), team.as_str()), ("Ben Okafor", "Platform"));
    let channel: Option<String> =
        sqlx::query_scalar("SELECT channel_id FROM teams WHERE name = 'Platform'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(channel.as_deref(), Some(CHANNEL));
    // One token fetched for both replies, asked for the Bot Framework scope.
    let tokens = app.teams.token_requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["scope"], "https://api.botframework.com/.default");
}

#[tokio::test]
async fn a_personal_chat_takes_plain_commands_and_lists_as_a_card() {
    let app = spawn_app().await;
    app.teams_post(&in_channel(&app, ANA, "team add Platform", &[]))
        .await;
    app.teams_post(&in_channel(&app, ANA, "add Billing export", &[]))
        .await;
    app.teams.wait_for("reply", 2).await;
    let r = app.teams_post(&personal(&app, ANA, "list mine")).await;
    assert_eq!(r.status, 200);
    let replies = app.teams.wait_for("reply", 3).await;
    let reply = &replies[2];
    assert_eq!(reply.conversation, personal_conversation(ANA));
    let card = &reply.body["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["version"], "1.5");
    assert!(
        all_text(&reply.body).contains("Billing export"),
        "{:#}",
        reply.body
    );

    // A mistake gets the problem and an example, without the Slack slash.
    app.teams_post(&personal(&app, ANA, "stauts #1 done")).await;
    let replies = app.teams.wait_for("reply", 4).await;
    let text = all_text(&replies[3].body);
    assert!(text.to_lowercase().contains("did you mean"), "{text}");
    assert!(!text.contains("/pacer"), "{text}");

    // The person's name and zone came from the activity.
    let tz: Option<String> = sqlx::query_scalar("SELECT tz FROM people WHERE user_id = $1")
        .bind(ANA)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(tz.as_deref(), Some("Europe/Berlin"));

    // Any text, in any script, gets an answer, never a dropped connection.
    for text in ["日本語のテキスト", "ääää", "pacerß", "@pacer 日本"] {
        let r = app.teams_post(&personal(&app, BEN, text)).await;
        assert_eq!(r.status, 200, "{text}: {}", r.text);
    }
    app.teams.wait_for("reply", 8).await;
}

#[tokio::test]
async fn redelivered_activities_have_one_effect() {
    let app = spawn_app().await;
    app.teams_post(&in_channel(&app, ANA, "team add Platform", &[]))
        .await;
    let add = in_channel(&app, ANA, "add Only once", &[]);
    for _ in 0..3 {
        assert_eq!(app.teams_post(&add).await.status, 200);
    }
    app.teams.wait_for("reply", 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(app.count("priorities").await, 1);
    assert_eq!(app.teams.calls_of("reply").len(), 2);
}

#[tokio::test]
async fn forged_tokens_are_rejected_and_change_nothing() {
    let app = spawn_app().await;
    let activity = in_channel(&app, ANA, "team add Forged", &[]);
    let service_url = app.teams.service_url();
    let now = app.clock_now();
    let good = fake_teams::claims(now, &service_url);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = good.clone();
        f(&mut c);
        c
    };
    let rs = |c: &Value, kid: &str, pem: &[u8]| format!("Bearer {}", fake_teams::sign(c, kid, pem));
    let hs256 = {
        let header = jsonwebtoken::Header {
            kid: Some(KID.into()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        };
        let key = jsonwebtoken::EncodingKey::from_secret(include_bytes!(
            "../fixtures/teams/public-keys.json"
        ));
        format!(
            "Bearer {}",
            jsonwebtoken::encode(&header, &good, &key).unwrap()
        )
    };
    let none = {
        let b64 = |v: &Value| url_safe(v.to_string().as_bytes());
        format!(
            "Bearer {}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT", "kid": KID})),
            b64(&good)
        )
    };
    let cases: Vec<(&str, Option<String>, u16)> = vec![
        ("no header", None, 401),
        (
            "not bearer",
            Some(format!("Basic {}", url_safe(b"a:b"))),
            401,
        ),
        ("garbage", Some("Bearer not.a.jwt".into()), 401),
        (
            "another key, same kid",
            Some(rs(&good, KID, OTHER_KEY_PEM)),
            401,
        ),
        (
            "another key, unknown kid",
            Some(rs(&good, "attacker-key", OTHER_KEY_PEM)),
            401,
        ),
        (
            "wrong audience",
            Some(rs(
                &with(&|c| c["aud"] = json!("someone-else")),
                KID,
                BOT_KEY_PEM,
            )),
            401,
        ),
        (
            "wrong issuer",
            Some(rs(
                &with(&|c| c["iss"] = json!("https://sts.windows.net/x/")),
                KID,
                BOT_KEY_PEM,
            )),
            401,
        ),
        (
            "expired",
            Some(rs(
                &with(&|c| c["exp"] = json!(now - 301)),
                KID,
                BOT_KEY_PEM,
            )),
            401,
        ),
        (
            "not yet valid",
            Some(rs(
                &with(&|c| c["nbf"] = json!(now + 301)),
                KID,
                BOT_KEY_PEM,
            )),
            401,
        ),
        (
            "other serviceurl",
            Some(rs(
                &with(&|c| c["serviceurl"] = json!("https://evil.example/")),
                KID,
                BOT_KEY_PEM,
            )),
            401,
        ),
        (
            "no serviceurl",
            Some(rs(
                &with(&|c| {
                    c.as_object_mut().unwrap().remove("serviceurl");
                }),
                KID,
                BOT_KEY_PEM,
            )),
            401,
        ),
        (
            "no expiry",
            Some(rs(
                &with(&|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }),
                KID,
                BOT_KEY_PEM,
            )),
            401,
        ),
        ("alg none", Some(none), 401),
        ("HS256", Some(hs256), 401),
        (
            "key not endorsed for msteams",
            Some(rs(&good, UNENDORSED_KID, BOT_KEY_PEM)),
            403,
        ),
    ];
    for (name, auth, status) in cases {
        let r = app.teams_post_with(&activity, auth.as_deref()).await;
        assert_eq!(r.status, status, "{name}: {}", r.text);
    }
    // A key endorsed for another channel cannot speak for Teams, even about that channel.
    let mut webchat = activity.clone();
    webchat["channelId"] = json!("webchat");
    let r = app
        .teams_post_with(&webchat, Some(&rs(&good, UNENDORSED_KID, BOT_KEY_PEM)))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    // Within the 5 minutes of skew is fine; the trailing slash of serviceUrl does not matter.
    let skewed = with(&|c| {
        c["exp"] = json!(now - 240);
        c["serviceurl"] = json!(service_url.trim_end_matches('/'));
    });
    let ok = app
        .teams_post_with(&activity, Some(&rs(&skewed, KID, BOT_KEY_PEM)))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    app.teams.wait_for("reply", 1).await;
    assert_eq!(app.count("teams").await, 1);
    // Nothing the forgeries carried reached the connector.
    assert_eq!(app.teams.calls().len(), 1);
}

fn url_safe(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn signing_keys_are_cached_and_refreshed_daily_and_on_an_unknown_key() {
    let app = spawn_app().await;
    for i in 0..5 {
        let r = app
            .teams_post(&personal(&app, ANA, &format!("show #{}", i + 1)))
            .await;
        assert_eq!(r.status, 200);
    }
    assert_eq!(app.teams.metadata_fetches(), 1, "keys are cached");

    // Microsoft rolls its keys: a token from the new key makes pacer look again, at once.
    app.teams
        .set_keys(&[("bf-rolled-2", "other", &["msteams"])]);
    let claims = fake_teams::claims(app.clock_now(), &app.teams.service_url());
    let rolled = format!(
        "Bearer {}",
        fake_teams::sign(&claims, "bf-rolled-2", OTHER_KEY_PEM)
    );
    let r = app
        .teams_post_with(&personal(&app, ANA, "teams"), Some(&rolled))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.teams.metadata_fetches(), 2);
    // The retired key no longer works.
    let r = app.teams_post(&personal(&app, ANA, "teams")).await;
    assert_eq!(r.status, 401);

    // A day later the keys are fetched again even though the key id is known.
    app.clock.advance(Duration::hours(25));
    let claims = fake_teams::claims(app.clock_now(), &app.teams.service_url());
    let rolled = format!(
        "Bearer {}",
        fake_teams::sign(&claims, "bf-rolled-2", OTHER_KEY_PEM)
    );
    let before = app.teams.metadata_fetches();
    let r = app
        .teams_post_with(&personal(&app, ANA, "teams"), Some(&rolled))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(app.teams.metadata_fetches(), before + 1);
}

#[tokio::test]
async fn the_real_recordings_replay_with_fresh_tokens() {
    let app = spawn_app().await;
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/teams/recordings");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 30, "{} recordings", files.len());
    let mut commands = 0;
    for path in &files {
        let recording: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut activity = recording["body"].clone();
        // Their connector is Microsoft's; ours is the fake on loopback.
        activity["serviceUrl"] = json!(app.teams.service_url());
        let r = app.teams_post(&activity).await;
        assert!(
            r.status == 200,
            "{}: {} {}",
            path.display(),
            r.status,
            r.text
        );
        let kind = activity["type"].as_str().unwrap();
        if kind == "invoke" {
            assert!(
                r.body.is_object(),
                "{}: an invoke gets a JSON answer",
                path.display()
            );
        }
        // A command gets its answer; a card submit that is not pacer's is told so.
        let text = activity["text"]
            .as_str()
            .is_some_and(|t| !t.trim().is_empty());
        if kind == "message" && (text || activity["value"].is_object()) {
            commands += 1;
        }
        // The recorded token, long expired and signed by Microsoft, is refused.
        let recorded = recording["headers"]["authorization"].as_str().unwrap();
        let mut fresh = activity.clone();
        fresh["id"] = json!(format!("replayed-{}", uuid::Uuid::new_v4()));
        assert_eq!(
            app.teams_post_with(&fresh, Some(recorded)).await.status,
            401
        );
    }
    // Every recorded message with text got an answer in its conversation.
    let replies = app.teams.wait_for("reply", commands).await;
    assert_eq!(replies.len(), commands);
    // The tenant is one workspace; the people who wrote are known by name.
    assert_eq!(app.count("workspaces").await, 1);
    let names: Vec<String> =
        sqlx::query_scalar("SELECT display_name FROM people ORDER BY display_name")
            .fetch_all(app.store.pool())
            .await
            .unwrap();
    assert!(names.contains(&"Dave Taniguchi".to_string()), "{names:?}");
}

#[tokio::test]
async fn installing_stores_references_makes_the_installer_admin_and_says_hello() {
    let app = spawn_app().await;
    let mut install = base(&app, "installationUpdate", BEN);
    install["action"] = json!("add");
    install["conversation"] = json!({"conversationType": "personal", "tenantId": TENANT, "id": personal_conversation(BEN)});
    install["channelData"] = json!({"tenant": {"id": TENANT}});
    assert_eq!(app.teams_post(&install).await.status, 200);
    // Teams announces the same install as a conversationUpdate too: one hello only.
    let mut update = base(&app, "conversationUpdate", BEN);
    update["membersAdded"] = json!([{"id": BOT}]);
    update["conversation"] = install["conversation"].clone();
    update["channelData"] = install["channelData"].clone();
    assert_eq!(app.teams_post(&update).await.status, 200);
    let hello = app.teams.wait_for("send", 1).await;
    assert_eq!(hello[0].conversation, personal_conversation(BEN));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert_eq!(app.teams.calls_of("send").len(), 1, "greeted once");
    assert!(all_text(&hello[0].body).contains("help"));
    let admin: i64 = sqlx::query_scalar("SELECT is_admin FROM people WHERE user_id = $1")
        .bind(BEN)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(admin, 1);
    // The second installer is not made admin.
    let mut second = install.clone();
    second["from"]["id"] = json!(ANA);
    second["conversation"]["id"] = json!(personal_conversation(ANA));
    second["id"] = json!("install-2");
    app.teams_post(&second).await;
    let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE is_admin = 1")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(admins, 1);
    let refs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM conversation_refs WHERE kind = 'person'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(refs, 2);
}

/// Platform in Teams: Ana owns two priorities, Ben one; check-ins Mondays 09:00 Berlin.
pub(crate) async fn platform_with_rhythm(app: &TestApp) {
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap());
    app.teams_post(&in_channel(app, ANA, "team add Platform", &[]))
        .await;
    app.teams_post(&in_channel(app, ANA, "add Payments API", &[]))
        .await;
    app.teams_post(&in_channel(app, ANA, "add Billing export", &[]))
        .await;
    app.teams_post(&in_channel(app, ANA, "add Fraud rules @Ben Okafor", &[BEN]))
        .await;
    app.teams_post(&in_channel(
        app,
        ANA,
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
        &[],
    ))
    .await;
    app.teams_post(&in_channel(
        app,
        ANA,
        "rhythm Platform digest \"fri 16:00\"",
        &[],
    ))
    .await;
    app.teams.wait_for("reply", 6).await;
}

#[tokio::test]
async fn check_ins_in_teams_by_execute_submit_form_and_words() {
    let app = spawn_app().await;
    platform_with_rhythm(&app).await;
    // Ana has talked to pacer; Ben never has, so his chat is created.
    app.teams_post(&personal(&app, ANA, "help")).await;
    app.teams.wait_for("reply", 7).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap());
    let report = app.tick().await;
    assert!(report.sent >= 2, "{report:?}");
    let created = app.teams.wait_for("create", 1).await;
    assert_eq!(created.len(), 1, "only Ben needed a new chat");
    assert_eq!(created[0].body["members"][0]["id"], BEN);
    assert_eq!(created[0].body["channelData"]["tenant"]["id"], TENANT);
    assert_eq!(created[0].body["bot"]["id"], format!("28:{APP_ID}"));
    let sends = app.teams.calls_of("send");
    let prompt_to = |user: &str| {
        sends
            .iter()
            .find(|c| {
                c.conversation == personal_conversation(user)
                    || c.conversation == format!("a:personal-{user}")
            })
            .unwrap_or_else(|| panic!("no prompt to {user}: {sends:#?}"))
            .clone()
    };
    let ana_prompt = prompt_to(ANA);
    let ben_prompt = prompt_to(BEN);
    let text = all_text(&ana_prompt.body);
    assert!(
        text.contains("Check-in for Platform")
            && text.contains("Payments API")
            && text.contains("Billing export"),
        "{text}"
    );
    let card = &ana_prompt.body["attachments"][0]["content"];
    assert_eq!(card["version"], "1.5");
    assert!(
        ana_prompt.body.to_string().contains("Input.ChoiceSet"),
        "the form is in the card"
    );

    // Action.Execute: the invoke response is the refreshed card.
    let on_track = button_data(&ana_prompt.body, "On track");
    let r = app
        .teams_post(&execute(&app, ANA, "1:activity-x", on_track.clone()))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["statusCode"], 200);
    assert_eq!(r.body["type"], "application/vnd.microsoft.card.adaptive");
    assert!(
        all_text(&r.body["value"]).contains("Recorded"),
        "{:#}",
        r.body
    );

    // Action.Submit of the form (status, progress, note, blocker) for the same priority:
    // recorded over the click, and the card is updated in place with a PUT.
    let mut form = button_data(&ana_prompt.body, "Save");
    assert_eq!(form["value"], on_track["value"]);
    let value = form["value"].as_str().unwrap().to_string();
    form[format!("status-{value}")] = json!("at-risk");
    form[format!("progress-{value}")] = json!("40");
    form[format!("note-{value}")] = json!("waiting on legal");
    form[format!("blocker-{value}")] = json!("contract review");
    let r = app
        .teams_post(&submit(&app, ANA, "1:ana-card", form.clone()))
        .await;
    assert_eq!(r.status, 200);
    let updates = app.teams.wait_for("update", 1).await;
    assert_eq!(updates[0].activity_id.as_deref(), Some("1:ana-card"));
    assert_eq!(updates[0].method, "PUT");
    let (status, progress): (String, i64) =
        sqlx::query_as("SELECT status, progress FROM priorities WHERE number = 1")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), progress),
        ("at-risk", 40),
        "the form overrode the click"
    );

    // A bad form value is refused with what to fix, and nothing is recorded.
    form[format!("progress-{value}")] = json!("140");
    let r = app
        .teams_post(&execute(&app, ANA, "1:ana-card", form))
        .await;
    assert_eq!(r.body["type"], "application/vnd.microsoft.activity.message");
    assert!(
        r.body["value"].as_str().unwrap().contains("0 to 100"),
        "{:#}",
        r.body
    );

    // Ben cannot answer Ana's check-in, and a forged value is not one of pacer's.
    let r = app.teams_post(&execute(&app, BEN, "1:x", on_track)).await;
    assert!(
        r.body["value"]
            .as_str()
            .unwrap()
            .contains("only they can answer"),
        "{:#}",
        r.body
    );
    let r = app
        .teams_post(&execute(
            &app,
            BEN,
            "1:x",
            json!({"pacer": "checkin:done", "value": "999:1"}),
        ))
        .await;
    assert!(
        r.body["value"]
            .as_str()
            .unwrap()
            .contains("Nothing was recorded")
            || r.body["value"].as_str().unwrap().contains("not one of"),
        "{:#}",
        r.body
    );

    // Ben answers in words in his chat.
    let ben_n = all_text(&ben_prompt.body);
    assert!(ben_n.contains("Fraud rules"));
    app.teams_post(&personal(&app, BEN, "#3 off-track 10% vendor late"))
        .await;
    let status: String = sqlx::query_scalar("SELECT status FROM priorities WHERE number = 3")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(status, "off-track");
}

#[tokio::test]
async fn blocked_or_missing_conversations_are_marked_stale_and_throttling_is_respected() {
    let app = spawn_app().await;
    platform_with_rhythm(&app).await;
    ana_and_ben_chat(&app).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap());
    // One of them blocked the bot; the other's first send is throttled for 30 s. Prompts go
    // out concurrently, so which meets which is not fixed: the stale reference says.
    app.teams.fail_next("send", 429, "Throttled", Some(30));
    app.teams
        .fail_next("send", 403, "MessageWritesBlocked", None);
    let first = app.tick().await;
    let delivered = |app: &TestApp| {
        app.teams
            .calls_of("send")
            .into_iter()
            .filter(|c| all_text(&c.body).contains("Check-in for Platform"))
            .count()
    };
    assert_eq!(delivered(&app), 0, "{first:?}");
    let stale: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT target, stale_reason FROM conversation_refs WHERE stale_at IS NOT NULL",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(
        stale[0]
            .1
            .as_deref()
            .unwrap()
            .contains("MessageWritesBlocked")
    );
    // Not before Retry-After…
    app.clock.advance(Duration::seconds(10));
    app.tick().await;
    assert_eq!(delivered(&app), 0);
    // …then once, and never to the blocked chat.
    app.clock.advance(Duration::seconds(60));
    app.tick().await;
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    assert_eq!(delivered(&app), 1);
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'failed'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(failed, 1, "the blocked prompt gave up at once");
    // Once the person who blocked pacer writes to it again, their chat is usable again.
    let blocked = stale[0].0.clone();
    assert!(blocked == ANA || blocked == BEN, "{blocked}");
    app.teams_post(&personal(&app, &blocked, "checkin")).await;
    let stale: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM conversation_refs WHERE stale_at IS NOT NULL")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(stale, 0);
}

#[tokio::test]
async fn a_quarter_of_check_ins_and_digests_in_a_teams_tenant() {
    let app = spawn_app().await;
    platform_with_rhythm(&app).await;
    ana_and_ben_chat(&app).await;
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap();
    let end = start + Duration::days(91);
    let mut now = start;
    let mut answered_weeks = 0;
    let mut seen_prompts = 0;
    while now < end {
        app.clock.set(now);
        app.tick().await;
        // Ana answers every new prompt with a click, by Action.Execute.
        let prompts: Vec<_> = app
            .teams
            .calls_of("send")
            .into_iter()
            .filter(|c| {
                c.conversation == personal_conversation(ANA)
                    && all_text(&c.body).starts_with("Check-in for Platform")
            })
            .collect();
        for p in prompts.iter().skip(seen_prompts) {
            let clicks = buttons_data(&p.body, "On track");
            assert_eq!(clicks.len(), 2, "one row of buttons per priority");
            for data in clicks {
                let r = app.teams_post(&execute(&app, ANA, "1:card", data)).await;
                assert_eq!(r.body["statusCode"], 200);
            }
            answered_weeks += 1;
        }
        seen_prompts = prompts.len();
        now += Duration::hours(1);
    }
    let sends = app.teams.calls_of("send");
    let prompts = |user: &str, header: &str| {
        sends
            .iter()
            .filter(|c| c.conversation == personal_conversation(user))
            .filter(|c| all_text(&c.body).starts_with(header))
            .count()
    };
    // 13 Mondays from 23 Nov 2026 to 15 Feb 2027.
    assert_eq!(prompts(ANA, "Check-in for Platform"), 13);
    assert_eq!(prompts(BEN, "Check-in for Platform"), 13);
    assert_eq!(answered_weeks, 13);
    // Ben never answers: reminded every week; Ana answered everything: never reminded.
    assert_eq!(prompts(BEN, "Reminder"), 13);
    assert_eq!(prompts(ANA, "Reminder"), 0);
    // 13 Fridays: a digest post in the channel and its thread reply each time.
    let posts = sends.iter().filter(|c| c.conversation == CHANNEL).count();
    let threads = app
        .teams
        .calls_of("reply")
        .iter()
        .filter(|c| {
            c.conversation.starts_with(&format!("{CHANNEL};messageid="))
                && c.conversation
                    .ends_with(c.activity_id.as_deref().unwrap_or("?"))
                && all_text(&c.body).contains("All priorities of Platform")
        })
        .count();
    assert_eq!(posts, 13);
    assert_eq!(threads, 13);
    let last = sends
        .iter()
        .rev()
        .find(|c| c.conversation == CHANNEL)
        .unwrap();
    let text = all_text(&last.body);
    assert!(
        text.contains("Platform") && text.contains("1 of 2 owners"),
        "{text}"
    );
}

/// As an operator runs it: `pacer tick` in its own process, configured from the environment,
/// delivers the Teams prompts through the connector (token, 1:1 chats) exactly once.
#[tokio::test]
async fn pacer_tick_in_another_process_delivers_teams_prompts_once() {
    let app = spawn_app().await;
    platform_with_rhythm(&app).await;
    ana_and_ben_chat(&app).await;
    let tick = |at: &'static str| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"));
        cmd.args(["tick", "--now", at])
            .env("PACER_DATABASE_URL", &app.db_url)
            .envs(app.key_env())
            .env("RUST_LOG", "warn");
        for (k, v) in app.teams.config() {
            cmd.env(k, v);
        }
        cmd
    };
    for _ in 0..2 {
        let out = tick("2026-11-30T08:00:00Z").output().await.unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let prompts: Vec<_> = app
        .teams
        .calls_of("send")
        .into_iter()
        .filter(|c| all_text(&c.body).starts_with("Check-in for Platform"))
        .collect();
    assert_eq!(
        prompts.len(),
        2,
        "one prompt each for Ana and Ben, even ticked twice"
    );
    let mut to: Vec<_> = prompts.iter().map(|c| c.conversation.clone()).collect();
    to.sort();
    assert_eq!(to, [personal_conversation(ANA), personal_conversation(BEN)]);
    assert!(
        app.teams.token_requests().len() >= 2,
        "the tick process fetched its own connector token"
    );
}

/// An API token asked for in a channel is never posted there: Teams has no private replies in
/// channels, so it goes to the admin's 1:1 chat, and it reads the Teams tenant's workspace.
#[tokio::test]
async fn an_api_token_asked_for_in_a_channel_arrives_in_the_personal_chat() {
    let app = spawn_app().await;
    let mut install = base(&app, "installationUpdate", BEN);
    install["action"] = json!("add");
    install["conversation"] = json!({"conversationType": "personal", "tenantId": TENANT, "id": personal_conversation(BEN)});
    install["channelData"] = json!({"tenant": {"id": TENANT}});
    assert_eq!(app.teams_post(&install).await.status, 200);
    app.teams.wait_for("send", 1).await;
    app.teams_post(&in_channel(&app, BEN, "team add Platform", &[]))
        .await;
    app.teams.wait_for("reply", 1).await;

    // Ana is no admin: refused in the thread.
    app.teams_post(&in_channel(&app, ANA, "token add bi", &[]))
        .await;
    let replies = app.teams.wait_for("reply", 2).await;
    assert!(
        all_text(&replies[1].body)
            .to_lowercase()
            .contains("only an admin")
    );

    app.teams_post(&in_channel(&app, BEN, "token add bi", &[]))
        .await;
    let sends = app.teams.wait_for("send", 2).await;
    let private = &sends[1];
    assert_eq!(private.conversation, personal_conversation(BEN));
    let text = all_text(&private.body);
    let start = text.find("pacer_").expect("the token in the 1:1 chat");
    let token = &text[start..start + 49];
    let replies = app.teams.wait_for("reply", 3).await;
    assert!(
        !replies.iter().any(|r| r.body.to_string().contains(token)),
        "never in the channel"
    );
    let teams: Value = app
        .http
        .get(format!("{}/api/v1/teams", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(teams["items"][0]["name"], "Platform");
    assert_eq!(teams["items"].as_array().unwrap().len(), 1);
}
