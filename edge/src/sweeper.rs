//! The cron sweeper, the guarantee behind every delivery: a submit sends its first queue
//! message only after answering, and a send that fails or is lost leaves the inquiry
//! pending with no delivery attempt. Such inquiries, once older than [`STALE_AFTER_MS`],
//! are sent again, up to [`BATCH`] a run in one queue batch.
//!
//! The longest a lost send delays a delivery: [`STALE_AFTER_MS`] plus the cron's period of
//! a minute, so 3 minutes, while fewer than [`BATCH`] sends a minute are lost; beyond that
//! the backlog drains at [`BATCH`] a minute.

use crate::delivery::DeliveryMessage;
use crate::error::EdgeError;
use crate::platform::{self, log};
use crate::store;
use worker::Env;

/// How long a pending inquiry may wait for its first attempt before it is sent again. A
/// message the queue still holds is normally tried within seconds; this leaves it minutes.
pub const STALE_AFTER_MS: i64 = 2 * 60 * 1000;
/// Inquiries sent again per run at most (a queue batch holds up to 100 messages); the next
/// minute takes the rest.
pub const BATCH: u32 = 100;

/// The age at which a pending inquiry counts as lost: [`STALE_AFTER_MS`], unless the var
/// `SWEEP_AFTER_S` (set only by the integration tests, so a trial need not wait minutes)
/// names another number of seconds.
pub fn stale_after_ms(var: Option<&str>) -> i64 {
    var.and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(STALE_AFTER_MS, |s| i64::from(s) * 1000)
}

pub async fn sweep(env: &Env) -> Result<u32, EdgeError> {
    let db = env.d1("DB")?;
    let older_than =
        platform::now_ms() - stale_after_ms(platform::var(env, "SWEEP_AFTER_S").as_deref());
    let stale = store::stale_pending(&db, older_than, BATCH).await?;
    if stale.is_empty() {
        return Ok(0);
    }
    let messages: Vec<DeliveryMessage> = stale
        .iter()
        .map(|row| DeliveryMessage::new(&row.id, &row.site_id))
        .collect();
    let count = u32::try_from(messages.len()).unwrap_or(u32::MAX);
    crate::bench_timing::storage_delay().await;
    if let Err(e) = env.queue("DELIVERY")?.send_batch(messages).await {
        // Nothing was sent; the next run finds the same inquiries.
        log(&format!(
            "sweeper: sending {count} stale inquiries failed: {e}"
        ));
        return Ok(0);
    }
    log(&format!("sweeper: sent {count} stale inquiries again"));
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_age_defaults_to_two_minutes() {
        assert_eq!(stale_after_ms(None), 120_000);
        assert_eq!(stale_after_ms(Some("junk")), 120_000);
        assert_eq!(stale_after_ms(Some(" 3 ")), 3_000);
    }
}
