//! Admin operations on delivery as a whole: redeliver every failed inquiry of a site, list
//! a site's webhook endpoints with their state, and enable an endpoint disabled by a 410.
//!
//! Redelivery never enables anything: an endpoint disabled after a 410 Gone stays disabled
//! (and is skipped) until an admin enables it explicitly; an inquiry whose only endpoints
//! are disabled fails again, and the owner is alerted again.

use crate::admin::authorize;
use crate::delivery::{self, DeliveryMessage};
use crate::error::EdgeError;
use crate::http::{Reply, content_type_is};
use crate::payload::rfc3339;
use crate::platform;
use crate::{site_config, store};
use serde::{Deserialize, Serialize};
use switchboard_shared::config::{PayloadFormat, SiteConfig};
use worker::{Env, Request};

/// Failed inquiries set back to pending per request; `more` in the answer says to call again.
pub const REDELIVER_BATCH: u32 = 500;
const MAX_ENABLE_BODY: usize = 4 * 1024;

/// `POST /v1/admin/sites/{site}/redeliver-failed`: every failed inquiry (up to
/// [`REDELIVER_BATCH`] per call, oldest first) goes back to pending and is enqueued for a
/// fresh round on every endpoint of its POC that is not disabled.
pub async fn redeliver_failed(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    authorize(req, env, &db, site).await?;
    let now = platform::now_ms();
    let taken = store::take_failed(&db, site, REDELIVER_BATCH).await?;
    let mut enqueued = 0_u32;
    for row in &taken {
        let msg = DeliveryMessage {
            since_ms: now,
            ..DeliveryMessage::new(&row.id, site)
        };
        // Already pending in D1. If the queue refuses, it goes back to failed: the sweeper
        // only picks up inquiries without attempts, so pending would strand it.
        match delivery::enqueue(env, &msg).await {
            Ok(()) => enqueued += 1,
            Err(e) => {
                platform::log(&format!(
                    "redeliver-failed: enqueue of {} failed: {}",
                    row.id,
                    e.log_cause().unwrap_or("")
                ));
                store::mark_failed(&db, &row.id).await?;
            }
        }
    }
    let disabled = store::disabled_endpoints(&db, site).await?.len();
    Reply::json(
        202,
        &serde_json::json!({
            "site": site,
            "redelivered": enqueued,
            "more": taken.len() == REDELIVER_BATCH as usize,
            "disabled_endpoints": disabled,
        }),
    )
}

/// One webhook endpoint of a site as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointView {
    /// The POC it belongs to, or `alert` for the alert endpoint; `None` when the endpoint
    /// is no longer in the config but still recorded as disabled.
    pub poc: Option<String>,
    pub url: String,
    pub format: Option<PayloadFormat>,
    pub state: &'static str,
    pub disabled_at: Option<String>,
    pub disabled_status: Option<i64>,
}

/// Every endpoint of `config`, with the disabled ones marked, plus disabled endpoints the
/// config no longer names (so nothing recorded is hidden).
pub fn endpoint_views(
    config: &SiteConfig,
    disabled: &[store::DisabledEndpoint],
) -> Vec<EndpointView> {
    let state = |url: &str| disabled.iter().find(|d| d.endpoint_url == url);
    let view = |poc: &str, e: &switchboard_shared::config::Endpoint| {
        let d = state(&e.url);
        EndpointView {
            poc: Some(poc.to_owned()),
            url: e.url.clone(),
            format: Some(e.format),
            state: if d.is_some() { "disabled" } else { "active" },
            disabled_at: d.map(|d| rfc3339(d.disabled_ms)),
            disabled_status: d.map(|d| d.status_code),
        }
    };
    let mut out: Vec<EndpointView> = config
        .pocs
        .iter()
        .flat_map(|p| p.endpoints.iter().map(move |e| (p.id.as_str(), e)))
        .map(|(poc, e)| view(poc, e))
        .collect();
    if let Some(e) = &config.alert_endpoint {
        out.push(view("alert", e));
    }
    for d in disabled {
        if !out.iter().any(|v| v.url == d.endpoint_url) {
            out.push(EndpointView {
                poc: None,
                url: d.endpoint_url.clone(),
                format: None,
                state: "disabled",
                disabled_at: Some(rfc3339(d.disabled_ms)),
                disabled_status: Some(d.status_code),
            });
        }
    }
    out
}

/// `GET /v1/admin/sites/{site}/endpoints`
pub async fn list_endpoints(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let row = authorize(req, env, &db, site).await?;
    let config = site_config::decode(&row, platform::allow_loopback_http(env))?
        .ok_or(EdgeError::SiteNotFound)?;
    let disabled = store::disabled_endpoints(&db, site).await?;
    Reply::json(
        200,
        &serde_json::json!({"site": site, "endpoints": endpoint_views(&config, &disabled)}),
    )
}

#[derive(Debug, Deserialize)]
struct EnableBody {
    url: String,
}

/// `POST /v1/admin/sites/{site}/endpoints/enable` with `{"url": ...}`: the endpoint is
/// called again from the next delivery on. Inquiries that failed meanwhile stay failed
/// until redelivered.
pub async fn enable_endpoint(req: &mut Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    authorize(req, env, &db, site).await?;
    let content_type = req.headers().get("content-type")?;
    if !content_type_is(content_type.as_deref(), &["application/json"]) {
        return Err(EdgeError::UnsupportedMediaType {
            expected: "application/json",
        });
    }
    let body = platform::read_body_limited(req, MAX_ENABLE_BODY).await?;
    let body: EnableBody = serde_json::from_slice(&body).map_err(|_| {
        EdgeError::bad_request(
            "invalid_body",
            "the body must be {\"url\": \"<endpoint url>\"}",
        )
    })?;
    let enabled = store::enable_endpoint(&db, site, &body.url).await?;
    if !enabled {
        return Err(EdgeError::bad_request(
            "endpoint_not_disabled",
            "that endpoint is not disabled",
        ));
    }
    Reply::json(
        200,
        &serde_json::json!({"site": site, "url": body.url, "state": "active"}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_mark_disabled_endpoints_and_keep_removed_ones() {
        let config = switchboard_shared::config::parse_config_with(
            include_str!("../../demo/site.toml"),
            switchboard_shared::config::ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .unwrap();
        let first = config.pocs[0].endpoints[0].url.clone();
        let disabled = vec![
            store::DisabledEndpoint {
                endpoint_url: first.clone(),
                inquiry_id: "i".into(),
                status_code: 410,
                disabled_ms: 0,
            },
            store::DisabledEndpoint {
                endpoint_url: "https://gone.example/x".into(),
                inquiry_id: "j".into(),
                status_code: 410,
                disabled_ms: 1_000,
            },
        ];
        let views = endpoint_views(&config, &disabled);
        let v = views.iter().find(|v| v.url == first).unwrap();
        assert_eq!((v.state, v.disabled_status), ("disabled", Some(410)));
        assert!(
            views
                .iter()
                .filter(|v| v.url != first && v.poc.is_some())
                .all(|v| v.state == "active")
        );
        let removed = views.last().unwrap();
        assert_eq!((removed.poc.as_deref(), removed.state), (None, "disabled"));
    }
}
