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
    crate::bench_timing::storage_delay().await;
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

/// The submitter's latest inquiry since `since_ms` (by the hash of their address), spam
/// left out: the POC that handled it and when it came. Continuity and `returning` rules
/// read it before routing.
pub async fn last_handled(
    db: &D1Database,
    site: &str,
    email_hash: &str,
    since_ms: i64,
) -> Result<Option<switchboard_shared::continuity::Earlier>, EdgeError> {
    crate::bench_timing::storage_delay().await;
    Ok(db
        .prepare(
            "SELECT poc, submitted_ms FROM inquiries
             WHERE site_id = ?1 AND email_hash = ?2 AND submitted_ms >= ?3 AND status != 'spam'
             ORDER BY submitted_ms DESC LIMIT 1",
        )
        .bind(&[text(site), text(email_hash), int(since_ms)])?
        .first::<switchboard_shared::continuity::Earlier>(None)
        .await?)
}

/// Sets a site's admin key hash, creating the site (without config) if it does not exist.
pub async fn put_admin_key_hash(
    db: &D1Database,
    site: &str,
    hash: &str,
    now_ms: i64,
) -> Result<(), EdgeError> {
    crate::bench_timing::storage_delay().await;
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

/// The answer stored for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StoredAnswer {
    pub response_status: u16,
    pub response_json: String,
}

pub async fn answer_for_key(
    db: &D1Database,
    site: &str,
    key: &str,
) -> Result<Option<StoredAnswer>, EdgeError> {
    crate::bench_timing::storage_delay().await;
    Ok(db
        .prepare("SELECT response_status, response_json FROM inquiries WHERE site_id = ?1 AND idempotency_key = ?2")
        .bind(&[text(site), text(key)])?
        .first::<StoredAnswer>(None)
        .await?)
}

/// The 12-hour limit a new inquiry is held to: `visitor` (a keyed hash, see `rate_limit`)
/// may have stored at most `limit` inquiries on the site in the window before `now_ms`.
#[derive(Debug, Clone)]
pub struct Window<'a> {
    pub visitor: &'a str,
    pub now_ms: i64,
    pub limit: u32,
}

/// A visitor's submissions in the window: how many, and the time of the oldest.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct WindowRow {
    pub n: i64,
    pub oldest: Option<f64>,
}

/// What [`store_inquiry`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOutcome {
    /// Stored, under one of the offered references; its answer.
    Stored(StoredAnswer),
    /// The idempotency key was stored before: that inquiry's answer, byte for byte.
    Replayed(StoredAnswer),
    /// The visitor has used up the 12-hour limit; seconds until the oldest of its
    /// submissions leaves the window.
    Limited { retry_after_s: u32 },
    /// Every offered reference is taken already (each about 1 in 10^12): nothing stored.
    ReferencesTaken,
}

/// Reads the outcome off the batch's results: the replay read (taken before the insert),
/// the row the insert returned, and the visitor's window after the insert.
pub fn store_outcome(
    replay: Option<StoredAnswer>,
    inserted: Option<StoredAnswer>,
    window: &WindowRow,
    limit: u32,
    now_ms: i64,
) -> StoreOutcome {
    if let Some(answer) = replay {
        return StoreOutcome::Replayed(answer);
    }
    if let Some(answer) = inserted {
        return StoreOutcome::Stored(answer);
    }
    if window.n >= i64::from(limit) {
        let oldest = window.oldest.map_or(now_ms, |o| o as i64);
        return StoreOutcome::Limited {
            retry_after_s: crate::rate_limit::retry_after_s(oldest, now_ms),
        };
    }
    StoreOutcome::ReferencesTaken
}

/// Stores a new inquiry in one D1 batch, which D1 runs as one transaction: one trip.
///
/// 1. the answer stored for the idempotency key, if any (read before anything is written);
/// 2. the insert, only while the visitor's count in the window is under the limit, under
///    the first of the references (`n.reference` with `n.response_json`, then each of
///    `alternatives`, a reference with the answer that names it) that no inquiry holds;
///    a stored key makes it do nothing (`ON CONFLICT DO NOTHING`), and it returns the
///    answer it stored;
/// 3. the visitor's submission event, only if the insert wrote the row (found by its id);
/// 4. the visitor's window, for `Retry-After`.
pub async fn store_inquiry(
    db: &D1Database,
    n: &NewInquiry,
    alternatives: &[(String, String)],
    window: &Window<'_>,
) -> Result<StoreOutcome, EdgeError> {
    crate::bench_timing::storage_delay().await;
    let since = window.now_ms - switchboard_shared::abuse::WINDOW_MS;
    let site = text(&n.site_id);
    let visitor = text(window.visitor);
    let replay = db
        .prepare(
            "SELECT response_status, response_json FROM inquiries WHERE site_id = ?1 AND idempotency_key = ?2",
        )
        .bind(&[site.clone(), text(&n.idempotency_key)])?;

    let candidates: Vec<(&str, &str)> =
        std::iter::once((n.reference.as_str(), n.response_json.as_str()))
            .chain(alternatives.iter().map(|(r, a)| (r.as_str(), a.as_str())))
            .collect();
    let insert = db.prepare(insert_sql(candidates.len())).bind(&insert_args(
        n,
        &candidates,
        window,
        since,
    ))?;
    let event = db
        .prepare(
            "INSERT INTO submission_events (site_id, visitor, at_ms)
             SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM inquiries WHERE id = ?4)",
        )
        .bind(&[
            site.clone(),
            visitor.clone(),
            int(window.now_ms),
            text(&n.id),
        ])?;
    let count = db
        .prepare(
            "SELECT COUNT(*) AS n, MIN(at_ms) AS oldest FROM submission_events
             WHERE site_id = ?1 AND visitor = ?2 AND at_ms > ?3",
        )
        .bind(&[site, visitor, int(since)])?;
    let results = db.batch(vec![replay, insert, event, count]).await?;
    let [replay, inserted, _, count] = results.as_slice() else {
        return Err(EdgeError::internal(format!(
            "the inquiry batch gave {} results for 4 statements",
            results.len()
        )));
    };
    Ok(store_outcome(
        replay.results::<StoredAnswer>()?.into_iter().next(),
        inserted.results::<StoredAnswer>()?.into_iter().next(),
        &count
            .results::<WindowRow>()?
            .into_iter()
            .next()
            .unwrap_or_default(),
        window.limit,
        window.now_ms,
    ))
}

/// The insert of [`store_inquiry`] for `candidates` (reference, answer) pairs. Parameters
/// 1-19 are the row and the window ([`insert_args`]); the pairs follow from 20.
fn insert_sql(candidates: usize) -> String {
    let values: Vec<String> = (0..candidates)
        .map(|i| format!("(?{}, ?{})", 20 + 2 * i, 21 + 2 * i))
        .collect();
    format!(
        "INSERT INTO inquiries (id, site_id, idempotency_key, reference, poc, priority, tags,
            fields_json, email_hash, topic, locale, routing_explanation_json, deadline_ms,
            submitted_ms, status, response_status, response_json, search_text)
         SELECT ?1, ?2, ?3, c.reference, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
            c.answer, ?16
         FROM (SELECT v.column1 AS reference, v.column2 AS answer FROM (VALUES {}) AS v
               WHERE NOT EXISTS (SELECT 1 FROM inquiries i WHERE i.reference = v.column1)
               LIMIT 1) AS c
         WHERE (SELECT COUNT(*) FROM submission_events
                WHERE site_id = ?2 AND visitor = ?17 AND at_ms > ?18) < ?19
         ON CONFLICT DO NOTHING
         RETURNING response_status, response_json",
        values.join(", ")
    )
}

fn insert_args(
    n: &NewInquiry,
    candidates: &[(&str, &str)],
    window: &Window<'_>,
    since: i64,
) -> Vec<JsValue> {
    let mut args = vec![
        text(&n.id),
        text(&n.site_id),
        text(&n.idempotency_key),
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
        text(&n.search_text),
        text(window.visitor),
        int(since),
        int(i64::from(window.limit)),
    ];
    for (reference, answer) in candidates {
        args.push(text(reference));
        args.push(text(answer));
    }
    args
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

macro_rules! inquiry_columns {
    () => {
        "id, site_id, reference, poc, priority, tags, fields_json, email_hash, topic, locale,
        routing_explanation_json, deadline_ms, submitted_ms, status, response_json, acknowledged_ms,
        target_met, acknowledged_by"
    };
}
/// What delivery, escalation and the acknowledgement page read of an inquiry.
const INQUIRY_COLUMNS: &str = inquiry_columns!();
/// What the owner's views read: the same with the count of escalations sent, which only
/// they show (the delivery round does not pay for it).
const ADMIN_INQUIRY_COLUMNS: &str = concat!(
    inquiry_columns!(),
    ", (SELECT COUNT(*) FROM escalations e WHERE e.inquiry_id = inquiries.id) AS escalations"
);

pub async fn inquiry(db: &D1Database, id: &str) -> Result<Option<InquiryRow>, EdgeError> {
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
    Ok(db
        .prepare(format!(
            "SELECT {ADMIN_INQUIRY_COLUMNS} FROM inquiries WHERE site_id = ?1 AND reference = ?2"
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
    crate::bench_timing::storage_delay().await;
    let statement = inquiry_query::select(ADMIN_INQUIRY_COLUMNS, site, f, limit);
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
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
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

/// What a delivery round reads before it posts ([`round_reads`]).
#[derive(Debug, Clone)]
pub struct RoundReads {
    pub row: InquiryRow,
    /// How many non-spam inquiries the same submitter sent the site before, and the
    /// references of the latest of them (see [`earlier_inquiries`]).
    pub earlier: (u32, Vec<String>),
    /// The site's endpoints disabled by a 410.
    pub disabled: Vec<DisabledEndpoint>,
    /// The inquiry's own delivery attempts (not its escalations'), oldest first.
    pub attempts: Vec<Attempt>,
}

/// Everything a delivery round of inquiry `id` reads, in one D1 batch (one trip instead of
/// five): the inquiry, its submitter's earlier inquiries (`keep` references), the site's
/// disabled endpoints and the inquiry's attempt log. `None` for an unknown inquiry.
pub async fn round_reads(
    db: &D1Database,
    id: &str,
    keep: u32,
) -> Result<Option<RoundReads>, EdgeError> {
    crate::bench_timing::storage_delay().await;
    // The same inquiries as `earlier_inquiries`, found from the inquiry's own row.
    let earlier = "FROM inquiries e JOIN inquiries i ON i.id = ?1
         WHERE e.site_id = i.site_id AND e.email_hash IS NOT NULL
           AND e.email_hash = i.email_hash AND e.submitted_ms <= i.submitted_ms
           AND e.id <> i.id AND e.status <> 'spam'";
    let statements = vec![
        db.prepare(format!(
            "SELECT {INQUIRY_COLUMNS} FROM inquiries WHERE id = ?1"
        ))
        .bind(&[text(id)])?,
        db.prepare(format!("SELECT COUNT(*) AS n {earlier}"))
            .bind(&[text(id)])?,
        db.prepare(format!(
            "SELECT e.reference {earlier} ORDER BY e.submitted_ms DESC LIMIT ?2"
        ))
        .bind(&[text(id), int(i64::from(keep))])?,
        db.prepare(
            "SELECT endpoint_url, inquiry_id, status_code, disabled_ms FROM disabled_endpoints
             WHERE site_id = (SELECT site_id FROM inquiries WHERE id = ?1) ORDER BY disabled_ms",
        )
        .bind(&[text(id)])?,
        db.prepare(
            "SELECT inquiry_id, endpoint_url, attempt, status_code, error, latency_ms, response_snippet, at_ms
             FROM delivery_attempts WHERE inquiry_id = ?1 AND escalation IS NULL ORDER BY at_ms, id",
        )
        .bind(&[text(id)])?,
    ];
    let results = db.batch(statements).await?;
    let [row, count, refs, disabled, attempts] = results.as_slice() else {
        return Err(EdgeError::internal(format!(
            "the round's reads gave {} results for 5 statements",
            results.len()
        )));
    };
    let Some(row) = row.results::<InquiryRow>()?.into_iter().next() else {
        return Ok(None);
    };
    let count = count
        .results::<CountRow>()?
        .into_iter()
        .next()
        .map_or(0, |r| r.n);
    Ok(Some(RoundReads {
        row,
        earlier: (
            u32::try_from(count).unwrap_or(u32::MAX),
            refs.results::<ReferenceRow>()?
                .into_iter()
                .map(|r| r.reference)
                .collect(),
        ),
        disabled: disabled.results::<DisabledEndpoint>()?,
        attempts: attempts.results::<Attempt>()?,
    }))
}

pub async fn set_status(db: &D1Database, id: &str, status: &str) -> Result<(), EdgeError> {
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
    db.prepare("UPDATE inquiries SET status = ?2 WHERE id = ?1 AND status = 'pending'")
        .bind(&[text(id), text(status)])?
        .run()
        .await?;
    Ok(())
}

/// Marks an inquiry failed unless it was delivered meanwhile (a late success wins).
pub async fn mark_failed(db: &D1Database, id: &str) -> Result<(), EdgeError> {
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
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
    crate::bench_timing::storage_delay().await;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> StoredAnswer {
        StoredAnswer {
            response_status: 202,
            response_json: body.to_owned(),
        }
    }

    #[test]
    fn a_stored_key_wins_over_every_other_result() {
        let full = WindowRow {
            n: 5,
            oldest: Some(1_000.0),
        };
        assert_eq!(
            store_outcome(Some(answer("old")), None, &full, 5, 2_000),
            StoreOutcome::Replayed(answer("old"))
        );
    }

    #[test]
    fn outcomes_of_the_one_trip() {
        let now = 100_000_000;
        let under = WindowRow {
            n: 1,
            oldest: Some(now as f64),
        };
        assert_eq!(
            store_outcome(None, Some(answer("new")), &under, 5, now),
            StoreOutcome::Stored(answer("new"))
        );
        // Nothing inserted with the visitor at the limit: limited until its oldest leaves.
        let full = WindowRow {
            n: 5,
            oldest: Some((now - switchboard_shared::abuse::WINDOW_MS + 1_500) as f64),
        };
        assert_eq!(
            store_outcome(None, None, &full, 5, now),
            StoreOutcome::Limited { retry_after_s: 2 }
        );
        // Nothing inserted under the limit: every offered reference was taken.
        assert_eq!(
            store_outcome(None, None, &under, 5, now),
            StoreOutcome::ReferencesTaken
        );
        // A limit of 0 refuses everything, for the whole window.
        assert_eq!(
            store_outcome(None, None, &WindowRow::default(), 0, now),
            StoreOutcome::Limited {
                retry_after_s: 12 * 3600
            }
        );
    }

    #[test]
    fn the_insert_offers_each_reference_with_its_answer() {
        let sql = insert_sql(3);
        assert!(
            sql.contains("(VALUES (?20, ?21), (?22, ?23), (?24, ?25))"),
            "{sql}"
        );
        // The parameters the SQL names are exactly the ones bound.
        let highest = (1..=40)
            .rev()
            .find(|i| sql.contains(&format!("?{i}")))
            .unwrap();
        assert_eq!(highest, 19 + 2 * 3);
    }
}
