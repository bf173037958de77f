//! The languages the form and its messages speak, and how a visitor's tag maps to one.

use crate::LiteMap;
use serde::{Deserialize, Serialize};

/// A supported UI language. Anything else falls back to English.
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    De,
    Fr,
    Es,
}

impl Locale {
    pub const ALL: [Locale; 4] = [Locale::En, Locale::De, Locale::Fr, Locale::Es];

    /// Picks the locale for a BCP 47 tag such as `de-CH` or `fr`; unknown tags give English.
    pub fn from_tag(tag: &str) -> Locale {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "de" => Locale::De,
            "fr" => Locale::Fr,
            "es" => Locale::Es,
            _ => Locale::En,
        }
    }

    /// The first supported locale in a list of preferences (e.g. an Accept-Language
    /// header), or `fallback` (the site's default) when none is supported.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>, fallback: Locale) -> Locale {
        tags.into_iter()
            .find_map(|t| {
                let l = Locale::from_tag(t);
                (l != Locale::En || t.to_ascii_lowercase().starts_with("en")).then_some(l)
            })
            .unwrap_or(fallback)
    }

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::Es => "es",
        }
    }
}

/// Text a site owner writes once per language, e.g. `{ en = "Name", de = "Name" }`.
/// A plain string is accepted as the English (and only) text.
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(from = "LocalizedRepr", into = "LiteMap<String, String>")]
// The schema is that of the same map in std, which schemars knows.
#[cfg_attr(
    feature = "server",
    schemars(into = "std::collections::BTreeMap<String, String>")
)]
pub struct Localized(pub LiteMap<String, String>);

#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
#[serde(untagged)]
enum LocalizedRepr {
    Plain(String),
    Map(
        #[cfg_attr(
            feature = "server",
            schemars(with = "std::collections::BTreeMap<String, String>")
        )]
        LiteMap<String, String>,
    ),
}

impl From<LocalizedRepr> for Localized {
    fn from(r: LocalizedRepr) -> Self {
        match r {
            LocalizedRepr::Plain(s) => Localized(LiteMap::from_iter([("en".to_owned(), s)])),
            LocalizedRepr::Map(m) => Localized(m),
        }
    }
}

impl From<Localized> for LiteMap<String, String> {
    fn from(l: Localized) -> Self {
        l.0
    }
}

impl Localized {
    pub fn en(text: &str) -> Self {
        // One insert, not `from_iter`: that would bring a sort into the widget's wasm.
        let mut map = LiteMap::new();
        map.insert("en".to_owned(), text.to_owned());
        Localized(map)
    }

    /// The text in `locale`, else English, else any text there is.
    pub fn get(&self, locale: Locale) -> &str {
        self.0
            .get(locale.tag())
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| v.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_supported_locales() {
        assert_eq!(Locale::from_tag("de-CH"), Locale::De);
        assert_eq!(Locale::from_tag("FR"), Locale::Fr);
        assert_eq!(Locale::from_tag("es_MX"), Locale::Es);
        assert_eq!(Locale::from_tag("ja"), Locale::En);
        assert_eq!(
            Locale::negotiate(["ja", "fr-CA", "de"], Locale::En),
            Locale::Fr
        );
        assert_eq!(Locale::negotiate(["en-GB", "de"], Locale::Es), Locale::En);
        assert_eq!(Locale::negotiate(["ja", "zh"], Locale::De), Locale::De);
    }

    #[test]
    fn localized_text_falls_back_to_english() {
        let l: Localized = serde_json::from_str(r#"{"en":"Name","de":"Name (de)"}"#).unwrap();
        assert_eq!(l.get(Locale::De), "Name (de)");
        assert_eq!(l.get(Locale::Fr), "Name");
        let plain: Localized = serde_json::from_str(r#""Hello""#).unwrap();
        assert_eq!(plain.get(Locale::Es), "Hello");
    }
}
