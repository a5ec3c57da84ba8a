use serde_json::Value;

#[test]
fn slack_manifest_validates_against_slacks_v2_schema() {
    let json = pacer::slack::manifest::render("https://pacer.example.com/").unwrap();
    let manifest: Value = serde_json::from_str(&json).unwrap();
    let schema_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/slack/manifest-schema-v2.json"
    );
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(schema_path).expect("shared/ beside the repo"),
    )
    .unwrap();
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
