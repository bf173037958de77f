//! A site's abuse settings (`[abuse]` in the site config): render-token fill time, the
//! per-visitor submission limit and optional Cloudflare Turnstile. Defaults are what a
//! site gets when it says nothing.

use serde::{Deserialize, Serialize};

/// Seconds a person needs at least to fill in a form, unless the site says otherwise.
pub const DEFAULT_MIN_FILL_SECONDS: u32 = 3;
/// Longest fill time a site may demand: more would refuse real people.
pub const MAX_MIN_FILL_SECONDS: u32 = 600;
/// Inquiries one visitor (site + IP) may send per window, unless the site says otherwise.
pub const DEFAULT_MAX_PER_WINDOW: u32 = 20;
/// Highest per-visitor limit a site may set.
pub const MAX_MAX_PER_WINDOW: u32 = 1_000_000;
/// Length of the exact per-visitor window, in milliseconds (12 hours).
pub const WINDOW_MS: i64 = 12 * 60 * 60 * 1000;

/// `[abuse]`: every key optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AbuseConfig {
    /// A submit carrying a render token younger than this is refused as too fast.
    #[serde(default = "default_min_fill")]
    pub min_fill_seconds: u32,
    /// Whether a submit without any render token is refused. Only server-to-server
    /// integrations that post without fetching the form should turn this off.
    #[serde(default = "default_true")]
    pub require_render_token: bool,
    /// Inquiries accepted per visitor (site + IP) in any 12 hours.
    #[serde(default = "default_max_per_window")]
    pub max_inquiries_per_12h: u32,
    /// Whether the burst limit (the Worker's `BURST` rate limit, per visitor) applies. A site
    /// whose inquiries all come through its own server, and so from one address, turns it
    /// off; the 12-hour count still applies.
    #[serde(default = "default_true")]
    pub burst_limit: bool,
    /// Cloudflare Turnstile, when the site wants it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnstile: Option<TurnstileConfig>,
}

/// `[abuse.turnstile]`: the public site key, and where the secret lives. The secret itself
/// never appears in a config: it is a Worker secret, named here or `TURNSTILE_SECRET`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnstileConfig {
    pub site_key: String,
    /// Name of the Worker secret holding this site's Turnstile secret key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
}

/// The Worker-wide Turnstile secret, used when a site names none of its own.
pub const DEFAULT_TURNSTILE_SECRET_ENV: &str = "TURNSTILE_SECRET";

impl TurnstileConfig {
    /// Name of the Worker secret to read.
    pub fn secret_name(&self) -> &str {
        self.secret_env
            .as_deref()
            .unwrap_or(DEFAULT_TURNSTILE_SECRET_ENV)
    }
}

fn default_min_fill() -> u32 {
    DEFAULT_MIN_FILL_SECONDS
}
fn default_true() -> bool {
    true
}
fn default_max_per_window() -> u32 {
    DEFAULT_MAX_PER_WINDOW
}

impl Default for AbuseConfig {
    fn default() -> Self {
        AbuseConfig {
            min_fill_seconds: DEFAULT_MIN_FILL_SECONDS,
            require_render_token: true,
            max_inquiries_per_12h: DEFAULT_MAX_PER_WINDOW,
            burst_limit: true,
            turnstile: None,
        }
    }
}

impl AbuseConfig {
    pub fn is_default(&self) -> bool {
        *self == AbuseConfig::default()
    }

    /// Problems as (key under `abuse`, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.min_fill_seconds > MAX_MIN_FILL_SECONDS {
            out.push((
                "min_fill_seconds",
                format!("min_fill_seconds must be at most {MAX_MIN_FILL_SECONDS}"),
            ));
        }
        if self.max_inquiries_per_12h == 0 || self.max_inquiries_per_12h > MAX_MAX_PER_WINDOW {
            out.push((
                "max_inquiries_per_12h",
                format!("max_inquiries_per_12h must be 1 to {MAX_MAX_PER_WINDOW}"),
            ));
        }
        if let Some(t) = &self.turnstile {
            let key_ok = !t.site_key.is_empty()
                && t.site_key.len() <= 100
                && t.site_key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !key_ok {
                out.push((
                    "turnstile",
                    "turnstile site_key must be 1 to 100 letters, digits, `_` or `-`".to_owned(),
                ));
            }
            // A secret pasted here by mistake would be stored and shown; only names pass.
            if let Some(name) = &t.secret_env {
                let name_ok = !name.is_empty()
                    && name.len() <= 64
                    && name.starts_with("TURNSTILE_")
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
                if !name_ok {
                    out.push((
                        "turnstile",
                        "turnstile secret_env must name a Worker secret like TURNSTILE_SECRET_ACME (uppercase, starting with TURNSTILE_), not hold the secret".to_owned(),
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_strict_and_checks_catch_secrets_in_clear() {
        let d = AbuseConfig::default();
        assert!(d.require_render_token);
        assert_eq!(d.min_fill_seconds, 3);
        assert!(d.problems().is_empty());
        let mut c = d.clone();
        c.turnstile = Some(TurnstileConfig {
            site_key: "1x00000000000000000000AA".into(),
            secret_env: Some("0x4AAAAAAAsecretvalue".into()),
        });
        assert_eq!(c.problems().len(), 1);
        c.turnstile = Some(TurnstileConfig {
            site_key: "1x00000000000000000000AA".into(),
            secret_env: Some("TURNSTILE_SECRET_ACME".into()),
        });
        assert!(c.problems().is_empty());
        assert_eq!(
            c.turnstile.as_ref().map(TurnstileConfig::secret_name),
            Some("TURNSTILE_SECRET_ACME")
        );
        c.max_inquiries_per_12h = 0;
        assert_eq!(c.problems().len(), 1);
    }
}
