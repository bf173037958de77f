//! What the visitor sees once the edge has stored the inquiry: the reference (with a copy
//! button), the team that will answer and when (said once), and what the team handles.

use crate::browser::copy_text;
use leptos::prelude::*;
use switchboard_shared::Locale;
use switchboard_shared::api::SubmitAccepted;
use switchboard_shared::words::ui;

/// The heading's selector: [`crate::contact_form::ContactForm`] focuses it once this view
/// replaces the form, so screen readers read it.
pub const HEADING: &str = ".success-title";

/// Replaces the form after a `202`.
#[component]
pub fn SuccessView(
    /// The edge's answer: reference, team and expected reply.
    accepted: SubmitAccepted,
    /// The visitor's language.
    locale: Locale,
    /// Runs when the visitor wants to write another message.
    on_again: impl Fn() + 'static,
) -> impl IntoView {
    let ui = ui(locale);
    let promise = accepted
        .confirmation
        .unwrap_or_else(|| format!("{} · {}", accepted.team, accepted.expected.sentence));
    let copied = RwSignal::new(false);
    let reference = accepted.reference.clone();
    let copy = move |_| {
        let reference = reference.clone();
        leptos::task::spawn_local(async move {
            if copy_text(&reference).await {
                copied.set(true);
            }
        });
    };
    view! {
        <div class="success" part="success">
            <h2 class="success-title" tabindex="-1">{ui.success_title}</h2>
            <div class="reference-row">
                <span class="reference-label">{ui.reference}</span>
                <strong class="reference" part="reference">{accepted.reference}</strong>
                <button type="button" class="secondary small" part="copy" on:click=copy>
                    {move || if copied.get() { ui.copied } else { ui.copy }}
                </button>
            </div>
            // The team and the promise once: the confirmation names both (the owner's text
            // or the built-in one); answers stored before confirmations existed lack it.
            <p class="confirmation" part="confirmation">{promise}</p>
            <p class="scope" part="scope">{accepted.scope}</p>
            <button type="button" class="link" part="again" on:click=move |_| on_again()>{ui.send_another}</button>
        </div>
    }
}
