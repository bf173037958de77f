//! The dead-letter queue consumer: a delivery whose retries ran out marks its inquiry failed
//! and tells the site owner through the config's alert endpoint, when it has one.

use crate::delivery::{decode_message, post_signed};
use crate::error::EdgeError;
use crate::platform::{self, log};
use crate::{ids, payload, site_config, store};
use serde::Serialize;
use worker::{D1Database, Env, MessageExt};

/// The event type of the owner's alert about an inquiry that could not be delivered.
pub const INQUIRY_FAILED: &str = "inquiry.delivery_failed";

/// The alert body: which inquiry, for whom, and where the delivery log is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedAlert {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: String,
    pub data: FailedAlertData,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedAlertData {
    pub site: String,
    pub reference: String,
    pub poc: String,
    pub submitted_at: String,
    /// Admin API path of the inquiry with its delivery attempts.
    pub details: String,
}

pub fn failed_alert(
    site: &str,
    reference: &str,
    poc: &str,
    submitted_ms: i64,
    now_ms: i64,
) -> FailedAlert {
    FailedAlert {
        kind: INQUIRY_FAILED,
        timestamp: payload::rfc3339(now_ms),
        data: FailedAlertData {
            site: site.to_owned(),
            reference: reference.to_owned(),
            poc: poc.to_owned(),
            submitted_at: payload::rfc3339(submitted_ms),
            details: format!("/v1/admin/sites/{site}/inquiries/{reference}"),
        },
    }
}

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
        // An escalation that could not be delivered says nothing about the inquiry's own
        // delivery; its step and every attempt are already on record.
        if let Some(esc) = crate::escalation::decode_message(&message.body()) {
            log(&format!(
                "dead letter: escalation {} of inquiry {} gave up",
                esc.level, esc.inquiry_id
            ));
            message.ack();
            continue;
        }
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
                // The inquiry is safely marked; an alert that cannot be sent is only logged.
                if let Err(e) = alert_owner(&db, env, &msg.inquiry_id).await {
                    log(&format!(
                        "dead letter: alert for {}: {}",
                        msg.inquiry_id,
                        e.log_cause().unwrap_or("")
                    ));
                }
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

async fn alert_owner(db: &D1Database, env: &Env, inquiry_id: &str) -> Result<(), EdgeError> {
    let Some(row) = store::inquiry(db, inquiry_id).await? else {
        return Ok(());
    };
    if row.status != "failed" {
        return Ok(());
    }
    let allow_loopback = platform::allow_loopback_http(env);
    let config = match store::site(db, &row.site_id).await? {
        Some(site) => site_config::decode(&site, allow_loopback)?,
        None => None,
    };
    let Some(endpoint) = config.and_then(|c| c.alert_endpoint) else {
        return Ok(());
    };
    let alert = failed_alert(
        &row.site_id,
        &row.reference,
        &row.poc,
        row.submitted_ms,
        platform::now_ms(),
    );
    let body = serde_json::to_string(&alert)?;
    let msg_id = format!("{}_failed", ids::webhook_id(&row.id));
    let result = post_signed(&endpoint, &msg_id, &body, allow_loopback).await;
    if !result.ok() {
        log(&format!(
            "dead letter: alert for {} not accepted: {}",
            row.id,
            result.error.unwrap_or_default()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_shape() {
        let a = failed_alert("demo", "SB-2222-3333", "press", 0, 1_000);
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({"type": "inquiry.delivery_failed", "timestamp": "1970-01-01T00:00:01Z",
                "data": {"site": "demo", "reference": "SB-2222-3333", "poc": "press",
                    "submitted_at": "1970-01-01T00:00:00Z",
                    "details": "/v1/admin/sites/demo/inquiries/SB-2222-3333"}})
        );
    }
}
