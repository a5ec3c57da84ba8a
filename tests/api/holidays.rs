//! Holidays: a team's days off added, listed and removed by its leads; a check-in, its reminder
//! and its digest that fall on one moving to the next working day at the same local time, in
//! two zones and across a daylight-saving change; `rhythm <team>` showing the moves; and an
//! iCalendar file imported through the real binary.

use chrono::{DateTime, TimeZone, Utc};

use crate::cli::pacer;
use crate::common::{ADMIN, TestApp, dm, spawn_app};

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// (first_day, last_day, name) of every stored holiday, in date order.
async fn stored(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT first_day, last_day, name FROM holidays ORDER BY first_day")
        .fetch_all(app.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_lead_adds_lists_and_removes_a_teams_days_off() {
    let app = spawn_app().await; // Mon 2026-11-23
    app.ok("U0ANA", "team add Platform").await;
    let text = app
        .ok(
            "U0ANA",
            "holiday add Platform 2026-12-24..2026-12-26 \"Christmas\"",
        )
        .await;
    assert!(
        text.contains("*Platform* is off on Thu 24 Dec – Sat 26 Dec 2026: Christmas."),
        "{text}"
    );
    // Anyone may look.
    let text = app.ok("U0CHEN", "holiday list Platform").await;
    assert!(
        text.contains("Thu 24 Dec – Sat 26 Dec 2026 · *Christmas* (2026-12-24..2026-12-26)"),
        "{text}"
    );
    let text = app.ok("U0CHEN", "holidays platform").await;
    assert!(text.contains("Christmas"), "{text}");
    // Removing names any date it covers; an admin may.
    let text = app.ok(ADMIN, "holiday remove Platform 2026-12-25").await;
    assert!(
        text.contains("Removed *Christmas* (Thu 24 Dec – Sat 26 Dec 2026)"),
        "{text}"
    );
    assert!(stored(&app).await.is_empty());
    let text = app.ok("U0CHEN", "holiday list Platform").await;
    assert!(text.contains("Platform has no days off ahead."), "{text}");
    let text = app
        .refused("U0ANA", "holiday remove Platform 2026-12-25")
        .await;
    assert!(
        text.contains("Platform has no holiday on 2026-12-25"),
        "{text}"
    );
}

#[tokio::test]
async fn holidays_refuse_what_is_not_a_sane_day_off_and_change_nothing() {
    let app = spawn_app().await; // Mon 2026-11-23
    app.ok("U0ANA", "team add Platform").await;
    app.ok("U0ANA", "team add Growth Marketing").await;
    app.ok(
        "U0ANA",
        "holiday add Platform 2026-12-24..2026-12-26 \"Christmas\"",
    )
    .await;
    for (text, says) in [
        (
            "holiday add Platform 2026-02-30 \"Leap\"",
            "`2026-02-30` is not a date",
        ),
        (
            "holiday add Platform 2026-12-28..2026-12-27 \"Back\"",
            "ends before it starts",
        ),
        (
            "holiday add Platform 2027-01-01..2027-03-01 \"Winter\"",
            "60 days is too long for one holiday (at most 31)",
        ),
        (
            "holiday add Platform 2026-11-01 \"Gone\"",
            "2026-11-01 is in the past",
        ),
        (
            "holiday add Platform 2031-01-01 \"Far\"",
            "more than three years ahead",
        ),
        (
            "holiday add Platform 2026-12-26..2026-12-28 \"Later\"",
            "overlaps Platform's holiday Christmas on 2026-12-24..2026-12-26",
        ),
        (
            "holiday add Platform 2026-12-24..2026-12-26 \"Again\"",
            "Platform is already off on 2026-12-24..2026-12-26 (Christmas)",
        ),
        ("holiday add Platform 2026-12-31", "holiday needs a name"),
        (
            "holiday add Platform 2026-12-31 \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
            "at most 100 characters",
        ),
        (
            "holiday add Platfrom 2026-12-31 \"Typo\"",
            "no team called Platfrom",
        ),
    ] {
        let all = app.refused("U0ANA", text).await;
        assert!(all.contains(says), "{text}: {all}");
    }
    // Only the team's leads and admins add or remove.
    let all = app
        .refused("U0CHEN", "holiday add Platform 2026-12-31 \"Mine\"")
        .await;
    assert!(
        all.contains("Only a lead of Platform or an admin can change its holidays"),
        "{all}"
    );
    let all = app
        .refused("U0CHEN", "holiday remove Platform 2026-12-24")
        .await;
    assert!(all.contains("Only a lead of Platform"), "{all}");
    // Another workspace has no team of that name, whoever asks.
    for user in ["U0ANA", ADMIN] {
        let r = app
            .slash_in(
                "T0002",
                user,
                "C0OTHER1",
                "holiday add Platform 2026-12-31 \"Theirs\"",
            )
            .await;
        assert!(
            r.all_text().contains("no team called Platform"),
            "{}",
            r.all_text()
        );
        let r = app
            .slash_in(
                "T0002",
                user,
                "C0OTHER1",
                "holiday remove Platform 2026-12-24",
            )
            .await;
        assert!(r.all_text().contains("no team called Platform"));
    }
    // A team name with a space, quoted or not.
    app.ok(
        "U0ANA",
        "holiday add \"Growth Marketing\" 2026-12-31 \"New Year's Eve\"",
    )
    .await;
    app.ok(
        "U0ANA",
        "holiday add Growth Marketing 2027-01-01 \"New Year\"",
    )
    .await;
    assert_eq!(
        stored(&app).await,
        [
            ("2026-12-24".into(), "2026-12-26".into(), "Christmas".into()),
            (
                "2026-12-31".into(),
                "2026-12-31".into(),
                "New Year's Eve".into()
            ),
            ("2027-01-01".into(), "2027-01-01".into(), "New Year".into()),
        ]
    );
}

#[tokio::test]
async fn markup_in_a_holidays_name_stays_text() {
    let app = spawn_app().await;
    app.ok("U0ANA", "team add Platform").await;
    // Slack escapes what a person types: `<!channel> & <@U0BEN>` arrives like this.
    let text = app
        .ok(
            "U0ANA",
            "holiday add Platform 2026-12-31 \"&lt;!channel&gt; &amp; &lt;@U0BEN&gt; party\"",
        )
        .await;
    assert!(
        text.contains("&lt;!channel&gt; &amp; &lt;@U0BEN&gt; party"),
        "{text}"
    );
    assert!(
        !text.contains("<!channel>") && !text.contains("<@U0BEN>"),
        "{text}"
    );
    let text = app.ok("U0ANA", "holiday list Platform").await;
    assert!(!text.contains("<!channel>"), "{text}");
    assert_eq!(stored(&app).await[0].2, "<!channel> & <@U0BEN> party");
}

/// A team in `zone` led by `lead`, checking in Mondays 09:00 with a 4h reminder and a digest
/// Mondays 17:00, off on Monday 7 Dec 2026; `nine` is Tuesday 8 Dec 09:00 there, in UTC.
async fn monday_holiday_moves_the_whole_cycle(zone: &str, lead: &str, nine: DateTime<Utc>) {
    let app = spawn_app().await; // Mon 2026-11-23 09:00 UTC
    app.ok(lead, "team add Platform <#C0PLATFORM|platform>")
        .await;
    app.ok(lead, "add Payments API team:Platform").await;
    app.ok(
        lead,
        &format!("rhythm Platform checkin \"mon 09:00\" tz:{zone} remind:4h"),
    )
    .await;
    app.ok(lead, "rhythm Platform digest \"mon 17:00\"").await;
    app.ok(lead, "holiday add Platform 2026-12-07 \"Team day\"")
        .await;
    let hours = chrono::Duration::hours;
    let monday_nine = nine - hours(24);
    // The holiday itself: no cycle, no prompt, no digest.
    for t in [
        monday_nine,
        monday_nine + hours(8),
        nine - chrono::Duration::seconds(1),
    ] {
        app.clock.set(t);
        let r = app.tick().await;
        assert_eq!((r.opened, r.closed, r.sent), (0, 0, 0), "{zone} at {t}");
    }
    assert!(app.slack.messages_in(&dm(lead)).is_empty());
    // Tuesday at the same local time: the prompt.
    app.clock.set(nine);
    let r = app.tick().await;
    assert_eq!((r.opened, r.sent), (1, 1), "{zone}");
    let prompt = app.slack.messages_in(&dm(lead));
    assert_eq!(prompt.len(), 1);
    assert!(
        prompt[0].1.to_string().contains("Check-in for Platform"),
        "{}",
        prompt[0].1
    );
    let (slot, opens, closes): (String, i64, i64) =
        sqlx::query_as("SELECT slot, opens_at, closes_at FROM cycles")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(
        slot, "2026-12-07T09:00",
        "{zone}: named by its scheduled slot"
    );
    assert_eq!(opens, nine.timestamp(), "{zone}");
    assert_eq!(
        closes,
        (nine + hours(8)).timestamp(),
        "{zone}: Tuesday 17:00"
    );
    // Opening it again, on any later tick, does nothing.
    assert_eq!(app.tick().await.opened, 0);
    // The reminder four hours after the moved prompt.
    app.clock
        .set(nine + hours(4) - chrono::Duration::minutes(1));
    assert_eq!(app.tick().await.reminders_queued, 0);
    app.clock.set(nine + hours(4));
    assert_eq!(app.tick().await.reminders_queued, 1, "{zone}");
    let dms = app.slack.messages_in(&dm(lead));
    assert_eq!(dms.len(), 2);
    assert!(
        dms[1]
            .1
            .to_string()
            .contains("Reminder: check-in for Platform")
    );
    // The digest Monday 17:00 comes on Tuesday 17:00.
    app.clock
        .set(nine + hours(8) - chrono::Duration::seconds(1));
    assert_eq!(app.tick().await.closed, 0);
    assert!(app.slack.messages_in("C0PLATFORM").is_empty());
    app.clock.set(nine + hours(8));
    assert_eq!(app.tick().await.closed, 1, "{zone}");
    assert_eq!(
        app.slack.messages_in("C0PLATFORM").len(),
        2,
        "{zone}: the digest and its thread"
    );
}

#[tokio::test]
async fn a_monday_holiday_in_berlin_moves_prompt_reminder_and_digest_to_tuesday() {
    // Tuesday 8 Dec 09:00 CET is 08:00 UTC.
    monday_holiday_moves_the_whole_cycle("Europe/Berlin", "U0ANA", at(2026, 12, 8, 8, 0)).await;
}

#[tokio::test]
async fn a_monday_holiday_in_new_york_moves_prompt_reminder_and_digest_to_tuesday() {
    // Tuesday 8 Dec 09:00 EST is 14:00 UTC.
    monday_holiday_moves_the_whole_cycle("America/New_York", "U0BEN", at(2026, 12, 8, 14, 0)).await;
}

/// A Friday check-in in `zone`, off on `friday`: it opens on Monday, after the clocks went
/// back, at 09:00 local: exactly `monday_nine` in UTC.
async fn across_daylight_saving(zone: &str, lead: &str, friday: &str, monday_nine: DateTime<Utc>) {
    let app = spawn_app().await;
    app.clock.set(at(2026, 10, 19, 12, 0));
    app.ok(lead, "team add Platform").await;
    app.ok(lead, "add Payments API team:Platform").await;
    app.ok(
        lead,
        &format!("rhythm Platform checkin \"fri 09:00\" tz:{zone} remind:off"),
    )
    .await;
    app.ok(
        lead,
        &format!("holiday add Platform {friday} \"Bridge day\""),
    )
    .await;
    let text = app.ok("U0CHEN", "rhythm Platform").await;
    let fri = chrono::NaiveDate::parse_from_str(friday, "%Y-%m-%d").unwrap();
    let moved = format!(
        "{} 09:00 → {} 09:00 (Bridge day)",
        fri.format("%a %-d %b"),
        (fri + chrono::Duration::days(3)).format("%a %-d %b")
    );
    assert!(text.contains(&moved), "{zone}: {text}");
    app.clock.set(monday_nine - chrono::Duration::hours(73));
    assert_eq!(app.tick().await.opened, 0, "{zone}: not on Friday");
    // One hour before, by the summer offset, is still too early.
    app.clock.set(monday_nine - chrono::Duration::hours(1));
    assert_eq!(app.tick().await.opened, 0, "{zone}");
    app.clock.set(monday_nine);
    let r = app.tick().await;
    assert_eq!((r.opened, r.sent), (1, 1), "{zone}");
    let opens: i64 = sqlx::query_scalar("SELECT opens_at FROM cycles")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(
        DateTime::from_timestamp(opens, 0).unwrap(),
        monday_nine,
        "{zone}"
    );
}

#[tokio::test]
async fn a_friday_holiday_before_berlins_clock_change_opens_monday_at_nine_cet() {
    // Summer time ends Sunday 25 Oct 2026: Friday 09:00 was 07:00 UTC, Monday 09:00 is 08:00.
    across_daylight_saving(
        "Europe/Berlin",
        "U0ANA",
        "2026-10-23",
        at(2026, 10, 26, 8, 0),
    )
    .await;
}

#[tokio::test]
async fn a_friday_holiday_before_new_yorks_clock_change_opens_monday_at_nine_est() {
    // US summer time ends Sunday 1 Nov 2026: Friday 09:00 was 13:00 UTC, Monday 09:00 is 14:00.
    across_daylight_saving(
        "America/New_York",
        "U0BEN",
        "2026-10-30",
        at(2026, 11, 2, 14, 0),
    )
    .await;
}

#[tokio::test]
async fn rhythm_shows_the_next_three_check_ins_with_holidays_applied() {
    let app = spawn_app().await; // Mon 2026-11-23 09:00 UTC
    app.ok("U0ANA", "team add Platform").await;
    app.ok(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin",
    )
    .await;
    app.ok("U0ANA", "rhythm Platform digest \"fri 16:00\"")
        .await;
    app.ok("U0ANA", "holiday add Platform 2026-12-07 \"Team day\"")
        .await;
    app.ok("U0ANA", "holiday add Platform 2026-12-04 \"Founders' day\"")
        .await;
    let text = app.ok("U0CHEN", "rhythm Platform").await;
    assert!(
        text.contains(
            "Next check-ins (Europe/Berlin): Mon 30 Nov 09:00 · Mon 7 Dec 09:00 → Tue 8 Dec 09:00 (Team day) · Mon 14 Dec 09:00"
        ),
        "{text}"
    );
    // The Friday digest on a holiday comes on the next working day: not the weekend (a Friday
    // digest never fires on one), not Monday's holiday, but Tuesday.
    assert!(
        text.contains(
            "Next digests (Europe/Berlin): Fri 27 Nov 16:00 · Fri 4 Dec 16:00 → Tue 8 Dec 16:00 (Founders' day) · Fri 11 Dec 16:00"
        ),
        "{text}"
    );
    assert!(
        text.contains("Days off ahead: Founders' day (Fri 4 Dec 2026) · Team day (Mon 7 Dec 2026)"),
        "{text}"
    );
    let r = app.slash("U0CHEN", "rhythm Growth").await;
    assert!(
        r.all_text().contains("no team called Growth"),
        "{}",
        r.all_text()
    );
}

/// When the (one) cycle closes.
async fn closes_at(app: &TestApp) -> DateTime<Utc> {
    let c: i64 = sqlx::query_scalar("SELECT closes_at FROM cycles")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    DateTime::from_timestamp(c, 0).unwrap()
}

#[tokio::test]
async fn a_holiday_added_while_a_cycle_is_open_moves_its_digest() {
    let app = spawn_app().await;
    app.ok("U0ANA", "team add Platform <#C0PLATFORM|platform>")
        .await;
    app.ok("U0ANA", "add Payments API team:Platform").await;
    app.ok(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
    )
    .await;
    app.ok("U0ANA", "rhythm Platform digest \"fri 16:00\"")
        .await;
    app.clock.set(at(2026, 11, 30, 8, 0));
    assert_eq!(app.tick().await.opened, 1);
    assert_eq!(closes_at(&app).await, at(2026, 12, 4, 15, 0));
    app.ok("U0ANA", "holiday add Platform 2026-12-04 \"Founders' day\"")
        .await;
    assert_eq!(
        closes_at(&app).await,
        at(2026, 12, 7, 15, 0),
        "Monday 16:00 CET"
    );
    app.clock.set(at(2026, 12, 4, 15, 0));
    assert_eq!(app.tick().await.closed, 0);
    app.ok("U0ANA", "holiday remove Platform 2026-12-04").await;
    assert_eq!(closes_at(&app).await, at(2026, 12, 4, 15, 0));
    assert_eq!(app.tick().await.closed, 1);
}

#[tokio::test]
async fn teams_adds_and_lists_holidays_through_the_same_grammar() {
    use crate::msteams::{ANA, personal};
    let app = spawn_app().await;
    app.teams_post(&personal(&app, ANA, "team add Platform"))
        .await;
    app.teams_post(&personal(
        &app,
        ANA,
        "holiday add Platform 2026-12-24..2026-12-26 \"<at>Christmas</at>\"",
    ))
    .await;
    app.teams_post(&personal(&app, ANA, "holiday list Platform"))
        .await;
    let replies: Vec<String> = app
        .teams
        .wait_for("reply", 3)
        .await
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(
        replies
            .iter()
            .any(|r| r.contains("is off on Thu 24 Dec – Sat 26 Dec 2026")),
        "{replies:?}"
    );
    assert!(
        replies
            .iter()
            .any(|r| r.contains("Holidays of Platform") && r.contains("2026-12-24..2026-12-26")),
        "{replies:?}"
    );
    assert_eq!(
        stored(&app).await[0].2,
        "<at>Christmas</at>",
        "typed text, not a mention"
    );
}

/// The fixture with its 2027 dates moved to next year, so that it stays ahead.
fn fixture_for_next_year(dir: &std::path::Path) -> (std::path::PathBuf, i32) {
    use chrono::Datelike;
    let next = Utc::now().year() + 1;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/holidays.ics"
    ))
    .unwrap()
    .replace("2027", &next.to_string());
    let path = dir.join("days-off.ics");
    std::fs::write(&path, text).unwrap();
    (path, next)
}

#[tokio::test]
async fn pacer_holidays_import_reads_an_ics_file_once() {
    let app = spawn_app().await;
    app.ok("U0ANA", "team add Platform").await;
    app.ok(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (file, year) = fixture_for_next_year(dir.path());
    let file = file.to_str().unwrap();
    let (code, out, err) = pacer(&app, &["holidays", "import", "Platform", file]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        "added 3 holidays to Platform; left out: 1 in the past, 1 repeating (RRULE, not expanded)"
    );
    let y = |md: &str| format!("{year}-{md}");
    assert_eq!(
        stored(&app).await,
        [
            (y("01-01"), y("01-01"), "New Year's Day".into()),
            (y("03-05"), y("03-05"), "Team offsite <b>Leipzig</b>".into()),
            (y("12-24"), y("12-26"), "Christmas".into()),
        ]
    );
    // Again: nothing twice.
    let (code, out, _) = pacer(
        &app,
        &[
            "holidays",
            "import",
            "platform",
            file,
            "--workspace",
            "T0001",
        ],
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "added 0 holidays to Platform; left out: 3 already there, 1 in the past, 1 repeating (RRULE, not expanded)"
    );
    assert_eq!(app.count("holidays").await, 3);
    // Bad arguments and files exit 2 and change nothing.
    let not_ics = dir.path().join("notes.txt");
    std::fs::write(&not_ics, "hello").unwrap();
    let missing = dir.path().join("missing.ics");
    for args in [
        vec!["holidays", "import", "Platform", not_ics.to_str().unwrap()],
        vec!["holidays", "import", "Platform", missing.to_str().unwrap()],
        vec!["holidays", "import", "Nobody", file],
        vec![
            "holidays",
            "import",
            "Platform",
            file,
            "--workspace",
            "T9999",
        ],
    ] {
        let (code, _, err) = pacer(&app, &args).await;
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
    assert_eq!(app.count("holidays").await, 3);
}

#[tokio::test]
async fn the_demo_platform_team_is_off_next_monday() {
    let app = crate::sandbox::demo_app().await; // seeded up to Mon 2026-11-23
    assert_eq!(
        stored(&app).await,
        [(
            "2026-11-30".into(),
            "2026-11-30".into(),
            "Team offsite".into()
        )]
    );
}

#[tokio::test]
async fn with_member_zones_each_owner_is_prompted_on_tuesday_at_nine_in_their_own_zone() {
    let app = spawn_app().await;
    app.ok("U0ANA", "team add Platform").await; // ana is in Berlin
    app.ok("U0ANA", "add Payments API team:Platform").await;
    app.ok("U0BEN", "add Fraud rules team:Platform").await; // ben is in New York
    app.ok(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:member remind:off",
    )
    .await;
    app.ok("U0ANA", "holiday add Platform 2026-12-07 \"Team day\"")
        .await;
    // Monday 09:00 in Berlin and in New York: nothing.
    for t in [at(2026, 12, 7, 8, 0), at(2026, 12, 7, 14, 0)] {
        app.clock.set(t);
        assert_eq!(app.tick().await.opened, 0, "{t}");
    }
    // The cycle opens when Tuesday 09:00 first comes anywhere; each owner is asked at their
    // own Tuesday 09:00.
    app.clock.set(at(2026, 12, 7, 19, 0));
    let r = app.tick().await;
    assert_eq!((r.opened, r.sent), (1, 0));
    app.clock.set(at(2026, 12, 8, 8, 0));
    assert_eq!(app.tick().await.sent, 1);
    assert_eq!(app.slack.messages_in(&dm("U0ANA")).len(), 1);
    assert!(app.slack.messages_in(&dm("U0BEN")).is_empty());
    app.clock.set(at(2026, 12, 8, 14, 0));
    assert_eq!(app.tick().await.sent, 1);
    assert_eq!(app.slack.messages_in(&dm("U0BEN")).len(), 1);
}
