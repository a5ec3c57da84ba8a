//! The slip log and the `slipping` drift rule: every move of a due date is kept with its
//! reason, `show` lists them, and three moves flag the priority.

use crate::common::{ADMIN, spawn_app};

#[tokio::test]
async fn due_date_moves_are_logged_with_reasons_and_three_make_a_priority_slip() {
    let app = spawn_app().await;
    app.slash(ADMIN, "team add Platform").await;
    app.slash("U0ANA", "add Vendor integration team:Platform")
        .await;
    // Setting the first due date is not a slip; moving it is.
    app.slash("U0ANA", "edit #1 due:2027-01-15").await;
    let r = app
        .slash("U0ANA", "edit #1 due:2027-02-15 \"vendor delay\"")
        .await;
    assert!(
        r.all_text().contains("2027-01-15 → 2027-02-15"),
        "{}",
        r.all_text()
    );
    app.slash(
        "U0ANA",
        "edit #1 due:2027-03-01 “legal review &lt;again&gt;”",
    )
    .await;
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(
        !stalled.contains("Vendor integration"),
        "two moves are no slip yet: {stalled}"
    );

    // Someone else cannot move it, and a refused move is no slip.
    let refused = app
        .slash("U0BEN", "edit #1 due:2027-06-01 \"sneaky\"")
        .await;
    assert!(
        !refused.all_text().contains("Updated"),
        "{}",
        refused.all_text()
    );
    // A reason without a new due date is a mistake, and changes nothing.
    let mistake = app.slash("U0ANA", "edit #1 @ana \"why\"").await.all_text();
    assert!(mistake.contains("why"), "{mistake}");

    app.slash("U0ANA", "edit #1 due:none").await;
    let show = app.slash("U0ANA", "show #1").await.all_text();
    assert!(show.contains("Due date moved 3 times"), "{show}");
    assert!(
        show.contains("2027-01-15 → 2027-02-15") && show.contains("vendor delay"),
        "{show}"
    );
    assert!(
        show.contains("legal review &lt;again&gt;"),
        "escaped as Slack shows text: {show}"
    );
    assert!(
        show.contains("2027-03-01 → none") && show.contains("(no reason given)"),
        "{show}"
    );
    assert!(!show.contains("sneaky"), "{show}");
    assert!(
        show.contains("slipping") || show.contains("due date moved 3 times"),
        "{show}"
    );
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(
        stalled.contains("Vendor integration")
            && stalled.contains("slipping: due date moved 3 times"),
        "{stalled}"
    );

    // The flag names the reason given with the latest move.
    // (Setting a date again after clearing it is not a move; moving that one is.)
    app.slash("U0ANA", "edit #1 due:2027-05-01").await;
    app.slash("U0ANA", "edit #1 due:2027-06-01 \"new scope\"")
        .await;
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(
        stalled.contains("due date moved 4 times (latest: new scope)"),
        "{stalled}"
    );

    // The threshold is the workspace's: at 5 moves it is not slipping yet.
    app.slash(ADMIN, "settings drift slipping:5").await;
    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    assert!(!stalled.contains("Vendor integration"), "{stalled}");
    let settings = app.slash("U0ANA", "settings").await.all_text();
    assert!(
        settings.contains("slipping: the due date moved 5 times or more"),
        "{settings}"
    );

    // Another workspace's moves are its own.
    app.slash_in("T0OTHER", ADMIN, "C0OTHER", "team add Growth")
        .await;
    app.slash_in(
        "T0OTHER",
        "U0ANA",
        "C0OTHER",
        "add Ads team:Growth due:2027-01-01",
    )
    .await;
    let other = app
        .slash_in("T0OTHER", "U0ANA", "C0OTHER", "show #1")
        .await
        .all_text();
    assert!(!other.contains("Due date moved"), "{other}");
}
