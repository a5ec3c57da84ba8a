//! The key file beside an embedded SQLite database: found from the database's URL, created
//! with a fresh key on first start (or with the key an older pacer kept in the database), and
//! replaced by `pacer keys rotate` through a `.next` file, so that an interrupted rotation
//! loses nothing.

use std::path::{Path, PathBuf};

use super::{KeyError, KeyMaterial, KeySource, Keyring, Keys, LEGACY_SETTING};

impl KeySource {
    /// The file beside a SQLite database: `sqlite://data/pacer.db` → `data/pacer.db.key`.
    pub fn file_beside(database_url: &str) -> Option<PathBuf> {
        let path = database_url
            .strip_prefix("sqlite://")
            .or_else(|| database_url.strip_prefix("sqlite:"))?;
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() || path.contains(":memory:") {
            return None;
        }
        Some(PathBuf::from(format!("{path}.key")))
    }
}

impl Keyring {
    /// The key file's key, created on first start (taking over a key an older pacer kept in
    /// the database, so that its tokens stay readable). A `.next` file left by an interrupted
    /// rotation is read too.
    pub(super) async fn load_file(&self, path: &Path) -> Result<Keys, KeyError> {
        let file_error = |problem: String| KeyError::File {
            path: path.display().to_string(),
            problem,
        };
        let current = match std::fs::read_to_string(path) {
            Ok(text) => KeyMaterial::parse(&text).map_err(file_error)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let legacy = self.store.setting(LEGACY_SETTING).await?;
                let key = match &legacy {
                    Some(text) => KeyMaterial {
                        bytes: hex::decode(text).unwrap_or_else(|_| text.as_bytes().to_vec()),
                        text: text.clone(),
                    },
                    None => KeyMaterial::generate(),
                };
                write_key_file(path, key.expose_text()).map_err(file_error)?;
                if legacy.is_some() {
                    self.store.delete_setting(LEGACY_SETTING).await?;
                    tracing::info!(file = %path.display(), "moved the generated secret key out of the database into its key file");
                }
                key
            }
            Err(e) => return Err(file_error(e.to_string())),
        };
        let next = next_path(path);
        let older = match std::fs::read_to_string(&next) {
            Ok(text) => {
                tracing::warn!(file = %next.display(), "a key rotation was interrupted; run `pacer keys rotate` again");
                KeyMaterial::parse(&text).into_iter().collect()
            }
            Err(_) => Vec::new(),
        };
        Ok(Keys { current, older })
    }

    /// `pacer keys rotate` for a key file: write the new key beside it as `.next`, re-seal the
    /// tokens, then make it the key. Returns how many tokens were re-sealed.
    pub async fn rotate_file(&self, path: &Path) -> Result<usize, KeyError> {
        let file_error = |problem: String| KeyError::File {
            path: path.display().to_string(),
            problem,
        };
        self.keys().await?;
        let next = next_path(path);
        // A `.next` left by an interrupted rotation may already seal some tokens: finish with
        // it rather than replace it.
        let new = match std::fs::read_to_string(&next) {
            Ok(text) => KeyMaterial::parse(&text).map_err(file_error)?,
            Err(_) => {
                let new = KeyMaterial::generate();
                write_key_file(&next, new.expose_text()).map_err(file_error)?;
                new
            }
        };
        let n = self.reseal_all(&new).await?;
        std::fs::rename(&next, path).map_err(|e| file_error(e.to_string()))?;
        Ok(n)
    }
}

fn next_path(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.next", path.display()))
}

/// Create the key file readable by its owner only; never overwrite one.
fn write_key_file(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| e.to_string())?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| e.to_string())
}
