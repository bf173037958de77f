//! Posting an inquiry to the edge: one idempotency key per inquiry, automatic retries
//! with backoff on network trouble, and the answer sorted into what the form shows next.

use crate::browser::sleep;
use crate::wire;
use js_sys::{Object, Reflect};
use switchboard_shared::api::{FieldErrorView, SubmitAccepted, SubmitRequest, TopicInfo};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestCredentials, RequestInit, Response};

/// Pauses before the second and third attempt. The same key goes out every time, so a
/// request that did arrive is answered again instead of stored twice.
const BACKOFF_MS: [i32; 2] = [800, 2_400];
/// A request that has not answered by then is treated as lost (and retried).
const TIMEOUT_MS: u32 = 15_000;
/// The longest `Retry-After` of a `429` the form sits out by itself (a submit sooner than
/// the site's fill time, a burst), and how often. Longer waits (the per-visitor limit)
/// end the submit with [`Outcome::Limited`].
const MAX_WAIT_S: u32 = 15;
const MAX_WAITS: u32 = 2;

/// What became of one submit.
// Made once per submit and matched at once; boxing the answer would buy nothing. (The
// lint fires only on 64-bit hosts, hence `allow`, not `expect`.)
#[allow(clippy::large_enum_variant)]
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
    /// `429` with a long wait: the visitor has sent too many; nothing was stored.
    Limited,
    /// `422 render_token_expired`: the form was fetched over a day ago; nothing was stored,
    /// and the same inquiry goes through with a fresh token ([`fresh_render_token`]).
    Expired,
}

impl Outcome {
    /// True when the edge definitely did not store the inquiry, so a corrected resubmit
    /// needs a fresh idempotency key (a reused one could be answered with the old refusal).
    pub fn needs_new_key(&self) -> bool {
        matches!(self, Outcome::Invalid(_) | Outcome::Refused)
    }
}

/// The edge's code for a render token past its age.
const EXPIRED: &str = "render_token_expired";

/// A new render token from `GET {definition_url}` (the form definition), or `None`.
pub async fn fresh_render_token(definition_url: &str) -> Option<String> {
    let response = fetch(definition_url, None).await.filter(Response::ok)?;
    wire::render_token(&wire::parse(&text(&response).await?).ok()?)
}

/// Who would answer `request`'s draft and by when (`POST {url}`, the preview endpoint):
/// one attempt, no retry, since a newer preview or the topic's own line will do instead.
pub async fn preview(url: &str, request: &SubmitRequest) -> Option<TopicInfo> {
    let body = wire::submit_request(request).ok()?;
    let response = fetch(url, Some(&body)).await.filter(Response::ok)?;
    wire::preview_answer(&wire::parse(&text(&response).await?).ok()?).ok()
}

/// What one attempt came to.
// Made once per attempt and matched at once; boxing would buy nothing. (The lint fires
// only on 64-bit hosts, hence `allow`, not `expect`.)
#[allow(clippy::large_enum_variant)]
enum Answer {
    Final(Outcome),
    /// No answer, a 5xx or a 408: worth a retry after a pause.
    Lost,
    /// `429` with this `Retry-After` in seconds (0 when the header is missing).
    Wait(u32),
}

/// Posts `request` to `url`, retrying transient failures and sitting out short `429`s;
/// `on_retry` runs before each retry of a lost request.
pub async fn send(url: &str, request: &SubmitRequest, on_retry: impl Fn()) -> Outcome {
    let Ok(body) = wire::submit_request(request) else {
        return Outcome::Refused;
    };
    let mut backoff = BACKOFF_MS.into_iter();
    let mut waits = 0;
    loop {
        match attempt(url, &body).await {
            Answer::Final(outcome) => return outcome,
            Answer::Wait(s) if (1..=MAX_WAIT_S).contains(&s) && waits < MAX_WAITS => {
                waits += 1;
                sleep(i32::try_from(s * 1000).unwrap_or(i32::MAX)).await;
            }
            Answer::Wait(_) => return Outcome::Limited,
            Answer::Lost => {
                let Some(delay) = backoff.next() else {
                    return Outcome::Unreachable;
                };
                on_retry();
                sleep(delay).await;
            }
        }
    }
}

/// `AbortSignal.timeout(ms)`, where the browser has it (Safari before 16 does not).
fn timeout_signal(ms: u32) -> Option<AbortSignal> {
    let class = Reflect::get(&js_sys::global(), &JsValue::from_str("AbortSignal")).ok()?;
    Reflect::get(&class, &JsValue::from_str("timeout"))
        .ok()
        .filter(JsValue::is_function)?;
    Some(AbortSignal::timeout_with_u32(ms))
}

// The browser's fetch, called directly: an HTTP client crate would ship header maps and
// conversions the form never needs. `GET`, or a JSON `POST` of `body`; no cookies, and
// the attempt's timeout. `None` when no answer came.
async fn fetch(url: &str, body: Option<&str>) -> Option<Response> {
    let init = RequestInit::new();
    init.set_credentials(RequestCredentials::Omit);
    init.set_signal(timeout_signal(TIMEOUT_MS).as_ref());
    if let Some(body) = body {
        let headers = Object::new();
        let _ = Reflect::set(
            &headers,
            &JsValue::from_str("content-type"),
            &JsValue::from_str("application/json"),
        );
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(body));
    }
    let fetched = web_sys::window()?.fetch_with_str_and_init(url, &init);
    JsFuture::from(fetched)
        .await
        .ok()?
        .dyn_into::<Response>()
        .ok()
}

async fn text(response: &Response) -> Option<String> {
    JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()
}

async fn attempt(url: &str, body: &str) -> Answer {
    let Some(response) = fetch(url, Some(body)).await else {
        return Answer::Lost;
    };
    let status = response.status();
    if status == 429 {
        let wait = response.headers().get("retry-after").ok().flatten();
        return Answer::Wait(wait.and_then(|s| s.trim().parse().ok()).unwrap_or(0));
    }
    if status >= 500 || status == 408 {
        return Answer::Lost;
    }
    match text(&response).await {
        Some(text) => Answer::Final(classify(status, &text)),
        None => Answer::Lost,
    }
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
            _ if wire::error_code(&json) == EXPIRED => Outcome::Expired,
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
        assert!(!Outcome::Limited.needs_new_key());
        assert!(!Outcome::Expired.needs_new_key());
    }
}
