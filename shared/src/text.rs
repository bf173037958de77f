//! Normalization of typed text: Unicode NFC, trimming, forbidden characters, and length
//! counted the way a person counts (grapheme clusters).
//!
//! The Unicode tables behind NFC, grapheme segmentation and lowercasing weigh about 80 KB
//! gzip in WebAssembly, paid by every visitor. So the three operations go through
//! [`UnicodeOps`]: natively (the edge, the CLI, tests) the `unicode-tables` feature backs
//! them with the `unicode-normalization` and `unicode-segmentation` crates; the widget
//! installs the browser's own implementations of the same Unicode algorithms
//! (`String.prototype.normalize`, `Intl.Segmenter`, `toLowerCase`). A shared corpus of
//! tricky inputs is checked on both sides by the integration tests.

use std::sync::OnceLock;

/// The Unicode algorithms whose tables are too heavy to ship to browsers.
pub trait UnicodeOps: Sync + Send {
    /// Unicode Normalization Form C.
    fn nfc(&self, s: &str) -> String;
    /// Number of extended grapheme clusters (UAX #29).
    fn grapheme_count(&self, s: &str) -> usize;
    /// Full Unicode lowercase mapping.
    fn lowercase(&self, s: &str) -> String;
}

/// The Rust crates' tables: the reference implementation.
#[cfg(feature = "unicode-tables")]
pub struct Tables;

#[cfg(feature = "unicode-tables")]
impl UnicodeOps for Tables {
    fn nfc(&self, s: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        s.nfc().collect()
    }

    fn grapheme_count(&self, s: &str) -> usize {
        use unicode_segmentation::UnicodeSegmentation;
        s.graphemes(true).count()
    }

    fn lowercase(&self, s: &str) -> String {
        s.to_lowercase()
    }
}

/// Without tables and before a backend is installed: exact for ASCII, which needs no tables.
#[cfg(not(feature = "unicode-tables"))]
struct AsciiOnly;

#[cfg(not(feature = "unicode-tables"))]
impl UnicodeOps for AsciiOnly {
    fn nfc(&self, s: &str) -> String {
        s.to_owned()
    }

    fn grapheme_count(&self, s: &str) -> usize {
        s.chars().count()
    }

    fn lowercase(&self, s: &str) -> String {
        s.to_ascii_lowercase()
    }
}

static BACKEND: OnceLock<&'static dyn UnicodeOps> = OnceLock::new();

/// Installs the Unicode backend (the widget calls this once, before any parsing).
/// Returns false when one was already installed.
pub fn install_unicode_ops(ops: &'static dyn UnicodeOps) -> bool {
    BACKEND.set(ops).is_ok()
}

/// The installed backend, or the default of this build.
pub fn unicode() -> &'static dyn UnicodeOps {
    if let Some(ops) = BACKEND.get() {
        return *ops;
    }
    #[cfg(feature = "unicode-tables")]
    return &Tables;
    #[cfg(not(feature = "unicode-tables"))]
    return &AsciiOnly;
}

/// Why a piece of text was refused before any field-specific rule ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    ForbiddenCharacter,
}

/// Whether newlines and tabs survive: only in long text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

/// Bidirectional embeddings, overrides and isolates: they can make text read differently
/// from what it is (Trojan Source), so no field accepts them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_forbidden(c: char, lines: Lines) -> bool {
    match c {
        '\n' | '\t' => lines == Lines::Single,
        // C0, DEL and C1 control characters.
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => true,
        c => is_bidi_control(c),
    }
}

/// NFC-normalizes, unifies line endings, trims, and refuses forbidden characters.
/// Idempotent: normalizing the result again gives the same string.
pub fn normalize(raw: &str, lines: Lines) -> Result<String, TextError> {
    let unified = if lines == Lines::Multi && raw.contains('\r') {
        raw.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        raw.to_owned()
    };
    let nfc = if unified.is_ascii() {
        unified
    } else {
        unicode().nfc(&unified)
    };
    let trimmed = nfc.trim();
    if trimmed.chars().any(|c| is_forbidden(c, lines)) {
        return Err(TextError::ForbiddenCharacter);
    }
    Ok(trimmed.to_owned())
}

/// Length as a person counts it: one per grapheme cluster, so "é" and "👍🏽" count once.
pub fn char_count(s: &str) -> usize {
    if s.is_ascii() && !s.contains('\r') {
        return s.len();
    }
    unicode().grapheme_count(s)
}

/// Lowercase; ASCII without tables.
pub fn lowercase(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        unicode().lowercase(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_and_trim() {
        assert_eq!(
            normalize("  e\u{301}cole ", Lines::Single),
            Ok("école".to_owned())
        );
        assert_eq!(
            normalize("a\r\nb\rc", Lines::Multi),
            Ok("a\nb\nc".to_owned())
        );
    }

    #[test]
    fn forbidden_characters() {
        assert_eq!(
            normalize("a\nb", Lines::Single),
            Err(TextError::ForbiddenCharacter)
        );
        assert_eq!(
            normalize("a\u{0}b", Lines::Multi),
            Err(TextError::ForbiddenCharacter)
        );
        assert_eq!(
            normalize("a\u{85}b", Lines::Multi),
            Err(TextError::ForbiddenCharacter)
        );
        assert_eq!(
            normalize("abc\u{202E}def", Lines::Multi),
            Err(TextError::ForbiddenCharacter)
        );
        assert_eq!(normalize("a\tb\nc", Lines::Multi), Ok("a\tb\nc".to_owned()));
        // Whitespace-only control characters at the edges are trimmed, not refused.
        assert_eq!(normalize("\tx\n", Lines::Single), Ok("x".to_owned()));
    }

    #[test]
    fn counts_graphemes() {
        assert_eq!(char_count("école"), 5);
        assert_eq!(char_count("👍🏽"), 1);
        assert_eq!(char_count("🇩🇪🇫🇷"), 2);
    }
}
