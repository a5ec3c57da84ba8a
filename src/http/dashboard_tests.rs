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
        focus: None,
        unfocused: None,
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
        away: Vec::new(),
        late: vec![],
        decisions: vec![],
        priorities: vec![],
        rollup,
        parent: None,
        acks: vec![],
        focus: None,
        nudge: Default::default(),
        updated: None,
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
    let nav = Nav {
        query: "ws=1&exp=2&sig=ab".into(),
        teams: vec![(1, SCRIPT_TAG.into()), (2, BREAKOUT.into())],
    };
    let html = render(&hostile_organisation(), &hostile_trends(), &nav, now()).into_string();
    assert_escaped(&html);
    assert!(
        html.contains("href=\"?ws=1&amp;exp=2&amp;sig=ab&amp;team=2\""),
        "each team's page is linked with the same signature: {html}"
    );
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

/// Text as pacer stores it after Slack's entities are decoded: markup typed as entities.
const ENTITIES: &str = "&lt;b&gt;bold&lt;/b&gt; &amp; more";

fn raise(id: i64, by: Option<&str>, owners: &[&str]) -> dashboard_team::OpenRaise {
    dashboard_team::OpenRaise {
        item: crate::store::RaisedRecord {
            id,
            priority_number: id,
            priority_title: SCRIPT_TAG.into(),
            from_team: BREAKOUT.into(),
            to_team_id: 1,
            to_team: SCRIPT_TAG.into(),
            raised_by_user_id: by.map(|_| "U1".into()),
            raised_by_name: by.map(str::to_string),
            kind: if by.is_some() { "manual" } else { "off-track" }.into(),
            why: format!("{BREAKOUT} {ENTITIES}"),
            raised_at: now().timestamp() - 3 * 86_400,
            closed_at: None,
            closed_by_decision_id: None,
        },
        owners: owners.iter().map(|o| o.to_string()).collect(),
    }
}

fn decision(id: i64, text: &str, due: Option<&str>, done: bool) -> crate::store::DecisionRow {
    crate::store::DecisionRow {
        id,
        priority_id: id,
        number: id,
        title: BREAKOUT.into(),
        text: text.into(),
        decided_by_user_id: "U1".into(),
        decided_by_name: SCRIPT_TAG.into(),
        decided_at: now().timestamp() - (10 - id) * 86_400,
        owner_user_id: due.map(|_| "U2".into()),
        owner_name: due.map(|_| BREAKOUT.into()),
        due_date: due.map(str::to_string),
        done_at: done.then(|| now().timestamp()),
    }
}

#[test]
fn a_team_page_lists_decisions_and_raised_items_with_every_text_escaped() {
    let review = dashboard_team::Review {
        raised_to: vec![raise(7, Some(SCRIPT_TAG), &[BREAKOUT]), raise(8, None, &[])],
        raised_by: vec![raise(9, Some("ana"), &["maya"])],
        more_raised: false,
        decisions: vec![
            decision(
                1,
                &format!("{SCRIPT_TAG} {ENTITIES}"),
                Some("2026-11-20"),
                false,
            ),
            decision(2, BREAKOUT, Some("2026-12-20"), false),
            decision(3, "ship it", Some("2026-11-01"), true),
            decision(4, "no follow-up", None, false),
        ],
    };
    let d = digest(SCRIPT_TAG, None, vec![stalled(20)]);
    let html = dashboard_team::render(&d, &review, None, "?ws=1", now()).into_string();
    assert_escaped(&html);
    assert!(
        html.contains("&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt; &amp;amp; more"),
        "entities typed stay as typed: {html}"
    );
    assert!(!html.contains("<b>bold"), "{html}");
    for expected in [
        "overdue",
        "done 2026-11-23",
        ">open<",
        "none",
        "automatically (off-track)",
        "the admins",
        "@maya",
        "3 days",
        "Raised by ",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    // Newest decision first.
    let first = html.find("no follow-up").unwrap();
    assert!(first < html.find("ship it").unwrap());
}

#[test]
fn a_team_page_says_when_nothing_is_raised_or_decided() {
    let d = digest("Growth", None, vec![]);
    let html = dashboard_team::render(&d, &dashboard_team::Review::default(), None, "?ws=1", now())
        .into_string();
    for expected in [
        "Nothing is raised to this team.",
        "Nothing this team raised is open.",
        "No decision yet.",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
}
