//! A team's page on the leaders' dashboard: its numbers (as the organisation page shows them),
//! what is raised to it and what it raised that is still open, the decisions it took or that
//! concern it with their follow-ups, and its trends. Reached from the organisation page with
//! the same signed link; the team must be of the link's workspace.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};

use super::dashboard::{and_more, team_section};
use super::trend_chart;
use crate::reporting::digest::Digest;
use crate::reporting::trends::Week;
use crate::store::{
    DecisionRow, PageAfter, RaisedFilter, RaisedRecord, Store, StoreError, TeamRow, ts_date,
};

/// How many open raised items each list shows, and how many decisions (newest first).
const RAISED_SHOWN: i64 = 50;
const DECISIONS_SHOWN: usize = 25;

/// An open raised item and who owns it: the leads of the team it is raised to (none left: the
/// admins do).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenRaise {
    pub item: RaisedRecord,
    pub owners: Vec<String>,
}

/// What a team's review covers: open items raised to it, open items it raised, and the
/// decisions on its priorities or on items raised to it, oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Review {
    pub raised_to: Vec<OpenRaise>,
    pub raised_by: Vec<OpenRaise>,
    /// More open items than shown, in either list.
    pub more_raised: bool,
    pub decisions: Vec<DecisionRow>,
}

/// The team's review, read from the store (every query scoped by the workspace).
pub async fn review(
    store: &Store,
    ws: i64,
    team: &TeamRow,
    now: DateTime<Utc>,
) -> Result<Review, StoreError> {
    let page = PageAfter {
        after: 0,
        limit: RAISED_SHOWN,
    };
    let open = |to: Option<i64>, from: Option<i64>| RaisedFilter {
        team_id: to,
        from_team_id: from,
        open: Some(true),
        ..Default::default()
    };
    let mut to = store
        .raised_page(ws, &open(Some(team.id), None), page)
        .await?;
    let mut by = store
        .raised_page(ws, &open(None, Some(team.id)), page)
        .await?;
    let more_raised = to.len() as i64 > RAISED_SHOWN || by.len() as i64 > RAISED_SHOWN;
    to.truncate(RAISED_SHOWN as usize);
    by.truncate(RAISED_SHOWN as usize);
    Ok(Review {
        raised_to: owned(store, ws, to).await?,
        raised_by: owned(store, ws, by).await?,
        more_raised,
        decisions: store
            .decisions_in(ws, team.id, i64::MIN, now.timestamp())
            .await?,
    })
}

/// Each item with the names of the leads of the team it is raised to.
async fn owned(
    store: &Store,
    ws: i64,
    items: Vec<RaisedRecord>,
) -> Result<Vec<OpenRaise>, StoreError> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let owners = store
            .members(ws, item.to_team_id)
            .await?
            .into_iter()
            .filter(|m| m.role == "lead")
            .map(|m| m.display_name)
            .collect();
        out.push(OpenRaise { item, owners });
    }
    Ok(out)
}

/// "today", "1 day", "5 days": how long an item has been open.
fn open_for(raised_at: i64, now: DateTime<Utc>) -> String {
    match (now.timestamp() - raised_at).max(0) / 86_400 {
        0 => "today".into(),
        1 => "1 day".into(),
        d => format!("{d} days"),
    }
}

/// Open items, with the team each came from (or, for `outgoing` ones, went to).
fn raised_table(items: &[OpenRaise], now: DateTime<Utc>, outgoing: bool) -> Markup {
    html! {
        table {
            tr {
                th { "priority" } th { @if outgoing { "raised to" } @else { "from" } }
                th { "why" } th { "raised by" }
                th { "since" } th { "owned by" }
            }
            @for r in items {
                tr {
                    td { b { "#" (r.item.priority_number) } " " (r.item.priority_title) }
                    td {
                        @if outgoing { (r.item.to_team) } @else { (r.item.from_team) }
                    }
                    td { (r.item.why) }
                    td {
                        @match &r.item.raised_by_name {
                            Some(name) => { "@" (name) }
                            None => {
                                span class="muted" { "automatically (" (r.item.kind) ")" }
                            }
                        }
                    }
                    td {
                        (ts_date(r.item.raised_at)) " "
                        span class="muted" { "(" (open_for(r.item.raised_at, now)) ")" }
                    }
                    td {
                        @if r.owners.is_empty() {
                            "the admins " span class="muted" { "(" (r.item.to_team) " has no lead)" }
                        } @else {
                            (r.owners.iter().map(|n| format!("@{n}")).collect::<Vec<_>>().join(", "))
                            span class="muted" { " (leads of " (r.item.to_team) ")" }
                        }
                    }
                }
            }
        }
    }
}

/// A follow-up's state: done, overdue (its due date has passed) or open.
fn follow_up(d: &DecisionRow, today: NaiveDate) -> Markup {
    let overdue = d
        .due_date
        .as_deref()
        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .is_some_and(|due| due < today);
    html! {
        @if let Some(owner) = &d.owner_name {
            "@" (owner)
            @if let Some(due) = &d.due_date { ", due " (due) }
            " · "
            @if let Some(done) = d.done_at {
                span class="ok" { "done " (ts_date(done)) }
            } @else if overdue {
                b class="bad" { "overdue" }
            } @else {
                span class="warn" { "open" }
            }
        } @else {
            span class="muted" { "none" }
        }
    }
}

fn decisions_table(decisions: &[DecisionRow], today: NaiveDate) -> Markup {
    html! {
        @if decisions.is_empty() {
            p class="muted" { "No decision yet." }
        } @else {
            table {
                tr {
                    th { "decided" } th { "priority" } th { "decision" } th { "by" }
                    th { "follow-up" }
                }
                @for d in decisions.iter().rev().take(DECISIONS_SHOWN) {
                    tr {
                        td { (ts_date(d.decided_at)) }
                        td { b { "#" (d.number) } " " (d.title) }
                        td { (d.text) }
                        td { "@" (d.decided_by_name) }
                        td { (follow_up(d, today)) }
                    }
                }
            }
            @if decisions.len() > DECISIONS_SHOWN {
                ul { (and_more(decisions.len(), DECISIONS_SHOWN)) }
            }
        }
    }
}

/// The team's page. `back` is the organisation page's link (the same signature).
pub fn render(
    d: &Digest,
    review: &Review,
    trend: Option<&[Week]>,
    back: &str,
    now: DateTime<Utc>,
) -> Markup {
    html! {
        header {
            h1 { "pacer · " (d.team) }
            p {
                "As of " (now.format("%a %-d %b %Y %H:%M")) " UTC · "
                a href=(back) style="color:#fff" { "all teams" }
            }
        }
        main {
            (team_section(d))
            section class="review" {
                h2 { "Raised to " (d.team) }
                @if review.raised_to.is_empty() {
                    p class="ok" { "Nothing is raised to this team." }
                } @else {
                    (raised_table(&review.raised_to, now, false))
                }
                h3 { "Raised by " (d.team) ", still open" }
                @if review.raised_by.is_empty() {
                    p class="muted" { "Nothing this team raised is open." }
                } @else {
                    (raised_table(&review.raised_by, now, true))
                }
                @if review.more_raised {
                    p class="muted" { "Only the oldest " (RAISED_SHOWN) " of each list are shown." }
                }
            }
            section class="decisions" {
                h2 { "Decisions" }
                p class="muted" {
                    "On this team's priorities, or closing an item raised to it; newest first."
                }
                (decisions_table(&review.decisions, now.date_naive()))
            }
            @if let Some(weeks) = trend {
                section class="trends" {
                    h2 { "Trends" }
                    (trend_chart::chart(&d.team, weeks))
                }
            }
        }
    }
}
