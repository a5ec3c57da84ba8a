//! The read API's bearer tokens: 256 random bits, written `pacer_<base64url>`, of which only the
//! SHA-256 is kept. A fast hash is enough for secrets that cannot be guessed, and lets a
//! request be matched by one indexed lookup.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "pacer_";
/// How much of a token `token list` shows: the prefix and four characters.
const HINT_LEN: usize = PREFIX.len() + 4;

/// A fresh token as it is shown once to the admin who made it.
pub fn mint() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored and looked up: the hex SHA-256 of the token as presented.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The start of a token, enough to tell tokens apart in a list, useless to an attacker.
pub fn hint(token: &str) -> String {
    token.chars().take(HINT_LEN).collect()
}

/// Whether presented text could be one of our tokens at all (cheap to refuse before a lookup).
pub fn well_formed(token: &str) -> bool {
    token.len() == PREFIX.len() + 43
        && token.starts_with(PREFIX)
        && token[PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_well_formed_and_hashed() {
        let (a, b) = (mint(), mint());
        assert_ne!(a, b);
        assert!(well_formed(&a) && well_formed(&b), "{a}");
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a), hash(&a.clone()));
        assert_eq!(hint(&a).len(), 10);
        assert!(a.starts_with(&hint(&a)));
        assert!(!well_formed("pacer_short"));
        assert!(!well_formed(&format!("xacer_{}", &a[6..])));
        assert!(!well_formed(&format!("{}!", &a[..a.len() - 1])));
    }
}
