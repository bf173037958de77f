//! The versioned JSON event every webhook posts (the generic JSON format), and the body a
//! POC receives for a routed inquiry, built from plain values (`formats` turns it into
//! Slack, Discord and Teams messages; `escalation` builds `inquiry.escalated` from it).

use crate::ids;
use serde::Serialize;
use switchboard_shared::api::ExpectedResponse;

/// The version of the generic JSON schema (README, "Webhook payload"). It changes only
/// when a field is removed or changes meaning; new fields may appear without a bump.
pub const SCHEMA_VERSION: u32 = 1;
/// A new inquiry was routed to a POC.
pub const INQUIRY_ROUTED: &str = "inquiry.routed";

/// `{"type":"inquiry.routed","version":1,"id":"msg_..","timestamp":..,"data":{..}}`: every
/// event Switchboard posts, to POCs and to owners (Standard Webhooks shape).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event<D> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub version: u32,
    /// The event's id, sent as the `webhook-id` header too: the same on every retry, so a
    /// receiver drops duplicates by it.
    pub id: String,
    /// RFC 3339; fixed when the event is built, so the same on every retry, like the body.
    pub timestamp: String,
    pub data: D,
}

impl<D> Event<D> {
    /// An event of type `kind` with id `id` at `at_ms`, in the current schema version.
    pub fn new(kind: &'static str, id: String, at_ms: i64, data: D) -> Self {
        Event {
            kind,
            version: SCHEMA_VERSION,
            id,
            timestamp: rfc3339(at_ms),
            data,
        }
    }
}

/// An inquiry event for a POC; its timestamp is when the inquiry was submitted.
pub type WebhookPayload = Event<InquiryData>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InquiryData {
    pub reference: String,
    pub site: String,
    pub poc: String,
    pub team: String,
    pub priority: String,
    pub tags: Vec<String>,
    pub topic: Option<String>,
    /// Field id -> normalized value, as the visitor submitted it.
    pub fields: serde_json::Value,
    pub submitted_at: String,
    pub deadline: String,
    pub expected: ExpectedResponse,
    /// Why the inquiry went to this POC (the routing explanation, as stored).
    pub routing: serde_json::Value,
    pub submitter: Submitter,
    /// The confirmation the visitor was shown, for the POC's systems to send on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<String>,
    /// Signed link that acknowledges the inquiry (a page with a button; POST acknowledges).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledge_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submitter {
    pub email: Option<String>,
    /// How many inquiries the same address sent to this site before this one.
    pub earlier_inquiries: u32,
    /// The most recent of those, newest first.
    pub earlier_references: Vec<String>,
}

/// Everything the payload needs, as stored for the inquiry.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadInput {
    /// The inquiry's id; the event id is its webhook id (`msg_<inquiry id>`).
    pub inquiry_id: String,
    pub reference: String,
    pub site: String,
    pub poc: String,
    pub team: String,
    pub priority: String,
    pub tags: Vec<String>,
    pub topic: Option<String>,
    pub fields: serde_json::Value,
    pub email: Option<String>,
    pub submitted_ms: i64,
    pub expected: ExpectedResponse,
    pub routing: serde_json::Value,
    pub earlier_inquiries: u32,
    pub earlier_references: Vec<String>,
    pub confirmation: Option<String>,
    pub acknowledge_url: Option<String>,
}

/// The `inquiry.routed` event.
pub fn build(input: PayloadInput) -> WebhookPayload {
    let submitted_at = rfc3339(input.submitted_ms);
    Event::new(
        INQUIRY_ROUTED,
        ids::webhook_id(&input.inquiry_id),
        input.submitted_ms,
        InquiryData {
            reference: input.reference,
            site: input.site,
            poc: input.poc,
            team: input.team,
            priority: input.priority,
            tags: input.tags,
            topic: input.topic,
            fields: input.fields,
            submitted_at,
            deadline: input.expected.deadline.clone(),
            expected: input.expected,
            routing: input.routing,
            submitter: Submitter {
                email: input.email,
                earlier_inquiries: input.earlier_inquiries,
                earlier_references: input.earlier_references,
            },
            confirmation: input.confirmation,
            acknowledge_url: input.acknowledge_url,
        },
    )
}

/// The routing explanation in words, from the stored routing JSON
/// (`{"reason": {..}, "explanation": "..."}`), or `None` when it has none.
pub fn routing_explanation(routing: &serde_json::Value) -> Option<&str> {
    routing
        .get("explanation")
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Unix milliseconds as an RFC 3339 UTC instant, e.g. `2026-11-24T09:30:00Z`.
pub fn rfc3339(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.to_string(),
        // Out of jiff's range (year 10000 and beyond): cannot come from a real clock.
        Err(_) => String::new(),
    }
}

/// An RFC 3339 instant as unix milliseconds.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn expected() -> ExpectedResponse {
        ExpectedResponse {
            deadline: "2026-11-24T13:30:00Z".into(),
            deadline_local: "2026-11-24T14:30:00+01:00[Europe/Berlin]".into(),
            within: "within 4 business hours".into(),
            open_now: true,
            sentence: "Billing replies within 4 business hours".into(),
        }
    }

    pub(crate) fn sample() -> PayloadInput {
        PayloadInput {
            inquiry_id: "0123abcd".into(),
            reference: "SB-7KQ2-M9XD".into(),
            site: "demo".into(),
            poc: "billing".into(),
            team: "Billing".into(),
            priority: "high".into(),
            tags: vec!["refund".into()],
            topic: Some("billing".into()),
            fields: serde_json::json!({"email": "ada@example.com", "message": "refund please"}),
            email: Some("ada@example.com".into()),
            submitted_ms: 1_795_512_600_000,
            expected: expected(),
            routing: serde_json::json!({"rule": "refunds"}),
            earlier_inquiries: 2,
            earlier_references: vec!["SB-2222-3333".into(), "SB-4444-5555".into()],
            confirmation: None,
            acknowledge_url: None,
        }
    }

    #[test]
    fn confirmation_and_acknowledge_link_are_carried_when_present() {
        let mut input = sample();
        input.confirmation = Some("Thank you, Ada.".into());
        input.acknowledge_url = Some("https://edge.example/v1/ack/abc.def".into());
        let v = serde_json::to_value(build(input)).unwrap();
        assert_eq!(v["data"]["confirmation"], "Thank you, Ada.");
        assert_eq!(
            v["data"]["acknowledge_url"],
            "https://edge.example/v1/ack/abc.def"
        );
    }

    #[test]
    fn payload_has_the_documented_shape() {
        let p = build(sample());
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], "inquiry.routed");
        assert_eq!(v["version"], 1);
        assert_eq!(v["id"], "msg_0123abcd");
        assert_eq!(v["timestamp"], "2026-11-24T09:30:00Z");
        assert_eq!(v["data"]["submitted_at"], "2026-11-24T09:30:00Z");
        assert_eq!(v["data"]["deadline"], "2026-11-24T13:30:00Z");
        assert_eq!(v["data"]["team"], "Billing");
        assert_eq!(v["data"]["expected"]["within"], "within 4 business hours");
        assert_eq!(v["data"]["routing"]["rule"], "refunds");
        assert_eq!(
            v["data"]["submitter"],
            serde_json::json!({"email": "ada@example.com", "earlier_inquiries": 2,
                "earlier_references": ["SB-2222-3333", "SB-4444-5555"]})
        );
        let keys: Vec<&str> = v["data"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "deadline",
                "expected",
                "fields",
                "poc",
                "priority",
                "reference",
                "routing",
                "site",
                "submitted_at",
                "submitter",
                "tags",
                "team",
                "topic"
            ]
        );
    }

    #[test]
    fn generic_json_snapshot() {
        insta::assert_json_snapshot!("json_inquiry_routed", build(sample()));
    }

    #[test]
    fn times_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_500), "1970-01-01T00:00:01.5Z");
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T13:30:00Z"),
            Some(1_795_527_000_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T14:30:00+01:00"),
            Some(1_795_527_000_000)
        );
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
    }
}
