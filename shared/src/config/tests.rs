//! Config parsing and checks: the demo config passes; each broken config names its path,
//! problem, line and column.

use super::*;

const DEMO: &str = include_str!("../../../demo/site.toml");

fn errors(text: &str) -> Vec<String> {
    match parse_config(text) {
        Ok(_) => vec![],
        Err(es) => es.iter().map(ToString::to_string).collect(),
    }
}

/// A small valid config; tests break one thing at a time with `replace`.
const BASE: &str = r#"site = "acme"
name = "Acme"
allowed_origins = ["https://acme.example"]
default_poc = "support"

[form]
fields = [
  { id = "email", kind = "email", required = true, label = "Email" },
  { id = "topic", kind = "choice", topic = true, required = true, label = "Topic", options = [{ value = "help", label = "Help" }, { value = "buy", label = "Buy" }] },
  { id = "message", kind = "long_text", required = true, label = "Message" },
]

[[pocs]]
id = "support"
name = "Support"
kind = "support"
topics = ["help"]
backup = "sales"
calendar = { time_zone = "Europe/Berlin", hours = { mon = ["09:00-17:00"] } }
targets = { normal = "4h" }
endpoints = [{ url = "https://hooks.acme.example/support", secrets = ["whsec_c3dpdGNoYm9hcmQtZGVtby1zaWduaW5nLXNlY3JldCE="] }]

[[pocs]]
id = "sales"
name = "Sales"
kind = "sales"
topics = ["buy"]
calendar = { time_zone = "America/New_York", always_open = true }
targets = { normal = "1d" }

[[rules]]
id = "refunds"
when = { keywords = ["refund"] }
route = "sales"
"#;

#[test]
fn demo_and_base_configs_pass() {
    let demo = parse_config_with(
        DEMO,
        ConfigOptions {
            allow_loopback_http: true,
        },
    )
    .unwrap();
    assert_eq!(demo.pocs.len(), 6);
    assert_eq!(errors(BASE), Vec::<String>::new());
}

#[test]
fn demo_refuses_loopback_webhooks_in_strict_mode() {
    let errs = errors(DEMO);
    assert!(
        errs.iter()
            .all(|e| e.contains("webhook URL refused: scheme must be https")),
        "{errs:#?}"
    );
    assert_eq!(errs.len(), 7);
}

#[test]
fn each_broken_config_is_located() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "default_poc = \"support\"",
            "default_poc = \"nobody\"",
            "4:15: default_poc: unknown POC `nobody`",
        ),
        (
            "backup = \"sales\"",
            "backup = \"ghost\"",
            "18:10: pocs[0].backup: unknown backup POC `ghost`",
        ),
        (
            "route = \"sales\"",
            "route = \"ghost\"",
            "34:9: rules[0].route: rule `refunds` routes to unknown POC `ghost`",
        ),
        (
            "Europe/Berlin",
            "Europe/Atlantis",
            "19:12: unknown time zone `Europe/Atlantis`",
        ),
        (
            "id = \"sales\"\nname",
            "id = \"support\"\nname",
            "24:6: pocs[1].id: duplicate POC id `support`",
        ),
        (
            "topics = [\"buy\"]",
            "topics = []",
            "9:141: form.fields[1].options[1].value: no POC owns topic `buy`; add it to a POC's topics",
        ),
        (
            "topics = [\"help\"]",
            "topics = [\"help\", \"golf\"]",
            "17:19: pocs[0].topics[1]: POC `support` owns topic `golf`, which the form does not offer",
        ),
        (
            "normal = \"4h\"",
            "normal = \"soon\"",
            "20:22: invalid target `soon`",
        ),
        (
            "https://acme.example\"]",
            "https://acme.example/page\"]",
            "3:20: allowed_origins[0]: `https://acme.example/page` is not an origin like https://example.com",
        ),
        (
            "https://hooks.acme.example/support",
            "https://169.254.169.254/support",
            "21:22: pocs[0].endpoints[0].url: webhook URL refused: host 169.254.169.254 is a private, loopback, link-local or reserved address",
        ),
        (
            "whsec_c3dp",
            "c3dp",
            "21:71: pocs[0].endpoints[0].secrets[0]: secret must start with `whsec_` followed by base64",
        ),
        (
            "kind = \"support\"",
            "kind = \"support\"\ncolour = \"red\"",
            "17:1: unknown field `colour`",
        ),
    ];
    for (from, to, want) in cases {
        assert!(BASE.contains(from), "{from}");
        let text = BASE.replacen(from, to, 1);
        let got = errors(&text);
        assert!(
            got.iter().any(|e| e.starts_with(want)),
            "want {want:?}\n got {got:#?}"
        );
    }
}

#[test]
fn backup_cycles_are_found() {
    let text = BASE.replacen(
        "topics = [\"buy\"]",
        "topics = [\"buy\"]\nbackup = \"support\"",
        1,
    );
    let got = errors(&text);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0].contains("pocs[0].backup: backup chain loops: support -> sales -> support"),
        "{got:#?}"
    );
}

#[test]
fn shadowed_rules_are_found() {
    let text = format!(
        "{BASE}\n[[rules]]\nid = \"refund-now\"\nwhen = {{ all = [{{ keywords = [\"refund now\"] }}, {{ topic = \"buy\" }}] }}\nroute = \"support\"\n"
    );
    let got = errors(&text);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].contains("rules[1].when: rule `refund-now` can never match: rule `refunds` (#1) matches everything it does"), "{got:#?}");
}

#[test]
fn redacted_toml_hides_secrets_and_parses_back() {
    let c = parse_config(BASE).unwrap();
    let red = c.to_redacted_toml();
    assert!(!red.contains("c3dpdGNo"), "{red}");
    assert!(red.contains("whsec_…redacted"));
    let back: SiteConfig = toml::from_str(&red).unwrap();
    assert_eq!(back.pocs[0].calendar, c.pocs[0].calendar);
}

#[test]
fn published_json_schema_is_current() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schema/site-config.schema.json"
    );
    let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        published == generated,
        "schema/site-config.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test -p switchboard-shared --features server published_json_schema`"
    );
    // The schema describes what the parser reads: the demo config's keys are all in it.
    for key in [
        "allowed_origins",
        "default_poc",
        "pocs",
        "rules",
        "form",
        "retention_days",
    ] {
        assert!(generated.contains(&format!("\"{key}\"")), "{key}");
    }
}

#[test]
fn confirmation_placeholders_are_checked() {
    let ok = BASE.replace(
        "targets = { normal = \"4h\" }",
        "targets = { normal = \"4h\" }\nconfirmation = { en = \"Hi {name}, {team} replies to {reference} by {deadline}\" }",
    );
    assert_eq!(errors(&ok), Vec::<String>::new());
    let bad = BASE.replace(
        "targets = { normal = \"4h\" }",
        "targets = { normal = \"4h\" }\nconfirmation = { de = \"Hallo {vorname}\" }",
    );
    let es = errors(&bad);
    assert_eq!(es.len(), 1, "{es:?}");
    assert!(
        es[0].starts_with("21:16: pocs[0].confirmation: confirmation `de` of POC `support` uses unknown placeholder `{vorname}`"),
        "{}",
        es[0]
    );
}

#[test]
fn json_endpoints_need_a_secret_chat_ones_do_not() {
    let signed = "secrets = [\"whsec_c3dpdGNoYm9hcmQtZGVtby1zaWduaW5nLXNlY3JldCE=\"]";
    assert!(BASE.contains(signed));
    let unsigned = BASE.replacen(signed, "secrets = []", 1);
    let got = errors(&unsigned);
    assert!(
        got.iter()
            .any(|e| e.contains("pocs[0].endpoints[0].secrets: a JSON endpoint needs")),
        "{got:#?}"
    );
    let slack = BASE.replacen(signed, "format = \"slack\"", 1);
    assert_eq!(errors(&slack), Vec::<String>::new());
}

#[test]
fn a_json_config_is_the_toml_config() {
    let options = || ConfigOptions {
        allow_loopback_http: true,
    };
    let from_toml = parse_config_with(DEMO, options()).unwrap();
    let json = serde_json::to_string(&from_toml).unwrap();
    let converted = toml_from_json(&json).unwrap();
    assert_eq!(parse_config_with(&converted, options()).unwrap(), from_toml);
    assert!(toml_from_json("[1]").unwrap_err().contains("object"));
    assert!(
        toml_from_json("{not json")
            .unwrap_err()
            .contains("not valid json")
    );
    assert!(toml_from_json(r#"{"site": null}"#).is_err());
    // A wrong value is refused by the config's own checks.
    let bad = json.replacen("\"Europe/", "\"Mars/", 1);
    let errors = parse_config_with(&toml_from_json(&bad).unwrap(), options()).unwrap_err();
    assert!(
        errors.iter().any(|e| e.message.contains("Mars/")),
        "{errors:?}"
    );
}
