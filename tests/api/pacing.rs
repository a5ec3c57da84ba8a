//! Sending at the platforms' published rates, against fakes that enforce them as the platforms
//! do (429 with Retry-After above them): a fan-out never meets a 429, a 429 from elsewhere holds
//! the method for the whole workspace for exactly its Retry-After, and Teams replies keep to the
//! connector's per-conversation limits. Speed itself is measured in `benches/fanout.rs`.

use std::time::Duration;

use chrono::Utc;

use crate::common::fake_slack::Fault;
use crate::common::spawn_app;
use crate::msteams::{ANA, personal};
use crate::replicas::seed;

fn prompted(app: &crate::common::TestApp, owners: usize) -> Vec<usize> {
    (0..owners)
        .map(|i| app.slack.messages_in(&format!("DU0P{i:03}")).len())
        .collect()
}

#[tokio::test]
async fn a_fanout_beyond_the_burst_keeps_to_slacks_rate_and_meets_no_429() {
    const OWNERS: usize = 45;
    let app = spawn_app().await;
    seed(&app, OWNERS, chrono::Duration::hours(2)).await;
    app.clock.set(Utc::now());
    let report = app.tick().await;
    assert_eq!(report.sent as usize, OWNERS, "{report:?}");
    assert_eq!(report.retried, 0);
    assert!(prompted(&app, OWNERS).iter().all(|n| *n == 1));
    let calls = app.slack.calls();
    let limited: Vec<_> = calls
        .iter()
        .filter(|c| c.method.starts_with("429:"))
        .collect();
    assert!(limited.is_empty(), "{} calls met a 429", limited.len());
    // Beyond the burst of ten, posts are spaced by Slack's workspace rate (600 a minute).
    let posts: Vec<_> = calls
        .iter()
        .filter(|c| c.method == "chat.postMessage")
        .map(|c| c.at)
        .collect();
    let span = posts[posts.len() - 1].duration_since(posts[0]);
    let paced = (OWNERS - 10) as f64 * 0.1;
    assert!(
        span.as_secs_f64() >= paced * 0.95,
        "{OWNERS} posts went out within {span:?}: faster than Slack allows"
    );
    // No DM was opened: the first post to each person names their DM channel.
    assert!(app.slack.calls_to("conversations.open").is_empty());
}

#[tokio::test]
async fn a_429_holds_every_send_of_the_workspace_for_its_retry_after_then_sends_in_the_same_tick() {
    const OWNERS: usize = 30;
    let app = spawn_app().await;
    seed(&app, OWNERS, chrono::Duration::hours(2)).await;
    app.clock.set(Utc::now());
    app.slack
        .fail_next("chat.postMessage", Fault::RateLimited(2));
    let report = app.tick().await;
    // Waited out in place: nothing handed back to a later tick, nothing sent twice.
    assert_eq!((report.sent as usize, report.retried), (OWNERS, 0));
    assert!(prompted(&app, OWNERS).iter().all(|n| *n == 1));
    let calls = app.slack.calls();
    let limited: Vec<_> = calls
        .iter()
        .filter(|c| c.method.starts_with("429:"))
        .collect();
    assert_eq!(
        limited.len(),
        1,
        "only the injected 429: every other send waited"
    );
    let (at, channel) = (limited[0].at, limited[0].body["channel"].clone());
    let posts: Vec<_> = calls
        .iter()
        .filter(|c| c.method == "chat.postMessage")
        .collect();
    // The limited prompt went again exactly after Retry-After, in this tick.
    let again = posts
        .iter()
        .find(|c| c.body["channel"] == channel)
        .expect("the limited prompt was sent again");
    assert!(again.at.duration_since(at) >= Duration::from_millis(1950));
    // Posts already on their way when the 429 came land at once; none starts during the hold.
    let during_hold = posts
        .iter()
        .filter(|c| c.at > at)
        .map(|c| c.at.duration_since(at))
        .filter(|d| *d >= Duration::from_millis(500) && *d < Duration::from_millis(1950))
        .count();
    assert_eq!(during_hold, 0, "posts went out while Slack said to wait");
}

#[tokio::test]
async fn teams_replies_in_one_chat_keep_to_the_connectors_limits() {
    let app = spawn_app().await;
    // Ten commands in a second in one personal chat: more than the connector takes there
    // (7 in 1 s, 8 in 2 s).
    for _ in 0..10 {
        let r = app.teams_post(&personal(&app, ANA, "help")).await;
        assert_eq!(r.status, 200);
    }
    let replies = || {
        app.teams
            .calls()
            .into_iter()
            .filter(|c| c.kind == "send" || c.kind == "reply")
            .count()
    };
    // The replies beyond the connector's limits wait for their slot (after the ack).
    for _ in 0..100 {
        if replies() >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(replies(), 10, "every command was answered");
    assert_eq!(app.teams.throttled(), 0, "no reply met the connector's 429");
}
