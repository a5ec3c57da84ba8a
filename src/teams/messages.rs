//! `POST /teams/messages`: every activity Teams sends. The bearer token is verified before the
//! body is read; then the activity is checked against what the token vouches for (serviceUrl,
//! channel endorsement), deduplicated (Teams redelivers), and its conversation remembered so
//! pacer can write there later.
//!
//! - `message` with text: a command (`@pacer add …` in a channel, `add …` in the personal chat;
//!   `#12 at-risk 40% …` there records a check-in). The reply goes to the same conversation.
//! - `message` with a `value` and no text: an `Action.Submit` from a check-in card.
//! - `invoke` `adaptiveCard/action`: an `Action.Execute`, answered with the refreshed card.
//! - `installationUpdate` / `conversationUpdate`: install, membership; references stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::activity::{Activity, command_text};
use super::auth::AuthError;
use super::cards::{self, ACTION_FORM, VERB, input_id};
use super::{PLATFORM, PREFIX_CHANNEL, PREFIX_PERSONAL, SenderDirectory, TeamsPlatform, valid_id};
use crate::commands::execute::{ChannelInfo, Invocation, Services, try_run_text};
use crate::domain::Status;
use crate::error::AppError;
use crate::message::{Block, Message, Rich, Visibility};
use crate::messenger::Messenger;
use crate::people::{Profile, ensure_person};
use crate::rhythm::checkin::{self, Answer, CheckinError, FormInput};
use crate::rhythm::prompt::{ACTION_PREFIX, parse_action_value};
use crate::startup::AppState;
use crate::store::{Delivery, NewRef, PersonRow, RefKind};

pub async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let Some(teams) = state.teams.as_ref() else {
        return Err(AppError::NotFound);
    };
    let now = state.clock.now();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let verified = teams
        .auth
        .verify(authorization, now)
        .await
        .map_err(auth_error)?;
    let activity: Activity = serde_json::from_slice(&body)
        .map_err(|_| AppError::BadRequest("malformed activity".into()))?;
    verified
        .check_activity(&activity.service_url, &activity.channel_id)
        .map_err(auth_error)?;

    let tenant = activity
        .tenant()
        .filter(|t| valid_id(t))
        .ok_or_else(|| AppError::BadRequest("activity names no tenant".into()))?
        .to_string();
    if let Some(only) = &teams.tenant
        && !only.eq_ignore_ascii_case(&tenant)
    {
        return Err(AppError::Forbidden(
            "this pacer serves one tenant (TEAMS_TENANT_ID), not this one".into(),
        ));
    }
    let from = activity
        .from
        .as_ref()
        .filter(|f| valid_id(&f.id))
        .ok_or_else(|| AppError::BadRequest("activity has no sender".into()))?
        .clone();
    let conversation = activity
        .conversation
        .as_ref()
        .filter(|c| valid_id(&c.id))
        .ok_or_else(|| AppError::BadRequest("activity has no conversation".into()))?
        .clone();

    // Claimed before it is handled and marked done only once handled: if handling fails,
    // nothing is recorded and the platform's redelivery is handled again.
    let delivery = activity
        .id
        .as_deref()
        .filter(|id| !id.is_empty())
        .map(|id| delivery_key(&conversation.id, id, &activity.kind));
    if let Some(key) = &delivery {
        let claim = state
            .store
            .claim_delivery(PLATFORM, key, now.timestamp(), DELIVERY_LEASE_SECS)
            .await?;
        if claim == Delivery::Duplicate {
            tracing::info!(activity = %activity.kind, "duplicate Teams delivery ignored");
            return Ok(duplicate(&activity));
        }
    }
    let handled = handle_activity(&state, teams, &tenant, &from, &activity).await;
    if let Some(key) = &delivery {
        let recorded = match &handled {
            Ok(_) => state.store.finish_delivery(PLATFORM, key).await,
            Err(_) => state.store.release_delivery(PLATFORM, key).await,
        };
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record how a Teams delivery ended");
        }
    }
    handled
}

/// How long a replica holds a Teams activity it is handling before another may take it.
const DELIVERY_LEASE_SECS: i64 = 60;

async fn handle_activity(
    state: &AppState,
    teams: &TeamsPlatform,
    tenant: &str,
    from: &super::activity::Account,
    activity: &Activity,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let ws = state
        .store
        .ensure_workspace(PLATFORM, tenant, now.timestamp())
        .await?;
    remember(state, teams, ws, activity).await?;
    let ctx = Ctx {
        state,
        teams,
        ws,
        tenant,
        activity,
    };
    match activity.kind.as_str() {
        "message" => {
            let text = activity.text.as_deref().unwrap_or("").trim();
            match &activity.value {
                Some(value) if text.is_empty() && value.is_object() => {
                    submit(&ctx, &from.id, value).await?;
                }
                _ if !text.is_empty() => command(&ctx, text).await?,
                _ => {}
            }
            Ok(StatusCode::OK.into_response())
        }
        "invoke" if activity.name.as_deref() == Some("adaptiveCard/action") => {
            execute(&ctx, &from.id).await
        }
        // Other invokes (message extensions, task modules) are not pacer's; say so politely.
        "invoke" => Ok(Json(json!({"statusCode": 200})).into_response()),
        "installationUpdate" | "conversationUpdate" => {
            installed(&ctx).await?;
            Ok(StatusCode::OK.into_response())
        }
        _ => Ok(StatusCode::OK.into_response()),
    }
}

fn auth_error(e: AuthError) -> AppError {
    match e {
        AuthError::Unauthorized(why) => AppError::Unauthorized(why),
        AuthError::Forbidden(why) => AppError::Forbidden(why),
        AuthError::Unavailable(why) => AppError::Unavailable(why),
    }
}

/// Activity ids are unique within a conversation; the key stays short whatever Teams sends.
fn delivery_key(conversation: &str, id: &str, kind: &str) -> String {
    let digest = Sha256::digest(format!("{kind}\n{conversation}\n{id}").as_bytes());
    hex::encode(digest)
}

/// A redelivered invoke still needs an invoke response; everything else just a 200.
fn duplicate(activity: &Activity) -> Response {
    if activity.kind == "invoke" {
        return Json(invoke_message("Already recorded.")).into_response();
    }
    StatusCode::OK.into_response()
}

struct Ctx<'a> {
    state: &'a AppState,
    teams: &'a TeamsPlatform,
    ws: i64,
    tenant: &'a str,
    activity: &'a Activity,
}

impl Ctx<'_> {
    fn directory(&self) -> SenderDirectory {
        let from = self.activity.from.clone().unwrap_or_default();
        SenderDirectory {
            profile: Profile {
                name: from
                    .name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| "someone".into()),
                tz: self
                    .activity
                    .timezone()
                    .filter(|z| z.parse::<chrono_tz::Tz>().is_ok())
                    .map(str::to_string),
            },
            user_id: from.id,
            refs: Some((self.state.store.clone(), self.ws)),
        }
    }

    async fn person(&self, user_id: &str) -> Result<PersonRow, AppError> {
        let name = self.activity.from.as_ref().and_then(|f| f.name.clone());
        Ok(ensure_person(
            &self.state.store,
            &self.directory(),
            self.ws,
            user_id,
            name.as_deref(),
            self.state.clock.now(),
        )
        .await?)
    }

    fn configured_admin(&self) -> bool {
        let admins = &self.state.config.admins;
        self.activity.from.as_ref().is_some_and(|f| {
            admins.contains(&f.id)
                || f.aad_object_id
                    .as_ref()
                    .is_some_and(|aad| admins.contains(aad))
        })
    }

    /// Answer in the conversation the activity came from (in a channel, into its thread),
    /// after the webhook has been acknowledged.
    fn reply(&self, message: Message) {
        let a = self.activity;
        let (Some(conversation), Some(id)) = (a.conversation.as_ref(), a.id.clone()) else {
            return;
        };
        let api = self.teams.api.clone();
        let service_url = a.service_url.clone();
        let conversation = conversation.id.clone();
        let mut body = cards::activity(&message);
        body["replyToId"] = json!(id);
        self.state.tasks.spawn(async move {
            if let Err(e) = api.reply(&service_url, &conversation, &id, &body).await {
                tracing::warn!(error = %e, "could not reply in Teams");
            }
        });
    }
}

/// Keep where the sender and the channel can be reached, from every activity.
async fn remember(
    state: &AppState,
    teams: &TeamsPlatform,
    ws: i64,
    a: &Activity,
) -> Result<(), AppError> {
    if !teams.api.allowed(&a.service_url) {
        tracing::warn!(
            host = %super::api::host_of(&a.service_url).unwrap_or_default(),
            "activity from a serviceUrl outside TEAMS_SERVICE_URL_ALLOW; pacer will not send there"
        );
        return Ok(());
    }
    let now = state.clock.now().timestamp();
    let store = &state.store;
    let Some(conversation) = a.conversation.as_ref() else {
        return Ok(());
    };
    if a.is_personal() {
        if let Some(from) = a.from.as_ref().filter(|f| f.id.starts_with("29:")) {
            let r = NewRef {
                kind: RefKind::Person,
                target: &from.id,
                service_url: &a.service_url,
                conversation_id: &conversation.id,
                team_id: None,
            };
            store.save_conversation_ref(ws, r, now).await?;
        }
    } else if let Some(channel) = a.channel().filter(|c| valid_id(c)) {
        let r = NewRef {
            kind: RefKind::Channel,
            target: channel,
            service_url: &a.service_url,
            conversation_id: channel,
            team_id: a.team_id(),
        };
        store.save_conversation_ref(ws, r, now).await?;
    }
    Ok(())
}

/// A command typed to pacer.
async fn command(ctx: &Ctx<'_>, text: &str) -> Result<(), AppError> {
    let a = ctx.activity;
    let from = a.from.clone().unwrap_or_default();
    let caller = ctx.person(&from.id).await?;
    let bot = a.recipient.as_ref().map(|r| r.id.as_str());
    let mut words = command_text(text, &a.mentions(), bot);
    // "pacer add …" or "/pacer add …" typed without a real mention reads the same.
    for lead in ["@pacer ", "/pacer ", "pacer "] {
        if words
            .get(..lead.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(lead))
        {
            words = words[lead.len()..].trim().to_string();
            break;
        }
    }
    let personal = a.is_personal();
    let channel = (!personal)
        .then(|| a.channel())
        .flatten()
        .filter(|c| valid_id(c))
        .map(|id| ChannelInfo {
            id: id.to_string(),
            name: a.channel_name().map(str::to_string),
        });
    let inv = Invocation {
        workspace_id: ctx.ws,
        caller,
        configured_admin: ctx.configured_admin(),
        channel,
        now: ctx.state.clock.now(),
        prefix: if personal {
            PREFIX_PERSONAL
        } else {
            PREFIX_CHANNEL
        },
    };
    let directory = ctx.directory();
    let services = Services {
        store: &ctx.state.store,
        directory: &directory,
        admins: &ctx.state.config.admins,
        links: Some(crate::commands::execute::Links {
            keyring: &ctx.state.keyring,
            public_url: &ctx.state.config.public_url,
        }),
    };
    let command = if personal && words.starts_with('#') {
        format!("status {words}")
    } else if words.is_empty() {
        "help".to_string()
    } else {
        words
    };
    let reply = try_run_text(&services, &inv, &command).await?;
    if personal && command.starts_with("status ") {
        let messenger = ctx.teams.messenger(ctx.state.store.clone());
        let now = ctx.state.clock.now();
        checkin::refresh_open_prompts(
            &ctx.state.store,
            &messenger,
            ctx.tenant,
            ctx.ws,
            &inv.caller,
            now,
        )
        .await;
    }
    // A channel has no private replies: what only the caller may see (a dashboard link) goes
    // to their 1:1 chat with pacer, and the channel is told where it went.
    if !personal && reply.visibility == Visibility::Confidential {
        let messenger = ctx.teams.messenger(ctx.state.store.clone());
        let user = from.id.clone();
        let tenant = ctx.tenant.to_string();
        let note = match messenger
            .send_direct(&tenant, &user, &reply, "private-reply")
            .await
        {
            Ok(_) => "I've sent you the answer in our 1:1 chat: it is for your eyes only.",
            Err(e) => {
                tracing::warn!(error = %e, "could not send a private answer to the 1:1 chat");
                "That answer is for your eyes only: message me in our 1:1 chat and ask there."
            }
        };
        ctx.reply(Message {
            blocks: vec![Block::Text(Rich::new().text(note))],
            visibility: Visibility::Shared,
        });
        return Ok(());
    }
    ctx.reply(reply);
    Ok(())
}

/// What a card action asks for: a status click or the form.
enum CardAction {
    Answer {
        cycle_id: i64,
        priority_id: i64,
        answer: Answer,
    },
    /// The form was filled in wrongly: say what to fix.
    Invalid(String),
    /// Not one of pacer's check-in actions.
    Foreign,
}

fn card_action(data: &Value) -> CardAction {
    let (Some(action), Some(value)) = (
        data.get(VERB).and_then(Value::as_str),
        data.get("value").and_then(Value::as_str),
    ) else {
        return CardAction::Foreign;
    };
    let Some((cycle_id, priority_id)) = parse_action_value(value) else {
        return CardAction::Foreign;
    };
    if action == ACTION_FORM {
        let input = |field: &str| {
            data.get(input_id(field, value)).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let (status, progress, note, blocker) = (
            input("status"),
            input("progress"),
            input("note"),
            input("blocker"),
        );
        return match checkin::read_form(FormInput {
            status: status.as_deref(),
            progress: progress.as_deref(),
            note: note.as_deref(),
            blocker: blocker.as_deref(),
        }) {
            Ok(answer) => CardAction::Answer {
                cycle_id,
                priority_id,
                answer,
            },
            Err(problems) => CardAction::Invalid(
                problems
                    .iter()
                    .map(|(_, why)| *why)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        };
    }
    match action
        .strip_prefix(ACTION_PREFIX)
        .and_then(|s| s.parse::<Status>().ok())
    {
        Some(status) => CardAction::Answer {
            cycle_id,
            priority_id,
            answer: Answer::Status(status),
        },
        None => CardAction::Foreign,
    }
}

/// The outcome of a card action, for either way it arrived.
enum Outcome {
    /// The prompt as it stands now, to show in place of the card.
    Refreshed(Message),
    /// Something to tell the person instead.
    Told(String),
}

async fn answer(ctx: &Ctx<'_>, user_id: &str, data: &Value) -> Result<Outcome, AppError> {
    let (cycle_id, priority_id, answer) = match card_action(data) {
        CardAction::Answer {
            cycle_id,
            priority_id,
            answer,
        } => (cycle_id, priority_id, answer),
        CardAction::Invalid(why) => {
            return Ok(Outcome::Told(format!("⚠️ {why} Nothing was recorded.")));
        }
        CardAction::Foreign => {
            return Ok(Outcome::Told(
                "⚠️ That button is not one of pacer's check-ins.".into(),
            ));
        }
    };
    let person = ctx.person(user_id).await?;
    let now = ctx.state.clock.now();
    let store = &ctx.state.store;
    match checkin::record(store, ctx.ws, &person, cycle_id, priority_id, &answer, now).await {
        Ok(recorded) => {
            let message =
                checkin::current_prompt(store, ctx.ws, &recorded.cycle, &person, now, false)
                    .await?;
            Ok(Outcome::Refreshed(message))
        }
        Err(CheckinError::Store(e)) => Err(e.into()),
        Err(e) => Ok(Outcome::Told(format!("⚠️ {}", e.refusal()))),
    }
}

/// `Action.Submit`: the answer arrives as a message; the card is updated with a PUT.
async fn submit(ctx: &Ctx<'_>, user_id: &str, value: &Value) -> Result<(), AppError> {
    match answer(ctx, user_id, value).await? {
        Outcome::Refreshed(message) => {
            let a = ctx.activity;
            if let (Some(card_id), Some(conversation)) =
                (a.reply_to_id.clone(), a.conversation.as_ref())
            {
                let api = ctx.teams.api.clone();
                let service_url = a.service_url.clone();
                let conversation = conversation.id.clone();
                let mut body = cards::activity(&message);
                body["id"] = json!(card_id);
                ctx.state.tasks.spawn(async move {
                    if let Err(e) = api
                        .update(&service_url, &conversation, &card_id, &body)
                        .await
                    {
                        tracing::warn!(error = %e, "could not update the check-in card");
                    }
                });
            }
        }
        Outcome::Told(text) => {
            ctx.reply(Message::private(vec![Block::Text(Rich::new().text(text))]))
        }
    }
    Ok(())
}

fn invoke_message(text: &str) -> Value {
    json!({"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text})
}

/// `Action.Execute`: the answer arrives as an invoke; the response body is the new card.
async fn execute(ctx: &Ctx<'_>, user_id: &str) -> Result<Response, AppError> {
    let value = ctx.activity.value.clone().unwrap_or(Value::Null);
    let Some(action) = value.get("action") else {
        return Ok((
            StatusCode::BAD_REQUEST,
            Json(json!({
                "statusCode": 400,
                "type": "application/vnd.microsoft.error",
                "value": {"code": "BadRequest", "message": "no action in the invoke"}
            })),
        )
            .into_response());
    };
    if action.get("verb").and_then(Value::as_str) != Some(VERB) {
        return Ok(Json(invoke_message("That action is not one of pacer's.")).into_response());
    }
    let data = action.get("data").cloned().unwrap_or(Value::Null);
    match answer(ctx, user_id, &data).await? {
        Outcome::Refreshed(message) => Ok(Json(json!({
            "statusCode": 200,
            "type": cards::CARD_CONTENT_TYPE,
            "value": cards::card(&message),
        }))
        .into_response()),
        Outcome::Told(text) => Ok(Json(invoke_message(&text)).into_response()),
    }
}

/// The app was installed (or the bot added to a team): the installer becomes the first admin,
/// and pacer says hello with what to do first.
async fn installed(ctx: &Ctx<'_>) -> Result<(), AppError> {
    let a = ctx.activity;
    let bot = a.recipient.as_ref().map(|r| r.id.as_str()).unwrap_or("28:");
    let added = match a.kind.as_str() {
        "installationUpdate" => a.action.as_deref() == Some("add"),
        _ => a.members_added.iter().any(|m| m.id == bot),
    };
    let removed = a.kind == "installationUpdate" && a.action.as_deref() == Some("remove");
    let store = &ctx.state.store;
    let now = ctx.state.clock.now().timestamp();
    if removed {
        if let Some(from) = a.from.as_ref().filter(|_| a.is_personal()) {
            store
                .mark_conversation_stale(ctx.ws, RefKind::Person, &from.id, "app uninstalled", now)
                .await?;
        } else if let Some(channel) = a.channel() {
            store
                .mark_conversation_stale(ctx.ws, RefKind::Channel, channel, "app removed", now)
                .await?;
        }
        return Ok(());
    }
    if !added {
        return Ok(());
    }
    let from = a.from.clone().unwrap_or_default();
    let installer = ctx.person(&from.id).await?;
    if !store.has_admin(ctx.ws).await? {
        store.set_admin(ctx.ws, installer.id, true).await?;
        tracing::info!("the installer is the tenant's first pacer admin");
    }
    let hello = if a.is_personal() {
        Rich::new()
            .text("Hi, I'm pacer. I keep your team's priorities moving: a short check-in each week, a digest for the team, and a flag when something drifts. Type ")
            .code("help")
            .text(" to see what I can do, or ")
            .code("list mine")
            .text(" for your priorities.")
    } else {
        Rich::new()
            .text("Hi, I'm pacer. Link this channel to a team with ")
            .code("@pacer team add <name>")
            .text(", then add priorities with ")
            .code("@pacer add <title> due:<date>")
            .text(". Type ")
            .code("@pacer help")
            .text(" for everything else.")
    };
    // Teams announces one install twice (conversationUpdate and installationUpdate): greet once.
    let conversation = a.conversation.as_ref().map(|c| c.id.as_str()).unwrap_or("");
    if store
        .first_delivery(
            PLATFORM,
            &delivery_key(conversation, "hello", "greeting"),
            now,
        )
        .await?
    {
        ctx.reply_new(Message::private(vec![Block::Text(hello)]));
    }
    Ok(())
}

impl Ctx<'_> {
    /// A new message in the activity's conversation (not a reply to it).
    fn reply_new(&self, message: Message) {
        let a = self.activity;
        let Some(conversation) = a.conversation.as_ref() else {
            return;
        };
        if !self.teams.api.allowed(&a.service_url) {
            return;
        }
        let api = self.teams.api.clone();
        let service_url = a.service_url.clone();
        let conversation = conversation.id.clone();
        let body = cards::activity(&message);
        self.state.tasks.spawn(async move {
            if let Err(e) = api.send(&service_url, &conversation, &body).await {
                tracing::warn!(error = %e, "could not say hello in Teams");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_actions_are_read_strictly() {
        let click = json!({VERB: "checkin:at-risk", "value": "3:9"});
        assert!(matches!(
            card_action(&click),
            CardAction::Answer {
                cycle_id: 3,
                priority_id: 9,
                answer: Answer::Status(Status::AtRisk)
            }
        ));
        for forged in [
            json!({VERB: "checkin:at-risk", "value": "x:9"}),
            json!({VERB: "checkin:maybe", "value": "3:9"}),
            json!({"key": "value"}),
            json!({VERB: 7, "value": "3:9"}),
        ] {
            assert!(
                matches!(card_action(&forged), CardAction::Foreign),
                "{forged}"
            );
        }
    }

    #[test]
    fn the_form_checks_its_inputs() {
        let form = |progress: Value| {
            json!({VERB: ACTION_FORM, "value": "3:9", "status-3:9": "off-track",
                   "progress-3:9": progress, "note-3:9": " waiting on legal ", "blocker-3:9": ""})
        };
        // The inputs are found by their per-priority ids and read by the shared form reader.
        let expected = checkin::read_form(FormInput {
            status: Some("off-track"),
            progress: Some("40"),
            note: Some("waiting on legal"),
            blocker: None,
        })
        .unwrap();
        match card_action(&form(json!("40"))) {
            CardAction::Answer {
                cycle_id: 3,
                priority_id: 9,
                answer,
            } => assert_eq!(answer, expected),
            _ => panic!("expected a form answer"),
        }
        assert!(matches!(
            card_action(&form(json!(55))),
            CardAction::Answer { .. }
        ));
        for bad in [json!("140"), json!("4.5"), json!("lots"), json!(-1)] {
            assert!(
                matches!(card_action(&form(bad.clone())), CardAction::Invalid(_)),
                "{bad}"
            );
        }
        let no_status = json!({VERB: ACTION_FORM, "value": "3:9", "progress-3:9": "10"});
        assert!(matches!(card_action(&no_status), CardAction::Invalid(_)));
    }
}
