//! Slack's request signing (v0): HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the
//! signing secret, compared in constant time, within five minutes of our clock.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Slack's window: "more than five minutes from local time … could be a replay attack".
pub const MAX_SKEW_SECS: i64 = 60 * 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing X-Slack-Request-Timestamp or X-Slack-Signature header")]
    MissingHeaders,
    #[error("the timestamp is not a number")]
    BadTimestamp,
    #[error("the timestamp is more than five minutes from now")]
    Stale,
    #[error("the signature does not match")]
    Mismatch,
}

/// Check a request as Slack signs it. `now` is Unix seconds from the injected clock.
pub fn verify(
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let (Some(ts), Some(sig)) = (
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
    ) else {
        return Err(SignatureError::MissingHeaders);
    };
    verify_parts(secret, ts, sig, body, now)
}

pub fn verify_parts(
    secret: &str,
    ts: &str,
    signature: &str,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let ts_num: i64 = ts.parse().map_err(|_| SignatureError::BadTimestamp)?;
    // Checked: a timestamp near i64::MIN or MAX must not overflow the age.
    let fresh = now
        .checked_sub(ts_num)
        .and_then(i64::checked_abs)
        .is_some_and(|age| age <= MAX_SKEW_SECS);
    if !fresh {
        return Err(SignatureError::Stale);
    }
    let expected = sign(secret, ts, body);
    if expected.as_bytes().ct_eq(signature.as_bytes()).into() {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// `v0=<hex>` for a timestamp and body; what Slack puts in X-Slack-Signature.
pub fn sign(secret: &str, ts: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(b"v0:");
    mac.update(ts.as_bytes());
    mac.update(b":");
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slack's published example (docs.slack.dev/authentication/verifying-requests-from-slack).
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const EXPECTED: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn absurd_timestamps_are_stale_not_a_panic() {
        for ts in ["-9223372036854775808", "9223372036854775807", "-1", "0"] {
            let sig = sign(SECRET, ts, BODY.as_bytes());
            assert_eq!(
                verify_parts(SECRET, ts, &sig, BODY.as_bytes(), 1531420618),
                Err(SignatureError::Stale),
                "{ts}"
            );
        }
        let sig = sign(SECRET, TS, BODY.as_bytes());
        assert_eq!(
            verify_parts(SECRET, TS, &sig, BODY.as_bytes(), i64::MIN),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn slack_published_example_verifies_at_its_own_time() {
        assert_eq!(sign(SECRET, TS, BODY.as_bytes()), EXPECTED);
        assert_eq!(
            verify_parts(SECRET, TS, EXPECTED, BODY.as_bytes(), 1531420618),
            Ok(())
        );
        assert_eq!(
            verify_parts(SECRET, TS, EXPECTED, BODY.as_bytes(), 1531420618 + 300),
            Ok(())
        );
    }

    #[test]
    fn the_window_is_five_minutes_either_way() {
        let body = BODY.as_bytes();
        assert_eq!(
            verify_parts(SECRET, TS, EXPECTED, body, 1531420618 + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify_parts(SECRET, TS, EXPECTED, body, 1531420618 - 301),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let now = 1531420618;
        let tampered = BODY.replace("roadrunner", "coyote");
        assert_eq!(
            verify_parts(SECRET, TS, EXPECTED, tampered.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_parts("another-secret", TS, EXPECTED, BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_parts(SECRET, TS, "v0=", BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_parts(SECRET, "abc", EXPECTED, BODY.as_bytes(), now),
            Err(SignatureError::BadTimestamp)
        );
    }

    #[test]
    fn headers_are_required_and_case_insensitive() {
        let mut h = HeaderMap::new();
        assert_eq!(
            verify(SECRET, &h, BODY.as_bytes(), 1531420618),
            Err(SignatureError::MissingHeaders)
        );
        h.insert("X-Slack-Request-Timestamp", TS.parse().unwrap());
        h.insert("x-slack-signature", EXPECTED.parse().unwrap());
        assert_eq!(verify(SECRET, &h, BODY.as_bytes(), 1531420618), Ok(()));
    }
}
