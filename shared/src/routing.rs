//! Routing: ordered rules decide which point of contact answers an inquiry, at what
//! priority and with which tags, and every decision says why.
//!
//! The first matching rule wins. With no match, the POC whose scope owns the topic takes
//! the inquiry; failing that, the site's default POC. Rules are indexed by the topic or
//! email domain they require, so a decision reads only the rules that could match.

use crate::config::SiteConfig;
use crate::form::FieldKind;
use crate::inquiry::{Inquiry, Value};
use crate::locale::Locale;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// How urgent an inquiry is; picks the POC's response-time target.
#[derive(
    schemars::JsonSchema,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One value or a list of them: `topic = "billing"` or `topic = ["billing", "refunds"]`.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "OneOrMany", into = "Vec<String>")]
pub struct Values(pub Vec<String>);

#[derive(schemars::JsonSchema, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl From<OneOrMany> for Values {
    fn from(v: OneOrMany) -> Self {
        match v {
            OneOrMany::One(s) => Values(vec![s]),
            OneOrMany::Many(v) => Values(v),
        }
    }
}

impl From<Values> for Vec<String> {
    fn from(v: Values) -> Self {
        v.0
    }
}

/// What a rule looks at. Written in TOML as a one-key table, e.g. `{ topic = "billing" }`.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The chosen topic is one of these.
    Topic(Values),
    /// A field's value equals this one (case-insensitive; any item of a multiple choice).
    FieldEquals {
        field: String,
        value: String,
    },
    /// A field's text contains this, ignoring case and accents.
    FieldContains {
        field: String,
        value: String,
    },
    /// The message holds one of these words or phrases as whole words, ignoring case and accents.
    Keywords(Values),
    /// The submitter's email is at one of these domains or their subdomains.
    EmailDomain(Values),
    /// The visitor's language is one of these (`de`, `fr`, ...).
    Language(Values),
    /// `true`: the submitter (by address) sent an inquiry within the site's continuity
    /// window before; `false`: they did not.
    Returning(bool),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// One ordered routing rule.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub when: Condition,
    /// POC that takes matching inquiries; without one the fallback picks the POC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Why the POC was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// A rule matched and named the POC.
    Rule {
        rule: String,
        position: usize,
        matched: String,
    },
    /// A rule matched without naming a POC (it set priority or tags); the topic's owner took it.
    RuleThenTopicOwner {
        rule: String,
        position: usize,
        matched: String,
        topic: String,
    },
    /// No rule named a POC; the POC whose scope owns the topic took it.
    TopicOwner { topic: String },
    /// Nothing else applied; the site's default POC took it.
    Default { topic: Option<String> },
}

/// The routing decision and its explanation, as shown to the POC and in the admin view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub poc: String,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub reason: Reason,
    /// The reason as one English sentence.
    pub explanation: String,
}

/// What the rules read from an inquiry, computed once per decision.
pub struct Facts<'a> {
    inquiry: &'a Inquiry,
    locale: Locale,
    /// The submitter sent an inquiry before, within the continuity window.
    returning: bool,
    /// Folded words of every long-text field, for keyword rules.
    words: Vec<String>,
    domain: Option<String>,
}

impl<'a> Facts<'a> {
    pub fn new(config: &SiteConfig, inquiry: &'a Inquiry, locale: Locale) -> Self {
        let mut words = Vec::new();
        for f in config
            .form
            .fields
            .iter()
            .filter(|f| f.kind == FieldKind::LongText)
        {
            if let Some(text) = inquiry.text(&f.id) {
                words.extend(tokenize(text));
            }
        }
        let domain = inquiry
            .email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d.to_ascii_lowercase());
        Facts {
            inquiry,
            locale,
            returning: false,
            words,
            domain,
        }
    }
}

/// Lowercases and strips accents so "Rückerstattung" matches "ruckerstattung".
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn tokenize(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn contains_phrase(words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && words.windows(phrase.len()).any(|w| w == phrase)
}

fn domain_matches(domain: &str, wanted: &str) -> bool {
    let wanted = wanted.trim_start_matches('@').to_ascii_lowercase();
    domain == wanted
        || domain
            .strip_suffix(&wanted)
            .is_some_and(|rest| rest.ends_with('.'))
}

impl Condition {
    /// `Some(description of what matched)` when the condition holds.
    pub fn eval(&self, facts: &Facts<'_>) -> Option<String> {
        match self {
            Condition::Topic(v) => {
                let topic = facts.inquiry.topic.as_deref()?;
                v.0.iter()
                    .any(|t| t == topic)
                    .then(|| format!("topic is `{topic}`"))
            }
            Condition::FieldEquals { field, value } => {
                let hit = match facts.inquiry.fields.get(field)? {
                    Value::Text(t) => t.to_lowercase() == value.to_lowercase(),
                    Value::List(l) => l.iter().any(|t| t.to_lowercase() == value.to_lowercase()),
                    Value::Bool(b) => b.to_string() == value.to_lowercase(),
                };
                hit.then(|| format!("field `{field}` equals \"{value}\""))
            }
            Condition::FieldContains { field, value } => {
                let text = match facts.inquiry.fields.get(field)? {
                    Value::Text(t) => fold(t),
                    Value::List(l) => fold(&l.join(" ")),
                    Value::Bool(_) => return None,
                };
                text.contains(&fold(value))
                    .then(|| format!("field `{field}` contains \"{value}\""))
            }
            Condition::Keywords(v) => {
                v.0.iter()
                    .find(|k| contains_phrase(&facts.words, &tokenize(k)))
                    .map(|k| format!("message mentions \"{k}\""))
            }
            Condition::EmailDomain(v) => {
                let domain = facts.domain.as_deref()?;
                v.0.iter()
                    .find(|d| domain_matches(domain, d))
                    .map(|d| format!("email domain is {d}"))
            }
            Condition::Returning(wanted) => (facts.returning == *wanted).then(|| {
                if *wanted {
                    "the submitter wrote before".to_owned()
                } else {
                    "the submitter has not written before".to_owned()
                }
            }),
            Condition::Language(v) => {
                let tag = facts.locale.tag();
                v.0.iter()
                    .any(|l| Locale::from_tag(l) == facts.locale)
                    .then(|| format!("language is {tag}"))
            }
            Condition::All(cs) => {
                let parts = cs
                    .iter()
                    .map(|c| c.eval(facts))
                    .collect::<Option<Vec<_>>>()?;
                Some(if parts.is_empty() {
                    "always".to_owned()
                } else {
                    parts.join(" and ")
                })
            }
            Condition::Any(cs) => cs.iter().find_map(|c| c.eval(facts)),
            Condition::Not(c) => match c.eval(facts) {
                Some(_) => None,
                None => Some(format!("not ({})", c.describe())),
            },
        }
    }

    /// The condition in words, for explanations and config errors.
    pub fn describe(&self) -> String {
        let list = |v: &Values| v.0.join(", ");
        match self {
            Condition::Topic(v) => format!("topic is {}", list(v)),
            Condition::FieldEquals { field, value } => {
                format!("field `{field}` equals \"{value}\"")
            }
            Condition::FieldContains { field, value } => {
                format!("field `{field}` contains \"{value}\"")
            }
            Condition::Keywords(v) => format!("message mentions {}", list(v)),
            Condition::EmailDomain(v) => format!("email domain is {}", list(v)),
            Condition::Language(v) => format!("language is {}", list(v)),
            Condition::Returning(true) => "the submitter wrote before".to_owned(),
            Condition::Returning(false) => "the submitter has not written before".to_owned(),
            Condition::All(cs) => cs
                .iter()
                .map(Condition::describe)
                .collect::<Vec<_>>()
                .join(" and "),
            Condition::Any(cs) => cs
                .iter()
                .map(Condition::describe)
                .collect::<Vec<_>>()
                .join(" or "),
            Condition::Not(c) => format!("not ({})", c.describe()),
        }
    }

    /// Index keys: a rule can only match an inquiry that has one of these keys.
    /// `None` means the rule must be tried for every inquiry.
    fn keys(&self) -> Option<Vec<Key>> {
        match self {
            Condition::Topic(v) => Some(v.0.iter().map(|t| Key::Topic(t.clone())).collect()),
            Condition::EmailDomain(v) => Some(
                v.0.iter()
                    .map(|d| Key::Domain(d.trim_start_matches('@').to_ascii_lowercase()))
                    .collect(),
            ),
            // A conjunction needs every part; any one part's keys will do, the fewest best.
            Condition::All(cs) => cs.iter().filter_map(Condition::keys).min_by_key(Vec::len),
            // A disjunction matches through any part: every part must be keyed.
            Condition::Any(cs) => {
                let mut keys = Vec::new();
                for c in cs {
                    keys.extend(c.keys()?);
                }
                (!cs.is_empty()).then_some(keys)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Topic(String),
    Domain(String),
}

/// Rules compiled for fast decisions: candidate rule positions by index key.
pub struct Router<'c> {
    config: &'c SiteConfig,
    by_key: HashMap<Key, Vec<usize>>,
    unkeyed: Vec<usize>,
    /// POC id by topic, from the POCs' scopes.
    topic_owner: HashMap<&'c str, &'c str>,
}

impl<'c> Router<'c> {
    pub fn new(config: &'c SiteConfig) -> Self {
        let mut by_key: HashMap<Key, Vec<usize>> = HashMap::new();
        let mut unkeyed = Vec::new();
        for (i, rule) in config.rules.iter().enumerate() {
            match rule.when.keys() {
                Some(keys) => {
                    for k in keys {
                        let list = by_key.entry(k).or_default();
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                }
                None => unkeyed.push(i),
            }
        }
        let mut topic_owner = HashMap::new();
        for poc in &config.pocs {
            for t in &poc.topics {
                topic_owner.entry(t.as_str()).or_insert(poc.id.as_str());
            }
        }
        Router {
            config,
            by_key,
            unkeyed,
            topic_owner,
        }
    }

    /// The config the rules were compiled from.
    pub fn config(&self) -> &'c SiteConfig {
        self.config
    }

    /// Rule positions that could match, in rule order.
    fn candidates(&self, facts: &Facts<'_>) -> Vec<usize> {
        let mut lists: Vec<&[usize]> = vec![&self.unkeyed];
        if let Some(t) = &facts.inquiry.topic
            && let Some(l) = self.by_key.get(&Key::Topic(t.clone()))
        {
            lists.push(l);
        }
        if let Some(domain) = &facts.domain {
            // The domain and each parent domain: a.b.example.com, b.example.com, example.com.
            let mut d = domain.as_str();
            loop {
                if let Some(l) = self.by_key.get(&Key::Domain(d.to_owned())) {
                    lists.push(l);
                }
                match d.split_once('.') {
                    Some((_, rest)) if rest.contains('.') => d = rest,
                    _ => break,
                }
            }
        }
        let mut all: Vec<usize> = lists.concat();
        all.sort_unstable();
        all.dedup();
        all
    }

    pub fn route(&self, inquiry: &Inquiry, locale: Locale) -> Decision {
        self.route_for(inquiry, locale, false)
    }

    /// [`Router::route`] for a submitter who wrote before (`returning`) or did not.
    pub fn route_for(&self, inquiry: &Inquiry, locale: Locale, returning: bool) -> Decision {
        let mut facts = Facts::new(self.config, inquiry, locale);
        facts.returning = returning;
        let matched = self
            .candidates(&facts)
            .into_iter()
            .find_map(|i| self.config.rules[i].when.eval(&facts).map(|why| (i, why)));
        let topic = inquiry.topic.clone();
        let owner = topic
            .as_deref()
            .and_then(|t| self.topic_owner.get(t))
            .map(|p| (*p).to_owned());
        let (poc, reason) = match (matched.as_ref(), owner) {
            (Some((i, why)), _) if self.config.rules[*i].route.is_some() => {
                let rule = &self.config.rules[*i];
                let poc = rule.route.clone().unwrap_or_default();
                (
                    poc,
                    Reason::Rule {
                        rule: rule.id.clone(),
                        position: i + 1,
                        matched: why.clone(),
                    },
                )
            }
            (Some((i, why)), Some(owner)) => (
                owner,
                Reason::RuleThenTopicOwner {
                    rule: self.config.rules[*i].id.clone(),
                    position: i + 1,
                    matched: why.clone(),
                    topic: topic.clone().unwrap_or_default(),
                },
            ),
            (None, Some(owner)) => (
                owner,
                Reason::TopicOwner {
                    topic: topic.clone().unwrap_or_default(),
                },
            ),
            (_, None) => (
                self.config.default_poc.clone(),
                Reason::Default {
                    topic: topic.clone(),
                },
            ),
        };
        let rule = matched.map(|(i, _)| &self.config.rules[i]);
        let priority = rule.and_then(|r| r.priority).unwrap_or_default();
        let tags = rule.map(|r| r.tags.clone()).unwrap_or_default();
        let explanation = explain(&reason, &poc);
        Decision {
            poc,
            priority,
            tags,
            reason,
            explanation,
        }
    }
}

/// Ids of the form fields whose values can change a routing decision: the topic field
/// and every field a rule reads (a `field_*` condition's field, the long-text fields that
/// `keywords` search, the email field of `email_domain`). The form definition lists them,
/// so the widget asks for a preview only when one of them changed.
pub fn routing_fields(config: &SiteConfig) -> Vec<String> {
    let form = &config.form;
    let mut ids: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        if form.field(id).is_some() && !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    };
    if let Some(topic) = form.topic_field() {
        add(&topic.id);
    }
    let mut pending: Vec<&Condition> = config.rules.iter().map(|r| &r.when).collect();
    while let Some(condition) = pending.pop() {
        match condition {
            Condition::Topic(_) => {
                if let Some(topic) = form.topic_field() {
                    add(&topic.id);
                }
            }
            Condition::FieldEquals { field, .. } | Condition::FieldContains { field, .. } => {
                add(field);
            }
            Condition::Keywords(_) => form
                .fields
                .iter()
                .filter(|f| f.kind == FieldKind::LongText)
                .for_each(|f| add(&f.id)),
            Condition::EmailDomain(_) => {
                if let Some(email) = form.email_field() {
                    add(&email.id);
                }
            }
            Condition::Language(_) => {}
            // Whether they wrote before is read by their address.
            Condition::Returning(_) => {
                if let Some(email) = form.email_field() {
                    add(&email.id);
                }
            }
            Condition::All(cs) | Condition::Any(cs) => pending.extend(cs),
            Condition::Not(c) => pending.push(c),
        }
    }
    // In form order, so the list reads like the form.
    form.fields
        .iter()
        .filter(|f| ids.contains(&f.id))
        .map(|f| f.id.clone())
        .collect()
}

/// Routes one inquiry. Builds the rule index each call; hold a [`Router`] to reuse it.
pub fn route(config: &SiteConfig, inquiry: &Inquiry, locale: Locale) -> Decision {
    Router::new(config).route(inquiry, locale)
}

fn explain(reason: &Reason, poc: &str) -> String {
    match reason {
        Reason::Rule {
            rule,
            position,
            matched,
        } => format!("rule `{rule}` (#{position}) matched because {matched}; routed to `{poc}`"),
        Reason::RuleThenTopicOwner {
            rule,
            position,
            matched,
            topic,
        } => format!(
            "rule `{rule}` (#{position}) matched because {matched} but names no POC; `{poc}` owns topic `{topic}`"
        ),
        Reason::TopicOwner { topic } => format!("no rule matched; `{poc}` owns topic `{topic}`"),
        Reason::Default { topic: Some(topic) } => {
            format!(
                "no rule matched and no POC owns topic `{topic}`; routed to the default POC `{poc}`"
            )
        }
        Reason::Default { topic: None } => format!(
            "no rule matched and the inquiry has no topic; routed to the default POC `{poc}`"
        ),
    }
}

/// Pairs `(later, earlier)` of rule positions where the later rule can never match
/// because the earlier one matches every inquiry it would. Sound but not complete: it
/// reports only shadowing it can prove from the conditions' shapes.
pub fn shadowed(rules: &[Rule]) -> Vec<(usize, usize)> {
    let keys: Vec<Option<Vec<Key>>> = rules.iter().map(|r| r.when.keys()).collect();
    let mut by_key: HashMap<&Key, Vec<usize>> = HashMap::new();
    let mut unkeyed = Vec::new();
    let mut out = Vec::new();
    for (j, rule) in rules.iter().enumerate() {
        let mut earlier: Vec<usize> = unkeyed.clone();
        if let Some(ks) = &keys[j] {
            for k in ks {
                if let Some(l) = by_key.get(k) {
                    earlier.extend_from_slice(l);
                }
            }
        }
        earlier.sort_unstable();
        earlier.dedup();
        if let Some(&i) = earlier
            .iter()
            .find(|&&i| implies(&rule.when, &rules[i].when))
        {
            out.push((j, i));
        }
        match &keys[j] {
            Some(ks) => ks.iter().for_each(|k| by_key.entry(k).or_default().push(j)),
            None => unkeyed.push(j),
        }
    }
    out
}

fn conjuncts(c: &Condition) -> Vec<&Condition> {
    match c {
        Condition::All(cs) => cs.iter().flat_map(conjuncts).collect(),
        c => vec![c],
    }
}

/// Whether every inquiry matching `b` also matches `a`.
fn implies(b: &Condition, a: &Condition) -> bool {
    if let Condition::Any(bs) = b
        && !bs.is_empty()
    {
        return bs.iter().all(|x| implies(x, a));
    }
    let bs = conjuncts(b);
    conjuncts(a).iter().all(|ac| match ac {
        Condition::Any(alts) => alts.iter().any(|alt| implies(b, alt)),
        ac => bs.iter().any(|bc| leaf_implies(bc, ac)),
    })
}

fn leaf_implies(b: &Condition, a: &Condition) -> bool {
    use Condition as C;
    if a == b {
        return true;
    }
    let folded = |v: &Values| v.0.iter().map(|s| tokenize(s)).collect::<Vec<_>>();
    match (b, a) {
        (C::Topic(bv), C::Topic(av)) => bv.0.iter().all(|t| av.0.contains(t)),
        (C::Keywords(bv), C::Keywords(av)) => {
            let av = folded(av);
            folded(bv)
                .iter()
                .all(|bk| av.iter().any(|ak| contains_phrase(bk, ak)))
        }
        (C::EmailDomain(bv), C::EmailDomain(av)) => bv.0.iter().all(|bd| {
            av.0.iter()
                .any(|ad| domain_matches(&bd.trim_start_matches('@').to_ascii_lowercase(), ad))
        }),
        (C::Language(bv), C::Language(av)) => bv.0.iter().all(|bl| {
            av.0.iter()
                .any(|al| Locale::from_tag(bl) == Locale::from_tag(al))
        }),
        (
            C::FieldEquals {
                field: bf,
                value: bv,
            },
            C::FieldEquals {
                field: af,
                value: av,
            },
        ) => bf == af && bv.to_lowercase() == av.to_lowercase(),
        (
            C::FieldEquals {
                field: bf,
                value: bv,
            }
            | C::FieldContains {
                field: bf,
                value: bv,
            },
            C::FieldContains {
                field: af,
                value: av,
            },
        ) => bf == af && fold(bv).contains(&fold(av)),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
