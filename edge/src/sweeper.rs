//! The cron sweeper: inquiries still pending a while after they were stored, with no delivery
//! attempt at all, lost their queue message (or never got one); they are enqueued again.

use crate::delivery::{self, DeliveryMessage};
use crate::error::EdgeError;
use crate::platform::{self, log};
use crate::store;
use worker::Env;

/// How long a pending inquiry may wait for its first attempt before it is enqueued again.
pub const STALE_AFTER_MS: i64 = 2 * 60 * 1000;
/// Inquiries re-enqueued per run at most; the next minute takes the rest.
pub const BATCH: u32 = 50;

pub async fn sweep(env: &Env) -> Result<u32, EdgeError> {
    let db = env.d1("DB")?;
    let stale = store::stale_pending(&db, platform::now_ms() - STALE_AFTER_MS, BATCH).await?;
    let mut enqueued = 0;
    for row in stale {
        let msg = DeliveryMessage::new(&row.id, &row.site_id);
        match delivery::enqueue(env, &msg).await {
            Ok(()) => enqueued += 1,
            Err(e) => log(&format!(
                "sweeper: enqueue of {} failed: {}",
                msg.inquiry_id,
                e.log_cause().unwrap_or("")
            )),
        }
    }
    if enqueued > 0 {
        log(&format!("sweeper: re-enqueued {enqueued} stale inquiries"));
    }
    Ok(enqueued)
}
