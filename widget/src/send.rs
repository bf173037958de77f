//! Posting an inquiry to the edge: one idempotency key per inquiry, automatic retries
//! with backoff on network trouble, and the answer sorted into what the form shows next.

use crate::browser::sleep;
use crate::wire;
use js_sys::{Object, Reflect};
use switchboard_shared::api::{FieldErrorView, SubmitAccepted, SubmitRequest};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestCredentials, RequestInit, Response};

/// Pauses before the second and third attempt. The same key goes out every time, so a
/// request that did arrive is answered again instead of stored twice.
const BACKOFF_MS: [i32; 2] = [800, 2_400];
/// A request that has not answered by then is treated as lost (and retried).
const TIMEOUT_MS: u32 = 15_000;

/// What became of one submit.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// `202`: stored; the visitor gets a reference.
    Accepted(SubmitAccepted),
    /// `422`: the edge refused some fields.
    Invalid(Vec<FieldErrorView>),
    /// Any other 4xx: retrying the same request will not help.
    Refused,
    /// No answer (or only 5xx) after every retry: the visitor may try again.
    Unreachable,
}

impl Outcome {
    /// True when the edge definitely did not store the inquiry, so a corrected resubmit
    /// needs a fresh idempotency key (a reused one could be answered with the old refusal).
    pub fn needs_new_key(&self) -> bool {
        matches!(self, Outcome::Invalid(_) | Outcome::Refused)
    }
}

/// Posts `request` to `url`, retrying transient failures; `on_retry` runs before each retry.
pub async fn send(url: &str, request: &SubmitRequest, on_retry: impl Fn()) -> Outcome {
    let Ok(body) = wire::submit_request(request) else {
        return Outcome::Refused;
    };
    for delay in BACKOFF_MS.into_iter().map(Some).chain([None]) {
        if let Some(outcome) = attempt(url, &body).await {
            return outcome;
        }
        let Some(delay) = delay else { break };
        on_retry();
        sleep(delay).await;
    }
    Outcome::Unreachable
}

// The browser's fetch, called directly: an HTTP client crate would ship header maps and
// conversions the form never needs. `None` is a transient failure, worth a retry.
async fn attempt(url: &str, body: &str) -> Option<Outcome> {
    let Some(window) = web_sys::window() else {
        return Some(Outcome::Refused);
    };
    let headers = Object::new();
    let _ = Reflect::set(
        &headers,
        &JsValue::from_str("content-type"),
        &JsValue::from_str("application/json"),
    );
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_credentials(RequestCredentials::Omit);
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(body));
    init.set_signal(Some(&AbortSignal::timeout_with_u32(TIMEOUT_MS)));
    let Ok(answer) = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await else {
        return None;
    };
    let Ok(response) = answer.dyn_into::<Response>() else {
        return None;
    };
    let status = response.status();
    if status >= 500 || status == 408 || status == 429 {
        return None;
    }
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string()),
        Err(_) => None,
    };
    let text = text?;
    Some(classify(status, &text))
}

/// Sorts an answer from the edge by status and body.
fn classify(status: u16, body: &str) -> Outcome {
    let Ok(json) = wire::parse(body) else {
        return Outcome::Refused;
    };
    match status {
        200..=299 => wire::submit_accepted(&json).map_or(Outcome::Refused, Outcome::Accepted),
        422 => match wire::error_fields(&json) {
            fields if !fields.is_empty() => Outcome::Invalid(fields),
            _ => Outcome::Refused,
        },
        _ => Outcome::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reading bodies needs the browser's JSON; `classify` is exercised in the browser tests.
    #[test]
    fn only_definite_refusals_replace_the_key() {
        assert!(Outcome::Refused.needs_new_key());
        assert!(Outcome::Invalid(Vec::new()).needs_new_key());
        assert!(!Outcome::Unreachable.needs_new_key());
    }
}
