//! One form field drawn by its kind: label, required marker, help text, the native
//! control, and the error message the shared parse function produced.

use crate::field_state::{FieldState, control_id, error_id, help_id};
use crate::i18n::ui;
use crate::topic_hint::TOPIC_HINT_ID;
use leptos::prelude::*;
use switchboard_shared::Locale;
use switchboard_shared::form::{FieldKind, FieldSpec};
use switchboard_shared::inquiry::RawValue;

/// Choice fields with at most this many options show as radio buttons, longer ones as a
/// select. The topic field is always a select.
const MAX_RADIOS: usize = 3;

/// One field of the form, validated on blur (once edited) and on every change after an
/// error is shown, so messages appear when the visitor leaves a field and vanish as soon
/// as the value is fixed.
#[component]
pub fn Field(
    /// The field as the site configured it; `spec.id` becomes the control's `name`.
    spec: FieldSpec,
    /// Its live value, error and edited flag.
    state: FieldState,
    /// The visitor's language for labels, help and messages.
    locale: Locale,
) -> impl IntoView {
    let id = spec.id.clone();
    let kind = spec.kind;
    let required = spec.required;
    let label = spec.label.get(locale).to_owned();
    let placeholder =
        (!spec.placeholder.is_empty()).then(|| spec.placeholder.get(locale).to_owned());
    let help = (!spec.help.is_empty()).then(|| spec.help.get(locale).to_owned());
    let options: Vec<(String, String)> = spec
        .options
        .iter()
        .map(|o| (o.value.clone(), o.label.get(locale).to_owned()))
        .collect();
    let as_radios = kind == FieldKind::Choice && !spec.topic && options.len() <= MAX_RADIOS;
    let described_by = [
        help.as_ref().map(|_| help_id(&id)),
        Some(error_id(&id)),
        spec.topic.then(|| TOPIC_HINT_ID.to_owned()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");

    let spec = StoredValue::new(spec);
    // `try_`: a focused control fires blur while the form is being removed (after a
    // successful submit), when this field's stored spec is already gone.
    let validate = move || {
        spec.try_with_value(|s| state.validate(s, locale));
    };
    let invalid = move || {
        if state.error.with(Option::is_some) {
            "true"
        } else {
            "false"
        }
    };
    let on_text = move |ev| {
        state.value.set(RawValue::Text(event_target_value(&ev)));
        state.touched.set(true);
        if state.error.with_untracked(Option::is_some) {
            validate();
        }
    };
    let on_blur = move |_| {
        if state.touched.get_untracked() {
            validate();
        }
    };
    let on_pick = move |value: RawValue| {
        state.value.set(value);
        state.touched.set(true);
        validate();
    };

    let marker = required.then(|| view! { <span class="req" aria-hidden="true">"*"</span> });
    let help_view = help.map(|h| view! { <p class="help" part="help" id=help_id(&id)>{h}</p> });
    let error_view =
        view! { <p class="error" part="error" id=error_id(&id)>{move || state.error.get()}</p> };

    match kind {
        FieldKind::Checkbox => view! {
            <div class="field check" part="field">
                <label class="option">
                    <input
                        type="checkbox"
                        id=control_id(&id)
                        name=id
                        required=required
                        aria-invalid=invalid
                        aria-describedby=described_by
                        prop:checked=move || state.value.with(|v| *v == RawValue::Bool(true))
                        on:change=move |ev| on_pick(RawValue::Bool(event_target_checked(&ev)))
                    />
                    <span>{label}{marker}</span>
                </label>
                {help_view}
                {error_view}
            </div>
        }
        .into_any(),
        FieldKind::MultiChoice | FieldKind::Choice
            if kind == FieldKind::MultiChoice || as_radios =>
        {
            let multi = kind == FieldKind::MultiChoice;
            let boxes = options
                .into_iter()
                .map(|(value, text)| {
                    let mine = value.clone();
                    let checked = move || {
                        state.value.with(|v| match v {
                            RawValue::List(l) => l.contains(&mine),
                            RawValue::Text(t) => *t == mine,
                            RawValue::Bool(_) => false,
                        })
                    };
                    let picked = value.clone();
                    let on_change = move |ev| {
                        let on = event_target_checked(&ev);
                        let next = if multi {
                            let mut list = match state.value.get_untracked() {
                                RawValue::List(l) => l,
                                _ => Vec::new(),
                            };
                            list.retain(|v| *v != picked);
                            if on {
                                list.push(picked.clone());
                            }
                            RawValue::List(list)
                        } else {
                            RawValue::Text(picked.clone())
                        };
                        on_pick(next);
                    };
                    view! {
                        <label class="option">
                            <input
                                type=if multi { "checkbox" } else { "radio" }
                                name=id.clone()
                                value=value
                                aria-invalid=invalid
                                prop:checked=checked
                                on:change=on_change
                            />
                            <span>{text}</span>
                        </label>
                    }
                })
                .collect_view();
            let required_text =
                required.then(|| view! { <span class="sr">{ui(locale).required}</span> });
            view! {
                <fieldset class="field group" part="field" aria-describedby=described_by>
                    <legend>{label}{marker}{required_text}</legend>
                    {help_view}
                    <div class="options">{boxes}</div>
                    {error_view}
                </fieldset>
            }
            .into_any()
        }
        FieldKind::Choice => {
            let first = placeholder.unwrap_or_else(|| ui(locale).choose.to_owned());
            let choices = options
                .into_iter()
                .map(|(value, text)| {
                    let mine = value.clone();
                    view! { <option value=value prop:selected=move || state.text() == mine>{text}</option> }
                })
                .collect_view();
            view! {
                <div class="field" part="field">
                    <label for=control_id(&id)>{label}{marker}</label>
                    {help_view}
                    <select
                        id=control_id(&id)
                        name=id
                        required=required
                        aria-invalid=invalid
                        aria-describedby=described_by
                        on:change=move |ev| on_pick(RawValue::Text(event_target_value(&ev)))
                        on:blur=on_blur
                    >
                        <option value="" prop:selected=move || state.text().is_empty()>{first}</option>
                        {choices}
                    </select>
                    {error_view}
                </div>
            }
            .into_any()
        }
        FieldKind::LongText => view! {
            <div class="field" part="field">
                <label for=control_id(&id)>{label}{marker}</label>
                {help_view}
                <textarea
                    id=control_id(&id)
                    name=id
                    rows="6"
                    required=required
                    placeholder=placeholder
                    aria-invalid=invalid
                    aria-describedby=described_by
                    prop:value=move || state.text()
                    on:input=on_text
                    on:blur=on_blur
                ></textarea>
                {error_view}
            </div>
        }
        .into_any(),
        _ => {
            let (input_type, autocomplete) = match kind {
                FieldKind::Email => ("email", Some("email")),
                FieldKind::Phone => ("tel", Some("tel")),
                FieldKind::Url => ("url", Some("url")),
                _ => ("text", autocomplete_for(&id)),
            };
            view! {
                <div class="field" part="field">
                    <label for=control_id(&id)>{label}{marker}</label>
                    {help_view}
                    <input
                        type=input_type
                        id=control_id(&id)
                        name=id
                        autocomplete=autocomplete
                        required=required
                        placeholder=placeholder
                        aria-invalid=invalid
                        aria-describedby=described_by
                        prop:value=move || state.text()
                        on:input=on_text
                        on:blur=on_blur
                    />
                    {error_view}
                </div>
            }
            .into_any()
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
