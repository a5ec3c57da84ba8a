//! Hostile input, generated: arbitrary text and JSON structures, correctly signed so they get
//! past authentication, fed to every reader a platform reaches (Slack's slash commands, events
//! and interactivity payloads, Teams activities, the check-in form). Never a panic, never a
//! 5xx, and nothing stored from what is not a command.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

use crate::common::{TestApp, spawn_app};

const CASES: usize = 96;

/// Keys the readers look for, so generated structures reach past the first check.
const KEYS: &[&str] = &[
    "type",
    "event",
    "team_id",
    "enterprise_id",
    "event_id",
    "user",
    "text",
    "channel",
    "channel_type",
    "tab",
    "subtype",
    "bot_id",
    "actions",
    "action_id",
    "value",
    "view",
    "state",
    "values",
    "callback_id",
    "private_metadata",
    "team",
    "id",
    "container",
    "message_ts",
    "channel_id",
    "is_ephemeral",
    "response_url",
    "trigger_id",
    "from",
    "name",
    "conversation",
    "conversationType",
    "tenantId",
    "channelData",
    "tenant",
    "entities",
    "mentioned",
    "replyToId",
    "verb",
    "data",
    "challenge",
    "is_enterprise_install",
];
const TYPES: &[&str] = &[
    "event_callback",
    "url_verification",
    "message",
    "app_home_opened",
    "app_uninstalled",
    "tokens_revoked",
    "block_actions",
    "view_submission",
    "invoke",
    "conversationUpdate",
    "installationUpdate",
    "mention",
    "button",
    "home",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::String),
        proptest::sample::select(TYPES).prop_map(|t| json!(t)),
        "(checkin:(on-track|at-risk|update|x)|[0-9]{1,20}:[0-9]{1,20}|U0[A-Z]{3,8}|-?[0-9]{1,25})"
            .prop_map(Value::String),
    ]
}

fn structure() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(KEYS).prop_map(str::to_string),
                        any::<String>()
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An object with a known `type` at the top, the rest generated.
fn typed_object() -> impl Strategy<Value = Value> {
    (proptest::sample::select(TYPES), structure()).prop_map(|(t, rest)| {
        let mut m = match rest {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("event".into(), other);
                m
            }
        };
        m.insert("type".into(), json!(t));
        Value::Object(m)
    })
}

fn samples<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::new(Config::default());
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

async fn nothing_stored(app: &TestApp) {
    assert_eq!(app.count("teams").await, 0, "a team was created");
    assert_eq!(app.count("priorities").await, 0, "a priority was created");
    assert_eq!(
        app.count("priority_updates").await,
        0,
        "an update was recorded"
    );
}

#[tokio::test]
async fn arbitrary_slash_command_text_never_fails_the_server() {
    let app = spawn_app().await;
    for text in samples(any::<String>(), CASES) {
        let r = app.slash("U0ANA", &text).await;
        assert!(r.status < 500, "{text:?} → {} {}", r.status, r.text);
    }
    nothing_stored(&app).await;
}

#[tokio::test]
async fn arbitrary_slack_events_never_fail_the_server() {
    let app = spawn_app().await;
    let mut bodies: Vec<String> = samples(typed_object(), CASES)
        .into_iter()
        .map(|v| v.to_string())
        .collect();
    // Envelopes whose event is arbitrary.
    bodies.extend(samples(structure(), CASES / 2).into_iter().map(|event| {
        json!({"type": "event_callback", "team_id": "T0001", "event_id": "Ev0HOSTILE", "event": event})
            .to_string()
    }));
    bodies.extend(samples(any::<String>(), CASES / 4));
    for body in &bodies {
        let r = app
            .post_signed("/slack/events", body, "application/json")
            .await;
        assert!(r.status < 500, "{body} → {} {}", r.status, r.text);
    }
    // Give what was acknowledged time to be handled: it must not fail the server either.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    nothing_stored(&app).await;
    let r = app
        .http
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn arbitrary_interaction_payloads_never_fail_the_server() {
    let app = spawn_app().await;
    let mut forms: Vec<String> = samples(typed_object(), CASES)
        .into_iter()
        .map(|v| serde_urlencoded::to_string([("payload", v.to_string())]).unwrap())
        .collect();
    forms.extend(
        samples(any::<String>(), CASES / 4)
            .into_iter()
            .map(|junk| serde_urlencoded::to_string([("payload", junk)]).unwrap()),
    );
    forms.extend(samples(any::<String>(), CASES / 4));
    for form in &forms {
        let r = app
            .post_signed(
                "/slack/interactivity",
                form,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert!(r.status < 500, "{form} → {} {}", r.status, r.text);
    }
    nothing_stored(&app).await;
}

#[tokio::test]
async fn arbitrary_teams_activities_never_fail_the_server() {
    let app = spawn_app().await;
    let service_url = app.teams.service_url();
    for v in samples(typed_object(), CASES) {
        let mut a = v;
        // Past authentication, so that the activity reader itself is what is tried.
        a["serviceUrl"] = json!(service_url);
        a["channelId"] = json!("msteams");
        let r = app.teams_post(&a).await;
        assert!(r.status < 500, "{a} → {} {}", r.status, r.text);
    }
    for text in samples(any::<String>(), CASES / 2) {
        let a = crate::msteams::personal(&app, crate::msteams::ANA, &text);
        let r = app.teams_post(&a).await;
        assert!(r.status < 500, "{text:?} → {} {}", r.status, r.text);
    }
    nothing_stored(&app).await;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The check-in form reader takes whatever a form submits and never panics.
    #[test]
    fn the_check_in_form_reader_takes_anything(
        status in proptest::option::of(any::<String>()),
        progress in proptest::option::of(any::<String>()),
        note in proptest::option::of(any::<String>()),
        blocker in proptest::option::of(any::<String>()),
    ) {
        let input = pacer::rhythm::checkin::FormInput {
            status: status.as_deref(),
            progress: progress.as_deref(),
            note: note.as_deref(),
            blocker: blocker.as_deref(),
        };
        if let Ok(answer) = pacer::rhythm::checkin::read_form(input) {
            // Whatever it accepts is within the form's limits.
            let text = format!("{answer:?}");
            prop_assert!(text.len() < 4 * (pacer::rhythm::checkin::NOTE_MAX + pacer::rhythm::checkin::BLOCKER_MAX) + 200);
        }
    }
}
