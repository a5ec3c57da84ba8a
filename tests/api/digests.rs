//! Digests: what leaders read at each team's digest time, the parent's roll-up, the preview,
//! the CLI, golden renderings, and a digest too big for one message.

use chrono::{Duration, TimeZone, Utc};
use serde_json::Value;

use crate::common::{TestApp, spawn_app};

/// Fri 2026-12-04 16:00 in Berlin.
fn friday_four_berlin() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0).unwrap()
}

fn monday_nine_berlin() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()
}

/// Engineering (top, #1) with Platform (#2 ana under #1, #3 ben unaligned) and Growth (#4 ben
/// under #1, waiting on #2); weekly rhythms with Friday digests.
async fn organisation(app: &TestApp) {
    for (user, cmd) in [
        ("U0ANA", "team add Engineering <#C0ENG|eng>"),
        ("U0ANA", "add Grow revenue 30% team:Engineering"),
        (
            "U0ANA",
            "team add Platform <#C0PLATFORM|platform> parent:Engineering",
        ),
        (
            "U0ANA",
            "team add Growth <#C0GROWTH|growth> lead:<@U0BEN|ben> parent:Engineering",
        ),
        (
            "U0ANA",
            "add Payments API team:Platform parent:#1 due:2027-03-31",
        ),
        ("U0BEN", "add Billing export team:Platform"),
        ("U0BEN", "add Checkout revamp team:Growth parent:#1"),
        ("U0BEN", "depends #4 on #2"),
        (
            "U0ANA",
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
        ),
        ("U0ANA", "rhythm Platform digest \"fri 16:00\""),
        (
            "U0BEN",
            "rhythm Growth checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
        ),
        ("U0BEN", "rhythm Growth digest \"fri 16:00\""),
        (
            "U0ANA",
            "rhythm Engineering checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
        ),
        ("U0ANA", "rhythm Engineering digest \"fri 17:00\""),
    ] {
        let r = app.slash(user, cmd).await;
        assert!(!r.all_text().contains("⚠️"), "{cmd}: {}", r.all_text());
    }
}

/// ana answers #2 off-track with a note; ben answers nothing.
async fn first_week(app: &TestApp) {
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    app.clock.set(monday_nine_berlin() + Duration::hours(1));
    let r = app
        .slash(
            "U0ANA",
            "status #2 off-track 20% vendor contract stuck in legal",
        )
        .await;
    assert!(
        r.all_text().contains("Off track at 20%"),
        "{}",
        r.all_text()
    );
}

fn texts(body: &Value) -> String {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(t)) = m.get("text") {
                    out.push(t.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&body["blocks"], &mut out);
    out.join("\n")
}

#[tokio::test]
async fn the_digest_is_posted_at_digest_time_with_the_full_list_in_a_thread() {
    let app = spawn_app().await;
    organisation(&app).await;
    first_week(&app).await;
    app.clock.set(friday_four_berlin() - Duration::minutes(1));
    app.tick().await;
    assert!(app.slack.messages_in("C0PLATFORM").is_empty());
    app.clock.set(friday_four_berlin());
    let r = app.tick().await;
    assert_eq!(r.closed, 2, "Platform and Growth close at 16:00");
    let posts = app.slack.messages_in("C0PLATFORM");
    assert_eq!(posts.len(), 2, "a summary and its thread");
    let (summary_ts, summary) = &posts[0];
    let text = texts(summary);
    assert!(text.contains("Platform digest · Fri 4 Dec"), "{text}");
    assert!(
        text.contains("🟢 On track 1 · 🟡 At risk 0 · 🔴 Off track 1 · ✅ Done 0"),
        "{text}"
    );
    assert!(
        text.contains("Participation: 1 of 2 owners checked in"),
        "{text}"
    );
    assert!(
        text.contains("*Moved*\n• *#2* *Payments API* · <@U0ANA> · 🟢 On track → 🔴 Off track"),
        "{text}"
    );
    assert!(text.contains("*No answer from*\n• ben"), "{text}");
    assert!(
        text.contains("Drift: 0% (0 of 2 active priorities stalled)"),
        "{text}"
    );
    let (_, thread) = &posts[1];
    assert_eq!(thread["thread_ts"].as_str(), Some(summary_ts.as_str()));
    let list = texts(thread);
    assert!(list.contains("All priorities of Platform (2)"), "{list}");
    assert!(
        list.contains("Note: _vendor contract stuck in legal_"),
        "{list}"
    );
    // Growth's #4 waits on Platform's off-track #2.
    let growth = texts(&app.slack.messages_in("C0GROWTH")[0].1);
    assert!(growth.contains("*Needs attention*"), "{growth}");
    assert!(
        growth.contains("blocked: waits on #2 (Platform), off track"),
        "{growth}"
    );
    assert!(
        growth.contains("Drift: 100% (1 of 1 active priorities stalled)"),
        "{growth}"
    );
    // Exactly one digest per cycle per channel, however often the scheduler looks.
    for minutes in [0, 1, 30, 120] {
        app.clock
            .set(friday_four_berlin() + Duration::minutes(minutes));
        app.tick().await;
    }
    assert_eq!(app.slack.messages_in("C0PLATFORM").len(), 2);
    assert_eq!(app.slack.messages_in("C0GROWTH").len(), 2);
}

#[tokio::test]
async fn the_parent_channel_gets_a_rollup_with_risks_and_alignment() {
    let app = spawn_app().await;
    organisation(&app).await;
    first_week(&app).await;
    app.clock.set(friday_four_berlin() + Duration::hours(1));
    app.tick().await;
    let posts = app.slack.messages_in("C0ENG");
    assert_eq!(posts.len(), 2);
    let text = texts(&posts[0].1);
    assert!(text.contains("Engineering digest"), "{text}");
    assert!(
        text.contains("*Teams*\n• *Growth* · on track 1/1 · 1 stalled · 0 of 1 owners checked in"),
        "{text}"
    );
    assert!(
        text.contains(
            "• *Platform* · on track 1/2 · 0 stalled · 1 of 2 owners checked in · 0% of answers on track"
        ),
        "{text}"
    );
    assert!(text.contains("*Cross-team dependencies at risk*\n• *#4* Checkout revamp (Growth) waits on *#2* Payments API (Platform), off-track"), "{text}");
    assert!(
        text.contains("*Most serious stalls*\n• *#4* *Checkout revamp*"),
        "{text}"
    );
    assert!(
        text.contains("3 of 4 active priorities ladder up to a priority of Engineering."),
        "{text}"
    );
    assert!(
        text.contains("Serving no company priority: *#3* Billing export (Platform)"),
        "{text}"
    );
}

#[tokio::test]
async fn digest_preview_is_private_and_shows_the_cycle_so_far() {
    let app = spawn_app().await;
    organisation(&app).await;
    first_week(&app).await;
    let r = app
        .slash_in("T0001", "U0CHEN", "C0PLATFORM", "digest")
        .await;
    assert_eq!(r.body["response_type"], "ephemeral");
    let text = r.all_text();
    assert!(text.contains("Platform digest preview"), "{text}");
    assert!(text.contains("1 of 2 owners checked in"), "{text}");
    assert!(text.contains("visible only to you"), "{text}");
    let r = app.slash("U0CHEN", "digest Growht").await;
    assert!(
        r.all_text().contains("Did you mean Growth?"),
        "{}",
        r.all_text()
    );
    assert!(
        app.slack.messages_in("C0PLATFORM").is_empty(),
        "a preview posts nothing"
    );
}

#[tokio::test]
async fn pacer_digest_prints_the_last_closed_cycle_as_text_or_json() {
    let app = spawn_app().await;
    organisation(&app).await;
    first_week(&app).await;
    app.clock.set(friday_four_berlin());
    app.tick().await;
    let run = |args: Vec<&str>| {
        let app_url = app.db_url.clone();
        let key_env = app.key_env();
        let args: Vec<String> = args.into_iter().map(str::to_string).collect();
        async move {
            let dir = tempfile::tempdir().unwrap();
            let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
                .args(&args)
                .current_dir(dir.path())
                .env("PACER_DATABASE_URL", app_url)
                .envs(key_env)
                .env("RUST_LOG", "warn")
                .output()
                .await
                .unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).to_string(),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        }
    };
    let (code, out, err) = run(vec!["digest", "Platform", "--format", "json"]).await;
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["team"], "Platform");
    assert_eq!(v["counts"]["off_track"], 1);
    assert_eq!(v["participation"]["checked_in"], 1);
    assert_eq!(v["no_answer"][0]["name"], "ben");
    // Later changes do not rewrite the closed cycle's digest: #2 was off track then, and a
    // priority added since is not in it.
    app.clock.set(friday_four_berlin() + Duration::days(1));
    app.slash("U0ANA", "status #2 done").await;
    app.slash("U0ANA", "add Added after the close team:Platform")
        .await;
    let (_, out, _) = run(vec!["digest", "Platform", "--format", "json"]).await;
    let later: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(later["counts"]["off_track"], 1, "{later:#}");
    assert_eq!(later["counts"]["done"], 0);
    assert!(!out.contains("Added after the close"));
    let (code, out, _) = run(vec!["digest", "platform", "--workspace", "T0001"]).await;
    assert_eq!(code, Some(0));
    assert!(
        out.contains("Platform digest · Fri 4 Dec") && out.contains("1 of 2 owners checked in"),
        "{out}"
    );
    let (code, _, err) = run(vec!["digest", "Engineering"]).await;
    assert_eq!(code, Some(1), "Engineering has not closed yet");
    assert!(err.contains("no closed cycle"), "{err}");
    let (code, _, err) = run(vec!["digest", "Nope"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("no team called Nope"), "{err}");
}

#[tokio::test]
async fn a_digest_with_200_stalled_priorities_still_posts_a_valid_message() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform <#C0PLATFORM|platform>")
        .await;
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
    )
    .await;
    app.slash("U0ANA", "rhythm Platform digest \"fri 16:00\"")
        .await;
    let ana = app
        .store
        .person_by_user_id(1, "U0ANA")
        .await
        .unwrap()
        .unwrap();
    for i in 0..200 {
        let p = app
            .store
            .create_priority(
                1,
                pacer::store::NewPriority {
                    title: format!(
                        "Workstream {i} with a reasonably long title to fill the message"
                    ),
                    owner_id: ana.id,
                    team_id: 1,
                    due: None,
                    parent_id: None,
                    created_by: ana.id,
                },
                app.clock_now(),
            )
            .await
            .unwrap();
        for _ in 0..2 {
            let p = app.store.priority(1, p.number).await.unwrap().unwrap();
            let input = pacer::store::UpdateInput {
                status: pacer::domain::Status::OffTrack,
                progress: p.progress,
                note: Some("waiting on a vendor who has not answered in weeks"),
                blocker: Some("vendor"),
                cycle_id: None,
                late: false,
            };
            app.store
                .record_update(1, &p, &input, ana.id, app.clock_now())
                .await
                .unwrap();
        }
    }
    app.clock.set(monday_nine_berlin());
    app.tick().await;
    app.clock.set(friday_four_berlin());
    let r = app.tick().await;
    assert_eq!(r.failed, 0);
    let posts = app.slack.messages_in("C0PLATFORM");
    assert_eq!(posts.len(), 2);
    for (_, body) in &posts {
        let blocks = body["blocks"].as_array().unwrap();
        assert!(blocks.len() <= 50, "{} blocks", blocks.len());
        let chars = texts(body).chars().count();
        assert!(chars <= 12_000, "{chars} characters");
        for b in blocks {
            if let Some(t) = b["text"]["text"].as_str() {
                assert!(t.chars().count() <= 3000);
            }
        }
        assert!(body["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
    let summary = texts(&posts[0].1);
    assert!(
        summary.contains("Drift: 100% (200 of 200 active priorities stalled)"),
        "{summary}"
    );
    assert!(summary.contains("…and 190 more"), "{summary}");
    let thread = texts(&posts[1].1);
    assert!(thread.contains("more"), "the thread says what it left out");
}

#[tokio::test]
async fn golden_digest_renderings() {
    let app = spawn_app().await;
    organisation(&app).await;
    first_week(&app).await;
    app.clock.set(friday_four_berlin() + Duration::hours(1));
    app.tick().await;
    let mut rendered = String::new();
    for channel in ["C0PLATFORM", "C0GROWTH", "C0ENG"] {
        for (i, (_, body)) in app.slack.messages_in(channel).iter().enumerate() {
            rendered.push_str(&format!("== {channel} message {i}\n"));
            rendered.push_str(&serde_json::to_string_pretty(&body["blocks"]).unwrap());
            rendered.push('\n');
        }
    }
    golden("digests_block_kit.json.txt", &rendered);
    // The same digests as the CLI prints them.
    let team = app
        .store
        .team_by_name(1, "platform")
        .await
        .unwrap()
        .unwrap();
    let cycle = app
        .store
        .last_closed_cycle(1, team.id, i64::MAX)
        .await
        .unwrap()
        .unwrap();
    let closed = chrono::DateTime::from_timestamp(cycle.closes_at, 0).unwrap();
    let digest = pacer::reporting::digest::build(&app.store, 1, &team, Some(&cycle), closed, false)
        .await
        .unwrap();
    golden(
        "digest_platform.txt",
        &pacer::reporting::render::text(&digest, chrono_tz::Europe::Berlin),
    );
}

/// Compare with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites it.
pub(crate) fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}", path.display()));
    assert_eq!(
        actual, expected,
        "rendering of {name} changed; rerun with UPDATE_GOLDEN=1 if intended"
    );
}

#[tokio::test]
async fn owners_hear_once_when_what_they_wait_on_in_another_team_stalls() {
    let app = spawn_app().await;
    organisation(&app).await;
    app.slash("U0ANA", "add Internal refactor team:Platform")
        .await; // #5
    app.slash("U0BEN", "depends #3 on #5").await; // same team: no notice
    let notices = |app: &TestApp| {
        app.slack
            .messages_in("DU0BEN")
            .into_iter()
            .filter(|(_, b)| {
                b["metadata"]["event_payload"]["key"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("stall:"))
            })
            .map(|(_, b)| texts(&b))
            .collect::<Vec<_>>()
    };
    assert_eq!(app.tick().await.notices_queued, 0);
    app.slash("U0ANA", "status #2 off-track 10% vendor gone")
        .await;
    app.slash("U0ANA", "status #5 off-track").await;
    assert_eq!(app.tick().await.notices_queued, 1);
    let sent = notices(&app);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains(
            "Heads up: *#2* *Payments API* (Platform), which your *#4* Checkout revamp waits on"
        ),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("<@U0ANA>"), "{}", sent[0]);
    // Still off-track next week: no repeat.
    app.clock.advance(Duration::days(7));
    app.tick().await;
    assert_eq!(notices(&app).len(), 1);
    // Recovers, then slips again: a new notice.
    app.slash("U0ANA", "status #2 on-track 30%").await;
    app.tick().await;
    app.slash("U0ANA", "status #2 dropped").await;
    assert_eq!(app.tick().await.notices_queued, 1);
    assert_eq!(notices(&app).len(), 2);
}

async fn run_weeks(app: &TestApp, weeks: i64) {
    for w in 0..weeks {
        app.clock.set(monday_nine_berlin() + Duration::days(7 * w));
        app.tick().await;
        app.clock.set(friday_four_berlin() + Duration::days(7 * w));
        app.tick().await;
    }
}

#[tokio::test]
async fn silent_after_two_unanswered_cycles_and_away_cycles_do_not_count() {
    let app = spawn_app().await;
    organisation(&app).await;
    run_weeks(&app, 1).await;
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(
        !stalled.contains("Billing export"),
        "one silent cycle is not enough: {stalled}"
    );
    run_weeks(&app, 2).await;
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(stalled.contains("Billing export"), "{stalled}");
    assert!(
        stalled.contains("silent: no check-in from its owner in the last 2 cycles"),
        "{stalled}"
    );

    // The same, with ben away during the second week: that cycle does not count.
    let app = spawn_app().await;
    organisation(&app).await;
    app.slash("U0BEN", "away 2026-12-06 2026-12-12").await;
    run_weeks(&app, 2).await;
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(!stalled.contains("Billing export"), "{stalled}");
    app.clock.set(monday_nine_berlin() + Duration::days(14));
    app.tick().await;
    app.clock.set(friday_four_berlin() + Duration::days(14));
    app.tick().await;
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(
        stalled.contains("Billing export") && stalled.contains("silent"),
        "{stalled}"
    );
}

/// A team of teams with no rhythm of its own still gets its roll-up: once on the day its
/// children's cycles close, however many children close, with no participation line of its own.
#[tokio::test]
async fn a_parent_without_a_rhythm_gets_one_rollup_when_its_children_close() {
    let app = spawn_app().await;
    organisation(&app).await;
    let r = app.slash("U0ANA", "rhythm Engineering off").await;
    assert!(!r.all_text().contains("⚠️"), "{}", r.all_text());
    first_week(&app).await;
    app.clock.set(friday_four_berlin() + Duration::hours(1));
    app.tick().await;
    app.tick().await;
    let posts = app.slack.messages_in("C0ENG");
    assert_eq!(posts.len(), 2, "one roll-up and its thread");
    let text = texts(&posts[0].1);
    assert!(text.contains("Engineering digest"), "{text}");
    assert!(text.contains("*Teams*\n• *Growth*"), "{text}");
    assert!(
        text.contains("ladder up to a priority of Engineering"),
        "{text}"
    );
    assert!(!text.contains("Participation"), "{text}");
    // The next week, one more.
    app.clock.set(monday_nine_berlin() + Duration::days(7));
    app.tick().await;
    app.clock
        .set(friday_four_berlin() + Duration::days(7) + Duration::hours(1));
    app.tick().await;
    assert_eq!(app.slack.messages_in("C0ENG").len(), 4);
}
