//! `pacer manifest slack --public-url …`: the app manifest with this deployment's URLs, or
//! `--socket-mode`: the manifest of an app that receives over Socket Mode, with no request
//! URLs at all (the OAuth redirect only when a public URL is given).

use serde_json::Value;

const TEMPLATE: &str = include_str!("../../manifests/slack/manifest.json");

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("--public-url must be an https:// URL that Slack can reach (got `{0}`)")]
    NotHttps(String),
}

/// The manifest JSON for a deployment reachable at `public_url` (https, no trailing slash
/// needed).
pub fn render(public_url: &str) -> Result<String, ManifestError> {
    Ok(TEMPLATE.replace("{{PUBLIC_URL}}", checked(public_url)?))
}

/// The manifest for Socket Mode: `socket_mode_enabled: true` and no request URLs. With a
/// public URL the OAuth redirect stays (for installing into several workspaces).
pub fn render_socket_mode(public_url: Option<&str>) -> Result<String, ManifestError> {
    let base = public_url.map(checked).transpose()?;
    let filled = TEMPLATE.replace("{{PUBLIC_URL}}", base.unwrap_or("https://unused.invalid"));
    let mut manifest: Value = serde_json::from_str(&filled).expect("the template is JSON");
    manifest["settings"]["socket_mode_enabled"] = Value::Bool(true);
    let remove = |v: &mut Value, key: &str| {
        if let Some(o) = v.as_object_mut() {
            o.remove(key);
        }
    };
    remove(
        &mut manifest["settings"]["event_subscriptions"],
        "request_url",
    );
    remove(&mut manifest["settings"]["interactivity"], "request_url");
    if let Some(commands) = manifest["features"]["slash_commands"].as_array_mut() {
        for c in commands {
            remove(c, "url");
        }
    }
    if base.is_none() {
        remove(&mut manifest["oauth_config"], "redirect_urls");
    }
    Ok(serde_json::to_string_pretty(&manifest).expect("JSON renders"))
}

/// An https URL Slack can reach, without its trailing slash.
fn checked(public_url: &str) -> Result<&str, ManifestError> {
    let parsed =
        url::Url::parse(public_url).map_err(|_| ManifestError::NotHttps(public_url.to_string()))?;
    if parsed.scheme() != "https" || parsed.host_str().is_none() {
        return Err(ManifestError::NotHttps(public_url.to_string()));
    }
    Ok(public_url.trim_end_matches('/'))
}
