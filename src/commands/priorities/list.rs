//! `list`: the active priorities of the caller, a team, a person or everyone, with their
//! drift flags.

use std::collections::HashMap;

use crate::commands::execute::{
    CommandError, Invocation, Outcome, Services, resolve_person, resolve_team,
};
use crate::commands::parse::ListFilter;
use crate::commands::render::{self, next_steps};
use crate::domain::Priority;
use crate::domain::drift::Reason;
use crate::message::{Block, Message, Rich};
use crate::store::PriorityQuery;

pub async fn list(s: &Services<'_>, inv: &Invocation, filter: ListFilter) -> Outcome {
    let ws = inv.ws();
    let filter = channel_default(s, inv, filter).await?;
    let (title, query, stalled_only) = what_to_list(s, inv, &filter).await?;
    let priorities = s.store.priorities(ws, &query).await?;
    let assessed = assess(s, inv, &priorities).await?;
    let flags: HashMap<i64, Vec<Reason>> = assessed
        .iter()
        .map(|(id, a)| (*id, a.reasons.clone()))
        .collect();
    let mut shown: Vec<&Priority> = priorities
        .iter()
        .filter(|p| !stalled_only || flags.get(&p.id).is_some_and(|f| !f.is_empty()))
        .collect();
    // What is stalled is listed by drift score, highest first; other lists by number.
    let score = |p: &Priority| assessed.get(&p.id).map_or(0, |a| a.score.value);
    if stalled_only {
        shown.sort_by(|a, b| score(b).cmp(&score(a)).then(a.number.cmp(&b.number)));
    }
    if shown.is_empty() {
        let (empty, next): (&str, Vec<String>) = match filter {
            ListFilter::Stalled => (
                "Nothing is stalled. Every active priority is moving.",
                vec!["list all".into()],
            ),
            _ => (
                "No active priorities here yet.",
                vec!["add <title> team:<name>".into(), "list all".into()],
            ),
        };
        let next: Vec<&str> = next.iter().map(String::as_str).collect();
        return Ok(Message::private(vec![
            Block::Header(title),
            Block::Text(Rich::new().text(empty)),
            next_steps(inv.prefix, &next),
        ]));
    }
    let today = inv.today();
    let mut lines: Vec<Rich> = Vec::new();
    for p in &shown {
        let mut line = render::priority_line(p, today);
        if let Some(reasons) = flags.get(&p.id).filter(|r| !r.is_empty()) {
            line = line
                .line_break()
                .text(format!("drift score {} · ", score(p)))
                .append(render::reasons(reasons));
        }
        lines.push(line);
    }
    let mut blocks = vec![Block::Header(format!("{title} ({})", shown.len()))];
    blocks.extend(render::chunked_lines(lines, 40));
    blocks.push(next_steps(
        inv.prefix,
        &["show #N", "status #N at-risk 40% note", "list stalled"],
    ));
    Ok(Message::private(blocks))
}

/// `list` with no filter: the channel's team if the channel belongs to one, else mine.
async fn channel_default(
    s: &Services<'_>,
    inv: &Invocation,
    filter: ListFilter,
) -> Result<ListFilter, CommandError> {
    let ws = inv.ws();
    Ok(match filter {
        ListFilter::Default => match &inv.channel {
            Some(ch) => match s.store.team_by_channel(ws, &ch.id).await? {
                Some(team) => {
                    ListFilter::Team(team.name.parse().map_err(|_| CommandError::Invalid {
                        problem: "this channel's team has an unusable name".into(),
                        example: "list all".into(),
                    })?)
                }
                None => ListFilter::Mine,
            },
            None => ListFilter::Mine,
        },
        other => other,
    })
}

/// The list's title, the query for it, and whether only stalled priorities are shown.
async fn what_to_list(
    s: &Services<'_>,
    inv: &Invocation,
    filter: &ListFilter,
) -> Result<(String, PriorityQuery, bool), CommandError> {
    Ok(match filter {
        ListFilter::Mine | ListFilter::Default => (
            "Your priorities".to_string(),
            PriorityQuery {
                owner: Some(inv.caller.id),
                ..Default::default()
            },
            false,
        ),
        ListFilter::All => (
            "All active priorities".to_string(),
            PriorityQuery::default(),
            false,
        ),
        ListFilter::Stalled => (
            "Stalled priorities".to_string(),
            PriorityQuery::default(),
            true,
        ),
        ListFilter::Team(name) => {
            let team = resolve_team(s, inv, name).await?;
            (
                format!("{}'s priorities", team.name),
                PriorityQuery {
                    teams: Some(vec![team.id]),
                    ..Default::default()
                },
                false,
            )
        }
        ListFilter::Person(u) => {
            let person = resolve_person(s, inv, u).await?;
            (
                format!("{}'s priorities", person.display_name),
                PriorityQuery {
                    owner: Some(person.id),
                    ..Default::default()
                },
                false,
            )
        }
    })
}

/// The drift flags and scores of the given priorities, as of now.
pub async fn assess(
    s: &Services<'_>,
    inv: &Invocation,
    priorities: &[Priority],
) -> Result<HashMap<i64, crate::reporting::drift::Assessment>, CommandError> {
    let thresholds = s.store.drift_thresholds(inv.ws()).await?;
    let moment = crate::reporting::drift::Moment::now(inv.now, inv.today(), &thresholds);
    Ok(crate::reporting::drift::assess(s.store, inv.ws(), priorities, &moment).await?)
}

/// The drift flags of the given priorities, as of now.
pub async fn flags_for(
    s: &Services<'_>,
    inv: &Invocation,
    priorities: &[Priority],
) -> Result<HashMap<i64, Vec<Reason>>, CommandError> {
    let thresholds = s.store.drift_thresholds(inv.ws()).await?;
    Ok(crate::reporting::drift::evaluate(
        s.store,
        inv.ws(),
        priorities,
        inv.now,
        inv.today(),
        &thresholds,
    )
    .await?)
}
