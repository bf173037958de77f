//! The URL guard (SSRF): webhook endpoints must be public https URLs. Applied when a
//! config is saved and again before every request. Parsing follows the WHATWG URL
//! standard, so `127.1`, `2130706433` and `0x7f.0.0.1` all become `127.0.0.1` first.

use std::net::{Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// Why a webhook URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not a valid absolute URL")]
    Invalid,
    #[error("scheme must be https")]
    NotHttps,
    #[error("URL must not carry a user name or password")]
    Userinfo,
    #[error("host {0} is a private, loopback, link-local or reserved address")]
    PrivateAddress(String),
    #[error("host {0} is a local or internal name")]
    LocalName(String),
}

/// Checks a webhook URL. With `allow_loopback_http` (local development only), plain http
/// to a loopback host is also accepted.
pub fn check_webhook_url(raw: &str, allow_loopback_http: bool) -> Result<Url, UrlError> {
    let url = Url::parse(raw.trim()).map_err(|_| UrlError::Invalid)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Userinfo);
    }
    let host = url.host().ok_or(UrlError::Invalid)?;
    if allow_loopback_http && matches!(url.scheme(), "http" | "https") && is_loopback(&host) {
        return Ok(url);
    }
    if url.scheme() != "https" {
        return Err(UrlError::NotHttps);
    }
    match host {
        Host::Ipv4(ip) if forbidden_v4(ip) => Err(UrlError::PrivateAddress(ip.to_string())),
        Host::Ipv6(ip) if forbidden_v6(ip) => Err(UrlError::PrivateAddress(format!("[{ip}]"))),
        Host::Domain(name) if local_name(name) => Err(UrlError::LocalName(name.to_owned())),
        _ => Ok(url),
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(d) => {
            let d = d.trim_end_matches('.');
            d == "localhost" || d.ends_with(".localhost")
        }
    }
}

fn local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    // A single label (no dot) resolves through search domains, i.e. locally.
    !name.contains('.')
        || [
            "localhost",
            "local",
            "internal",
            "localdomain",
            "home.arpa",
            "lan",
            "intranet",
            "corp",
        ]
        .iter()
        .any(|suffix| name == *suffix || name.ends_with(&format!(".{suffix}")))
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

/// Everything that is not a globally routable unicast address.
fn forbidden_v4(ip: Ipv4Addr) -> bool {
    const RANGES: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this network"
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // shared address space (carrier-grade NAT)
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([192, 88, 99, 0], 24),  // 6to4 relay
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, broadcast
    ];
    RANGES.iter().any(|(net, prefix)| in_v4(ip, *net, *prefix))
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // Addresses that carry an IPv4 address: judge the embedded one.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return forbidden_v4(v4);
    }
    if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return forbidden_v4(v4);
    }
    ip.is_unspecified()
        || ip.is_loopback()
        || s[0..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (deprecated)
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments (Teredo, ORCHID, ...)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORBIDDEN: &[&str] = &[
        "http://example.com/hook",
        "ftp://example.com/hook",
        "https://user:pw@example.com/",
        "https://user@example.com/",
        "https://:pw@example.com/",
        "https://127.0.0.1/",
        "https://127.1/",
        "https://127.0.1/",
        "https://2130706433/",
        "https://0x7f000001/",
        "https://0x7f.0.0.1/",
        "https://0177.0.0.1/",
        "https://017700000001/",
        "https://0x7f.1/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:7f00:1]/",
        "https://[0:0:0:0:0:ffff:127.0.0.1]/",
        "https://[::127.0.0.1]/",
        "https://[64:ff9b::127.0.0.1]/",
        "https://[2002:7f00:1::]/",
        "https://[::]/",
        "https://0.0.0.0/",
        "https://0/",
        "https://10.0.0.1/",
        "https://10.255.255.255:8443/x",
        "https://172.16.0.1/",
        "https://172.31.255.254/",
        "https://192.168.1.1/",
        "https://100.64.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://0xa9fea9fe/",
        "https://2852039166/",
        "https://[fd00:ec2::254]/",
        "https://[fe80::1]/",
        "https://[fc00::1]/",
        "https://224.0.0.1/",
        "https://255.255.255.255/",
        "https://240.0.0.1/",
        "https://0251.0376.0251.0376/",
        "https://[::ffff:a9fe:a9fe]/",
        "https://[::ffff:169.254.169.254]/",
        "https://metadata.internal/",
        "HTTPS://LOCALHOST/",
        "https://198.18.0.1/",
        "https://192.0.2.10/",
        "https://localhost/",
        "https://localhost./",
        "https://api.localhost/",
        "https://printer.local/",
        "https://metadata.google.internal/",
        "https://intranet/",
        "https://router.home.arpa/",
        "not a url",
        "https://",
        "//example.com/",
    ];

    #[test]
    fn forbidden_forms_are_refused() {
        for url in FORBIDDEN {
            assert!(check_webhook_url(url, false).is_err(), "{url} was accepted");
        }
        assert!(FORBIDDEN.len() >= 40);
    }

    #[test]
    fn public_https_urls_pass() {
        for url in [
            "https://hooks.slack.com/services/T000/B000/XXXX",
            "https://discord.com/api/webhooks/1/abc",
            "https://example.com:8443/hook?x=1",
            "https://93.184.216.34/hook",
            "https://[2606:2800:220:1:248:1893:25c8:1946]/hook",
            "https://xn--bcher-kva.example/hook",
            "https://bücher.example/hook",
        ] {
            assert!(check_webhook_url(url, false).is_ok(), "{url} was refused");
        }
    }

    #[test]
    fn loopback_http_only_in_local_mode() {
        assert_eq!(
            check_webhook_url("http://127.0.0.1:8788/hooks/a", false),
            Err(UrlError::NotHttps)
        );
        assert!(check_webhook_url("http://127.0.0.1:8788/hooks/a", true).is_ok());
        assert!(check_webhook_url("http://localhost:8788/", true).is_ok());
        assert!(check_webhook_url("http://[::1]:8788/", true).is_ok());
        assert!(check_webhook_url("http://10.0.0.1/", true).is_err());
        assert!(check_webhook_url("http://user:pw@127.0.0.1/", true).is_err());
    }
}
