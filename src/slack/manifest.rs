//! `pacer manifest slack --public-url …`: the app manifest with this deployment's URLs.

const TEMPLATE: &str = include_str!("../../manifests/slack/manifest.json");

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("--public-url must be an https:// URL that Slack can reach (got `{0}`)")]
    NotHttps(String),
}

/// The manifest JSON for a deployment reachable at `public_url` (https, no trailing slash
/// needed).
pub fn render(public_url: &str) -> Result<String, ManifestError> {
    let parsed =
        url::Url::parse(public_url).map_err(|_| ManifestError::NotHttps(public_url.to_string()))?;
    if parsed.scheme() != "https" || parsed.host_str().is_none() {
        return Err(ManifestError::NotHttps(public_url.to_string()));
    }
    let base = public_url.trim_end_matches('/');
    Ok(TEMPLATE.replace("{{PUBLIC_URL}}", base))
}
