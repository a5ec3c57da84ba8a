//! The local sandbox: a chat page in the browser that is a third platform beside Slack and
//! Teams. People type the same commands, get the same replies, prompts and digests (rendered
//! from the same platform-neutral messages), click the same buttons (check-ins, a digest's Seen
//! and Discuss), and can fire the next due check-in, reminder or digest at once through the
//! scheduler's own tick.
//!
//! It has no login: it is for trying pacer on one's own machine, so it is on only when no chat
//! platform is configured (or `PACER_SANDBOX=on`), and on loopback unless told otherwise.

mod clock;
pub mod inbox;
mod local;
pub mod page;

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::commands::execute::ChannelInfo;
use crate::commands::review::meeting;
use crate::error::AppError;
use crate::inbound::{self, Event, FormFields, Place, Reply, Sender};
use crate::message::{Block, Message, Rich};
use crate::people::NoDirectory;
use crate::reporting::digest::ack::ACTION_PREFIX as DIGEST_PREFIX;
use crate::rhythm::prompt::{ACTION_PREFIX, ACTION_UPDATE};
use crate::startup::AppState;
use crate::store::PersonRow;
use inbox::{Body, Inbox, dm_channel};

pub const PLATFORM: &str = "sandbox";
/// The one sandbox workspace's tenant key.
pub const WORKSPACE: &str = "sandbox";
const PREFIX: &str = "/pacer ";
const MAX_TEXT: usize = 4000;

fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/sandbox/people", get(people).post(join))
        .route("/sandbox/channels", get(channels))
        .route("/sandbox/messages", get(messages))
        .route("/sandbox/command", axum::routing::post(command))
        .route("/sandbox/action", axum::routing::post(action))
        .route("/sandbox/form", get(form_values).post(form))
        .route("/sandbox/submit", axum::routing::post(submit))
        .route("/sandbox/rhythm", axum::routing::post(clock::rhythm))
        .route("/sandbox/clock", get(clock::clock))
        .route_layer(axum::middleware::from_fn(local::local_only))
}

/// The sandbox, when it is on (`PACER_SANDBOX`, or no chat platform on loopback).
pub fn register(
    setup: &crate::platforms::Setup<'_>,
) -> Option<Arc<dyn crate::platforms::Platform>> {
    if !setup.config.sandbox {
        return None;
    }
    let clock: crate::clock::SharedClock = setup
        .sandbox_clock
        .clone()
        .unwrap_or_else(|| Arc::new(crate::clock::OffsetClock::default()));
    Some(Arc::new(SandboxPlatform {
        inbox: Arc::new(inbox::Inbox::new(clock.clone())),
        clock,
    }))
}

impl crate::platforms::Platform for SandboxPlatform {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    fn routes(self: Arc<Self>) -> Router<AppState> {
        router().layer(axum::Extension(self))
    }

    fn messenger(&self) -> Arc<dyn crate::messenger::Messenger> {
        self.inbox.clone()
    }

    /// "Run the rhythm now" moves the sandbox's own clock; its workspace is ticked by it.
    fn own_clock(&self) -> Option<crate::clock::SharedClock> {
        Some(self.clock.clone())
    }
}

/// The sandbox's chat, shared by the routes and the scheduler.
pub struct SandboxPlatform {
    pub inbox: Arc<Inbox>,
    /// The sandbox's own time: "run the rhythm now" moves it, and nothing else reads it.
    pub clock: crate::clock::SharedClock,
}

async fn workspace(state: &AppState, sb: &SandboxPlatform) -> Result<i64, AppError> {
    Ok(state
        .store
        .ensure_workspace(PLATFORM, WORKSPACE, sb.clock.now().timestamp())
        .await?)
}

/// The person the page says it is; anyone else is refused.
async fn who(state: &AppState, ws: i64, user_id: &str) -> Result<PersonRow, AppError> {
    state
        .store
        .person_by_user_id(ws, user_id)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest("choose who you are: that person is not in the sandbox".into())
        })
}

async fn index() -> Result<Response, AppError> {
    Ok(Html(page::shell()).into_response())
}

async fn people(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
) -> Result<Json<Value>, AppError> {
    let ws = workspace(&state, &sb).await?;
    let people = state.store.people(ws).await?;
    Ok(Json(Value::Array(
        people
            .iter()
            .map(|p| json!({"id": p.user_id, "name": p.display_name, "tz": p.tz}))
            .collect(),
    )))
}

#[derive(Deserialize)]
struct Join {
    name: String,
    tz: Option<String>,
}

/// Someone new joins the sandbox (a fresh `pacer serve` with the sandbox has nobody).
async fn join(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
    Json(j): Json<Join>,
) -> Result<Json<Value>, AppError> {
    let name = j.name.trim();
    if name.is_empty()
        || name.chars().count() > 40
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AppError::BadRequest(
            "a name is one word of letters, digits, '.', '_' or '-', like ana".into(),
        ));
    }
    let tz =
        j.tz.filter(|z| z.parse::<chrono_tz::Tz>().is_ok())
            .unwrap_or_else(|| "UTC".into());
    let ws = workspace(&state, &sb).await?;
    let id = format!("S-{}", name.to_lowercase());
    state
        .store
        .upsert_person(
            ws,
            &id,
            name,
            Some((name, Some(&tz))),
            sb.clock.now().timestamp(),
        )
        .await?;
    Ok(Json(json!({"id": id, "name": name, "tz": tz})))
}

#[derive(Deserialize)]
struct As {
    #[serde(rename = "as")]
    who: String,
}

async fn channels(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
    Query(q): Query<As>,
) -> Result<Json<Value>, AppError> {
    let inbox = &sb.inbox;
    let ws = workspace(&state, &sb).await?;
    let me = who(&state, ws, &q.who).await?;
    for team in state.store.teams(ws).await? {
        if let Some(c) = team.channel_id.filter(|c| c.starts_with("C-")) {
            inbox.add_channel(&c);
        }
    }
    let mut out: Vec<Value> = inbox
        .channels()
        .into_iter()
        .map(|c| json!({"id": c, "label": format!("#{}", &c[2..]), "kind": "channel"}))
        .collect();
    out.push(json!({"id": dm_channel(&me.user_id), "label": "pacer", "kind": "dm"}));
    Ok(Json(Value::Array(out)))
}

#[derive(Deserialize)]
struct ChannelQuery {
    #[serde(rename = "as")]
    who: String,
    channel: String,
}

/// Channels are public; a direct-message channel is only its person's.
fn readable(channel: &str, me: &PersonRow) -> Result<(), AppError> {
    let ok = channel == dm_channel(&me.user_id)
        || (channel.starts_with("C-")
            && channel.len() <= 82
            && channel[2..]
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')));
    if ok {
        Ok(())
    } else {
        Err(AppError::BadRequest("no such channel".into()))
    }
}

async fn messages(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
    Query(q): Query<ChannelQuery>,
) -> Result<Response, AppError> {
    let inbox = &sb.inbox;
    let ws = workspace(&state, &sb).await?;
    let me = who(&state, ws, &q.who).await?;
    readable(&q.channel, &me)?;
    Ok(Html(page::conversation(&inbox.messages(&q.channel, &me.user_id))).into_response())
}

#[derive(Deserialize)]
struct CommandRequest {
    #[serde(rename = "as")]
    who: String,
    channel: String,
    text: String,
}

/// `#name` is a channel in the sandbox; give the grammar the escaped form Slack would.
fn link_channels(text: &str, inbox: &Inbox) -> String {
    text.split(' ')
        .map(|w| {
            let Some(name) = w.strip_prefix('#') else {
                return w.to_string();
            };
            let plain = !name.is_empty()
                && name.len() <= 80
                && name.chars().next().is_some_and(char::is_alphabetic)
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if plain {
                let id = inbox::channel_id(name);
                inbox.add_channel(&id);
                format!("<#{id}|{}>", name.to_lowercase())
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn command(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
    Json(req): Json<CommandRequest>,
) -> Result<Json<Value>, AppError> {
    let inbox = sb.inbox.clone();
    let ws = workspace(&state, &sb).await?;
    let me = who(&state, ws, &req.who).await?;
    readable(&req.channel, &me)?;
    let typed = req.text.trim();
    if typed.is_empty() || typed.chars().count() > MAX_TEXT {
        return Err(AppError::BadRequest(format!(
            "type a command of up to {MAX_TEXT} characters, like /pacer help"
        )));
    }
    inbox.post(
        &req.channel,
        None,
        Body::Typed {
            user_id: me.user_id.clone(),
            name: me.display_name.clone(),
            text: typed.to_string(),
        },
        None,
        None,
    );
    let direct = req.channel.starts_with("D-");
    let place = if direct {
        Place::Direct
    } else {
        Place::Channel(ChannelInfo {
            id: req.channel.clone(),
            name: Some(req.channel[2..].to_string()),
        })
    };
    let event = Event::Text {
        text: link_channels(typed, &inbox),
        place,
    };
    let reply = match handled(&state, &sb, &me, event).await? {
        Reply::Message(m) => m,
        _ => crate::commands::render::internal_error(),
    };
    let private = reply.is_private();
    inbox.post(
        &req.channel,
        None,
        Body::Pacer(reply),
        private.then(|| me.user_id.clone()),
        None,
    );
    Ok(Json(json!({"ok": true})))
}

/// Hand an event from the person the page says it is to the inbound handler, at the sandbox's
/// time.
async fn handled(
    state: &AppState,
    sb: &SandboxPlatform,
    me: &PersonRow,
    event: Event,
) -> Result<Reply, AppError> {
    let sender = Sender {
        platform: PLATFORM,
        tenant: WORKSPACE.to_string(),
        user_id: me.user_id.clone(),
        name: Some(me.display_name.clone()),
        configured_admin: state.config.admins.contains(&me.user_id),
        prefix: PREFIX,
    };
    let now = sb.clock.now();
    Ok(inbound::handle(state, &NoDirectory, now, &sender, event).await?)
}

#[derive(Deserialize)]
struct ActionRequest {
    #[serde(rename = "as")]
    who: String,
    message: u64,
    action: String,
    value: String,
}

/// Record an answer (or a digest's Seen or Discuss) and show it in the message that was
/// clicked; say why when it cannot be.
async fn answer(
    state: &AppState,
    sb: &SandboxPlatform,
    me: &PersonRow,
    message: u64,
    event: Event,
) -> Result<Result<(), Problem>, AppError> {
    let inbox = &sb.inbox;
    let clicked = inbox.get(message);
    Ok(match handled(state, sb, me, event.clone()).await? {
        Reply::Recorded(prompt) => {
            // A prompt in the person's own chat, or a message everyone sees that carries the
            // button clicked (a digest in a channel): nothing else is rewritten.
            let clicked = clicked.filter(|m| {
                m.channel == dm_channel(&me.user_id)
                    || (m.visible_to.is_none() && carries(m, &event))
            });
            if let Some(m) = clicked {
                inbox.replace(m.id, prompt);
            }
            Ok(())
        }
        Reply::Problems(problems) => Err(Problem::Fields(problems)),
        Reply::Refused(why) => Err(Problem::Refused(why)),
        _ => Err(Problem::Refused(
            "That button is not one of pacer's check-ins.".into(),
        )),
    })
}

/// Whether pacer's message has the button a click names.
fn carries(m: &inbox::Posted, event: &Event) -> bool {
    let (Body::Pacer(message), Event::Click { action, value }) = (&m.body, event) else {
        return false;
    };
    message.blocks.iter().any(|b| match b {
        Block::Actions(buttons) => buttons
            .iter()
            .any(|x| x.action == *action && x.value == *value),
        _ => false,
    })
}

/// Why an answer was not recorded.
enum Problem {
    Refused(String),
    Fields(Vec<(&'static str, String)>),
}

fn unprocessable(body: Value) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn notice(inbox: &Inbox, me: &PersonRow, text: &str) {
    inbox.post(
        &dm_channel(&me.user_id),
        None,
        Body::Pacer(Message::private(vec![Block::Text(
            Rich::new().text(format!("⚠️ {text}")),
        )])),
        Some(me.user_id.clone()),
        None,
    );
}

async fn action(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
    Json(req): Json<ActionRequest>,
) -> Result<Response, AppError> {
    let ws = workspace(&state, &sb).await?;
    let me = who(&state, ws, &req.who).await?;
    if req.action.starts_with(meeting::PREFIX) {
        let event = Event::Click {
            action: req.action,
            value: req.value,
        };
        return agenda_answer(&state, &sb, &me, req.message, event).await;
    }
    let ours = req.action.starts_with(ACTION_PREFIX) || req.action.starts_with(DIGEST_PREFIX);
    if !ours || req.action == ACTION_UPDATE {
        return Err(AppError::BadRequest("not one of pacer's buttons".into()));
    }
    let event = Event::Click {
        action: req.action,
        value: req.value,
    };
    match answer(&state, &sb, &me, req.message, event).await? {
        Ok(()) => Ok(Json(json!({"ok": true})).into_response()),
        Err(Problem::Refused(why)) => {
            notice(&sb.inbox, &me, &why);
            Ok(unprocessable(json!({"error": why})))
        }
        Err(Problem::Fields(_)) => Err(AppError::BadRequest("not one of pacer's buttons".into())),
    }
}

/// An agenda button or form: the agenda clicked is shown as it stands now; a form's mistakes
/// come back by field; a refusal is told privately.
async fn agenda_answer(
    state: &AppState,
    sb: &SandboxPlatform,
    me: &PersonRow,
    message: u64,
    event: Event,
) -> Result<Response, AppError> {
    match handled(state, sb, me, event).await? {
        Reply::Recorded(agenda) => {
            let clicked = sb
                .inbox
                .get(message)
                .filter(|m| m.visible_to.as_deref().is_none_or(|v| v == me.user_id));
            if let Some(m) = clicked {
                sb.inbox.replace(m.id, agenda);
            }
            Ok(Json(json!({"ok": true})).into_response())
        }
        Reply::Form(form) => Ok(Json(json!({"form": form_json(&form)})).into_response()),
        Reply::Problems(problems) => {
            let errors: serde_json::Map<String, Value> = problems
                .into_iter()
                .map(|(f, why)| (f.to_string(), json!(why)))
                .collect();
            Ok(unprocessable(json!({ "errors": errors })))
        }
        Reply::Refused(why) => {
            notice(&sb.inbox, me, &why);
            Ok(unprocessable(json!({"error": why})))
        }
        _ => Ok(unprocessable(
            json!({"error": "That button is not one of pacer's."}),
        )),
    }
}

/// A form as the page draws it.
pub fn form_json(form: &crate::message::Form) -> Value {
    use crate::message::FieldKind;
    let fields: Vec<Value> = form
        .fields
        .iter()
        .map(|f| {
            let (kind, multiline, max) = match f.kind {
                FieldKind::Text { multiline, max } => ("text", multiline, Some(max)),
                FieldKind::Person => ("person", false, Some(80)),
                FieldKind::Date => ("date", false, None),
            };
            json!({"id": f.id, "label": f.label, "kind": kind, "multiline": multiline,
                   "max": max, "required": f.required, "hint": f.hint})
        })
        .collect();
    json!({"title": form.title, "about": form.about, "fields": fields, "submit": form.submit,
           "action": form.action, "value": form.value})
}

#[derive(Deserialize)]
struct SubmitRequest {
    #[serde(rename = "as")]
    who: String,
    message: u64,
    action: String,
    value: String,
    #[serde(default)]
    fields: std::collections::BTreeMap<String, String>,
}

/// One of pacer's other forms submitted from the page (a decision, an assignment).
async fn submit(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
    Json(req): Json<SubmitRequest>,
) -> Result<Response, AppError> {
    let ws = workspace(&state, &sb).await?;
    let me = who(&state, ws, &req.who).await?;
    if req.fields.len() > 20 {
        return Err(AppError::BadRequest("too many fields".into()));
    }
    let event = Event::Submit {
        action: req.action,
        value: req.value,
        fields: req.fields.into_iter().collect(),
    };
    agenda_answer(&state, &sb, &me, req.message, event).await
}

#[derive(Deserialize)]
struct FormQuery {
    #[serde(rename = "as")]
    who: String,
    value: String,
}

/// What the "Update…" form starts from: the priority as it stands, for its owner only.
async fn form_values(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
    Query(q): Query<FormQuery>,
) -> Result<Response, AppError> {
    let ws = workspace(&state, &sb).await?;
    let me = who(&state, ws, &q.who).await?;
    let event = Event::Click {
        action: ACTION_UPDATE.to_string(),
        value: q.value,
    };
    Ok(match handled(&state, &sb, &me, event).await? {
        Reply::OpenForm(p) => Json(json!({
            "number": p.number.0, "title": p.title, "status": p.status.as_str(),
            "progress": p.progress.value(),
        }))
        .into_response(),
        Reply::Refused(why) => unprocessable(json!({ "error": why })),
        _ => unprocessable(json!({"error": "That button is not one of pacer's check-ins."})),
    })
}

#[derive(Deserialize)]
struct FormRequest {
    #[serde(rename = "as")]
    who: String,
    message: u64,
    value: String,
    status: Option<String>,
    progress: Option<String>,
    note: Option<String>,
    blocker: Option<String>,
}

async fn form(
    State(state): State<AppState>,
    Extension(sb): Extension<Arc<SandboxPlatform>>,
    Json(req): Json<FormRequest>,
) -> Result<Response, AppError> {
    let ws = workspace(&state, &sb).await?;
    let me = who(&state, ws, &req.who).await?;
    let event = Event::Form {
        value: req.value,
        fields: FormFields {
            status: req.status,
            progress: req.progress,
            note: req.note,
            blocker: req.blocker,
        },
    };
    match answer(&state, &sb, &me, req.message, event).await? {
        Ok(()) => Ok(Json(json!({"ok": true})).into_response()),
        Err(Problem::Fields(problems)) => {
            let errors: serde_json::Map<String, Value> = problems
                .into_iter()
                .map(|(f, why)| (f.to_string(), json!(why)))
                .collect();
            Ok(unprocessable(json!({ "errors": errors })))
        }
        Err(Problem::Refused(why)) => Ok(unprocessable(json!({"errors": {"status": why}}))),
    }
}
