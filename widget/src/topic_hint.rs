//! The line under the topic field that says, before sending, which team answers and when.

use leptos::prelude::*;
use switchboard_shared::api::TopicInfo;
use switchboard_shared::markup::TOPIC_HINT_ID;

/// "Billing · replies within 4 business hours, by Tue 10:30 your time", with the team's
/// scope below it, or nothing while no topic is chosen. A polite live region, so screen
/// readers hear it when the answer changes.
#[component]
pub fn TopicHint(
    /// Who answers the draft and the expected response: the edge's latest preview, or the
    /// topic's line from the form definition when there is none.
    info: impl Fn() -> Option<TopicInfo> + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <p id=TOPIC_HINT_ID class="topic-hint" part="topic-hint" aria-live="polite">
            {move || {
                info()
                    .map(|i| {
                        // Always drawn, hidden by CSS when empty: an optional view would
                        // cost the wasm another set of generic view code.
                        view! {
                            <strong>{i.team}</strong>
                            " · "
                            {i.expected.sentence}
                            <span class="scope" part="topic-scope">{i.scope}</span>
                        }
                    })
            }}
        </p>
    }
}
