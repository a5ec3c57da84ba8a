//! One drift score per priority (0–100, `domain::score`): stalled lists, the API and the
//! dashboard sort and show by it.

use serde_json::Value;

use crate::common::{ADMIN, spawn_app};

#[tokio::test]
async fn stalled_priorities_are_listed_by_drift_score_with_its_value() {
    let app = spawn_app().await;
    app.slash(ADMIN, "team add Platform").await;
    app.slash("U0ANA", "add Slipping vendor team:Platform due:2027-06-01")
        .await;
    app.slash("U0ANA", "add Late payments team:Platform due:2026-11-01")
        .await;
    app.slash("U0ANA", "add Healthy work team:Platform due:2027-06-01")
        .await;
    // #1: at risk once, and its due date moved three times: 4 + 9 = 13.
    app.slash("U0ANA", "status #1 at-risk 5%").await;
    for due in ["2027-07-01", "2027-08-01", "2027-09-01"] {
        app.slash("U0ANA", &format!("edit #1 due:{due} \"vendor\""))
            .await;
    }
    // #2: 22 days overdue (25), off-track twice in a row (20), progress flat (4): 49.
    app.slash("U0ANA", "status #2 off-track 10%").await;
    app.slash("U0ANA", "status #2 off-track 10% still waiting")
        .await;
    app.slash("U0ANA", "status #3 on-track 5%").await;

    let stalled = app.slash("U0ANA", "list stalled").await.all_text();
    let (late, slipping) = (
        stalled.find("Late payments").expect("#2 is stalled"),
        stalled.find("Slipping vendor").expect("#1 is stalled"),
    );
    assert!(
        late < slipping,
        "highest score first, not by number: {stalled}"
    );
    assert!(stalled.contains("drift score 49"), "{stalled}");
    assert!(stalled.contains("drift score 13"), "{stalled}");
    assert!(!stalled.contains("Healthy work"), "{stalled}");
    // Lists that are not about drift keep their order by number.
    let all = app.slash("U0ANA", "list all").await.all_text();
    assert!(
        all.find("Slipping vendor") < all.find("Late payments"),
        "{all}"
    );

    let reply = app.slash(ADMIN, "token add bi").await.all_text();
    let start = reply.find("pacer_").unwrap();
    let token = &reply[start..start + 49];
    let page: Value = app
        .http
        .get(format!("{}/api/v1/priorities", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let scores: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["drift_score"].as_i64().unwrap())
        .collect();
    assert_eq!(scores, [13, 49, 0]);

    // The digest's "Needs attention" is in score order too.
    let digest = app.slash("U0ANA", "digest Platform").await.all_text();
    let attention = &digest[digest.find("Needs attention").expect("a section")..];
    assert!(
        attention.find("Late payments") < attention.find("Slipping vendor"),
        "{attention}"
    );
}
