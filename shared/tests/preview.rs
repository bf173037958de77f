//! The promise before sending is the promise kept: over 1,000 generated drafts on a config
//! with every condition kind and away periods, the preview's inquiry (`parse_partial`) and the submit's
//! (`parse_inquiry`) give the same promise, and so does the preview of only the fields the
//! form definition lists as `routing_fields` (all the widget sends before the visitor
//! does).

#![cfg(feature = "server")]

use proptest::prelude::*;
use switchboard_shared::availability::AwayPeriod;
use switchboard_shared::config::{ConfigOptions, SiteConfig, parse_config_with};
use switchboard_shared::inquiry::{Draft, RawValue, parse_inquiry, parse_partial};
use switchboard_shared::locale::Locale;
use switchboard_shared::promise::{Promise, promise};
use switchboard_shared::routing::{Router, routing_fields};

/// The demo site with two more fields and rules of every condition kind on top of its own
/// (email domain, topic with keywords, keywords).
fn config() -> SiteConfig {
    let extra = r#"
[[form.fields]]
id = "company"
kind = "text"
label = { en = "Company" }

[[form.fields]]
id = "plan"
kind = "choice"
label = { en = "Plan" }
options = [{ value = "free", label = { en = "Free" } }, { value = "pro", label = { en = "Pro" } }]

[[form.fields]]
id = "phone"
kind = "phone"
label = { en = "Phone" }

[[rules]]
id = "pro-plan"
when = { all = [{ field_equals = { field = "plan", value = "pro" } }, { not = { topic = "press" } }] }
route = "sales"
priority = "high"

[[rules]]
id = "robot-makers"
when = { any = [{ field_contains = { field = "company", value = "robot" } }, { language = ["fr"] }] }
route = "key-accounts"

[[rules]]
id = "german-billing"
when = { all = [{ language = ["de"] }, { topic = "billing" }] }
priority = "low"
"#;
    let base = include_str!("../../demo/site.toml");
    // The demo's rules come after its fields and POCs; the extra fields go with the form.
    let (head, rules) = base.split_once("[[rules]]").expect("the demo has rules");
    let (fields, extra_rules) = extra.split_once("[[rules]]").expect("extra rules");
    let text = format!("{head}{fields}[[rules]]{extra_rules}[[rules]]{rules}");
    let mut config = parse_config_with(
        &text,
        ConfigOptions {
            allow_loopback_http: true,
        },
    )
    .expect("the generated config is valid");
    // Away periods inside the generated instants: billing over a summer, key accounts for
    // a week of it, so routing passes down backup chains too.
    for (poc, from, until) in [
        ("billing", "2026-06-01", "2026-08-31"),
        ("key-accounts", "2026-07-01", "2026-07-07"),
    ] {
        let poc = config
            .pocs
            .iter_mut()
            .find(|p| p.id == poc)
            .expect("demo poc");
        poc.away.push(AwayPeriod {
            from: from.into(),
            until: until.into(),
            note: None,
        });
    }
    config
}

fn text(options: &'static [&'static str]) -> impl Strategy<Value = Option<RawValue>> {
    prop::sample::select(options).prop_map(|s| Some(RawValue::Text(s.to_owned())))
}

/// Drafts as a visitor leaves them: any mix of valid, invalid, empty and missing values.
fn draft() -> impl Strategy<Value = Draft> {
    let fields = (
        prop_oneof![Just(None), text(&["Ada", "", "  ", "Grace Hopper"])],
        prop_oneof![
            Just(None),
            text(&[
                "a@bigcorp.example",
                "B@EU.MegaCorp.example",
                "c@example.com",
                "not-an-email",
                "",
                "d@bücher.example",
            ])
        ],
        prop_oneof![
            Just(None),
            text(&["support", "sales", "billing", "press", "", "bogus"])
        ],
        prop_oneof![
            Just(None),
            text(&[
                "Please refund my last invoice",
                "The robot arm is down since this morning",
                "Hello there, a question about prices",
                "Ich möchte eine Rückerstattung, bitte",
                "short",
                "",
            ])
        ],
        prop_oneof![
            Just(None),
            text(&["Robotics GmbH", "Acme", "", "ROBOT works"])
        ],
        prop_oneof![Just(None), text(&["free", "pro", "gold", ""])],
        prop_oneof![Just(None), text(&["+49 30 1234567", "12", ""])],
    );
    fields.prop_map(|(name, email, topic, message, company, plan, phone)| {
        let mut draft = Draft::new();
        for (id, value) in [
            ("name", name),
            ("email", email),
            ("topic", topic),
            ("message", message),
            ("company", company),
            ("plan", plan),
            ("phone", phone),
        ] {
            if let Some(v) = value {
                draft.insert(id.to_owned(), v);
            }
        }
        draft
    })
}

/// What a visitor is told: the POC, the priority and the whole expected response.
fn told(p: &Promise<'_>) -> (String, &'static str, String, String) {
    (
        p.poc.id.clone(),
        p.decision.priority.as_str(),
        p.expected.deadline.clone(),
        p.expected.sentence.clone(),
    )
}

fn settings() -> ProptestConfig {
    ProptestConfig {
        cases: 1_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(settings())]

    #[test]
    fn preview_and_submit_promise_the_same(
        draft in draft(),
        locale in prop::sample::select(&[Locale::En, Locale::De, Locale::Fr, Locale::Es][..]),
        // 2026 to 2027, so office hours, weekends, holidays and away periods all come up.
        now_ms in 1_767_225_600_000i64..1_830_297_600_000i64,
        tz in prop::sample::select(&[None, Some("Asia/Tokyo"), Some("America/New_York"), Some("Not/AZone")][..]),
    ) {
        let config = config();
        let router = Router::new(&config);
        let preview = parse_partial(&config.form, &draft).expect("only known fields are generated");
        let previewed = promise(&router, &preview, locale, now_ms, tz).expect("routes to a known POC");

        // A finished draft: the preview's inquiry is the submit's, so is the promise.
        if let Ok(submitted) = parse_inquiry(&config.form, &draft) {
            prop_assert_eq!(&submitted, &preview);
            let kept = promise(&router, &submitted, locale, now_ms, tz).expect("routes");
            prop_assert_eq!(told(&kept), told(&previewed));
        }

        // What the widget sends: only the routing fields. Nothing else may change the answer.
        let listed = routing_fields(&config);
        let sent: Draft = draft
            .iter()
            .filter(|(id, _)| listed.contains(id))
            .map(|(id, v)| (id.clone(), v.clone()))
            .collect();
        let narrow = parse_partial(&config.form, &sent).expect("known fields");
        let narrowed = promise(&router, &narrow, locale, now_ms, tz).expect("routes");
        prop_assert_eq!(told(&narrowed), told(&previewed));
    }
}

#[test]
fn routing_fields_are_what_the_rules_read() {
    let config = config();
    // name and phone: no rule reads them; language needs no field.
    assert_eq!(
        routing_fields(&config),
        ["email", "topic", "message", "company", "plan"]
    );
    let mut bare = config.clone();
    bare.rules.clear();
    assert_eq!(routing_fields(&bare), ["topic"]);
}

#[test]
fn an_unknown_field_is_refused_by_the_preview_too() {
    let config = config();
    let mut draft = Draft::new();
    draft.insert("nope".into(), RawValue::Text("x".into()));
    let errors = parse_partial(&config.form, &draft).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "nope");
}
