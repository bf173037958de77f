//! D1 queries of acknowledgements and escalations (migration 0003). Kept apart from
//! `store` so the delivery tables and these evolve without touching each other.

use crate::error::EdgeError;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1Database;

fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// D1 numbers are JavaScript numbers: integers up to 2^53 are exact, which covers ms times.
fn int(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// An inquiry's acknowledgement as stored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AckRow {
    pub id: String,
    pub site_id: String,
    pub reference: String,
    pub poc: String,
    pub status: String,
    pub deadline_ms: i64,
    pub acknowledged_ms: Option<i64>,
    pub target_met: Option<i64>,
    /// Who acknowledged (migration 0010); `None` before then or when nobody said.
    #[serde(default)]
    pub acknowledged_by: Option<String>,
    /// `link` (the acknowledgement page) or `api` (the admin API).
    #[serde(default)]
    pub acknowledged_via: Option<String>,
}

const ACK_COLUMNS: &str = "id, site_id, reference, poc, status, deadline_ms, acknowledged_ms, \
     target_met, acknowledged_by, acknowledged_via";

pub async fn ack_by_id(db: &D1Database, id: &str) -> Result<Option<AckRow>, EdgeError> {
    crate::bench_timing::storage_delay().await;
    Ok(db
        .prepare(format!("SELECT {ACK_COLUMNS} FROM inquiries WHERE id = ?1"))
        .bind(&[text(id)])?
        .first::<AckRow>(None)
        .await?)
}

/// Records the acknowledgement at `now_ms` unless there is one already (the first one
/// stands), and returns the row as it is afterwards. `target_met` is computed in SQL from
/// the same values, so it cannot disagree with the stored times.
pub async fn acknowledge(
    db: &D1Database,
    id: &str,
    now_ms: i64,
    by: Option<&str>,
    via: &str,
) -> Result<Option<AckRow>, EdgeError> {
    crate::bench_timing::storage_delay().await;
    let by = by.map_or(JsValue::NULL, text);
    db.prepare(
        "UPDATE inquiries SET acknowledged_ms = ?2,
             target_met = CASE WHEN ?2 <= deadline_ms THEN 1 ELSE 0 END,
             acknowledged_by = ?3, acknowledged_via = ?4
         WHERE id = ?1 AND acknowledged_ms IS NULL",
    )
    .bind(&[text(id), int(now_ms), by, text(via)])?
    .run()
    .await?;
    ack_by_id(db, id).await
}

/// An unacknowledged inquiry past its warning point, with the levels already escalated.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OpenRow {
    pub id: String,
    pub site_id: String,
    pub poc: String,
    pub submitted_ms: i64,
    pub deadline_ms: i64,
    /// Comma-separated levels already recorded, or NULL.
    pub levels: Option<String>,
}

/// Unacknowledged, deliverable inquiries whose warning point (`warning_permille` of the
/// way from submission to deadline) is at or before `now_ms`, with a deadline after
/// `oldest_deadline_ms` (older ones are left alone), earliest deadline first. Left out,
/// because they have nothing to send now: ladders marked done ([`mark_escalation_done`])
/// and inquiries before their deadline that already had their `warning`.
pub async fn open_past_warning(
    db: &D1Database,
    now_ms: i64,
    warning_permille: i64,
    oldest_deadline_ms: i64,
    limit: u32,
) -> Result<Vec<OpenRow>, EdgeError> {
    crate::bench_timing::storage_delay().await;
    Ok(db
        .prepare(
            "SELECT i.id, i.site_id, i.poc, i.submitted_ms, i.deadline_ms,
                    (SELECT group_concat(e.level) FROM escalations e WHERE e.inquiry_id = i.id) AS levels
             FROM inquiries i
             WHERE i.acknowledged_ms IS NULL AND i.status <> 'spam'
               AND i.escalation_done_ms IS NULL
               AND i.deadline_ms > ?3
               AND i.submitted_ms + (i.deadline_ms - i.submitted_ms) * ?2 / 1000 <= ?1
               AND NOT (i.deadline_ms > ?1 AND EXISTS (
                   SELECT 1 FROM escalations w WHERE w.inquiry_id = i.id AND w.level = 'warning'))
             ORDER BY i.deadline_ms LIMIT ?4",
        )
        .bind(&[
            int(now_ms),
            int(warning_permille),
            int(oldest_deadline_ms),
            int(i64::from(limit)),
        ])?
        .all()
        .await?
        .results::<OpenRow>()?)
}

/// Marks an inquiry's escalation ladder finished: the scan no longer selects it.
pub async fn mark_escalation_done(
    db: &D1Database,
    inquiry_id: &str,
    now_ms: i64,
) -> Result<(), EdgeError> {
    crate::bench_timing::storage_delay().await;
    db.prepare(
        "UPDATE inquiries SET escalation_done_ms = ?2 WHERE id = ?1 AND escalation_done_ms IS NULL",
    )
    .bind(&[text(inquiry_id), int(now_ms)])?
    .run()
    .await?;
    Ok(())
}

/// Records an escalation step. `true` when this call wrote it; `false` when the step was
/// recorded before (by an earlier or a concurrent run), which then must not send.
pub async fn insert_escalation(
    db: &D1Database,
    inquiry_id: &str,
    level: &str,
    target_poc: &str,
    now_ms: i64,
) -> Result<bool, EdgeError> {
    crate::bench_timing::storage_delay().await;
    let result = db
        .prepare(
            "INSERT INTO escalations (inquiry_id, level, target_poc, at_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (inquiry_id, level) DO NOTHING",
        )
        .bind(&[text(inquiry_id), text(level), text(target_poc), int(now_ms)])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

/// One recorded escalation step.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EscalationRow {
    pub level: String,
    pub target_poc: String,
    pub at_ms: i64,
}

pub async fn escalations(
    db: &D1Database,
    inquiry_id: &str,
) -> Result<Vec<EscalationRow>, EdgeError> {
    crate::bench_timing::storage_delay().await;
    Ok(db
        .prepare(
            "SELECT level, target_poc, at_ms FROM escalations WHERE inquiry_id = ?1 ORDER BY at_ms, id",
        )
        .bind(&[text(inquiry_id)])?
        .all()
        .await?
        .results::<EscalationRow>()?)
}

pub async fn escalation(
    db: &D1Database,
    inquiry_id: &str,
    level: &str,
) -> Result<Option<EscalationRow>, EdgeError> {
    crate::bench_timing::storage_delay().await;
    Ok(db
        .prepare(
            "SELECT level, target_poc, at_ms FROM escalations WHERE inquiry_id = ?1 AND level = ?2",
        )
        .bind(&[text(inquiry_id), text(level)])?
        .first::<EscalationRow>(None)
        .await?)
}

/// Forgets a step whose webhook could not be queued, so the next cron run records it again.
pub async fn delete_escalation(
    db: &D1Database,
    inquiry_id: &str,
    level: &str,
) -> Result<(), EdgeError> {
    crate::bench_timing::storage_delay().await;
    db.prepare("DELETE FROM escalations WHERE inquiry_id = ?1 AND level = ?2")
        .bind(&[text(inquiry_id), text(level)])?
        .run()
        .await?;
    Ok(())
}
