//! `pacer manifest teams --public-url …`: the Teams app manifest with this deployment's URLs and
//! bot id, and the app package (manifest.json plus both icons, zipped) to upload to Teams.

use std::io::Write;

const TEMPLATE: &str = include_str!("../../manifests/teams/manifest.json");
const COLOR_ICON: &[u8] = include_bytes!("../../manifests/teams/color.png");
const OUTLINE_ICON: &[u8] = include_bytes!("../../manifests/teams/outline.png");

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("--public-url must be an https:// URL that Teams can reach (got `{0}`)")]
    NotHttps(String),
    #[error(
        "the bot's Microsoft App ID is needed: set TEAMS_APP_ID or pass --app-id (a GUID like 6b1f0c7e-3a52-4d6f-9a0e-2c8d4b7e91a3)"
    )]
    NoAppId,
    #[error("`{0}` is not a Microsoft App ID (a GUID like 6b1f0c7e-3a52-4d6f-9a0e-2c8d4b7e91a3)")]
    BadAppId(String),
    #[error("could not write the app package: {0}")]
    Package(String),
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The manifest JSON for a deployment at `public_url` with the bot registered as `app_id`.
pub fn render(public_url: &str, app_id: Option<&str>) -> Result<String, ManifestError> {
    let parsed =
        url::Url::parse(public_url).map_err(|_| ManifestError::NotHttps(public_url.to_string()))?;
    let host = match (parsed.scheme(), parsed.host_str()) {
        ("https", Some(h)) => h.to_string(),
        _ => return Err(ManifestError::NotHttps(public_url.to_string())),
    };
    let app_id = app_id
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or(ManifestError::NoAppId)?;
    if !is_guid(app_id) {
        return Err(ManifestError::BadAppId(app_id.to_string()));
    }
    Ok(TEMPLATE
        .replace("{{PUBLIC_URL}}", parsed.as_str().trim_end_matches('/'))
        .replace("{{PUBLIC_HOST}}", &host)
        .replace("{{APP_ID}}", &app_id.to_ascii_lowercase()))
}

/// The app package: a zip with `manifest.json`, `color.png` (192×192) and `outline.png`
/// (32×32) at its root, as Teams expects.
pub fn package(manifest: &str) -> Result<Vec<u8>, ManifestError> {
    let err = |e: zip::result::ZipError| ManifestError::Package(e.to_string());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in [
        ("manifest.json", manifest.as_bytes()),
        ("color.png", COLOR_ICON),
        ("outline.png", OUTLINE_ICON),
    ] {
        zip.start_file(name, options).map_err(err)?;
        zip.write_all(bytes)
            .map_err(|e| ManifestError::Package(e.to_string()))?;
    }
    Ok(zip.finish().map_err(err)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "6B1F0C7E-3A52-4D6F-9A0E-2C8D4B7E91A3";

    #[test]
    fn fills_urls_host_and_bot_id() {
        let json = render("https://pacer.example.com/", Some(APP)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["id"], APP.to_ascii_lowercase());
        assert_eq!(v["bots"][0]["botId"], APP.to_ascii_lowercase());
        assert_eq!(v["validDomains"][0], "pacer.example.com");
        assert_eq!(
            v["developer"]["privacyUrl"],
            "https://pacer.example.com/privacy"
        );
        assert!(!json.contains("{{"));
        let commands = v["bots"][0]["commandLists"][0]["commands"]
            .as_array()
            .unwrap();
        assert!(commands.len() <= 10);
        for c in commands {
            assert!(c["title"].as_str().unwrap().len() <= 32);
            assert!(c["description"].as_str().unwrap().len() <= 128);
        }
        assert!(v["description"]["short"].as_str().unwrap().len() <= 80);
    }

    #[test]
    fn refuses_what_teams_would() {
        assert!(matches!(
            render("http://x.io", Some(APP)),
            Err(ManifestError::NotHttps(_))
        ));
        assert_eq!(render("https://x.io", None), Err(ManifestError::NoAppId));
        assert!(matches!(
            render("https://x.io", Some("pacer")),
            Err(ManifestError::BadAppId(_))
        ));
    }

    #[test]
    fn icons_have_the_sizes_teams_requires() {
        let size = |png: &[u8]| {
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
            let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
            (w, h)
        };
        assert_eq!(size(COLOR_ICON), (192, 192));
        assert_eq!(size(OUTLINE_ICON), (32, 32));
    }
}
