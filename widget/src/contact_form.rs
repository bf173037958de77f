//! The whole widget: every field of the site's form, the topic hint, the error summary,
//! the Turnstile challenge's slot (on sites that use it), submission (one at a time,
//! retried with the same key), the status line, and the success view.

use crate::browser::{ask_challenge, challenge_token, focus_soon, focus_soon_in, new_key};
use crate::error_summary::{ErrorSummary, SummaryItem};
use crate::field::Field;
use crate::field_state::FieldState;
use crate::hint::Hint;
use crate::send::{Outcome, fresh_render_token, send};
use crate::success_view::{self, SuccessView};
use crate::topic_hint::TopicHint;
use leptos::html::{Div, Form};
use leptos::prelude::*;
use switchboard_shared::Locale;
use switchboard_shared::api::{FormDefinition, SubmitAccepted, SubmitRequest, TURNSTILE_FIELD};
use switchboard_shared::inquiry::{Draft, RawValue, parse_inquiry};
use switchboard_shared::markup::{CHALLENGE_CLASS, control_id};
use switchboard_shared::words::ui;

/// Everything the form needs from the page: the fetched definition and where to post.
pub struct Setup {
    pub definition: FormDefinition,
    /// `{edge}/v1/sites/{site}/inquiries`.
    pub submit_url: String,
    /// `{edge}/v1/sites/{site}/form`, asked again for a fresh render token.
    pub definition_url: String,
    /// `{edge}/v1/sites/{site}/preview`: who would answer the draft, and by when.
    pub preview_url: String,
    pub locale: Locale,
    /// The visitor's IANA time zone, sent along for the reply-time sentence.
    pub time_zone: String,
    /// Values the visitor typed into the prerendered form before the widget took over.
    pub initial: Draft,
}

/// Where a submit stands; drives the status line and the retry button.
#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Editing,
    Sending,
    Retrying,
    /// Every automatic retry failed; the visitor may try again (same key).
    Offline,
    /// The edge refused the request for a reason other than field errors.
    Refused,
    /// The edge's per-visitor limit: come back later.
    Limited,
}

/// The contact form for one site.
#[component]
pub fn ContactForm(
    /// The form definition, the submit URL, and the visitor's language and time zone.
    setup: Setup,
) -> impl IntoView {
    let Setup {
        definition,
        submit_url,
        definition_url,
        preview_url,
        locale,
        time_zone,
        initial,
    } = setup;
    let ui = ui(locale);
    let FormDefinition {
        form,
        topics,
        render_token,
        turnstile_site_key,
        routing_fields,
        ..
    } = definition;
    // The loader draws Cloudflare's Turnstile into the form's slot when asked.
    let challenge = turnstile_site_key.is_some();
    let any_required = form.fields.iter().any(|f| f.required);
    let topic_index = form.fields.iter().position(|f| f.topic);
    // Positions of the fields whose values can change who answers.
    let routing: Vec<usize> = form
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| routing_fields.contains(&f.id))
        .map(|(i, _)| i)
        .collect();
    let states = StoredValue::new(
        form.fields
            .iter()
            .map(|f| FieldState::new(f.kind, initial.get(&f.id).cloned()))
            .collect::<Vec<_>>(),
    );
    let honeypot = RwSignal::new(String::new());
    if let Some(RawValue::Text(text)) = initial.get(&form.honeypot) {
        honeypot.set(text.clone());
    }
    let form = StoredValue::new(form);
    let context = StoredValue::new((time_zone, render_token));
    // One key per inquiry: kept across retries, replaced only once the edge has answered
    // in a way that proves nothing was stored (or after a success).
    let key = StoredValue::new(new_key());
    let phase = RwSignal::new(Phase::Editing);
    let accepted = RwSignal::new(None::<SubmitAccepted>);
    let summary = RwSignal::new(Vec::<SummaryItem>::new());
    let summary_ref = NodeRef::<Div>::new();
    let form_ref = NodeRef::<Form>::new();
    let root_ref = NodeRef::<Div>::new();

    // The line under the topic: the edge's preview of the draft.
    let hint = {
        let field = |i: usize| states.with_value(|st| st[i]);
        let fields = form.with_value(|f| {
            routing
                .iter()
                .map(|&i| (f.fields[i].id.clone(), field(i)))
                .collect()
        });
        Hint::new(
            preview_url,
            locale,
            context.with_value(|c| c.0.clone()),
            fields,
            topic_index.map(field),
            topics,
        )
    };
    let hint_shown = hint.shown;
    // A topic or address typed into the prerendered form counts already.
    if hint.has_input() {
        hint.refresh(false);
    }
    request_animation_frame(move || {
        if let Some(root) = root_ref.get_untracked() {
            hint.listen(&root);
        }
    });

    // Shows `errors` (field id, message) next to their fields and in the summary.
    let show_errors = move |errors: Vec<(String, String)>| {
        form.with_value(|f| {
            states.with_value(|st| {
                for (spec, state) in f.fields.iter().zip(st) {
                    state.error.set(
                        errors
                            .iter()
                            .find(|(id, _)| *id == spec.id)
                            .map(|(_, m)| m.clone()),
                    );
                    state.touched.set(true);
                }
            });
            let items = errors
                .into_iter()
                .map(|(id, message)| {
                    let line = match f.field(&id) {
                        Some(spec) => format!("{}: {message}", spec.label.get(locale)),
                        None => message,
                    };
                    (id, line)
                })
                .collect::<Vec<_>>();
            let failed = !items.is_empty();
            summary.set(items);
            if failed && let Some(el) = summary_ref.get_untracked() {
                focus_soon(el.into());
            }
        });
    };

    // What the edge's answer, or its absence after every retry, does to the form.
    let settle = move |outcome: Outcome| {
        if outcome.needs_new_key() {
            key.set_value(new_key());
        }
        // A Turnstile answer is good for one check. Field errors come before the check and
        // leave it unspent; without an answer the retry reuses key and token, which the edge
        // lets through (it asks Cloudflare under a key made from the submit's key).
        let spent = match &outcome {
            Outcome::Invalid(fields) => fields.iter().any(|f| f.field == TURNSTILE_FIELD),
            Outcome::Refused => true,
            Outcome::Accepted(_) | Outcome::Unreachable | Outcome::Limited | Outcome::Expired => {
                false
            }
        };
        if challenge
            && spent
            && let Some(form) = form_ref.get_untracked()
        {
            ask_challenge(&form);
        }
        match outcome {
            Outcome::Accepted(answer) => {
                phase.set(Phase::Editing);
                accepted.set(Some(answer));
                if let Some(root) = root_ref.get_untracked() {
                    focus_soon_in(root.into(), success_view::HEADING);
                }
            }
            Outcome::Invalid(fields) => {
                phase.set(Phase::Editing);
                show_errors(
                    fields
                        .into_iter()
                        .map(|f| {
                            let message = if f.field == TURNSTILE_FIELD {
                                ui.challenge.to_owned()
                            } else {
                                f.message
                            };
                            (f.field, message)
                        })
                        .collect(),
                );
            }
            // Expired here: even a fresh token did not help (or none came).
            Outcome::Refused | Outcome::Expired => phase.set(Phase::Refused),
            Outcome::Unreachable => phase.set(Phase::Offline),
            Outcome::Limited => phase.set(Phase::Limited),
        }
    };
    // True from a submit until its outcome: disables the button, so no double submit.
    let pending = RwSignal::new(false);
    let submit_url = StoredValue::new(submit_url);
    let definition_url = StoredValue::new(definition_url);

    let submit = move || {
        if pending.get_untracked() {
            return;
        }
        // Inserts, not `collect`: that would bring a sort into the wasm for a few fields.
        let mut draft = Draft::new();
        form.with_value(|f| {
            states.with_value(|st| {
                for (spec, s) in f.fields.iter().zip(st) {
                    draft.insert(spec.id.clone(), s.value.get_untracked());
                }
            })
        });
        let trap = form.with_value(|f| f.honeypot.clone());
        draft
            .entry(trap)
            .or_insert_with(|| RawValue::Text(honeypot.get_untracked()));
        let turnstile_token = form_ref
            .get_untracked()
            .filter(|_| challenge)
            .and_then(|f| challenge_token(&f));
        match form.with_value(|f| parse_inquiry(f, &draft)) {
            Ok(_) if challenge && turnstile_token.is_none() => {
                phase.set(Phase::Editing);
                show_errors(vec![(TURNSTILE_FIELD.to_owned(), ui.challenge.to_owned())]);
            }
            Err(errors) => {
                phase.set(Phase::Editing);
                show_errors(
                    errors
                        .iter()
                        .map(|e| (e.field.clone(), e.message(locale)))
                        .collect(),
                );
            }
            Ok(_) => {
                show_errors(Vec::new());
                phase.set(Phase::Sending);
                let (time_zone, render_token) = context.get_value();
                let request = SubmitRequest {
                    idempotency_key: key.get_value(),
                    locale: Some(locale.tag().to_owned()),
                    time_zone: Some(time_zone),
                    render_token: Some(render_token),
                    turnstile_token,
                    fields: draft,
                };
                let url = submit_url.get_value();
                pending.set(true);
                leptos::task::spawn_local(async move {
                    let retrying = move || phase.set(Phase::Retrying);
                    let mut outcome = send(&url, &request, retrying).await;
                    // A form left open for over a day: the same inquiry, with a fresh token.
                    if matches!(outcome, Outcome::Expired)
                        && let Some(token) = fresh_render_token(&definition_url.get_value()).await
                    {
                        context.update_value(|c| c.1 = token.clone());
                        let request = SubmitRequest {
                            render_token: Some(token),
                            ..request
                        };
                        outcome = send(&url, &request, retrying).await;
                    }
                    pending.set(false);
                    settle(outcome);
                });
            }
        }
    };

    let start_over = move || {
        form.with_value(|f| {
            states.with_value(|st| {
                f.fields
                    .iter()
                    .zip(st)
                    .for_each(|(spec, s)| s.reset(spec.kind))
            })
        });
        honeypot.set(String::new());
        summary.set(Vec::new());
        key.set_value(new_key());
        accepted.set(None);
    };

    let status = move || match phase.get() {
        Phase::Editing => "",
        Phase::Sending => ui.sending,
        Phase::Retrying => ui.retrying,
        Phase::Offline => ui.offline,
        Phase::Refused => ui.failed,
        Phase::Limited => ui.limited,
    };

    let form_view = move || {
        let fields = form
            .with_value(|f| f.fields.clone())
            .into_iter()
            .zip(states.get_value())
            .map(|(spec, state)| {
                let hint = spec
                    .topic
                    .then(|| view! { <TopicHint info=move || hint_shown.get() /> });
                view! {
                    <Field spec state locale />
                    {hint}
                }
                .into_any()
            })
            .collect_view();
        let trap = form.with_value(|f| f.honeypot.clone());
        if challenge {
            // Once this form is in the page (also after "send another"), ask for its check.
            request_animation_frame(move || {
                if let Some(form) = form_ref.get_untracked() {
                    ask_challenge(&form);
                }
            });
        }
        view! {
            <form
                part="form"
                novalidate=true
                node_ref=form_ref
                aria-busy=move || if pending.get() { "true" } else { "false" }
                on:submit=move |ev| {
                    ev.prevent_default();
                    submit();
                }
            >
                <ErrorSummary items=summary locale container=summary_ref form=form_ref />
                {any_required.then(|| view! { <p class="note">{ui.required_note}</p> })}
                {fields}
                {challenge.then(|| {
                    view! {
                        <div class=CHALLENGE_CLASS part="challenge" id=control_id(TURNSTILE_FIELD) tabindex="-1"></div>
                    }
                })}
                <div class="trap" aria-hidden="true">
                    <label>
                        {ui.honeypot}
                        <input
                            type="text"
                            name=trap
                            tabindex="-1"
                            autocomplete="off"
                            prop:value=move || honeypot.get()
                            on:input=move |ev| honeypot.set(event_target_value(&ev))
                        />
                    </label>
                </div>
                <div class="actions">
                    <button type="submit" part="submit" disabled=move || pending.get()>
                        <span class="spinner" aria-hidden="true" hidden=move || !pending.get()></span>
                        {move || if pending.get() { ui.sending } else { ui.submit }}
                    </button>
                    {move || {
                        matches!(phase.get(), Phase::Offline | Phase::Refused | Phase::Limited)
                            .then(|| {
                                view! {
                                    <button type="button" class="secondary" part="retry" on:click=move |_| submit()>
                                        {ui.retry}
                                    </button>
                                }
                            })
                    }}
                </div>
            </form>
        }
    };

    view! {
        <div class="sb" part="container" lang=locale.tag() node_ref=root_ref>
            {move || match accepted.get() {
                Some(answer) => view! { <SuccessView accepted=answer locale on_again=start_over /> }.into_any(),
                None => form_view().into_any(),
            }}
            <p class="status" part="status" role="status" aria-live="polite">{status}</p>
        </div>
    }
}
