//! Several `pacer serve` processes on one database and one fake Slack, as production runs them:
//! 200 owners whose check-ins open at the same instant, one replica killed with SIGKILL in the
//! middle of the fan-out, and still exactly one prompt per owner and one digest per channel.

use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use pacer::store::{NewPriority, NewTeamArgs, RhythmRow};

use crate::common::{SIGNING_SECRET, TestApp, spawn_app};

const OWNERS: usize = 200;
const TEAMS: usize = 4;

fn replica(app: &TestApp) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .arg("serve")
        .env("PACER_DATABASE_URL", &app.db_url)
        .env("PACER_LISTEN", "127.0.0.1:0")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_API_BASE_URL", app.slack.api_base())
        .env("PACER_TICK_SECS", "1")
        .env("PACER_JOB_LEASE_SECS", "3")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done()
}

#[tokio::test]
async fn three_replicas_and_a_killed_one_deliver_every_prompt_and_digest_exactly_once() {
    let app = spawn_app().await;
    let store = &app.store;
    let now = Utc::now();
    let ts = now.timestamp();
    let ws = store.ensure_workspace("slack", "T0001", ts).await.unwrap();
    let mut people = Vec::new();
    for i in 0..OWNERS {
        let id = format!("U0P{i:03}");
        let p = store
            .upsert_person(ws, &id, &id, Some((&format!("owner {i}"), Some("UTC"))), ts)
            .await
            .unwrap();
        people.push(p);
    }
    // The check-in slot was a minute ago (so it opens at once); the digest is at the next minute
    // boundary at least 30 seconds away.
    let hm = |t: chrono::DateTime<Utc>| format!("{:02}:{:02}", t.hour(), t.minute());
    let checkin = hm(now - chrono::Duration::minutes(1));
    let mut digest_at = (now + chrono::Duration::minutes(1)).with_second(0).unwrap();
    if digest_at - now < chrono::Duration::seconds(30) {
        digest_at += chrono::Duration::minutes(1);
    }
    for t in 0..TEAMS {
        let name = format!("Team{t}");
        let channel = format!("C0TEAM{t}");
        let team = store
            .create_team(
                ws,
                NewTeamArgs {
                    name: &name,
                    name_key: &name.to_lowercase(),
                    channel_id: Some(&channel),
                    channel_name: None,
                    parent_team_id: None,
                    lead_person_id: people[t].id,
                    created_by: people[t].id,
                },
                ts,
            )
            .await
            .unwrap();
        for (i, p) in people.iter().enumerate().filter(|(i, _)| i % TEAMS == t) {
            store
                .create_priority(
                    ws,
                    NewPriority {
                        title: format!("Work of owner {i}"),
                        owner_id: p.id,
                        team_id: team.id,
                        due: None,
                        parent_id: None,
                        created_by: p.id,
                    },
                    ts,
                )
                .await
                .unwrap();
        }
        store
            .save_rhythm(
                &RhythmRow {
                    team_id: team.id,
                    workspace_id: ws,
                    checkin_schedule: Some(format!("daily {checkin}")),
                    digest_schedule: Some(format!("daily {}", hm(digest_at))),
                    zone: "UTC".into(),
                    home_zone: "UTC".into(),
                    remind_minutes: None,
                    updated_at: ts - 600,
                },
                people[t].id,
                ts - 600,
            )
            .await
            .unwrap();
    }
    app.slack.set_post_delay(40);
    let mut replicas = [replica(&app), replica(&app), replica(&app)];
    let prompts = |app: &TestApp| {
        app.slack
            .all_messages()
            .into_iter()
            .filter(|(ch, _, _)| ch.starts_with("DU0P"))
            .count()
    };
    assert!(
        wait_until(Duration::from_secs(30), || prompts(&app) >= 20).await,
        "the fan-out started"
    );
    // One replica dies in the middle of the fan-out, holding claimed jobs.
    replicas[0].start_kill().unwrap();
    replicas[0].wait().await.unwrap();
    let all_prompted = wait_until(Duration::from_secs(60), || {
        let messages = app.slack.all_messages();
        (0..OWNERS).all(|i| {
            messages
                .iter()
                .any(|(ch, _, _)| ch == &format!("DU0P{i:03}"))
        })
    })
    .await;
    assert!(
        all_prompted,
        "every owner was prompted ({} prompts)",
        prompts(&app)
    );
    let until_digest =
        (digest_at - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(30);
    let digested = wait_until(until_digest, || {
        (0..TEAMS).all(|t| app.slack.messages_in(&format!("C0TEAM{t}")).len() >= 2)
    })
    .await;
    assert!(digested, "every channel got its digest");
    // Give stragglers a moment to duplicate, if anything would.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for i in 0..OWNERS {
        let got = app.slack.messages_in(&format!("DU0P{i:03}")).len();
        assert_eq!(got, 1, "owner {i} got {got} prompts");
    }
    for t in 0..TEAMS {
        let got = app.slack.messages_in(&format!("C0TEAM{t}")).len();
        assert_eq!(
            got, 2,
            "channel {t} got {got} messages (a digest and its thread)"
        );
    }
    // SIGTERM: the survivors exit promptly.
    for r in replicas.iter_mut().skip(1) {
        let pid = r.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }
    for r in replicas.iter_mut().skip(1) {
        let exited = tokio::time::timeout(Duration::from_secs(10), r.wait()).await;
        assert!(
            exited.is_ok(),
            "a replica did not exit within 10 s of SIGTERM"
        );
    }
}
