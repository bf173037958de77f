//! Fuzz target: arbitrary drafts through `shared`'s one parse function, against the demo
//! site's form. Any input must end in a validated inquiry or field errors, never a panic;
//! what is accepted must parse again to itself (normalization is idempotent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use switchboard_shared::config::{ConfigOptions, parse_config_with};
use switchboard_shared::inquiry::{Draft, RawValue, Value, parse_inquiry};
use switchboard_shared::FormSpec;

static FORM: LazyLock<FormSpec> = LazyLock::new(|| {
    parse_config_with(include_str!("../../demo/site.toml"), ConfigOptions { allow_loopback_http: true })
        .expect("the demo config is valid")
        .form
});

fuzz_target!(|data: &[u8]| {
    // JSON drafts exercise every value shape; otherwise split the bytes into the fields.
    let draft: Draft = serde_json::from_slice(data).unwrap_or_else(|_| {
        let text = String::from_utf8_lossy(data);
        let mut parts = text.splitn(5, '\u{1f}');
        ["name", "email", "topic", "message", "website"]
            .iter()
            .filter_map(|id| parts.next().map(|p| ((*id).to_owned(), RawValue::Text(p.to_owned()))))
            .collect()
    });
    if let Ok(inquiry) = parse_inquiry(&FORM, &draft) {
        let again: Draft = inquiry
            .fields
            .iter()
            .map(|(k, v)| {
                let raw = match v {
                    Value::Text(s) => RawValue::Text(s.clone()),
                    Value::List(l) => RawValue::List(l.clone()),
                    Value::Bool(b) => RawValue::Bool(*b),
                };
                (k.clone(), raw)
            })
            .collect();
        assert_eq!(parse_inquiry(&FORM, &again), Ok(inquiry));
    }
});
