//! Caseless text search over inquiry field values: the one folding both a stored value and
//! a search term go through, and the folded text intake stores beside the fields
//! (`inquiries.search_text`, migration 0007), so a plain substring match finds a value
//! whatever the case of either side, in any script.
//!
//! **Why full case folding and not `str::to_lowercase`.** Lowercasing is meant for display
//! and leaves pairs a person reads as the same word unequal: `ß` stays `ß` while `STRASSE`
//! becomes `strasse`; capital `ẞ` becomes `ß`, not `ss`; and Greek sigma lowercases by
//! position, so the term `ΟΔΥΣ` (a word's start, typed in capitals) becomes `οδυς` with a
//! final `ς` that is no substring of `οδυσσευς`. Unicode's full case folding
//! (CaseFolding.txt, statuses C and F) exists for exactly this comparison: `ß`, `ẞ` and
//! `SS` all fold to `ss`, and `Σ`, `σ` and `ς` all fold to `σ`. ICU4X's `icu_casemap`
//! implements it; its tables share `icu_properties` and `icu_collections` with `idna`,
//! which the edge already links.
//!
//! **Normalization.** Folding works on NFC text, the form intake stores (a combining accent
//! and its precomposed letter are one value), and its output is put into NFC again,
//! because folding can decompose (`ǰ` folds to `j` + U+030C). So a precomposed and a
//! combining accent match each other, while an accent still counts: `cafe` does not find
//! `café`.
//!
//! **Turkish.** The default folding is language-independent: `I` folds to `i` and `İ`
//! (capital I with dot) to `i` + U+0307, and dotless `ı` stays `ı`. So `İstanbul` is found
//! by `İSTANBUL` or `i̇stanbul` but not by plain `istanbul`. The Turkic folding would
//! instead fold `I` to `ı`, and then `INFO` would no longer find `info` on any site; one
//! shared column cannot fold both ways, so the default is kept.

use unicode_normalization::UnicodeNormalization;

/// Written between two values in the search text. U+001F (unit separator) is a control
/// character that [`crate::text::normalize`] refuses in every field and in every search
/// term, so a term can never match across two values. (`\n` could: long text and terms
/// may hold line breaks.)
pub const SEPARATOR: char = '\u{1F}';

/// `s` as the search compares it: NFC, full Unicode case folding, NFC again.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        // ASCII's folding is its lowercase, and ASCII is always NFC.
        return s.to_ascii_lowercase();
    }
    let nfc: String = s.nfc().collect();
    let folded = icu_casemap::CaseMapper::new().fold_string(&nfc);
    folded.nfc().collect()
}

/// The folded text of every string in `fields` (a stored inquiry's field map: strings,
/// lists of strings, booleans; or a spam draft as it came), joined by [`SEPARATOR`]:
/// what `inquiries.search_text` holds. Field ids and non-string values are left out, as
/// the older search over `json_tree` left them out.
pub fn search_text(fields: &serde_json::Value) -> String {
    let mut values = Vec::new();
    collect_strings(fields, &mut values);
    let mut out = String::new();
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        out.push_str(&fold(value));
    }
    out
}

fn collect_strings<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    use serde_json::Value;
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Whether a search for `term` finds the stored `value`.
    fn finds(value: &str, term: &str) -> bool {
        search_text(&json!({ "v": value })).contains(&fold(term))
    }

    #[test]
    fn ascii_and_latin_letters_in_any_case() {
        assert!(finds("Ada Lovelace", "LOVELACE"));
        assert!(finds("MÜLLER", "müller"));
        assert!(finds("élodie", "ÉLODIE"));
        assert!(finds("ÇA VA", "ça va"));
        assert!(!finds("Müller", "muller"), "an accent still counts");
    }

    #[test]
    fn german_sharp_s_matches_ss_and_capital_sharp_s() {
        assert!(finds("Straße", "STRASSE"));
        assert!(finds("STRASSE", "straße"));
        assert!(finds("GROẞ", "groß"));
        assert!(finds("groß", "GROẞ"));
        assert_eq!(fold("ẞ"), "ss");
        // What lowercasing alone would have missed.
        assert!(!"straße".contains(&"STRASSE".to_lowercase()));
    }

    #[test]
    fn greek_sigma_in_every_position() {
        assert_eq!(fold("ΟΔΥΣΣΕΥΣ"), "οδυσσευσ");
        assert_eq!(fold("οδυσσευς"), "οδυσσευσ");
        // A capitalized word's start: lowercasing gives a final sigma there.
        assert!(finds("Οδυσσευς", "ΟΔΥΣ"));
        assert!(!"οδυσσευς".contains(&"ΟΔΥΣ".to_lowercase()));
    }

    #[test]
    fn turkish_dotted_capital_i_keeps_its_dot() {
        assert_eq!(fold("İ"), "i\u{307}");
        assert!(finds("İSTANBUL", "i\u{307}stanbul"));
        assert!(finds("İstanbul", "İSTANBUL"));
        assert!(finds("Istanbul", "ISTANBUL"));
        // Language-independent folding: see the module comment.
        assert!(!finds("İstanbul", "istanbul"));
        assert!(!finds("ırmak", "IRMAK"));
    }

    #[test]
    fn combining_and_precomposed_accents_are_one() {
        assert!(finds("Cafe\u{301}", "CAFÉ"));
        assert!(finds("CAFÉ", "cafe\u{301}"));
        assert!(finds("Zoë", "ZOE\u{308}"));
        assert!(!finds("Café", "cafe "));
        // Folding decomposes `ǰ`; the folded text is put back into NFC.
        assert_eq!(fold("ǰ"), "\u{1F0}");
        assert_eq!(fold("J\u{30C}"), "\u{1F0}");
    }

    #[test]
    fn values_are_joined_so_no_term_spans_two() {
        let fields = json!({
            "name": "Ada",
            "email": "ada@example.com",
            "tags": ["Rot", "GRÜN"],
            "agree": true,
            "message": "Zeile eins\nZeile zwei",
        });
        let text = search_text(&fields);
        let mut parts: Vec<&str> = text.split(SEPARATOR).collect();
        parts.sort_unstable();
        assert_eq!(
            parts,
            [
                "ada",
                "ada@example.com",
                "grün",
                "rot",
                "zeile eins\nzeile zwei"
            ]
        );
        assert!(text.contains(&fold("EINS\nZEILE")));
        // A term spanning two values would have to hold the separator, which no term may.
        let spanning = format!("rot{SEPARATOR}grün");
        assert!(text.contains(&spanning));
        assert!(crate::text::normalize(&spanning, crate::text::Lines::Multi).is_err());
        assert!(!text.contains("agree") && !text.contains("true"));
        assert_eq!(search_text(&json!({})), "");
    }
}
