//! The dashboard's 12-week trends over a seeded history: four weeks of check-ins through real
//! commands and the injected clock (with a week when Platform's rhythm was off), the figures
//! kept at each digest, the charts' labels and values on the page, the same page from figures
//! backfilled after the fact, a golden SVG, and the charts in headless Chromium.

use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::json;

use crate::common::{TestApp, spawn_app};
use crate::digests::golden;
use crate::sandbox_browser::Driver;

/// Monday 2 November 2026, 06:00 UTC: the first seeded week.
fn first_monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 6, 0, 0).unwrap()
}

/// When the dashboard is opened: Monday 30 November, 10:00 UTC, after this week's cycles
/// opened and before any closed.
fn opened_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap()
}

async fn run(app: &TestApp, user: &str, cmd: &str) {
    let r = app.slash(user, cmd).await;
    assert!(!r.all_text().contains("⚠️"), "{cmd}: {}", r.all_text());
}

/// Platform: #1 and #2 owned by ana, #3 by ben. Growth: #4 owned by chen. Both check in on
/// Mondays 09:00 UTC and close on Fridays 16:00 UTC.
async fn organisation(app: &TestApp) {
    app.clock.set(first_monday());
    for (user, cmd) in [
        ("U0ANA", "team add Platform <#C0PLATFORM|platform>"),
        ("U0ANA", "add Payments API team:Platform"),
        ("U0ANA", "add Billing export team:Platform"),
        ("U0BEN", "add Fraud rules team:Platform"),
        ("U0CHEN", "team add Growth <#C0GROWTH|growth>"),
        ("U0CHEN", "add Japan launch team:Growth"),
        (
            "U0CHEN",
            "rhythm Growth checkin \"mon 09:00\" tz:UTC remind:off",
        ),
        ("U0CHEN", "rhythm Growth digest \"fri 16:00\""),
    ] {
        run(app, user, cmd).await;
    }
    platform_rhythm(app).await;
}

async fn platform_rhythm(app: &TestApp) {
    run(
        app,
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:UTC remind:off",
    )
    .await;
    run(app, "U0ANA", "rhythm Platform digest \"fri 16:00\"").await;
}

/// One week: the cycles open on Monday, the answers come in, the cycles close on Friday and
/// their digests run.
async fn week(app: &TestApp, monday: DateTime<Utc>, answers: &[(&str, &str)]) {
    app.clock.set(monday + Duration::hours(3));
    assert_eq!(app.tick().await.failed, 0);
    app.clock.set(monday + Duration::hours(4));
    for (user, cmd) in answers {
        run(app, user, cmd).await;
    }
    app.clock
        .set(monday + Duration::days(4) + Duration::hours(10));
    assert_eq!(app.tick().await.failed, 0);
}

/// Four weeks of history (see each week's figures in the test below), then this Monday.
async fn seed(app: &TestApp) {
    organisation(app).await;
    let w = |n: i64| first_monday() + Duration::weeks(n);
    week(
        app,
        w(0),
        &[
            ("U0ANA", "status #1 on-track 10%"),
            ("U0ANA", "status #2 on-track 10%"),
            ("U0BEN", "status #3 on-track 10%"),
            ("U0CHEN", "status #4 off-track 10%"),
        ],
    )
    .await;
    assert_eq!(app.count("cycle_figures").await, 2, "kept at each digest");
    week(
        app,
        w(1),
        &[
            ("U0ANA", "status #1 on-track 20%"),
            ("U0ANA", "status #2 off-track 20%"),
            ("U0CHEN", "status #4 off-track 20%"),
        ],
    )
    .await;
    app.clock.set(w(2) - Duration::days(1));
    run(app, "U0ANA", "rhythm Platform off").await;
    week(app, w(2), &[("U0CHEN", "status #4 on-track 30%")]).await;
    platform_rhythm(app).await;
    week(
        app,
        w(3),
        &[
            ("U0ANA", "status #1 on-track 30%"),
            ("U0ANA", "status #2 off-track 30%"),
        ],
    )
    .await;
    app.clock.set(opened_at());
    assert_eq!(app.tick().await.failed, 0);
}

async fn dashboard(app: &TestApp) -> String {
    let text = app.slash("U0ANA", "dashboard").await.all_text();
    crate::dashboard::link_in(&text).replace("http://127.0.0.1:3000", &app.url)
}

/// The charts on the page, in order: the organisation's, then Growth's and Platform's.
fn charts(html: &str) -> Vec<String> {
    html.split("<figure class=\"trend-chart\">")
        .skip(1)
        .map(|s| s.split("</figure>").next().unwrap_or_default().to_string())
        .collect()
}

fn x_labels(svg: &str) -> Vec<String> {
    svg.split("class=\"x-label\"")
        .skip(1)
        .filter_map(|s| s.split('>').nth(1))
        .filter_map(|s| s.split('<').next())
        .map(str::to_string)
        .collect()
}

const WEEKS: [&str; 12] = [
    "Sep 14", "Sep 21", "Sep 28", "Oct 5", "Oct 12", "Oct 19", "Oct 26", "Nov 2", "Nov 9",
    "Nov 16", "Nov 23", "Nov 30",
];

/// Each point's title in a chart, e.g. `drift, week of Nov 9: 25%`.
fn points(svg: &str) -> Vec<String> {
    svg.split("<circle")
        .skip(1)
        .filter_map(|s| s.split("<title>").nth(1))
        .filter_map(|s| s.split("</title>").next())
        .map(str::to_string)
        .collect()
}

fn assert_points(chart: &str, expected: &[&str]) {
    let found = points(chart);
    let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    let mut sorted = found.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "{chart}");
}

#[tokio::test]
async fn the_dashboard_draws_twelve_weeks_of_each_teams_and_the_organisations_figures() {
    let app = spawn_app().await;
    seed(&app).await;
    let link = dashboard(&app).await;
    let html = app
        .http
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script"), "no JavaScript");
    let found = charts(&html);
    assert_eq!(found.len(), 3, "{html}");
    for chart in &found {
        assert_eq!(x_labels(chart), WEEKS);
        assert!(chart.contains(">0%</text>") && chart.contains(">50%</text>"));
        assert!(chart.contains(">100%</text>"));
    }
    // Weighted by counts: week 1 is 3 of 3 owners, 3 of 4 answers on track, 0 of 4 stalled.
    assert_points(
        &found[0],
        &[
            "participation, week of Nov 2: 100%",
            "on-track share, week of Nov 2: 75%",
            "drift, week of Nov 2: 0%",
            // ben is silent; chen's #4 is off track twice running (stuck).
            "participation, week of Nov 9: 67%",
            "on-track share, week of Nov 9: 33%",
            "drift, week of Nov 9: 25%",
            // Only Growth closed.
            "participation, week of Nov 16: 100%",
            "on-track share, week of Nov 16: 100%",
            "drift, week of Nov 16: 0%",
            // ana's #2 is stuck, ben's #3 silent twice running; chen did not answer.
            "participation, week of Nov 23: 33%",
            "on-track share, week of Nov 23: 50%",
            "drift, week of Nov 23: 50%",
        ],
    );
    assert_points(
        &found[1],
        &[
            "participation, week of Nov 2: 100%",
            "on-track share, week of Nov 2: 0%",
            "drift, week of Nov 2: 0%",
            "participation, week of Nov 9: 100%",
            "on-track share, week of Nov 9: 0%",
            "drift, week of Nov 9: 100%",
            "participation, week of Nov 16: 100%",
            "on-track share, week of Nov 16: 100%",
            "drift, week of Nov 16: 0%",
            "participation, week of Nov 23: 0%",
            "drift, week of Nov 23: 0%",
        ],
    );
    // Platform's week off is a break in each line, not a zero.
    assert_points(
        &found[2],
        &[
            "participation, week of Nov 2: 100%",
            "on-track share, week of Nov 2: 100%",
            "drift, week of Nov 2: 0%",
            "participation, week of Nov 9: 50%",
            "on-track share, week of Nov 9: 50%",
            "drift, week of Nov 9: 0%",
            "participation, week of Nov 23: 50%",
            "on-track share, week of Nov 23: 50%",
            "drift, week of Nov 23: 67%",
        ],
    );
    let platform_paths: Vec<&str> = found[2]
        .split(" d=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(platform_paths.len(), 3);
    for d in platform_paths {
        assert_eq!(d.matches('M').count(), 2, "{d}");
    }
    assert!(found[2].contains("<tr><td>Nov 16</td><td>–</td><td>–</td><td>–</td></tr>"));

    // Figures lost or never kept (cycles that closed before they were) are rebuilt from the
    // history as of each close, and the page is the same.
    sqlx::query("DELETE FROM cycle_figures")
        .execute(app.store.pool())
        .await
        .unwrap();
    let again = app
        .http
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(charts(&again), found);
    assert_eq!(app.count("cycle_figures").await, 7);
}

#[tokio::test]
async fn another_workspace_sees_none_of_these_trends() {
    let app = spawn_app().await;
    seed(&app).await;
    for cmd in ["team add Growth", "add Grow team:Growth", "dashboard"] {
        let r = app.slash_in("T0OTHER", "U0BEN", "C0OTHER", cmd).await;
        if cmd != "dashboard" {
            continue;
        }
        let link =
            crate::dashboard::link_in(&r.all_text()).replace("http://127.0.0.1:3000", &app.url);
        let html = app
            .http
            .get(&link)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("<svg"), "{html}");
        assert!(html.contains("No check-in cycle of the organisation closed in these weeks."));
        assert!(html.contains("No check-in cycle of Growth closed in these weeks."));
    }
    let ws1 = app.store.cycle_figures(1, 0, i64::MAX).await.unwrap();
    assert_eq!(ws1.len(), 7, "4 Growth and 3 Platform cycles");
}

/// A fixed series drawn as SVG, compared with `tests/golden/trend_chart.svg`
/// (`UPDATE_GOLDEN=1` rewrites it). One element a line, so a change reads as a diff.
#[test]
fn golden_trend_chart() {
    use pacer::reporting::trends::{Tally, Week};
    let first = NaiveDate::from_ymd_opt(2026, 9, 7).unwrap();
    let weeks: Vec<Week> = (0..12)
        .map(|i| Week {
            start: first + Duration::weeks(i),
            tally: if i == 4 || i == 5 {
                Tally::default()
            } else {
                Tally {
                    cycles: 1,
                    expected: 8,
                    answered: 4 + i % 5,
                    answers: 12,
                    on_track: 6 + i % 7,
                    active: 10,
                    stalled: i % 6,
                }
            },
        })
        .collect();
    let svg = pacer::http::trend_chart::svg("Platform & <Ops>", &weeks).into_string();
    golden("trend_chart.svg", &(svg.replace("><", ">\n<") + "\n"));
}

#[tokio::test]
async fn a_browser_shows_the_charts_with_the_seeded_weeks() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = spawn_app().await;
    seed(&app).await;
    let link = dashboard(&app).await;
    driver.session("POST", "/url", json!({"url": link})).await;
    driver
        .find("//*[local-name()='svg' and contains(@class,'trend')]")
        .await;
    let seen = driver
        .session(
            "POST",
            "/execute/sync",
            json!({"script": "const svgs=[...document.querySelectorAll('svg.trend')];\
                return {charts: svgs.length,\
                  svg: svgs.every(s=>s.namespaceURI==='http://www.w3.org/2000/svg'),\
                  width: svgs[0].getBoundingClientRect().width,\
                  weeks: [...svgs[0].querySelectorAll('text.x-label')].map(t=>t.textContent),\
                  percent: [...svgs[0].querySelectorAll('text.y-label')].map(t=>t.textContent),\
                  lines: svgs[0].querySelectorAll('g.series path').length,\
                  lineLength: svgs[0].querySelector('g.series path').getTotalLength(),\
                  points: svgs[0].querySelectorAll('circle').length,\
                  name: svgs[0].getAttribute('aria-label')};",
                "args": []}),
        )
        .await;
    assert_eq!(seen["charts"], 3, "{seen}");
    assert_eq!(seen["svg"], true, "drawn as SVG, not unknown HTML: {seen}");
    assert!(seen["width"].as_f64().unwrap_or(0.0) > 300.0, "{seen}");
    assert_eq!(seen["weeks"], json!(WEEKS));
    assert_eq!(seen["percent"], json!(["0%", "50%", "100%"]));
    assert_eq!(seen["lines"], 3);
    assert!(seen["lineLength"].as_f64().unwrap_or(0.0) > 100.0, "{seen}");
    assert_eq!(seen["points"], 12, "four weeks of three figures");
    assert!(
        seen["name"]
            .as_str()
            .unwrap_or_default()
            .contains("of the organisation, weeks from 14 Sep 2026 to 30 Nov 2026"),
        "{seen}"
    );
    let shot = driver.session("GET", "/screenshot", json!({})).await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot.as_str().unwrap_or_default())
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("dashboard-trends.png");
    std::fs::write(&path, &png).unwrap();
    eprintln!("screenshot: {}", path.display());
    driver.session("DELETE", "", json!({})).await;
}
