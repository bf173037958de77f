//! The line under the topic field that says, before sending, which team answers and when.

use leptos::prelude::*;
use switchboard_shared::api::TopicInfo;
use switchboard_shared::markup::TOPIC_HINT_ID;

/// "Billing · replies within 4 business hours, by Tue 10:30 your time", or nothing while
/// no topic is chosen. A polite live region, so screen readers hear it when the topic changes.
#[component]
pub fn TopicHint(
    /// Who answers the chosen topic and the expected response, from the form definition.
    info: impl Fn() -> Option<TopicInfo> + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <p id=TOPIC_HINT_ID class="topic-hint" part="topic-hint" aria-live="polite">
            {move || {
                info()
                    .map(|i| {
                        view! {
                            <strong>{i.team}</strong>
                            " · "
                            {i.expected.sentence}
                        }
                    })
            }}
        </p>
    }
}
