//! The Kubernetes example: parsed, and checked for what production relies on.

use serde_yaml::Value;

fn load(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/manifests/k8s/").to_string() + name;
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn deployment_runs_three_replicas_with_probes_and_config_from_a_secret() {
    let d = load("deployment.yaml");
    assert_eq!(d["apiVersion"], "apps/v1");
    assert_eq!(d["kind"], "Deployment");
    assert_eq!(d["spec"]["replicas"], 3);
    let labels = &d["spec"]["selector"]["matchLabels"];
    assert_eq!(
        &d["spec"]["template"]["metadata"]["labels"], labels,
        "selector matches the pods"
    );
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["args"][0], "serve");
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(c["envFrom"][0]["secretRef"]["name"], "pacer");
    let port = c["ports"][0]["containerPort"].as_i64().unwrap();
    let listen = c["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "PACER_LISTEN")
        .and_then(|e| e["value"].as_str())
        .unwrap();
    assert_eq!(listen, format!("0.0.0.0:{port}"));
    let grace = d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        .as_i64()
        .unwrap();
    assert!(grace > 10, "pacer exits within 10 s of SIGTERM");
}

#[test]
fn service_targets_the_pods_and_the_secret_example_names_every_setting() {
    let s = load("service.yaml");
    assert_eq!(s["kind"], "Service");
    assert_eq!(s["spec"]["selector"]["app.kubernetes.io/name"], "pacer");
    assert_eq!(s["spec"]["ports"][0]["targetPort"], "http");
    let secret = load("secret.example.yaml");
    assert_eq!(secret["kind"], "Secret");
    assert_eq!(secret["metadata"]["name"], "pacer");
    for key in [
        "PACER_DATABASE_URL",
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
        "PACER_PUBLIC_URL",
    ] {
        assert!(secret["stringData"][key].is_string(), "{key}");
    }
    assert!(
        secret["stringData"]["PACER_DATABASE_URL"]
            .as_str()
            .unwrap()
            .starts_with("postgres://")
    );
}
