//! Retention: the cron trigger deletes inquiries older than their site's `retention_days`
//! together with every row that points at them (delivery attempts and any other table
//! with an `inquiry_id` column), and the rate-limit events that left their window.
//!
//! Two things outlive the cutoff. An inquiry still being delivered (`pending`) stays
//! until its delivery has settled, so a short retention never drops one before its POC
//! has it. And `disabled_endpoints`, which names the inquiry whose delivery got the 410,
//! is the site's state rather than that inquiry's data: only an admin call enables an
//! endpoint again.

use crate::error::EdgeError;
use crate::platform::{self, log};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

/// Days an inquiry is kept when the site config sets no `retention_days`.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Tables known to point at inquiries, used if the schema cannot be read.
const KNOWN_CHILD_TABLES: [&str; 1] = ["delivery_attempts"];
/// Tables with an `inquiry_id` column that hold the site's state, not the inquiry's data.
const SITE_STATE_TABLES: [&str; 1] = ["disabled_endpoints"];
/// The inquiries a purge may delete: past the cutoff, and not still being delivered.
const EXPIRED: &str =
    "SELECT id FROM inquiries WHERE site_id = ?1 AND submitted_ms < ?2 AND status <> 'pending'";

/// Inquiries submitted before this instant are purged. `0` days purges everything
/// submitted up to now.
pub fn cutoff_ms(now_ms: i64, retention_days: Option<u32>) -> i64 {
    now_ms - i64::from(retention_days.unwrap_or(DEFAULT_RETENTION_DAYS)) * DAY_MS
}

/// A table name safe to put into SQL text (it came from the schema, but still), and one
/// whose rows are per-inquiry data to purge.
pub fn plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && name != "inquiries"
        && !SITE_STATE_TABLES.contains(&name)
}

#[derive(Deserialize)]
struct SiteRetention {
    id: String,
    config_json: String,
}

#[derive(Deserialize)]
struct TableName {
    name: String,
}

/// Every table other than `inquiries` with an `inquiry_id` column, bar the site-state
/// ones: the per-inquiry data.
pub(crate) async fn child_tables(db: &D1Database) -> Vec<String> {
    crate::bench_timing::storage_delay().await;
    let found = db
        .prepare(
            "SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND p.name = 'inquiry_id' ORDER BY m.name",
        )
        .all()
        .await
        .and_then(|r| r.results::<TableName>());
    match found {
        Ok(rows) => rows
            .into_iter()
            .map(|r| r.name)
            .filter(|n| plain_identifier(n))
            .collect(),
        Err(e) => {
            log(&format!(
                "retention: cannot read the schema ({e}); purging known tables only"
            ));
            KNOWN_CHILD_TABLES.iter().map(|t| (*t).to_owned()).collect()
        }
    }
}

/// The statements deleting the inquiries `matching` selects (a `SELECT id FROM inquiries`
/// over `args`) and every row of `tables` that points at them: children first, as D1
/// enforces the foreign keys that point at inquiries. Run them as one batch.
pub(crate) fn delete_statements(
    db: &D1Database,
    tables: &[String],
    matching: &str,
    args: &[JsValue],
) -> Result<Vec<D1PreparedStatement>, EdgeError> {
    let mut statements = Vec::with_capacity(tables.len() + 1);
    for table in tables {
        statements.push(
            db.prepare(format!(
                "DELETE FROM {table} WHERE inquiry_id IN ({matching})"
            ))
            .bind(args)?,
        );
    }
    statements.push(
        db.prepare(format!("DELETE FROM inquiries WHERE id IN ({matching})"))
            .bind(args)?,
    );
    Ok(statements)
}

/// Purges every site's expired inquiries; returns how many inquiries were deleted.
pub async fn purge(env: &Env) -> Result<u64, EdgeError> {
    let db = env.d1("DB")?;
    let now = platform::now_ms();
    crate::rate_limit::purge(&db, now).await?;
    crate::bench_timing::storage_delay().await;
    let sites = db
        .prepare("SELECT id, config_json FROM sites WHERE config_json IS NOT NULL")
        .all()
        .await?
        .results::<SiteRetention>()?;
    let tables = child_tables(&db).await;
    let mut deleted = 0;
    for site in sites {
        let days = serde_json::from_str::<serde_json::Value>(&site.config_json)
            .ok()
            .and_then(|c| c.get("retention_days").and_then(serde_json::Value::as_u64))
            .map(|d| u32::try_from(d).unwrap_or(u32::MAX));
        let cutoff = JsValue::from_f64(cutoff_ms(now, days) as f64);
        let args = [JsValue::from_str(&site.id), cutoff];
        // One batch is one transaction: a site's purge is all or nothing.
        crate::bench_timing::storage_delay().await;
        let results = db
            .batch(delete_statements(&db, &tables, EXPIRED, &args)?)
            .await?;
        let n = results
            .last()
            .and_then(|r| r.meta().ok().flatten())
            .and_then(|m| m.changes)
            .unwrap_or(0);
        deleted += n as u64;
        if n > 0 {
            log(&format!(
                "retention: purged {n} inquiries of site {}",
                site.id
            ));
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_and_identifiers() {
        let now = 100 * DAY_MS;
        assert_eq!(cutoff_ms(now, Some(0)), now);
        assert_eq!(cutoff_ms(now, Some(30)), 70 * DAY_MS);
        assert_eq!(cutoff_ms(now, None), now - 365 * DAY_MS);
        assert!(plain_identifier("delivery_attempts"));
        assert!(!plain_identifier("inquiries"));
        assert!(!plain_identifier("x; DROP TABLE sites"));
        assert!(!plain_identifier("disabled_endpoints"));
    }
}
