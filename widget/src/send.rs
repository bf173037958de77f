//! Posting an inquiry to the edge: one idempotency key per inquiry, automatic retries
//! with backoff on network trouble, and the answer sorted into what the form shows next.

use crate::browser::sleep;
use gloo_net::http::Request;
use switchboard_shared::api::{ErrorBody, FieldErrorView, SubmitAccepted, SubmitRequest};
use web_sys::AbortSignal;

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

enum Attempt {
    Done(Outcome),
    Transient,
}

/// Posts `request` to `url`, retrying transient failures; `on_retry` runs before each retry.
pub async fn send(url: &str, request: &SubmitRequest, on_retry: impl Fn()) -> Outcome {
    let Ok(body) = serde_json::to_string(request) else {
        return Outcome::Refused;
    };
    for delay in BACKOFF_MS.into_iter().map(Some).chain([None]) {
        if let Attempt::Done(outcome) = attempt(url, &body).await {
            return outcome;
        }
        let Some(delay) = delay else { break };
        on_retry();
        sleep(delay).await;
    }
    Outcome::Unreachable
}

async fn attempt(url: &str, body: &str) -> Attempt {
    let signal = AbortSignal::timeout_with_u32(TIMEOUT_MS);
    let sent = Request::post(url)
        .header("content-type", "application/json")
        .abort_signal(Some(&signal))
        .body(body.to_owned());
    let Ok(request) = sent else {
        return Attempt::Done(Outcome::Refused);
    };
    let Ok(response) = request.send().await else {
        return Attempt::Transient;
    };
    let status = response.status();
    if status >= 500 || status == 408 || status == 429 {
        return Attempt::Transient;
    }
    let Ok(text) = response.text().await else {
        return Attempt::Transient;
    };
    Attempt::Done(classify(status, &text))
}

/// Sorts an answer from the edge by status and body.
fn classify(status: u16, body: &str) -> Outcome {
    match status {
        200..=299 => serde_json::from_str(body).map_or(Outcome::Refused, Outcome::Accepted),
        422 => match serde_json::from_str::<ErrorBody>(body) {
            Ok(e) if !e.error.fields.is_empty() => Outcome::Invalid(e.error.fields),
            _ => Outcome::Refused,
        },
        _ => Outcome::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_sorted_by_status_and_body() {
        let accepted = r#"{"reference":"SB-7K2Q","poc":"billing","team":"Billing","priority":"normal",
            "expected":{"deadline":"2026-01-01T10:00:00Z","deadline_local":"2026-01-01T11:00:00+01:00[Europe/Berlin]",
            "within":"within 4 business hours","open_now":true,"sentence":"replies within 4 business hours"}}"#;
        assert!(
            matches!(classify(202, accepted), Outcome::Accepted(a) if a.reference == "SB-7K2Q")
        );
        let invalid = r#"{"error":{"code":"invalid_input","message":"invalid input",
            "fields":[{"field":"email","code":"invalid_email","message":"Please enter a valid email address"}]}}"#;
        assert!(matches!(classify(422, invalid), Outcome::Invalid(f) if f[0].field == "email"));
        assert!(matches!(classify(422, "{}"), Outcome::Refused));
        assert!(matches!(
            classify(
                404,
                r#"{"error":{"code":"not_found","message":"no such site"}}"#
            ),
            Outcome::Refused
        ));
        assert!(Outcome::Refused.needs_new_key());
        assert!(!Outcome::Unreachable.needs_new_key());
    }
}
