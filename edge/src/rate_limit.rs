//! Per-visitor rate limits on the inquiry endpoint: the Workers rate-limit binding `BURST`
//! for bursts (per site and IP, per Cloudflare location), and an exact count in D1 over 12
//! hours. A visitor is a keyed hash of site and IP; raw IPs are never stored.

use crate::error::EdgeError;
use crate::platform::log;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use switchboard_shared::abuse::WINDOW_MS;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

/// Binding name of the burst limiter in `wrangler.toml`.
pub const BURST_BINDING: &str = "BURST";
/// Its period in seconds (`[ratelimits.simple] period`): the Retry-After of a burst refusal.
pub const BURST_PERIOD_S: u32 = 10;
/// Stand-in for a request without `CF-Connecting-IP` (only possible off Cloudflare): all
/// such requests share one budget.
pub const UNKNOWN_IP: &str = "unknown";

/// The client IP Cloudflare saw, trimmed and bounded; `UNKNOWN_IP` when absent.
pub fn client_ip(header: Option<&str>) -> String {
    header
        .map(str::trim)
        .filter(|ip| !ip.is_empty() && ip.len() <= 64)
        .unwrap_or(UNKNOWN_IP)
        .to_owned()
}

/// The visitor key: hex HMAC-SHA256(key, "visitor\0<site>\0<ip>"). Without the key, a
/// stored value cannot be tested against guessed IPs (the IPv4 space is small).
pub fn visitor_key(key: &str, site: &str, ip: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("hmac takes keys of any length"),
    };
    mac.update(format!("visitor\0{site}\0{ip}").as_bytes());
    crate::ids::hex(&mac.finalize().into_bytes())
}

/// Whole seconds until the oldest event in the window leaves it (at least 1).
pub fn retry_after_s(oldest_ms: i64, now_ms: i64) -> u32 {
    let left = (oldest_ms + WINDOW_MS - now_ms).max(0);
    u32::try_from((left + 999) / 1000)
        .unwrap_or(u32::MAX)
        .max(1)
}

fn limited(message: String, retry_after_s: u32) -> EdgeError {
    EdgeError::TooManyRequests {
        code: "rate_limited",
        message,
        retry_after_s,
    }
}

/// Which budget of the burst limiter a request spends: submits and routing previews are
/// counted apart, so a visitor's previews never use up their submits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    Submit,
    Preview,
}

/// The burst check. A missing binding (a deployment without `[[ratelimits]]`) is logged and
/// lets the request through: the D1 limit still holds.
pub async fn burst(env: &Env, budget: Budget, site: &str, visitor: &str) -> Result<(), EdgeError> {
    let limiter = match env.rate_limiter(BURST_BINDING) {
        Ok(l) => l,
        Err(_) => {
            log("rate limit: the BURST binding is missing; bursts are not limited");
            return Ok(());
        }
    };
    // The binding's key is per site and visitor; it is a hash already.
    let (key, what) = match budget {
        Budget::Submit => (format!("{site}:{visitor}"), "inquiries"),
        // Site ids never hold a colon, so the prefix cannot meet a submit key.
        Budget::Preview => (format!("preview:{site}:{visitor}"), "previews"),
    };
    let outcome = limiter.limit(key).await?;
    if outcome.success {
        Ok(())
    } else {
        Err(limited(
            format!("too many {what} in a short time; wait a few seconds"),
            BURST_PERIOD_S,
        ))
    }
}

/// The refusal of a visitor who has used up `limit` inquiries in 12 hours. The count and
/// the insert it guards are one statement of the inquiry's store batch
/// (`store::store_inquiry`), so concurrent submits cannot both slip past the limit.
pub fn window_exhausted(limit: u32, retry_after_s: u32) -> EdgeError {
    limited(
        format!("at most {limit} inquiries per 12 hours from one visitor"),
        retry_after_s,
    )
}

/// Deletes events that left the window; run by the cron trigger.
pub async fn purge(db: &D1Database, now_ms: i64) -> Result<(), EdgeError> {
    crate::bench_timing::storage_delay().await;
    db.prepare("DELETE FROM submission_events WHERE at_ms <= ?1")
        .bind(&[JsValue::from_f64((now_ms - WINDOW_MS) as f64)])?
        .run()
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitors_are_keyed_hashes_per_site() {
        let a = visitor_key("k", "demo", "203.0.113.7");
        assert_eq!(a.len(), 64);
        assert!(!a.contains("203"));
        assert_ne!(a, visitor_key("k", "other", "203.0.113.7"));
        assert_ne!(a, visitor_key("k2", "demo", "203.0.113.7"));
        assert_eq!(client_ip(None), UNKNOWN_IP);
        assert_eq!(client_ip(Some(" 2001:db8::1 ")), "2001:db8::1");
        assert_eq!(client_ip(Some(&"9".repeat(65))), UNKNOWN_IP);
    }

    #[test]
    fn retry_after_counts_to_the_window_edge() {
        let now = 1_000_000_000;
        assert_eq!(retry_after_s(now, now), 12 * 3600);
        assert_eq!(retry_after_s(now - WINDOW_MS + 1500, now), 2);
        assert_eq!(retry_after_s(now - WINDOW_MS - 5, now), 1);
    }
}
