//! A digest as platform-neutral messages: the summary for the channel and the full list for
//! the thread. Long sections say "and N more" instead of growing past what a platform shows.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::digest::ack::{ACTION_DISCUSS, ACTION_SEEN};
use super::digest::{
    Ack, Alignment, AwayPerson, ChildLine, DecisionLine, Digest, Item, Line, Participation, Person,
    Rollup, Stalled, TeamFocus,
};
use crate::domain::nudge::Nudge;
use crate::domain::{PriorityNumber, Status};
use crate::message::{Block, Button, ButtonStyle, Message, Rich, Visibility};

/// How many lines a summary section shows before "and N more".
const SECTION_LINES: usize = 10;

fn status(s: &str) -> Status {
    s.parse().unwrap_or(Status::OnTrack)
}

fn item_line(i: &Item) -> Rich {
    Rich::new()
        .priority(PriorityNumber(i.number))
        .text(" ")
        .bold(&i.title)
        .text(" · ")
        .user(&i.owner.user_id, &i.owner.name)
}

fn section(title: &str, lines: Vec<Rich>) -> Option<Block> {
    if lines.is_empty() {
        return None;
    }
    let total = lines.len();
    let mut r = Rich::new().bold(title);
    for line in lines.into_iter().take(SECTION_LINES) {
        r = r.line_break().text("• ").append(line);
    }
    if total > SECTION_LINES {
        r = r
            .line_break()
            .italic(format!("…and {} more", total - SECTION_LINES));
    }
    Some(Block::Text(r))
}

fn stalled_line(s: &Stalled, with_team: bool) -> Rich {
    let mut r = item_line(&s.item).text(" · ").status(status(&s.status));
    if with_team {
        r = r.text(format!(" · {}", s.item.team));
    }
    r.line_break().text("   ").italic(s.reasons.join("; "))
}

fn participation_text(p: &Participation) -> String {
    let mut t = format!("{} of {} owners checked in", p.checked_in, p.expected);
    if p.away > 0 {
        t.push_str(&format!(" ({} away)", p.away));
    }
    t
}

/// The channel post.
pub fn summary(d: &Digest, tz: Tz) -> Message {
    let end = d.period_end.with_timezone(&tz).format("%a %-d %b");
    let title = if d.preview {
        format!("{} digest preview · {end}", d.team)
    } else {
        format!("{} digest · {end}", d.team)
    };
    let mut blocks = vec![Block::Header(title), facts(d)];
    blocks.extend(d.focus.as_ref().map(focus_block));
    blocks.extend(updated_line(d, tz));
    blocks.extend(sections(d));
    if let Some(r) = &d.rollup {
        blocks.push(Block::Divider);
        blocks.extend(rollup_blocks(r, d, tz));
    }
    blocks.push(Block::Context(Rich::new().text(if d.preview {
        "Preview of the cycle so far, visible only to you."
    } else {
        "The full list with notes and blockers is in the thread."
    })));
    // A posted digest is acknowledged in place; a preview is nobody's to acknowledge.
    if let (false, Some(cycle_id)) = (d.preview, d.cycle_id) {
        if !d.acks.is_empty() {
            blocks.push(Block::Context(ack_lines(d, tz)));
        }
        blocks.push(Block::Actions(ack_buttons(d, cycle_id)));
    }
    Message {
        blocks,
        visibility: if d.preview {
            Visibility::Private
        } else {
            Visibility::Shared
        },
    }
}

/// The counts by status, participation and drift, under the title.
fn facts(d: &Digest) -> Block {
    let c = &d.counts;
    let mut counts = Rich::new();
    for (n, s) in [
        (c.on_track, Status::OnTrack),
        (c.at_risk, Status::AtRisk),
        (c.off_track, Status::OffTrack),
        (c.done, Status::Done),
    ] {
        if !counts.is_empty() {
            counts = counts.text(" · ");
        }
        counts = counts.status(s).text(format!(" {n}"));
    }
    let mut facts = counts.line_break();
    if let Some(p) = &d.participation {
        facts = facts
            .text(format!("Participation: {}", participation_text(p)))
            .line_break();
    }
    facts = facts.text(format!(
        "Drift: {}% ({} of {} active priorities stalled)",
        d.drift.percent, d.drift.stalled, d.drift.active
    ));
    Block::Text(facts)
}

/// The team's own sections; an empty one is left out.
fn sections(d: &Digest) -> Vec<Block> {
    let sections = [
        section(
            "Needs attention",
            d.needs_attention
                .iter()
                .map(|s| stalled_line(s, false))
                .collect(),
        ),
        section(
            "Moved",
            d.moved
                .iter()
                .map(|m| {
                    item_line(&m.item)
                        .text(" · ")
                        .status(status(&m.from))
                        .text(" → ")
                        .status(status(&m.to))
                })
                .collect(),
        ),
        section("Finished", d.finished.iter().map(item_line).collect()),
        section("No answer from", no_answer_lines(&d.no_answer, d.nudge)),
        section("Away", away_lines(&d.away)),
        section(
            "Late answers from the previous cycle",
            d.late
                .iter()
                .map(|l| {
                    item_line(&l.item)
                        .text(" · ")
                        .status(status(&l.status))
                        .text(format!(" · {}%", l.progress))
                })
                .collect(),
        ),
        section("Decisions", d.decisions.iter().map(decision_line).collect()),
    ];
    sections.into_iter().flatten().collect()
}

/// `#12 Vendor integration: _drop the vendor_ · by @ana · follow-up @ben, due 2026-12-10`
fn decision_line(d: &DecisionLine) -> Rich {
    let mut r = Rich::new()
        .priority(PriorityNumber(d.number))
        .text(format!(" {}: ", d.title))
        .italic(&d.text)
        .text(" · by ")
        .user(&d.decided_by.user_id, &d.decided_by.name);
    if let Some(f) = &d.follow_up {
        r = r.text(" · follow-up ").user(&f.user_id, &f.name);
        if let Some(due) = &d.due {
            r = r.text(format!(", due {due}"));
        }
    }
    r
}

/// Everyone who did not answer, on one line (none when everyone did): by name, which notifies
/// nobody, unless the team asked for @-mentions (`nudge:mention`).
fn no_answer_lines(people: &[Person], nudge: Nudge) -> Vec<Rich> {
    if people.is_empty() {
        return Vec::new();
    }
    let mut r = Rich::new();
    for (i, p) in people.iter().enumerate() {
        if i > 0 {
            r = r.text(", ");
        }
        r = match nudge {
            Nudge::Mention => r.user(&p.user_id, &p.name),
            Nudge::Quiet => r.text(&p.name),
        };
    }
    vec![r]
}

/// Everyone away, on one line, by name only (no mention: nobody away is pinged): "Ana
/// (acting: Ben), Chen (status: :palm_tree: Vacationing), Dan".
fn away_lines(people: &[AwayPerson]) -> Vec<Rich> {
    if people.is_empty() {
        return Vec::new();
    }
    let mut r = Rich::new();
    for (i, p) in people.iter().enumerate() {
        if i > 0 {
            r = r.text(", ");
        }
        r = r.text(&p.name);
        match (&p.acting, &p.status) {
            (Some(a), _) => r = r.text(format!(" (acting: {a})")),
            (None, Some(s)) => r = r.text(format!(" (status: {s})")),
            (None, None) => {}
        }
    }
    vec![r]
}

/// "Updated Mon 30 Nov 10:02 (1 late answer)" in the team's zone, once answers came after the
/// digest's cycle closed.
fn updated_line(d: &Digest, tz: Tz) -> Option<Block> {
    let u = d.updated.as_ref()?;
    let n = u.late_answers;
    Some(Block::Context(Rich::new().text(format!(
        "Updated {} ({n} late answer{})",
        u.at.with_timezone(&tz).format("%a %-d %b %H:%M"),
        if n == 1 { "" } else { "s" }
    ))))
}

/// "Seen by Ana Lead · Mon 30 Nov 10:02", one line per person, in the team's zone.
fn ack_lines(d: &Digest, tz: Tz) -> Rich {
    let mut r = Rich::new();
    for (i, a) in d.acks.iter().enumerate() {
        if i > 0 {
            r = r.line_break();
        }
        r = r.text(ack_line(a, d.parent.as_deref(), tz));
    }
    r
}

fn ack_line(a: &Ack, parent: Option<&str>, tz: Tz) -> String {
    let when = |t: DateTime<Utc>| t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string();
    match (a.discussed_at, parent) {
        (Some(at), Some(parent)) => format!(
            "Discussed by {} · {}, on {parent}'s agenda",
            a.name,
            when(at)
        ),
        (Some(at), None) => format!("Discussed by {} · {}", a.name, when(at)),
        (None, _) => format!("Seen by {} · {}", a.name, when(a.seen_at)),
    }
}

/// *Seen*, and *Discuss with <parent>* when there is a parent to take it to and something that
/// needs attention to take.
fn ack_buttons(d: &Digest, cycle_id: i64) -> Vec<Button> {
    let button = |label: String, action: &str| Button {
        label,
        action: action.to_string(),
        value: cycle_id.to_string(),
        style: ButtonStyle::Default,
        current: None,
        form: None,
    };
    let mut buttons = vec![button("Seen".into(), ACTION_SEEN)];
    if let Some(parent) = d
        .parent
        .as_deref()
        .filter(|_| !d.needs_attention.is_empty())
    {
        buttons.push(button(format!("Discuss with {parent}"), ACTION_DISCUSS));
    }
    buttons
}

/// A parent team's roll-up: its sub-teams and whether their digests were looked at, their
/// worst stalls, dependencies at risk and alignment.
fn rollup_blocks(r: &Rollup, d: &Digest, tz: Tz) -> Vec<Block> {
    let mut blocks = Vec::new();
    blocks.extend(section(
        "Teams",
        r.children.iter().map(child_line).collect(),
    ));
    blocks.extend(section("Team digests", child_digest_lines(r, d, tz)));
    blocks.extend(section(
        "Most serious stalls",
        r.top_stalls.iter().map(|s| stalled_line(s, true)).collect(),
    ));
    blocks.extend(section(
        "Cross-team dependencies at risk",
        r.dependencies_at_risk
            .iter()
            .map(|x| {
                Rich::new()
                    .priority(PriorityNumber(x.dependent.number))
                    .text(format!(
                        " {} ({}) waits on ",
                        x.dependent.title, x.dependent.team
                    ))
                    .priority(PriorityNumber(x.on.number))
                    .text(format!(" {} ({}), {}", x.on.title, x.on.team, x.why))
            })
            .collect(),
    ));
    blocks.push(alignment(&r.alignment));
    blocks
}

/// "Not yet seen by a lead: Mobile (digest of 23 Nov), Web", then those discussed and those
/// seen. A sub-team's digest of another day than this one says which day.
fn child_digest_lines(r: &Rollup, d: &Digest, tz: Tz) -> Vec<Rich> {
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    let (mut unseen, mut discussed, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    for c in &r.children {
        let Some(cd) = &c.digest else {
            continue;
        };
        let name = if day(cd.closed_at) != day(d.period_end) {
            let of = cd.closed_at.with_timezone(&tz).format("%-d %b");
            format!("{} (digest of {of})", c.team)
        } else {
            c.team.clone()
        };
        match (cd.seen, cd.discussed) {
            (_, true) => discussed.push(name),
            (true, false) => seen.push(name),
            (false, false) => unseen.push(name),
        }
    }
    [
        ("Not yet seen by a lead", unseen),
        ("Discussed", discussed),
        ("Seen", seen),
    ]
    .into_iter()
    .filter(|(_, teams)| !teams.is_empty())
    .map(|(label, teams)| Rich::new().text(format!("{label}: {}", teams.join(", "))))
    .collect()
}

/// One sub-team: its counts, participation, and the on-track share with its trend.
fn child_line(c: &ChildLine) -> Rich {
    let mut line = Rich::new().bold(&c.team).text(format!(
        " · on track {}/{} · {} stalled",
        c.on_track, c.active, c.stalled
    ));
    if let Some(p) = &c.participation {
        line = line.text(format!(" · {}", participation_text(p)));
    }
    if let Some(share) = c.on_track_share {
        let trend = match c.previous_on_track_share {
            Some(prev) if share > prev => format!(" ▲ from {prev}%"),
            Some(prev) if share < prev => format!(" ▼ from {prev}%"),
            Some(_) => " ▶ steady".to_string(),
            None => String::new(),
        };
        line = line.text(format!(" · {share}% of answers on track{trend}"));
    }
    if let Some(level) = c.focus {
        line = line.text(format!(" · focus {}", level.team_word()));
    }
    if let Some(why) = &c.unfocused {
        line = line
            .text(" · ")
            .bold("⚠ unfocused")
            .text(format!(" ({why})"));
    }
    line
}

/// "Focus: 3 Most · 1 About half · 1 Little — about half (was mostly)", the trend over the
/// team's recent cycles with answers, and `unfocused` with its reason.
fn focus_block(f: &TeamFocus) -> Block {
    let mut r = Rich::new().text("Focus: ");
    if f.counts.by_level().is_empty() {
        r = r.text("no answers this cycle");
    } else {
        let counts: Vec<String> = f
            .counts
            .by_level()
            .iter()
            .map(|(l, n)| format!("{n} {}", l.label()))
            .collect();
        r = r.text(counts.join(" · "));
    }
    if let Some(level) = f.level {
        r = r.text(format!(" — {}", level.team_word()));
    }
    match (f.level, f.previous) {
        (Some(now), Some(was)) if now == was => r = r.text(" (steady)"),
        (_, Some(was)) => r = r.text(format!(" (was {})", was.team_word())),
        _ => {}
    }
    if f.trend.len() > 1 {
        let words: Vec<&str> = f.trend.iter().map(|l| l.team_word()).collect();
        r = r.line_break().text(format!(
            "Focus over the last {} cycles: {}",
            f.trend.len(),
            words.join(" → ")
        ));
    }
    if let Some(why) = &f.unfocused {
        r = r.line_break().bold("⚠ unfocused").text(format!(": {why}"));
    }
    Block::Text(r)
}

/// How many active priorities ladder up to the top team, and the first few that do not.
fn alignment(a: &Alignment) -> Block {
    let mut align = Rich::new().bold("Alignment").line_break().text(format!(
        "{} of {} active priorities ladder up to a priority of {}.",
        a.aligned, a.active, a.top_team
    ));
    if !a.unaligned.is_empty() {
        align = align.line_break().text("Serving no company priority: ");
        for (i, u) in a.unaligned.iter().take(SECTION_LINES).enumerate() {
            if i > 0 {
                align = align.text(", ");
            }
            align = align
                .priority(PriorityNumber(u.number))
                .text(format!(" {} ({})", u.title, u.team));
        }
        if a.unaligned.len() > SECTION_LINES {
            align = align.italic(format!(" …and {} more", a.unaligned.len() - SECTION_LINES));
        }
    }
    Block::Text(align)
}

fn full_line(l: &Line) -> Rich {
    let mut r = item_line(&l.item)
        .text(" · ")
        .status(status(&l.status))
        .text(format!(" · {}%", l.progress));
    if let Some(due) = l.due {
        r = r.text(format!(" · due {due}"));
    }
    if let Some(a) = &l.acting {
        r = r.text(format!(" (acting: {a})"));
    }
    if let Some(n) = &l.note {
        r = r.line_break().text("   Note: ").italic(n);
    }
    if let Some(b) = &l.blocker {
        r = r.line_break().text(format!("   Blocker: {b}"));
    }
    if !l.flags.is_empty() {
        r = r.line_break().text("   ⚠ ").italic(l.flags.join("; "));
    }
    r
}

/// The threaded reply: every priority with its latest note and blocker.
pub fn thread(d: &Digest) -> Message {
    let mut blocks = vec![Block::Text(Rich::new().bold(format!(
        "All priorities of {} ({})",
        d.team,
        d.priorities.len()
    )))];
    let lines: Vec<Rich> = d.priorities.iter().map(full_line).collect();
    blocks.extend(crate::message::chunked_lines(lines, 150));
    Message {
        blocks,
        visibility: Visibility::Shared,
    }
}

/// Plain text for the CLI: the summary, then the full list.
pub fn text(d: &Digest, tz: Tz) -> String {
    format!("{}\n\n{}\n", summary(d, tz).plain(), thread(d).plain())
}
