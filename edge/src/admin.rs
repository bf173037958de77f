//! The admin API: minting and rotating a site's admin key (operator key), uploading and
//! reading the site config, listing and searching inquiries a page at a time, reading one
//! with its delivery log, redelivery. The export is in `export.rs`.

use crate::auth::{admin_key_matches, bearer_token, constant_time_eq, hash_admin_key};
use crate::config_history;
use crate::delivery::{self, DeliveryMessage};
use crate::error::{EdgeError, MAX_CONFIG_BODY};
use crate::http::{Reply, content_type_is, query_pairs};
use crate::ids::{self, ADMIN_KEY_BYTES};
use crate::inquiry_query::{Cursor, parse_filter};
use crate::payload::rfc3339;
use crate::platform;
use crate::site_config;
use crate::store::{self, InquiryRow, SiteRow};
use serde::Serialize;
use worker::{D1Database, Env, Request};

/// `PUT /v1/admin/sites/{site}/key` with the operator key: a new admin key for the site,
/// creating the site if needed. The old key stops working at once.
pub async fn put_key(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let operator = platform::secret(env, "OPERATOR_KEY")?;
    let header = req.headers().get("authorization")?;
    let presented = bearer_token(header.as_deref()).ok_or(EdgeError::Unauthorized)?;
    if operator.is_empty() || !constant_time_eq(presented.as_bytes(), operator.as_bytes()) {
        return Err(EdgeError::Unauthorized);
    }
    if !ids::valid_site_id(site) {
        return Err(EdgeError::bad_request(
            "invalid_site",
            "site ids are 1 to 64 lowercase letters, digits and dashes",
        ));
    }
    let key = ids::admin_key_from_bytes(platform::random_bytes::<ADMIN_KEY_BYTES>()?);
    let pepper = platform::secret(env, "ADMIN_KEY_PEPPER")?;
    let db = env.d1("DB")?;
    store::put_admin_key_hash(
        &db,
        site,
        &hash_admin_key(&pepper, &key),
        platform::now_ms(),
    )
    .await?;
    Reply::json(200, &serde_json::json!({"site": site, "admin_key": key}))
}

/// The site row, if the request carries that site's admin key. Unknown sites and wrong keys
/// look the same, so the API does not reveal which sites exist.
pub(crate) async fn authorize(
    req: &Request,
    env: &Env,
    db: &D1Database,
    site: &str,
) -> Result<SiteRow, EdgeError> {
    let header = req.headers().get("authorization")?;
    let presented = bearer_token(header.as_deref()).ok_or(EdgeError::Unauthorized)?;
    if !ids::valid_site_id(site) {
        return Err(EdgeError::Unauthorized);
    }
    let row = store::site(db, site)
        .await?
        .ok_or(EdgeError::Unauthorized)?;
    let pepper = platform::secret(env, "ADMIN_KEY_PEPPER")?;
    if admin_key_matches(&pepper, presented, &row.admin_key_hash) {
        Ok(row)
    } else {
        Err(EdgeError::Unauthorized)
    }
}

/// `PUT /v1/admin/sites/{site}/config`: the TOML is parsed and checked in full; a refused
/// config answers 400 with every problem and the previous config stays live. Stored as the
/// next version of the site's history; with `If-Match`, only if that version is live.
pub async fn put_config(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    authorize(req, env, &db, site).await?;
    let expected = config_history::expected_version(req.headers().get("if-match")?.as_deref())?;
    let content_type = req.headers().get("content-type")?;
    let json = content_type_is(content_type.as_deref(), &["application/json"]);
    if !json
        && !content_type_is(
            content_type.as_deref(),
            &["application/toml", "text/plain", "text/x-toml"],
        )
    {
        return Err(EdgeError::UnsupportedMediaType {
            expected: "application/toml or application/json",
        });
    }
    let body = platform::read_body_limited(req, MAX_CONFIG_BODY).await?;
    let text = String::from_utf8(body)
        .map_err(|_| EdgeError::bad_request("invalid_encoding", "the config must be utf-8 text"))?;
    // JSON (the same schema, for generic OpenAPI clients) becomes the TOML it describes,
    // then takes the TOML path: the same checks, and GET answers it as TOML.
    let toml = if json {
        switchboard_shared::config::toml_from_json(&text)
            .map_err(|message| EdgeError::bad_request("invalid_config", message))?
    } else {
        text
    };
    let config = site_config::check_upload(site, &toml, platform::allow_loopback_http(env))
        .map_err(|fields| EdgeError::InvalidConfig { fields })?;
    let json = serde_json::to_string(&config)?;
    let pushed = config_history::put(
        &db,
        site,
        (&toml, &json),
        expected,
        None,
        platform::now_ms(),
    )
    .await?;
    config_history::pushed_reply(site, pushed, None)
}

/// One inquiry as the admin API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct InquiryView {
    pub reference: String,
    pub poc: String,
    pub priority: String,
    pub tags: serde_json::Value,
    pub topic: Option<String>,
    pub status: String,
    pub locale: String,
    pub submitted_at: String,
    pub deadline: String,
    pub acknowledged_at: Option<String>,
    /// Whether the acknowledgement came by the deadline; `null` until acknowledged.
    pub target_met: Option<bool>,
    /// Who acknowledged, as given on the page or by the API's caller.
    pub acknowledged_by: Option<String>,
    /// Escalations sent for it.
    pub escalations: i64,
}

impl InquiryView {
    pub fn from_row(row: &InquiryRow) -> InquiryView {
        InquiryView {
            reference: row.reference.clone(),
            poc: row.poc.clone(),
            priority: row.priority.clone(),
            tags: serde_json::from_str(&row.tags).unwrap_or(serde_json::Value::Null),
            topic: row.topic.clone(),
            status: row.status.clone(),
            locale: row.locale.clone(),
            submitted_at: rfc3339(row.submitted_ms),
            deadline: rfc3339(row.deadline_ms),
            acknowledged_at: row.acknowledged_ms.map(rfc3339),
            target_met: row.target_met.map(|m| m != 0),
            acknowledged_by: row.acknowledged_by.clone(),
            escalations: row.escalations,
        }
    }
}

/// `GET /v1/admin/sites/{site}/inquiries?status=&poc=&topic=&since=&until=&q=&cursor=&limit=`,
/// newest first. `next_cursor` fetches the page after this one; `null` on the last page.
pub async fn list_inquiries(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let site_row = authorize(req, env, &db, site).await?;
    let filter = parse_filter(&query_pairs(req)?)?;
    // One row more than the page shows tells whether another page follows.
    let mut rows = store::select_inquiries(&db, site, &filter, filter.limit + 1).await?;
    let next = next_cursor(&mut rows, filter.limit as usize).map(|c| c.encode());
    let views: Vec<InquiryView> = rows.iter().map(InquiryView::from_row).collect();
    // Who is away right now, so the owner sees why new inquiries go to backups.
    let away = site_config::decode(&site_row, platform::allow_loopback_http(env))?
        .map(|c| site_config::with_away_switches(c, &site_row))
        .map(|c| crate::away::away_now(&c, platform::now_ms()))
        .unwrap_or_default();
    Reply::json(
        200,
        &serde_json::json!({"site": site, "inquiries": views, "next_cursor": next, "away": away}),
    )
}

/// `GET /v1/admin/sites/{site}/report?from=&to=&by=poc|priority|week`: the record of
/// promises kept over `[from, to)` (default: the 30 days up to now), spam left out.
pub async fn report(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    use crate::inquiry_query::{invalid_query, parse_time};
    use crate::report::{GroupBy, MAX_REPORT_ROWS, ReportRow};
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let db = env.d1("DB")?;
    let site_row = authorize(req, env, &db, site).await?;
    let config = site_config::decode(&site_row, platform::allow_loopback_http(env))?
        .ok_or(EdgeError::SiteNotFound)?;
    let pairs = query_pairs(req)?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if let Some((unknown, _)) = pairs
        .iter()
        .find(|(n, _)| !matches!(n.as_str(), "from" | "to" | "by"))
    {
        return Err(invalid_query(
            unknown,
            format!("unknown parameter {unknown}; the report takes from, to and by"),
        ));
    }
    let now = platform::now_ms();
    let to = parse_time("to", get("to"))?.unwrap_or(now);
    let from = parse_time("from", get("from"))?.unwrap_or(to - 30 * DAY_MS);
    if from >= to {
        return Err(invalid_query("from", "from must be before to".to_owned()));
    }
    let by_name = get("by").unwrap_or("poc");
    let by = GroupBy::parse(by_name)
        .ok_or_else(|| invalid_query("by", "by must be poc, priority or week".to_owned()))?;
    let mut rows = store::report_rows(&db, site, from, to, MAX_REPORT_ROWS + 1).await?;
    let complete = rows.len() <= MAX_REPORT_ROWS;
    rows.truncate(MAX_REPORT_ROWS);
    let rows: Vec<ReportRow> = rows;
    let groups = crate::report::report(&config, &rows, by, now);
    Reply::json(
        200,
        &serde_json::json!({
            "site": site, "from": rfc3339(from), "to": rfc3339(to), "by": by_name,
            "complete": complete, "groups": groups,
        }),
    )
}

/// Cuts `rows` (fetched with one extra) to `page` rows; the cursor after the last of them
/// when the extra row showed that more follow.
pub(crate) fn next_cursor(rows: &mut Vec<InquiryRow>, page: usize) -> Option<Cursor> {
    if rows.len() <= page {
        return None;
    }
    rows.truncate(page);
    rows.last().map(|r| Cursor {
        submitted_ms: r.submitted_ms,
        id: r.id.clone(),
    })
}

/// An inquiry with its field values, routing explanation and the visitor's answer: the
/// single-inquiry view without its delivery log, and one line of an NDJSON export.
#[derive(Debug, Clone, Serialize)]
pub struct InquiryDetail {
    pub inquiry: InquiryView,
    pub webhook_id: String,
    pub fields: serde_json::Value,
    pub routing: serde_json::Value,
    pub answer: serde_json::Value,
}

impl InquiryDetail {
    pub fn from_row(row: &InquiryRow) -> InquiryDetail {
        let parse = |s: &str| {
            serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null)
        };
        InquiryDetail {
            inquiry: InquiryView::from_row(row),
            webhook_id: ids::webhook_id(&row.id),
            fields: parse(&row.fields_json),
            routing: parse(&row.routing_explanation_json),
            answer: parse(&row.response_json),
        }
    }
}

/// The inquiry `reference` of `site`, for a request holding the site's admin key: 401
/// without it, 404 when the site has no such inquiry.
pub(crate) async fn authorized_inquiry(
    req: &Request,
    env: &Env,
    db: &D1Database,
    site: &str,
    reference: &str,
) -> Result<InquiryRow, EdgeError> {
    authorize(req, env, db, site).await?;
    if !ids::looks_like_reference(reference) {
        return Err(EdgeError::InquiryNotFound);
    }
    store::inquiry_by_reference(db, site, reference)
        .await?
        .ok_or(EdgeError::InquiryNotFound)
}

/// `GET /v1/admin/sites/{site}/inquiries/{reference}`: the inquiry, its fields, why it was
/// routed where it was, the answer the visitor got, and every delivery attempt.
pub async fn get_inquiry(
    req: &Request,
    env: &Env,
    site: &str,
    reference: &str,
) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let row = authorized_inquiry(req, env, &db, site, reference).await?;
    let attempts = store::attempts(&db, &row.id, None).await?;
    let escalations = crate::escalation::admin_view(&db, &row.id).await?;
    let attempts: Vec<serde_json::Value> = attempts
        .into_iter()
        .map(|a| {
            serde_json::json!({
                "endpoint_url": a.endpoint_url,
                "attempt": a.attempt,
                "status_code": a.status_code,
                "error": a.error,
                "latency_ms": a.latency_ms,
                "response_snippet": a.response_snippet,
                "at": rfc3339(a.at_ms),
            })
        })
        .collect();
    let mut body = serde_json::to_value(InquiryDetail::from_row(&row))?;
    body["attempts"] = serde_json::Value::Array(attempts);
    body["escalations"] = serde_json::to_value(escalations)?;
    Reply::json(200, &body)
}

/// Seconds a redelivery the queue refused should wait before it is asked for again.
pub const REDELIVER_RETRY_SECONDS: u32 = 30;

/// `POST /v1/admin/sites/{site}/inquiries/{reference}/redeliver`: posts the inquiry to every
/// endpoint of its POC again, whatever happened before. Spam stays spam.
pub async fn redeliver(
    req: &Request,
    env: &Env,
    site: &str,
    reference: &str,
) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let row = authorized_inquiry(req, env, &db, site, reference).await?;
    if row.status == "spam" {
        return Err(EdgeError::bad_request(
            "spam_not_delivered",
            "inquiries caught as spam are never delivered",
        ));
    }
    let now = platform::now_ms();
    // Pending before the message is sent, so its round does not find the old status.
    store::set_status(&db, &row.id, "pending").await?;
    let msg = DeliveryMessage {
        since_ms: now,
        ..DeliveryMessage::new(&row.id, site)
    };
    if let Err(e) = delivery::enqueue(env, &msg).await {
        // Nothing was queued: the inquiry gets its status back, as `redeliver-failed`
        // does. Left pending it would be stranded (the sweeper only picks up inquiries
        // without attempts).
        store::restore_status(&db, &row.id, &row.status).await?;
        return Err(EdgeError::Unavailable {
            code: "queue_unavailable",
            message: format!(
                "the delivery queue did not take the inquiry; it is still `{}`; try again",
                row.status
            ),
            cause: format!(
                "redeliver: enqueue of {} failed: {}",
                row.id,
                e.log_cause().unwrap_or("")
            ),
            retry_after_s: REDELIVER_RETRY_SECONDS,
        });
    }
    Reply::json(
        202,
        &serde_json::json!({"reference": row.reference, "status": "pending"}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> Vec<InquiryRow> {
        (0..n)
            .map(|i| InquiryRow {
                id: format!("{:032x}", 100 - i),
                site_id: "demo".into(),
                reference: format!("SB-2222-222{i}"),
                poc: "support".into(),
                priority: "normal".into(),
                tags: "[]".into(),
                fields_json: "{}".into(),
                email_hash: None,
                topic: None,
                locale: "en".into(),
                routing_explanation_json: "null".into(),
                deadline_ms: 0,
                // Two per millisecond, newest first, as the SELECT orders them.
                submitted_ms: 1_000 - (i as i64) / 2,
                status: "delivered".into(),
                response_json: "{}".into(),
                acknowledged_ms: None,
                target_met: None,
                acknowledged_by: None,
                escalations: 0,
            })
            .collect()
    }

    #[test]
    fn the_extra_row_decides_whether_a_next_page_exists() {
        let mut full = rows(3);
        let cursor = next_cursor(&mut full, 2).expect("a third row means another page");
        assert_eq!(full.len(), 2, "the extra row is not shown");
        assert_eq!(
            cursor,
            Cursor {
                submitted_ms: full[1].submitted_ms,
                id: full[1].id.clone()
            }
        );
        let mut last = rows(2);
        assert_eq!(next_cursor(&mut last, 2), None);
        assert_eq!(last.len(), 2);
        assert_eq!(next_cursor(&mut Vec::new(), 2), None);
    }
}
