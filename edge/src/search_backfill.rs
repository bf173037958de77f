//! Fills `inquiries.search_text` for rows stored before migration 0007, a batch per cron
//! run, so every inquiry ends up searchable in any case and script. Until its row is
//! filled, an inquiry is still found through `fields_json` (ASCII letters in any case).

use crate::error::EdgeError;
use crate::platform::log;
use serde::Deserialize;
use switchboard_shared::search;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

/// Rows filled per cron run: one D1 batch, well within a run's time.
pub const BATCH: u32 = 200;

#[derive(Deserialize)]
struct Unfolded {
    id: String,
    fields_json: String,
}

/// The `search_text` of a stored `fields_json`, as intake would have written it. A value
/// that is not JSON (never written by intake) is folded as it is, so the row is still
/// found by its text and is not picked up again on every run.
pub fn folded(fields_json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(fields_json).map_or_else(
        |_| search::fold(fields_json),
        |fields| search::search_text(&fields),
    )
}

/// Fills up to [`BATCH`] rows; returns how many.
pub async fn run(env: &Env) -> Result<usize, EdgeError> {
    let db = env.d1("DB")?;
    fill(&db).await
}

async fn fill(db: &D1Database) -> Result<usize, EdgeError> {
    crate::bench_timing::storage_delay().await;
    let rows = db
        .prepare("SELECT id, fields_json FROM inquiries WHERE search_text IS NULL LIMIT ?1")
        .bind(&[JsValue::from(BATCH)])?
        .all()
        .await?
        .results::<Unfolded>()?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut updates = Vec::with_capacity(rows.len());
    for row in &rows {
        updates.push(
            db.prepare(
                "UPDATE inquiries SET search_text = ?2 WHERE id = ?1 AND search_text IS NULL",
            )
            .bind(&[
                JsValue::from_str(&row.id),
                JsValue::from_str(&folded(&row.fields_json)),
            ])?,
        );
    }
    crate::bench_timing::storage_delay().await;
    db.batch(updates).await?;
    log(&format!(
        "search: filled the search text of {} older inquiries",
        rows.len()
    ));
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_rows_get_what_intake_writes() {
        let fields =
            serde_json::json!({"name": "Björk Legacy", "topic": "support", "consent": true});
        assert_eq!(folded(&fields.to_string()), search::search_text(&fields));
        assert!(folded(&fields.to_string()).contains("björk legacy"));
        assert_eq!(folded("not json ÄÖ"), "not json äö");
    }
}
