//! The shared corpus of tricky inputs (tests/fixtures/unicode-corpus.json) against the
//! reference Unicode tables. The integration tests run the same corpus through the widget
//! in Chromium (browser Unicode) and through the real Worker, and require the same verdicts.

use serde::Deserialize;
use std::collections::BTreeMap;
use switchboard_shared::config::{ConfigOptions, parse_config_with};
use switchboard_shared::inquiry::{Draft, Value, parse_inquiry};

#[derive(Deserialize)]
struct Case {
    id: String,
    fields: Draft,
    expect: serde_json::Value,
    #[serde(default)]
    normalized: BTreeMap<String, String>,
}

#[test]
fn corpus_verdicts_match_the_reference_tables() {
    let site = include_str!("../../tests/fixtures/site.toml")
        .replace("{{SITE}}", "corpus")
        .replace("{{RECEIVER}}", "http://127.0.0.1:9")
        .replace(
            "{{SECRET}}",
            "whsec_c3dpdGNoYm9hcmQtZGVtby1zaWduaW5nLXNlY3JldCE=",
        )
        .replace("{{PAGE_ORIGIN}}", "http://127.0.0.1:9");
    let config = parse_config_with(
        &site,
        ConfigOptions {
            allow_loopback_http: true,
        },
    )
    .unwrap();
    let cases: Vec<Case> =
        serde_json::from_str(include_str!("../../tests/fixtures/unicode-corpus.json")).unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let got = parse_inquiry(&config.form, &case.fields);
        match (&got, case.expect.as_str()) {
            (Ok(inquiry), Some("ok")) => {
                for (field, want) in &case.normalized {
                    assert_eq!(
                        inquiry.fields.get(field),
                        Some(&Value::Text(want.clone())),
                        "{}",
                        case.id
                    );
                }
            }
            (Err(errors), None) => {
                let got: Vec<[String; 2]> = errors
                    .iter()
                    .map(|e| [e.field.clone(), e.code.as_str().to_owned()])
                    .collect();
                let want: Vec<[String; 2]> = serde_json::from_value(case.expect.clone()).unwrap();
                assert_eq!(got, want, "{}", case.id);
            }
            _ => panic!("{}: expected {}, got {got:?}", case.id, case.expect),
        }
    }
}
