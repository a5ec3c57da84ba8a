//! `POST /teams/messages`: every activity Teams sends. The bearer token is verified before the
//! body is read; then the activity is checked against what the token vouches for (serviceUrl,
//! channel endorsement), deduplicated (Teams redelivers), and its conversation remembered so
//! pacer can write there later.
//!
//! What an activity means is decided by the neutral inbound handler (`crate::inbound`); here
//! Teams' wire format becomes its events and its replies become Teams' answers:
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
use serde_json::json;
use sha2::{Digest, Sha256};

use std::sync::Arc;

use axum::Extension;

use super::activity::{Activity, Kind, command_text};
use super::auth::AuthError;
use super::card_actions::{execute, invoke_message, submit};
use super::cards;
use super::{PLATFORM, PREFIX_CHANNEL, PREFIX_PERSONAL, SenderDirectory, TeamsPlatform, valid_id};
use crate::commands::execute::ChannelInfo;
use crate::error::AppError;
use crate::inbound::{self, Event, Place, Reply, Sender};
use crate::message::{Block, Message, Rich, Visibility};
use crate::messenger::Messenger;
use crate::people::Profile;
use crate::startup::AppState;
use crate::store::{Delivery, NewRef, RefKind};

pub async fn handle(
    State(state): State<AppState>,
    Extension(teams): Extension<Arc<TeamsPlatform>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let teams = teams.as_ref();
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
        .map(|id| delivery_key(&conversation.id, id, activity.kind.name()));
    if let Some(key) = &delivery {
        let claim = state
            .store
            .claim_delivery(PLATFORM, key, now.timestamp(), DELIVERY_LEASE_SECS)
            .await?;
        if claim == Delivery::Duplicate {
            tracing::info!(
                activity = activity.kind.name(),
                "duplicate Teams delivery ignored"
            );
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
    match &activity.kind {
        Kind::Message { text, value, .. } => {
            let text = text.as_deref().unwrap_or("").trim();
            match value {
                Some(value) if text.is_empty() && value.is_object() => {
                    submit(&ctx, value).await?;
                }
                _ if !text.is_empty() => command(&ctx, &from.id, text).await?,
                _ => {}
            }
            Ok(StatusCode::OK.into_response())
        }
        Kind::Invoke { name, value } if name.as_deref() == Some("adaptiveCard/action") => {
            execute(&ctx, value.as_ref()).await
        }
        // Other invokes (message extensions, task modules) are not pacer's; say so politely.
        Kind::Invoke { .. } => Ok(Json(json!({"statusCode": 200})).into_response()),
        Kind::InstallationUpdate { .. } | Kind::ConversationUpdate { .. } => {
            installed(&ctx).await?;
            Ok(StatusCode::OK.into_response())
        }
        Kind::Other => Ok(StatusCode::OK.into_response()),
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
    if matches!(activity.kind, Kind::Invoke { .. }) {
        return Json(invoke_message("Already recorded.")).into_response();
    }
    StatusCode::OK.into_response()
}

/// One activity being handled, with what it came through.
pub(super) struct Ctx<'a> {
    pub(super) state: &'a AppState,
    pub(super) teams: &'a TeamsPlatform,
    pub(super) ws: i64,
    pub(super) tenant: &'a str,
    pub(super) activity: &'a Activity,
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

    /// The sender as the inbound handler sees them.
    fn sender(&self) -> Sender {
        let from = self.activity.from.clone().unwrap_or_default();
        let admins = &self.state.config.admins;
        let configured_admin = admins.contains(&from.id)
            || from
                .aad_object_id
                .as_ref()
                .is_some_and(|aad| admins.contains(aad));
        Sender {
            platform: PLATFORM,
            tenant: self.tenant.to_string(),
            user_id: from.id,
            name: from.name,
            configured_admin,
            prefix: if self.activity.is_personal() {
                PREFIX_PERSONAL
            } else {
                PREFIX_CHANNEL
            },
        }
    }

    pub(super) async fn handle(&self, event: Event) -> Result<Reply, AppError> {
        let directory = self.directory();
        let now = self.state.clock.now();
        let reply = inbound::handle(self.state, &directory, now, &self.sender(), event).await?;
        // The sender's Azure AD object id, by which Graph's presence is read later.
        let from = self.activity.from.clone().unwrap_or_default();
        if let Some(aad) = from.aad_object_id.filter(|a| super::valid_id(a)) {
            self.state
                .store
                .remember_aad_object_id(self.ws, &from.id, &aad)
                .await?;
        }
        Ok(reply)
    }

    /// Answer in the conversation the activity came from (in a channel, into its thread),
    /// after the webhook has been acknowledged.
    pub(super) fn reply(&self, message: Message) {
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

/// A command typed to pacer: the mentions become the grammar's, the rest is the handler's.
async fn command(ctx: &Ctx<'_>, user_id: &str, text: &str) -> Result<(), AppError> {
    let a = ctx.activity;
    let bot = a.recipient.as_ref().map(|r| r.id.as_str());
    let words = command_text(text, &a.mentions(), bot);
    let personal = a.is_personal();
    let place = match a.channel().filter(|c| valid_id(c)) {
        Some(id) if !personal => Place::Channel(ChannelInfo {
            id: id.to_string(),
            name: a.channel_name().map(str::to_string),
        }),
        _ => Place::Direct,
    };
    let Reply::Message(reply) = ctx.handle(Event::Text { text: words, place }).await? else {
        return Ok(());
    };
    // A channel has no private replies: what only the caller may see (a dashboard link) goes
    // to their 1:1 chat with pacer, and the channel is told where it went.
    if !personal && reply.visibility == Visibility::Confidential {
        let messenger = ctx.teams.messenger(ctx.state.store.clone());
        let note = match messenger
            .send_direct(ctx.tenant, user_id, &reply, "private-reply")
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

/// The app was installed (or the bot added to a team): the installer becomes the first admin,
/// and pacer says hello with what to do first.
async fn installed(ctx: &Ctx<'_>) -> Result<(), AppError> {
    let a = ctx.activity;
    let bot = a.recipient.as_ref().map(|r| r.id.as_str()).unwrap_or("28:");
    let (added, removed) = match &a.kind {
        Kind::InstallationUpdate { action } => (
            action.as_deref() == Some("add"),
            action.as_deref() == Some("remove"),
        ),
        Kind::ConversationUpdate { members_added } => {
            (members_added.iter().any(|m| m.id == bot), false)
        }
        _ => (false, false),
    };
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
    ctx.handle(Event::Installed).await?;
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
