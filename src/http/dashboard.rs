//! The leaders' dashboard: one server-rendered page per workspace with every team's drift,
//! participation, the worst stalls, cross-team dependencies at risk, alignment and 12 weeks of
//! trends (drawn in `trend_chart` from `reporting::trends`), and a page per team with its
//! decisions and raised items (`dashboard_team`), reached through a link that `/pacer
//! dashboard` signs for a day. The signature is the only way in; the workspace comes from it,
//! never from anything else in the request (a team page's team must be of that workspace).

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use super::{dashboard_team, trend_chart};
use crate::error::AppError;
use crate::reporting::digest::{self, ChildLine, Digest, Rollup, Stalled};
use crate::reporting::trends::{self, Trends};
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct Params {
    ws: Option<String>,
    exp: Option<String>,
    sig: Option<String>,
    /// A team's id: that team's page instead of the organisation's.
    team: Option<String>,
}

/// Links between the dashboard's pages: each carries the signed query the page was opened
/// with, and the workspace's teams to link to.
pub struct Nav {
    query: String,
    pub teams: Vec<(i64, String)>,
}

impl Nav {
    /// The organisation page (relative to the current one: pacer may sit under a path).
    fn home(&self) -> String {
        format!("?{}", self.query)
    }

    fn team(&self, id: i64) -> String {
        format!("?{}&team={id}", self.query)
    }
}

const STYLE: &str = "body{font:15px/1.45 system-ui,-apple-system,sans-serif;margin:0;background:#f5f7fa;color:#1f2933}\
header{background:#1f3a5f;color:#fff;padding:1.2rem 2rem}header h1{margin:0;font-size:1.4rem}\
header p{margin:.2rem 0 0;opacity:.8}main{max-width:72rem;margin:0 auto;padding:1.5rem 2rem}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:1rem;margin-bottom:1.5rem}\
.card{background:#fff;border-radius:8px;padding:1rem;box-shadow:0 1px 2px #0001}\
.card b{display:block;font-size:1.6rem}section{background:#fff;border-radius:8px;padding:1rem 1.4rem;margin-bottom:1.2rem;box-shadow:0 1px 2px #0001}\
h2{margin:.2rem 0 .8rem;color:#1f3a5f}h3{margin:1rem 0 .4rem;font-size:1rem}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e4e7eb}th{font-weight:600;color:#52606d}\
.bad{color:#b42318}.warn{color:#b54708}.ok{color:#067647}ul{margin:.3rem 0;padding-left:1.2rem}.muted{color:#7b8794}\
figure{margin:.4rem 0 1rem}svg.trend{width:100%;max-width:44rem;height:auto;display:block}\
details summary{cursor:pointer;color:#52606d;font-size:.9rem}nav.teams{margin:0 0 1.2rem}";

/// Every dashboard answer, the refusals included: not cached, not sent on as a referrer (the
/// link is the key), not indexed.
fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    let html = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · pacer" }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    };
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        html,
    )
        .into_response()
}

fn refusal_body(why: &str) -> Markup {
    html! {
        main {
            section {
                h2 { "This dashboard link does not work" }
                p { (why) }
                p {
                    "Ask pacer for a fresh one: " code { "/pacer dashboard" } " in Slack, "
                    code { "dashboard" } " in your chat with pacer in Teams."
                }
            }
        }
    }
}

fn refused(why: &str) -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Dashboard link not valid",
        refusal_body(why),
    )
}

/// The workspace a link opens and its query for the links between pages, or the refusal.
async fn opened(
    state: &AppState,
    params: Params,
) -> Result<Result<(i64, Nav), Response>, AppError> {
    let (Some(ws), Some(exp), Some(sig)) = (params.ws, params.exp, params.sig) else {
        return Ok(Err(refused("It is incomplete.")));
    };
    let genuine = crate::links::dashboard_signed(&state.keyring, &ws, &exp, &sig)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let (Ok(ws), Ok(exp)) = (ws.parse::<i64>(), exp.parse::<i64>()) else {
        return Ok(Err(refused("It is malformed.")));
    };
    if !genuine {
        return Ok(Err(refused(
            "It was not issued by this pacer, or it was altered.",
        )));
    }
    if state.clock.now().timestamp() > exp {
        return Ok(Err(refused("It has expired (links work for 24 hours).")));
    }
    let mut teams: Vec<(i64, String)> = state
        .store
        .teams(ws)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    teams.sort_by_key(|(id, name)| (name.to_lowercase(), *id));
    let query = format!("ws={ws}&exp={exp}&sig={sig}");
    Ok(Ok((ws, Nav { query, teams })))
}

pub async fn show(
    State(state): State<AppState>,
    Query(mut params): Query<Params>,
) -> Result<Response, AppError> {
    let team = params.team.take();
    let (ws, nav) = match opened(&state, params).await? {
        Ok(opened) => opened,
        Err(refusal) => return Ok(refusal),
    };
    match team {
        Some(team) => team_page(&state, ws, &nav, &team).await,
        None => organisation_page(&state, ws, &nav).await,
    }
}

/// One team of the link's workspace, or a 404 that says so.
async fn team_page(state: &AppState, ws: i64, nav: &Nav, team: &str) -> Result<Response, AppError> {
    let store = &state.store;
    let found = match team.parse::<i64>() {
        Ok(id) => store.team(ws, id).await?,
        Err(_) => None,
    };
    let Some(team) = found else {
        let body = html! {
            main { section {
                h2 { "No such team here" }
                p { a href=(nav.home()) { "Back to all teams" } }
            } }
        };
        return Ok(page(StatusCode::NOT_FOUND, "No such team", body));
    };
    let now = state.clock.now();
    let digest = digest::build(store, ws, &team, None, now, true).await?;
    let review = dashboard_team::review(store, ws, &team, now).await?;
    let trends = trends::load(store, ws, std::slice::from_ref(&team), now).await?;
    let trend = trends.teams.first().map(|(_, weeks)| weeks.as_slice());
    let body = dashboard_team::render(&digest, &review, trend, &nav.home(), now);
    Ok(page(StatusCode::OK, &team.name, body))
}

async fn organisation_page(state: &AppState, ws: i64, nav: &Nav) -> Result<Response, AppError> {
    let now = state.clock.now();
    let store = &state.store;
    let teams = store.teams(ws).await?;
    let mut roots: Vec<_> = teams
        .iter()
        .filter(|t| {
            t.parent_team_id
                .is_none_or(|p| !teams.iter().any(|x| x.id == p))
        })
        .collect();
    roots.sort_by_key(|t| t.name.to_lowercase());
    let mut digests = Vec::with_capacity(roots.len());
    for team in roots {
        digests.push(digest::build(store, ws, team, None, now, true).await?);
    }
    let trends = trends::load(store, ws, &teams, now).await?;
    Ok(page(
        StatusCode::OK,
        "Dashboard",
        render(&digests, &trends, nav, now),
    ))
}

/// How many of a list the page shows before it says how many more there are.
const STALLS_SHOWN: usize = 10;
const UNALIGNED_SHOWN: usize = 15;

fn drift_class(percent: u32) -> &'static str {
    match percent {
        0..=15 => "ok",
        16..=35 => "warn",
        _ => "bad",
    }
}

fn stalled_class(stalled: usize) -> &'static str {
    if stalled > 0 { "bad" } else { "ok" }
}

/// The last line of a shortened list.
pub(super) fn and_more(total: usize, shown: usize) -> Markup {
    html! {
        @if total > shown {
            li class="muted" { "…and " (total - shown) " more" }
        }
    }
}

fn stall_list(list: &[Stalled]) -> Markup {
    html! {
        @if list.is_empty() {
            p class="ok" { "Nothing is stalled." }
        } @else {
            ul {
                @for s in list.iter().take(STALLS_SHOWN) {
                    li {
                        b { "#" (s.item.number) } " " (s.item.title) " "
                        span class=(score_class(s.score)) title="drift score, 0 to 100" {
                            "drift " (s.score)
                        }
                        " "
                        span class="muted" {
                            "(" (s.item.team) ", @" (s.item.owner.name) ", " (s.status) " · "
                            (s.progress) "%)"
                        }
                        br;
                        (s.reasons.join("; "))
                    }
                }
                (and_more(list.len(), STALLS_SHOWN))
            }
        }
    }
}

/// How a drift score is coloured: from 50 it is bad, from 20 a warning.
fn score_class(score: u8) -> &'static str {
    match score {
        50.. => "bad",
        20.. => "warn",
        _ => "muted",
    }
}

/// Organisation totals over the root teams' digests.
struct Totals {
    active: usize,
    on_track: usize,
    stalled: usize,
}

fn totals(digests: &[Digest]) -> Totals {
    // The roots' subtrees cover every team once: a root with a roll-up counts its own
    // priorities and its children's, a root without one only its own.
    let mut t = Totals {
        active: 0,
        on_track: 0,
        stalled: 0,
    };
    for d in digests {
        t.active += d.drift.active;
        t.stalled += d.drift.stalled;
        t.on_track += d.counts.on_track;
        if let Some(r) = &d.rollup {
            t.active += r.children.iter().map(|c| c.active).sum::<usize>();
            t.stalled += r.children.iter().map(|c| c.stalled).sum::<usize>();
            t.on_track += r.children.iter().map(|c| c.on_track).sum::<usize>();
        }
    }
    t
}

fn cards(t: &Totals) -> Markup {
    let drift = (t.stalled * 100 + t.active / 2)
        .checked_div(t.active)
        .unwrap_or(0) as u32;
    html! {
        div class="cards" {
            div class="card" { b { (t.active) } "active priorities" }
            div class="card" { b class="ok" { (t.on_track) } "on track" }
            div class="card" { b class=(stalled_class(t.stalled)) { (t.stalled) } "stalled" }
            div class="card" { b class=(drift_class(drift)) { (drift) "%" } "drift" }
        }
    }
}

/// A child team's on-track share, with an arrow when it moved since the cycle before.
fn trend(c: &ChildLine) -> String {
    match (c.on_track_share, c.previous_on_track_share) {
        (Some(now), Some(before)) if now > before => format!("{now}% ↑"),
        (Some(now), Some(before)) if now < before => format!("{now}% ↓"),
        (Some(now), _) => format!("{now}%"),
        _ => "–".into(),
    }
}

fn children_table(children: &[ChildLine]) -> Markup {
    html! {
        h3 { "Teams" }
        table {
            tr {
                th { "team" } th { "active" } th { "on track" } th { "stalled" }
                th { "check-ins" } th { "on-track share" }
            }
            @for c in children {
                tr {
                    td { (c.team) }
                    td { (c.active) }
                    td { (c.on_track) }
                    td class=(stalled_class(c.stalled)) { (c.stalled) }
                    td {
                        @if let Some(p) = &c.participation {
                            (p.checked_in) " of " (p.expected)
                        } @else {
                            "–"
                        }
                    }
                    td { (trend(c)) }
                }
            }
        }
    }
}

fn dependencies(r: &Rollup) -> Markup {
    html! {
        h3 { "Cross-team dependencies at risk" }
        @if r.dependencies_at_risk.is_empty() {
            p class="ok" { "None." }
        } @else {
            ul {
                @for dep in &r.dependencies_at_risk {
                    li {
                        b { "#" (dep.dependent.number) } " " (dep.dependent.title)
                        " (" (dep.dependent.team) ") waits on "
                        b { "#" (dep.on.number) } " " (dep.on.title)
                        " (" (dep.on.team) "): " (dep.why)
                    }
                }
            }
        }
    }
}

fn alignment(r: &Rollup) -> Markup {
    let a = &r.alignment;
    html! {
        h3 { "Alignment" }
        p {
            (a.aligned) " of " (a.active) " active priorities ladder up to a priority of "
            (a.top_team) "."
        }
        @if !a.unaligned.is_empty() {
            p class="warn" { "Serving no company priority:" }
            ul {
                @for i in a.unaligned.iter().take(UNALIGNED_SHOWN) {
                    li {
                        b { "#" (i.number) } " " (i.title) " "
                        span class="muted" { "(" (i.team) ", @" (i.owner.name) ")" }
                    }
                }
                (and_more(a.unaligned.len(), UNALIGNED_SHOWN))
            }
        }
    }
}

/// One root team: its own numbers, then either the roll-up of its children or, for a team
/// with none, what needs attention.
pub(super) fn team_section(d: &Digest) -> Markup {
    html! {
        section {
            h2 { (d.team) }
            p {
                (d.drift.active) " active · "
                span class="ok" { (d.counts.on_track) " on track" }
                " · " (d.counts.at_risk) " at risk · " (d.counts.off_track) " off track · "
                (d.counts.done) " done · drift "
                b class=(drift_class(d.drift.percent)) { (d.drift.percent) "%" }
                @if let Some(p) = &d.participation {
                    " · " (p.checked_in) " of " (p.expected) " owners checked in"
                }
            }
            @if let Some(r) = &d.rollup {
                (children_table(&r.children))
                h3 { "Most serious stalls" }
                (stall_list(&r.top_stalls))
                (dependencies(r))
                (alignment(r))
            } @else {
                h3 { "Needs attention" }
                (stall_list(&d.needs_attention))
            }
        }
    }
}

/// The organisation's trends, under the cards.
fn organisation_trends(t: &Trends) -> Markup {
    html! {
        section class="trends" {
            h2 { "Last " (trends::WEEKS) " weeks" }
            p class="muted" {
                "Each week (Monday to Sunday, UTC) counts the check-in cycles that closed in it: "
                "participation is owners who answered on time of those asked and not away, "
                "on-track share is on-time answers saying on track, drift is stalled of active "
                "priorities at each team's last close of the week. A break in a line is a week "
                "with nothing to measure."
            }
            (trend_chart::chart("the organisation", &t.organisation))
        }
    }
}

/// One chart per team, by name, teams of teams included.
fn team_trends(t: &Trends) -> Markup {
    html! {
        @if !t.teams.is_empty() {
            section class="trends" {
                h2 { "Trends by team" }
                @for (team, weeks) in &t.teams {
                    h3 { (team) }
                    (trend_chart::chart(team, weeks))
                }
            }
        }
    }
}

/// Every team's page, by name: where decisions and raised items are.
fn team_pages(nav: &Nav) -> Markup {
    html! {
        @if !nav.teams.is_empty() {
            nav class="teams" {
                "Team pages (decisions, raised items, follow-ups): "
                @for (i, (id, name)) in nav.teams.iter().enumerate() {
                    @if i > 0 { " · " }
                    a href=(nav.team(*id)) { (name) }
                }
            }
        }
    }
}

fn render(digests: &[Digest], trends: &Trends, nav: &Nav, now: DateTime<Utc>) -> Markup {
    html! {
        header {
            h1 { "pacer · leaders' dashboard" }
            p { "As of " (now.format("%a %-d %b %Y %H:%M")) " UTC · " (nav.teams.len()) " teams" }
        }
        main {
            (cards(&totals(digests)))
            (team_pages(nav))
            (organisation_trends(trends))
            @if digests.is_empty() {
                section {
                    h2 { "No teams yet" }
                    p { "Create one with " code { "team add <name>" } "." }
                }
            }
            @for d in digests {
                (team_section(d))
            }
            (team_trends(trends))
        }
    }
}

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;
