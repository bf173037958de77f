//! The site config a site owner writes in TOML: origins, form, points of contact with
//! their calendars, targets and webhooks, routing rules, and a default POC. Parsing runs
//! every check, and each error points at a line and column of the file.

use crate::calendar::{Calendar, Target};
use crate::form::{FieldKind, FormSpec, MAX_CHOICES, MAX_FIELDS};
use crate::locale::Locale;
use crate::routing::{Condition, Priority, Rule};
use crate::url_guard;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

/// Most routing rules a site may have.
pub const MAX_RULES: usize = 10_000;
pub const MAX_POCS: usize = 200;
pub const MAX_ENDPOINTS: usize = 10;
/// Longest config file accepted, in bytes.
pub const MAX_CONFIG_BYTES: usize = 2 * 1024 * 1024;

/// A whole site config.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Site id: lowercase letters, digits and dashes; part of every URL.
    pub site: String,
    pub name: String,
    /// Origins (`https://example.com`) whose pages may embed the form.
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub default_locale: Locale,
    /// POC that takes what nothing else routes.
    pub default_poc: String,
    /// Days inquiries are kept before the cron purges them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Where the edge tells the owner about failed deliveries and disabled endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_endpoint: Option<Endpoint>,
    /// Bot friction and per-visitor limits (`[abuse]`); strict defaults when absent.
    #[serde(default, skip_serializing_if = "crate::abuse::AbuseConfig::is_default")]
    pub abuse: crate::abuse::AbuseConfig,
    /// Keeping a returning submitter with the POC that handled them (`[continuity]`); off
    /// unless set.
    #[serde(
        default,
        skip_serializing_if = "crate::continuity::Continuity::is_default"
    )]
    pub continuity: crate::continuity::Continuity,
    pub form: FormSpec,
    pub pocs: Vec<Poc>,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// A point of contact: a team or person with a scope, hours, targets and webhooks.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Poc {
    pub id: String,
    /// Display name shown to visitors ("Billing").
    pub name: String,
    /// support, sales, billing, account_manager, project, press, ...
    pub kind: String,
    /// What falls under this POC's mandate, in words.
    #[serde(default)]
    pub scope: String,
    /// Topics this POC owns when no rule routes elsewhere.
    #[serde(default)]
    pub topics: Vec<String>,
    pub calendar: Calendar,
    pub targets: Targets,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// POC that hears about this one's overdue inquiries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    /// Confirmation text per locale, with `{name}`, `{team}`, `{reference}` and `{deadline}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub confirmation: BTreeMap<String, String>,
    /// Periods this POC is away (leave, travel): its inquiries go to the first POC of its
    /// backup chain who is not. The owner's away switch (`switchboard away`) adds one
    /// without a config push.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub away: Vec<crate::availability::AwayPeriod>,
}

/// Response-time targets per priority; missing priorities use `normal`.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub normal: Target,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<Target>,
}

impl Targets {
    pub fn for_priority(&self, p: Priority) -> Target {
        match p {
            Priority::Low => self.low,
            Priority::Normal => None,
            Priority::High => self.high,
            Priority::Urgent => self.urgent,
        }
        .unwrap_or(self.normal)
    }
}

/// Payload shape a webhook endpoint expects.
#[derive(
    schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum PayloadFormat {
    #[default]
    Json,
    Slack,
    Discord,
    Teams,
}

/// One webhook endpoint.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub url: String,
    #[serde(default)]
    pub format: PayloadFormat,
    /// `whsec_` signing secrets; all sign each delivery so a POC can rotate. A JSON
    /// endpoint needs at least one; a chat endpoint (whose service checks none) may have none.
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// Options that change what a config may contain.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfigOptions {
    /// Local development: webhooks may be plain http to loopback.
    pub allow_loopback_http: bool,
}

/// One problem in a config file, located in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigError {
    /// Dotted path of the offending value, e.g. `pocs[1].backup`.
    pub path: String,
    pub message: String,
    /// 1-based; 0 when the position is unknown.
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}:{}: {}", self.line, self.column, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.line, self.column, self.path, self.message
            )
        }
    }
}

impl SiteConfig {
    pub fn poc(&self, id: &str) -> Option<&Poc> {
        self.pocs.iter().find(|p| p.id == id)
    }

    /// The config as TOML with every webhook secret replaced by `whsec_…redacted`.
    pub fn to_redacted_toml(&self) -> String {
        let mut c = self.clone();
        let redact = |e: &mut Endpoint| {
            e.secrets
                .iter_mut()
                .for_each(|s| *s = "whsec_…redacted".to_owned())
        };
        c.pocs
            .iter_mut()
            .flat_map(|p| p.endpoints.iter_mut())
            .for_each(redact);
        if let Some(e) = c.alert_endpoint.as_mut() {
            redact(e);
        }
        toml::to_string_pretty(&c).unwrap_or_default()
    }
}

/// A config sent as JSON (the same schema as the TOML file) as TOML text, so it is
/// checked, located, stored and served exactly as a TOML upload is. `Err` says why the
/// JSON cannot be a config document: not JSON, not an object, or a `null` (TOML has none).
pub fn toml_from_json(json: &str) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("the config is not valid json: {e}"))?;
    if !value.is_object() {
        return Err("the config must be a json object".to_owned());
    }
    toml::to_string_pretty(&value).map_err(|e| {
        format!(
            "the config cannot be written as toml: {}",
            e.to_string().trim_end_matches('.')
        )
    })
}

/// The config's JSON Schema as OpenAPI components: `SiteConfig` and every type it uses,
/// referring to each other under `#/components/schemas/`, derived from the Rust types.
pub fn openapi_schemas() -> serde_json::Map<String, serde_json::Value> {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let root = generator.subschema_for::<SiteConfig>();
    let mut schemas = generator.take_definitions(true);
    // `subschema_for` answers with a `$ref` to the definition it filed under the type's
    // name; name it explicitly so callers can rely on `SiteConfig`.
    if !schemas.contains_key("SiteConfig") {
        schemas.insert("SiteConfig".into(), root.to_value());
    }
    schemas
}

/// The JSON Schema of the config file, for editor completion (`#:schema` in TOML files
/// or `[[schema]]` mappings in editors). Published as `schema/site-config.schema.json`.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(SiteConfig).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".into(),
            "https://switchboard.dev/schema/site-config.schema.json".into(),
        );
        obj.insert("title".into(), "Switchboard site config".into());
    }
    schema
}

/// Parses and checks a config with strict defaults (https webhooks only).
pub fn parse_config(text: &str) -> Result<SiteConfig, Vec<ConfigError>> {
    parse_config_with(text, ConfigOptions::default())
}

/// Parses a config and runs every check; returns every problem found.
pub fn parse_config_with(
    text: &str,
    options: ConfigOptions,
) -> Result<SiteConfig, Vec<ConfigError>> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(vec![ConfigError {
            path: String::new(),
            message: format!("config is larger than {MAX_CONFIG_BYTES} bytes"),
            line: 0,
            column: 0,
        }]);
    }
    let config: SiteConfig = match toml::from_str(text) {
        Ok(c) => c,
        Err(e) => {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            let message = e.message().trim_end_matches('.').replace('\n', " ");
            return Err(vec![ConfigError {
                path: String::new(),
                message,
                line,
                column,
            }]);
        }
    };
    let problems = check(&config, options);
    if problems.is_empty() {
        return Ok(config);
    }
    let doc = toml::de::DeTable::parse(text).ok();
    let mut located: Vec<ConfigError> = problems
        .into_iter()
        .map(|(path, message)| {
            let (line, column) = doc
                .as_ref()
                .and_then(|d| locate(d.get_ref(), &path))
                .map_or((0, 0), |span| line_col(text, span.start));
            ConfigError {
                path: render_path(&path),
                message,
                line,
                column,
            }
        })
        .collect();
    located.sort_by_key(|e| (e.line, e.column));
    Err(located)
}

/// One step of a path into the config document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    Index(usize),
}

type Problem = (Vec<Seg>, String);

fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn locate(root: &toml::de::DeTable<'_>, path: &[Seg]) -> Option<Range<usize>> {
    use toml::de::DeValue;
    let mut span = None;
    let mut table = Some(root);
    let mut array: Option<&toml::de::DeArray<'_>> = None;
    for seg in path {
        let value = match seg {
            Seg::Key(k) => table?
                .iter()
                .find(|(key, _)| key.get_ref() == k)
                .map(|(_, v)| v)?,
            Seg::Index(i) => array?.get(*i)?,
        };
        span = Some(value.span());
        (table, array) = match value.get_ref() {
            DeValue::Table(t) => (Some(t), None),
            DeValue::Array(a) => (None, Some(a)),
            _ => (None, None),
        };
    }
    span
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn valid_origin(o: &str) -> bool {
    let Some((scheme, rest)) = o.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest == rest.to_ascii_lowercase()
}

/// Every semantic check; problems carry their path.
fn check(c: &SiteConfig, options: ConfigOptions) -> Vec<Problem> {
    use Seg::{Index, Key};
    let mut out: Vec<Problem> = Vec::new();
    let mut err = |path: Vec<Seg>, msg: String| out.push((path, msg));

    if !valid_id(&c.site) {
        err(
            vec![Key("site")],
            format!(
                "site id `{}` must be 1-64 lowercase letters, digits, `-` or `_`",
                c.site
            ),
        );
    }
    for (i, o) in c.allowed_origins.iter().enumerate() {
        if !valid_origin(o) {
            err(
                vec![Key("allowed_origins"), Index(i)],
                format!("`{o}` is not an origin like https://example.com"),
            );
        }
    }

    for (key, message) in c.abuse.problems() {
        err(vec![Key("abuse"), Key(key)], message);
    }

    // Form.
    let form = &c.form;
    if form.fields.len() > MAX_FIELDS {
        err(
            vec![Key("form"), Key("fields")],
            format!("a form has at most {MAX_FIELDS} fields"),
        );
    }
    let mut field_ids = HashSet::new();
    let mut topic_fields = 0;
    for (i, f) in form.fields.iter().enumerate() {
        let at = |k| vec![Key("form"), Key("fields"), Index(i), Key(k)];
        if !valid_id(&f.id) {
            err(
                at("id"),
                format!(
                    "field id `{}` must be 1-64 lowercase letters, digits, `-` or `_`",
                    f.id
                ),
            );
        }
        if !field_ids.insert(f.id.as_str()) {
            err(at("id"), format!("duplicate field id `{}`", f.id));
        }
        if f.id == form.honeypot {
            err(
                at("id"),
                format!("field `{}` has the honeypot's name", f.id),
            );
        }
        if f.label.is_empty() {
            err(at("label"), format!("field `{}` needs a label", f.id));
        }
        let choice = matches!(f.kind, FieldKind::Choice | FieldKind::MultiChoice);
        if choice && f.options.is_empty() {
            err(
                at("options"),
                format!("choice field `{}` needs options", f.id),
            );
        }
        if !choice && !f.options.is_empty() {
            err(
                at("options"),
                format!("only choice fields have options, `{}` is not one", f.id),
            );
        }
        if f.options.len() > MAX_CHOICES {
            err(
                at("options"),
                format!("field `{}` has more than {MAX_CHOICES} options", f.id),
            );
        }
        let mut values = HashSet::new();
        for (j, o) in f.options.iter().enumerate() {
            if o.value.trim().is_empty() || !values.insert(o.value.as_str()) {
                err(
                    vec![
                        Key("form"),
                        Key("fields"),
                        Index(i),
                        Key("options"),
                        Index(j),
                        Key("value"),
                    ],
                    format!("option values of `{}` must be unique and not empty", f.id),
                );
            }
        }
        if f.topic {
            topic_fields += 1;
            if f.kind != FieldKind::Choice {
                err(
                    at("topic"),
                    format!("topic field `{}` must be a single choice", f.id),
                );
            }
        }
        if let (Some(min), Some(max)) = (f.min_len, f.max_len)
            && min > max
        {
            err(
                at("min_len"),
                format!("field `{}` has min_len {min} above max_len {max}", f.id),
            );
        }
        if let Some(max) = f.max_len
            && !matches!(f.kind, FieldKind::MultiChoice)
            && max > f.effective_max_len()
        {
            err(
                at("max_len"),
                format!(
                    "field `{}` may hold at most {} characters",
                    f.id,
                    f.effective_max_len()
                ),
            );
        }
    }
    if topic_fields > 1 {
        err(
            vec![Key("form"), Key("fields")],
            "a form has at most one topic field".to_owned(),
        );
    }
    let topics: Vec<&str> = form
        .topic_field()
        .map(|f| f.options.iter().map(|o| o.value.as_str()).collect())
        .unwrap_or_default();

    // POCs.
    if c.pocs.is_empty() {
        err(
            vec![Key("pocs")],
            "a site needs at least one POC".to_owned(),
        );
    }
    if c.pocs.len() > MAX_POCS {
        err(
            vec![Key("pocs")],
            format!("a site has at most {MAX_POCS} POCs"),
        );
    }
    let mut poc_ids = HashSet::new();
    let mut owned = HashSet::new();
    for (i, p) in c.pocs.iter().enumerate() {
        let at = |k| vec![Key("pocs"), Index(i), Key(k)];
        if !valid_id(&p.id) {
            err(
                at("id"),
                format!(
                    "POC id `{}` must be 1-64 lowercase letters, digits, `-` or `_`",
                    p.id
                ),
            );
        }
        if !poc_ids.insert(p.id.as_str()) {
            err(at("id"), format!("duplicate POC id `{}`", p.id));
        }
        for (j, t) in p.topics.iter().enumerate() {
            if !topics.contains(&t.as_str()) {
                err(
                    vec![Key("pocs"), Index(i), Key("topics"), Index(j)],
                    format!(
                        "POC `{}` owns topic `{t}`, which the form does not offer",
                        p.id
                    ),
                );
            }
            owned.insert(t.as_str());
        }
        if p.endpoints.len() > MAX_ENDPOINTS {
            err(
                at("endpoints"),
                format!("POC `{}` has more than {MAX_ENDPOINTS} endpoints", p.id),
            );
        }
        for (j, e) in p.endpoints.iter().enumerate() {
            check_endpoint(
                e,
                vec![Key("pocs"), Index(i), Key("endpoints"), Index(j)],
                options,
                &mut err,
            );
        }
        for locale in p.confirmation.keys() {
            if Locale::from_tag(locale).tag() != locale {
                err(
                    at("confirmation"),
                    format!("confirmation locale `{locale}` is not one of en, de, fr, es"),
                );
            }
        }
        for (locale, template) in &p.confirmation {
            let unknown = crate::confirmation::unknown_placeholders(template);
            if !unknown.is_empty() {
                err(
                    at("confirmation"),
                    format!(
                        "confirmation `{locale}` of POC `{}` uses unknown placeholder {}; use {}",
                        p.id,
                        unknown
                            .iter()
                            .map(|u| format!("`{{{u}}}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        crate::confirmation::PLACEHOLDERS
                            .map(|n| format!("{{{n}}}"))
                            .join(", ")
                    ),
                );
            }
        }
    }
    if let Some(e) = &c.alert_endpoint {
        check_endpoint(e, vec![Key("alert_endpoint")], options, &mut err);
    }
    if let Some(fi) = form.fields.iter().position(|f| f.topic) {
        for (j, t) in topics.iter().enumerate() {
            if !owned.contains(t) {
                err(
                    vec![
                        Key("form"),
                        Key("fields"),
                        Index(fi),
                        Key("options"),
                        Index(j),
                        Key("value"),
                    ],
                    format!("no POC owns topic `{t}`; add it to a POC's topics"),
                );
            }
        }
    }
    for (i, t) in c.continuity.topics.iter().enumerate() {
        if !topics.contains(&t.as_str()) {
            err(
                vec![Key("continuity"), Key("topics"), Index(i)],
                format!("topic `{t}` is not offered by the form"),
            );
        }
    }
    if !poc_ids.contains(c.default_poc.as_str()) {
        err(
            vec![Key("default_poc")],
            format!("unknown POC `{}`", c.default_poc),
        );
    }
    for (i, p) in c.pocs.iter().enumerate() {
        for (j, a) in p.away.iter().enumerate() {
            let at = |k| vec![Key("pocs"), Index(i), Key("away"), Index(j), Key(k)];
            match a.absence(p) {
                Err(e) => {
                    let field =
                        if crate::availability::parse_time(&a.from, p.calendar.time_zone(), false)
                            .is_err()
                        {
                            "from"
                        } else {
                            "until"
                        };
                    err(at(field), e.to_string());
                }
                Ok(absence) if absence.until_ms <= absence.from_ms => {
                    err(
                        at("until"),
                        format!("away period of `{}` ends before it starts", p.id),
                    );
                }
                Ok(_) => {}
            }
        }
        if let Some(b) = &p.backup {
            if !poc_ids.contains(b.as_str()) {
                err(
                    vec![Key("pocs"), Index(i), Key("backup")],
                    format!("unknown backup POC `{b}`"),
                );
            } else if b == &p.id {
                err(
                    vec![Key("pocs"), Index(i), Key("backup")],
                    format!("POC `{b}` cannot back itself up"),
                );
            }
        }
    }
    // Backup chains must end: follow each chain and report the first POC of a cycle once.
    let backup_of: HashMap<&str, &str> = c
        .pocs
        .iter()
        .filter_map(|p| p.backup.as_deref().map(|b| (p.id.as_str(), b)))
        .collect();
    let mut reported = HashSet::new();
    for (i, p) in c.pocs.iter().enumerate() {
        let mut seen = vec![p.id.as_str()];
        let mut cur = p.id.as_str();
        while let Some(next) = backup_of.get(cur).copied() {
            if next == p.id && next != cur {
                let mut cycle = seen.clone();
                cycle.sort_unstable();
                if reported.insert(cycle) {
                    seen.push(next);
                    err(
                        vec![Key("pocs"), Index(i), Key("backup")],
                        format!("backup chain loops: {}", seen.join(" -> ")),
                    );
                }
                break;
            }
            if seen.contains(&next) {
                break;
            }
            seen.push(next);
            cur = next;
        }
    }

    // Rules.
    if c.rules.len() > MAX_RULES {
        err(
            vec![Key("rules")],
            format!("a site has at most {MAX_RULES} rules"),
        );
    }
    let mut rule_ids = HashSet::new();
    for (i, r) in c.rules.iter().enumerate() {
        let at = |k| vec![Key("rules"), Index(i), Key(k)];
        if !valid_id(&r.id) {
            err(
                at("id"),
                format!(
                    "rule id `{}` must be 1-64 lowercase letters, digits, `-` or `_`",
                    r.id
                ),
            );
        }
        if !rule_ids.insert(r.id.as_str()) {
            err(at("id"), format!("duplicate rule id `{}`", r.id));
        }
        if let Some(route) = &r.route
            && !poc_ids.contains(route.as_str())
        {
            err(
                at("route"),
                format!("rule `{}` routes to unknown POC `{route}`", r.id),
            );
        }
        if r.route.is_none() && r.priority.is_none() && r.tags.is_empty() {
            err(
                at("id"),
                format!(
                    "rule `{}` does nothing: give it a route, a priority or tags",
                    r.id
                ),
            );
        }
        check_condition(&r.when, &topics, form, &mut |m| {
            err(at("when"), format!("rule `{}`: {m}", r.id))
        });
    }
    for (later, earlier) in crate::routing::shadowed(&c.rules) {
        err(
            vec![Key("rules"), Index(later), Key("when")],
            format!(
                "rule `{}` can never match: rule `{}` (#{}) matches everything it does",
                c.rules[later].id,
                c.rules[earlier].id,
                earlier + 1
            ),
        );
    }
    out
}

fn check_endpoint(
    e: &Endpoint,
    at: Vec<Seg>,
    options: ConfigOptions,
    err: &mut impl FnMut(Vec<Seg>, String),
) {
    let with = |k: &'static str| {
        let mut p = at.clone();
        p.push(Seg::Key(k));
        p
    };
    if let Err(why) = url_guard::check_webhook_url(&e.url, options.allow_loopback_http) {
        err(with("url"), format!("webhook URL refused: {why}"));
    }
    if e.secrets.is_empty() && e.format == PayloadFormat::Json {
        err(
            with("secrets"),
            "a JSON endpoint needs at least one `whsec_` secret: its deliveries are signed \
             and the POC checks them"
                .to_owned(),
        );
    }
    for (k, s) in e.secrets.iter().enumerate() {
        if let Err(why) = crate::signing::decode_secret(s) {
            let mut path = with("secrets");
            path.push(Seg::Index(k));
            err(path, why.to_string());
        }
    }
}

fn check_condition(c: &Condition, topics: &[&str], form: &FormSpec, err: &mut impl FnMut(String)) {
    match c {
        Condition::Topic(v) => {
            for t in &v.0 {
                if !topics.contains(&t.as_str()) {
                    err(format!("topic `{t}` is not offered by the form"));
                }
            }
        }
        Condition::FieldEquals { field, .. } | Condition::FieldContains { field, .. } => {
            if form.field(field).is_none() {
                err(format!("unknown field `{field}`"));
            }
        }
        Condition::Keywords(v) | Condition::EmailDomain(v) | Condition::Language(v) => {
            if v.0.is_empty() || v.0.iter().any(|s| s.trim().is_empty()) {
                err("a condition list needs non-empty values".to_owned());
            }
        }
        Condition::Returning(_) => {
            if form.email_field().is_none() {
                err("`returning` needs an email field to know the submitter".to_owned());
            }
        }
        Condition::All(cs) | Condition::Any(cs) => cs
            .iter()
            .for_each(|c| check_condition(c, topics, form, err)),
        Condition::Not(c) => check_condition(c, topics, form, err),
    }
}

/// The demo site's config (`demo/site.toml`, loopback webhooks allowed), for tests.
#[cfg(test)]
pub(crate) fn demo_config() -> SiteConfig {
    parse_config_with(
        include_str!("../../demo/site.toml"),
        ConfigOptions {
            allow_loopback_http: true,
        },
    )
    .expect("the demo config is valid")
}

#[cfg(test)]
mod tests;
