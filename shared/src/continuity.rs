//! Continuity: a returning submitter can stay with the POC that handled them. The site's
//! `[continuity]` setting (off by default) and the `returning` rule condition read the
//! submitter's latest earlier inquiry, which the edge looks up by address.

use crate::config::SiteConfig;
use crate::routing::Condition;
use serde::{Deserialize, Serialize};

/// Days an earlier inquiry counts when the config does not say.
pub const DEFAULT_WINDOW_DAYS: u32 = 180;

/// What continuity does.
#[derive(
    schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ContinuityMode {
    /// Routing as usual (the default).
    #[default]
    Off,
    /// A returning submitter goes to the POC that handled their latest inquiry.
    LastPoc,
}

/// The site's `[continuity]` setting.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Continuity {
    #[serde(default)]
    pub mode: ContinuityMode,
    /// Only inquiries on these topics stay with their earlier POC; every topic when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    /// How far back an earlier inquiry counts, in days.
    #[serde(default = "default_window_days")]
    pub window_days: u32,
}

fn default_window_days() -> u32 {
    DEFAULT_WINDOW_DAYS
}

impl Default for Continuity {
    fn default() -> Self {
        Continuity {
            mode: ContinuityMode::Off,
            topics: Vec::new(),
            window_days: DEFAULT_WINDOW_DAYS,
        }
    }
}

impl Continuity {
    pub fn is_default(&self) -> bool {
        *self == Continuity::default()
    }

    /// Whether an inquiry on `topic` stays with its submitter's earlier POC.
    pub fn applies_to(&self, topic: Option<&str>) -> bool {
        self.mode == ContinuityMode::LastPoc
            && (self.topics.is_empty() || topic.is_some_and(|t| self.topics.iter().any(|x| x == t)))
    }
}

/// The submitter's latest earlier inquiry within the window: who handled it, and when.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Earlier {
    pub poc: String,
    pub submitted_ms: i64,
}

/// Whether routing `config`'s inquiries needs the submitter's earlier inquiry: continuity
/// is on, or a rule asks whether they wrote before.
pub fn needs_history(config: &SiteConfig) -> bool {
    fn uses_returning(c: &Condition) -> bool {
        match c {
            Condition::Returning(_) => true,
            Condition::All(cs) | Condition::Any(cs) => cs.iter().any(uses_returning),
            Condition::Not(c) => uses_returning(c),
            _ => false,
        }
    }
    config.continuity.mode != ContinuityMode::Off
        || config.rules.iter().any(|r| uses_returning(&r.when))
}

/// The earliest submission instant that still counts as "before" at `now_ms`.
pub fn window_start(config: &SiteConfig, now_ms: i64) -> i64 {
    now_ms - i64::from(config.continuity.window_days) * 24 * 60 * 60 * 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LiteMap;
    use crate::inquiry::{Inquiry, Value};
    use crate::locale::Locale;
    use crate::promise::promise_with;
    use crate::routing::{Router, Rule, Values};

    fn demo() -> SiteConfig {
        crate::config::demo_config()
    }

    fn support_inquiry() -> Inquiry {
        Inquiry {
            fields: LiteMap::from_iter([
                ("topic".to_owned(), Value::Text("support".into())),
                ("email".to_owned(), Value::Text("ada@example.com".into())),
                ("message".to_owned(), Value::Text("The arm stopped.".into())),
            ]),
            topic: Some("support".into()),
            email: Some("ada@example.com".into()),
        }
    }

    const NOW: i64 = 1_795_000_000_000;

    fn routed(c: &SiteConfig, earlier: Option<&Earlier>) -> (String, String) {
        let p = promise_with(
            &Router::new(c),
            &support_inquiry(),
            Locale::En,
            NOW,
            None,
            earlier,
        )
        .unwrap();
        (p.decision.poc, p.decision.explanation)
    }

    #[test]
    fn a_returning_submitter_stays_with_their_poc_when_the_site_wants_it() {
        let mut c = demo();
        let before = Earlier {
            poc: "sales".into(),
            submitted_ms: NOW - 86_400_000,
        };
        assert_eq!(routed(&c, Some(&before)).0, "support", "off by default");
        assert!(!needs_history(&c));
        c.continuity.mode = ContinuityMode::LastPoc;
        assert!(needs_history(&c));
        let (poc, why) = routed(&c, Some(&before));
        assert_eq!(poc, "sales");
        assert!(
            why.contains("returning submitter: kept with `sales`"),
            "{why}"
        );
        assert_eq!(
            routed(&c, None).0,
            "support",
            "a first inquiry routes as usual"
        );
        // Only the listed topics.
        c.continuity.topics = vec!["sales".into()];
        assert_eq!(routed(&c, Some(&before)).0, "support");
        // A POC no longer configured is not kept.
        c.continuity.topics.clear();
        let gone = Earlier {
            poc: "nobody".into(),
            ..before
        };
        assert_eq!(routed(&c, Some(&gone)).0, "support");
    }

    #[test]
    fn the_returning_condition() {
        let mut c = demo();
        c.rules.insert(
            0,
            Rule {
                id: "welcome-back".into(),
                when: Condition::All(vec![
                    Condition::Returning(true),
                    Condition::Topic(Values(vec!["support".into()])),
                ]),
                route: Some("support-leads".into()),
                priority: None,
                tags: Vec::new(),
            },
        );
        assert!(needs_history(&c));
        let before = Earlier {
            poc: "support".into(),
            submitted_ms: NOW - 1,
        };
        let (poc, why) = routed(&c, Some(&before));
        assert_eq!(poc, "support-leads");
        assert!(why.contains("the submitter wrote before"), "{why}");
        assert_eq!(routed(&c, None).0, "support");
        assert_eq!(window_start(&c, NOW), NOW - 180 * 86_400_000);
    }
}
