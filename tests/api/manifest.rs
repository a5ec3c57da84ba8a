use serde_json::Value;

#[test]
fn slack_manifest_validates_against_slacks_v2_schema() {
    let json = pacer::slack::manifest::render("https://pacer.example.com/").unwrap();
    let manifest: Value = serde_json::from_str(&json).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/slack/manifest-schema-v2.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&manifest)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    assert_eq!(
        manifest["features"]["slash_commands"][0]["command"],
        "/pacer"
    );
    assert_eq!(
        manifest["features"]["slash_commands"][0]["should_escape"],
        true
    );
    assert_eq!(
        manifest["features"]["slash_commands"][0]["url"],
        "https://pacer.example.com/slack/commands"
    );
    assert_eq!(
        manifest["settings"]["event_subscriptions"]["request_url"],
        "https://pacer.example.com/slack/events"
    );
    assert_eq!(
        manifest["settings"]["interactivity"]["request_url"],
        "https://pacer.example.com/slack/interactivity"
    );
    let scopes: Vec<&str> = manifest["oauth_config"]["scopes"]["bot"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for s in ["commands", "chat:write", "users:read", "im:write"] {
        assert!(scopes.contains(&s), "{s}");
    }
}

#[test]
fn manifest_refuses_a_url_slack_cannot_call() {
    assert!(pacer::slack::manifest::render("http://pacer.example.com").is_err());
    assert!(pacer::slack::manifest::render("not a url").is_err());
}

#[test]
fn manifest_cli_prints_the_manifest() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args([
            "manifest",
            "slack",
            "--public-url",
            "https://pacer.example.com",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["display_information"]["name"], "pacer");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args(["manifest", "slack", "--public-url", "http://insecure"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("https"));
}

/// `pacer manifest teams`: the manifest on stdout and an uploadable package (zip with the
/// manifest and both icons) on disk.
#[test]
fn teams_manifest_and_app_package() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pacer-teams.zip");
    let app_id = "6b1f0c7e-3a52-4d6f-9a0e-2c8d4b7e91a3";
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args([
            "manifest",
            "teams",
            "--public-url",
            "https://pacer.example.com",
        ])
        .arg("--out")
        .arg(&out)
        .env("TEAMS_APP_ID", app_id)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let printed: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(printed["bots"][0]["botId"], app_id);
    assert_eq!(printed["id"], app_id);
    assert_eq!(printed["validDomains"][0], "pacer.example.com");
    assert_eq!(printed["icons"]["color"], "color.png");
    assert_eq!(printed["icons"]["outline"], "outline.png");
    let scopes = printed["bots"][0]["scopes"].as_array().unwrap();
    assert!(scopes.contains(&"personal".into()) && scopes.contains(&"team".into()));

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(names, ["color.png", "manifest.json", "outline.png"]);
    let mut manifest = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("manifest.json").unwrap(), &mut manifest)
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&manifest).unwrap(), printed);

    // Without an app id, or with an http URL, it says what to fix and exits 2.
    for (args, env) in [
        (vec!["--public-url", "https://pacer.example.com"], None),
        (
            vec!["--public-url", "http://pacer.example.com"],
            Some(app_id),
        ),
    ] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pacer"));
        cmd.args(["manifest", "teams"])
            .args(&args)
            .arg("--out")
            .arg(&out);
        cmd.env_remove("TEAMS_APP_ID");
        if let Some(id) = env {
            cmd.env("TEAMS_APP_ID", id);
        }
        let run = cmd.output().unwrap();
        assert_eq!(run.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&run.stderr).contains("error:"));
    }
}

fn v2_errors(manifest: &Value) -> Vec<String> {
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/slack/manifest-schema-v2.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(manifest)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// `pacer manifest slack --socket-mode`: Socket Mode on and not one request URL, valid against
/// Slack's schema; with a public URL, only the OAuth redirect uses it.
#[test]
fn socket_mode_manifest_has_no_request_urls() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args(["manifest", "slack", "--socket-mode"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v2_errors(&manifest).is_empty(),
        "{:#?}",
        v2_errors(&manifest)
    );
    assert_eq!(manifest["settings"]["socket_mode_enabled"], true);
    let text = manifest.to_string();
    assert!(!text.contains("https://"), "{text}");
    assert!(
        manifest["settings"]["event_subscriptions"]
            .get("request_url")
            .is_none()
    );
    assert!(
        manifest["settings"]["interactivity"]
            .get("request_url")
            .is_none()
    );
    assert_eq!(manifest["settings"]["interactivity"]["is_enabled"], true);
    assert_eq!(
        manifest["features"]["slash_commands"][0]["command"],
        "/pacer"
    );
    assert!(
        manifest["features"]["slash_commands"][0]
            .get("url")
            .is_none()
    );
    let events = manifest["settings"]["event_subscriptions"]["bot_events"].to_string();
    assert!(events.contains("message.im") && events.contains("app_home_opened"));

    let with_oauth =
        pacer::slack::manifest::render_socket_mode(Some("https://pacer.example.com")).unwrap();
    let with_oauth: Value = serde_json::from_str(&with_oauth).unwrap();
    assert!(v2_errors(&with_oauth).is_empty());
    assert_eq!(
        with_oauth["oauth_config"]["redirect_urls"][0],
        "https://pacer.example.com/slack/oauth/callback"
    );
    assert!(
        with_oauth["settings"]["event_subscriptions"]
            .get("request_url")
            .is_none()
    );

    // Without --socket-mode, a public URL is required.
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args(["manifest", "slack"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--socket-mode"));
}
