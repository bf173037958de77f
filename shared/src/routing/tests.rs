//! Routing decisions: every condition kind, combinations, each fallback step, and a
//! generated 1,000-rule config checked against a straightforward reference router.

use super::*;
use crate::LiteMap;
use crate::config::parse_config_with;
use crate::inquiry::Value;
use crate::synthetic;
use std::collections::BTreeMap;

fn demo() -> SiteConfig {
    parse_config_with(
        include_str!("../../../demo/site.toml"),
        crate::config::ConfigOptions {
            allow_loopback_http: true,
        },
    )
    .unwrap()
}

fn inquiry(topic: Option<&str>, email: &str, message: &str, extra: &[(&str, Value)]) -> Inquiry {
    let mut fields = LiteMap::from_iter([
        ("email".to_owned(), Value::Text(email.to_owned())),
        ("message".to_owned(), Value::Text(message.to_owned())),
    ]);
    if let Some(t) = topic {
        fields.insert("topic".into(), Value::Text(t.into()));
    }
    for (k, v) in extra {
        fields.insert((*k).into(), v.clone());
    }
    Inquiry {
        fields,
        topic: topic.map(Into::into),
        email: Some(email.to_owned()),
    }
}

fn cond(toml_text: &str) -> Condition {
    #[derive(Deserialize)]
    struct W {
        when: Condition,
    }
    toml::from_str::<W>(&format!("when = {toml_text}"))
        .unwrap()
        .when
}

#[test]
fn demo_routes_as_documented() {
    let c = demo();
    let r = Router::new(&c);
    // topic, email, message, locale -> POC, priority, part of the explanation
    type Case<'a> = (
        Option<&'a str>,
        &'a str,
        &'a str,
        Locale,
        &'a str,
        Priority,
        &'a str,
    );
    let cases: &[Case] = &[
        (
            Some("sales"),
            "a@bigcorp.example",
            "hello there",
            Locale::En,
            "key-accounts",
            Priority::High,
            "rule `key-accounts` (#1) matched because email domain is bigcorp.example",
        ),
        (
            Some("sales"),
            "a@eu.megacorp.example",
            "hello",
            Locale::En,
            "key-accounts",
            Priority::High,
            "email domain is megacorp.example",
        ),
        (
            Some("support"),
            "a@b.example",
            "Our site is DOWN!",
            Locale::En,
            "support",
            Priority::Urgent,
            "rule `outage` (#2) matched because topic is `support` and message mentions \"down\" but names no POC; `support` owns topic `support`",
        ),
        (
            Some("support"),
            "a@b.example",
            "Totaler Ausfall",
            Locale::De,
            "support",
            Priority::Urgent,
            "mentions \"ausfall\"",
        ),
        (
            Some("sales"),
            "a@b.example",
            "I want a REFUND",
            Locale::En,
            "billing",
            Priority::High,
            "rule `refunds` (#3) matched because message mentions \"refund\"; routed to `billing`",
        ),
        (
            Some("press"),
            "a@b.example",
            "Demande de remboursement",
            Locale::Fr,
            "billing",
            Priority::High,
            "mentions \"remboursement\"",
        ),
        (
            Some("support"),
            "a@b.example",
            "Ruckerstattung bitte",
            Locale::De,
            "billing",
            Priority::High,
            "mentions \"rückerstattung\"",
        ),
        (
            Some("sales"),
            "a@b.example",
            "refunded already",
            Locale::En,
            "sales",
            Priority::Normal,
            "no rule matched; `sales` owns topic `sales`",
        ),
        (
            Some("billing"),
            "a@notbigcorp.example",
            "invoice",
            Locale::En,
            "billing",
            Priority::Normal,
            "no rule matched; `billing` owns topic `billing`",
        ),
        (
            None,
            "a@b.example",
            "hi",
            Locale::En,
            "support",
            Priority::Normal,
            "no rule matched and the inquiry has no topic; routed to the default POC `support`",
        ),
    ];
    for (topic, email, msg, locale, poc, prio, why) in cases {
        let d = r.route(&inquiry(*topic, email, msg, &[]), *locale);
        assert_eq!(
            (d.poc.as_str(), d.priority),
            (*poc, *prio),
            "{topic:?} {email} {msg}"
        );
        assert!(
            d.explanation.contains(why),
            "want {why:?}\n got {:?}",
            d.explanation
        );
    }
}

#[test]
fn every_condition_kind() {
    let c = demo();
    let plan = ("plan", Value::Text("Enterprise Plus".into()));
    let tags = (
        "interests",
        Value::List(vec!["arms".into(), "wheels".into()]),
    );
    let consent = ("consent", Value::Bool(true));
    let inq = inquiry(
        Some("sales"),
        "Ann@Sub.Example.COM",
        "Need a quote for the credit-card terminal",
        &[plan, tags, consent],
    );
    let facts = Facts::new(&c, &inq, Locale::De);
    let cases: &[(&str, bool)] = &[
        (r#"{ topic = "sales" }"#, true),
        (r#"{ topic = ["billing", "sales"] }"#, true),
        (r#"{ topic = "billing" }"#, false),
        (
            r#"{ field_equals = { field = "plan", value = "enterprise plus" } }"#,
            true,
        ),
        (
            r#"{ field_equals = { field = "plan", value = "enterprise" } }"#,
            false,
        ),
        (
            r#"{ field_equals = { field = "interests", value = "wheels" } }"#,
            true,
        ),
        (
            r#"{ field_equals = { field = "consent", value = "true" } }"#,
            true,
        ),
        (
            r#"{ field_equals = { field = "missing", value = "x" } }"#,
            false,
        ),
        (
            r#"{ field_contains = { field = "plan", value = "PRISE" } }"#,
            true,
        ),
        (
            r#"{ field_contains = { field = "plan", value = "basic" } }"#,
            false,
        ),
        (r#"{ keywords = ["quote"] }"#, true),
        (r#"{ keywords = ["QUOTÉ"] }"#, true),
        (r#"{ keywords = ["credit card"] }"#, true),
        (r#"{ keywords = ["quo"] }"#, false),
        (r#"{ keywords = ["card credit"] }"#, false),
        (r#"{ email_domain = "example.com" }"#, true),
        (r#"{ email_domain = "sub.example.com" }"#, true),
        (r#"{ email_domain = "@example.com" }"#, true),
        (r#"{ email_domain = "ample.com" }"#, false),
        (r#"{ language = "de" }"#, true),
        (r#"{ language = ["fr", "de-AT"] }"#, true),
        (r#"{ language = "en" }"#, false),
        (
            r#"{ all = [{ topic = "sales" }, { language = "de" }] }"#,
            true,
        ),
        (
            r#"{ all = [{ topic = "sales" }, { language = "fr" }] }"#,
            false,
        ),
        (r#"{ all = [] }"#, true),
        (
            r#"{ any = [{ topic = "billing" }, { keywords = ["terminal"] }] }"#,
            true,
        ),
        (
            r#"{ any = [{ topic = "billing" }, { keywords = ["robot"] }] }"#,
            false,
        ),
        (r#"{ any = [] }"#, false),
        (r#"{ not = { topic = "billing" } }"#, true),
        (r#"{ not = { topic = "sales" } }"#, false),
        (r#"{ not = { not = { language = "de" } } }"#, true),
        (
            r#"{ all = [{ any = [{ language = "fr" }, { language = "de" }] }, { not = { email_domain = "bigcorp.example" } }] }"#,
            true,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(cond(text).eval(&facts).is_some(), *want, "{text}");
    }
}

#[test]
fn a_rule_without_a_route_sets_priority_and_tags_only() {
    let mut c = demo();
    c.rules = vec![Rule {
        id: "vip".into(),
        when: cond(r#"{ language = "de" }"#),
        route: None,
        priority: Some(Priority::Low),
        tags: vec!["de".into()],
    }];
    let d = route(
        &c,
        &inquiry(Some("press"), "a@b.example", "x", &[]),
        Locale::De,
    );
    assert_eq!(
        (d.poc.as_str(), d.priority, d.tags.clone()),
        ("press", Priority::Low, vec!["de".to_owned()])
    );
    assert!(matches!(d.reason, Reason::RuleThenTopicOwner { .. }));
    // A topic nobody owns falls through to the default POC.
    c.pocs
        .iter_mut()
        .for_each(|p| p.topics.retain(|t| t != "press"));
    let d = route(
        &c,
        &inquiry(Some("press"), "a@b.example", "x", &[]),
        Locale::En,
    );
    assert_eq!(d.poc, "support");
    assert_eq!(
        d.reason,
        Reason::Default {
            topic: Some("press".into())
        }
    );
}

/// Straightforward reference: try every rule in order, no index.
fn reference(c: &SiteConfig, inq: &Inquiry, locale: Locale) -> (String, Priority, Vec<String>) {
    let facts = Facts::new(c, inq, locale);
    let hit = c.rules.iter().find(|r| r.when.eval(&facts).is_some());
    let owner = inq
        .topic
        .as_ref()
        .and_then(|t| c.pocs.iter().find(|p| p.topics.contains(t)))
        .map(|p| p.id.clone());
    let poc = hit
        .and_then(|r| r.route.clone())
        .or(owner)
        .unwrap_or_else(|| c.default_poc.clone());
    (
        poc,
        hit.and_then(|r| r.priority).unwrap_or_default(),
        hit.map(|r| r.tags.clone()).unwrap_or_default(),
    )
}

#[test]
fn thousand_generated_rules_route_like_the_reference() {
    let c = synthetic::config(&demo(), 1000, 0x5eed);
    let router = Router::new(&c);
    let mut rng = synthetic::Rng(42);
    let words = [
        "refund", "outage", "quote", "invoice", "robot", "arm", "wheel", "crash", "price", "press",
        "hello",
    ];
    let mut by_poc = BTreeMap::new();
    for i in 0..5000 {
        let topic = match rng.next(3) {
            0 => format!("t{}", rng.next(1000)),
            _ => ["support", "sales", "billing", "press"][rng.next(4)].to_owned(),
        };
        let msg = format!(
            "{} {} w{}",
            words[rng.next(11)],
            words[rng.next(11)],
            rng.next(5000)
        );
        let email = format!(
            "u{i}@{}",
            ["a.example", "x.b.example", "c.example", "z.example"][rng.next(4)]
        );
        let inq = inquiry(Some(&topic), &email, &msg, &[]);
        let locale = Locale::ALL[rng.next(4)];
        let d = router.route(&inq, locale);
        assert_eq!(
            (d.poc.clone(), d.priority, d.tags.clone()),
            reference(&c, &inq, locale),
            "inquiry {i}: {topic} {email} {msg}"
        );
        *by_poc.entry(d.poc).or_insert(0) += 1;
    }
    // The generated set must exercise several POCs, not one fallback.
    assert!(by_poc.len() >= 4, "{by_poc:?}");
}
