//! One form field drawn by its kind: label, required marker, help text, the native
//! control, and the error message the shared parse function produced.

use crate::field_state::FieldState;
use leptos::prelude::*;
use switchboard_shared::Locale;
use switchboard_shared::form::FieldSpec;
use switchboard_shared::inquiry::RawValue;
use switchboard_shared::markup::{
    Control, TEXTAREA_ROWS, control, control_id, described_by, error_id, help_id,
};
use switchboard_shared::words::ui;

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
    let drawn_as = control(&spec);
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
    let described_by = described_by(&spec);

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

    match drawn_as {
        Control::Checkbox => view! {
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
        Control::Group { multi } => {
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
                    .into_any()
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
        Control::Select => {
            let first = placeholder.unwrap_or_else(|| ui(locale).choose.to_owned());
            let choices = options
                .into_iter()
                .map(|(value, text)| {
                    let mine = value.clone();
                    view! { <option value=value prop:selected=move || state.text() == mine>{text}</option> }.into_any()
                })
                .collect_view();
            framed(
                control_id(&id),
                (label, marker),
                help_view,
                view! {
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
                },
                error_view,
            )
        }
        Control::TextArea => framed(
            control_id(&id),
            (label, marker),
            help_view,
            view! {
                <textarea
                    id=control_id(&id)
                    name=id
                    rows=TEXTAREA_ROWS
                    required=required
                    placeholder=placeholder
                    aria-invalid=invalid
                    aria-describedby=described_by
                    prop:value=move || state.text()
                    on:input=on_text
                    on:blur=on_blur
                ></textarea>
            },
            error_view,
        ),
        Control::Input {
            input_type,
            autocomplete,
        } => framed(
            control_id(&id),
            (label, marker),
            help_view,
            view! {
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
            },
            error_view,
        ),
    }
}

/// The frame a select, a textarea or an input sits in: its label (for the control with id
/// `control`), the help text, the control itself, and the error line.
fn framed(
    control: String,
    label: impl IntoView,
    help: impl IntoView,
    input: impl IntoView,
    error: impl IntoView,
) -> AnyView {
    view! {
        <div class="field" part="field">
            <label for=control>{label}</label>
            {help}
            {input}
            {error}
        </div>
    }
    .into_any()
}
