//! The list of refused fields shown above the form after a failed submit; it takes focus
//! so keyboard and screen reader users land on it, and each entry jumps to its field.

use crate::browser::focus_field;
use leptos::html::{Div, Form};
use leptos::prelude::*;
use switchboard_shared::Locale;
use switchboard_shared::markup::{SUMMARY_TITLE_ID, control_id};
use switchboard_shared::words::ui;

/// One refused field: its id and the line shown for it ("Email: Please enter a valid ...").
pub type SummaryItem = (String, String);

/// Hidden while `items` is empty.
#[component]
pub fn ErrorSummary(
    /// The refused fields, in form order.
    items: RwSignal<Vec<SummaryItem>>,
    /// The visitor's language for the heading.
    locale: Locale,
    /// Lets the form focus the summary after a failed submit.
    container: NodeRef<Div>,
    /// The form whose fields the entries focus.
    form: NodeRef<Form>,
) -> impl IntoView {
    let entries = move || {
        items
            .get()
            .into_iter()
            .map(|(field, text)| {
                let href = format!("#{}", control_id(&field));
                let jump = move |ev: leptos::ev::MouseEvent| {
                    ev.prevent_default();
                    if let Some(form) = form.get_untracked() {
                        focus_field(&form, &field);
                    }
                };
                view! {
                    <li>
                        <a href=href on:click=jump>{text}</a>
                    </li>
                }
                .into_any()
            })
            .collect_view()
    };
    view! {
        <div
            class="summary"
            part="error-summary"
            tabindex="-1"
            aria-labelledby=SUMMARY_TITLE_ID
            node_ref=container
            hidden=move || items.with(Vec::is_empty)
        >
            <p class="summary-title" id=SUMMARY_TITLE_ID>{move || ui(locale).summary(items.with(Vec::len))}</p>
            <ul>{entries}</ul>
        </div>
    }
}
