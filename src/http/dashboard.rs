//! The leaders' dashboard: one server-rendered page per workspace with every team's drift,
//! participation, the worst stalls, cross-team dependencies at risk and alignment, reached
//! through a link that `/pacer dashboard` signs for a day. The signature is the only way in; the
//! workspace comes from it, never from anything else in the request.

use crate::http::escape_html;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::AppError;
use crate::reporting::digest::{self, Digest, Stalled};
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct Params {
    ws: Option<String>,
    exp: Option<String>,
    sig: Option<String>,
}

const STYLE: &str = "body{font:15px/1.45 system-ui,-apple-system,sans-serif;margin:0;background:#f5f7fa;color:#1f2933}\
header{background:#1f3a5f;color:#fff;padding:1.2rem 2rem}header h1{margin:0;font-size:1.4rem}\
header p{margin:.2rem 0 0;opacity:.8}main{max-width:72rem;margin:0 auto;padding:1.5rem 2rem}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:1rem;margin-bottom:1.5rem}\
.card{background:#fff;border-radius:8px;padding:1rem;box-shadow:0 1px 2px #0001}\
.card b{display:block;font-size:1.6rem}section{background:#fff;border-radius:8px;padding:1rem 1.4rem;margin-bottom:1.2rem;box-shadow:0 1px 2px #0001}\
h2{margin:.2rem 0 .8rem;color:#1f3a5f}h3{margin:1rem 0 .4rem;font-size:1rem}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e4e7eb}th{font-weight:600;color:#52606d}\
.bad{color:#b42318}.warn{color:#b54708}.ok{color:#067647}ul{margin:.3rem 0;padding-left:1.2rem}.muted{color:#7b8794}";

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{} · pacer</title><style>{STYLE}</style></head>\
         <body>{body}</body></html>",
        escape_html(title)
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        Html(html),
    )
        .into_response()
}

fn refused(why: &str) -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Dashboard link not valid",
        &format!(
            "<main><section><h2>This dashboard link does not work</h2><p>{}</p>\
             <p>Ask pacer for a fresh one: <code>/pacer dashboard</code> in Slack, \
             <code>dashboard</code> in your chat with pacer in Teams.</p></section></main>",
            escape_html(why)
        ),
    )
}

pub async fn show(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    let (Some(ws), Some(exp), Some(sig)) = (params.ws, params.exp, params.sig) else {
        return Ok(refused("It is incomplete."));
    };
    let genuine = crate::links::dashboard_signed(&state.keyring, &ws, &exp, &sig)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let (Ok(ws), Ok(exp)) = (ws.parse::<i64>(), exp.parse::<i64>()) else {
        return Ok(refused("It is malformed."));
    };
    if !genuine {
        return Ok(refused(
            "It was not issued by this pacer, or it was altered.",
        ));
    }
    let now = state.clock.now();
    if now.timestamp() > exp {
        return Ok(refused("It has expired (links work for 24 hours)."));
    }
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
    Ok(page(
        StatusCode::OK,
        "Dashboard",
        &render(&digests, teams.len(), now),
    ))
}

fn drift_class(percent: u32) -> &'static str {
    match percent {
        0..=15 => "ok",
        16..=35 => "warn",
        _ => "bad",
    }
}

fn stall_list(list: &[Stalled], limit: usize) -> String {
    if list.is_empty() {
        return "<p class=\"ok\">Nothing is stalled.</p>".into();
    }
    let mut out = String::from("<ul>");
    for s in list.iter().take(limit) {
        out.push_str(&format!(
            "<li><b>#{}</b> {} <span class=\"muted\">({}, @{}, {} · {}%)</span><br>{}</li>",
            s.item.number,
            escape_html(&s.item.title),
            escape_html(&s.item.team),
            escape_html(&s.item.owner.name),
            escape_html(&s.status),
            s.progress,
            escape_html(&s.reasons.join("; "))
        ));
    }
    if list.len() > limit {
        out.push_str(&format!(
            "<li class=\"muted\">…and {} more</li>",
            list.len() - limit
        ));
    }
    out.push_str("</ul>");
    out
}

fn render(digests: &[Digest], team_count: usize, now: DateTime<Utc>) -> String {
    // Organisation totals: the roots' subtrees cover every team once.
    let (mut active, mut stalled, mut on_track) = (0, 0, 0);
    for d in digests {
        match &d.rollup {
            Some(r) => {
                let own_on_track = d.counts.on_track;
                active += d.drift.active + r.children.iter().map(|c| c.active).sum::<usize>();
                stalled += d.drift.stalled + r.children.iter().map(|c| c.stalled).sum::<usize>();
                on_track += own_on_track + r.children.iter().map(|c| c.on_track).sum::<usize>();
            }
            None => {
                active += d.drift.active;
                stalled += d.drift.stalled;
                on_track += d.counts.on_track;
            }
        }
    }
    let drift = (stalled * 100 + active / 2)
        .checked_div(active)
        .unwrap_or(0) as u32;
    let mut html = format!(
        "<header><h1>pacer · leaders' dashboard</h1><p>As of {} UTC · {team_count} teams</p></header><main>\
         <div class=\"cards\">\
         <div class=\"card\"><b>{active}</b>active priorities</div>\
         <div class=\"card\"><b class=\"ok\">{on_track}</b>on track</div>\
         <div class=\"card\"><b class=\"{}\">{stalled}</b>stalled</div>\
         <div class=\"card\"><b class=\"{}\">{drift}%</b>drift</div></div>",
        now.format("%a %-d %b %Y %H:%M"),
        if stalled > 0 { "bad" } else { "ok" },
        drift_class(drift),
    );
    if digests.is_empty() {
        html.push_str(
            "<section><h2>No teams yet</h2><p>Create one with <code>team add &lt;name&gt;</code>.</p></section>",
        );
    }
    for d in digests {
        html.push_str(&format!(
            "<section><h2>{}</h2><p>{} active · <span class=\"ok\">{} on track</span> · {} at risk · {} off track · {} done · drift <b class=\"{}\">{}%</b>{}</p>",
            escape_html(&d.team),
            d.drift.active,
            d.counts.on_track,
            d.counts.at_risk,
            d.counts.off_track,
            d.counts.done,
            drift_class(d.drift.percent),
            d.drift.percent,
            d.participation
                .as_ref()
                .map(|p| format!(" · {} of {} owners checked in", p.checked_in, p.expected))
                .unwrap_or_default()
        ));
        if let Some(r) = &d.rollup {
            html.push_str("<h3>Teams</h3><table><tr><th>team</th><th>active</th><th>on track</th><th>stalled</th><th>check-ins</th><th>on-track share</th></tr>");
            for c in &r.children {
                let trend = match (c.on_track_share, c.previous_on_track_share) {
                    (Some(now), Some(before)) if now > before => format!("{now}% ↑"),
                    (Some(now), Some(before)) if now < before => format!("{now}% ↓"),
                    (Some(now), _) => format!("{now}%"),
                    _ => "–".into(),
                };
                html.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
                    escape_html(&c.team),
                    c.active,
                    c.on_track,
                    if c.stalled > 0 { "bad" } else { "ok" },
                    c.stalled,
                    c.participation
                        .as_ref()
                        .map(|p| format!("{} of {}", p.checked_in, p.expected))
                        .unwrap_or_else(|| "–".into()),
                    trend
                ));
            }
            html.push_str("</table><h3>Most serious stalls</h3>");
            html.push_str(&stall_list(&r.top_stalls, 10));
            html.push_str("<h3>Cross-team dependencies at risk</h3>");
            if r.dependencies_at_risk.is_empty() {
                html.push_str("<p class=\"ok\">None.</p>");
            } else {
                html.push_str("<ul>");
                for dep in &r.dependencies_at_risk {
                    html.push_str(&format!(
                        "<li><b>#{}</b> {} ({}) waits on <b>#{}</b> {} ({}): {}</li>",
                        dep.dependent.number,
                        escape_html(&dep.dependent.title),
                        escape_html(&dep.dependent.team),
                        dep.on.number,
                        escape_html(&dep.on.title),
                        escape_html(&dep.on.team),
                        escape_html(&dep.why)
                    ));
                }
                html.push_str("</ul>");
            }
            let a = &r.alignment;
            html.push_str(&format!(
                "<h3>Alignment</h3><p>{} of {} active priorities ladder up to a priority of {}.</p>",
                a.aligned,
                a.active,
                escape_html(&a.top_team)
            ));
            if !a.unaligned.is_empty() {
                html.push_str("<p class=\"warn\">Serving no company priority:</p><ul>");
                for i in a.unaligned.iter().take(15) {
                    html.push_str(&format!(
                        "<li><b>#{}</b> {} <span class=\"muted\">({}, @{})</span></li>",
                        i.number,
                        escape_html(&i.title),
                        escape_html(&i.team),
                        escape_html(&i.owner.name)
                    ));
                }
                if a.unaligned.len() > 15 {
                    html.push_str(&format!(
                        "<li class=\"muted\">…and {} more</li>",
                        a.unaligned.len() - 15
                    ));
                }
                html.push_str("</ul>");
            }
        } else {
            html.push_str("<h3>Needs attention</h3>");
            html.push_str(&stall_list(&d.needs_attention, 10));
        }
        html.push_str("</section>");
    }
    html.push_str("</main>");
    html
}
