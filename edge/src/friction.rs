//! Bot friction on the inquiry endpoint: the render token's fill-time and age checks, and
//! Cloudflare Turnstile (server-side siteverify). The decisions are plain functions; only
//! [`siteverify`] does IO.

use crate::auth::verify_render_token;
use crate::error::EdgeError;
use serde::Deserialize;
use switchboard_shared::abuse::AbuseConfig;
use wasm_bindgen::JsValue;
use worker::{AbortSignal, Fetch, Headers, Method, Request, RequestInit};

/// A render token older than this is expired: the visitor reloads the page.
pub const MAX_TOKEN_AGE_MS: i64 = 24 * 60 * 60 * 1000;
/// Clock skew tolerated for a token issued "in the future" (several edge locations).
pub const CLOCK_SKEW_MS: i64 = 60 * 1000;
/// Cloudflare's Turnstile script, rendered explicitly by the widget's loader;
/// `TURNSTILE_SCRIPT_URL` overrides it (tests).
pub const SCRIPT_URL: &str =
    "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";
/// Cloudflare's siteverify endpoint; `TURNSTILE_VERIFY_URL` overrides it (tests).
pub const SITEVERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/// How long siteverify may take before the check counts as unavailable.
pub const SITEVERIFY_TIMEOUT_MS: u32 = 3_000;
/// Longest Turnstile token accepted (Cloudflare's are at most 2048 characters).
pub const MAX_TURNSTILE_TOKEN: usize = 2048;

/// Checks the render token a submit carries against the site's settings.
///
/// - missing while required: 400 `render_token_missing`
/// - not genuine, for another site, or issued in the future: 400 `render_token_invalid`
/// - older than 24 h: 422 `render_token_expired` (reload the page for a fresh form)
/// - younger than `min_fill_seconds`: 429 `too_fast` with the seconds left as Retry-After
pub fn check_render_token(
    secret: &str,
    site: &str,
    token: Option<&str>,
    now_ms: i64,
    abuse: &AbuseConfig,
) -> Result<(), EdgeError> {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return if abuse.require_render_token {
            Err(EdgeError::bad_request(
                "render_token_missing",
                "render_token is required: fetch the form first and send back its render_token",
            ))
        } else {
            Ok(())
        };
    };
    let invalid = || {
        EdgeError::bad_request(
            "render_token_invalid",
            "render_token is not a token this site issued",
        )
    };
    let issued = verify_render_token(secret, site, token).ok_or_else(invalid)?;
    let age = now_ms.saturating_sub(issued);
    if age < -CLOCK_SKEW_MS {
        return Err(invalid());
    }
    if age > MAX_TOKEN_AGE_MS {
        return Err(EdgeError::Refused {
            code: "render_token_expired",
            message: "the form is more than 24 hours old; reload the page and send it again"
                .to_owned(),
            field: None,
        });
    }
    let min_ms = i64::from(abuse.min_fill_seconds) * 1000;
    if age < min_ms {
        let left_ms = min_ms - age.max(0);
        let retry_after_s = u32::try_from((left_ms + 999) / 1000).unwrap_or(u32::MAX);
        return Err(EdgeError::TooManyRequests {
            code: "too_fast",
            message: format!(
                "the form was sent {} ms after it was shown; wait and send it again",
                age.max(0)
            ),
            retry_after_s: retry_after_s.max(1),
        });
    }
    Ok(())
}

/// Cloudflare's siteverify answer (the parts that matter here).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct SiteverifyAnswer {
    pub success: bool,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default, rename = "error-codes")]
    pub error_codes: Vec<String>,
}

/// What a Turnstile check came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnstileVerdict {
    Passed,
    /// siteverify did not answer in time or at all: the inquiry is accepted and tagged
    /// `turnstile_unverified`, so an outage at Cloudflare does not lose real inquiries
    /// (the render token, honeypot and rate limits still apply).
    Unavailable(String),
}

/// A 422 for a Turnstile token that is missing, malformed or was refused.
pub fn turnstile_failed(message: impl Into<String>) -> EdgeError {
    EdgeError::Refused {
        code: "turnstile_failed",
        message: message.into(),
        field: Some("turnstile_token"),
    }
}

/// Judges siteverify's answer: success, and a hostname that is one of the site's origins.
pub fn judge_siteverify(
    answer: &SiteverifyAnswer,
    allowed_origins: &[String],
) -> Result<(), EdgeError> {
    if !answer.success {
        let duplicate = answer
            .error_codes
            .iter()
            .any(|c| c == "timeout-or-duplicate");
        return Err(turnstile_failed(if duplicate {
            "the turnstile check was already used or has expired; solve it again"
        } else {
            "the turnstile check failed; solve it again"
        }));
    }
    let host = answer.hostname.as_deref().unwrap_or("");
    let wildcard = allowed_origins.iter().any(|o| o.trim() == "*");
    if wildcard || allowed_origins.iter().any(|o| origin_host(o) == Some(host)) {
        Ok(())
    } else {
        Err(turnstile_failed(
            "the turnstile check was solved on a page this site does not allow",
        ))
    }
}

/// The host of an origin such as `https://example.com:8443` (`example.com`).
pub fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin.trim().split_once("://")?.1.trim_end_matches('/');
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    Some(rest.split(':').next().unwrap_or(rest))
}

/// A UUID-shaped idempotency key for siteverify, derived from the submit's own key, so a
/// retried submit re-asks with the same key and Cloudflare answers the first result again.
pub fn siteverify_idempotency_key(site: &str, submit_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("turnstile\0{site}\0{submit_key}").as_bytes());
    let h = crate::ids::hex(&d[..16]);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Asks siteverify about `token`. Network failures and timeouts are `Unavailable`; a
/// refusal is a 422.
pub async fn siteverify(
    url: &str,
    secret: &str,
    token: &str,
    remote_ip: Option<&str>,
    idempotency_key: &str,
    allowed_origins: &[String],
) -> Result<TurnstileVerdict, EdgeError> {
    if token.is_empty() || token.len() > MAX_TURNSTILE_TOKEN {
        return Err(turnstile_failed("turnstile_token is missing or too long"));
    }
    let mut body = serde_json::json!({
        "secret": secret,
        "response": token,
        "idempotency_key": idempotency_key,
    });
    if let Some(ip) = remote_ip {
        body["remoteip"] = ip.into();
    }
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(&body.to_string())));
    let request = Request::new_with_init(url, &init)?;
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(
        SITEVERIFY_TIMEOUT_MS,
    ));
    let mut response = match Fetch::Request(request).send_with_signal(&signal).await {
        Ok(r) => r,
        Err(e) => {
            return Ok(TurnstileVerdict::Unavailable(if signal.aborted() {
                format!("timed out after {SITEVERIFY_TIMEOUT_MS} ms")
            } else {
                format!("network error: {e}")
            }));
        }
    };
    if response.status_code() >= 500 {
        return Ok(TurnstileVerdict::Unavailable(format!(
            "siteverify answered {}",
            response.status_code()
        )));
    }
    let answer: SiteverifyAnswer = match response.json().await {
        Ok(a) => a,
        Err(_) if signal.aborted() => {
            return Ok(TurnstileVerdict::Unavailable(format!(
                "timed out after {SITEVERIFY_TIMEOUT_MS} ms"
            )));
        }
        Err(e) => {
            return Ok(TurnstileVerdict::Unavailable(format!(
                "unreadable siteverify answer: {e}"
            )));
        }
    };
    judge_siteverify(&answer, allowed_origins).map(|()| TurnstileVerdict::Passed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::issue_render_token;

    const NOW: i64 = 1_800_000_000_000;

    fn outcome(token: Option<&str>, abuse: &AbuseConfig) -> Result<(), (u16, String, Option<u32>)> {
        check_render_token("s3cret", "demo", token, NOW, abuse).map_err(|e| {
            let (status, body) = e.to_http();
            (status, body.error.code, e.retry_after())
        })
    }

    #[test]
    fn render_token_outcomes() {
        let abuse = AbuseConfig::default();
        let at = |ms: i64| issue_render_token("s3cret", "demo", ms);
        assert_eq!(outcome(Some(&at(NOW - 10_000)), &abuse), Ok(()));
        assert_eq!(
            outcome(Some(&at(NOW - 1_200)), &abuse),
            Err((429, "too_fast".into(), Some(2)))
        );
        assert_eq!(
            outcome(Some(&at(NOW - MAX_TOKEN_AGE_MS - 1)), &abuse),
            Err((422, "render_token_expired".into(), None))
        );
        assert_eq!(
            outcome(Some(&at(NOW + 10 * 60 * 1000)), &abuse),
            Err((400, "render_token_invalid".into(), None))
        );
        let forged = issue_render_token("guess", "demo", NOW - 10_000);
        assert_eq!(
            outcome(Some(&forged), &abuse),
            Err((400, "render_token_invalid".into(), None))
        );
        assert_eq!(
            outcome(Some("garbage"), &abuse),
            Err((400, "render_token_invalid".into(), None))
        );
        assert_eq!(
            outcome(None, &abuse),
            Err((400, "render_token_missing".into(), None))
        );
        let lax = AbuseConfig {
            min_fill_seconds: 0,
            require_render_token: false,
            ..AbuseConfig::default()
        };
        assert_eq!(outcome(None, &lax), Ok(()));
        assert_eq!(outcome(Some(&at(NOW)), &lax), Ok(()));
        // A present token is checked even where tokens are optional.
        assert!(outcome(Some("garbage"), &lax).is_err());
    }

    #[test]
    fn siteverify_answers_are_judged_with_the_hostname() {
        let origins = vec![
            "https://example.com".to_owned(),
            "http://127.0.0.1:8790".to_owned(),
        ];
        let ok = |host: &str| SiteverifyAnswer {
            success: true,
            hostname: Some(host.into()),
            error_codes: vec![],
        };
        assert!(judge_siteverify(&ok("example.com"), &origins).is_ok());
        assert!(judge_siteverify(&ok("127.0.0.1"), &origins).is_ok());
        assert!(judge_siteverify(&ok("evil.example"), &origins).is_err());
        let dup = SiteverifyAnswer {
            success: false,
            hostname: None,
            error_codes: vec!["timeout-or-duplicate".into()],
        };
        let e = judge_siteverify(&dup, &origins).unwrap_err();
        assert_eq!(e.to_http().0, 422);
        assert_eq!(e.to_http().1.error.code, "turnstile_failed");
        assert!(e.to_http().1.error.message.contains("already used"));
        assert_eq!(origin_host("http://[::1]:80"), Some("::1"));
    }

    #[test]
    fn idempotency_keys_are_stable_uuids() {
        let k = siteverify_idempotency_key("demo", "k-1");
        assert_eq!(k, siteverify_idempotency_key("demo", "k-1"));
        assert_ne!(k, siteverify_idempotency_key("demo", "k-2"));
        assert_eq!(k.len(), 36);
        assert_eq!(k.as_bytes()[14], b'4');
    }
}
