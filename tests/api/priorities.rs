use crate::common::{ADMIN, spawn_app};

async fn with_team(app: &crate::common::TestApp) {
    let r = app
        .slash("U0ANA", "team add Platform <#C0PLATFORM|platform>")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.all_text().contains("Created team *Platform*"),
        "{}",
        r.all_text()
    );
}

#[tokio::test]
async fn slash_add_creates_priority_one_owned_by_the_caller() {
    let app = spawn_app().await;
    with_team(&app).await;
    let r = app
        .slash(
            "U0ANA",
            "add Ship the public beta team:Platform due:2026-12-05",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["response_type"], "ephemeral");
    let text = r.all_text();
    assert!(text.contains("Added *#1* *Ship the public beta*"), "{text}");
    assert!(text.contains("<@U0ANA>"), "{text}");
    assert!(text.contains("due 2026-12-05 (in 12 days)"), "{text}");
    assert!(
        text.contains("/pacer status #1"),
        "next step suggested: {text}"
    );
    assert_eq!(app.count("priorities").await, 1);
    // The owner's profile came from users.info.
    let users = app.slack.calls_to("users.info");
    assert!(users.iter().any(|c| c.body["user"] == "U0ANA"));
    let person = app
        .store
        .person_by_user_id(1, "U0ANA")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.display_name, "ana");
    assert_eq!(person.tz.as_deref(), Some("Europe/Berlin"));
}

#[tokio::test]
async fn numbers_are_sequential_per_workspace() {
    let app = spawn_app().await;
    with_team(&app).await;
    for i in 1..=3 {
        let r = app
            .slash("U0ANA", &format!("add Priority {i} team:Platform"))
            .await;
        assert!(
            r.all_text().contains(&format!("*#{i}*")),
            "{}",
            r.all_text()
        );
    }
    // Another workspace starts at #1.
    let r = app
        .slash_in("T0OTHER", "U0BEN", "C0OTHER", "team add Growth")
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .slash_in("T0OTHER", "U0BEN", "C0OTHER", "add Grow team:Growth")
        .await;
    assert!(r.all_text().contains("Added *#1*"), "{}", r.all_text());
}

#[tokio::test]
async fn add_in_a_team_channel_defaults_to_that_team_and_mentions_set_the_owner() {
    let app = spawn_app().await;
    with_team(&app).await;
    let r = app
        .slash_in(
            "T0001",
            "U0ANA",
            "C0PLATFORM",
            "add Harden the API <@U0BEN|ben> due:+2w",
        )
        .await;
    let text = r.all_text();
    assert!(text.contains("owned by <@U0BEN> in Platform"), "{text}");
    assert!(text.contains("due 2026-12-07"), "{text}");
    let ben = app
        .store
        .person_by_user_id(1, "U0BEN")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ben.tz.as_deref(), Some("America/New_York"));
}

#[tokio::test]
async fn add_without_a_team_asks_for_one_and_writes_nothing() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "team add Growth").await;
    // ana leads two teams now and types in a channel of neither.
    let r = app
        .slash_in("T0001", "U0ANA", "C0RANDOM", "add Something")
        .await;
    let text = r.all_text();
    assert!(text.contains("Which team?"), "{text}");
    assert!(text.contains("team:"), "{text}");
    assert_eq!(app.count("priorities").await, 0);
}

#[tokio::test]
async fn unknown_team_suggests_the_nearest_name() {
    let app = spawn_app().await;
    with_team(&app).await;
    let r = app.slash("U0ANA", "add Ship team:Platfrom").await;
    let text = r.all_text();
    assert!(text.contains("There is no team called Platfrom"), "{text}");
    assert!(text.contains("Did you mean Platform?"), "{text}");
    assert_eq!(app.count("priorities").await, 0);
}

#[tokio::test]
async fn status_records_progress_and_note_and_show_has_history() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "add Ship the beta team:Platform").await;
    let r = app
        .slash("U0ANA", "status #1 at-risk 40% waiting on legal")
        .await;
    let text = r.all_text();
    assert!(text.contains("is now 🟡 At risk at 40%"), "{text}");
    assert!(text.contains("was 🟢 On track at 0%"), "{text}");
    let r = app.slash("U0ANA", "show #1").await;
    let text = r.all_text();
    assert!(text.contains("#1 Ship the beta"), "{text}");
    assert!(text.contains("waiting on legal"), "{text}");
    assert!(text.contains("status on-track → at-risk"), "{text}");
    assert!(text.contains("progress 0% → 40%"), "{text}");
    assert!(text.contains("created “Ship the beta”"), "{text}");
    assert_eq!(app.count("priority_updates").await, 1);
}

#[tokio::test]
async fn done_without_progress_means_100_percent() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "add Ship team:Platform").await;
    let r = app.slash("U0ANA", "status #1 done").await;
    assert!(r.all_text().contains("✅ Done at 100%"), "{}", r.all_text());
}

#[tokio::test]
async fn edit_changes_fields_with_history_and_due_none_clears() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "team add Growth").await;
    app.slash("U0ANA", "add Ship team:Platform due:Q4").await;
    app.slash("U0ANA", "add Company goal team:Platform").await;
    let r = app
        .slash(
            "U0ANA",
            "edit #1 title:\"Ship the public beta\" <@U0BEN|ben> team:Growth parent:#2 due:none",
        )
        .await;
    let text = r.all_text();
    assert!(
        text.contains("title “Ship” → “Ship the public beta”"),
        "{text}"
    );
    assert!(text.contains("owner @ana → @ben"), "{text}");
    assert!(text.contains("team Platform → Growth"), "{text}");
    assert!(text.contains("due 2026-12-31 → none"), "{text}");
    assert!(text.contains("parent none → #2"), "{text}");
    let p = app
        .store
        .priority(1, pacer::domain::PriorityNumber(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.title, "Ship the public beta");
    assert_eq!(p.owner_user_id, "U0BEN");
    assert_eq!(p.team_name, "Growth");
    assert_eq!(p.due, None);
    assert_eq!(p.parent, Some(pacer::domain::PriorityNumber(2)));
    let r = app.slash("U0ANA", "edit #2 parent:#1").await;
    assert!(r.all_text().contains("loop"), "{}", r.all_text());
}

#[tokio::test]
async fn only_owner_lead_or_admin_may_change_a_priority() {
    let app = spawn_app().await;
    with_team(&app).await; // ana leads Platform
    app.slash("U0BEN", "add Ben's work team:Platform").await; // ben owns #1
    // chen is neither owner, lead nor admin.
    let r = app.slash("U0CHEN", "status #1 off-track").await;
    let text = r.all_text();
    assert!(
        text.contains("Only its owner, a lead of its team or an admin can change #1; ask @ben"),
        "{text}"
    );
    let r = app.slash("U0CHEN", "edit #1 due:Q1").await;
    assert!(r.all_text().contains("Only its owner"), "{}", r.all_text());
    assert_eq!(app.count("priority_updates").await, 0);
    // The owner, the lead and an admin may.
    assert!(
        app.slash("U0BEN", "status #1 at-risk")
            .await
            .all_text()
            .contains("is now")
    );
    assert!(
        app.slash("U0ANA", "status #1 on-track")
            .await
            .all_text()
            .contains("is now")
    );
    assert!(
        app.slash(ADMIN, "status #1 off-track")
            .await
            .all_text()
            .contains("is now")
    );
    assert_eq!(app.count("priority_updates").await, 3);
    // Reading is open to everyone.
    assert!(
        app.slash("U0CHEN", "show #1")
            .await
            .all_text()
            .contains("Ben's work")
    );
}

#[tokio::test]
async fn list_filters_mine_all_team_person_and_stalled() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "team add Growth").await;
    app.slash("U0ANA", "add Alpha team:Platform").await;
    app.slash("U0BEN", "add Beta team:Growth").await;
    app.slash("U0BEN", "add Gamma team:Growth due:2026-11-01")
        .await;
    app.slash("U0BEN", "status #3 done").await;
    app.slash("U0BEN", "add Delta team:Growth due:2026-11-20")
        .await;

    let mine = app.slash("U0ANA", "list mine").await.all_text();
    assert!(mine.contains("Alpha") && !mine.contains("Beta"), "{mine}");
    let all = app.slash("U0ANA", "list all").await.all_text();
    assert!(
        all.contains("Alpha") && all.contains("Beta") && all.contains("Delta"),
        "{all}"
    );
    assert!(
        !all.contains("Gamma"),
        "closed priorities are not active: {all}"
    );
    let team = app.slash("U0ANA", "list team:growth").await.all_text();
    assert!(team.contains("Beta") && !team.contains("Alpha"), "{team}");
    let person = app.slash("U0ANA", "list <@U0BEN|ben>").await.all_text();
    assert!(
        person.contains("ben's priorities") && person.contains("Beta"),
        "{person}"
    );
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(
        stalled.contains("Delta") && stalled.contains("overdue"),
        "{stalled}"
    );
    assert!(!stalled.contains("Alpha"), "{stalled}");
    // In the team's channel, a bare list shows that team.
    let here = app
        .slash_in("T0001", "U0BEN", "C0PLATFORM", "list")
        .await
        .all_text();
    assert!(
        here.contains("Platform's priorities") && here.contains("Alpha"),
        "{here}"
    );
}

#[tokio::test]
async fn depends_and_undepend_with_blocked_drift() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "team add Growth").await;
    app.slash("U0ANA", "add Payments API team:Platform").await;
    app.slash("U0ANA", "add Checkout revamp team:Growth").await;
    let r = app.slash("U0ANA", "depends #2 on #1").await;
    assert!(
        r.all_text()
            .contains("now waits on *#1* Payments API (Platform)"),
        "{}",
        r.all_text()
    );
    let again = app.slash("U0ANA", "depends #2 on #1").await;
    assert!(
        again.all_text().contains("already waits"),
        "{}",
        again.all_text()
    );
    app.slash("U0ANA", "status #1 off-track").await;
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(
        stalled.contains("blocked: waits on #1 (Platform), off track"),
        "{stalled}"
    );
    let loop_reply = app.slash("U0ANA", "depends #1 on #2").await.all_text();
    assert!(loop_reply.contains("wait on each other"), "{loop_reply}");
    // A loop does not hang the drift rules.
    assert_eq!(app.slash("U0ANA", "list stalled").await.status, 200);
    let r = app.slash("U0ANA", "undepend #2 on #1").await;
    assert!(
        r.all_text().contains("no longer waits on"),
        "{}",
        r.all_text()
    );
    let r = app.slash("U0ANA", "depends #2 on #2").await;
    assert!(
        r.all_text().contains("can't depend on itself"),
        "{}",
        r.all_text()
    );
    assert_eq!(app.count("priority_dependencies").await, 1);
}

#[tokio::test]
async fn unknown_priority_and_typos_get_helpful_errors() {
    let app = spawn_app().await;
    let r = app.slash("U0ANA", "show #42").await;
    assert!(
        r.all_text()
            .contains("There is no priority #42 in this workspace"),
        "{}",
        r.all_text()
    );
    let r = app.slash("U0ANA", "stauts #1 done").await;
    assert!(
        r.all_text().contains("Did you mean `status`?"),
        "{}",
        r.all_text()
    );
    let r = app.slash("U0ANA", "add Ship due:2027-02-30").await;
    let text = r.all_text();
    assert!(text.contains("not a real calendar date"), "{text}");
    assert!(text.contains("Try: `/pacer add"), "{text}");
}

#[tokio::test]
async fn help_lists_every_command_and_explains_one() {
    let app = spawn_app().await;
    let all = app.slash("U0ANA", "help").await.all_text();
    for c in [
        "add", "list", "show", "status", "edit", "depends", "team add", "teams", "rhythm", "away",
    ] {
        assert!(all.contains(&format!("/pacer {c}")), "{c} missing: {all}");
    }
    let one = app.slash("U0ANA", "help status").await.all_text();
    assert!(
        one.contains("/pacer status #12 at-risk 40% waiting on legal"),
        "{one}"
    );
}

#[tokio::test]
async fn workspaces_are_isolated_even_with_forged_numbers() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "add Secret plan team:Platform").await;
    // Same user id, another workspace: #1 does not exist there.
    let r = app.slash_in("T0EVIL", "U0ANA", "C0EVIL", "show #1").await;
    assert!(
        r.all_text().contains("There is no priority #1"),
        "{}",
        r.all_text()
    );
    let r = app
        .slash_in("T0EVIL", "U0ANA", "C0EVIL", "status #1 dropped")
        .await;
    assert!(
        r.all_text().contains("There is no priority #1"),
        "{}",
        r.all_text()
    );
    let r = app.slash_in("T0EVIL", "U0ANA", "C0EVIL", "list all").await;
    assert!(!r.all_text().contains("Secret plan"), "{}", r.all_text());
    let r = app
        .slash_in("T0EVIL", "U0ANA", "C0EVIL", "team show Platform")
        .await;
    assert!(
        r.all_text().contains("no team called Platform"),
        "{}",
        r.all_text()
    );
    let p = app
        .store
        .priority(1, pacer::domain::PriorityNumber(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, pacer::domain::Status::OnTrack);
}

#[tokio::test]
async fn concurrent_adds_get_unique_gap_free_numbers() {
    let app = std::sync::Arc::new(spawn_app().await);
    with_team(&app).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.slash("U0ANA", &format!("add Parallel {i} team:Platform"))
                .await
                .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let numbers: Vec<i64> = sqlx::query_scalar("SELECT number FROM priorities ORDER BY number")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert_eq!(numbers, (1..=20).collect::<Vec<i64>>());
}

#[tokio::test]
async fn profiles_are_cached_after_the_first_lookup() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "add One team:Platform").await;
    app.slash("U0ANA", "add Two team:Platform").await;
    app.slash("U0ANA", "list").await;
    let lookups = app
        .slack
        .calls_to("users.info")
        .iter()
        .filter(|c| c.body["user"] == "U0ANA")
        .count();
    assert_eq!(lookups, 1);
    // A day later the profile is refreshed once.
    app.clock.advance(chrono::Duration::hours(25));
    app.slash("U0ANA", "list").await;
    let lookups = app
        .slack
        .calls_to("users.info")
        .iter()
        .filter(|c| c.body["user"] == "U0ANA")
        .count();
    assert_eq!(lookups, 2);
}

#[tokio::test]
async fn a_slow_command_acks_within_three_seconds_and_answers_through_response_url() {
    let app = spawn_app().await;
    let started = std::time::Instant::now();
    // users.info for this person takes 3.5 s at the fake.
    let r = app.slash("U0SLOW", "team add Platform").await;
    assert!(started.elapsed() < std::time::Duration::from_millis(3000));
    assert_eq!(r.status, 200);
    assert_eq!(r.body["text"], "Working on it…");
    let mut delivered = Vec::new();
    for _ in 0..100 {
        delivered = app
            .slack
            .calls()
            .into_iter()
            .filter(|c| c.method.starts_with("response_url:"))
            .collect();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(delivered.len(), 1);
    assert!(
        delivered[0]
            .body
            .to_string()
            .contains("Created team *Platform*"),
        "{}",
        delivered[0].body
    );
    assert_eq!(app.count("teams").await, 1);
}

#[tokio::test]
async fn rate_limited_slack_calls_are_retried_after_retry_after() {
    let app = spawn_app().await;
    app.slack.rate_limit_next(1);
    let r = app.slash("U0BEN", "team add Growth").await;
    assert!(r.all_text().contains("led by <@U0BEN>"), "{}", r.all_text());
    let calls = app.slack.calls();
    assert_eq!(calls[0].method, "429:users.info");
    assert_eq!(calls[1].method, "users.info");
    let ben = app
        .store
        .person_by_user_id(1, "U0BEN")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ben.display_name, "ben");
}

#[tokio::test]
async fn admins_change_drift_thresholds_per_workspace() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "add Steady work team:Platform").await;
    app.slash("U0ANA", "status #1 on-track 40%").await;
    app.slash("U0ANA", "status #1 on-track 40%").await;
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(
        !stalled.contains("Steady work"),
        "2 flat updates are fine by default: {stalled}"
    );
    let shown = app.slash("U0ANA", "settings").await.all_text();
    assert!(
        shown.contains("flat: progress unchanged over the last 3 updates"),
        "{shown}"
    );
    let r = app.slash("U0ANA", "settings drift flat:2").await;
    assert!(
        r.all_text().contains("Only an admin can change"),
        "{}",
        r.all_text()
    );
    let r = app.slash(ADMIN, "settings drift flat:2 behind:30").await;
    let text = r.all_text();
    assert!(text.contains("Changed flat:2, behind:30"), "{text}");
    assert!(text.contains("more than 30 points below"), "{text}");
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(
        stalled.contains("Steady work")
            && stalled.contains("flat: progress stuck at 40% over the last 2 updates"),
        "{stalled}"
    );
    // Another workspace keeps the defaults.
    let other = app
        .slash_in("T0OTHER", "U0ANA", "C0X", "settings")
        .await
        .all_text();
    assert!(other.contains("over the last 3 updates"), "{other}");
    let r = app.slash(ADMIN, "settings drift flat:0").await;
    assert!(
        r.all_text().contains("whole number from 1 to 100"),
        "{}",
        r.all_text()
    );
    let r = app.slash(ADMIN, "settings drift speed:3").await;
    assert!(
        r.all_text().contains("no `speed:` option"),
        "{}",
        r.all_text()
    );
}

#[tokio::test]
async fn a_mistyped_status_suggests_the_right_one() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.slash("U0ANA", "add Ship team:Platform").await;
    let r = app.slash("U0ANA", "status #1 on-trak 40%").await;
    let text = r.all_text();
    assert!(text.contains("`on-trak` is not a status"), "{text}");
    assert!(text.contains("Did you mean `on-track`?"), "{text}");
    assert_eq!(app.count("priority_updates").await, 0);
}

/// `help` and text that does not parse need nothing stored: they are answered before the
/// workspace or the caller is looked up, so they neither read nor write (a first-time
/// workspace is not even registered), and they still answer in full.
#[tokio::test]
async fn help_and_mistyped_commands_touch_no_storage() {
    let app = spawn_app().await;
    let r = app.slash_in("T0NEWCO", "U0ANA", "C0GENERAL1", "help").await;
    assert_eq!(r.status, 200);
    assert!(r.all_text().contains("/pacer add"), "{}", r.all_text());
    let r = app
        .slash_in("T0NEWCO", "U0ANA", "C0GENERAL1", "help status")
        .await;
    assert!(r.all_text().contains("status"), "{}", r.all_text());
    let r = app
        .slash_in("T0NEWCO", "U0ANA", "C0GENERAL1", "stauts #1 done")
        .await;
    assert_eq!(r.status, 200);
    assert!(r.all_text().contains("status"), "{}", r.all_text());
    assert_eq!(app.count("workspaces").await, 0);
    assert_eq!(app.count("people").await, 0);
    assert!(
        app.slack.calls_to("users.info").is_empty(),
        "no profile looked up"
    );
    // The first command that needs the workspace registers it.
    app.slash_in("T0NEWCO", "U0ANA", "C0GENERAL1", "list all")
        .await;
    assert_eq!(app.count("workspaces").await, 1);
}
