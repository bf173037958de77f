//! Keys and tokens: bearer parsing, admin key hashing with a pepper, constant-time checks,
//! and the signed render token the form carries from `GET form` to `POST inquiries`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &str, msg: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("hmac takes keys of any length"),
    };
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().into()
}

/// What is stored for an admin key: hex HMAC-SHA256(pepper, key). A leaked database does not
/// reveal keys, and without the pepper it cannot be brute-forced offline.
pub fn hash_admin_key(pepper: &str, key: &str) -> String {
    crate::ids::hex(&hmac(pepper, key))
}

/// Checks a presented key against a stored hash in time independent of where they differ.
pub fn admin_key_matches(pepper: &str, presented: &str, stored_hash: &str) -> bool {
    constant_time_eq(
        hash_admin_key(pepper, presented).as_bytes(),
        stored_hash.as_bytes(),
    )
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer <token>` header value.
pub fn bearer_token(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Hex SHA-256 of the lowercased address: the key that links a submitter's inquiries.
pub fn email_hash(email: &str) -> String {
    crate::ids::hex(&Sha256::digest(email.to_lowercase().as_bytes()))
}

/// A render token: `<site>.<issued_ms>.<base64url HMAC(secret, "<site>.<issued_ms>")>`.
pub fn issue_render_token(secret: &str, site: &str, issued_ms: i64) -> String {
    let claim = format!("{site}.{issued_ms}");
    let sig = URL_SAFE_NO_PAD.encode(hmac(secret, &claim));
    format!("{claim}.{sig}")
}

/// The issue time of a render token that is genuine and was issued for `site`.
pub fn verify_render_token(secret: &str, site: &str, token: &str) -> Option<i64> {
    let (claim, sig) = token.rsplit_once('.')?;
    let (token_site, issued) = claim.rsplit_once('.')?;
    if token_site != site {
        return None;
    }
    let expected = URL_SAFE_NO_PAD.encode(hmac(secret, claim));
    if !constant_time_eq(expected.as_bytes(), sig.as_bytes()) {
        return None;
    }
    issued.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_keys_are_checked_against_their_peppered_hash() {
        let h = hash_admin_key("pepper", "sbk_abc");
        assert_eq!(h.len(), 64);
        assert_ne!(h, hash_admin_key("other pepper", "sbk_abc"));
        assert!(admin_key_matches("pepper", "sbk_abc", &h));
        assert!(!admin_key_matches("pepper", "sbk_abd", &h));
        assert!(!admin_key_matches("pepper", "sbk_abc", "short"));
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(bearer_token(Some("Bearer sbk_1")), Some("sbk_1"));
        assert_eq!(bearer_token(Some("bearer   sbk_1 ")), Some("sbk_1"));
        assert_eq!(bearer_token(Some("Basic abc")), None);
        assert_eq!(bearer_token(Some("Bearer ")), None);
        assert_eq!(bearer_token(None), None);
    }

    #[test]
    fn render_tokens_round_trip_and_resist_tampering() {
        let t = issue_render_token("s3cret", "demo", 1_700_000_000_000);
        assert!(t.starts_with("demo.1700000000000."));
        assert_eq!(
            verify_render_token("s3cret", "demo", &t),
            Some(1_700_000_000_000)
        );
        assert_eq!(verify_render_token("s3cret", "other", &t), None);
        assert_eq!(verify_render_token("wrong", "demo", &t), None);
        let forged = t.replace("1700000000000", "1800000000000");
        assert_eq!(verify_render_token("s3cret", "demo", &forged), None);
        assert_eq!(verify_render_token("s3cret", "demo", "garbage"), None);
    }

    #[test]
    fn email_hash_ignores_case() {
        assert_eq!(email_hash("Ada@Example.com"), email_hash("ada@example.com"));
    }
}
