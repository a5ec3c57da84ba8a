//! One inbound path for every platform. An adapter (Slack over HTTP or Socket Mode, Teams, the
//! sandbox) verifies a request, turns it into an [`Event`] from a [`Sender`], hands it to
//! [`handle`], and renders the [`Reply`] in its own format. Everything a platform should not
//! decide lives here once: the direct-message grammar (`#12 at-risk …` is a status update),
//! refreshing open prompts after an answer in words, reading check-in clicks, and the rule that
//! only the person asked may answer a check-in.
//!
//! [`queue`] keeps events that must be acknowledged before they are handled (Slack's Events
//! API) in the jobs table until their effect is recorded.

mod changed;
mod digest_ack;
mod focus;
pub mod queue;

pub use queue::{LEASE_SECS, MAX_ATTEMPTS, WORKER_EVERY, accept, run_due, worker};

use chrono::{DateTime, Utc};

use crate::commands::execute::{
    ChannelInfo, CommandError, Invocation, Links, Services, answer_without_state, try_run,
    try_run_text,
};
use crate::commands::review::meeting;
use crate::commands::{Command, ListFilter};
use crate::domain::{Priority, Status};
use crate::message::{Block, Message, Rich};
use crate::people::{Directory, ensure_person};
use crate::rhythm::checkin::{self, Answer, CheckinError, FormInput};
use crate::rhythm::prompt::{ACTION_PREFIX, ACTION_UNCHANGED, ACTION_UPDATE, parse_action_value};
use crate::startup::AppState;
use crate::store::{PersonRow, StoreError};

/// Who sent an event, as the adapter verified it.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The platform's name (`slack`, `teams`, `sandbox`): whose messenger answers.
    pub platform: &'static str,
    /// The tenant's key on that platform (a Slack team id, a Teams tenant id).
    pub tenant: String,
    pub user_id: String,
    /// The name the platform sent along, used when its directory cannot tell.
    pub name: Option<String>,
    /// An admin by configuration (`PACER_ADMINS`), however the platform names them.
    pub configured_admin: bool,
    /// How commands are written where this person typed (`/pacer `, `@pacer `, nothing).
    pub prefix: &'static str,
}

/// Where text was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A direct message to pacer (or its personal chat).
    Direct,
    /// A channel (a slash command there, or a mention of pacer).
    Channel(ChannelInfo),
}

/// The check-in form's fields as typed, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormFields {
    pub status: Option<String>,
    pub progress: Option<String>,
    pub note: Option<String>,
    pub blocker: Option<String>,
}

/// What happened, in pacer's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Text typed to pacer: a slash command, a mention, a direct message.
    Text { text: String, place: Place },
    /// A button: a check-in's (`checkin:on-track`, `checkin:update`; `value` names the cycle
    /// and priority, `12:345`) or a posted digest's (`digest:seen`, `digest:discuss`; `value`
    /// names the cycle).
    Click { action: String, value: String },
    /// The check-in form submitted for the check-in `value` names.
    Form { value: String, fields: FormFields },
    /// One of pacer's other forms (a [`crate::message::Form`]) submitted: its action, its
    /// value, and the fields by id.
    Submit {
        action: String,
        value: String,
        fields: Vec<(String, String)>,
    },
    /// The person opened pacer's home (Slack's Home tab).
    HomeOpened,
    /// pacer was added where the sender is (a Teams install): the installer becomes the
    /// workspace's first admin.
    Installed,
}

/// What to show the sender, in pacer's terms; the adapter renders it.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An answer to text, or a view (the home).
    Message(Message),
    /// An answer was recorded: the prompt as it stands now, to show in place of the one
    /// clicked.
    Recorded(Message),
    /// The check-in form to open, for this priority (the sender owns it in that check-in).
    OpenForm(Box<Priority>),
    /// Another form to open (a decision, an assignment).
    Form(Box<crate::message::Form>),
    /// Nothing was recorded; tell the sender why, privately.
    Refused(String),
    /// The form has mistakes, by field (`status`, `progress`, `note`, `blocker`, or a
    /// [`crate::message::Field`]'s id).
    Problems(Vec<(&'static str, String)>),
    /// Nothing to show.
    Nothing,
}

/// The direct-message grammar, the same on every platform: a leading `/pacer`, `@pacer` or
/// `pacer` is dropped; in a direct message `#12 at-risk 40% …` is a status update; nothing at
/// all asks for help.
pub fn command_words(text: &str, place: &Place) -> String {
    let mut words = text.trim();
    for lead in ["/pacer", "@pacer", "pacer"] {
        let Some(head) = words.get(..lead.len()) else {
            continue;
        };
        let rest = &words[lead.len()..];
        if head.eq_ignore_ascii_case(lead) && (rest.is_empty() || rest.starts_with(' ')) {
            words = rest.trim();
            break;
        }
    }
    if words.is_empty() {
        "help".to_string()
    } else if *place == Place::Direct && words.starts_with('#') {
        format!("status {words}")
    } else {
        words.to_string()
    }
}

/// Whether text is a status update given in words (so open prompts should show it).
fn is_status_update(words: &str) -> bool {
    words.starts_with("status ")
}

/// The answer to text that needs nothing stored (help, or text that does not parse), before
/// the workspace or the sender is looked up; `None` when the text needs [`handle`].
pub fn answer_at_once(text: &str, place: &Place, prefix: &str) -> Option<Message> {
    answer_without_state(&command_words(text, place), prefix)
}

/// Handle one event. A storage failure means nothing was recorded: the adapter answers with a
/// retry (a 5xx, or a redelivery it waits for) or a generic apology.
pub async fn handle(
    state: &AppState,
    directory: &dyn Directory,
    now: DateTime<Utc>,
    sender: &Sender,
    event: Event,
) -> Result<Reply, StoreError> {
    let ctx = Ctx {
        state,
        directory,
        now,
        sender,
    };
    match event {
        Event::Text { text, place } => ctx.text(&text, place).await,
        Event::Click { action, value } => ctx.click(&action, &value).await,
        Event::Form { value, fields } => ctx.form(&value, &fields).await,
        Event::Submit {
            action,
            value,
            fields,
        } => ctx.submit(&action, &value, &fields).await,
        Event::HomeOpened => ctx.home().await,
        Event::Installed => ctx.installed().await,
    }
}

struct Ctx<'a> {
    state: &'a AppState,
    directory: &'a dyn Directory,
    now: DateTime<Utc>,
    sender: &'a Sender,
}

const FOREIGN_BUTTON: &str = "That button is not one of pacer's check-ins.";

impl Ctx<'_> {
    async fn who(&self) -> Result<(i64, PersonRow), StoreError> {
        let store = &self.state.store;
        let ws = store
            .ensure_workspace(
                self.sender.platform,
                &self.sender.tenant,
                self.now.timestamp(),
            )
            .await?;
        let person = ensure_person(
            store,
            self.directory,
            ws,
            &self.sender.user_id,
            self.sender.name.as_deref(),
            self.now,
        )
        .await?;
        Ok((ws, person))
    }

    fn services(&self) -> Services<'_> {
        Services {
            store: &self.state.store,
            directory: self.directory,
            admins: &self.state.config.admins,
            links: Some(Links {
                keyring: &self.state.keyring,
                public_url: &self.state.config.public_url,
            }),
            webhooks: Some(crate::commands::execute::WebhookSetup {
                keyring: &self.state.keyring,
                allow_private: self.state.config.webhook_allow_private,
            }),
        }
    }

    async fn invocation(&self, channel: Option<ChannelInfo>) -> Result<Invocation, StoreError> {
        let (ws, caller) = self.who().await?;
        Ok(Invocation {
            workspace_id: ws,
            caller,
            configured_admin: self.sender.configured_admin,
            channel,
            now: self.now,
            prefix: self.sender.prefix,
        })
    }

    async fn text(&self, text: &str, place: Place) -> Result<Reply, StoreError> {
        let words = command_words(text, &place);
        if let Some(answer) = answer_without_state(&words, self.sender.prefix) {
            return Ok(Reply::Message(answer));
        }
        let direct = place == Place::Direct;
        let channel = match place {
            Place::Direct => None,
            Place::Channel(c) => Some(c),
        };
        let inv = self.invocation(channel).await?;
        let reply = try_run_text(&self.services(), &inv, &words).await?;
        if direct && is_status_update(&words) {
            self.refresh_prompts(inv.workspace_id, &inv.caller).await;
        }
        Ok(Reply::Message(reply))
    }

    /// After an answer in words, show it in the sender's open prompts too, as a click would.
    async fn refresh_prompts(&self, ws: i64, person: &PersonRow) {
        let Some(messenger) = self.state.messengers.get(self.sender.platform) else {
            return;
        };
        checkin::refresh_open_prompts(
            &self.state.store,
            messenger.as_ref(),
            &self.sender.tenant,
            ws,
            person,
            self.now,
        )
        .await;
    }

    async fn click(&self, action: &str, value: &str) -> Result<Reply, StoreError> {
        if action.starts_with(meeting::PREFIX) {
            let inv = self.invocation(None).await?;
            let answer = meeting::click(&self.services(), &inv, action, value).await;
            return meeting_reply(answer);
        }
        if action.starts_with(crate::reporting::digest::ack::ACTION_PREFIX) {
            return self.digest_click(action, value).await;
        }
        if action.starts_with(crate::rhythm::focus::ACTION_PREFIX) {
            return self.focus_click(action, value).await;
        }
        if action == ACTION_UNCHANGED {
            return self.unchanged_click(value).await;
        }
        if let Some(target) = crate::rhythm::ahead::parse_value(value) {
            return self.ahead_click(action, target).await;
        }
        let Some((cycle_id, priority_id)) = parse_action_value(value) else {
            return Ok(Reply::Refused(FOREIGN_BUTTON.into()));
        };
        if action == ACTION_UPDATE {
            return self.form_target(cycle_id, priority_id).await;
        }
        let Some(status) = action
            .strip_prefix(ACTION_PREFIX)
            .and_then(|s| s.parse::<Status>().ok())
        else {
            return Ok(Reply::Refused(FOREIGN_BUTTON.into()));
        };
        self.record(cycle_id, priority_id, Answer::Status(status))
            .await
    }

    /// The priority whose form was asked for, if the sender is the one asked about it.
    async fn form_target(&self, cycle_id: i64, priority_id: i64) -> Result<Reply, StoreError> {
        let (ws, person) = self.who().await?;
        let store = &self.state.store;
        match checkin::check_asked(store, ws, &person, cycle_id, priority_id).await {
            Ok(()) => {}
            Err(CheckinError::Store(e)) => return Err(e),
            Err(refused) => return Ok(Reply::Refused(refused.refusal())),
        }
        Ok(match store.priority_by_id(ws, priority_id).await? {
            Some(p) => Reply::OpenForm(Box::new(p)),
            None => Reply::Refused(CheckinError::Foreign.refusal()),
        })
    }

    async fn form(&self, value: &str, fields: &FormFields) -> Result<Reply, StoreError> {
        if let Some(target) = crate::rhythm::ahead::parse_value(value) {
            return self.ahead_form(target, fields).await;
        }
        let Some((cycle_id, priority_id)) = parse_action_value(value) else {
            return Ok(Reply::Refused("This check-in could not be found.".into()));
        };
        let answer = checkin::read_form(FormInput {
            status: fields.status.as_deref(),
            progress: fields.progress.as_deref(),
            note: fields.note.as_deref(),
            blocker: fields.blocker.as_deref(),
        });
        match answer {
            Ok(answer) => self.record(cycle_id, priority_id, answer).await,
            Err(problems) => Ok(Reply::Problems(
                problems
                    .into_iter()
                    .map(|(field, why)| (field, why.to_string()))
                    .collect(),
            )),
        }
    }

    /// One of pacer's other forms: today, the review agenda's decision and assignment forms.
    async fn submit(
        &self,
        action: &str,
        value: &str,
        fields: &[(String, String)],
    ) -> Result<Reply, StoreError> {
        if action.starts_with(crate::rhythm::focus::ACTION_PREFIX) {
            return self.focus_submit(action, value, fields).await;
        }
        if !action.starts_with(meeting::PREFIX) {
            return Ok(Reply::Refused("That form is not one of pacer's.".into()));
        }
        let inv = self.invocation(None).await?;
        let answer = meeting::submit(&self.services(), &inv, action, value, fields).await;
        meeting_reply(answer)
    }

    async fn record(
        &self,
        cycle_id: i64,
        priority_id: i64,
        answer: Answer,
    ) -> Result<Reply, StoreError> {
        let (ws, person) = self.who().await?;
        let store = &self.state.store;
        match checkin::record(store, ws, &person, cycle_id, priority_id, &answer, self.now).await {
            Ok(recorded) => {
                let prompt =
                    checkin::current_prompt(store, ws, &recorded.cycle, &person, self.now, false)
                        .await?;
                Ok(Reply::Recorded(prompt))
            }
            Err(CheckinError::Store(e)) => Err(e),
            Err(e) => Ok(Reply::Refused(e.refusal())),
        }
    }

    /// pacer's home: the sender's priorities and how to use pacer.
    async fn home(&self) -> Result<Reply, StoreError> {
        let inv = self.invocation(None).await?;
        let mine = try_run(&self.services(), &inv, Command::List(ListFilter::Mine)).await?;
        let mut home = vec![
            Block::Header("pacer".into()),
            Block::Text(Rich::new().text(format!(
                "Your priorities and their drift, at a glance. Use {} in any channel to add, update or list priorities.",
                self.sender.prefix.trim()
            ))),
            Block::Divider,
        ];
        home.extend(mine.blocks);
        Ok(Reply::Message(Message::private(home)))
    }

    /// The installer becomes the workspace's first admin (later installs change nothing).
    async fn installed(&self) -> Result<Reply, StoreError> {
        let (ws, person) = self.who().await?;
        let store = &self.state.store;
        if !store.has_admin(ws).await? {
            store.set_admin(ws, person.id, true).await?;
            tracing::info!(
                platform = self.sender.platform,
                "the installer is the workspace's first pacer admin"
            );
        }
        Ok(Reply::Nothing)
    }
}

/// What an agenda button or form came to, as a reply.
fn meeting_reply(answer: Result<meeting::Answer, CommandError>) -> Result<Reply, StoreError> {
    Ok(match answer {
        Ok(meeting::Answer::Form(form)) => Reply::Form(Box::new(form)),
        Ok(meeting::Answer::Agenda(message)) => Reply::Recorded(message),
        Ok(meeting::Answer::Problems(problems)) => Reply::Problems(problems),
        Ok(meeting::Answer::Refused(why)) => Reply::Refused(why),
        Err(CommandError::Store(e)) => return Err(e),
        Err(other) => Reply::Refused(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_direct_message_grammar_is_one_rule() {
        let dm = Place::Direct;
        let channel = Place::Channel(ChannelInfo {
            id: "C1".into(),
            name: None,
        });
        assert_eq!(
            command_words("#12 at-risk 40%", &dm),
            "status #12 at-risk 40%"
        );
        assert_eq!(command_words("/pacer #12 done", &dm), "status #12 done");
        assert_eq!(command_words("  PACER list mine ", &dm), "list mine");
        assert_eq!(command_words("@pacer", &channel), "help");
        assert_eq!(command_words("", &dm), "help");
        // In a channel `#12` is not a status update, and a word starting with "pacer" is not
        // the bot's name.
        assert_eq!(command_words("#12 at-risk", &channel), "#12 at-risk");
        assert_eq!(command_words("pacers list", &dm), "pacers list");
    }
}
