//! pacer's own secret: `PACER_SECRET_KEY`, or one generated on first start and kept in the
//! database (so every replica shares it). It signs links and OAuth state (HMAC-SHA256) and
//! encrypts the platform tokens pacer stores (XChaCha20-Poly1305).

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::config::Secret;
use crate::store::{Store, StoreError};

const SETTING: &str = "secret_key";
const ENCRYPTED_PREFIX: &str = "v1:";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("a stored secret could not be decrypted (was PACER_SECRET_KEY changed?)")]
    Decrypt,
}

pub struct Keyring {
    configured: Option<Secret>,
    store: Store,
    key: OnceCell<[u8; 32]>,
}

impl Keyring {
    pub fn new(configured: Option<Secret>, store: Store) -> Self {
        Keyring {
            configured,
            store,
            key: OnceCell::new(),
        }
    }

    /// The 32-byte key: derived from PACER_SECRET_KEY, or generated once per database.
    async fn key(&self) -> Result<&[u8; 32], KeyError> {
        self.key
            .get_or_try_init(|| async {
                let material = match &self.configured {
                    Some(s) => s.expose().to_string(),
                    None => {
                        let mut fresh = [0u8; 32];
                        rand::rng().fill_bytes(&mut fresh);
                        // Whoever inserts first wins; every replica then reads the same key.
                        self.store
                            .setting_or_insert(SETTING, &hex::encode(fresh))
                            .await?
                    }
                };
                let digest = Sha256::digest(format!("pacer-key\n{material}").as_bytes());
                Ok(digest.into())
            })
            .await
    }

    /// The MAC of `data` for one purpose, so a signature for one use never passes for another.
    async fn mac(&self, purpose: &str, data: &str) -> Result<Hmac<Sha256>, KeyError> {
        let key = self.key().await?;
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(data.as_bytes());
        Ok(mac)
    }

    /// HMAC-SHA256 of `data` under the key, hex.
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
        let cipher = XChaCha20Poly1305::new(self.key().await?.into());
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| KeyError::Decrypt)?;
        Ok(format!(
            "{ENCRYPTED_PREFIX}{}{}",
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    pub async fn decrypt(&self, stored: &str) -> Result<Secret, KeyError> {
        let body = stored
            .strip_prefix(ENCRYPTED_PREFIX)
            .ok_or(KeyError::Decrypt)?;
        let bytes = hex::decode(body).map_err(|_| KeyError::Decrypt)?;
        if bytes.len() < 24 + 16 {
            return Err(KeyError::Decrypt);
        }
        let (nonce, sealed) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new(self.key().await?.into());
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| KeyError::Decrypt)?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| KeyError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn keyring(configured: Option<&str>) -> Keyring {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        Keyring::new(configured.map(Secret::new), store)
    }

    #[tokio::test]
    async fn tokens_round_trip_and_tampering_is_caught() {
        let k = keyring(None).await;
        let sealed = k.encrypt("xoxb-123").await.unwrap();
        assert!(!sealed.contains("xoxb"));
        assert_eq!(k.decrypt(&sealed).await.unwrap().expose(), "xoxb-123");
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert!(k.decrypt(&tampered).await.is_err());
        assert!(k.decrypt("plain").await.is_err());
        // Another key cannot read it.
        let other = keyring(Some("another secret")).await;
        assert!(other.decrypt(&sealed).await.is_err());
    }

    #[tokio::test]
    async fn signatures_verify_only_for_their_purpose_and_data() {
        let k = keyring(Some("s3cret")).await;
        let sig = k.sign("dashboard", "ws=1&exp=9").await.unwrap();
        assert!(k.verify("dashboard", "ws=1&exp=9", &sig).await.unwrap());
        assert!(!k.verify("dashboard", "ws=2&exp=9", &sig).await.unwrap());
        assert!(!k.verify("oauth", "ws=1&exp=9", &sig).await.unwrap());
        assert!(!k.verify("dashboard", "ws=1&exp=9", "zz").await.unwrap());
    }

    #[tokio::test]
    async fn a_generated_key_is_kept_in_the_database() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        let a = Keyring::new(None, store.clone());
        let b = Keyring::new(None, store);
        let sig = a.sign("x", "y").await.unwrap();
        assert!(b.verify("x", "y", &sig).await.unwrap());
    }
}
