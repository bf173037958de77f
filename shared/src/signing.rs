//! Standard Webhooks signatures: `v1,` plus base64 of HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}`, keyed by the base64 part of a `whsec_` secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";
/// Receivers should refuse timestamps further than this from their clock.
pub const DEFAULT_TOLERANCE_SECS: i64 = 5 * 60;

/// Why a secret or signature could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error("secret must start with `whsec_` followed by base64")]
    BadSecret,
    #[error("no signature matches")]
    NoMatch,
    #[error("timestamp is outside the tolerance window")]
    StaleTimestamp,
}

/// The HMAC key inside a `whsec_` secret.
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, SigningError> {
    let b64 = secret
        .strip_prefix(SECRET_PREFIX)
        .ok_or(SigningError::BadSecret)?;
    match STANDARD.decode(b64) {
        Ok(key) if key.len() >= 16 => Ok(key),
        _ => Err(SigningError::BadSecret),
    }
}

/// A new `whsec_` secret from 32 random bytes the caller supplies.
pub fn encode_secret(random: &[u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(random))
}

fn mac(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// One `v1,<base64>` signature.
pub fn sign(
    secret: &str,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SigningError> {
    let key = decode_secret(secret)?;
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac(&key, msg_id, timestamp, body).finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret, space-separated, so a
/// receiver holding either the old or the new secret verifies during rotation.
pub fn signature_header(
    secrets: &[String],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SigningError> {
    let sigs = secrets
        .iter()
        .map(|s| sign(s, msg_id, timestamp, body))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(sigs.join(" "))
}

/// Verifies a `webhook-signature` header the way a receiver does (constant-time compare).
pub fn verify(
    secret: &str,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), SigningError> {
    if (now_secs - timestamp).abs() > tolerance_secs {
        return Err(SigningError::StaleTimestamp);
    }
    let key = decode_secret(secret)?;
    for sig in header.split_whitespace() {
        if let Some(b64) = sig.strip_prefix("v1,")
            && let Ok(bytes) = STANDARD.decode(b64)
            && mac(&key, msg_id, timestamp, body)
                .verify_slice(&bytes)
                .is_ok()
        {
            return Ok(());
        }
    }
    Err(SigningError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example published with the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &str = r#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn matches_the_spec_vector() {
        assert_eq!(sign(SECRET, MSG_ID, TS, BODY.as_bytes()).unwrap(), SIG);
        assert_eq!(
            verify(
                SECRET,
                MSG_ID,
                TS,
                BODY.as_bytes(),
                SIG,
                TS + 10,
                DEFAULT_TOLERANCE_SECS
            ),
            Ok(())
        );
    }

    #[test]
    fn rejects_tampering_and_stale_timestamps() {
        let body = BODY.as_bytes();
        assert_eq!(
            verify(SECRET, MSG_ID, TS, b"{}", SIG, TS, 300),
            Err(SigningError::NoMatch)
        );
        assert_eq!(
            verify(SECRET, "msg_other", TS, body, SIG, TS, 300),
            Err(SigningError::NoMatch)
        );
        assert_eq!(
            verify(SECRET, MSG_ID, TS, body, SIG, TS + 301, 300),
            Err(SigningError::StaleTimestamp)
        );
        assert_eq!(
            verify(SECRET, MSG_ID, TS, body, "v1,AAAA", TS, 300),
            Err(SigningError::NoMatch)
        );
    }

    #[test]
    fn rotation_signs_with_every_secret() {
        let new = encode_secret(&[7; 32]);
        let header = signature_header(
            &[SECRET.to_owned(), new.clone()],
            MSG_ID,
            TS,
            BODY.as_bytes(),
        )
        .unwrap();
        assert!(header.starts_with(SIG));
        assert_eq!(
            verify(&new, MSG_ID, TS, BODY.as_bytes(), &header, TS, 300),
            Ok(())
        );
    }

    #[test]
    fn bad_secrets() {
        assert_eq!(
            decode_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SigningError::BadSecret)
        );
        assert_eq!(decode_secret("whsec_!!!"), Err(SigningError::BadSecret));
        assert_eq!(decode_secret("whsec_AAAA"), Err(SigningError::BadSecret));
    }
}
