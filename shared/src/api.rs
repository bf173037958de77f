//! Wire types of the public HTTP API, shared by the widget (client) and the edge (server).

use crate::errors::FieldError;
use crate::form::FormSpec;
use crate::inquiry::Draft;
use crate::locale::Locale;
use serde::{Deserialize, Serialize};

/// Header a client may use instead of the body's `idempotency_key`.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// Longest accepted idempotency key.
pub const MAX_IDEMPOTENCY_KEY: usize = 100;
/// The submit's member for the Turnstile answer; a refused answer is a field error on it.
pub const TURNSTILE_FIELD: &str = "turnstile_token";

/// `GET /v1/sites/{site}/form?locale=..&tz=..`: what the widget needs to draw the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub site: String,
    /// The locale the edge used for `topics[].expected` (the one asked for, or English).
    pub locale: Locale,
    pub form: FormSpec,
    /// Per topic: who answers and when, as of the moment the form was fetched.
    pub topics: Vec<TopicInfo>,
    /// Signed, time-stamped token the submit must carry back.
    pub render_token: String,
    /// Cloudflare Turnstile site key, when the site uses Turnstile; the widget then renders
    /// the challenge and sends its answer as `turnstile_token` (see [`TURNSTILE_FIELD`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnstile_site_key: Option<String>,
    /// The visitor's time zone the topic sentences are written for: `tz`, or without it the
    /// zone Cloudflare places the request in. Absent: the POCs' own zones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// With a Turnstile site key: the URL of Cloudflare's Turnstile script, which the
    /// loader adds to the page to draw the challenge (`TURNSTILE_SCRIPT_URL` overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnstile_script: Option<String>,
    /// With `?prerender=1`: the idle form as HTML (no scripts, styles or URLs), which the
    /// loader shows until the wasm form takes over. With Turnstile it holds the empty slot
    /// the live form draws the challenge into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Ids of the fields whose values can change who answers (the topic field and every
    /// field a routing rule reads). The widget asks `POST /v1/sites/{site}/preview` again
    /// only when one of them changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_fields: Vec<String>,
}

/// Who answers a topic and the expected response right now, for an inquiry that names
/// only the topic (the preview answers for the whole draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicInfo {
    pub topic: String,
    pub team: String,
    /// What the team takes care of, in words (the POC's `scope`); empty when unset.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    pub expected: ExpectedResponse,
}

/// `POST /v1/sites/{site}/preview` answer: who would answer the draft and by when if it
/// were sent at this instant. Computed by the same function as a submit's answer, and it
/// says no more than that answer does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewAnswer {
    /// The topic of the draft, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Id of the point of contact that would own the inquiry.
    pub poc: String,
    pub team: String,
    /// What the team takes care of, in words; empty when unset.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    pub priority: String,
    pub expected: ExpectedResponse,
}

/// `POST /v1/sites/{site}/inquiries` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// Made once per inquiry by the client and reused on every retry. May be left out
    /// when the request carries the [`IDEMPOTENCY_HEADER`] instead.
    #[serde(default)]
    pub idempotency_key: String,
    #[serde(default)]
    pub locale: Option<String>,
    /// The visitor's IANA time zone, for the reply-time sentence.
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub render_token: Option<String>,
    /// The Turnstile widget's answer, for sites that use Turnstile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnstile_token: Option<String>,
    pub fields: Draft,
}

/// The `202` answer: the inquiry is stored and will be delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmitAccepted {
    pub reference: String,
    /// Id of the point of contact that owns the inquiry.
    pub poc: String,
    /// Display name of that team.
    pub team: String,
    /// What the team takes care of, in words; empty when unset.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    pub priority: String,
    pub expected: ExpectedResponse,
    /// The confirmation text in the visitor's language (the POC's template or the built-in
    /// one, see `confirmation`). Absent in answers stored before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<String>,
}

/// When the visitor can expect a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedResponse {
    /// RFC 3339 UTC instant.
    pub deadline: String,
    /// The deadline in the POC's own time zone, RFC 3339 with offset and zone name.
    pub deadline_local: String,
    /// e.g. "within 4 business hours".
    pub within: String,
    pub open_now: bool,
    /// One sentence in the visitor's language and time zone.
    pub sentence: String,
}

/// Every 4xx body: `{ "error": { "code", "message", "fields": [...] } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<FieldErrorView>,
}

/// A field error as sent on the wire: code, field and the message in the request's locale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldErrorView {
    pub field: String,
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl FieldErrorView {
    pub fn new(e: &FieldError, locale: Locale) -> Self {
        FieldErrorView {
            field: e.field.clone(),
            code: e.code.as_str().to_owned(),
            message: e.message(locale),
            limit: e.limit,
        }
    }
}
