//! Origin allowlist and CORS decisions for the public endpoints, as plain values.

/// Methods the public endpoints accept from browsers.
pub const ALLOW_METHODS: &str = "GET, POST, OPTIONS";
/// Request headers the widget may send.
pub const ALLOW_HEADERS: &str = "content-type, idempotency-key";
/// How long a browser may cache a preflight answer, in seconds.
pub const PREFLIGHT_MAX_AGE: &str = "600";

/// What to do about a request's `Origin` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginDecision {
    /// No `Origin` header: not a cross-origin browser request (curl, a server, a same-origin
    /// page). Served, without CORS headers.
    Absent,
    /// On the allowlist: served, and the origin is echoed in `Access-Control-Allow-Origin`.
    Allowed(String),
    /// Not on the allowlist: refused with 403.
    Denied,
}

/// Decides on `origin` against a site's allowed origins. Entries match exactly, after
/// ignoring case and a trailing slash; a single `*` entry allows every origin.
pub fn decide(origin: Option<&str>, allowed: &[String]) -> OriginDecision {
    let Some(origin) = origin.map(str::trim).filter(|o| !o.is_empty()) else {
        return OriginDecision::Absent;
    };
    let canon = |s: &str| s.trim().trim_end_matches('/').to_ascii_lowercase();
    let wanted = canon(origin);
    // Opaque origins ("null": sandboxed frames, file://) can be forged by anyone.
    if wanted == "null" {
        return OriginDecision::Denied;
    }
    if allowed
        .iter()
        .any(|a| a.trim() == "*" || canon(a) == wanted)
    {
        OriginDecision::Allowed(origin.to_owned())
    } else {
        OriginDecision::Denied
    }
}

/// Headers to add to an answer (preflight or actual) for this decision.
pub fn response_headers(decision: &OriginDecision, preflight: bool) -> Vec<(&'static str, String)> {
    // Caches must keep answers for different origins apart, whatever the decision was.
    let mut headers = vec![("vary", "Origin".to_owned())];
    if let OriginDecision::Allowed(origin) = decision {
        headers.push(("access-control-allow-origin", origin.clone()));
        // The host page's own performance tooling may see how long the widget's requests took.
        headers.push(("timing-allow-origin", origin.clone()));
        // A 429's wait: the widget sits out a short one and names a long one.
        headers.push(("access-control-expose-headers", "Retry-After".to_owned()));
        if preflight {
            headers.push(("access-control-allow-methods", ALLOW_METHODS.to_owned()));
            headers.push(("access-control-allow-headers", ALLOW_HEADERS.to_owned()));
            headers.push(("access-control-max-age", PREFLIGHT_MAX_AGE.to_owned()));
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn origins_match_exactly_modulo_case_and_slash() {
        let allowed = list(&["https://example.com", "http://localhost:8790/"]);
        assert_eq!(decide(None, &allowed), OriginDecision::Absent);
        assert_eq!(
            decide(Some("https://EXAMPLE.com"), &allowed),
            OriginDecision::Allowed("https://EXAMPLE.com".into())
        );
        assert_eq!(
            decide(Some("http://localhost:8790"), &allowed),
            OriginDecision::Allowed("http://localhost:8790".into())
        );
        assert_eq!(
            decide(Some("https://example.com.evil.net"), &allowed),
            OriginDecision::Denied
        );
        assert_eq!(
            decide(Some("http://example.com"), &allowed),
            OriginDecision::Denied
        );
        assert_eq!(decide(Some("null"), &list(&["*"])), OriginDecision::Denied);
        assert_eq!(
            decide(Some("https://a.b"), &list(&["*"])),
            OriginDecision::Allowed("https://a.b".into())
        );
    }

    #[test]
    fn preflight_echoes_the_origin_and_always_varies() {
        let h = response_headers(&OriginDecision::Allowed("https://example.com".into()), true);
        assert!(h.contains(&("access-control-allow-origin", "https://example.com".into())));
        assert!(h.iter().any(|(k, _)| *k == "access-control-allow-headers"));
        let actual = response_headers(
            &OriginDecision::Allowed("https://example.com".into()),
            false,
        );
        assert!(actual.contains(&("access-control-expose-headers", "Retry-After".into())));
        assert_eq!(
            response_headers(&OriginDecision::Denied, true),
            vec![("vary", "Origin".to_owned())]
        );
        let actual = response_headers(
            &OriginDecision::Allowed("https://example.com".into()),
            false,
        );
        assert!(
            !actual
                .iter()
                .any(|(k, _)| *k == "access-control-allow-methods")
        );
        assert!(actual.contains(&("timing-allow-origin", "https://example.com".into())));
    }
}
