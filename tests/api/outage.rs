//! While the database is unreachable: /readyz fails and webhooks answer 503 quickly instead of
//! hanging; when it comes back, everything resumes by itself and nothing is lost.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use pacer::store::Store;

use crate::common::{spawn_app, spawn_app_with};

async fn ready(app: &crate::common::TestApp) -> u16 {
    app.http
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn webhooks_answer_503_quickly_and_readyz_fails_while_the_database_is_gone() {
    let Some(admin) = std::env::var("PACER_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        // SQLite: a closed pool is the nearest thing to a vanished database.
        let app = spawn_app().await;
        assert_eq!(app.slash("U0ANA", "team add Platform").await.status, 200);
        app.store.close().await;
        assert_eq!(ready(&app).await, 503);
        let started = Instant::now();
        assert_eq!(app.slash("U0ANA", "list").await.status, 503);
        assert!(started.elapsed() < Duration::from_secs(3));
        return;
    };
    // PostgreSQL: a database of this test's own that we can close to connections.
    let name = format!("pacer_outage_{}", uuid::Uuid::new_v4().simple());
    let control = Store::connect(&admin).await.unwrap();
    let sql = |s: String| {
        let control = control.clone();
        async move { sqlx::query(&s).execute(control.pool()).await.unwrap() }
    };
    sql(format!("CREATE DATABASE {name}")).await;
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    let app = spawn_app_with(&[("PACER_DATABASE_URL", url.as_str())]).await;
    app.slash("U0ANA", "team add Platform").await;
    app.slash("U0ANA", "add Ship the beta team:Platform").await;
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:UTC remind:off",
    )
    .await;
    assert_eq!(ready(&app).await, 200);

    // The database goes away.
    sql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).await;
    sql(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .await;
    let started = Instant::now();
    assert_eq!(ready(&app).await, 503);
    let r = app.slash("U0ANA", "list").await;
    assert_eq!(r.status, 503, "{}", r.text);
    let event = serde_json::json!({"type": "event_callback", "team_id": "T0001", "event_id": "Ev0OUT1",
        "event": {"type": "app_home_opened", "user": "U0ANA", "tab": "home"}});
    assert_eq!(
        app.post_signed("/slack/events", &event.to_string(), "application/json")
            .await
            .status,
        503
    );
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "answered quickly: {:?}",
        started.elapsed()
    );
    // The check-in comes due during the outage; the scheduler fails and will try again.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
    use pacer::clock::Clock;
    assert!(app.state.scheduler.tick(app.clock.now()).await.is_err());

    // It comes back: everything resumes, nothing was lost.
    sql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await;
    let mut back = false;
    for _ in 0..50 {
        if ready(&app).await == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "readiness recovers by itself");
    assert!(
        app.slash("U0ANA", "list")
            .await
            .all_text()
            .contains("Ship the beta")
    );
    let r = app.tick().await;
    assert_eq!(
        (r.opened, r.sent),
        (1, 1),
        "the prompt due during the outage goes out once"
    );
    assert_eq!(app.slack.messages_in("DU0ANA").len(), 1);
    assert_eq!(
        app.post_signed("/slack/events", &event.to_string(), "application/json")
            .await
            .status,
        200
    );

    app.store.close().await;
    sql(format!("DROP DATABASE {name} WITH (FORCE)")).await;
    control.close().await;
}
