//! Confirmation texts: the site owner's template per POC and locale (or a built-in default)
//! with `{name}`, `{team}`, `{reference}` and `{deadline}` filled in. Plain string work, no
//! `server` feature, so the widget can render the same text the edge sends.

use crate::locale::Locale;
use std::collections::BTreeMap;

/// Every placeholder a template may use.
pub const PLACEHOLDERS: [&str; 4] = ["name", "team", "reference", "deadline"];

/// What the placeholders become for one inquiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Values<'a> {
    /// The visitor's name as submitted; empty when the form has no name field.
    pub name: &'a str,
    pub team: &'a str,
    pub reference: &'a str,
    /// The deadline as the visitor reads it, e.g. "tomorrow at 09:00".
    pub deadline: &'a str,
}

/// The built-in text for a locale, used when the POC has no template for it.
pub fn default_template(locale: Locale) -> &'static str {
    match locale {
        Locale::En => {
            "Thank you, {name}. {team} has your message (reference {reference}) and will reply by {deadline}."
        }
        Locale::De => {
            "Danke, {name}. {team} hat Ihre Nachricht (Referenz {reference}) erhalten und antwortet bis {deadline}."
        }
        Locale::Fr => {
            "Merci, {name}. {team} a bien reçu votre message (référence {reference}) et vous répondra d'ici {deadline}."
        }
        Locale::Es => {
            "Gracias, {name}. {team} ha recibido su mensaje (referencia {reference}) y responderá para {deadline}."
        }
    }
}

/// The confirmation for `locale`: the POC's own template in that locale if it wrote one,
/// else the built-in default in that locale (never another language's template: the
/// visitor would get text they may not read).
pub fn confirmation(
    templates: &BTreeMap<String, String>,
    locale: Locale,
    values: &Values<'_>,
) -> String {
    let template = templates
        .get(locale.tag())
        .map_or_else(|| default_template(locale), String::as_str);
    let text = render(template, values);
    if values.name.trim().is_empty() {
        // The default texts address the visitor by name; without one, drop the ", " gap.
        text.replace(", .", ".").replace(",  ", " ")
    } else {
        text
    }
}

/// Fills the placeholders of `template`. `{{` and `}}` stand for literal braces; an unknown
/// placeholder is kept as written (the config check refuses it before it gets here).
pub fn render(template: &str, values: &Values<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some((name, after)) = placeholder(tail) {
            match value(name, values) {
                Some(v) => out.push_str(v),
                None => out.push_str(&tail[..tail.len() - after.len()]),
            }
            rest = after;
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders of `template` that are not in [`PLACEHOLDERS`], in order of appearance.
pub fn unknown_placeholders(template: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
        } else if let Some((name, after)) = placeholder(tail) {
            if !PLACEHOLDERS.contains(&name) {
                unknown.push(name.to_owned());
            }
            rest = after;
        } else {
            unknown.push(tail.chars().take(20).collect());
            break;
        }
    }
    unknown
}

/// `{word}` at the start of `s`: the word and what follows the closing brace.
fn placeholder(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix('{')?;
    let end = inner.find('}')?;
    let name = &inner[..end];
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    ok.then(|| (name, &inner[end + 1..]))
}

fn value<'a>(name: &str, v: &Values<'a>) -> Option<&'a str> {
    match name {
        "name" => Some(v.name),
        "team" => Some(v.team),
        "reference" => Some(v.reference),
        "deadline" => Some(v.deadline),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Values<'static> = Values {
        name: "Ada",
        team: "Billing",
        reference: "SB-7KQ2-M9XD",
        deadline: "tomorrow at 09:00",
    };

    #[test]
    fn fills_every_placeholder() {
        assert_eq!(
            render("Hi {name}, {team} answers {reference} by {deadline}.", &V),
            "Hi Ada, Billing answers SB-7KQ2-M9XD by tomorrow at 09:00."
        );
        assert_eq!(render("{{name}} is {name}", &V), "{name} is Ada");
        assert_eq!(render("a } b { c {nope}", &V), "a } b { c {nope}");
        assert_eq!(render("", &V), "");
    }

    #[test]
    fn values_are_not_expanded_again() {
        let v = Values {
            name: "{team}",
            ..V
        };
        assert_eq!(render("{name}/{team}", &v), "{team}/Billing");
    }

    #[test]
    fn owner_template_then_default_in_the_same_locale() {
        let mut t = BTreeMap::new();
        t.insert("de".to_owned(), "Hallo {name}: {reference}".to_owned());
        assert_eq!(confirmation(&t, Locale::De, &V), "Hallo Ada: SB-7KQ2-M9XD");
        assert_eq!(
            confirmation(&t, Locale::En, &V),
            "Thank you, Ada. Billing has your message (reference SB-7KQ2-M9XD) and will reply by tomorrow at 09:00."
        );
        for l in Locale::ALL {
            let text = confirmation(&BTreeMap::new(), l, &V);
            assert!(text.contains("SB-7KQ2-M9XD") && text.contains("tomorrow at 09:00"));
            assert!(unknown_placeholders(default_template(l)).is_empty());
        }
    }

    #[test]
    fn default_without_a_name_reads_well() {
        let v = Values { name: "", ..V };
        assert_eq!(
            confirmation(&BTreeMap::new(), Locale::En, &v),
            "Thank you. Billing has your message (reference SB-7KQ2-M9XD) and will reply by tomorrow at 09:00."
        );
    }

    #[test]
    fn finds_unknown_placeholders() {
        assert!(unknown_placeholders("{name} {team} {reference} {deadline} {{x}}").is_empty());
        assert_eq!(
            unknown_placeholders("{name} {email} {Team}"),
            vec!["email".to_owned(), "Team".to_owned()]
        );
        assert_eq!(
            unknown_placeholders("broken {name"),
            vec!["{name".to_owned()]
        );
    }
}
