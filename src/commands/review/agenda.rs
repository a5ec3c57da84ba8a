//! `agenda [team]`: what a team's next review should cover, worst first: items raised to it,
//! its stalled priorities, its work waiting on other teams' stalled work, and follow-ups due.
//! The same agenda is posted into the team's channel before its review meeting, one block per
//! item with the buttons *Decide…*, *Assign…* and *Later* (see [`super::meeting`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::meeting;
use crate::commands::execute::{CommandError, Invocation, Outcome, Services, actor, resolve_team};
use crate::commands::priorities::default_team;
use crate::commands::render::{self, chunked_lines, next_steps};
use crate::domain::drift::{Reason, urgency};
use crate::domain::{Priority, PriorityNumber, Status, TeamName};
use crate::message::{Block, Message, Rich, Span, Visibility};
use crate::reporting::drift::{Assessment, Moment};
use crate::rhythm::decision::follow_up_line;
use crate::store::{PriorityQuery, RaisedItem, Store, StoreError, TeamRow};

/// How far ahead a follow-up's due date brings it onto the agenda.
pub const FOLLOW_UP_DAYS: i64 = 7;

/// How long a decision stays on the agenda it was taken from, shown as decided.
const DECIDED_HOURS: Duration = Duration::hours(12);

/// Lines per section before "and N more".
const SECTION_MAX: usize = 15;

/// Items drawn with buttons (two blocks each) before "and N more": a Slack message holds 50
/// blocks.
const BUTTON_ITEMS_MAX: usize = 12;

/// What an agenda is built from: one workspace, as of one moment.
pub struct View<'a> {
    pub store: &'a Store,
    pub ws: i64,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    pub prefix: &'a str,
}

impl<'a> View<'a> {
    pub fn of(s: &'a Services<'_>, inv: &'a Invocation) -> Self {
        View {
            store: s.store,
            ws: inv.ws(),
            now: inv.now,
            today: inv.today(),
            prefix: inv.prefix,
        }
    }

    pub(super) fn ts(&self) -> i64 {
        self.now.timestamp()
    }

    /// The moment `ago` before now, in seconds.
    pub(super) fn ts_of(&self, ago: Duration) -> i64 {
        (self.now - ago).timestamp()
    }
}

/// Which section an item is in, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Section {
    Raised,
    Stalled,
    Waiting,
    FollowUp,
    /// Decided in the last hours: kept on the agenda, without buttons, so the meeting sees
    /// what it settled.
    Decided,
}

impl Section {
    fn title(self) -> &'static str {
        match self {
            Section::Raised => "Raised to this team",
            Section::Stalled => "Stalled",
            Section::Waiting => "Waiting on other teams",
            Section::FollowUp => "Follow-ups due",
            Section::Decided => "Decided in this review",
        }
    }
}

/// One line of the agenda, about one priority.
struct Item {
    section: Section,
    priority_id: i64,
    line: Rich,
}

pub async fn agenda(s: &Services<'_>, inv: &Invocation, team: Option<TeamName>) -> Outcome {
    let team = agenda_team(s, inv, team).await?;
    // Buttons for those who may act on the items; the rest read it.
    let buttons = actor(s, inv).await?.may_manage_team(team.id);
    let view = View::of(s, inv);
    let mut message = build(&view, &team, buttons, false).await?;
    message.visibility = Visibility::Private;
    Ok(message)
}

/// The team's agenda as of `view`; with `buttons`, one block per item with the buttons. With
/// `decided`, what was decided in the last hours stays on it (an agenda refreshed during the
/// meeting shows what the meeting settled).
pub async fn build(
    view: &View<'_>,
    team: &TeamRow,
    buttons: bool,
    decided: bool,
) -> Result<Message, StoreError> {
    let mut items = items(view, team).await?;
    if decided {
        items.extend(decided_items(view, team, &items).await?);
    }
    let deferred = view
        .store
        .deferred_on_agenda(view.ws, team.id, view.ts())
        .await?;
    let hidden: HashSet<i64> = deferred.iter().map(|d| d.priority_id).collect();
    let items: Vec<Item> = items
        .into_iter()
        .filter(|i| !hidden.contains(&i.priority_id))
        .collect();
    let mut blocks = vec![Block::Header(format!(
        "Agenda for {}'s next review",
        team.name
    ))];
    if let Some(meets) = meets(view, team).await? {
        blocks.push(Block::Context(Rich::new().text(meets)));
    }
    if items.is_empty() {
        blocks.push(Block::Text(Rich::new().text(
            "Nothing to review: nothing is raised, stalled or waiting, and no follow-up is due.",
        )));
    } else if buttons {
        blocks.extend(with_buttons(view, team, items).await?);
    } else {
        blocks.extend(as_lines(items));
    }
    if !deferred.is_empty() {
        blocks.push(Block::Context(later_line(view, &deferred).await?));
    }
    blocks.push(next_steps(
        view.prefix,
        &[
            "decide #N \"what was decided\" @owner due:+1w",
            "assign #N @someone due:+1w",
            "raise #N \"why\"",
        ],
    ));
    Ok(Message {
        blocks,
        visibility: Visibility::Shared,
    })
}

/// "The review meets Tue 8 Dec 10:00 (Europe/Berlin)." when the team's rhythm has a review
/// (the one under way, up to three hours after it began).
async fn meets(view: &View<'_>, team: &TeamRow) -> Result<Option<String>, StoreError> {
    let Some(rhythm) = view.store.rhythm(view.ws, team.id).await? else {
        return Ok(None);
    };
    let Some(review) = rhythm
        .review_schedule
        .as_deref()
        .and_then(|r| r.parse::<crate::domain::schedule::Schedule>().ok())
    else {
        return Ok(None);
    };
    let home: chrono_tz::Tz = rhythm.home_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    Ok(review
        .next_after(view.now - Duration::hours(3), home)
        .map(|at| {
            format!(
                "The review meets {} ({}).",
                at.with_timezone(&home).format("%a %-d %b %H:%M"),
                rhythm.home_zone
            )
        }))
}

/// Each section's lines, several to a block.
fn as_lines(items: Vec<Item>) -> Vec<Block> {
    let mut blocks = Vec::new();
    for section in [
        Section::Raised,
        Section::Stalled,
        Section::Waiting,
        Section::FollowUp,
        Section::Decided,
    ] {
        let lines: Vec<Rich> = items
            .iter()
            .filter(|i| i.section == section)
            .map(|i| i.line.clone())
            .collect();
        if lines.is_empty() {
            continue;
        }
        blocks.push(Block::Text(Rich::new().bold(format!(
            "{} ({})",
            section.title(),
            lines.len()
        ))));
        blocks.extend(chunked_lines(capped(lines), 40));
    }
    blocks
}

/// One block per item, each followed by its buttons (or by what was decided on it lately,
/// instead of buttons).
async fn with_buttons(
    view: &View<'_>,
    team: &TeamRow,
    items: Vec<Item>,
) -> Result<Vec<Block>, StoreError> {
    let total = items.len();
    let count = |s: Section| items.iter().filter(|i| i.section == s).count();
    let counts: HashMap<Section, usize> = [
        Section::Raised,
        Section::Stalled,
        Section::Waiting,
        Section::FollowUp,
        Section::Decided,
    ]
    .into_iter()
    .map(|s| (s, count(s)))
    .collect();
    let mut blocks = Vec::new();
    let mut section = None;
    for item in items.into_iter().take(BUTTON_ITEMS_MAX) {
        if section != Some(item.section) {
            section = Some(item.section);
            let n = counts.get(&item.section).copied().unwrap_or(0);
            blocks.push(Block::Text(
                Rich::new().bold(format!("{} ({n})", item.section.title())),
            ));
        }
        let (line, decided) = meeting::annotate(view, item.priority_id, item.line).await?;
        blocks.push(Block::Text(line));
        if !decided {
            blocks.push(meeting::buttons(team.id, item.priority_id));
        }
    }
    if total > BUTTON_ITEMS_MAX {
        blocks.push(Block::Context(Rich::new().italic(format!(
            "and {} more: {}agenda {} lists them all",
            total - BUTTON_ITEMS_MAX,
            view.prefix,
            team.name
        ))));
    }
    Ok(blocks)
}

/// "Later: #12, #15 (put off by Maya until the next review)".
async fn later_line(
    view: &View<'_>,
    deferred: &[crate::store::Deferral],
) -> Result<Rich, StoreError> {
    let ids: Vec<i64> = deferred.iter().map(|d| d.priority_id).collect();
    let numbers: HashMap<i64, PriorityNumber> = view
        .store
        .priorities_by_ids(view.ws, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.number))
        .collect();
    let mut r = Rich::new().text("Put off to a later review: ");
    let mut seen = HashSet::new();
    for d in deferred {
        let Some(n) = numbers.get(&d.priority_id) else {
            continue;
        };
        if !seen.insert(d.priority_id) {
            continue;
        }
        if seen.len() > 1 {
            r = r.text(", ");
        }
        let until = DateTime::from_timestamp(d.until_at, 0).unwrap_or_default();
        r = r.priority(*n).text(format!(
            " (by {}, until {})",
            d.deferred_by_name,
            until.format("%a %-d %b")
        ));
    }
    Ok(r)
}

/// Every item, worst section first; a priority appears once, in its worst section.
async fn items(view: &View<'_>, team: &TeamRow) -> Result<Vec<Item>, StoreError> {
    let mut all = raised_items(view, team).await?;
    all.extend(stalled_items(view, team).await?);
    all.extend(blocked_items(view, team).await?);
    all.extend(follow_up_items(view, team).await?);
    Ok(once_each(all))
}

/// Priorities decided on in the last [`DECIDED_HOURS`] that `listed` does not show.
async fn decided_items(
    view: &View<'_>,
    team: &TeamRow,
    listed: &[Item],
) -> Result<Vec<Item>, StoreError> {
    let listed: HashSet<i64> = listed.iter().map(|i| i.priority_id).collect();
    let since = view.ts_of(DECIDED_HOURS);
    let mut all = Vec::new();
    let decided = view
        .store
        .decisions_in(view.ws, team.id, since, view.ts())
        .await?;
    let mut shown = HashSet::new();
    for d in decided.iter().rev() {
        if listed.contains(&d.priority_id) || !shown.insert(d.priority_id) {
            continue;
        }
        all.push(Item {
            section: Section::Decided,
            priority_id: d.priority_id,
            line: Rich::new()
                .priority(PriorityNumber(d.number))
                .text(" ")
                .bold(&d.title),
        });
    }
    Ok(all)
}

/// The named team, else the channel's, else the caller's only team.
async fn agenda_team(
    s: &Services<'_>,
    inv: &Invocation,
    team: Option<TeamName>,
) -> Result<TeamRow, CommandError> {
    match team {
        Some(name) => resolve_team(s, inv, &name).await,
        None => default_team(s, inv).await.map_err(|e| match e {
            CommandError::TeamNeeded { hint, .. } => CommandError::TeamNeeded {
                hint,
                example: "agenda Platform".into(),
            },
            other => other,
        }),
    }
}

/// At most [`SECTION_MAX`] lines, then "and N more".
fn capped(mut lines: Vec<Rich>) -> Vec<Rich> {
    if lines.len() > SECTION_MAX {
        let more = lines.len() - SECTION_MAX;
        lines.truncate(SECTION_MAX);
        lines.push(Rich::new().italic(format!("and {more} more")));
    }
    lines
}

/// A priority shows once, in the first section that lists it (the sections run worst first):
/// a later line about it is folded into that one as "Also <section>: <what the line said>".
/// Every line starts with its priority's number and title; what follows them is the reason.
fn once_each(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut first: HashMap<i64, usize> = HashMap::new();
    for item in items {
        match first.get(&item.priority_id) {
            Some(&at) => {
                let also = format!("Also {}: ", item.section.title().to_lowercase());
                let kept = std::mem::take(&mut out[at].line);
                out[at].line = kept.line_break().text(also).append(reason(item.line));
            }
            None => {
                first.insert(item.priority_id, out.len());
                out.push(item);
            }
        }
    }
    out
}

/// What a line says after its priority's number and title (and, for a [`head`] line, after
/// the owner and team on its first line), on one line.
fn reason(line: Rich) -> Rich {
    let mut rest: Vec<Span> = line.0.into_iter().skip(3).collect();
    let from_head = matches!(rest.first(), Some(Span::Text(t)) if t.starts_with(" · "));
    if let (true, Some(at)) = (from_head, rest.iter().position(|s| *s == Span::LineBreak)) {
        rest.drain(..=at);
    }
    if let Some(Span::Text(t)) = rest.first_mut() {
        *t = t.trim_start_matches(": ").to_string();
    }
    rest.retain(|s| *s != Span::Text(String::new()));
    Rich(
        rest.into_iter()
            .map(|s| match s {
                Span::LineBreak => Span::Text(" · ".into()),
                other => other,
            })
            .collect(),
    )
}

/// `#12 Ship the beta · @ana · Platform`
fn head(p: &Priority) -> Rich {
    Rich::new()
        .priority(p.number)
        .text(" ")
        .bold(&p.title)
        .text(" · ")
        .user(&p.owner_user_id, &p.owner_name)
        .text(format!(" · {}", p.team_name))
}

/// Open items raised to the team, oldest first, with why and how long ago.
async fn raised_items(view: &View<'_>, team: &TeamRow) -> Result<Vec<Item>, StoreError> {
    let items = view.store.raised_to_team(view.ws, team.id).await?;
    let ids: Vec<i64> = items.iter().map(|r| r.priority_id).collect();
    let by_id: HashMap<i64, Priority> = view
        .store
        .priorities_by_ids(view.ws, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(items
        .iter()
        .filter_map(|r| {
            by_id.get(&r.priority_id).map(|p| Item {
                section: Section::Raised,
                priority_id: p.id,
                line: raised_line(p, r, view.ts()),
            })
        })
        .collect())
}

fn raised_line(p: &Priority, r: &RaisedItem, now: i64) -> Rich {
    let by = match (&r.raised_by_name, r.why.as_str()) {
        (Some(name), _) => format!("raised by {name}"),
        (None, "blocking") => "raised by itself (blocking)".to_string(),
        (None, _) => "raised by itself (off-track)".to_string(),
    };
    head(p)
        .line_break()
        .text(format!("{by} {}: ", age(now - r.raised_at)))
        .italic(&r.reason)
}

/// "today", "1 day ago", "5 days ago".
fn age(secs: i64) -> String {
    match secs.max(0) / 86_400 {
        0 => "today".into(),
        1 => "1 day ago".into(),
        d => format!("{d} days ago"),
    }
}

/// The team's stalled priorities, worst first: by drift score, then status, worst flag and
/// number, as `list stalled` orders them.
async fn stalled_items(view: &View<'_>, team: &TeamRow) -> Result<Vec<Item>, StoreError> {
    let query = PriorityQuery {
        teams: Some(vec![team.id]),
        ..Default::default()
    };
    let priorities = view.store.priorities(view.ws, &query).await?;
    let thresholds = view.store.drift_thresholds(view.ws).await?;
    let moment = Moment::now(view.now, view.today, &thresholds);
    let assessed =
        crate::reporting::drift::assess(view.store, view.ws, &priorities, &moment).await?;
    let mut stalled: Vec<(&Priority, &Assessment)> = priorities
        .iter()
        .filter_map(|p| assessed.get(&p.id).map(|a| (p, a)))
        .filter(|(_, a)| !a.reasons.is_empty())
        .collect();
    let rank = |p: &Priority, a: &Assessment| (a.score.value, urgency(p.status, &a.reasons));
    stalled.sort_by(|(p, a), (q, b)| {
        rank(q, b)
            .cmp(&rank(p, a))
            .then(p.number.0.cmp(&q.number.0))
    });
    Ok(stalled
        .into_iter()
        .map(|(p, a)| Item {
            section: Section::Stalled,
            priority_id: p.id,
            line: head(p)
                .text(" · ")
                .status(p.status)
                .text(format!(" · drift score {}", a.score.value))
                .line_break()
                .append(render::reasons(&a.reasons)),
        })
        .collect())
}

/// The team's active priorities that wait on another team's priority in trouble (stalled,
/// off-track or dropped).
async fn blocked_items(view: &View<'_>, team: &TeamRow) -> Result<Vec<Item>, StoreError> {
    let query = PriorityQuery {
        teams: Some(vec![team.id]),
        ..Default::default()
    };
    let mine: HashMap<i64, Priority> = view
        .store
        .priorities(view.ws, &query)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let edges: Vec<(i64, i64)> = view
        .store
        .dependency_edges(view.ws)
        .await?
        .into_iter()
        .filter(|(a, _)| mine.contains_key(a))
        .collect();
    let targets: Vec<i64> = edges.iter().map(|(_, b)| *b).collect();
    let others: HashMap<i64, Priority> = view
        .store
        .priorities_by_ids(view.ws, &targets)
        .await?
        .into_iter()
        .filter(|p| p.team_id != team.id)
        .map(|p| (p.id, p))
        .collect();
    let list: Vec<Priority> = others.values().cloned().collect();
    let thresholds = view.store.drift_thresholds(view.ws).await?;
    let flags = crate::reporting::drift::evaluate(
        view.store,
        view.ws,
        &list,
        view.now,
        view.today,
        &thresholds,
    )
    .await?;
    let mut lines = Vec::new();
    for (a, b) in edges {
        let (Some(p), Some(on)) = (mine.get(&a), others.get(&b)) else {
            continue;
        };
        let reasons = flags.get(&b).cloned().unwrap_or_default();
        let trouble =
            matches!(on.status, Status::OffTrack | Status::Dropped) || !reasons.is_empty();
        if trouble {
            let line = waiting_line(p, on, &reasons);
            lines.push((urgency(on.status, &reasons), p.id, line));
        }
    }
    lines.sort_by_key(|l| std::cmp::Reverse(l.0));
    Ok(lines
        .into_iter()
        .map(|(_, priority_id, line)| Item {
            section: Section::Waiting,
            priority_id,
            line,
        })
        .collect())
}

fn waiting_line(p: &Priority, on: &Priority, reasons: &[Reason]) -> Rich {
    let mut r = head(p)
        .line_break()
        .text("waits on ")
        .priority(on.number)
        .text(format!(" {} ({}, ", on.title, on.team_name))
        .user(&on.owner_user_id, &on.owner_name)
        .text(") ")
        .status(on.status);
    if !reasons.is_empty() {
        r = r.text(" ").append(render::reasons(reasons));
    }
    r
}

/// Follow-ups not done whose due date is within [`FOLLOW_UP_DAYS`], passed, or unset.
async fn follow_up_items(view: &View<'_>, team: &TeamRow) -> Result<Vec<Item>, StoreError> {
    let until = (view.today + Duration::days(FOLLOW_UP_DAYS))
        .format("%Y-%m-%d")
        .to_string();
    let due = view.store.open_follow_ups(view.ws, team.id, &until).await?;
    Ok(due
        .iter()
        .map(|d| {
            let mut r = Rich::new()
                .priority(PriorityNumber(d.number))
                .text(" ")
                .bold(&d.title)
                .text(": ")
                .italic(&d.text);
            if let Some(f) = follow_up_line(d) {
                r = r.line_break().append(f);
            }
            Item {
                section: Section::FollowUp,
                priority_id: d.priority_id,
                line: r,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_days() {
        assert_eq!(age(-5), "today");
        assert_eq!(age(3_600), "today");
        assert_eq!(age(86_400), "1 day ago");
        assert_eq!(age(5 * 86_400 + 10), "5 days ago");
    }

    fn line(n: i64, title: &str, reason: &str) -> Rich {
        Rich::new()
            .priority(PriorityNumber(n))
            .text(" ")
            .bold(title)
            .text(" · ")
            .user("U1", "ana")
            .text(" · Platform")
            .line_break()
            .text(reason)
    }

    #[test]
    fn a_priority_shows_once_in_its_worst_section_with_the_other_reason() {
        let follow_up = Rich::new()
            .priority(PriorityNumber(5))
            .text(" ")
            .bold("Vendor")
            .text(": ")
            .italic("build it")
            .line_break()
            .text("Follow-up: ben");
        let item = |section, priority_id, line| Item {
            section,
            priority_id,
            line,
        };
        let items = vec![
            item(Section::Stalled, 5, line(5, "Vendor", "stuck")),
            item(Section::Stalled, 6, line(6, "Docs", "flat")),
            item(Section::Waiting, 5, line(5, "Vendor", "waits on #7")),
            item(Section::Waiting, 8, line(8, "Beta", "waits on #7")),
            item(Section::FollowUp, 5, follow_up),
        ];
        let kept = once_each(items);
        let plain: Vec<(Section, String)> =
            kept.iter().map(|i| (i.section, i.line.plain())).collect();
        assert_eq!(
            plain,
            [
                (
                    Section::Stalled,
                    "#5 Vendor · @ana · Platform\nstuck\nAlso waiting on other teams: waits on #7\n\
                     Also follow-ups due: build it · Follow-up: ben"
                        .to_string()
                ),
                (Section::Stalled, "#6 Docs · @ana · Platform\nflat".to_string()),
                (Section::Waiting, "#8 Beta · @ana · Platform\nwaits on #7".to_string()),
            ]
        );
    }

    #[test]
    fn long_sections_end_in_and_n_more() {
        let lines = |n: usize| (0..n).map(|i| Rich::new().text(i.to_string())).collect();
        assert_eq!(capped(lines(SECTION_MAX)).len(), SECTION_MAX);
        let long = capped(lines(SECTION_MAX + 4));
        assert_eq!(long.len(), SECTION_MAX + 1);
        assert_eq!(long[SECTION_MAX], Rich::new().italic("and 4 more"));
    }
}
