//! Identifiers made from secure random bytes: inquiry ids, visitor-facing reference numbers
//! and admin keys. The bytes come from the platform; the formatting here is plain and tested.

/// Letters and digits a person can read aloud and type back without confusion: no 0/O, 1/I.
/// Exactly 32 symbols, so each takes 5 bits and none is more likely than another.
const REFERENCE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Random bytes a reference number needs (8 symbols of 5 bits).
pub const REFERENCE_BYTES: usize = 5;
/// Random bytes of an inquiry id (128 bits).
pub const INQUIRY_ID_BYTES: usize = 16;
/// Random bytes of an admin key (256 bits).
pub const ADMIN_KEY_BYTES: usize = 32;
/// Prefix that makes an admin key recognizable in config files and secret scanners.
pub const ADMIN_KEY_PREFIX: &str = "sbk_";

/// A reference number like `SB-7KQ2-M9XD`, from 5 random bytes.
pub fn reference_from_bytes(bytes: [u8; REFERENCE_BYTES]) -> String {
    let mut bits: u64 = 0;
    for b in bytes {
        bits = (bits << 8) | u64::from(b);
    }
    let symbol = |i: u32| REFERENCE_ALPHABET[((bits >> (35 - 5 * i)) & 0x1f) as usize] as char;
    let mut out = String::with_capacity(12);
    out.push_str("SB-");
    (0..4).for_each(|i| out.push(symbol(i)));
    out.push('-');
    (4..8).for_each(|i| out.push(symbol(i)));
    out
}

/// True for strings shaped like a reference number (used to reject junk before a query).
pub fn looks_like_reference(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && s.starts_with("SB-")
        && b[7] == b'-'
        && b[3..7]
            .iter()
            .chain(&b[8..12])
            .all(|c| REFERENCE_ALPHABET.contains(c))
}

/// An inquiry id: 32 lowercase hex digits. Webhook ids are `msg_` followed by it.
pub fn inquiry_id_from_bytes(bytes: [u8; INQUIRY_ID_BYTES]) -> String {
    hex(&bytes)
}

/// True for strings shaped like an inquiry id (32 lowercase hex digits).
pub fn looks_like_inquiry_id(s: &str) -> bool {
    s.len() == INQUIRY_ID_BYTES * 2 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// An admin key: `sbk_` followed by 64 hex digits.
pub fn admin_key_from_bytes(bytes: [u8; ADMIN_KEY_BYTES]) -> String {
    format!("{ADMIN_KEY_PREFIX}{}", hex(&bytes))
}

/// The Standard Webhooks message id of an inquiry: stable across every retry.
pub fn webhook_id(inquiry_id: &str) -> String {
    format!("msg_{inquiry_id}")
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

/// Site ids appear in URLs and config: lowercase letters, digits and dashes, 1 to 64 long.
pub fn valid_site_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('-')
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_use_every_bit_and_only_the_alphabet() {
        assert_eq!(reference_from_bytes([0; 5]), "SB-2222-2222");
        assert_eq!(reference_from_bytes([0xff; 5]), "SB-ZZZZ-ZZZZ");
        // 0b00001_00010_00011_00100_00101_00110_00111_01000
        assert_eq!(
            reference_from_bytes([0x08, 0x86, 0x42, 0x98, 0xe8]),
            "SB-3456-789A"
        );
        for seed in 0..=255u8 {
            let r = reference_from_bytes([seed, seed.wrapping_mul(7), 3, seed ^ 0x5a, 255 - seed]);
            assert!(looks_like_reference(&r), "{r}");
            assert!(!r[3..].contains(['0', 'O', '1', 'I']), "{r}");
        }
        assert!(!looks_like_reference("SB-0000-0000"));
        assert!(!looks_like_reference("SB-2222-22222"));
    }

    #[test]
    fn ids_and_keys() {
        assert_eq!(inquiry_id_from_bytes([0xab; 16]), "ab".repeat(16));
        assert!(looks_like_inquiry_id(&inquiry_id_from_bytes([0x5c; 16])));
        for bad in [
            "",
            "AB".repeat(16).as_str(),
            &"a".repeat(31),
            &"g".repeat(32),
        ] {
            assert!(!looks_like_inquiry_id(bad), "{bad}");
        }
        let key = admin_key_from_bytes([1; 32]);
        assert!(key.starts_with("sbk_"));
        assert_eq!(key.len(), 4 + 64);
        assert_eq!(webhook_id("00ff"), "msg_00ff");
    }

    #[test]
    fn site_ids() {
        assert!(valid_site_id("demo"));
        assert!(valid_site_id("acme-2"));
        for bad in ["", "Demo", "a/b", "-x", "a_b", &"a".repeat(65)] {
            assert!(!valid_site_id(bad), "{bad}");
        }
    }
}
