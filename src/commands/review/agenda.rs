//! `agenda [team]`: what a team's next review should cover, worst first: items raised to it,
//! its stalled priorities, its work waiting on other teams' stalled work, and follow-ups due.

use std::collections::HashMap;

use chrono::Duration;

use crate::commands::execute::{CommandError, Invocation, Outcome, Services, resolve_team};
use crate::commands::priorities::default_team;
use crate::commands::render::{self, chunked_lines, next_steps};
use crate::domain::drift::{Reason, urgency};
use crate::domain::{Priority, PriorityNumber, Status, TeamName};
use crate::message::{Block, Message, Rich, Span};
use crate::reporting::drift::Assessment;
use crate::rhythm::decision::follow_up_line;
use crate::store::{PriorityQuery, RaisedItem, TeamRow};

/// How far ahead a follow-up's due date brings it onto the agenda.
pub const FOLLOW_UP_DAYS: i64 = 7;

/// Lines per section before "and N more".
const SECTION_MAX: usize = 15;

pub async fn agenda(s: &Services<'_>, inv: &Invocation, team: Option<TeamName>) -> Outcome {
    let team = agenda_team(s, inv, team).await?;
    let mut blocks = vec![Block::Header(format!(
        "Agenda for {}'s next review",
        team.name
    ))];
    let mut sections = [
        ("Raised to this team", raised_lines(s, inv, &team).await?),
        ("Stalled", stalled_lines(s, inv, &team).await?),
        (
            "Waiting on other teams",
            blocked_lines(s, inv, &team).await?,
        ),
        ("Follow-ups due", follow_up_lines(s, inv, &team).await?),
    ];
    once_each(&mut sections);
    let mut empty = true;
    for (title, lines) in sections {
        if lines.is_empty() {
            continue;
        }
        empty = false;
        blocks.push(Block::Text(
            Rich::new().bold(format!("{title} ({})", lines.len())),
        ));
        blocks.extend(chunked_lines(capped(lines), 40));
    }
    if empty {
        blocks.push(Block::Text(Rich::new().text(
            "Nothing to review: nothing is raised, stalled or waiting, and no follow-up is due.",
        )));
    }
    blocks.push(next_steps(
        inv.prefix,
        &[
            "decide #N \"what was decided\" @owner due:+1w",
            "raise #N \"why\"",
            "show #N",
        ],
    ));
    Ok(Message::private(blocks))
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
fn once_each(sections: &mut [(&str, Vec<Rich>)]) {
    let mut first: HashMap<PriorityNumber, (usize, usize)> = HashMap::new();
    for s in 0..sections.len() {
        let lines = std::mem::take(&mut sections[s].1);
        for line in lines {
            let Some(Span::Priority(n)) = line.0.first() else {
                sections[s].1.push(line);
                continue;
            };
            match first.get(n) {
                Some(&(at_s, at_l)) => {
                    let also = format!("Also {}: ", sections[s].0.to_lowercase());
                    let kept = std::mem::take(&mut sections[at_s].1[at_l]);
                    sections[at_s].1[at_l] = kept.line_break().text(also).append(reason(line));
                }
                None => {
                    first.insert(*n, (s, sections[s].1.len()));
                    sections[s].1.push(line);
                }
            }
        }
    }
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
async fn raised_lines(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamRow,
) -> Result<Vec<Rich>, CommandError> {
    let items = s.store.raised_to_team(inv.ws(), team.id).await?;
    let ids: Vec<i64> = items.iter().map(|r| r.priority_id).collect();
    let by_id: HashMap<i64, Priority> = s
        .store
        .priorities_by_ids(inv.ws(), &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(items
        .iter()
        .filter_map(|r| by_id.get(&r.priority_id).map(|p| raised_line(p, r, inv)))
        .collect())
}

fn raised_line(p: &Priority, r: &RaisedItem, inv: &Invocation) -> Rich {
    let by = match (&r.raised_by_name, r.why.as_str()) {
        (Some(name), _) => format!("raised by {name}"),
        (None, "blocking") => "raised by itself (blocking)".to_string(),
        (None, _) => "raised by itself (off-track)".to_string(),
    };
    head(p)
        .line_break()
        .text(format!("{by} {}: ", age(inv.ts() - r.raised_at)))
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
async fn stalled_lines(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamRow,
) -> Result<Vec<Rich>, CommandError> {
    let query = PriorityQuery {
        teams: Some(vec![team.id]),
        ..Default::default()
    };
    let priorities = s.store.priorities(inv.ws(), &query).await?;
    let assessed = crate::commands::priorities::assess(s, inv, &priorities).await?;
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
        .map(|(p, a)| {
            head(p)
                .text(" · ")
                .status(p.status)
                .text(format!(" · drift score {}", a.score.value))
                .line_break()
                .append(render::reasons(&a.reasons))
        })
        .collect())
}

/// The team's active priorities that wait on another team's priority in trouble (stalled,
/// off-track or dropped).
async fn blocked_lines(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamRow,
) -> Result<Vec<Rich>, CommandError> {
    let query = PriorityQuery {
        teams: Some(vec![team.id]),
        ..Default::default()
    };
    let mine: HashMap<i64, Priority> = s
        .store
        .priorities(inv.ws(), &query)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let edges: Vec<(i64, i64)> = s
        .store
        .dependency_edges(inv.ws())
        .await?
        .into_iter()
        .filter(|(a, _)| mine.contains_key(a))
        .collect();
    let targets: Vec<i64> = edges.iter().map(|(_, b)| *b).collect();
    let others: HashMap<i64, Priority> = s
        .store
        .priorities_by_ids(inv.ws(), &targets)
        .await?
        .into_iter()
        .filter(|p| p.team_id != team.id)
        .map(|p| (p.id, p))
        .collect();
    let list: Vec<Priority> = others.values().cloned().collect();
    let flags = crate::commands::priorities::flags_for(s, inv, &list).await?;
    let mut lines = Vec::new();
    for (a, b) in edges {
        let (Some(p), Some(on)) = (mine.get(&a), others.get(&b)) else {
            continue;
        };
        let reasons = flags.get(&b).cloned().unwrap_or_default();
        let trouble =
            matches!(on.status, Status::OffTrack | Status::Dropped) || !reasons.is_empty();
        if trouble {
            lines.push((urgency(on.status, &reasons), waiting_line(p, on, &reasons)));
        }
    }
    lines.sort_by_key(|l| std::cmp::Reverse(l.0));
    Ok(lines.into_iter().map(|(_, l)| l).collect())
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
async fn follow_up_lines(
    s: &Services<'_>,
    inv: &Invocation,
    team: &TeamRow,
) -> Result<Vec<Rich>, CommandError> {
    let until = (inv.today() + Duration::days(FOLLOW_UP_DAYS))
        .format("%Y-%m-%d")
        .to_string();
    let due = s.store.open_follow_ups(inv.ws(), team.id, &until).await?;
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
            r
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
        let mut sections = [
            ("Raised to this team", vec![]),
            (
                "Stalled",
                vec![line(5, "Vendor", "stuck"), line(6, "Docs", "flat")],
            ),
            (
                "Waiting on other teams",
                vec![
                    line(5, "Vendor", "waits on #7"),
                    line(8, "Beta", "waits on #7"),
                ],
            ),
            ("Follow-ups due", vec![follow_up]),
        ];
        once_each(&mut sections);
        let plain = |s: usize| -> Vec<String> { sections[s].1.iter().map(Rich::plain).collect() };
        assert_eq!(
            plain(1),
            [
                "#5 Vendor · @ana · Platform\nstuck\nAlso waiting on other teams: waits on #7\n\
                 Also follow-ups due: build it · Follow-up: ben",
                "#6 Docs · @ana · Platform\nflat",
            ]
        );
        assert_eq!(plain(2), ["#8 Beta · @ana · Platform\nwaits on #7"]);
        assert!(sections[3].1.is_empty(), "its only line was folded");
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
