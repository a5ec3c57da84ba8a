//! Twelve-week trend charts as inline SVG, drawn on the server with maud (so every text is
//! escaped) and no JavaScript: participation, on-track share and drift on a 0–100 % axis, one
//! point per ISO week. A week with nothing to measure breaks its line rather than dropping to
//! zero. Each chart carries its own accessible name and a table of the same figures.

use chrono::NaiveDate;
use maud::{Markup, html};

use crate::reporting::trends::{Measure, Week};

/// The drawing's fixed coordinate system; the page scales it to its width.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 236.0;
/// The plot area inside it: room on the left for the % labels, below for weeks and legend.
const LEFT: f64 = 44.0;
const RIGHT: f64 = 616.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 174.0;

/// How each measure is drawn: a colour and a dash pattern, so the lines differ without colour.
fn stroke(m: Measure) -> (&'static str, &'static str) {
    match m {
        Measure::Participation => ("#1f6feb", "none"),
        Measure::OnTrack => ("#067647", "6 3"),
        Measure::Drift => ("#b42318", "2 3"),
    }
}

/// A measure's name as the chart's legend, titles and table say it.
pub fn name(m: Measure) -> &'static str {
    match m {
        Measure::Participation => "participation",
        Measure::OnTrack => "on-track share",
        Measure::Drift => "drift",
    }
}

/// A week as its axis label says it: its Monday, e.g. `Nov 23`.
pub fn week_label(start: NaiveDate) -> String {
    start.format("%b %-d").to_string()
}

/// Where the `i`th of `n` weeks sits across.
pub fn x(i: usize, n: usize) -> f64 {
    if n < 2 {
        return (LEFT + RIGHT) / 2.0;
    }
    LEFT + (RIGHT - LEFT) * i as f64 / (n - 1) as f64
}

/// Where a percentage sits up (0 at the bottom, 100 at the top; out of range is clamped).
pub fn y(percent: f64) -> f64 {
    BOTTOM - (BOTTOM - TOP) * percent.clamp(0.0, 100.0) / 100.0
}

/// A coordinate as the SVG carries it: one decimal is finer than a pixel at this size.
fn c(v: f64) -> String {
    format!("{v:.1}")
}

/// The path of a line through the known points: a gap ends a stretch, and the next known
/// point starts a new one with `M`.
pub fn path_data(values: &[Option<f64>]) -> String {
    let mut d = Vec::new();
    let mut joined = false;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let step = if joined { 'L' } else { 'M' };
                d.push(format!("{step}{} {}", c(x(i, values.len())), c(y(*v))));
                joined = true;
            }
            None => joined = false,
        }
    }
    d.join(" ")
}

fn percent_text(p: Option<u32>) -> String {
    p.map_or_else(|| "–".to_string(), |p| format!("{p}%"))
}

/// A sentence naming the chart, for screen readers.
fn description(team: &str, weeks: &[Week]) -> String {
    let span = match (weeks.first(), weeks.last()) {
        (Some(a), Some(b)) => format!(
            ", weeks from {} to {}",
            a.start.format("%-d %b %Y"),
            b.start.format("%-d %b %Y")
        ),
        _ => String::new(),
    };
    format!("Participation, on-track share and drift of {team}{span}")
}

/// Grid lines and labels at 0, 50 and 100 %, and each week's Monday below.
fn axes(weeks: &[Week]) -> Markup {
    html! {
        g class="y-axis" font-size="11" fill="#52606d" text-anchor="end" {
            @for p in [0.0, 50.0, 100.0] {
                line x1=(c(LEFT)) x2=(c(RIGHT)) y1=(c(y(p))) y2=(c(y(p))) stroke="#e4e7eb" {}
                text class="y-label" x=(c(LEFT - 6.0)) y=(c(y(p) + 4.0)) { (p) "%" }
            }
        }
        g class="x-axis" font-size="10" fill="#52606d" text-anchor="middle" {
            @for (i, w) in weeks.iter().enumerate() {
                text class="x-label" x=(c(x(i, weeks.len()))) y=(c(BOTTOM + 16.0)) {
                    (week_label(w.start))
                }
            }
        }
    }
}

/// One measure's line and a marked point per known week, each with a title for hovering and
/// for assistive technology.
fn line_of(m: Measure, weeks: &[Week]) -> Markup {
    let (colour, dash) = stroke(m);
    let values: Vec<Option<f64>> = weeks.iter().map(|w| w.value(m)).collect();
    html! {
        g class={ "series " (m.label().replace(' ', "-")) } {
            path d=(path_data(&values)) fill="none" stroke=(colour) stroke-width="2"
                stroke-dasharray=(dash) {}
            @for (i, w) in weeks.iter().enumerate() {
                @if let Some(v) = w.value(m) {
                    circle cx=(c(x(i, weeks.len()))) cy=(c(y(v))) r="3" fill=(colour) {
                        title {
                            (name(m)) ", week of " (week_label(w.start)) ": "
                            (percent_text(w.percent(m)))
                        }
                    }
                }
            }
        }
    }
}

/// The key to the three lines, under the weeks.
fn legend() -> Markup {
    html! {
        g class="legend" font-size="11" fill="#1f2933" {
            @for (i, m) in Measure::ALL.into_iter().enumerate() {
                @let left = LEFT + 150.0 * i as f64;
                @let (colour, dash) = stroke(m);
                line x1=(c(left)) x2=(c(left + 24.0)) y1=(c(HEIGHT - 14.0)) y2=(c(HEIGHT - 14.0))
                    stroke=(colour) stroke-width="2" stroke-dasharray=(dash) {}
                text x=(c(left + 30.0)) y=(c(HEIGHT - 10.0)) { (name(m)) }
            }
        }
    }
}

/// The chart alone, as an `<svg>` element.
pub fn svg(team: &str, weeks: &[Week]) -> Markup {
    let description = description(team, weeks);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="trend"
            viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(description) {
            title { (description) }
            (axes(weeks))
            @for m in Measure::ALL {
                (line_of(m, weeks))
            }
            (legend())
        }
    }
}

/// The same figures as a table, for readers who cannot see the chart and for copying.
fn table(weeks: &[Week]) -> Markup {
    html! {
        details {
            summary { "Figures by week" }
            table class="trend-figures" {
                tr {
                    th { "week of" }
                    @for m in Measure::ALL { th { (name(m)) } }
                }
                @for w in weeks {
                    tr {
                        td { (week_label(w.start)) }
                        @for m in Measure::ALL { td { (percent_text(w.percent(m))) } }
                    }
                }
            }
        }
    }
}

/// A team's (or the organisation's) trends: the chart and its table, or a sentence when no
/// cycle closed in the weeks shown.
pub fn chart(team: &str, weeks: &[Week]) -> Markup {
    html! {
        figure class="trend-chart" {
            @if weeks.iter().all(|w| w.tally.cycles == 0) {
                p class="muted" { "No check-in cycle of " (team) " closed in these weeks." }
            } @else {
                (svg(team, weeks))
                (table(weeks))
            }
        }
    }
}

#[cfg(test)]
#[path = "trend_chart_tests.rs"]
mod tests;
