//! Normalization of typed text: Unicode NFC, trimming, forbidden characters, and length
//! counted the way a person counts (grapheme clusters).

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

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
    let nfc: String = unified.nfc().collect();
    let trimmed = nfc.trim();
    if trimmed.chars().any(|c| is_forbidden(c, lines)) {
        return Err(TextError::ForbiddenCharacter);
    }
    Ok(trimmed.to_owned())
}

/// Length as a person counts it: one per grapheme cluster, so "é" and "👍🏽" count once.
pub fn char_count(s: &str) -> usize {
    s.graphemes(true).count()
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
