//! Fuzz target: raw body bytes and header values through the inquiry endpoint's parsing
//! (`switchboard_edge::intake`). Any input must end in a typed request or a typed 4xx.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_edge::intake::{self, BodyKind};

fuzz_target!(|data: &[u8]| {
    // The first byte picks how the rest is split into a content-type, a content-length
    // and a body, so header parsing is fuzzed along with the body.
    let (split, rest) = match data.split_first() {
        Some((b, rest)) => (usize::from(*b), rest),
        None => (0, data),
    };
    let cut = split.min(rest.len()) / 2;
    let (content_type, rest) = rest.split_at(cut);
    let (content_length, body) = rest.split_at((cut / 2).min(rest.len()));
    let content_type = String::from_utf8_lossy(content_type);
    let content_length = String::from_utf8_lossy(content_length);
    let _ = intake::check_media_type(Some(&content_type), BodyKind::Json);
    let _ = intake::check_declared_length(Some(&content_length));
    match intake::parse_submit(body) {
        Ok(request) => {
            // What parses must survive the later steps that read it.
            let _ = switchboard_edge::submit::idempotency_key(&request.idempotency_key, None);
        }
        Err(e) => {
            let (status, body) = e.to_http();
            assert!((400..500).contains(&status), "status {status} for {e:?}");
            assert!(!body.error.code.is_empty());
        }
    }
});
