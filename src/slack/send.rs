//! `pacer slack send`: drive a running pacer the way Slack does, without a Slack app.
//!
//! Each request is shaped like Slack's (a slash command form, an Events API envelope, a
//! `block_actions` click) and signed with the signing secret exactly as Slack signs it, so the
//! server cannot tell it from the real thing. Useful to try a deployment, and in tests.

use std::time::Duration;

use chrono::Utc;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::signature;

/// Where to send and as whom. Ids default to one example workspace, person and channel.
#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(subcommand)]
    pub what: SendWhat,
    /// The running pacer's base URL.
    #[arg(
        long,
        env = "PACER_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    pub url: String,
    /// The signing secret pacer was started with (SLACK_SIGNING_SECRET).
    #[arg(
        long,
        env = "SLACK_SIGNING_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub secret: Option<String>,
    /// The Slack user who acts.
    #[arg(long, default_value = "U0001", global = true)]
    pub user: String,
    /// The Slack workspace (team id).
    #[arg(long, default_value = "T0001", global = true)]
    pub team: String,
    /// The channel the command is typed in, or the click happens in.
    #[arg(long, default_value = "C0001", global = true)]
    pub channel: String,
}

#[derive(Debug, Subcommand)]
pub enum SendWhat {
    /// A `/pacer` slash command, e.g. `command "list all"`.
    Command { text: String },
    /// An Events API event (the inner `event` object as JSON), wrapped in Slack's envelope,
    /// e.g. `event '{"type":"app_home_opened","user":"U0001","tab":"home"}'`.
    Event { json: String },
    /// A button click: an action id and value, e.g. `click checkin:on-track --value 3:14`,
    /// or a whole `block_actions` payload as JSON.
    Click {
        /// The button's action_id, or a whole interaction payload (JSON object).
        action: String,
        /// The button's value (as pacer put it on the button).
        #[arg(long)]
        value: Option<String>,
        /// The ts of the message the button sits on.
        #[arg(long)]
        message_ts: Option<String>,
    },
}

/// A request ready to sign: path, body and content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub path: &'static str,
    pub body: String,
    pub content_type: &'static str,
}

const FORM: &str = "application/x-www-form-urlencoded";

/// Slack escapes `&`, `<` and `>` in the text of a slash command (with should_escape on,
/// mentions and channels arrive as `<@U…>` and `<#C…|name>`, which we pass as typed).
fn escape_command_text(text: &str) -> String {
    text.replace('&', "&amp;")
}

/// The request Slack would send for `what`, at Unix time `now`.
pub fn build(args: &SendArgs, now: i64) -> Result<Outgoing, String> {
    let trigger = format!(
        "{now}.1.{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    match &args.what {
        SendWhat::Command { text } => command(args, text, &trigger, now),
        SendWhat::Event { json } => event(args, json, now),
        SendWhat::Click {
            action,
            value,
            message_ts,
        } => click(
            args,
            action,
            value.as_deref(),
            message_ts.as_deref(),
            &trigger,
            now,
        ),
    }
}

/// A slash command, form-encoded as Slack sends it.
fn command(args: &SendArgs, text: &str, trigger: &str, now: i64) -> Result<Outgoing, String> {
    let response_url = format!(
        "https://hooks.slack.com/commands/{}/{now}/{}",
        args.team,
        uuid::Uuid::new_v4().simple()
    );
    let body = serde_urlencoded::to_string([
        ("token", "pacer-slack-send"),
        ("team_id", args.team.as_str()),
        ("team_domain", "example"),
        ("channel_id", args.channel.as_str()),
        ("channel_name", "general"),
        ("user_id", args.user.as_str()),
        ("user_name", &args.user.to_lowercase()),
        ("command", "/pacer"),
        ("text", &escape_command_text(text)),
        ("api_app_id", "A0PACER"),
        ("is_enterprise_install", "false"),
        ("response_url", &response_url),
        ("trigger_id", trigger),
    ])
    .map_err(|e| e.to_string())?;
    Ok(Outgoing {
        path: "/slack/commands",
        body,
        content_type: FORM,
    })
}

/// An Events API callback around `event` (a JSON object with a "type").
fn event(args: &SendArgs, event: &str, now: i64) -> Result<Outgoing, String> {
    let event: Value =
        serde_json::from_str(event).map_err(|e| format!("the event is not JSON: {e}"))?;
    if !event.is_object() || event.get("type").and_then(Value::as_str).is_none() {
        return Err("the event must be a JSON object with a \"type\"".into());
    }
    let envelope = json!({
        "token": "pacer-slack-send",
        "team_id": args.team,
        "api_app_id": "A0PACER",
        "event": event,
        "type": "event_callback",
        "event_id": format!("Ev{}", uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()),
        "event_time": now,
        "authorizations": [{"team_id": args.team, "user_id": "U0PACERBOT", "is_bot": true}],
        "is_ext_shared_channel": false,
    });
    Ok(Outgoing {
        path: "/slack/events",
        body: envelope.to_string(),
        content_type: "application/json",
    })
}

/// A button click (`block_actions`), or a whole interaction payload given as JSON.
fn click(
    args: &SendArgs,
    action: &str,
    value: Option<&str>,
    message_ts: Option<&str>,
    trigger: &str,
    now: i64,
) -> Result<Outgoing, String> {
    let payload = if action.trim_start().starts_with('{') {
        let v: Value =
            serde_json::from_str(action).map_err(|e| format!("the payload is not JSON: {e}"))?;
        v.to_string()
    } else {
        let ts = message_ts
            .map(str::to_string)
            .unwrap_or_else(|| format!("{now}.000100"));
        json!({
            "type": "block_actions",
            "user": {"id": args.user, "username": args.user.to_lowercase(), "team_id": args.team},
            "api_app_id": "A0PACER",
            "token": "pacer-slack-send",
            "container": {"type": "message", "message_ts": ts, "channel_id": args.channel, "is_ephemeral": false},
            "trigger_id": trigger,
            "team": {"id": args.team, "domain": "example"},
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": {"id": args.channel, "name": "directmessage"},
            "response_url": format!("https://hooks.slack.com/actions/{}/{now}/{}", args.team, uuid::Uuid::new_v4().simple()),
            "actions": [{
                "type": "button",
                "action_id": action,
                "block_id": "pacer-slack-send",
                "text": {"type": "plain_text", "text": action, "emoji": true},
                "value": value,
                "action_ts": format!("{now}.000200"),
            }],
        })
        .to_string()
    };
    let body = serde_urlencoded::to_string([("payload", payload)]).map_err(|e| e.to_string())?;
    Ok(Outgoing {
        path: "/slack/interactivity",
        body,
        content_type: FORM,
    })
}

/// Send it signed, print the status and the answer; exit code 0 on 2xx, 1 otherwise, 2 on
/// bad arguments.
pub async fn run(args: SendArgs) -> anyhow::Result<i32> {
    let Some(secret) = args.secret.clone().filter(|s| !s.is_empty()) else {
        eprintln!(
            "error: set SLACK_SIGNING_SECRET (or --secret) to the signing secret pacer was started with"
        );
        return Ok(2);
    };
    let now = Utc::now().timestamp();
    let out = match build(&args, now) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    let ts = now.to_string();
    let url = format!("{}{}", args.url.trim_end_matches('/'), out.path);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let response = client
        .post(&url)
        .header("content-type", out.content_type)
        .header("x-slack-request-timestamp", &ts)
        .header(
            "x-slack-signature",
            signature::sign(&secret, &ts, out.body.as_bytes()),
        )
        .body(out.body)
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not reach {url}: {e}");
            return Ok(1);
        }
    };
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    println!("{}", status.as_u16());
    match serde_json::from_str::<Value>(&text) {
        Ok(v) => println!("{}", serde_json::to_string_pretty(&v)?),
        Err(_) if text.is_empty() => {}
        Err(_) => println!("{text}"),
    }
    Ok(if status.is_success() { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        args: SendArgs,
    }

    fn args(argv: &[&str]) -> SendArgs {
        T::try_parse_from(std::iter::once("t").chain(argv.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn a_command_is_the_form_slack_posts_and_verifies_with_the_secret() {
        let a = args(&["command", "add Q&A <@U2|bo> due:Q1", "--user", "U9"]);
        let out = build(&a, 1_700_000_000).unwrap();
        assert_eq!(out.path, "/slack/commands");
        let form: std::collections::HashMap<String, String> =
            serde_urlencoded::from_str(&out.body).unwrap();
        assert_eq!(form["text"], "add Q&amp;A <@U2|bo> due:Q1");
        assert_eq!(form["user_id"], "U9");
        assert_eq!(form["team_id"], "T0001");
        assert!(form["response_url"].starts_with("https://hooks.slack.com/commands/T0001/"));
        let sig = signature::sign("s3cret", "1700000000", out.body.as_bytes());
        assert!(
            signature::verify_parts(
                "s3cret",
                "1700000000",
                &sig,
                out.body.as_bytes(),
                1_700_000_001
            )
            .is_ok()
        );
    }

    #[test]
    fn an_event_is_wrapped_in_the_envelope_and_bad_json_is_refused() {
        let a = args(&[
            "event",
            r#"{"type":"app_home_opened","user":"U1","tab":"home"}"#,
        ]);
        let out = build(&a, 5).unwrap();
        let v: Value = serde_json::from_str(&out.body).unwrap();
        assert_eq!(v["type"], "event_callback");
        assert_eq!(v["event"]["type"], "app_home_opened");
        assert!(v["event_id"].as_str().unwrap().starts_with("Ev"));
        assert!(build(&args(&["event", "{nope"]), 5).is_err());
        assert!(build(&args(&["event", "[1]"]), 5).is_err());
    }

    #[test]
    fn a_click_is_a_block_actions_payload() {
        let a = args(&[
            "click",
            "checkin:on-track",
            "--value",
            "3:14",
            "--channel",
            "D1",
        ]);
        let out = build(&a, 5).unwrap();
        let form: std::collections::HashMap<String, String> =
            serde_urlencoded::from_str(&out.body).unwrap();
        let p: Value = serde_json::from_str(&form["payload"]).unwrap();
        assert_eq!(p["type"], "block_actions");
        assert_eq!(p["actions"][0]["action_id"], "checkin:on-track");
        assert_eq!(p["actions"][0]["value"], "3:14");
        assert_eq!(p["container"]["channel_id"], "D1");
        let raw = build(&args(&["click", r#"{"type":"block_actions"}"#]), 5).unwrap();
        assert!(raw.body.starts_with("payload=%7B"));
    }
}
