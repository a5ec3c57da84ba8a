use chrono::NaiveDate;

use super::*;
use crate::reporting::trends::Tally;

fn week(start: NaiveDate, tally: Option<Tally>) -> Week {
    Week {
        start,
        tally: tally.unwrap_or_default(),
    }
}

/// Twelve weeks from 7 September 2026; weeks 3 and 4 have no close.
fn sample() -> Vec<Week> {
    let first = NaiveDate::from_ymd_opt(2026, 9, 7).expect("a date");
    (0..12)
        .map(|i| {
            let closed = !(3..=4).contains(&i);
            week(
                first + chrono::Duration::weeks(i),
                closed.then_some(Tally {
                    cycles: 1,
                    expected: 4,
                    answered: 2 + (i % 3),
                    answers: 10,
                    on_track: 5 + (i % 5),
                    active: 10,
                    stalled: i % 4,
                }),
            )
        })
        .collect()
}

#[test]
fn points_map_weeks_across_and_percent_up() {
    assert_eq!(x(0, 12), LEFT);
    assert_eq!(x(11, 12), RIGHT);
    assert_eq!(y(0.0), BOTTOM);
    assert_eq!(y(100.0), TOP);
    assert_eq!(y(50.0), (TOP + BOTTOM) / 2.0);
    assert_eq!(y(140.0), TOP, "out of range is clamped");
}

#[test]
fn a_gap_breaks_the_line() {
    let d = path_data(&[Some(0.0), Some(100.0), None, Some(50.0), None]);
    assert_eq!(d, "M44.0 174.0 L187.0 14.0 M473.0 94.0");
    assert_eq!(path_data(&[None, None]), "");
}

#[test]
fn axes_carry_the_percent_marks_and_each_weeks_monday() {
    let html = svg("Platform", &sample()).into_string();
    // Each % label sits level with its grid line (baseline 4 below).
    for (label, at) in [("0%", "178.0"), ("50%", "98.0"), ("100%", "18.0")] {
        let text = format!("<text class=\"y-label\" x=\"38.0\" y=\"{at}\">{label}</text>");
        assert!(html.contains(&text), "{label}: {html}");
    }
    let labels: Vec<&str> = html
        .split("class=\"x-label\"")
        .skip(1)
        .filter_map(|s| s.split('>').nth(1))
        .filter_map(|s| s.split('<').next())
        .collect();
    assert_eq!(
        labels,
        [
            "Sep 7", "Sep 14", "Sep 21", "Sep 28", "Oct 5", "Oct 12", "Oct 19", "Oct 26", "Nov 2",
            "Nov 9", "Nov 16", "Nov 23"
        ]
    );
    assert!(html.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(html.contains("viewBox=\"0 0 640 236\""));
    assert!(html.contains("<title>Participation, on-track share and drift of Platform, weeks from 7 Sep 2026 to 23 Nov 2026</title>"));
}

#[test]
fn each_known_week_is_a_titled_point_and_gaps_have_none() {
    let weeks = sample();
    let html = svg("Platform", &weeks).into_string();
    assert_eq!(html.matches("<circle").count(), 3 * 10);
    // Week 0: 2 of 4 answered, 5 of 10 on track, 0 of 10 stalled.
    assert!(html.contains("<circle cx=\"44.0\" cy=\"94.0\" r=\"3\" fill=\"#1f6feb\"><title>participation, week of Sep 7: 50%</title></circle>"), "{html}");
    assert!(html.contains("<title>on-track share, week of Sep 7: 50%</title>"));
    assert!(html.contains("<title>drift, week of Sep 7: 0%</title>"));
    assert!(!html.contains("week of Sep 28"), "a gap has no point");
    assert!(!html.contains("week of Oct 5"));
    // Participation's path restarts after the gap.
    let d = path_data(
        &weeks
            .iter()
            .map(|w| w.value(Measure::Participation))
            .collect::<Vec<_>>(),
    );
    assert_eq!(d.matches('M').count(), 2, "{d}");
}

#[test]
fn the_team_name_is_escaped_everywhere() {
    let hostile = "<script>alert(1)</script> \"'><img src=x onerror=alert(1)>";
    let html = chart(hostile, &sample()).into_string();
    crate::http::hostile::assert_escaped(&html);
    let empty = chart(hostile, &[]).into_string();
    crate::http::hostile::assert_escaped(&empty);
}

#[test]
fn the_table_says_the_same_figures_with_dashes_for_gaps() {
    let html = chart("Platform", &sample()).into_string();
    assert!(
        html.contains("<tr><td>Sep 7</td><td>50%</td><td>50%</td><td>0%</td></tr>"),
        "{html}"
    );
    assert!(html.contains("<tr><td>Sep 28</td><td>–</td><td>–</td><td>–</td></tr>"));
    assert!(!html.contains("<script"), "no JavaScript");
}

#[test]
fn weeks_without_any_close_say_so_instead_of_an_empty_chart() {
    let first = NaiveDate::from_ymd_opt(2026, 9, 7).expect("a date");
    let html = chart("Growth", &[week(first, None)]).into_string();
    assert!(!html.contains("<svg"));
    assert!(html.contains("No check-in cycle of Growth closed in these weeks."));
}
