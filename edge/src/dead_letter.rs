//! The dead-letter queue consumer: a delivery whose retries ran out marks its inquiry failed.

use crate::delivery::decode_message;
use crate::platform::log;
use crate::store;
use worker::{Env, MessageExt};

pub async fn consume(batch: &worker::MessageBatch<serde_json::Value>, env: &Env) {
    let db = match env.d1("DB") {
        Ok(db) => db,
        Err(e) => {
            log(&format!("dead letter: no database binding: {e}"));
            batch.retry_all();
            return;
        }
    };
    for message in batch.raw_iter() {
        let Some(msg) = decode_message(&message.body()) else {
            log(&format!(
                "dead letter: dropping malformed message {}",
                message.id()
            ));
            message.ack();
            continue;
        };
        match store::mark_failed(&db, &msg.inquiry_id).await {
            Ok(()) => {
                log(&format!(
                    "dead letter: inquiry {} of site {} marked failed",
                    msg.inquiry_id, msg.site
                ));
                message.ack();
            }
            Err(e) => {
                log(&format!(
                    "dead letter: inquiry {}: {}",
                    msg.inquiry_id,
                    e.log_cause().unwrap_or("")
                ));
                message.retry();
            }
        }
    }
}
