//! pacer's own secret and the keys derived from it.
//!
//! The secret is `PACER_SECRET_KEY` (at least 32 random bytes, hex or base64; required on
//! PostgreSQL), or, on an embedded SQLite file, one generated on first start and kept in a file
//! beside the database (`<database>.key`, mode 0600): never in the database beside the tokens
//! it protects. Separate keys are derived from it with HKDF-SHA256 for each use (encrypting
//! stored platform tokens, signing dashboard links, signing OAuth state), so no key serves two
//! purposes. `PACER_PREVIOUS_SECRET_KEY` keeps tokens readable during a rotation
//! (`pacer keys rotate`).
//!
//! The key file, its creation and its rotation are in `file`.

mod file;

use std::path::PathBuf;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::secret::Secret;
use crate::store::{Store, StoreError};

/// Where an older pacer kept a generated key (moved to the key file on first start).
const LEGACY_SETTING: &str = "secret_key";
/// Tokens sealed by older pacers: one key for everything, SHA-256 of the secret's text.
const LEGACY_PREFIX: &str = "v1:";
/// Tokens sealed with the HKDF-derived token key.
const PREFIX: &str = "v2:";
const TOKEN_KEY_INFO: &str = "pacer token encryption v2";

/// Fewest bytes a secret key has, and fewest different byte values in it.
pub const MIN_KEY_BYTES: usize = 32;
const MIN_DISTINCT_BYTES: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("a stored secret could not be decrypted (was PACER_SECRET_KEY changed?)")]
    Decrypt,
    #[error("the key file {path}: {problem}")]
    File { path: String, problem: String },
}

/// A secret key as configured: its bytes, and the text it was given as (older pacers derived
/// their one key from the text).
#[derive(Clone)]
pub struct KeyMaterial {
    bytes: Vec<u8>,
    text: String,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyMaterial(***)")
    }
}

impl KeyMaterial {
    /// A key given as hex or base64 (standard or URL-safe, padded or not) of at least 32
    /// random bytes.
    pub fn parse(text: &str) -> Result<KeyMaterial, String> {
        use base64::Engine;
        let text = text.trim();
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        let decoded = hex::decode(text)
            .ok()
            .or_else(|| engines.iter().find_map(|e| e.decode(text).ok()));
        let Some(bytes) = decoded else {
            return Err("is not hex or base64; generate one with `openssl rand -base64 32`".into());
        };
        let distinct = bytes.iter().collect::<std::collections::HashSet<_>>().len();
        if bytes.len() < MIN_KEY_BYTES || distinct < MIN_DISTINCT_BYTES {
            return Err(format!(
                "must be at least {MIN_KEY_BYTES} random bytes (it is {} bytes); generate one with `openssl rand -base64 32`",
                bytes.len()
            ));
        }
        Ok(KeyMaterial {
            bytes,
            text: text.to_string(),
        })
    }

    /// The key an older pacer was given, as `PACER_PREVIOUS_SECRET_KEY` during a rotation: any
    /// text is accepted there (older pacers took any text), so that what it sealed can be read
    /// once more and re-sealed under a strong key.
    pub fn parse_previous(text: &str) -> KeyMaterial {
        KeyMaterial::parse(text).unwrap_or_else(|_| KeyMaterial {
            bytes: text.trim().as_bytes().to_vec(),
            text: text.trim().to_string(),
        })
    }

    /// A fresh random key.
    pub fn generate() -> KeyMaterial {
        let mut bytes = vec![0u8; MIN_KEY_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let text = hex::encode(&bytes);
        KeyMaterial { bytes, text }
    }

    /// The key as text (hex or as configured), to store or to hand to an operator.
    pub fn expose_text(&self) -> &str {
        &self.text
    }

    fn derive(&self, info: &str) -> [u8; 32] {
        let hk = Hkdf::<Sha256>::new(Some(b"pacer"), &self.bytes);
        let mut out = [0u8; 32];
        hk.expand(info.as_bytes(), &mut out)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        out
    }

    fn legacy_key(&self) -> [u8; 32] {
        Sha256::digest(format!("pacer-key\n{}", self.text).as_bytes()).into()
    }
}

/// Where the secret comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `PACER_SECRET_KEY` (and `PACER_PREVIOUS_SECRET_KEY` while rotating).
    Configured {
        current: KeyMaterial,
        previous: Option<KeyMaterial>,
    },
    /// Generated once and kept in this file beside the SQLite database.
    File(PathBuf),
    /// Generated for this process only (an in-memory database).
    Ephemeral,
}

/// The derived keys in use.
struct Keys {
    current: KeyMaterial,
    /// Keys that may still have sealed stored tokens (a rotation in progress).
    older: Vec<KeyMaterial>,
}

pub struct Keyring {
    source: KeySource,
    store: Store,
    keys: OnceCell<Keys>,
}

impl Keyring {
    pub fn new(source: KeySource, store: Store) -> Self {
        Keyring {
            source,
            store,
            keys: OnceCell::new(),
        }
    }

    async fn keys(&self) -> Result<&Keys, KeyError> {
        self.keys
            .get_or_try_init(|| async {
                match &self.source {
                    KeySource::Configured { current, previous } => Ok(Keys {
                        current: current.clone(),
                        older: previous.iter().cloned().collect(),
                    }),
                    KeySource::Ephemeral => Ok(Keys {
                        current: KeyMaterial::generate(),
                        older: Vec::new(),
                    }),
                    KeySource::File(path) => self.load_file(path).await,
                }
            })
            .await
    }

    /// The MAC key for one purpose: a signature for one use never passes for another.
    async fn mac(&self, purpose: &str, data: &str) -> Result<Hmac<Sha256>, KeyError> {
        let key = self
            .keys()
            .await?
            .current
            .derive(&format!("pacer mac v2: {purpose}"));
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
        mac.update(data.as_bytes());
        Ok(mac)
    }

    /// HMAC-SHA256 of `data` under the purpose's key, hex.
    pub async fn sign(&self, purpose: &str, data: &str) -> Result<String, KeyError> {
        let mac = self.mac(purpose, data).await?;
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// Whether `signature` is `data`'s, compared in constant time.
    pub async fn verify(
        &self,
        purpose: &str,
        data: &str,
        signature: &str,
    ) -> Result<bool, KeyError> {
        let Ok(given) = hex::decode(signature) else {
            return Ok(false);
        };
        let mac = self.mac(purpose, data).await?;
        Ok(mac.verify_slice(&given).is_ok())
    }

    pub async fn encrypt(&self, plaintext: &str) -> Result<String, KeyError> {
        seal(&self.keys().await?.current, plaintext)
    }

    /// A stored token, sealed with the current key, an older one still in rotation, or (from
    /// an older pacer) the legacy key.
    pub async fn decrypt(&self, stored: &str) -> Result<Secret, KeyError> {
        let keys = self.keys().await?;
        std::iter::once(&keys.current)
            .chain(&keys.older)
            .find_map(|k| open(k, stored).ok())
            .ok_or(KeyError::Decrypt)
    }

    /// Re-seal every stored platform token and webhook signing secret with `new`, in one
    /// transaction: secrets this keyring cannot read stop the rotation with nothing changed.
    /// How many were re-sealed.
    pub async fn reseal_all(&self, new: &KeyMaterial) -> Result<usize, KeyError> {
        let tokens = self.reseal(new, self.store.sealed_tokens().await?).await?;
        let hooks = self
            .reseal(new, self.store.sealed_webhook_secrets().await?)
            .await?;
        self.store.replace_sealed_tokens(&tokens, &hooks).await?;
        Ok(tokens.len() + hooks.len())
    }

    /// Each (id, sealed) opened and sealed again with `new`.
    async fn reseal(
        &self,
        new: &KeyMaterial,
        stored: Vec<(i64, String)>,
    ) -> Result<Vec<(i64, String)>, KeyError> {
        let mut resealed = Vec::with_capacity(stored.len());
        for (id, sealed) in stored {
            let plain = self.decrypt(&sealed).await?;
            resealed.push((id, seal(new, plain.expose())?));
        }
        Ok(resealed)
    }
}

fn seal(key: &KeyMaterial, plaintext: &str) -> Result<String, KeyError> {
    let cipher = XChaCha20Poly1305::new((&key.derive(TOKEN_KEY_INFO)).into());
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
        .map_err(|_| KeyError::Decrypt)?;
    Ok(format!(
        "{PREFIX}{}{}",
        hex::encode(nonce),
        hex::encode(sealed)
    ))
}

fn open(key: &KeyMaterial, stored: &str) -> Result<Secret, KeyError> {
    let (cipher_key, body) = if let Some(body) = stored.strip_prefix(PREFIX) {
        (key.derive(TOKEN_KEY_INFO), body)
    } else if let Some(body) = stored.strip_prefix(LEGACY_PREFIX) {
        (key.legacy_key(), body)
    } else {
        return Err(KeyError::Decrypt);
    };
    let bytes = hex::decode(body).map_err(|_| KeyError::Decrypt)?;
    if bytes.len() < 24 + 16 {
        return Err(KeyError::Decrypt);
    }
    let (nonce, sealed) = bytes.split_at(24);
    let cipher = XChaCha20Poly1305::new((&cipher_key).into());
    let plain = cipher
        .decrypt(XNonce::from_slice(nonce), sealed)
        .map_err(|_| KeyError::Decrypt)?;
    String::from_utf8(plain)
        .map(Secret::new)
        .map_err(|_| KeyError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "q0Yk3Jp8i2mX9vR4tL7wZ1cN6bH5gF0dS8aE3uY2oI4=";
    const OTHER: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddccbbaa99887766554433221100";

    async fn store() -> Store {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    fn configured(key: &str) -> KeySource {
        KeySource::Configured {
            current: KeyMaterial::parse(key).unwrap(),
            previous: None,
        }
    }

    #[test]
    fn weak_or_short_keys_are_refused() {
        for weak in [
            "s3cret",
            "change-me-to-a-long-random-string",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "q0Yk3Jp8i2mX9vR4tL7wZ1cN6bH5gF0d",
            "",
        ] {
            assert!(KeyMaterial::parse(weak).is_err(), "{weak}");
        }
        assert!(KeyMaterial::parse(KEY).is_ok());
        assert!(KeyMaterial::parse(OTHER).is_ok());
        assert_eq!(
            format!("{:?}", KeyMaterial::parse(KEY).unwrap()),
            "KeyMaterial(***)"
        );
    }

    #[tokio::test]
    async fn tokens_round_trip_and_tampering_is_caught() {
        let k = Keyring::new(configured(KEY), store().await);
        let sealed = k.encrypt("xoxb-123").await.unwrap();
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("xoxb"));
        assert_eq!(k.decrypt(&sealed).await.unwrap().expose(), "xoxb-123");
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert!(k.decrypt(&tampered).await.is_err());
        assert!(k.decrypt("plain").await.is_err());
        let other = Keyring::new(configured(OTHER), store().await);
        assert!(other.decrypt(&sealed).await.is_err());
    }

    #[tokio::test]
    async fn each_use_has_its_own_key() {
        let k = Keyring::new(configured(KEY), store().await);
        let sig = k.sign("dashboard", "ws=1&exp=9").await.unwrap();
        assert!(k.verify("dashboard", "ws=1&exp=9", &sig).await.unwrap());
        assert!(!k.verify("dashboard", "ws=2&exp=9", &sig).await.unwrap());
        assert!(
            !k.verify("slack-oauth-state", "ws=1&exp=9", &sig)
                .await
                .unwrap()
        );
        assert!(!k.verify("dashboard", "ws=1&exp=9", "zz").await.unwrap());
        let m = KeyMaterial::parse(KEY).unwrap();
        let derived = [
            m.derive(TOKEN_KEY_INFO),
            m.derive("pacer mac v2: dashboard"),
            m.derive("pacer mac v2: slack-oauth-state"),
        ];
        assert!(derived[0] != derived[1] && derived[1] != derived[2] && derived[0] != derived[2]);
        assert!(!derived.iter().any(|d| d[..] == m.bytes[..]));
    }

    #[tokio::test]
    async fn tokens_sealed_by_an_older_pacer_stay_readable() {
        let m = KeyMaterial::parse(KEY).unwrap();
        // As the previous keyring sealed them: one SHA-256-derived key, prefix v1.
        let cipher = XChaCha20Poly1305::new((&m.legacy_key()).into());
        let nonce = [7u8; 24];
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), b"xoxb-old".as_slice())
            .unwrap();
        let legacy = format!(
            "{LEGACY_PREFIX}{}{}",
            hex::encode(nonce),
            hex::encode(sealed)
        );
        let k = Keyring::new(configured(KEY), store().await);
        assert_eq!(k.decrypt(&legacy).await.unwrap().expose(), "xoxb-old");
    }

    #[tokio::test]
    async fn a_generated_key_lives_in_a_private_file_not_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacer.db.key");
        let store = store().await;
        let a = Keyring::new(KeySource::File(path.clone()), store.clone());
        let sealed = a.encrypt("xoxb-1").await.unwrap();
        let b = Keyring::new(KeySource::File(path.clone()), store.clone());
        assert_eq!(b.decrypt(&sealed).await.unwrap().expose(), "xoxb-1");
        assert_eq!(store.setting(LEGACY_SETTING).await.unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn a_key_an_older_pacer_kept_in_the_database_moves_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacer.db.key");
        let store = store().await;
        let old_text = hex::encode([
            9u8, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
            25, 26, 27, 28, 29, 30, 31, 32,
        ]);
        store
            .setting_or_insert(LEGACY_SETTING, &old_text)
            .await
            .unwrap();
        let old = KeyMaterial {
            bytes: hex::decode(&old_text).unwrap(),
            text: old_text.clone(),
        };
        let cipher = XChaCha20Poly1305::new((&old.legacy_key()).into());
        let sealed = cipher
            .encrypt(XNonce::from_slice(&[1u8; 24]), b"xoxb-kept".as_slice())
            .unwrap();
        let legacy = format!(
            "{LEGACY_PREFIX}{}{}",
            hex::encode([1u8; 24]),
            hex::encode(sealed)
        );
        let k = Keyring::new(KeySource::File(path.clone()), store.clone());
        assert_eq!(k.decrypt(&legacy).await.unwrap().expose(), "xoxb-kept");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), old_text);
        assert_eq!(store.setting(LEGACY_SETTING).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_weak_key_an_older_pacer_took_can_be_rotated_away() {
        let weak = KeyMaterial::parse_previous("change-me");
        let cipher = XChaCha20Poly1305::new((&weak.legacy_key()).into());
        let sealed = cipher
            .encrypt(XNonce::from_slice(&[3u8; 24]), b"xoxb-weak".as_slice())
            .unwrap();
        let legacy = format!(
            "{LEGACY_PREFIX}{}{}",
            hex::encode([3u8; 24]),
            hex::encode(sealed)
        );
        let rotating = Keyring::new(
            KeySource::Configured {
                current: KeyMaterial::parse(KEY).unwrap(),
                previous: Some(weak),
            },
            store().await,
        );
        assert_eq!(
            rotating.decrypt(&legacy).await.unwrap().expose(),
            "xoxb-weak"
        );
    }

    #[tokio::test]
    async fn the_previous_key_reads_what_it_sealed_during_a_rotation() {
        let store = store().await;
        let old = Keyring::new(configured(OTHER), store.clone());
        let sealed = old.encrypt("xoxb-2").await.unwrap();
        let rotating = Keyring::new(
            KeySource::Configured {
                current: KeyMaterial::parse(KEY).unwrap(),
                previous: Some(KeyMaterial::parse(OTHER).unwrap()),
            },
            store,
        );
        assert_eq!(rotating.decrypt(&sealed).await.unwrap().expose(), "xoxb-2");
    }
}
