//! D1 queries: sites, inquiries and delivery attempts. Rows come back as plain structs.

use crate::error::EdgeError;
use crate::inquiry_query::{self, Arg, InquiryFilter};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::D1Database;

pub(crate) fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub(crate) fn opt_text(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

/// D1 numbers are JavaScript numbers: integers up to 2^53 are exact, which covers ms times.
pub(crate) fn int(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

pub(crate) fn opt_int(n: Option<i64>) -> JsValue {
    n.map_or(JsValue::NULL, int)
}

#[derive(Debug, Clone, Deserialize)]
pub struct SiteRow {
    pub id: String,
    pub config_toml: Option<String>,
    pub config_json: Option<String>,
    pub version: i64,
    pub admin_key_hash: String,
    /// The site's away switches (`poc_away`), a JSON array of `{poc, until_ms, note,
    /// set_ms}`; read with the row so the live config carries them at no extra trip.
    #[serde(default)]
    pub away_json: Option<String>,
}

pub async fn site(db: &D1Database, site: &str) -> Result<Option<SiteRow>, EdgeError> {
    let row = db
        .prepare(
            "SELECT id, config_toml, config_json, version, admin_key_hash,
               (SELECT json_group_array(json_object('poc', poc, 'until_ms', until_ms,
                  'note', note, 'set_ms', set_ms)) FROM poc_away WHERE site_id = sites.id) AS away_json
             FROM sites WHERE id = ?1",
        )
        .bind(&[text(site)])?
        .first::<SiteRow>(None)
        .await?;
    Ok(row)
}

/// The live config of `site`, or `None` for an unknown site or one without a config yet.
pub async fn site_config(
    db: &D1Database,
    site_id: &str,
    allow_loopback_http: bool,
) -> Result<Option<switchboard_shared::config::SiteConfig>, EdgeError> {
    match site(db, site_id).await? {
        Some(row) => Ok(crate::site_config::decode(&row, allow_loopback_http)?
            .map(|config| crate::site_config::with_away_switches(config, &row))),
        None => Ok(None),
    }
}

/// The inquiries of `site` submitted in `[from_ms, to_ms)`, spam left out, as the report
/// reads them, with each one's count of escalations sent; at most `limit`.
pub async fn report_rows(
    db: &D1Database,
    site: &str,
    from_ms: i64,
    to_ms: i64,
    limit: usize,
) -> Result<Vec<crate::report::ReportRow>, EdgeError> {
    let rows = db
        .prepare(
            "SELECT i.poc, i.priority, i.submitted_ms, i.deadline_ms, i.acknowledged_ms, i.status,
               (SELECT COUNT(*) FROM escalations e WHERE e.inquiry_id = i.id) AS escalations
             FROM inquiries i
             WHERE i.site_id = ?1 AND i.submitted_ms >= ?2 AND i.submitted_ms < ?3 AND i.status != 'spam'
             ORDER BY i.submitted_ms LIMIT ?4",
        )
        .bind(&[text(site), int(from_ms), int(to_ms), int(limit as i64)])?
        .all()
        .await?
        .results::<crate::report::ReportRow>()?;
    Ok(rows)
}

/// Sets a site's admin key hash, creating the site (without config) if it does not exist.
pub async fn put_admin_key_hash(
    db: &D1Database,
    site: &str,
    hash: &str,
    now_ms: i64,
) -> Result<(), EdgeError> {
    db.prepare(
        "INSERT INTO sites (id, admin_key_hash, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (id) DO UPDATE SET admin_key_hash = excluded.admin_key_hash, updated_ms = excluded.updated_ms",
    )
    .bind(&[text(site), text(hash), int(now_ms)])?
    .run()
    .await?;
    Ok(())
}

/// A new inquiry, ready to be written.
#[derive(Debug, Clone)]
pub struct NewInquiry {
    pub id: String,
    pub site_id: String,
    pub idempotency_key: String,
    pub reference: String,
    pub poc: String,
    pub priority: String,
    pub tags_json: String,
    pub fields_json: String,
    /// The folded text values of the fields, for the admin search (migration 0007,
    /// `switchboard_shared::search::search_text`).
    pub search_text: String,
    pub email_hash: Option<String>,
    pub topic: Option<String>,
    pub locale: String,
    pub routing_explanation_json: String,
    pub deadline_ms: i64,
    pub submitted_ms: i64,
    pub status: &'static str,
    pub response_status: u16,
    pub response_json: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted,
    /// A row with the same site and idempotency key exists (or, very rarely, the same
    /// reference): nothing was written.
    Conflict,
}

pub async fn insert_inquiry(db: &D1Database, n: &NewInquiry) -> Result<InsertOutcome, EdgeError> {
    // ON CONFLICT DO NOTHING instead of catching the UNIQUE error: the outcome is read from
    // the change count, not from the wording of an error message.
    let result = db
        .prepare(
            "INSERT INTO inquiries (id, site_id, idempotency_key, reference, poc, priority, tags, fields_json,
                email_hash, topic, locale, routing_explanation_json, deadline_ms, submitted_ms, status,
                response_status, response_json, search_text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
             ON CONFLICT DO NOTHING",
        )
        .bind(&[
            text(&n.id),
            text(&n.site_id),
            text(&n.idempotency_key),
            text(&n.reference),
            text(&n.poc),
            text(&n.priority),
            text(&n.tags_json),
            text(&n.fields_json),
            opt_text(n.email_hash.as_deref()),
            opt_text(n.topic.as_deref()),
            text(&n.locale),
            text(&n.routing_explanation_json),
            int(n.deadline_ms),
            int(n.submitted_ms),
            text(n.status),
            int(i64::from(n.response_status)),
            text(&n.response_json),
            text(&n.search_text),
        ])?
        .run()
        .await?;
    let changes = result.meta()?.and_then(|m| m.changes).unwrap_or(0);
    Ok(if changes > 0 {
        InsertOutcome::Inserted
    } else {
        InsertOutcome::Conflict
    })
}

/// The answer stored for an idempotency key.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredAnswer {
    pub response_status: u16,
    pub response_json: String,
}

pub async fn answer_for_key(
    db: &D1Database,
    site: &str,
    key: &str,
) -> Result<Option<StoredAnswer>, EdgeError> {
    Ok(db
        .prepare("SELECT response_status, response_json FROM inquiries WHERE site_id = ?1 AND idempotency_key = ?2")
        .bind(&[text(site), text(key)])?
        .first::<StoredAnswer>(None)
        .await?)
}

/// An inquiry as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InquiryRow {
    pub id: String,
    pub site_id: String,
    pub reference: String,
    pub poc: String,
    pub priority: String,
    pub tags: String,
    pub fields_json: String,
    pub email_hash: Option<String>,
    pub topic: Option<String>,
    pub locale: String,
    pub routing_explanation_json: String,
    pub deadline_ms: i64,
    pub submitted_ms: i64,
    pub status: String,
    pub response_json: String,
    pub acknowledged_ms: Option<i64>,
    /// 1 when acknowledged by the deadline, 0 after it, NULL until acknowledged (0003).
    #[serde(default)]
    pub target_met: Option<i64>,
    /// Who acknowledged, as given (0010).
    #[serde(default)]
    pub acknowledged_by: Option<String>,
    /// Escalations sent for it.
    #[serde(default)]
    pub escalations: i64,
}

const INQUIRY_COLUMNS: &str =
    "id, site_id, reference, poc, priority, tags, fields_json, email_hash, topic, locale,
    routing_explanation_json, deadline_ms, submitted_ms, status, response_json, acknowledged_ms,
    target_met, acknowledged_by,
    (SELECT COUNT(*) FROM escalations e WHERE e.inquiry_id = inquiries.id) AS escalations";

pub async fn inquiry(db: &D1Database, id: &str) -> Result<Option<InquiryRow>, EdgeError> {
    Ok(db
        .prepare(format!(
            "SELECT {INQUIRY_COLUMNS} FROM inquiries WHERE id = ?1"
        ))
        .bind(&[text(id)])?
        .first::<InquiryRow>(None)
        .await?)
}

pub async fn inquiry_by_reference(
    db: &D1Database,
    site: &str,
    reference: &str,
) -> Result<Option<InquiryRow>, EdgeError> {
    Ok(db
        .prepare(format!(
            "SELECT {INQUIRY_COLUMNS} FROM inquiries WHERE site_id = ?1 AND reference = ?2"
        ))
        .bind(&[text(site), text(reference)])?
        .first::<InquiryRow>(None)
        .await?)
}

/// One page of a site's inquiries matching `f`, newest first: at most `limit` rows
/// (the list's page size, or the export's batch).
pub async fn select_inquiries(
    db: &D1Database,
    site: &str,
    f: &InquiryFilter,
    limit: u32,
) -> Result<Vec<InquiryRow>, EdgeError> {
    let statement = inquiry_query::select(INQUIRY_COLUMNS, site, f, limit);
    let args: Vec<JsValue> = statement
        .args
        .iter()
        .map(|a| match a {
            Arg::Text(s) => text(s),
            Arg::Int(n) => int(*n),
        })
        .collect();
    Ok(db
        .prepare(statement.sql)
        .bind(&args)?
        .all()
        .await?
        .results::<InquiryRow>()?)
}

#[derive(Debug, Clone, Deserialize)]
struct ReferenceRow {
    reference: String,
}

#[derive(Debug, Clone, Deserialize)]
struct CountRow {
    n: i64,
}

/// How many non-spam inquiries the same submitter sent this site before `before_ms`, and
/// the references of the most recent `keep` of them.
pub async fn earlier_inquiries(
    db: &D1Database,
    site: &str,
    email_hash: &str,
    before_ms: i64,
    exclude_id: &str,
    keep: u32,
) -> Result<(u32, Vec<String>), EdgeError> {
    let filter =
        "site_id = ?1 AND email_hash = ?2 AND submitted_ms <= ?3 AND id <> ?4 AND status <> 'spam'";
    let args = [
        text(site),
        text(email_hash),
        int(before_ms),
        text(exclude_id),
    ];
    let count = db
        .prepare(format!(
            "SELECT COUNT(*) AS n FROM inquiries WHERE {filter}"
        ))
        .bind(&args)?
        .first::<CountRow>(None)
        .await?
        .map_or(0, |r| r.n);
    let mut with_limit = args.to_vec();
    with_limit.push(int(i64::from(keep)));
    let refs = db
        .prepare(format!(
            "SELECT reference FROM inquiries WHERE {filter} ORDER BY submitted_ms DESC LIMIT ?5"
        ))
        .bind(&with_limit)?
        .all()
        .await?
        .results::<ReferenceRow>()?;
    Ok((
        u32::try_from(count).unwrap_or(u32::MAX),
        refs.into_iter().map(|r| r.reference).collect(),
    ))
}

pub async fn set_status(db: &D1Database, id: &str, status: &str) -> Result<(), EdgeError> {
    db.prepare("UPDATE inquiries SET status = ?2 WHERE id = ?1")
        .bind(&[text(id), text(status)])?
        .run()
        .await?;
    Ok(())
}

/// Puts back the status an inquiry had before a redelivery whose message could not be
/// queued. Only a `pending` inquiry is changed: nothing was queued, so nothing else can
/// have moved it since.
pub async fn restore_status(db: &D1Database, id: &str, status: &str) -> Result<(), EdgeError> {
    db.prepare("UPDATE inquiries SET status = ?2 WHERE id = ?1 AND status = 'pending'")
        .bind(&[text(id), text(status)])?
        .run()
        .await?;
    Ok(())
}

/// Marks an inquiry failed unless it was delivered meanwhile (a late success wins).
pub async fn mark_failed(db: &D1Database, id: &str) -> Result<(), EdgeError> {
    db.prepare("UPDATE inquiries SET status = 'failed' WHERE id = ?1 AND status = 'pending'")
        .bind(&[text(id)])?
        .run()
        .await?;
    Ok(())
}

/// One try to deliver an inquiry to one endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attempt {
    pub inquiry_id: String,
    pub endpoint_url: String,
    pub attempt: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub response_snippet: Option<String>,
    pub at_ms: i64,
}

/// Logs one attempt: of the inquiry's own delivery when `escalation` is `None`, else of
/// that escalation step (its level). The two logs share the table and never mix: an
/// escalation's success never counts as the inquiry's delivery, nor the other way round.
pub async fn record_attempt(
    db: &D1Database,
    a: &Attempt,
    escalation: Option<&str>,
) -> Result<(), EdgeError> {
    db.prepare(
        "INSERT INTO delivery_attempts (inquiry_id, endpoint_url, attempt, status_code, error, latency_ms, response_snippet, at_ms, escalation)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(&[
        text(&a.inquiry_id),
        text(&a.endpoint_url),
        int(a.attempt),
        opt_int(a.status_code),
        opt_text(a.error.as_deref()),
        int(a.latency_ms),
        opt_text(a.response_snippet.as_deref()),
        int(a.at_ms),
        opt_text(escalation),
    ])?
    .run()
    .await?;
    Ok(())
}

/// The attempts of one log, oldest first: the inquiry's own delivery when `escalation` is
/// `None`, else that escalation step's.
pub async fn attempts(
    db: &D1Database,
    inquiry_id: &str,
    escalation: Option<&str>,
) -> Result<Vec<Attempt>, EdgeError> {
    Ok(db
        .prepare(
            "SELECT inquiry_id, endpoint_url, attempt, status_code, error, latency_ms, response_snippet, at_ms
             FROM delivery_attempts WHERE inquiry_id = ?1 AND escalation IS ?2 ORDER BY at_ms, id",
        )
        .bind(&[text(inquiry_id), opt_text(escalation)])?
        .all()
        .await?
        .results::<Attempt>()?)
}

#[derive(Debug, Clone, Deserialize)]
pub struct PendingRow {
    pub id: String,
    pub site_id: String,
    pub submitted_ms: i64,
}

/// Pending inquiries older than `older_than_ms` that no consumer has tried yet: their
/// enqueue failed or their message was lost.
pub async fn stale_pending(
    db: &D1Database,
    older_than_ms: i64,
    limit: u32,
) -> Result<Vec<PendingRow>, EdgeError> {
    Ok(db
        .prepare(
            "SELECT i.id, i.site_id, i.submitted_ms FROM inquiries i
             WHERE i.status = 'pending' AND i.submitted_ms < ?1
               AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.inquiry_id = i.id)
             ORDER BY i.submitted_ms LIMIT ?2",
        )
        .bind(&[int(older_than_ms), int(i64::from(limit))])?
        .all()
        .await?
        .results::<PendingRow>()?)
}

/// An endpoint that answered 410 Gone and is skipped until enabled again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DisabledEndpoint {
    pub endpoint_url: String,
    pub inquiry_id: String,
    pub status_code: i64,
    pub disabled_ms: i64,
}

/// Disables an endpoint of a site; true when it was enabled until now (so the owner is
/// alerted once, not on every inquiry that raced to the same 410).
pub async fn disable_endpoint(
    db: &D1Database,
    site: &str,
    url: &str,
    inquiry_id: &str,
    status_code: i64,
    now_ms: i64,
) -> Result<bool, EdgeError> {
    let result = db
        .prepare(
            "INSERT INTO disabled_endpoints (site_id, endpoint_url, inquiry_id, status_code, disabled_ms)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )
        .bind(&[text(site), text(url), text(inquiry_id), int(status_code), int(now_ms)])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

pub async fn disabled_endpoints(
    db: &D1Database,
    site: &str,
) -> Result<Vec<DisabledEndpoint>, EdgeError> {
    Ok(db
        .prepare(
            "SELECT endpoint_url, inquiry_id, status_code, disabled_ms FROM disabled_endpoints
             WHERE site_id = ?1 ORDER BY disabled_ms",
        )
        .bind(&[text(site)])?
        .all()
        .await?
        .results::<DisabledEndpoint>()?)
}

/// Enables a disabled endpoint again; true when it was disabled.
pub async fn enable_endpoint(db: &D1Database, site: &str, url: &str) -> Result<bool, EdgeError> {
    let result = db
        .prepare("DELETE FROM disabled_endpoints WHERE site_id = ?1 AND endpoint_url = ?2")
        .bind(&[text(site), text(url)])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdRow {
    pub id: String,
}

/// Failed inquiries of a site, oldest first, set back to pending in the same statement so
/// two concurrent redelivery requests do not both pick them.
pub async fn take_failed(db: &D1Database, site: &str, limit: u32) -> Result<Vec<IdRow>, EdgeError> {
    Ok(db
        .prepare(
            "UPDATE inquiries SET status = 'pending'
             WHERE id IN (SELECT id FROM inquiries WHERE site_id = ?1 AND status = 'failed'
                          ORDER BY submitted_ms LIMIT ?2)
             RETURNING id",
        )
        .bind(&[text(site), int(i64::from(limit))])?
        .all()
        .await?
        .results::<IdRow>()?)
}
