use crate::common::spawn_app;

#[tokio::test]
async fn a_lead_sets_the_rhythm_and_sees_the_next_three_check_ins() {
    let app = spawn_app().await; // clock: Mon 2026-11-23 09:00 UTC (10:00 in Berlin)
    app.slash("U0ANA", "team add Platform").await;
    let r = app
        .slash(
            "U0ANA",
            "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
        )
        .await;
    let text = r.all_text();
    assert!(
        text.contains("*Platform* checks in Mondays at 09:00 (Europe/Berlin)"),
        "{text}"
    );
    assert!(text.contains("4h later"), "{text}");
    assert!(
        text.contains(
            "Next check-ins (Europe/Berlin): Mon 30 Nov 09:00 · Mon 7 Dec 09:00 · Mon 14 Dec 09:00"
        ),
        "{text}"
    );
    let r = app
        .slash("U0ANA", "rhythm Platform digest \"0 16 * * 5\"")
        .await;
    let text = r.all_text();
    assert!(
        text.contains("the digest goes out `0 16 * * 5` (crontab)"),
        "{text}"
    );
    assert!(
        text.contains("Next digests (Europe/Berlin): Fri 27 Nov 16:00"),
        "{text}"
    );
    assert!(
        text.contains("Mondays at 09:00"),
        "the check-in schedule is kept: {text}"
    );
    let row = app.store.rhythm(1, 1).await.unwrap().unwrap();
    assert_eq!(row.checkin_schedule.as_deref(), Some("mon 09:00"));
    assert_eq!(row.digest_schedule.as_deref(), Some("0 16 * * 5"));
    assert_eq!(row.remind_minutes, Some(240));
    assert_eq!(row.zone, "Europe/Berlin");
}

#[tokio::test]
async fn member_zones_and_reminder_off() {
    let app = spawn_app().await;
    app.slash("U0BEN", "team add Growth").await; // ben is in New York
    let r = app
        .slash(
            "U0BEN",
            "rhythm Growth checkin \"weekdays 09:30\" tz:member remind:off",
        )
        .await;
    let text = r.all_text();
    assert!(text.contains("in each owner's own time zone"), "{text}");
    assert!(text.contains("with no reminder"), "{text}");
    assert!(text.contains("for you, America/New_York"), "{text}");
    assert!(
        text.contains("Mon 23 Nov 09:30"),
        "still ahead in New York: {text}"
    );
}

#[tokio::test]
async fn only_leads_and_admins_change_a_rhythm_and_off_removes_it() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform").await;
    let r = app
        .slash("U0CHEN", "rhythm Platform checkin \"mon 09:00\"")
        .await;
    assert!(
        r.all_text()
            .contains("Only a lead of Platform or an admin can change its rhythm"),
        "{}",
        r.all_text()
    );
    assert_eq!(app.count("rhythms").await, 0);
    app.slash("U0ANA", "rhythm Platform checkin \"mon 09:00\"")
        .await;
    assert_eq!(app.count("rhythms").await, 1);
    let r = app.slash("U0ANA", "rhythm Platform off").await;
    assert!(r.all_text().contains("rhythm is off"), "{}", r.all_text());
    assert_eq!(app.count("rhythms").await, 0);
}

#[tokio::test]
async fn a_bad_schedule_is_explained_and_nothing_is_saved() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform").await;
    let r = app
        .slash("U0ANA", "rhythm Platform checkin \"mon 25:00\"")
        .await;
    let text = r.all_text();
    assert!(text.contains("`25:00` is not a time of day"), "{text}");
    assert!(
        text.contains("Try: `/pacer rhythm Platform checkin"),
        "{text}"
    );
    let r = app
        .slash("U0ANA", "rhythm Platform checkin \"0 9 * * 8\"")
        .await;
    assert!(r.all_text().contains("day-of-week"), "{}", r.all_text());
    assert_eq!(app.count("rhythms").await, 0);
}
