//! The platform-neutral message model. Commands, prompts and digests produce a [`Message`];
//! each chat adapter renders it in its own format (Slack Block Kit, Teams cards, sandbox HTML).

use crate::domain::{PriorityNumber, Status};

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub blocks: Vec<Block>,
    pub visibility: Visibility,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only the person who asked sees it.
    Private,
    /// Only the person who asked may ever see it (it carries a bearer link): where a platform
    /// has no private replies in a channel (Teams), it goes to their direct chat instead.
    Confidential,
    /// Everyone in the conversation sees it.
    Shared,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Header(String),
    Text(Rich),
    /// Label/value pairs shown side by side.
    Fields(Vec<Rich>),
    /// Small print: hints, timestamps, next steps.
    Context(Rich),
    Divider,
    /// A row of buttons.
    Actions(Vec<Button>),
}

/// A button: what it says, and the action and value the platform sends back when clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    pub action: String,
    pub value: String,
    pub style: ButtonStyle,
    /// For a button that opens a form: the status and progress the form starts from.
    pub current: Option<(Status, u8)>,
    /// For a button that opens one of pacer's other forms (a decision, an assignment): the
    /// form. Where a platform shows forms inside the message (Teams cards), it is drawn there;
    /// elsewhere the click asks for it.
    pub form: Option<Box<Form>>,
}

/// A form a button opens. Submitting it sends back `action` and `value` with the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub title: String,
    /// What the form is about, in one line of plain text.
    pub about: String,
    pub fields: Vec<Field>,
    pub submit: String,
    pub action: String,
    pub value: String,
}

/// One field of a [`Form`]; `id` names it in the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub id: &'static str,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A line (or lines) of text, at most `max` characters.
    Text { multiline: bool, max: u32 },
    /// A person: a picker where the platform has one, else a name typed like a mention.
    Person,
    /// A date, `YYYY-MM-DD`.
    Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    Default,
    Primary,
    Danger,
}

/// A run of inline pieces.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rich(pub Vec<Span>);

#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Text(String),
    Bold(String),
    Italic(String),
    Code(String),
    User {
        id: String,
        name: String,
    },
    Channel {
        id: Option<String>,
        name: Option<String>,
    },
    Status(Status),
    Priority(PriorityNumber),
    LineBreak,
}

/// A status as chat shows it: a coloured dot and the label.
pub fn status_chip(s: Status) -> &'static str {
    match s {
        Status::OnTrack => "🟢 On track",
        Status::AtRisk => "🟡 At risk",
        Status::OffTrack => "🔴 Off track",
        Status::Done => "✅ Done",
        Status::Dropped => "⚪ Dropped",
    }
}

impl Rich {
    pub fn new() -> Self {
        Rich(Vec::new())
    }

    pub fn text(mut self, s: impl Into<String>) -> Self {
        self.0.push(Span::Text(s.into()));
        self
    }

    pub fn bold(mut self, s: impl Into<String>) -> Self {
        self.0.push(Span::Bold(s.into()));
        self
    }

    pub fn italic(mut self, s: impl Into<String>) -> Self {
        self.0.push(Span::Italic(s.into()));
        self
    }

    pub fn code(mut self, s: impl Into<String>) -> Self {
        self.0.push(Span::Code(s.into()));
        self
    }

    pub fn user(mut self, id: impl Into<String>, name: impl Into<String>) -> Self {
        self.0.push(Span::User {
            id: id.into(),
            name: name.into(),
        });
        self
    }

    pub fn channel(mut self, id: Option<String>, name: Option<String>) -> Self {
        self.0.push(Span::Channel { id, name });
        self
    }

    pub fn status(mut self, s: Status) -> Self {
        self.0.push(Span::Status(s));
        self
    }

    pub fn priority(mut self, n: PriorityNumber) -> Self {
        self.0.push(Span::Priority(n));
        self
    }

    pub fn line_break(mut self) -> Self {
        self.0.push(Span::LineBreak);
        self
    }

    pub fn append(mut self, other: Rich) -> Self {
        self.0.extend(other.0);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Plain text, for notifications, logs and the CLI.
    pub fn plain(&self) -> String {
        let mut out = String::new();
        for span in &self.0 {
            match span {
                Span::Text(s) | Span::Bold(s) | Span::Italic(s) | Span::Code(s) => out.push_str(s),
                Span::User { name, .. } => {
                    out.push('@');
                    out.push_str(name);
                }
                Span::Channel { id, name } => {
                    out.push('#');
                    out.push_str(name.as_deref().or(id.as_deref()).unwrap_or("?"));
                }
                Span::Status(s) => out.push_str(s.label()),
                Span::Priority(n) => out.push_str(&n.to_string()),
                Span::LineBreak => out.push('\n'),
            }
        }
        out
    }
}

impl Message {
    /// For the caller's eyes only (confidential or not).
    pub fn is_private(&self) -> bool {
        self.visibility != Visibility::Shared
    }

    pub fn confidential(blocks: Vec<Block>) -> Self {
        Message {
            blocks,
            visibility: Visibility::Confidential,
        }
    }

    pub fn private(blocks: Vec<Block>) -> Self {
        Message {
            blocks,
            visibility: Visibility::Private,
        }
    }

    /// Plain text of the whole message, a line per block.
    pub fn plain(&self) -> String {
        let mut lines = Vec::new();
        for block in &self.blocks {
            match block {
                Block::Header(h) => lines.push(h.clone()),
                Block::Text(r) | Block::Context(r) => lines.push(r.plain()),
                Block::Fields(fs) => {
                    lines.push(fs.iter().map(Rich::plain).collect::<Vec<_>>().join("\n"))
                }
                Block::Divider | Block::Actions(_) => {}
            }
        }
        lines.join("\n")
    }

    /// The first line a notification shows.
    pub fn summary(&self) -> String {
        self.blocks
            .iter()
            .find_map(|b| match b {
                Block::Header(h) => Some(h.clone()),
                Block::Text(r) => Some(r.plain()),
                _ => None,
            })
            .unwrap_or_default()
    }
}

/// "Next: `/pacer show #12` · `/pacer list mine`"
pub fn next_steps(prefix: &str, commands: &[&str]) -> Block {
    let mut r = Rich::new().text("Next: ");
    for (i, c) in commands.iter().enumerate() {
        if i > 0 {
            r = r.text(" · ");
        }
        r = r.code(format!("{prefix}{c}"));
    }
    Block::Context(r)
}

/// Lines grouped into text blocks that stay well inside per-block limits, with "and N more"
/// when there are more lines than `max_lines`.
pub fn chunked_lines(lines: Vec<Rich>, max_lines: usize) -> Vec<Block> {
    const PER_BLOCK_CHARS: usize = 2500;
    let total = lines.len();
    let mut blocks = Vec::new();
    let mut current = Rich::new();
    let mut current_len = 0;
    for line in lines.into_iter().take(max_lines) {
        let len = line.plain().chars().count() + 40;
        if !current.is_empty() && current_len + len > PER_BLOCK_CHARS {
            blocks.push(Block::Text(std::mem::take(&mut current)));
            current_len = 0;
        }
        if !current.is_empty() {
            current = current.line_break();
        }
        current = current.append(line);
        current_len += len;
    }
    if !current.is_empty() {
        blocks.push(Block::Text(current));
    }
    if total > max_lines {
        blocks.push(Block::Context(
            Rich::new().text(format!("…and {} more.", total - max_lines)),
        ));
    }
    blocks
}
