//! The binary's commands that operators script: `pacer tick` against the same database.

use crate::common::{SIGNING_SECRET, TestApp, spawn_app};

pub(crate) async fn pacer(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args(args)
        .current_dir(dir.path())
        .env("PACER_DATABASE_URL", &app.db_url)
        .envs(app.key_env())
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_API_BASE_URL", app.slack.api_base())
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[tokio::test]
async fn pacer_tick_runs_what_is_due_as_of_now_once_and_exits() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform").await;
    app.slash("U0ANA", "add Payments API team:Platform").await;
    app.slash("U0BEN", "add Fraud rules team:Platform").await;
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:4h",
    )
    .await;

    let (code, out, err) = pacer(&app, &["tick", "--now", "2026-11-30T07:59:00Z"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("opened 0 cycles"), "{out}");
    let (code, out, err) = pacer(&app, &["tick", "--now", "2026-11-30T08:00:00Z"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("opened 1 cycles") && out.contains("sent 2"),
        "{out}"
    );
    assert_eq!(app.slack.messages_in("DU0ANA").len(), 1);
    assert_eq!(app.slack.messages_in("DU0BEN").len(), 1);
    // The same instant again does nothing: no duplicate prompts.
    let (_, out, _) = pacer(&app, &["tick", "--now", "2026-11-30T08:00:00Z"]).await;
    assert!(
        out.contains("opened 0 cycles") && out.contains("sent 0"),
        "{out}"
    );
    // Four hours later, both are reminded.
    let (_, out, _) = pacer(&app, &["tick", "--now", "2026-11-30T12:00:00+00:00"]).await;
    assert!(
        out.contains("queued 2 reminders") && out.contains("sent 2"),
        "{out}"
    );
    assert_eq!(app.slack.all_messages().len(), 4);

    let (code, _, err) = pacer(&app, &["tick", "--now", "next monday"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("RFC 3339"), "{err}");
}

#[tokio::test]
async fn two_tick_processes_racing_on_one_database_never_duplicate() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform <#C0PLATFORM|platform>")
        .await;
    // 20 owners, two priorities each.
    for i in 0..20 {
        let user = format!("U0OWNER{i:02}");
        for p in 0..2 {
            app.slash(&user, &format!("add Work {i}-{p} team:Platform"))
                .await;
        }
    }
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:Europe/Berlin remind:off",
    )
    .await;
    app.slash("U0ANA", "rhythm Platform digest \"mon 09:30\"")
        .await;
    // Both replicas tick at the prompt time, then both at the digest time.
    for now in ["2026-11-30T08:00:00Z", "2026-11-30T08:30:00Z"] {
        let args = ["tick", "--now", now];
        let (a, b) = tokio::join!(pacer(&app, &args), pacer(&app, &args));
        assert_eq!(a.0, 0, "{}", a.2);
        assert_eq!(b.0, 0, "{}", b.2);
    }
    for i in 0..20 {
        let prompts = app.slack.messages_in(&format!("DU0OWNER{i:02}"));
        assert_eq!(prompts.len(), 1, "owner {i} got {} prompts", prompts.len());
    }
    assert_eq!(
        app.slack.messages_in("C0PLATFORM").len(),
        2,
        "one digest and its thread"
    );
    assert_eq!(app.count("cycles").await, 1);
}

#[tokio::test]
async fn json_logs_are_one_json_object_per_line_without_secrets() {
    let app = spawn_app().await;
    app.slash("U0ANA", "team add Platform").await;
    app.slash("U0ANA", "add Payments API team:Platform").await;
    app.slash(
        "U0ANA",
        "rhythm Platform checkin \"mon 09:00\" tz:UTC remind:off",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args(["tick", "--now", "2026-11-30T09:00:00Z"])
        .current_dir(dir.path())
        .env("PACER_DATABASE_URL", &app.db_url)
        .envs(app.key_env())
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_API_BASE_URL", app.slack.api_base())
        .env("PACER_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.iter().any(|l| l.contains("cycle opened")), "{stderr}");
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            v.get("level").is_some() && v.get("timestamp").is_some(),
            "{line}"
        );
    }
    assert!(
        !stderr.contains("xoxb-test-token") && !stderr.contains(SIGNING_SECRET),
        "{stderr}"
    );
}

/// `pacer demo` as a newcomer runs it: a fresh database in the working directory, the seeded
/// organisation, and the URL printed; the page and its routes answer there.
#[tokio::test]
async fn pacer_demo_serves_the_seeded_sandbox_and_prints_its_url() {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    // A stale file from an earlier demo is replaced, not reused.
    std::fs::write(dir.path().join("pacer-demo.db"), b"not a database").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .arg("demo")
        .current_dir(dir.path())
        .env("PACER_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("SLACK_SIGNING_SECRET")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
        .await
        .expect("the demo starts within a minute")
        .unwrap()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/");
    assert!(line.contains(&url), "{line}");
    let http = reqwest::Client::new();
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Run the rhythm now"));
    let people: serde_json::Value = http
        .get(format!("{url}sandbox/people"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(people.as_array().unwrap().len(), 12);
    // The demo serves no chat platform.
    let slack = http
        .post(format!("{url}slack/commands"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(slack.status(), 404);
    child.kill().await.unwrap();
}

/// `pacer slack send …` as the README runs it, against a live server: its requests are signed
/// and shaped as Slack's, so commands, events and a check-in click all take effect.
#[tokio::test]
async fn pacer_slack_send_drives_a_live_server_like_slack() {
    use chrono::{Timelike, Utc};
    let app = spawn_app().await;
    // The tool signs with the real time; the server's clock must agree within five minutes.
    let now = Utc::now()
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    app.clock.set(now);
    let send = |args: Vec<String>| {
        let url = app.url.clone();
        async move {
            let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
                .args(["slack", "send"])
                .args(&args)
                .env("PACER_URL", url)
                .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
                .env("RUST_LOG", "warn")
                .output()
                .await
                .unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).to_string(),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        }
    };
    let cmd = |text: &str| {
        vec![
            "command".to_string(),
            text.to_string(),
            "--user".into(),
            "U0ANA".into(),
        ]
    };

    let (code, out, err) = send(cmd("team add Platform <#C0PLAT|platform>")).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("200\n"), "{out}");
    let (code, out, _) = send(cmd("add Ship the beta team:Platform due:Q1")).await;
    assert_eq!(code, 0);
    assert!(out.contains("#1"), "{out}");
    // A check-in opening this minute, its digest two hours on (crontab, UTC).
    let (m, h) = (now.minute(), now.hour());
    let rhythm = format!("rhythm Platform checkin \"{m} {h} * * *\" tz:UTC remind:off",);
    assert_eq!(send(cmd(&rhythm)).await.0, 0);
    let digest = format!("rhythm Platform digest \"{m} {} * * *\"", (h + 2) % 24);
    assert_eq!(send(cmd(&digest)).await.0, 0);
    app.tick().await;
    let prompt = app.slack.messages_in("DU0ANA");
    assert_eq!(prompt.len(), 1, "Ana is prompted once");
    let (ts, body) = &prompt[0];
    let blocks = body["blocks"].to_string();
    let value = body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == "checkin:at-risk")
        .and_then(|e| e["value"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("an At risk button in {blocks}"));

    // The click, as Slack posts it to the interactivity endpoint.
    let (code, out, err) = send(vec![
        "click".into(),
        "checkin:at-risk".into(),
        "--value".into(),
        value,
        "--user".into(),
        "U0ANA".into(),
        "--channel".into(),
        "DU0ANA".into(),
        "--message-ts".into(),
        ts.clone(),
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = send(cmd("show #1")).await;
    assert!(out.contains("At risk"), "{out}");
    assert_eq!(app.count("priority_updates").await, 1);

    // An event: opening the Home tab publishes it.
    let (code, _, _) = send(vec![
        "event".into(),
        r#"{"type":"app_home_opened","user":"U0ANA","tab":"home","channel":"DU0ANA"}"#.into(),
    ])
    .await;
    assert_eq!(code, 0);
    assert_eq!(app.slack.wait_for("views.publish", 1).await.len(), 1);

    // The wrong secret is refused by the server, and the tool says so by its exit code.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args(["slack", "send", "command", "list all", "--secret", "wrong"])
        .env("PACER_URL", &app.url)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("401"));
    // No secret at all: a clear error, nothing sent.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args(["slack", "send", "command", "list all"])
        .env("PACER_URL", &app.url)
        .env_remove("SLACK_SIGNING_SECRET")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SLACK_SIGNING_SECRET"));
}

/// `pacer keys rotate` re-encrypts every stored token under a new key, and pacer refuses weak
/// keys, and PostgreSQL without one.
#[tokio::test]
async fn keys_rotate_reseals_stored_tokens_and_weak_or_missing_keys_are_refused() {
    use pacer::keyring::{KeyMaterial, KeySource, Keyring};
    use pacer::store::SlackInstallation;
    let app = spawn_app().await;
    let now = app.clock_now();
    let ws = app
        .store
        .ensure_workspace("slack", "T0ROTATE", now)
        .await
        .unwrap();
    let sealed = app.state.keyring.encrypt("xoxb-rotate-me").await.unwrap();
    app.store
        .save_slack_installation(
            ws,
            &SlackInstallation {
                bot_token: sealed.clone(),
                bot_user_id: None,
                installed_by: None,
            },
            "commands",
            now,
        )
        .await
        .unwrap();
    let rotate = |env: Vec<(&'static str, String)>| {
        let db = app.db_url.clone();
        async move {
            let dir = tempfile::tempdir().unwrap();
            let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
                .args(["keys", "rotate"])
                .current_dir(dir.path())
                .env("PACER_DATABASE_URL", db)
                .env_remove("PACER_SECRET_KEY")
                .envs(env)
                .env("RUST_LOG", "warn")
                .output()
                .await
                .unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        }
    };
    let stored = |app: &TestApp| {
        let store = app.store.clone();
        async move { store.sealed_tokens().await.unwrap()[0].1.clone() }
    };
    if app.db_url.starts_with("sqlite:") {
        // A generated key lives beside the database file, readable by its owner only.
        let path = KeySource::file_beside(&app.db_url).unwrap();
        let before = std::fs::read_to_string(&path).unwrap();
        let (code, err) = rotate(Vec::new()).await;
        assert_eq!(code, 0, "{err}");
        let after = std::fs::read_to_string(&path).unwrap();
        assert_ne!(before, after, "a new key");
        assert_ne!(stored(&app).await, sealed, "re-sealed");
        let fresh = Keyring::new(KeySource::File(path), app.store.clone());
        let token = fresh.decrypt(&stored(&app).await).await.unwrap();
        assert_eq!(token.expose(), "xoxb-rotate-me");
        assert!(!err.contains(&after), "the key is never printed");
    } else {
        let old = crate::common::SECRET_KEY;
        let new = "bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QhISE=";
        // A configured key needs the new one and the old one side by side.
        let (code, err) = rotate(vec![("PACER_SECRET_KEY", old.into())]).await;
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("PACER_PREVIOUS_SECRET_KEY"), "{err}");
        let (code, err) = rotate(vec![
            ("PACER_SECRET_KEY", new.into()),
            ("PACER_PREVIOUS_SECRET_KEY", old.into()),
        ])
        .await;
        assert_eq!(code, 0, "{err}");
        let only_new = Keyring::new(
            KeySource::Configured {
                current: KeyMaterial::parse(new).unwrap(),
                previous: None,
            },
            app.store.clone(),
        );
        let token = only_new.decrypt(&stored(&app).await).await.unwrap();
        assert_eq!(token.expose(), "xoxb-rotate-me");
    }

    // Weak keys, and PostgreSQL without a key, stop pacer at start with a clear message.
    for (url, key, says) in [
        (
            "sqlite::memory:",
            Some("change-me-to-a-long-random-string"),
            "PACER_SECRET_KEY",
        ),
        ("sqlite::memory:", Some("MDAwMDAwMDA="), "32 random bytes"),
        (
            "postgres://nobody@127.0.0.1:1/none",
            None,
            "required with PostgreSQL",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_pacer"));
        cmd.arg("migrate")
            .current_dir(dir.path())
            .env("PACER_DATABASE_URL", url)
            .env_remove("PACER_SECRET_KEY");
        if let Some(k) = key {
            cmd.env("PACER_SECRET_KEY", k);
        }
        let out = cmd.output().await.unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{url} {key:?}");
        assert!(err.contains(says), "{err}");
        if let Some(k) = key {
            assert!(!err.contains(k), "the key is never printed: {err}");
        }
    }
}

/// Settings are read from the environment by clap, pacer's and each platform's alike: a bad
/// one stops pacer with the variable named, and pacer.toml may set the same keys (the
/// environment wins).
#[test]
fn settings_come_from_the_environment_and_pacer_toml() {
    let dir = tempfile::tempdir().unwrap();
    let run = |envs: &[(&str, &str)]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_pacer"));
        c.arg("migrate")
            .current_dir(dir.path())
            .env_remove("PACER_DATABASE_URL")
            .env("RUST_LOG", "warn");
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let bad = run(&[("SLACK_APP_TOKEN", "xoxb-not-an-app-token")]);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        said.contains("SLACK_APP_TOKEN") && said.contains("xapp-"),
        "{said}"
    );
    assert!(
        !said.contains("xoxb-not-an-app-token"),
        "a token is never printed: {said}"
    );

    std::fs::write(
        dir.path().join("pacer.toml"),
        "pacer_database_url = \"sqlite://from-toml.db\"\nteams_app_id = \"app\"\n",
    )
    .unwrap();
    let missing_password = run(&[]);
    let said = String::from_utf8_lossy(&missing_password.stderr);
    assert!(said.contains("TEAMS_APP_PASSWORD"), "{said}");
    let ok = run(&[
        ("TEAMS_APP_ID", ""),
        ("PACER_DATABASE_URL", "sqlite://from-env.db"),
    ]);
    assert!(ok.status.success(), "{ok:?}");
    assert!(dir.path().join("from-env.db").exists());
    assert!(!dir.path().join("from-toml.db").exists());

    std::fs::write(dir.path().join("pacer.toml"), "no_such_setting = 1\n").unwrap();
    let unknown = run(&[]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no_such_setting"));
}
