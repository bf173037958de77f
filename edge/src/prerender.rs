//! The widget's form as HTML, drawn at the edge so the loader can show it as soon as the
//! form definition arrives, while the wasm is still downloading and compiling. It is the
//! idle state of `widget/src/contact_form.rs`, element for element: same tags, classes,
//! parts, ids, labels and ARIA wiring (both take them from `switchboard_shared::markup`
//! and `switchboard_shared::words`), so nothing moves when the widget takes over. The
//! `widget` trial compares the two in Chromium.
//!
//! It holds no scripts, no inline styles and no URLs: the loader inserts it only after
//! dropping anything else, so the definition can carry words and structure, never code.

use crate::plain_form::esc;
use std::fmt::Write;
use switchboard_shared::Locale;
use switchboard_shared::api::TURNSTILE_FIELD;
use switchboard_shared::form::{FieldSpec, FormSpec};
use switchboard_shared::markup::{
    CHALLENGE_CLASS, Control, SUMMARY_TITLE_ID, TEXTAREA_ROWS, TOPIC_HINT_ID, control, control_id,
    described_by, error_id, help_id,
};
use switchboard_shared::words::ui;

/// Marks the prerendered form, so scripts and tests can tell it from the live one.
pub const PRERENDERED_ATTR: &str = "data-prerendered";

/// The idle form for `locale`, ready for a shadow root styled by `widget.css`. With
/// `challenge` (a Turnstile site), the empty slot the live form draws the challenge into.
pub fn form_html(form: &FormSpec, locale: Locale, challenge: bool) -> String {
    let words = ui(locale);
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        "<div class=\"sb\" part=\"container\" lang=\"{lang}\">\
         <form part=\"form\" novalidate=\"\" aria-busy=\"false\" {PRERENDERED_ATTR}=\"\">\
         <div class=\"summary\" part=\"error-summary\" tabindex=\"-1\" \
         aria-labelledby=\"{SUMMARY_TITLE_ID}\" hidden=\"\">\
         <p class=\"summary-title\" id=\"{SUMMARY_TITLE_ID}\">{summary}</p><ul></ul></div>",
        lang = esc(locale.tag()),
        summary = esc(&words.summary(0)),
    );
    if form.fields.iter().any(|f| f.required) {
        let _ = write!(out, "<p class=\"note\">{}</p>", esc(words.required_note));
    }
    for spec in &form.fields {
        field(&mut out, spec, locale);
        if spec.topic {
            let _ = write!(
                out,
                "<p id=\"{TOPIC_HINT_ID}\" class=\"topic-hint\" part=\"topic-hint\" \
                 aria-live=\"polite\"></p>"
            );
        }
    }
    if challenge {
        let _ = write!(
            out,
            "<div class=\"{CHALLENGE_CLASS}\" part=\"challenge\" id=\"{}\" tabindex=\"-1\"></div>",
            control_id(TURNSTILE_FIELD)
        );
    }
    let _ = write!(
        out,
        "<div class=\"trap\" aria-hidden=\"true\"><label>{honeypot}<input type=\"text\" \
         name=\"{trap}\" tabindex=\"-1\" autocomplete=\"off\"></label></div>\
         <div class=\"actions\"><button type=\"submit\" part=\"submit\">\
         <span class=\"spinner\" aria-hidden=\"true\" hidden=\"\"></span>{submit}</button></div>\
         </form><p class=\"status\" part=\"status\" role=\"status\" aria-live=\"polite\"></p></div>",
        honeypot = esc(words.honeypot),
        trap = esc(&form.honeypot),
        submit = esc(words.submit),
    );
    out
}

/// One field, as `widget/src/field.rs` draws it before the visitor has touched it.
fn field(out: &mut String, spec: &FieldSpec, locale: Locale) {
    let id = esc(&spec.id);
    let control_id = esc(&control_id(&spec.id));
    let label = esc(spec.label.get(locale));
    let described = esc(&described_by(spec));
    let marker = if spec.required {
        "<span class=\"req\" aria-hidden=\"true\">*</span>"
    } else {
        ""
    };
    let required = if spec.required { " required=\"\"" } else { "" };
    let placeholder = if spec.placeholder.is_empty() {
        String::new()
    } else {
        format!(" placeholder=\"{}\"", esc(spec.placeholder.get(locale)))
    };
    let help = if spec.help.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"help\" part=\"help\" id=\"{}\">{}</p>",
            esc(&help_id(&spec.id)),
            esc(spec.help.get(locale))
        )
    };
    let error = format!(
        "<p class=\"error\" part=\"error\" id=\"{}\"></p>",
        esc(&error_id(&spec.id))
    );
    let aria = format!(" aria-invalid=\"false\" aria-describedby=\"{described}\"");
    let _ = match control(spec) {
        Control::Checkbox => write!(
            out,
            "<div class=\"field check\" part=\"field\"><label class=\"option\">\
             <input type=\"checkbox\" id=\"{control_id}\" name=\"{id}\"{required}{aria}>\
             <span>{label}{marker}</span></label>{help}{error}</div>"
        ),
        Control::Group { multi } => {
            let input_type = if multi { "checkbox" } else { "radio" };
            let required_text = if spec.required {
                format!("<span class=\"sr\">{}</span>", esc(ui(locale).required))
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "<fieldset class=\"field group\" part=\"field\" aria-describedby=\"{described}\">\
                 <legend>{label}{marker}{required_text}</legend>{help}<div class=\"options\">"
            );
            for option in &spec.options {
                let _ = write!(
                    out,
                    "<label class=\"option\"><input type=\"{input_type}\" name=\"{id}\" \
                     value=\"{}\" aria-invalid=\"false\"><span>{}</span></label>",
                    esc(&option.value),
                    esc(option.label.get(locale))
                );
            }
            write!(out, "</div>{error}</fieldset>")
        }
        Control::Select => {
            let first = if spec.placeholder.is_empty() {
                ui(locale).choose
            } else {
                spec.placeholder.get(locale)
            };
            let _ = write!(
                out,
                "<div class=\"field\" part=\"field\"><label for=\"{control_id}\">{label}{marker}</label>\
                 {help}<select id=\"{control_id}\" name=\"{id}\"{required}{aria}>\
                 <option value=\"\">{}</option>",
                esc(first)
            );
            for option in &spec.options {
                let _ = write!(
                    out,
                    "<option value=\"{}\">{}</option>",
                    esc(&option.value),
                    esc(option.label.get(locale))
                );
            }
            write!(out, "</select>{error}</div>")
        }
        Control::TextArea => write!(
            out,
            "<div class=\"field\" part=\"field\"><label for=\"{control_id}\">{label}{marker}</label>\
             {help}<textarea id=\"{control_id}\" name=\"{id}\" rows=\"{TEXTAREA_ROWS}\"\
             {required}{placeholder}{aria}></textarea>{error}</div>"
        ),
        Control::Input {
            input_type,
            autocomplete,
        } => {
            let autocomplete = autocomplete
                .map(|a| format!(" autocomplete=\"{a}\""))
                .unwrap_or_default();
            write!(
                out,
                "<div class=\"field\" part=\"field\"><label for=\"{control_id}\">{label}{marker}</label>\
                 {help}<input type=\"{input_type}\" id=\"{control_id}\" name=\"{id}\"\
                 {autocomplete}{required}{placeholder}{aria}>{error}</div>"
            )
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_shared::form::{ChoiceOption, FieldKind};
    use switchboard_shared::locale::Localized;

    fn spec(id: &str, kind: FieldKind) -> FieldSpec {
        FieldSpec {
            id: id.to_owned(),
            kind,
            label: Localized::en(&format!("{id} <label>")),
            required: true,
            min_len: None,
            max_len: None,
            help: Localized::default(),
            placeholder: Localized::default(),
            options: Vec::new(),
            topic: false,
        }
    }

    fn options(n: usize) -> Vec<ChoiceOption> {
        (0..n)
            .map(|i| ChoiceOption {
                value: format!("v{i}\""),
                label: Localized::en(&format!("Option {i}")),
            })
            .collect()
    }

    fn every_kind() -> FormSpec {
        let mut topic = spec("topic", FieldKind::Choice);
        topic.topic = true;
        topic.options = options(2);
        let mut radios = spec("size", FieldKind::Choice);
        radios.options = options(3);
        radios.required = false;
        let mut multi = spec("products", FieldKind::MultiChoice);
        multi.options = options(2);
        let mut email = spec("email", FieldKind::Email);
        email.help = Localized::en("We reply here");
        email.placeholder = Localized::en("you@example.com");
        FormSpec {
            fields: vec![
                spec("name", FieldKind::Text),
                email,
                topic,
                radios,
                multi,
                spec("message", FieldKind::LongText),
                spec("consent", FieldKind::Checkbox),
            ],
            honeypot: "website".to_owned(),
        }
    }

    #[test]
    fn draws_every_kind_escaped() {
        insta::assert_snapshot!(form_html(&every_kind(), Locale::En, false));
    }

    #[test]
    fn uses_the_visitors_words() {
        let html = form_html(&every_kind(), Locale::De, false);
        assert!(html.contains("lang=\"de\""), "{html}");
        assert!(html.contains(ui(Locale::De).submit), "{html}");
        assert!(html.contains(ui(Locale::De).required_note), "{html}");
    }

    #[test]
    fn holds_the_challenge_slot_only_for_turnstile_sites() {
        let slot = format!(
            "<div class=\"{CHALLENGE_CLASS}\" part=\"challenge\" id=\"sb-f-turnstile_token\" \
             tabindex=\"-1\"></div>"
        );
        let with = form_html(&every_kind(), Locale::En, true);
        assert!(
            with.contains(&format!("{slot}<div class=\"trap\"")),
            "the slot sits before the trap and the send button: {with}"
        );
        assert!(!form_html(&every_kind(), Locale::En, false).contains(&slot));
    }

    #[test]
    fn carries_no_script_style_or_url() {
        let html = form_html(&every_kind(), Locale::Fr, false).to_lowercase();
        let attributes = html
            .split("=\"")
            .filter_map(|before| before.rsplit([' ', '<']).next())
            .collect::<Vec<_>>();
        assert!(attributes.contains(&"aria-describedby"), "{attributes:?}");
        for name in attributes {
            assert!(!name.starts_with("on"), "{name} in {html}");
            assert!(
                !["style", "href", "src", "action"].contains(&name),
                "{name}"
            );
        }
        assert!(!html.contains("<script"), "{html}");
    }
}
