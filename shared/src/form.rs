//! The form a site shows: its fields, their kinds and limits, and the topics visitors pick.

use crate::locale::Localized;
use serde::{Deserialize, Serialize};

/// Hard ceilings no site config may exceed, whatever it asks for.
pub const MAX_FIELDS: usize = 40;
pub const MAX_SHORT_TEXT: usize = 200;
pub const MAX_LONG_TEXT: usize = 10_000;
pub const MAX_CHOICES: usize = 100;
/// RFC 5321: a mailbox is at most 254 characters, its local part at most 64.
pub const MAX_EMAIL: usize = 254;
pub const MAX_EMAIL_LOCAL: usize = 64;
pub const MAX_URL: usize = 2_000;
/// E.164 allows 15 digits; a few more leave room for an extension-free national format.
pub const MAX_PHONE_DIGITS: usize = 15;
pub const MIN_PHONE_DIGITS: usize = 6;

/// The whole form: ordered fields plus the name of the invisible honeypot field.
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSpec {
    pub fields: Vec<FieldSpec>,
    /// A field bots fill and people never see; a non-empty value marks the inquiry as spam.
    #[serde(default = "default_honeypot")]
    pub honeypot: String,
}

fn default_honeypot() -> String {
    "website".to_owned()
}

/// What kind of value a field holds; decides its input element and its parse rules.
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    Email,
    /// Several lines; the only kind that keeps newlines and tabs.
    LongText,
    /// Exactly one of `options`. The form's topic field is of this kind.
    Choice,
    /// Any number of `options`.
    MultiChoice,
    /// A yes/no box, e.g. consent.
    Checkbox,
    Phone,
    Url,
}

/// One option of a choice field.
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub value: String,
    pub label: Localized,
}

/// One field of the form.
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Stable id used on the wire and in routing rules.
    pub id: String,
    pub kind: FieldKind,
    pub label: Localized,
    #[serde(default)]
    pub required: bool,
    /// Minimum length in user-perceived characters (grapheme clusters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_len: Option<usize>,
    /// Maximum length in user-perceived characters; defaults to the kind's ceiling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<usize>,
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub help: Localized,
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub placeholder: Localized,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// Marks the choice field whose value is the inquiry's topic (used by routing).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub topic: bool,
}

impl FieldSpec {
    /// The longest value this field accepts, in user-perceived characters.
    pub fn effective_max_len(&self) -> usize {
        let ceiling = match self.kind {
            FieldKind::LongText => MAX_LONG_TEXT,
            FieldKind::Email => MAX_EMAIL,
            FieldKind::Url => MAX_URL,
            _ => MAX_SHORT_TEXT,
        };
        self.max_len.map_or(ceiling, |m| m.min(ceiling))
    }

    pub fn option(&self, value: &str) -> Option<&ChoiceOption> {
        self.options.iter().find(|o| o.value == value)
    }
}

impl FormSpec {
    pub fn field(&self, id: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The single-choice field that carries the topic, if the form has one.
    pub fn topic_field(&self) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.topic)
    }

    /// The field whose value is the submitter's email address (the first email field).
    pub fn email_field(&self) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.kind == FieldKind::Email)
    }

    /// The first long-text field: the message that keyword rules read.
    pub fn message_field(&self) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.kind == FieldKind::LongText)
    }

    /// Name, email, topic and message: the form a site gets when it describes none.
    pub fn standard(topics: Vec<ChoiceOption>) -> FormSpec {
        let field = |id: &str, kind, label: &[(&str, &str)], max_len| FieldSpec {
            id: id.to_owned(),
            kind,
            label: Localized(
                label
                    .iter()
                    .map(|(l, t)| ((*l).to_owned(), (*t).to_owned()))
                    .collect(),
            ),
            required: true,
            min_len: None,
            max_len,
            help: Localized::default(),
            placeholder: Localized::default(),
            options: Vec::new(),
            topic: false,
        };
        let mut topic = field(
            "topic",
            FieldKind::Choice,
            &[
                ("en", "Topic"),
                ("de", "Thema"),
                ("fr", "Sujet"),
                ("es", "Tema"),
            ],
            None,
        );
        topic.options = topics;
        topic.topic = true;
        FormSpec {
            fields: vec![
                field(
                    "name",
                    FieldKind::Text,
                    &[
                        ("en", "Name"),
                        ("de", "Name"),
                        ("fr", "Nom"),
                        ("es", "Nombre"),
                    ],
                    Some(100),
                ),
                field(
                    "email",
                    FieldKind::Email,
                    &[
                        ("en", "Email"),
                        ("de", "E-Mail"),
                        ("fr", "E-mail"),
                        ("es", "Correo electrónico"),
                    ],
                    None,
                ),
                topic,
                field(
                    "message",
                    FieldKind::LongText,
                    &[
                        ("en", "Message"),
                        ("de", "Nachricht"),
                        ("fr", "Message"),
                        ("es", "Mensaje"),
                    ],
                    Some(5000),
                ),
            ],
            honeypot: default_honeypot(),
        }
    }
}
