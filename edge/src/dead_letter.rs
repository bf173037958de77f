//! The dead-letter queue consumer and the owner's alerts: a delivery whose schedule ran out
//! marks its inquiry failed and tells the site owner through the config's alert endpoint;
//! an endpoint that answered 410 and was disabled is reported the same way, once; so is an
//! escalation step whose webhook could not be delivered.

use crate::delivery::{decode_message, post_signed};
use crate::error::EdgeError;
use crate::formats::{self, Card};
use crate::payload::{self, Event};
use crate::platform::{self, log};
use crate::store::InquiryRow;
use crate::{escalation, ids, store};
use serde::Serialize;
use switchboard_shared::config::SiteConfig;
use worker::{D1Database, Env, MessageExt};

/// The event type of the owner's alert about an inquiry that could not be delivered.
pub const INQUIRY_FAILED: &str = "inquiry.failed";
/// The event type of the owner's alert about an endpoint disabled after a 410 Gone.
pub const ENDPOINT_DISABLED: &str = "endpoint.disabled";
/// The event type of the owner's alert about an escalation webhook that could not be
/// delivered (the backup never heard of the overdue inquiry).
pub const ESCALATION_FAILED: &str = "escalation.failed";

/// The alert body: which inquiry, for whom, and where the delivery log is.
pub type FailedAlert = Event<FailedAlertData>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedAlertData {
    pub site: String,
    pub reference: String,
    pub poc: String,
    pub submitted_at: String,
    /// Admin API path of the inquiry with its delivery attempts.
    pub details: String,
}

/// The `inquiry.failed` alert of inquiry `inquiry_id`; its id is `msg_<inquiry id>_failed`.
pub fn failed_alert(
    inquiry_id: &str,
    site: &str,
    reference: &str,
    poc: &str,
    submitted_ms: i64,
    now_ms: i64,
) -> FailedAlert {
    Event::new(
        INQUIRY_FAILED,
        format!("{}_failed", ids::webhook_id(inquiry_id)),
        now_ms,
        FailedAlertData {
            site: site.to_owned(),
            reference: reference.to_owned(),
            poc: poc.to_owned(),
            submitted_at: payload::rfc3339(submitted_ms),
            details: format!("/v1/admin/sites/{site}/inquiries/{reference}"),
        },
    )
}

/// The card chat formats show for a failed inquiry.
pub fn failed_card(alert: &FailedAlert) -> Card {
    let d = &alert.data;
    Card {
        title: format!("Inquiry {} could not be delivered", d.reference),
        facts: vec![
            ("Site".to_owned(), d.site.clone()),
            ("POC".to_owned(), d.poc.clone()),
            ("Submitted".to_owned(), d.submitted_at.clone()),
            ("Delivery log".to_owned(), d.details.clone()),
        ],
        body: Vec::new(),
        alarm: true,
        // The details are admin API paths, not pages to open.
        action: None,
    }
}

/// The alert about an escalation step whose webhook gave up.
pub type EscalationFailedAlert = Event<EscalationFailedData>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationFailedData {
    pub site: String,
    pub reference: String,
    /// `warning`, `overdue`, `overdue-2`, ...
    pub level: String,
    /// The POC the escalation was for.
    pub target_poc: String,
    /// Admin API path of the inquiry with its escalation steps and attempts.
    pub details: String,
}

/// The `escalation.failed` alert of one step; its id is the step's webhook id with
/// `_failed` (`msg_<inquiry id>_<level>_failed`).
pub fn escalation_failed_alert(
    inquiry_id: &str,
    site: &str,
    reference: &str,
    level: &str,
    target_poc: &str,
    now_ms: i64,
) -> EscalationFailedAlert {
    Event::new(
        ESCALATION_FAILED,
        format!("{}_failed", escalation::webhook_id(inquiry_id, level)),
        now_ms,
        EscalationFailedData {
            site: site.to_owned(),
            reference: reference.to_owned(),
            level: level.to_owned(),
            target_poc: target_poc.to_owned(),
            details: format!("/v1/admin/sites/{site}/inquiries/{reference}"),
        },
    )
}

pub fn escalation_failed_card(alert: &EscalationFailedAlert) -> Card {
    let d = &alert.data;
    Card {
        title: format!(
            "Escalation of inquiry {} to {} could not be delivered",
            d.reference, d.target_poc
        ),
        facts: vec![
            ("Site".to_owned(), d.site.clone()),
            ("Level".to_owned(), d.level.clone()),
            ("Details".to_owned(), d.details.clone()),
        ],
        body: Vec::new(),
        alarm: true,
        // The details are admin API paths, not pages to open.
        action: None,
    }
}

/// The alert about an endpoint that answered 410 Gone and is no longer called.
pub type DisabledAlert = Event<DisabledAlertData>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisabledAlertData {
    pub site: String,
    pub poc: String,
    pub endpoint_url: String,
    /// The inquiry whose delivery got the 410.
    pub reference: String,
    /// Admin API path listing the site's endpoints; enabling one again happens there.
    pub details: String,
}

/// The `endpoint.disabled` alert, named after the inquiry whose delivery got the 410; its
/// id is `msg_<inquiry id>_disabled`.
pub fn disabled_alert(
    inquiry_id: &str,
    site: &str,
    poc: &str,
    url: &str,
    reference: &str,
    now_ms: i64,
) -> DisabledAlert {
    Event::new(
        ENDPOINT_DISABLED,
        format!("{}_disabled", ids::webhook_id(inquiry_id)),
        now_ms,
        DisabledAlertData {
            site: site.to_owned(),
            poc: poc.to_owned(),
            endpoint_url: url.to_owned(),
            reference: reference.to_owned(),
            details: format!("/v1/admin/sites/{site}/endpoints"),
        },
    )
}

pub fn disabled_card(alert: &DisabledAlert) -> Card {
    let d = &alert.data;
    Card {
        title: format!(
            "A webhook endpoint of POC {} answered 410 and is disabled",
            d.poc
        ),
        facts: vec![
            ("Site".to_owned(), d.site.clone()),
            ("Endpoint".to_owned(), d.endpoint_url.clone()),
            ("Inquiry".to_owned(), d.reference.clone()),
            ("Endpoints".to_owned(), d.details.clone()),
        ],
        body: Vec::new(),
        alarm: true,
        // The details are admin API paths, not pages to open.
        action: None,
    }
}

/// Posts an alert to the site's alert endpoint, if it has one, with the event's id as its
/// `webhook-id`. Alerts are best effort: a failure is logged (the inquiry's state in D1 is
/// already right).
async fn send_alert<D: Serialize>(env: &Env, config: &SiteConfig, event: &Event<D>, card: &Card) {
    let Some(endpoint) = &config.alert_endpoint else {
        return;
    };
    let msg_id = &event.id;
    let body = match formats::render(endpoint.format, event, card) {
        Ok(b) => b,
        Err(e) => {
            log(&format!("alert {msg_id}: cannot render: {e}"));
            return;
        }
    };
    let result = post_signed(endpoint, msg_id, &body, platform::allow_loopback_http(env)).await;
    if !result.ok() {
        log(&format!(
            "alert {msg_id} not accepted: {}",
            result.error.unwrap_or_default()
        ));
    }
}

/// Tells the owner that `url` answered 410 and is disabled.
pub async fn alert_endpoint_disabled(env: &Env, config: &SiteConfig, row: &InquiryRow, url: &str) {
    let alert = disabled_alert(
        &row.id,
        &row.site_id,
        &row.poc,
        url,
        &row.reference,
        platform::now_ms(),
    );
    send_alert(env, config, &alert, &disabled_card(&alert)).await;
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
        // delivery; its step and every attempt are already on record. The owner hears of it.
        if let Some(esc) = crate::escalation::decode_message(&message.body()) {
            log(&format!(
                "dead letter: escalation {} of inquiry {} gave up",
                esc.level, esc.inquiry_id
            ));
            if let Err(e) = alert_escalation_failed(&db, env, &esc).await {
                log(&format!(
                    "dead letter: escalation alert for {}: {}",
                    esc.inquiry_id,
                    e.log_cause().unwrap_or("")
                ));
            }
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

/// Tells the owner that an escalation step's webhook gave up.
async fn alert_escalation_failed(
    db: &D1Database,
    env: &Env,
    esc: &crate::escalation::EscalationMessage,
) -> Result<(), EdgeError> {
    let Some(row) = store::inquiry(db, &esc.inquiry_id).await? else {
        return Ok(());
    };
    let allow_loopback = platform::allow_loopback_http(env);
    let Some(config) = store::site_config(db, &row.site_id, allow_loopback).await? else {
        return Ok(());
    };
    let alert = escalation_failed_alert(
        &row.id,
        &row.site_id,
        &row.reference,
        &esc.level,
        &esc.target_poc,
        platform::now_ms(),
    );
    send_alert(env, &config, &alert, &escalation_failed_card(&alert)).await;
    Ok(())
}

async fn alert_owner(db: &D1Database, env: &Env, inquiry_id: &str) -> Result<(), EdgeError> {
    let Some(row) = store::inquiry(db, inquiry_id).await? else {
        return Ok(());
    };
    if row.status != "failed" {
        return Ok(());
    }
    let allow_loopback = platform::allow_loopback_http(env);
    let Some(config) = store::site_config(db, &row.site_id, allow_loopback).await? else {
        return Ok(());
    };
    let alert = failed_alert(
        &row.id,
        &row.site_id,
        &row.reference,
        &row.poc,
        row.submitted_ms,
        platform::now_ms(),
    );
    send_alert(env, &config, &alert, &failed_card(&alert)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_shape() {
        let a = failed_alert("00ff", "demo", "SB-2222-3333", "press", 0, 1_000);
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({"type": "inquiry.failed", "version": 1, "id": "msg_00ff_failed",
                "timestamp": "1970-01-01T00:00:01Z",
                "data": {"site": "demo", "reference": "SB-2222-3333", "poc": "press",
                    "submitted_at": "1970-01-01T00:00:00Z",
                    "details": "/v1/admin/sites/demo/inquiries/SB-2222-3333"}})
        );
    }

    #[test]
    fn alert_snapshots() {
        let failed = failed_alert("00ff", "demo", "SB-2222-3333", "press", 0, 1_000);
        let card = failed_card(&failed);
        insta::assert_json_snapshot!("alert_failed_slack", formats::slack(&card));
        insta::assert_json_snapshot!("alert_failed_discord", formats::discord(&card));
        insta::assert_json_snapshot!("alert_failed_teams", formats::teams(&card));
        let disabled = disabled_alert(
            "00ff",
            "demo",
            "press",
            "https://hooks.example/x",
            "SB-2222-3333",
            1_000,
        );
        insta::assert_json_snapshot!("alert_endpoint_disabled_json", disabled);
        let escalation =
            escalation_failed_alert("00ff", "demo", "SB-2222-3333", "overdue", "lead", 1_000);
        assert_eq!(escalation.id, "msg_00ff_overdue_failed");
        insta::assert_json_snapshot!("alert_escalation_failed_json", escalation);
        insta::assert_json_snapshot!(
            "alert_escalation_failed_slack",
            formats::slack(&escalation_failed_card(&escalation))
        );
        insta::assert_json_snapshot!(
            "alert_endpoint_disabled_slack",
            formats::slack(&disabled_card(&disabled))
        );
    }
}
