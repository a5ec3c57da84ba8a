//! The dashboard rendered from hand-made digests: every piece of text that came from people
//! (titles, team and person names, reasons) arrives escaped, wherever it lands on the page.

use chrono::{TimeZone, Utc};

use super::*;
use crate::reporting::digest::{
    Alignment, ChildLine, Counts, DependencyRisk, Drift, Item, Participation, Person, Rollup,
};

const SCRIPT_TAG: &str = "<script>alert(1)</script>";
const BREAKOUT: &str = "\"'><img src=x onerror=alert(1)>";

fn item(number: i64, title: &str, team: &str, owner: &str) -> Item {
    Item {
        number,
        title: title.into(),
        team: team.into(),
        owner: Person {
            user_id: "U1".into(),
            name: owner.into(),
        },
    }
}

fn stalled(number: i64) -> Stalled {
    Stalled {
        item: item(number, SCRIPT_TAG, BREAKOUT, SCRIPT_TAG),
        status: BREAKOUT.into(),
        progress: 40,
        reasons: vec![SCRIPT_TAG.into(), BREAKOUT.into()],
        score: 42,
        urgency: (0, 0, 0),
    }
}

fn child(team: &str, shares: (Option<u32>, Option<u32>), checked_in: bool) -> ChildLine {
    ChildLine {
        team: team.into(),
        active: 3,
        on_track: 2,
        stalled: 1,
        participation: checked_in.then_some(Participation {
            checked_in: 1,
            expected: 3,
            away: 0,
        }),
        on_track_share: shares.0,
        previous_on_track_share: shares.1,
        digest: None,
    }
}

fn digest(team: &str, rollup: Option<Rollup>, needs_attention: Vec<Stalled>) -> Digest {
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    Digest {
        team: team.into(),
        team_id: 1,
        cycle_id: None,
        period_start: at,
        period_end: at,
        preview: true,
        counts: Counts {
            on_track: 2,
            at_risk: 1,
            off_track: 1,
            done: 0,
            dropped: 0,
        },
        participation: Some(Participation {
            checked_in: 2,
            expected: 4,
            away: 0,
        }),
        drift: Drift {
            stalled: 2,
            active: 4,
            percent: 50,
        },
        needs_attention,
        moved: vec![],
        finished: vec![],
        no_answer: vec![],
        late: vec![],
        decisions: vec![],
        priorities: vec![],
        rollup,
        parent: None,
        acks: vec![],
    }
}

/// One organisation with a roll-up (more stalls and unaligned priorities than the page lists)
/// and one team on its own, every name and title hostile.
fn hostile_organisation() -> Vec<Digest> {
    let rollup = Rollup {
        children: vec![
            child(SCRIPT_TAG, (Some(60), Some(40)), true),
            child(BREAKOUT, (Some(30), Some(40)), false),
            child("Steady", (Some(50), None), true),
            child("Quiet", (None, None), false),
        ],
        top_stalls: (1..=12).map(stalled).collect(),
        dependencies_at_risk: vec![DependencyRisk {
            dependent: item(3, SCRIPT_TAG, BREAKOUT, "ana"),
            on: item(2, BREAKOUT, SCRIPT_TAG, "ben"),
            why: SCRIPT_TAG.into(),
        }],
        alignment: Alignment {
            top_team: BREAKOUT.into(),
            aligned: 2,
            active: 19,
            unaligned: (1..=17)
                .map(|n| item(n, SCRIPT_TAG, BREAKOUT, SCRIPT_TAG))
                .collect(),
        },
    };
    vec![
        digest(SCRIPT_TAG, Some(rollup), vec![]),
        digest(BREAKOUT, None, vec![stalled(20)]),
    ]
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

/// Trends whose team names are hostile, each with one closed cycle last week.
fn hostile_trends() -> Trends {
    let weeks = trends::weeks_ending(now());
    let one_close = |team_id| crate::store::CycleFigures {
        cycle_id: team_id,
        team_id,
        closes_at: now().timestamp() - 3 * 86_400,
        asked: 2,
        answered: 1,
        answers: 2,
        on_track_answers: 1,
        active: 2,
        stalled: 1,
        ..Default::default()
    };
    let teams: Vec<(String, Vec<trends::Week>)> = [(SCRIPT_TAG, 1), (BREAKOUT, 2)]
        .into_iter()
        .map(|(name, id)| {
            (
                name.to_string(),
                trends::team_series(&weeks, &[one_close(id)]),
            )
        })
        .collect();
    let all: Vec<&[trends::Week]> = teams.iter().map(|(_, s)| s.as_slice()).collect();
    Trends {
        organisation: trends::total(&weeks, &all),
        teams,
        weeks,
    }
}

use crate::http::hostile::assert_escaped;

#[test]
fn hostile_names_and_titles_are_escaped_everywhere_on_the_dashboard() {
    let html = render(&hostile_organisation(), &hostile_trends(), 6, now()).into_string();
    assert_escaped(&html);
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "the organisation's and two teams'"
    );
    // Every place data lands was exercised: the lists say what they left out.
    assert!(html.contains("…and 2 more"), "{html}");
    assert!(html.contains("60% ↑") && html.contains("30% ↓"), "{html}");
    assert!(html.contains("waits on"), "{html}");
}

#[test]
fn a_refusal_escapes_its_reason() {
    let html = refusal_body(&format!("{SCRIPT_TAG}{BREAKOUT}")).into_string();
    assert_escaped(&html);
}

#[tokio::test]
async fn the_page_escapes_its_title_and_keeps_its_headers() {
    let response = page(
        StatusCode::FORBIDDEN,
        SCRIPT_TAG,
        html! { p { (BREAKOUT) } },
    );
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let headers = response.headers();
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(headers["x-robots-tag"], "noindex");
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_escaped(std::str::from_utf8(&body).unwrap());
}
