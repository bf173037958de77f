//! The one parse function: a raw draft (values as typed) becomes a validated [`Inquiry`],
//! or every field error at once. The widget calls it on input and blur, the edge on submit.

use crate::LiteMap;
use crate::errors::{ErrorCode, FieldError};
use crate::form::{
    FieldKind, FieldSpec, FormSpec, MAX_EMAIL, MAX_EMAIL_LOCAL, MAX_PHONE_DIGITS, MIN_PHONE_DIGITS,
};
use crate::text::{self, Lines};
use serde::{Deserialize, Serialize};

/// A value as the visitor's browser sent it: text, a list (multiple choice) or a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawValue {
    Bool(bool),
    Text(String),
    List(Vec<String>),
}

/// What the visitor typed, keyed by field id. Nothing in it has been checked.
pub type Draft = LiteMap<String, RawValue>;

/// A checked, normalized value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Text(String),
    List(Vec<String>),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A validated inquiry. Only [`parse_inquiry`] builds one from visitor input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inquiry {
    /// Normalized values of the fields that were filled, keyed by field id.
    pub fields: LiteMap<String, Value>,
    /// The chosen topic, when the form has a topic field and it was filled.
    pub topic: Option<String>,
    /// The submitter's address (domain in lowercase ASCII), when the form asks for one.
    pub email: Option<String>,
}

impl Inquiry {
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_text)
    }
}

#[cfg(feature = "server")]
impl Inquiry {
    /// The inquiry with its email domain in IDNA A-labels (`anna@bücher.example` becomes
    /// `anna@xn--bcher-kva.example`), the form the edge stores, matches history on and
    /// delivers. Acceptance is decided by [`parse_inquiry`] alone, identically in the widget
    /// and at the edge; this only rewrites an accepted address, and leaves one whose domain
    /// IDNA refuses as typed.
    pub fn with_ascii_email(mut self) -> Inquiry {
        let Some(email) = self.email.clone() else {
            return self;
        };
        let converted = ascii_email(&email);
        if converted == email {
            return self;
        }
        for (_, value) in self.fields.iter_mut() {
            if value.as_text() == Some(email.as_str()) {
                *value = Value::Text(converted.clone());
            }
        }
        self.email = Some(converted);
        self
    }
}

/// An accepted address with its domain in IDNA A-labels; as given when the domain is ASCII
/// already or IDNA refuses it.
#[cfg(feature = "server")]
fn ascii_email(email: &str) -> String {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return email.to_owned();
    };
    if domain.is_ascii() {
        return email.to_owned();
    }
    match idna::domain_to_ascii(domain) {
        Ok(ascii) => format!("{local}@{ascii}"),
        Err(_) => email.to_owned(),
    }
}

/// The address exactly as the edge stores it for a submitter who typed `typed` in an email
/// field (normalized, checked, domain in lowercase A-labels), or `None` when the form would
/// refuse it. Lets the admin search find a submitter by the address they typed.
#[cfg(feature = "server")]
pub fn stored_email(typed: &str) -> Option<String> {
    let text = text::normalize(typed, Lines::Single).ok()?;
    parse_email(&text).ok().map(|e| ascii_email(&e))
}

/// Parses a whole draft against the form. Returns all field errors, in form order,
/// followed by unknown fields; the honeypot field is ignored here (see [`honeypot_hit`]).
pub fn parse_inquiry(spec: &FormSpec, draft: &Draft) -> Result<Inquiry, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fields = LiteMap::new();
    for field in &spec.fields {
        match parse_field(field, draft.get(&field.id)) {
            Ok(Some(value)) => {
                fields.insert(field.id.clone(), value);
            }
            Ok(None) => {}
            Err(code) => errors.push(code),
        }
    }
    for id in draft.keys() {
        if *id != spec.honeypot && spec.field(id).is_none() {
            errors.push(FieldError::new(id, ErrorCode::UnknownField));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(inquiry_of(spec, fields))
}

/// The part of a draft that parses: what a form still being filled says so far. Fields
/// that are empty or not (yet) valid are left out instead of refused; an id the form does
/// not have is refused, as [`parse_inquiry`] refuses it. For a draft that
/// [`parse_inquiry`] accepts, the result is the same inquiry, so a routing preview of a
/// finished form is the submit's routing.
pub fn parse_partial(spec: &FormSpec, draft: &Draft) -> Result<Inquiry, Vec<FieldError>> {
    let unknown: Vec<FieldError> = draft
        .keys()
        .filter(|id| **id != spec.honeypot && spec.field(id).is_none())
        .map(|id| FieldError::new(id, ErrorCode::UnknownField))
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let mut fields = LiteMap::new();
    for field in &spec.fields {
        if let Ok(Some(value)) = parse_field(field, draft.get(&field.id)) {
            fields.insert(field.id.clone(), value);
        }
    }
    Ok(inquiry_of(spec, fields))
}

/// The inquiry of checked `fields`, with its topic and address picked out.
fn inquiry_of(spec: &FormSpec, fields: LiteMap<String, Value>) -> Inquiry {
    let topic = spec
        .topic_field()
        .and_then(|f| fields.get(&f.id))
        .and_then(Value::as_text)
        .map(str::to_owned);
    let email = spec
        .email_field()
        .and_then(|f| fields.get(&f.id))
        .and_then(Value::as_text)
        .map(str::to_owned);
    Inquiry {
        fields,
        topic,
        email,
    }
}

/// True when the invisible honeypot field holds anything: a bot filled the form.
pub fn honeypot_hit(spec: &FormSpec, draft: &Draft) -> bool {
    match draft.get(&spec.honeypot) {
        Some(RawValue::Text(s)) => !s.trim().is_empty(),
        Some(RawValue::Bool(b)) => *b,
        Some(RawValue::List(l)) => !l.is_empty(),
        None => false,
    }
}

/// Checks one field. `Ok(None)` is an optional field left empty.
pub fn parse_field(field: &FieldSpec, raw: Option<&RawValue>) -> Result<Option<Value>, FieldError> {
    let id = field.id.as_str();
    match field.kind {
        FieldKind::Checkbox => {
            let checked = match raw {
                None => false,
                Some(RawValue::Bool(b)) => *b,
                // HTML forms send "on" (or the value attribute) for a ticked box.
                Some(RawValue::Text(s)) => matches!(s.trim(), "on" | "true" | "yes" | "1"),
                Some(RawValue::List(_)) => return Err(FieldError::new(id, ErrorCode::InvalidType)),
            };
            if field.required && !checked {
                return Err(FieldError::new(id, ErrorCode::Required));
            }
            Ok(Some(Value::Bool(checked)))
        }
        FieldKind::MultiChoice => {
            let picked: Vec<String> = match raw {
                None => Vec::new(),
                Some(RawValue::List(l)) => l
                    .iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
                Some(RawValue::Text(s)) if s.trim().is_empty() => Vec::new(),
                Some(RawValue::Text(s)) => vec![s.trim().to_owned()],
                Some(RawValue::Bool(_)) => return Err(FieldError::new(id, ErrorCode::InvalidType)),
            };
            if picked.is_empty() {
                return if field.required {
                    Err(FieldError::new(id, ErrorCode::Required))
                } else {
                    Ok(None)
                };
            }
            if picked.iter().any(|p| field.option(p).is_none()) {
                return Err(FieldError::new(id, ErrorCode::InvalidChoice));
            }
            let mut unique = Vec::with_capacity(picked.len());
            for p in picked {
                if !unique.contains(&p) {
                    unique.push(p);
                }
            }
            if let Some(max) = field.max_len
                && unique.len() > max
            {
                return Err(FieldError::with_limit(id, ErrorCode::TooManyChoices, max));
            }
            Ok(Some(Value::List(unique)))
        }
        _ => {
            let raw_text = match raw {
                None => "",
                Some(RawValue::Text(s)) => s.as_str(),
                Some(_) => return Err(FieldError::new(id, ErrorCode::InvalidType)),
            };
            let lines = if field.kind == FieldKind::LongText {
                Lines::Multi
            } else {
                Lines::Single
            };
            let text = text::normalize(raw_text, lines)
                .map_err(|_| FieldError::new(id, ErrorCode::ForbiddenCharacter))?;
            if text.is_empty() {
                return if field.required {
                    Err(FieldError::new(id, ErrorCode::Required))
                } else {
                    Ok(None)
                };
            }
            let value = parse_text_kind(field, text)?;
            Ok(Some(Value::Text(value)))
        }
    }
}

fn parse_text_kind(field: &FieldSpec, text: String) -> Result<String, FieldError> {
    let id = field.id.as_str();
    let len = text::char_count(&text);
    let max = field.effective_max_len();
    if len > max {
        return Err(FieldError::with_limit(id, ErrorCode::TooLong, max));
    }
    if let Some(min) = field.min_len
        && len < min
    {
        return Err(FieldError::with_limit(id, ErrorCode::TooShort, min));
    }
    match field.kind {
        FieldKind::Email => parse_email(&text).map_err(|code| match code {
            ErrorCode::TooLong => FieldError::with_limit(id, code, MAX_EMAIL),
            code => FieldError::new(id, code),
        }),
        FieldKind::Phone => {
            parse_phone(&text).ok_or_else(|| FieldError::new(id, ErrorCode::InvalidPhone))
        }
        FieldKind::Url => {
            parse_url(&text).ok_or_else(|| FieldError::new(id, ErrorCode::InvalidUrl))
        }
        FieldKind::Choice => match field.option(&text) {
            Some(_) => Ok(text),
            None => Err(FieldError::new(id, ErrorCode::InvalidChoice)),
        },
        _ => Ok(text),
    }
}

/// An email address within RFC 5321's limits, with a lowercase domain.
pub fn parse_email(s: &str) -> Result<String, ErrorCode> {
    if s.len() > MAX_EMAIL {
        return Err(ErrorCode::TooLong);
    }
    let (local, domain) = s.rsplit_once('@').ok_or(ErrorCode::InvalidEmail)?;
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let local_ok = !local.is_empty()
        && local.len() <= MAX_EMAIL_LOCAL
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c == '.' || atext(c));
    if !local_ok {
        return Err(ErrorCode::InvalidEmail);
    }
    let domain = text::lowercase(domain);
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.chars().count() >= 2 && !t.chars().all(|c| c.is_ascii_digit()));
    if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok {
        return Err(ErrorCode::InvalidEmail);
    }
    Ok(format!("{local}@{domain}"))
}

/// A phone number in one canonical form: `+` and digits for international numbers
/// (a leading `00` counts as `+`), plain digits otherwise.
pub fn parse_phone(s: &str) -> Option<String> {
    let (plus, rest) = match s.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return None,
        }
    }
    // `00` before the digits is the international prefix, however it is spaced ("0 049"),
    // so what this returns parses again to itself.
    let international = plus || digits.starts_with("00");
    if !plus && international {
        digits.drain(..2);
    }
    if !(MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits.len()) {
        return None;
    }
    Some(if international {
        format!("+{digits}")
    } else {
        digits
    })
}

/// An absolute http or https URL with a host; the scheme is lowercased.
pub fn parse_url(s: &str) -> Option<String> {
    let (scheme, rest) = s.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..host_end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() || rest.chars().any(char::is_whitespace) {
        return None;
    }
    Some(format!("{scheme}://{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::ChoiceOption;
    use crate::locale::Localized;

    fn spec() -> FormSpec {
        FormSpec::standard(vec![
            ChoiceOption {
                value: "support".into(),
                label: Localized::en("Support"),
            },
            ChoiceOption {
                value: "billing".into(),
                label: Localized::en("Billing"),
            },
        ])
    }

    fn draft(pairs: &[(&str, &str)]) -> Draft {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), RawValue::Text((*v).to_owned())))
            .collect()
    }

    #[test]
    fn a_complete_draft_parses() {
        let d = draft(&[
            ("name", " Ada "),
            ("email", "Ada@Example.COM"),
            ("topic", "billing"),
            ("message", "Hi"),
        ]);
        let inq = parse_inquiry(&spec(), &d).unwrap();
        assert_eq!(inq.text("name"), Some("Ada"));
        assert_eq!(inq.email.as_deref(), Some("Ada@example.com"));
        assert_eq!(inq.topic.as_deref(), Some("billing"));
    }

    #[test]
    fn all_errors_come_at_once() {
        let d = draft(&[("email", "nope"), ("topic", "weather"), ("extra", "x")]);
        let errs = parse_inquiry(&spec(), &d).unwrap_err();
        let got: Vec<(&str, ErrorCode)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("name", ErrorCode::Required),
                ("email", ErrorCode::InvalidEmail),
                ("topic", ErrorCode::InvalidChoice),
                ("message", ErrorCode::Required),
                ("extra", ErrorCode::UnknownField),
            ]
        );
    }

    #[test]
    fn honeypot_is_not_an_unknown_field() {
        let mut d = draft(&[
            ("name", "A"),
            ("email", "a@b.co"),
            ("topic", "support"),
            ("message", "m"),
        ]);
        d.insert("website".into(), RawValue::Text("http://spam".into()));
        assert!(parse_inquiry(&spec(), &d).is_ok());
        assert!(honeypot_hit(&spec(), &d));
    }

    /// One field of each kind, each value through `parse_field`: kind, raw value, result.
    #[test]
    fn every_field_kind_and_error_code() {
        use crate::form::ChoiceOption;
        let field = |kind, required, min_len, max_len, options: &[&str]| FieldSpec {
            id: "f".into(),
            kind,
            label: Localized::en("F"),
            required,
            min_len,
            max_len,
            help: Localized::default(),
            placeholder: Localized::default(),
            options: options
                .iter()
                .map(|o| ChoiceOption {
                    value: (*o).into(),
                    label: Localized::en(o),
                })
                .collect(),
            topic: false,
        };
        let text = |s: &str| Some(RawValue::Text(s.into()));
        let list = |l: &[&str]| Some(RawValue::List(l.iter().map(|s| (*s).to_owned()).collect()));
        let ok = |s: &str| Ok(Some(Value::Text(s.into())));
        let err = |code| Err(FieldError::new("f", code));
        let err_n = |code, n| Err(FieldError::with_limit("f", code, n));
        use ErrorCode::*;
        use FieldKind::*;
        type Case = (
            FieldSpec,
            Option<RawValue>,
            Result<Option<Value>, FieldError>,
        );
        let cases: Vec<Case> = vec![
            (
                field(Text, true, None, None, &[]),
                text("  Ada "),
                ok("Ada"),
            ),
            (
                field(Text, true, None, None, &[]),
                text("   "),
                err(Required),
            ),
            (field(Text, true, None, None, &[]), None, err(Required)),
            (field(Text, false, None, None, &[]), None, Ok(None)),
            (
                field(Text, true, Some(3), None, &[]),
                text("ab"),
                err_n(TooShort, 3),
            ),
            (
                field(Text, true, None, Some(3), &[]),
                text("abcd"),
                err_n(TooLong, 3),
            ),
            (
                field(Text, true, None, None, &[]),
                text("a\u{7}b"),
                err(ForbiddenCharacter),
            ),
            (
                field(Text, true, None, None, &[]),
                list(&["a"]),
                err(InvalidType),
            ),
            (
                field(LongText, true, None, None, &[]),
                text("a\r\n\tb"),
                ok("a\n\tb"),
            ),
            (
                field(LongText, true, None, None, &[]),
                text("a\u{2067}b"),
                err(ForbiddenCharacter),
            ),
            (
                field(Email, true, None, None, &[]),
                text("Ada@Example.ORG"),
                ok("Ada@example.org"),
            ),
            (
                field(Email, true, None, None, &[]),
                text("ada.example.org"),
                err(InvalidEmail),
            ),
            (
                field(Phone, true, None, None, &[]),
                text("+1 (555) 010-9999"),
                ok("+15550109999"),
            ),
            (
                field(Phone, true, None, None, &[]),
                text("call me"),
                err(InvalidPhone),
            ),
            (
                field(Url, true, None, None, &[]),
                text("https://ada.example/x"),
                ok("https://ada.example/x"),
            ),
            (
                field(Url, true, None, None, &[]),
                text("javascript:alert(1)"),
                err(InvalidUrl),
            ),
            (
                field(Choice, true, None, None, &["a", "b"]),
                text("b"),
                ok("b"),
            ),
            (
                field(Choice, true, None, None, &["a", "b"]),
                text("c"),
                err(InvalidChoice),
            ),
            (
                field(Choice, true, None, None, &["a", "b"]),
                text(""),
                err(Required),
            ),
            (
                field(MultiChoice, true, None, None, &["a", "b", "c"]),
                list(&["c", "a", "c"]),
                Ok(Some(Value::List(vec!["c".into(), "a".into()]))),
            ),
            (
                field(MultiChoice, true, None, Some(1), &["a", "b"]),
                list(&["a", "b"]),
                err_n(TooManyChoices, 1),
            ),
            (
                field(MultiChoice, true, None, None, &["a", "b"]),
                list(&["a", "z"]),
                err(InvalidChoice),
            ),
            (
                field(MultiChoice, true, None, None, &["a", "b"]),
                list(&[]),
                err(Required),
            ),
            (
                field(MultiChoice, false, None, None, &["a", "b"]),
                None,
                Ok(None),
            ),
            (
                field(MultiChoice, true, None, None, &["a"]),
                Some(RawValue::Bool(true)),
                err(InvalidType),
            ),
            (
                field(Checkbox, true, None, None, &[]),
                Some(RawValue::Bool(true)),
                Ok(Some(Value::Bool(true))),
            ),
            (
                field(Checkbox, true, None, None, &[]),
                text("on"),
                Ok(Some(Value::Bool(true))),
            ),
            (field(Checkbox, true, None, None, &[]), None, err(Required)),
            (
                field(Checkbox, false, None, None, &[]),
                None,
                Ok(Some(Value::Bool(false))),
            ),
            (
                field(Checkbox, false, None, None, &[]),
                list(&["x"]),
                err(InvalidType),
            ),
        ];
        for (spec, raw, want) in cases {
            assert_eq!(
                parse_field(&spec, raw.as_ref()),
                want,
                "{:?} {raw:?}",
                spec.kind
            );
        }
    }

    #[test]
    fn email_limits() {
        let local = "a".repeat(64);
        assert!(parse_email(&format!("{local}@example.com")).is_ok());
        assert_eq!(
            parse_email(&format!("a{local}@example.com")),
            Err(ErrorCode::InvalidEmail)
        );
        let long = format!("a@{}.com", "b".repeat(250));
        assert_eq!(parse_email(&long), Err(ErrorCode::TooLong));
        for bad in [
            "a@b",
            "@b.co",
            "a@.co",
            "a..b@c.co",
            "a@b..co",
            "a@-b.co",
            "a b@c.co",
            "a@b.12",
        ] {
            assert_eq!(parse_email(bad), Err(ErrorCode::InvalidEmail), "{bad}");
        }
    }

    #[cfg(feature = "server")]
    #[test]
    fn idn_domains_become_a_labels_at_the_edge() {
        let d = draft(&[
            ("name", "A"),
            ("email", "Anna@Bücher.Example"),
            ("topic", "support"),
            ("message", "m"),
        ]);
        let inq = parse_inquiry(&spec(), &d).unwrap();
        assert_eq!(inq.email.as_deref(), Some("Anna@bücher.example"));
        let edge = inq.with_ascii_email();
        assert_eq!(edge.email.as_deref(), Some("Anna@xn--bcher-kva.example"));
        assert_eq!(edge.text("email"), Some("Anna@xn--bcher-kva.example"));
    }

    #[cfg(feature = "server")]
    #[test]
    fn a_typed_address_maps_to_the_stored_one() {
        let inq = parse_inquiry(
            &spec(),
            &draft(&[
                ("name", "Anna"),
                ("email", " Anna@Bücher.Example "),
                ("topic", "billing"),
                ("message", "m"),
            ]),
        )
        .unwrap()
        .with_ascii_email();
        assert_eq!(
            stored_email(" Anna@Bücher.Example ").as_deref(),
            inq.email.as_deref()
        );
        assert_eq!(
            stored_email("ada@EXAMPLE.com").as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(stored_email("not an address"), None);
        assert_eq!(stored_email("@example.com"), None);
    }

    #[test]
    fn phones_normalize_to_one_form() {
        assert_eq!(
            parse_phone("+49 (30) 123-456").as_deref(),
            Some("+4930123456")
        );
        assert_eq!(
            parse_phone("0049 30 123456").as_deref(),
            Some("+4930123456")
        );
        assert_eq!(parse_phone("030/123456").as_deref(), Some("030123456"));
        assert_eq!(parse_phone("12345"), None);
        assert_eq!(parse_phone("+49 30 CALL-ME"), None);
    }

    #[test]
    fn urls_must_be_http_or_https() {
        assert_eq!(
            parse_url("HTTPS://example.com/a").as_deref(),
            Some("https://example.com/a")
        );
        assert_eq!(parse_url("javascript://alert(1)"), None);
        assert_eq!(parse_url("ftp://example.com"), None);
        assert_eq!(parse_url("https:///path"), None);
    }
}
