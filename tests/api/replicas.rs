//! Several `pacer serve` processes on one database and one fake Slack, as production runs them
//! (the default tick and lease): 200 owners whose check-ins open at the same instant, the
//! replica that is sending killed with SIGKILL in the middle of the fan-out, and still exactly
//! one prompt per owner and one digest per channel. At most what the dead replica held in
//! flight waits for its lease; the survivors share the rest at Slack's pace.

use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use pacer::store::{NewPriority, NewTeamArgs, RhythmRow};

use crate::common::{SIGNING_SECRET, TestApp, spawn_app};

const OWNERS: usize = 200;
const TEAMS: usize = 4;

/// A replica with the settings users get; its Slack calls are labelled with its name.
fn replica(app: &TestApp, name: &str) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .arg("serve")
        .env("PACER_DATABASE_URL", &app.db_url)
        .envs(app.key_env())
        .env("PACER_LISTEN", "127.0.0.1:0")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_API_BASE_URL", app.slack.api_base_for(name))
        .env_remove("PACER_TICK_SECS")
        .env_remove("PACER_JOB_LEASE_SECS")
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

/// `owners` owners in `TEAMS` teams whose check-in opened a minute ago; the digest at a minute
/// boundary at least `digest_in` away. Returns the digest time.
pub(crate) async fn seed(
    app: &TestApp,
    owners: usize,
    digest_in: chrono::Duration,
) -> chrono::DateTime<Utc> {
    let store = &app.store;
    let now = Utc::now();
    let ts = now.timestamp();
    let ws = store.ensure_workspace("slack", "T0001", ts).await.unwrap();
    let mut people = Vec::new();
    for i in 0..owners {
        let id = format!("U0P{i:03}");
        let p = store
            .upsert_person(ws, &id, &id, Some((&format!("owner {i}"), Some("UTC"))), ts)
            .await
            .unwrap();
        people.push(p);
    }
    // The check-in slot was a minute ago (so it opens at once); the digest is at a minute
    // boundary well after the default lease (120 s) of the killed replica has run out, so that
    // its stranded batch is still wanted when it is taken over.
    let hm = |t: chrono::DateTime<Utc>| format!("{:02}:{:02}", t.hour(), t.minute());
    let checkin = hm(now - chrono::Duration::minutes(1));
    let mut digest_at = (now + digest_in).with_second(0).unwrap();
    if digest_at - now < digest_in {
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
                    review_schedule: None,
                    updated_at: ts - 600,
                    ask: "all".into(),
                },
                people[t].id,
                ts - 600,
            )
            .await
            .unwrap();
    }
    digest_at
}

#[tokio::test]
async fn three_replicas_and_a_killed_one_deliver_every_prompt_and_digest_exactly_once() {
    let app = spawn_app().await;
    let digest_at = seed(&app, OWNERS, chrono::Duration::seconds(170)).await;
    app.slack.set_post_delay(40);
    let names = ["r0", "r1", "r2"];
    let mut replicas: Vec<_> = names.iter().map(|n| replica(&app, n)).collect();
    let prompts = |app: &TestApp| {
        app.slack
            .all_messages()
            .into_iter()
            .filter(|(ch, _, _)| ch.starts_with("DU0P"))
            .count()
    };
    let posts_by = |app: &TestApp, who: &str| {
        app.slack
            .calls_to("chat.postMessage")
            .iter()
            .filter(|c| c.caller.as_deref() == Some(who))
            .count()
    };
    assert!(
        wait_until(Duration::from_secs(40), || prompts(&app) >= 20).await,
        "the fan-out started"
    );
    // The replica that is sending right now dies, holding its claimed batch.
    let sender = app
        .slack
        .calls_to("chat.postMessage")
        .last()
        .and_then(|c| c.caller.clone())
        .expect("prompts name their replica");
    let victim = names.iter().position(|n| *n == sender).unwrap();
    replicas[victim].start_kill().unwrap();
    replicas[victim].wait().await.unwrap();
    let killed_at = Instant::now();
    let survivors: Vec<&str> = names.iter().copied().filter(|n| *n != sender).collect();
    let before: Vec<usize> = survivors.iter().map(|s| posts_by(&app, s)).collect();
    // At Slack's pace (about ten posts a second for the workspace, shared by the replicas),
    // everyone but what the dead replica held in flight is prompted.
    let held = pacer::rhythm::IN_FLIGHT;
    assert!(
        wait_until(Duration::from_secs(40), || prompts(&app) >= OWNERS - held).await,
        "the survivors delivered all but the dead replica's jobs ({} of {OWNERS})",
        prompts(&app)
    );
    let most = killed_at.elapsed();
    let after: Vec<usize> = survivors.iter().map(|s| posts_by(&app, s)).collect();
    eprintln!(
        "killed {sender}: {} of {OWNERS} prompted {:.1} s after the kill; survivors sent {:?} before, {:?} after",
        prompts(&app),
        most.as_secs_f64(),
        before,
        after
    );
    let all_prompted = wait_until(Duration::from_secs(150), || {
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
    eprintln!(
        "the last prompt went {:.1} s after the kill (the default lease is {} s)",
        killed_at.elapsed().as_secs_f64(),
        pacer::rhythm::LEASE_SECS
    );
    // The survivors shared the work: both claimed and sent prompts.
    for (s, n) in survivors.iter().zip(&after) {
        assert!(
            *n > 0,
            "survivor {s} sent nothing; the fan-out was not shared"
        );
    }
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
    for (_, r) in replicas
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| *i != victim)
    {
        let pid = r.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }
    for (_, r) in replicas
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| *i != victim)
    {
        let exited = tokio::time::timeout(Duration::from_secs(10), r.wait()).await;
        assert!(
            exited.is_ok(),
            "a replica did not exit within 10 s of SIGTERM"
        );
    }
}

/// SIGTERM in the middle of a fan-out: the replica stops between two prompts, hands back what
/// it claimed and exits within 10 s; the next replica delivers the rest, nothing twice.
#[tokio::test]
async fn sigterm_during_a_fanout_loses_nothing_and_exits_within_ten_seconds() {
    const FEW: usize = 60;
    let app = spawn_app().await;
    seed(&app, FEW, chrono::Duration::seconds(170)).await;
    app.slack.set_post_delay(150);
    let prompts = |app: &TestApp| {
        app.slack
            .all_messages()
            .into_iter()
            .filter(|(ch, _, _)| ch.starts_with("DU0P"))
            .count()
    };
    let mut first = replica(&app, "first");
    assert!(
        wait_until(Duration::from_secs(40), || prompts(&app) >= 5).await,
        "the fan-out started"
    );
    let pid = first.id().unwrap().to_string();
    let signalled = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(10), first.wait())
        .await
        .expect("exits within 10 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let sent_by_first = prompts(&app);
    assert!(
        sent_by_first < FEW,
        "stopped mid fan-out ({sent_by_first} sent)"
    );
    eprintln!(
        "SIGTERM after 5 prompts: exited in {:.2} s having sent {sent_by_first}",
        signalled.elapsed().as_secs_f64()
    );
    // Nothing is left claimed by the process that left.
    assert!(app.store.jobs_in_state("running").await.unwrap().is_empty());
    let _second = replica(&app, "second");
    assert!(
        wait_until(Duration::from_secs(30), || prompts(&app) >= FEW).await,
        "the next replica delivered the rest ({} of {FEW})",
        prompts(&app)
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    for i in 0..FEW {
        let got = app.slack.messages_in(&format!("DU0P{i:03}")).len();
        assert_eq!(got, 1, "owner {i} got {got} prompts");
    }
}
