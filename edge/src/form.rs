//! `GET /v1/sites/{site}/form`: the form definition the widget draws, with who answers each
//! topic and by when, and a freshly signed render token.

use crate::auth::issue_render_token;
use crate::error::EdgeError;
use crate::friction;
use crate::http::{Reply, query_param};
use crate::inquiry_query::invalid_query;
use crate::platform;
use crate::prerender;
use switchboard_shared::api::{FormDefinition, TopicInfo};
use switchboard_shared::config::SiteConfig;
use switchboard_shared::inquiry::Value;
use switchboard_shared::promise::promise;
use switchboard_shared::routing::{Router, routing_fields};
use switchboard_shared::{Inquiry, LiteMap, Locale};
use worker::{Env, Request};

pub async fn handle(req: &Request, env: &Env, config: &SiteConfig) -> Result<Reply, EdgeError> {
    let locale = query_param(req, "locale")?
        .as_deref()
        .map_or(config.default_locale, Locale::from_tag);
    // Without `tz`, the zone Cloudflare places the visitor in; the answer names the zone
    // it used, so the loader can ask again when the browser's differs.
    let known = |name: &String| jiff::tz::TimeZone::get(name).is_ok();
    let tz = query_param(req, "tz")?
        .filter(known)
        .or_else(|| platform::request_time_zone(req).filter(known));
    let prerender = match query_param(req, "prerender")?.as_deref() {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => {
            return Err(invalid_query(
                "prerender",
                "prerender must be 0 or 1".to_owned(),
            ));
        }
    };
    let now = platform::now_ms();
    let secret = platform::secret(env, "RENDER_TOKEN_SECRET")?;
    let definition = FormDefinition {
        site: config.site.clone(),
        locale,
        form: config.form.clone(),
        topics: topics(config, locale, now, tz.as_deref()),
        render_token: issue_render_token(&secret, &config.site, now),
        turnstile_site_key: config.abuse.turnstile.as_ref().map(|t| t.site_key.clone()),
        turnstile_script: config.abuse.turnstile.as_ref().map(|_| {
            platform::var(env, "TURNSTILE_SCRIPT_URL")
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| friction::SCRIPT_URL.to_owned())
        }),
        time_zone: tz.clone(),
        html: prerender
            .then(|| prerender::form_html(&config.form, locale, config.abuse.turnstile.is_some())),
        routing_fields: routing_fields(config),
    };
    // The expected reply time changes by the minute, and the token carries the issue time.
    Ok(Reply::json(200, &definition)?.with_header("cache-control", "no-store"))
}

/// For every topic option: the team the routing rules pick for an inquiry that only names
/// the topic, and that team's expected response right now. The widget shows it until its
/// first preview of the whole draft answers, and when a preview fails.
pub fn topics(
    config: &SiteConfig,
    locale: Locale,
    now_ms: i64,
    visitor_tz: Option<&str>,
) -> Vec<TopicInfo> {
    let Some(field) = config.form.topic_field() else {
        return Vec::new();
    };
    let router = Router::new(config);
    field
        .options
        .iter()
        .filter_map(|option| {
            let inquiry = Inquiry {
                fields: LiteMap::from_iter([(field.id.clone(), Value::Text(option.value.clone()))]),
                topic: Some(option.value.clone()),
                email: None,
            };
            let promise = promise(&router, &inquiry, locale, now_ms, visitor_tz).ok()?;
            Some(TopicInfo {
                topic: option.value.clone(),
                team: promise.poc.name.clone(),
                scope: promise.poc.scope.clone(),
                expected: promise.expected,
            })
        })
        .collect()
}
