//! The form's DOM contract: element ids, which control a field is drawn as, and what each
//! control is described by. The widget (Leptos, in the browser) and the edge's prerendered
//! form (`edge/src/prerender.rs`, shown before the wasm has arrived) both draw from these,
//! so the form does not change shape when the widget takes over.

use crate::form::{FieldKind, FieldSpec};

/// Choice fields with at most this many options show as radio buttons, longer ones as a
/// select. The topic field is always a select.
pub const MAX_RADIOS: usize = 3;

/// The line under the topic field that names the team and the expected reply time.
pub const TOPIC_HINT_ID: &str = "sb-topic-hint";

/// The heading of the error summary, which labels it.
pub const SUMMARY_TITLE_ID: &str = "sb-summary-title";

/// The class of the empty element, above the send button, that Cloudflare's Turnstile
/// script draws its challenge into on sites that use it. Its id is the control id of
/// `turnstile_token`, so the error summary's line for the challenge can focus it.
pub const CHALLENGE_CLASS: &str = "challenge";

/// The hidden input Turnstile adds to its element, holding the answer (the token). The
/// form without JavaScript posts it under this name too.
pub const TURNSTILE_RESPONSE: &str = "cf-turnstile-response";

/// Rows of a long-text field.
pub const TEXTAREA_ROWS: &str = "6";

/// How a field is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// `<input>` of this type, with an optional autofill hint.
    Input {
        input_type: &'static str,
        autocomplete: Option<&'static str>,
    },
    TextArea,
    Select,
    /// One checkbox whose label is the field's label.
    Checkbox,
    /// A fieldset of radio buttons (one choice) or checkboxes (several).
    Group {
        multi: bool,
    },
}

/// The control `spec` is drawn as.
pub fn control(spec: &FieldSpec) -> Control {
    match spec.kind {
        FieldKind::Checkbox => Control::Checkbox,
        FieldKind::MultiChoice => Control::Group { multi: true },
        FieldKind::Choice if !spec.topic && spec.options.len() <= MAX_RADIOS => {
            Control::Group { multi: false }
        }
        FieldKind::Choice => Control::Select,
        FieldKind::LongText => Control::TextArea,
        kind => {
            let (input_type, autocomplete) = match kind {
                FieldKind::Email => ("email", Some("email")),
                FieldKind::Phone => ("tel", Some("tel")),
                FieldKind::Url => ("url", Some("url")),
                _ => ("text", autocomplete_for(&spec.id)),
            };
            Control::Input {
                input_type,
                autocomplete,
            }
        }
    }
}

/// Autofill hints for text fields whose id says what they hold.
fn autocomplete_for(id: &str) -> Option<&'static str> {
    match id {
        "name" | "full_name" => Some("name"),
        "company" | "organization" => Some("organization"),
        _ => None,
    }
}

/// Element ids inside the shadow root. `sb-err-{field}` is part of the DOM contract.
pub fn control_id(field: &str) -> String {
    format!("sb-f-{field}")
}

pub fn error_id(field: &str) -> String {
    format!("sb-err-{field}")
}

pub fn help_id(field: &str) -> String {
    format!("sb-help-{field}")
}

/// The `aria-describedby` of a field's control: its help (if any), its error line, and
/// for the topic field the topic hint.
pub fn described_by(spec: &FieldSpec) -> String {
    [
        (!spec.help.is_empty()).then(|| help_id(&spec.id)),
        Some(error_id(&spec.id)),
        spec.topic.then(|| TOPIC_HINT_ID.to_owned()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}
