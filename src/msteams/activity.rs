//! The Bot Framework activity as Teams sends it, read leniently: every field pacer does not need
//! may be missing, and unknown fields are ignored.

use serde::Deserialize;
use serde_json::Value;

/// An activity: what every kind carries (who, where, through which service URL), and the
/// kind with what only it carries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    #[serde(flatten)]
    pub kind: Kind,
    pub id: Option<String>,
    pub service_url: String,
    pub channel_id: String,
    pub from: Option<Account>,
    pub conversation: Option<Conversation>,
    pub recipient: Option<Account>,
    #[serde(default)]
    pub entities: Vec<Value>,
    pub channel_data: Option<ChannelData>,
    pub local_timezone: Option<String>,
}

/// The activity types pacer acts on, by their `type`; every other type is [`Kind::Other`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Kind {
    /// Text typed to pacer, or an `Action.Submit` from a card (a `value` and no text).
    Message {
        text: Option<String>,
        value: Option<Value>,
        /// The card an `Action.Submit` came from.
        reply_to_id: Option<String>,
    },
    /// `adaptiveCard/action` is an `Action.Execute`; other invokes are not pacer's.
    Invoke {
        name: Option<String>,
        value: Option<Value>,
    },
    /// The app was added (`add`) or removed (`remove`).
    InstallationUpdate { action: Option<String> },
    /// Members joined a conversation (pacer itself, when added to a team).
    ConversationUpdate {
        #[serde(default)]
        members_added: Vec<Account>,
    },
    #[default]
    #[serde(other)]
    Other,
}

impl Kind {
    /// The activity's `type`, for logs and delivery keys.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Message { .. } => "message",
            Kind::Invoke { .. } => "invoke",
            Kind::InstallationUpdate { .. } => "installationUpdate",
            Kind::ConversationUpdate { .. } => "conversationUpdate",
            Kind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
    pub aad_object_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: String,
    pub conversation_type: Option<String>,
    pub tenant_id: Option<String>,
    pub is_group: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelData {
    pub tenant: Option<IdName>,
    pub team: Option<IdName>,
    pub channel: Option<IdName>,
    pub event_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct IdName {
    pub id: String,
    pub name: Option<String>,
}

/// A mention as Teams describes it in `entities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub id: String,
    pub name: String,
    /// The markup in `text`, e.g. `<at>Ana</at>`.
    pub text: String,
}

impl Activity {
    /// The tenant: from channelData, else the conversation.
    pub fn tenant(&self) -> Option<&str> {
        self.channel_data
            .as_ref()
            .and_then(|c| c.tenant.as_ref())
            .map(|t| t.id.as_str())
            .or_else(|| {
                self.conversation
                    .as_ref()
                    .and_then(|c| c.tenant_id.as_deref())
            })
            .filter(|t| !t.is_empty())
    }

    pub fn conversation_type(&self) -> &str {
        self.conversation
            .as_ref()
            .and_then(|c| c.conversation_type.as_deref())
            .unwrap_or("personal")
    }

    pub fn is_personal(&self) -> bool {
        self.conversation_type() == "personal"
    }

    /// The channel a channel conversation belongs to (without the `;messageid=` thread part).
    pub fn channel(&self) -> Option<&str> {
        self.channel_data
            .as_ref()
            .and_then(|c| c.channel.as_ref())
            .map(|c| c.id.as_str())
            .or_else(|| {
                (self.conversation_type() == "channel")
                    .then_some(self.conversation.as_ref())
                    .flatten()
                    .map(|c| c.id.split(';').next().unwrap_or(&c.id))
            })
            .filter(|c| !c.is_empty())
    }

    pub fn channel_name(&self) -> Option<&str> {
        self.channel_data
            .as_ref()
            .and_then(|c| c.channel.as_ref())
            .and_then(|c| c.name.as_deref())
    }

    pub fn team_id(&self) -> Option<&str> {
        self.channel_data
            .as_ref()
            .and_then(|c| c.team.as_ref())
            .map(|t| t.id.as_str())
    }

    pub fn event_type(&self) -> Option<&str> {
        self.channel_data
            .as_ref()
            .and_then(|c| c.event_type.as_deref())
    }

    /// The sender's time zone, when the client told us (`localTimezone` or the clientInfo
    /// entity).
    pub fn timezone(&self) -> Option<&str> {
        self.local_timezone.as_deref().or_else(|| {
            self.entities
                .iter()
                .find(|e| e.get("type").and_then(Value::as_str) == Some("clientInfo"))
                .and_then(|e| e.get("timezone"))
                .and_then(Value::as_str)
        })
    }

    pub fn mentions(&self) -> Vec<Mention> {
        self.entities
            .iter()
            .filter(|e| e.get("type").and_then(Value::as_str) == Some("mention"))
            .filter_map(|e| {
                let mentioned = e.get("mentioned")?;
                Some(Mention {
                    id: mentioned.get("id")?.as_str()?.to_string(),
                    name: mentioned
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    text: e.get("text")?.as_str()?.to_string(),
                })
            })
            .collect()
    }
}

/// The command in a message, in the escaping the command grammar reads (Slack's): every HTML
/// entity Teams sent is decoded first, then `&`, `<` and `>` of what the person typed are
/// escaped again, so typed text can never become a mention or a channel. Only then are the
/// activity's mention entities turned into `<@id|name>` (the bot's own removed).
pub fn command_text(text: &str, mentions: &[Mention], bot_id: Option<&str>) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut out = escape(&htmlize::unescape(text));
    for m in mentions {
        // An id that could close the token early (`>`, `|`, whitespace) is no mention.
        if m.text.is_empty() || !super::valid_id(&m.id) || m.id.contains(['<', '>', '|', '&']) {
            continue;
        }
        let is_bot = bot_id.is_some_and(|b| b == m.id) || m.id.starts_with("28:");
        let replacement = if is_bot {
            " ".to_string()
        } else {
            let name: String = htmlize::unescape(&m.name)
                .chars()
                .filter(|c| !matches!(c, '|' | '>' | '<' | '&'))
                .collect();
            format!(" <@{}|{}> ", m.id, name.trim())
        };
        let needle = escape(&htmlize::unescape(&m.text));
        out = out.replacen(&needle, &replacement, 1);
    }
    let out = out.replace('\u{a0}', " ");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(id: &str, name: &str) -> Mention {
        Mention {
            id: id.into(),
            name: name.into(),
            text: format!("<at>{name}</at>"),
        }
    }

    #[test]
    fn strips_the_bot_and_keeps_people_as_mentions() {
        let bot = mention("28:app", "pacer");
        let ana = mention("29:ana", "Ana Lopez");
        let text = "<at>pacer</at> add Ship the API <at>Ana Lopez</at> due:+2w\n";
        assert_eq!(
            command_text(text, &[bot, ana], Some("28:app")),
            "add Ship the API <@29:ana|Ana Lopez> due:+2w"
        );
    }

    #[test]
    fn html_entities_are_decoded_once_and_typed_markup_stays_text() {
        // In the grammar's escaping: `&amp;` is a literal `&`, `&lt;` a literal `<`.
        assert_eq!(
            command_text(
                "team add R&amp;D &quot;x&quot; &amp;lt; &eacute;t&eacute; &hellip;",
                &[],
                None
            ),
            "team add R&amp;D \"x\" &amp;lt; été …"
        );
    }

    #[test]
    fn typed_mentions_and_channels_are_never_markup() {
        let forged =
            "team add Leak &lt;#19:victim@thread.tacv2|secret&gt; lead:&lt;@29:boss|Boss&gt;";
        let out = command_text(forged, &[], None);
        assert!(!out.contains("<#") && !out.contains("<@"), "{out}");
        let tokens = crate::commands::tokens::tokenize(&out).unwrap();
        assert!(
            tokens.iter().all(|t| !matches!(
                t,
                crate::commands::tokens::Token::Mention(_)
                    | crate::commands::tokens::Token::Channel(_)
            )),
            "{tokens:?}"
        );
        // Numeric and hex entities too.
        let out = command_text("add x &#60;@29:boss|Boss&#x3e;", &[], None);
        assert!(!out.contains("<@"), "{out}");
    }

    #[test]
    fn plain_text_in_a_personal_chat_is_left_alone() {
        assert_eq!(command_text("  list   mine ", &[], None), "list mine");
    }

    #[test]
    fn activities_are_read_by_type() {
        let submit: Activity = serde_json::from_value(serde_json::json!({
            "type": "message", "serviceUrl": "https://smba.trafficmanager.net/emea/",
            "channelId": "msteams", "value": {"k": 1}, "replyToId": "1:card"
        }))
        .unwrap();
        assert!(matches!(
            submit.kind,
            Kind::Message { text: None, value: Some(_), reply_to_id: Some(ref r) } if r == "1:card"
        ));
        let added: Activity = serde_json::from_value(serde_json::json!({
            "type": "conversationUpdate", "serviceUrl": "https://x/", "channelId": "msteams",
            "membersAdded": [{"id": "28:bot"}]
        }))
        .unwrap();
        assert!(
            matches!(added.kind, Kind::ConversationUpdate { ref members_added } if members_added[0].id == "28:bot")
        );
        let typing: Activity = serde_json::from_value(serde_json::json!({
            "type": "typing", "serviceUrl": "https://x/", "channelId": "msteams"
        }))
        .unwrap();
        assert!(matches!(typing.kind, Kind::Other));
    }

    #[test]
    fn a_mention_not_in_the_text_changes_nothing() {
        let ghost = mention("29:x", "Ghost");
        assert_eq!(command_text("teams", &[ghost], None), "teams");
    }
}
