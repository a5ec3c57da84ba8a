use crate::common::{ADMIN, spawn_app};

#[tokio::test]
async fn team_add_join_leave_show_and_teams() {
    let app = spawn_app().await;
    let r = app.slash("U0ANA", "team add Engineering").await;
    assert!(
        r.all_text().contains("Created team *Engineering*"),
        "{}",
        r.all_text()
    );
    let r = app
        .slash(
            "U0ANA",
            "team add Platform <#C0PLATFORM|platform> lead:<@U0BEN|ben> parent:Engineering",
        )
        .await;
    let text = r.all_text();
    assert!(text.contains("led by <@U0BEN>"), "{text}");
    assert!(
        text.contains("digests in <#C0PLATFORM>") || text.contains("#platform"),
        "{text}"
    );
    assert!(text.contains("part of Engineering"), "{text}");

    // ben leads Platform and adds people; chen joins by himself.
    let r = app.slash("U0BEN", "team join Platform <@U0ANA|ana>").await;
    assert!(
        r.all_text().contains("<@U0ANA> joined Platform"),
        "{}",
        r.all_text()
    );
    let r = app.slash("U0CHEN", "team join platform").await;
    assert!(
        r.all_text().contains("<@U0CHEN> joined Platform"),
        "{}",
        r.all_text()
    );
    let r = app.slash("U0CHEN", "team join Platform").await;
    assert!(
        r.all_text().contains("already in Platform"),
        "{}",
        r.all_text()
    );

    let show = app.slash("U0CHEN", "team show Platform").await.all_text();
    assert!(show.contains("Team Platform"), "{show}");
    assert!(show.contains("*Leads*\n<@U0BEN>"), "{show}");
    assert!(
        show.contains("<@U0ANA>") && show.contains("<@U0CHEN>"),
        "{show}"
    );
    assert!(show.contains("Engineering"), "{show}");

    let teams = app.slash("U0CHEN", "teams").await.all_text();
    assert!(teams.contains("*Engineering*"), "{teams}");
    assert!(
        teams.contains("    *Platform*"),
        "sub-teams are indented: {teams}"
    );

    let r = app.slash("U0CHEN", "team leave Platform").await;
    assert!(
        r.all_text().contains("<@U0CHEN> left Platform"),
        "{}",
        r.all_text()
    );
}

#[tokio::test]
async fn only_leads_and_admins_change_other_peoples_membership() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform").await;
    let r = app.slash("U0CHEN", "team join Platform <@U0BEN|ben>").await;
    assert!(
        r.all_text()
            .contains("Only a lead of Platform or an admin can change its members"),
        "{}",
        r.all_text()
    );
    let r = app
        .slash("U0CHEN", "team leave Platform <@U0ANA|ana>")
        .await;
    assert!(
        r.all_text().contains("Only a lead of Platform"),
        "{}",
        r.all_text()
    );
    assert_eq!(app.count("team_members").await, 1);
    let r = app.slash(ADMIN, "team join Platform <@U0BEN|ben>").await;
    assert!(r.all_text().contains("joined Platform"), "{}", r.all_text());
    assert_eq!(app.count("team_members").await, 2);
}

#[tokio::test]
async fn team_names_are_unique_regardless_of_case() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform").await;
    let r = app.slash("U0BEN", "team add PLATFORM").await;
    assert!(
        r.all_text()
            .contains("A team called Platform already exists"),
        "{}",
        r.all_text()
    );
    assert_eq!(app.count("teams").await, 1);
}

#[tokio::test]
async fn child_teams_need_the_parents_lead() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Engineering").await;
    let r = app
        .slash("U0BEN", "team add Platform parent:Engineering")
        .await;
    assert!(
        r.all_text().contains("Only a lead of Engineering"),
        "{}",
        r.all_text()
    );
    assert_eq!(app.count("teams").await, 1);
}

#[tokio::test]
async fn multi_word_team_names_work_quoted_and_unquoted() {
    let app = spawn_app().await;
    let r = app
        .slash("U0ANA", "team add Growth Marketing <#C0GROWTH|growth>")
        .await;
    assert!(
        r.all_text().contains("Created team *Growth Marketing*"),
        "{}",
        r.all_text()
    );
    let r = app
        .slash("U0ANA", "add Launch campaign team:\"growth marketing\"")
        .await;
    assert!(
        r.all_text().contains("in Growth Marketing"),
        "{}",
        r.all_text()
    );
    let r = app.slash("U0ANA", "team show Growth Marketing").await;
    assert!(r.all_text().contains("Launch campaign"), "{}", r.all_text());
}
