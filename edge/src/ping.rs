//! A test event on demand: `POST /v1/admin/sites/{site}/endpoints/test` sends a signed
//! `webhook.test` event to the site's endpoints (all of them, one POC's, or one URL) and
//! answers with what each endpoint said. A POC checks its receiver (signature, format,
//! reachability) and an owner checks a new endpoint before the first real inquiry needs
//! it, or one disabled by a 410 before enabling it again.
//!
//! Nothing is stored: no inquiry, no delivery attempt, and an endpoint that answers 410
//! here is not disabled. It goes out like a delivery (same URL guard, headers, signature
//! and timeout), once, without retries.

use crate::admin::authorize;
use crate::delivery::{self, PostResult};
use crate::error::EdgeError;
use crate::formats::{self, Card};
use crate::http::{Reply, content_type_is};
use crate::payload::Event;
use crate::{ids, platform, site_config, store};
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use switchboard_shared::api::FieldErrorView;
use switchboard_shared::config::{Endpoint, PayloadFormat, SiteConfig};
use worker::{Env, Request};

/// The event type of a test.
pub const WEBHOOK_TEST: &str = "webhook.test";
/// What `poc` says for the owner's alert endpoint, as in the endpoint list.
pub const ALERT: &str = "alert";
const MAX_TEST_BODY: usize = 4 * 1024;

/// Which endpoints to test; an empty body tests them all.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    pub poc: Option<String>,
    pub url: Option<String>,
}

/// One endpoint to test.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The POC it belongs to, or [`ALERT`].
    pub poc: String,
    /// The POC's name as visitors see it ("Billing"); the site's name for the alert endpoint.
    pub team: String,
    pub endpoint: Endpoint,
    /// Disabled after a 410: tested anyway, so it can be checked before it is enabled.
    pub disabled: bool,
}

/// The endpoints `selection` names, in the config's order. A POC or URL the config does
/// not have is a 400 naming the field.
pub fn targets(
    config: &SiteConfig,
    disabled: &[String],
    selection: &Selection,
) -> Result<Vec<Target>, EdgeError> {
    let target = |poc: &str, team: &str, e: &Endpoint| Target {
        poc: poc.to_owned(),
        team: team.to_owned(),
        endpoint: e.clone(),
        disabled: disabled.contains(&e.url),
    };
    let mut all: Vec<Target> = config
        .pocs
        .iter()
        .flat_map(|p| p.endpoints.iter().map(|e| target(&p.id, &p.name, e)))
        .collect();
    if let Some(e) = &config.alert_endpoint {
        all.push(target(ALERT, &config.name, e));
    }
    if let Some(poc) = &selection.poc {
        if poc != ALERT && config.poc(poc).is_none() {
            return Err(unknown(
                "poc",
                "unknown_poc",
                "the site has no POC with this id",
            ));
        }
        all.retain(|t| &t.poc == poc);
    }
    if let Some(url) = &selection.url {
        all.retain(|t| &t.endpoint.url == url);
        if all.is_empty() {
            return Err(unknown(
                "url",
                "unknown_endpoint",
                "no endpoint with this url is configured (for this POC)",
            ));
        }
    }
    Ok(all)
}

fn unknown(field: &str, code: &'static str, message: &str) -> EdgeError {
    EdgeError::BadRequestFields {
        code,
        message: message.to_owned(),
        fields: vec![FieldErrorView {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.to_owned(),
            limit: None,
        }],
    }
}

/// The `data` of a `webhook.test` event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestData {
    pub site: String,
    pub poc: String,
    pub team: String,
    pub message: &'static str,
}

const MESSAGE: &str =
    "This is a test event from Switchboard. It belongs to no inquiry and needs no answer.";

/// The body posted to `target`: the event (with id `msg_id`, its `webhook-id`) for JSON
/// endpoints, a chat message for the rest.
pub fn body(
    site: &str,
    target: &Target,
    msg_id: &str,
    at_ms: i64,
) -> Result<String, serde_json::Error> {
    let event = Event::new(
        WEBHOOK_TEST,
        msg_id.to_owned(),
        at_ms,
        TestData {
            site: site.to_owned(),
            poc: target.poc.clone(),
            team: target.team.clone(),
            message: MESSAGE,
        },
    );
    let card = Card {
        title: format!("Test message from Switchboard for {}", target.team),
        facts: vec![
            ("Site".to_owned(), site.to_owned()),
            ("POC".to_owned(), target.poc.clone()),
        ],
        body: vec![("Message".to_owned(), MESSAGE.to_owned())],
        alarm: false,
        action: None,
    };
    formats::render(target.endpoint.format, &event, &card)
}

/// What one endpoint made of the test, as the answer lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    pub poc: String,
    pub url: String,
    pub format: PayloadFormat,
    pub state: &'static str,
    /// True for a 2xx answer.
    pub ok: bool,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub response_snippet: Option<String>,
}

impl TestResult {
    pub fn new(target: &Target, post: &PostResult) -> TestResult {
        TestResult {
            poc: target.poc.clone(),
            url: target.endpoint.url.clone(),
            format: target.endpoint.format,
            state: if target.disabled {
                "disabled"
            } else {
                "active"
            },
            ok: post.ok(),
            status_code: post.status_code,
            latency_ms: post.latency_ms,
            error: post.error.clone(),
            response_snippet: post.response_snippet.clone(),
        }
    }
}

/// `POST /v1/admin/sites/{site}/endpoints/test`, with no body or `{"poc"}` / `{"url"}`:
/// 200 with one result per endpoint, whatever the endpoints answered.
pub async fn test_endpoints(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let row = authorize(req, env, &db, site).await?;
    let raw = platform::read_body_limited(req, MAX_TEST_BODY).await?;
    let selection: Selection = if raw.iter().all(u8::is_ascii_whitespace) {
        Selection::default()
    } else {
        if !content_type_is(
            req.headers().get("content-type")?.as_deref(),
            &["application/json"],
        ) {
            return Err(EdgeError::UnsupportedMediaType {
                expected: "application/json",
            });
        }
        serde_json::from_slice(&raw).map_err(|_| {
            EdgeError::bad_request(
                "invalid_body",
                "the body must be empty, {\"poc\": \"<poc id>\"} or {\"url\": \"<endpoint url>\"}",
            )
        })?
    };
    let allow_loopback = platform::allow_loopback_http(env);
    let config = site_config::decode(&row, allow_loopback)?.ok_or(EdgeError::SiteNotFound)?;
    let disabled: Vec<String> = store::disabled_endpoints(&db, site)
        .await?
        .into_iter()
        .map(|d| d.endpoint_url)
        .collect();
    let targets = targets(&config, &disabled, &selection)?;
    // One id for the whole test, as one inquiry has one id at all its endpoints.
    let msg_id = format!("msg_test_{}", ids::hex(&platform::random_bytes::<16>()?));
    let now = platform::now_ms();
    let posts = targets.iter().map(|t| async {
        let body = body(site, t, &msg_id, now).map_err(EdgeError::internal)?;
        let post = delivery::post_signed(&t.endpoint, &msg_id, &body, allow_loopback).await;
        Ok::<_, EdgeError>(TestResult::new(t, &post))
    });
    let results = join_all(posts)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Reply::json(
        200,
        &serde_json::json!({"site": site, "type": WEBHOOK_TEST, "webhook_id": msg_id, "results": results}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_shared::config::{ConfigOptions, parse_config_with};

    fn demo() -> SiteConfig {
        parse_config_with(
            include_str!("../../demo/site.toml"),
            ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .unwrap()
    }

    fn select(poc: Option<&str>, url: Option<&str>) -> Selection {
        Selection {
            poc: poc.map(str::to_owned),
            url: url.map(str::to_owned),
        }
    }

    #[test]
    fn an_empty_selection_takes_every_endpoint_and_the_alert_one() {
        let config = demo();
        let all = targets(&config, &[], &Selection::default()).unwrap();
        let expected = config.pocs.iter().map(|p| p.endpoints.len()).sum::<usize>()
            + usize::from(config.alert_endpoint.is_some());
        assert_eq!(all.len(), expected);
        assert!(all.len() > 1);
        assert_eq!(all[0].poc, config.pocs[0].id);
        assert_eq!(all[0].team, config.pocs[0].name);
        assert!(all.iter().all(|t| !t.disabled));
    }

    #[test]
    fn a_poc_or_a_url_narrows_the_test_and_disabled_endpoints_are_marked() {
        let config = demo();
        let poc = &config.pocs[1];
        let url = poc.endpoints[0].url.clone();
        let by_poc = targets(
            &config,
            std::slice::from_ref(&url),
            &select(Some(&poc.id), None),
        )
        .unwrap();
        assert_eq!(by_poc.len(), poc.endpoints.len());
        assert!(by_poc.iter().all(|t| t.poc == poc.id));
        assert!(by_poc[0].disabled);
        let by_url = targets(&config, &[], &select(None, Some(&url))).unwrap();
        assert!(!by_url.is_empty() && by_url.iter().all(|t| t.endpoint.url == url));
    }

    #[test]
    fn an_unknown_poc_or_url_is_a_400_naming_the_field() {
        let config = demo();
        for (selection, field, code) in [
            (select(Some("nobody"), None), "poc", "unknown_poc"),
            (
                select(None, Some("https://example.com/none")),
                "url",
                "unknown_endpoint",
            ),
            (
                select(Some(&config.pocs[0].id), Some("https://example.com/none")),
                "url",
                "unknown_endpoint",
            ),
        ] {
            let (status, body) = targets(&config, &[], &selection).unwrap_err().to_http();
            assert_eq!(status, 400);
            assert_eq!(body.error.code, code);
            assert_eq!(body.error.fields[0].field, field);
        }
    }

    #[test]
    fn the_body_is_a_test_event_or_a_chat_message() {
        let config = demo();
        let mut target = targets(&config, &[], &Selection::default())
            .unwrap()
            .remove(0);
        target.endpoint.format = PayloadFormat::Json;
        let json: serde_json::Value = serde_json::from_str(
            &body("demo", &target, "msg_test_00ff", 1_795_478_400_000).unwrap(),
        )
        .unwrap();
        assert_eq!(json["type"], WEBHOOK_TEST);
        assert_eq!(json["version"], crate::payload::SCHEMA_VERSION);
        assert_eq!(json["id"], "msg_test_00ff");
        assert_eq!(json["timestamp"], "2026-11-24T00:00:00Z");
        assert_eq!(json["data"]["poc"], target.poc);
        assert_eq!(json["data"]["team"], target.team);
        target.endpoint.format = PayloadFormat::Slack;
        let slack: serde_json::Value =
            serde_json::from_str(&body("demo", &target, "msg_test_00ff", 0).unwrap()).unwrap();
        assert!(slack["text"].as_str().unwrap().contains("Test message"));
        assert!(slack.get("type").is_none());
    }
}
