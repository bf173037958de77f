//! `GET /openapi.json`: the OpenAPI 3.1 document of the HTTP API (paths, methods, auth,
//! status codes, and a JSON Schema in `components/schemas` for every body) and of the
//! signed events the edge posts (`webhooks`), kept next to the router it describes. The
//! integration tests validate real answers and real webhook bodies against it.

use crate::{dead_letter, delivery, escalation, payload, ping, retry};
use serde_json::{Value, json};
use switchboard_shared::signing::DEFAULT_TOLERANCE_SECS;

/// What a `202` from the inquiry endpoints means for delivery. Storing is what counts: a
/// delivery queue that refuses the message is logged, not answered with a 5xx, and the
/// sweeper queues the inquiry on a later cron run.
const QUEUED_LATER: &str = "stored, then queued for delivery; when the delivery queue does not \
    take it, the answer is still 202 and the cron sweeper queues it a few minutes later";

/// The OpenAPI 3.1 document of this Worker's API.
pub fn document() -> Value {
    let error = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let body = |name: &str, description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}});
    let limited = json!({"description": "too many requests or too fast; wait Retry-After seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let queue_refused = json!({"description": format!(
            "`queue_unavailable`: the delivery queue did not take the message. Nothing was queued and \
             the inquiry keeps the status it had; try again after Retry-After ({} s)",
            crate::admin::REDELIVER_RETRY_SECONDS),
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let site = json!({"name": "site", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"}});
    let reference = json!({"name": "reference", "in": "path", "required": true, "schema": {"type": "string", "example": "SB-7KQ2-M9XD"}});
    let poc = json!({"name": "poc", "in": "path", "required": true, "schema": {"type": "string", "example": "billing"}});
    let html = |description: &str| json!({"description": description, "content": {"text/html": {"schema": {"type": "string"}}}});
    let admin = json!([{"siteAdminKey": []}]);
    let etag_header = json!({"description": "the config version, quoted: send it back as If-Match",
        "schema": {"type": "string", "example": "\"7\""}});
    let if_match = json!({"name": "If-Match", "in": "header",
        "description": "store only if this version (the ETag of GET …/config) is still live",
        "schema": {"type": "string", "example": "\"7\""}});
    let conflict = json!({"description": "another version went live since the one If-Match names; nothing changed",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let versioned = |name: &str, description: &str| {
        let mut answer = body(name, description);
        answer["headers"] = json!({"ETag": etag_header.clone()});
        answer
    };
    let export_note = format!(
        "At most {} inquiries per request, read in batches of {}. When more match, \
         `X-Next-Cursor` names the cursor to pass for the rest. `limit` is refused.",
        crate::export::EXPORT_MAX_ROWS,
        crate::export::EXPORT_BATCH
    );
    let csv_note = format!(
        "CSV: a header row, then the columns {} and one `{}<id>` column per field (the \
         config's fields first, then any other found); RFC 4180 quoting, CRLF line ends, and \
         cells starting with = + - @ tab or CR prefixed with '. NDJSON: one \
         InquiryExportLine per line.",
        crate::export::FIXED_COLUMNS.join(", "),
        crate::export::FIELD_COLUMN_PREFIX
    );
    let mut export_parameters = admin_list_parameters(&site, false);
    export_parameters.push(json!({"name": "format", "in": "query",
        "schema": {"enum": ["csv", "ndjson"], "default": "csv"}}));
    export_parameters.push(
        json!({"name": "bom", "in": "query", "schema": {"enum": ["1"]},
        "description": "1: start the CSV with a UTF-8 byte-order mark (EF BB BF), so Excel reads \
            non-ASCII text as UTF-8; every part of an export continued by cursor starts with it. \
            Any other value, or any value with format=ndjson, is a 400 invalid_query naming bom"}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Switchboard edge API", "version": env!("CARGO_PKG_VERSION")},
        "paths": {
            "/healthz": {"get": {"summary": "liveness", "responses": {"200": body("Health", "the Worker answers")}}},
            "/openapi.json": {"get": {"summary": "this document", "responses": {"200": {"description": "OpenAPI 3.1 document"}}}},
            "/v1/sites/{site}/form": {"get": {
                "summary": "form definition with per-topic team, expected response and a render token",
                "parameters": [site, {"name": "locale", "in": "query", "schema": {"type": "string"}},
                    {"name": "tz", "in": "query", "schema": {"type": "string", "example": "Europe/Paris"}},
                    {"name": "prerender", "in": "query", "description": "1: include the idle form as HTML (`html`); 0 or absent: leave it out",
                        "schema": {"type": "string", "enum": ["0", "1"]}}],
                "responses": {"200": body("FormDefinition", "the form, topics and a render token"),
                    "400": error, "403": error, "404": error, "405": error}},
                "options": {"summary": "CORS preflight", "parameters": [site],
                    "responses": {"204": {"description": "allowed origin: CORS headers echo it"}, "403": error, "404": error}}},
            "/v1/sites/{site}/form.html": {
                "get": {"summary": "the form without JavaScript: an HTML page that posts to this address",
                    "parameters": [site,
                        {"name": "locale", "in": "query", "description": "default: Accept-Language, else the site's default_locale",
                            "schema": {"type": "string"}},
                        {"name": "tz", "in": "query", "description": "zone of the reply times; default: the zone Cloudflare places the visitor in",
                            "schema": {"type": "string", "example": "Europe/Paris"}}],
                    "responses": {"200": html("the form"), "403": error, "404": error, "405": error}},
                "post": {"summary": "send the form without JavaScript: the inquiry endpoint's checks and storage, answered as HTML",
                    "parameters": [site],
                    "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {
                        "schema": {"$ref": "#/components/schemas/FormPagePost"}}}},
                    "responses": {"202": html(&format!("{QUEUED_LATER}. The page shows the reference, the team and the expected reply; a repeated idempotency_key gets the stored answer")),
                        "400": html("malformed (no idempotency_key, say): the form again with the reason"),
                        "422": html("refused: the form again, refilled, each field error next to its field or the reason above it (a day-old page comes back renewed)"),
                        "429": {"description": "too many or too fast: the form again with the reason; wait Retry-After seconds",
                            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
                            "content": {"text/html": {"schema": {"type": "string"}}}},
                        "403": error, "404": error, "405": error, "413": error, "415": error}},
                "options": {"summary": "CORS preflight (the page posts to its own origin, so browsers send none)", "parameters": [site],
                    "responses": {"204": {"description": "allowed origin: CORS headers echo it"}, "403": error, "404": error}}},
            "/v1/sites/{site}/inquiries": {"post": {
                "summary": "submit an inquiry; a repeated idempotency_key answers the stored 202 again",
                "parameters": [site],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmitRequest"}}}},
                "responses": {"202": body("SubmitAccepted", QUEUED_LATER), "400": error, "403": error,
                    "404": error, "405": error, "413": error, "415": error, "422": error, "429": limited.clone()}},
                "options": {"summary": "CORS preflight", "parameters": [site],
                    "responses": {"204": {"description": "allowed origin: CORS headers echo it"}, "403": error, "404": error}}},
            "/v1/sites/{site}/preview": {"post": {
                "summary": "who would answer this draft and by when if it were sent now; stores nothing",
                "description": "Takes a submit's body with the fields typed so far (idempotency_key and render_token are not needed). Fields not yet valid are left out; the answer is the one a submit at this instant would get, reference and confirmation aside.",
                "parameters": [site],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmitRequest"}}}},
                "responses": {"200": body("PreviewAnswer", "the team, its scope, the priority and the expected response"),
                    "400": error, "403": error, "404": error, "405": error, "413": error, "415": error, "422": error, "429": limited}},
                "options": {"summary": "CORS preflight", "parameters": [site],
                    "responses": {"204": {"description": "allowed origin: CORS headers echo it"}, "403": error, "404": error}}},
            "/v1/admin/sites/{site}/report": {"get": {
                "summary": "the record of promises kept: per POC, priority or week, inquiries, acknowledged, within target, time to acknowledge, open past deadline, escalations, failed deliveries (spam left out)",
                "parameters": [site,
                    {"name": "from", "in": "query", "description": "submitted at or after; RFC 3339 or unix ms; default: 30 days before `to`",
                        "schema": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "pattern": "^[+-]?[0-9]{1,18}$"}]}},
                    {"name": "to", "in": "query", "description": "submitted before; RFC 3339 or unix ms; default: now",
                        "schema": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "pattern": "^[+-]?[0-9]{1,18}$"}]}},
                    {"name": "by", "in": "query", "schema": {"enum": ["poc", "priority", "week"], "default": "poc"}}],
                "security": admin.clone(),
                "responses": {"200": body("Report", "one line per group, in key order"), "400": error, "401": error}}},
            "/v1/admin/sites/{site}/pocs/{poc}/away": {
                "put": {"summary": "mark the POC away until a time, without a config push: its new inquiries go to the first of its backups who is present; ends by itself at until",
                    "parameters": [site, poc.clone()], "security": admin.clone(),
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                        "required": ["until"], "additionalProperties": false,
                        "properties": {"until": {"type": "string", "description": "RFC 3339, or a date in the POC's zone (included whole)"},
                            "note": {"type": "string", "maxLength": crate::away::MAX_NOTE_CHARS}}}}}},
                    "responses": {"200": body("Away", "the POC is away until then"), "400": error, "401": error,
                        "404": error, "413": error, "415": error}},
                "delete": {"summary": "end the away switch now (away periods written in the config stay)",
                    "parameters": [site, poc], "security": admin.clone(),
                    "responses": {"200": body("Away", "the switch is off; until names a config period that still holds"),
                        "401": error, "404": error}}},
            "/v1/admin/sites/{site}/key": {"put": {
                "summary": "mint or rotate the site's admin key (operator key)", "parameters": [site],
                "security": [{"operatorKey": []}], "responses": {"200": body("AdminKey", "the new key, shown once"), "401": error}}},
            "/v1/admin/sites/{site}/config": {
                "put": {"summary": "upload the site config (TOML) as the next version; refused configs leave the old one live",
                    "parameters": [site, if_match.clone()], "security": admin,
                    "requestBody": {"required": true, "content": {"application/toml": {"schema": {"type": "string"}},
                        "application/json": {"schema": {"$ref": "#/components/schemas/SiteConfig"}}}},
                    "responses": {"200": versioned("ConfigVersion", "the live version"), "400": error, "401": error,
                        "412": conflict.clone(), "413": error, "415": error}},
                "get": {"summary": "the live config as TOML, or a kept version with ?version=N, webhook secrets redacted",
                    "parameters": [site, {"name": "version", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
                    "security": admin, "responses": {"200": {"description": "TOML",
                        "headers": {"ETag": etag_header.clone(), "X-Config-Version": {"schema": {"type": "integer"}}},
                        "content": {"application/toml": {"schema": {"type": "string"}}}},
                        "400": error, "401": error, "404": error}}},
            "/v1/admin/sites/{site}/config/versions": {"get": {
                "summary": format!("the kept config versions (the latest {}), newest first", crate::config_history::KEPT_VERSIONS),
                "parameters": [site], "security": admin,
                "responses": {"200": body("ConfigVersions", "the versions"), "401": error}}},
            "/v1/admin/sites/{site}/config/rollback": {"post": {
                "summary": "make a kept version live again, checked with today's rules, as the next version: body {\"version\": N}",
                "parameters": [site, if_match], "security": admin,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["version"], "additionalProperties": false,
                    "properties": {"version": {"type": "integer", "minimum": 1}}}}}},
                "responses": {"200": versioned("ConfigVersion", "the new live version, naming the one restored"),
                    "400": error, "401": error, "404": error, "412": conflict, "413": error, "415": error}}},
            "/v1/admin/sites/{site}/inquiries": {"get": {
                "summary": "list and search inquiries, newest first, a page at a time",
                "parameters": admin_list_parameters(&site, true),
                "security": admin, "responses": {"200": body("InquiryList", "one page; next_cursor is null on the last"),
                    "400": error, "401": error}}},
            "/v1/admin/sites/{site}/export": {"get": {
                "summary": "every inquiry matching the list's filters, with field values, as a download",
                "description": export_note,
                "parameters": export_parameters,
                "security": admin,
                "responses": {"200": {
                    "description": csv_note,
                    "headers": {
                        "Content-Disposition": {"schema": {"type": "string", "example": "attachment; filename=\"demo-inquiries-2026-11-27.csv\""}},
                        "X-Export-Rows": {"schema": {"type": "integer", "minimum": 0}},
                        "X-Next-Cursor": {"description": "only when more inquiries match than one export holds",
                            "schema": {"type": "string"}}},
                    "content": {"text/csv": {"schema": {"type": "string"}},
                        "application/x-ndjson": {"schema": {"type": "string"}}}},
                    "400": error, "401": error}}},
            "/v1/admin/sites/{site}/inquiries/{reference}": {"get": {
                "summary": "one inquiry with fields, routing explanation and delivery attempts",
                "parameters": [site, reference], "security": admin,
                "responses": {"200": body("Inquiry", "the inquiry and its delivery log"), "401": error, "404": error}},
                "delete": {"summary": "erase the inquiry and its delivery and escalation logs, on the submitter's request",
                    "parameters": [site, reference], "security": admin,
                    "responses": {"200": body("Erased", "erased"), "401": error, "404": error}}},
            "/v1/admin/sites/{site}/erase": {"post": {
                "summary": "erase every inquiry of one submitter, with their logs: body {\"email\": ...}, matched as intake stores the address",
                "parameters": [site], "security": admin,
                "responses": {"200": body("Erased", "erased (0 when none matched)"), "400": error, "401": error, "413": error, "415": error}}},
            "/v1/admin/sites/{site}/inquiries/{reference}/redeliver": {"post": {
                "summary": "deliver the inquiry again to every endpoint of its POC",
                "parameters": [site, reference], "security": admin,
                "responses": {"202": body("Redelivery", "queued"), "400": error, "401": error, "404": error, "503": queue_refused}}},
            "/v1/admin/sites/{site}/inquiries/{reference}/ack": {"post": {
                "summary": "acknowledge the inquiry (the first acknowledgement stands); by the body's name, else \"site admin\"",
                "parameters": [site, reference], "security": admin,
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object",
                    "properties": {"name": {"type": "string", "maxLength": crate::ack::MAX_NAME_CHARS}}}}}},
                "responses": {"200": body("Acknowledgement", "acknowledged"), "401": error, "404": error, "413": error}}},
            "/v1/ack/{token}": {
                "parameters": [{"name": "token", "in": "path", "required": true,
                    "schema": {"type": "string", "pattern": "^[0-9a-f]{32}\\.[A-Za-z0-9_-]{43}$"},
                    "description": "from the webhook's acknowledge_url"}],
                "get": {"summary": "the inquiry's page, with a name field and a button; changes nothing",
                    "responses": {"200": html("the page"),
                        "400": html("a link this service did not sign (cut short or changed): what happened and what to do"),
                        "404": html("the inquiry is no longer stored (erased on request or by retention)")}},
                "post": {"summary": "acknowledge, by the name the page's form (or a JSON body) gives; JSON unless the client accepts text/html",
                    "requestBody": {"required": false, "content": {
                        "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}},
                        "application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}}}},
                    "responses": {"200": body("Acknowledgement", "acknowledged (or the first acknowledgement, which stands); the page when the client accepts text/html"),
                        "400": error, "404": error, "413": error}}},
            "/v1/admin/sites/{site}/redeliver-failed": {"post": {
                "summary": "deliver every failed inquiry of the site again (500 per call); disabled endpoints stay disabled",
                "parameters": [site], "security": admin,
                "responses": {"202": body("FailedRedelivery", "queued"), "401": error}}},
            "/v1/admin/sites/{site}/endpoints": {"get": {
                "summary": "every webhook endpoint of the site with its state (active, or disabled after a 410)",
                "parameters": [site], "security": admin,
                "responses": {"200": body("Endpoints", "every endpoint"), "401": error}}},
            "/v1/admin/sites/{site}/endpoints/enable": {"post": {
                "summary": "enable an endpoint disabled after a 410; body {\"url\": ...}",
                "parameters": [site], "security": admin,
                "responses": {"200": body("EndpointEnabled", "enabled"), "400": error, "401": error, "415": error}}},
            "/v1/admin/sites/{site}/endpoints/test": {"post": {
                "summary": "send a signed `webhook.test` event to every endpoint, or to those of one POC (`{\"poc\": ...}`, `alert` for the owner's) or one URL (`{\"url\": ...}`); nothing is stored",
                "parameters": [site], "security": admin,
                "responses": {"200": body("EndpointTest", "what each endpoint answered"), "400": error, "401": error, "413": error, "415": error}}}
        },
        "webhooks": webhooks(),
        "components": {
            "securitySchemes": {
                "operatorKey": {"type": "http", "scheme": "bearer"},
                "siteAdminKey": {"type": "http", "scheme": "bearer"}
            },
            "schemas": all_schemas()
        }
    })
}

/// The public, the admin and the webhook schemas in one map.
fn all_schemas() -> Value {
    let mut all = schemas();
    if let Some(map) = all.as_object_mut() {
        for more in [admin_schemas(), webhook_schemas()] {
            if let Value::Object(more) = more {
                map.extend(more);
            }
        }
        // The site config and the types it holds, derived from the Rust types by schemars:
        // the JSON body of a config push. No name may shadow one written here.
        for (name, schema) in switchboard_shared::config::openapi_schemas() {
            debug_assert!(!map.contains_key(&name), "schema {name} defined twice");
            map.entry(name).or_insert(schema);
        }
    }
    all
}

/// How the edge reads a receiver's answer to one kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answers {
    /// Deliveries and escalations: retried on the schedule, a 410 disables the endpoint.
    Retried,
    /// `endpoints/test`: one attempt, reported in the admin answer.
    Reported,
    /// Owner alerts: one attempt, best effort, logged.
    Logged,
}

/// One event the edge posts to JSON endpoints.
struct Hook {
    /// The event's `type`, and its key under `webhooks`.
    kind: &'static str,
    /// Schema names (in `components/schemas`) of the whole event and of its `data`.
    event: &'static str,
    data: &'static str,
    /// Pattern of its `id`, which is also the `webhook-id` header.
    id: String,
    summary: &'static str,
    /// What the event's `timestamp` is.
    timestamp: &'static str,
    answers: Answers,
}

/// Escalation levels as `escalation::Level::name` writes them.
const LEVEL: &str = "(warning|overdue|overdue-([2-9]|[1-9][0-9]+))";
/// An inquiry id (`ids::inquiry_id_from_bytes`): 16 random bytes in hex.
const INQUIRY_ID: &str = "[0-9a-f]{32}";

/// Every event type the edge posts to JSON endpoints.
fn hooks() -> Vec<Hook> {
    vec![
        Hook {
            kind: payload::INQUIRY_ROUTED,
            event: "InquiryRoutedEvent",
            data: "InquiryData",
            id: format!("^msg_{INQUIRY_ID}$"),
            summary: "a new inquiry, to every endpoint of the POC it was routed to",
            timestamp: "when the inquiry was submitted",
            answers: Answers::Retried,
        },
        Hook {
            kind: escalation::INQUIRY_ESCALATED,
            event: "InquiryEscalatedEvent",
            data: "EscalationData",
            id: format!("^msg_{INQUIRY_ID}_{LEVEL}$"),
            summary: "an unacknowledged inquiry nears or passes its deadline: a `warning` to its POC, \
                `overdue`, `overdue-N` along the backup chain",
            timestamp: "when the step was taken (`data.escalated_at`)",
            answers: Answers::Retried,
        },
        Hook {
            kind: ping::WEBHOOK_TEST,
            event: "WebhookTestEvent",
            data: "TestData",
            id: "^msg_test_[0-9a-f]{32}$".to_owned(),
            summary: "a test the site owner asked for (`POST /v1/admin/sites/{site}/endpoints/test`); \
                one id for every endpoint of the test; it belongs to no inquiry",
            timestamp: "when the test was asked for",
            answers: Answers::Reported,
        },
        Hook {
            kind: dead_letter::INQUIRY_FAILED,
            event: "InquiryFailedEvent",
            data: "FailedAlertData",
            id: format!("^msg_{INQUIRY_ID}_failed$"),
            summary: "to the site's `alert_endpoint`: an inquiry could not be delivered and is marked failed",
            timestamp: "when the alert was sent",
            answers: Answers::Logged,
        },
        Hook {
            kind: dead_letter::ENDPOINT_DISABLED,
            event: "EndpointDisabledEvent",
            data: "DisabledAlertData",
            id: format!("^msg_{INQUIRY_ID}_disabled$"),
            summary: "to the site's `alert_endpoint`: an endpoint answered 410 to a delivery or an \
                escalation and is disabled (once per endpoint until it is enabled again)",
            timestamp: "when the alert was sent",
            answers: Answers::Logged,
        },
        Hook {
            kind: dead_letter::ESCALATION_FAILED,
            event: "EscalationFailedEvent",
            data: "EscalationFailedData",
            id: format!("^msg_{INQUIRY_ID}_{LEVEL}_failed$"),
            summary: "to the site's `alert_endpoint`: an escalation step could not be delivered (its \
                retries ran out, or no endpoint of the POC could take it)",
            timestamp: "when the alert was sent",
            answers: Answers::Logged,
        },
    ]
}

/// The `webhooks` section: for every event, the Standard Webhooks headers, the body and what
/// each answer makes the edge do. Chat-format endpoints get their service's message instead.
fn webhooks() -> Value {
    let timeout_s = delivery::ATTEMPT_TIMEOUT_MS / 1000;
    let retry_after_cap_h = retry::MAX_RETRY_AFTER_SECONDS / 3600;
    let chat = "Endpoints with `format` `slack`, `discord` or `teams` get that service's own \
        message instead of this event (Slack: an incoming-webhook message with Block Kit blocks; \
        Discord: `content` and one embed; Teams: a `message` with one Adaptive Card), with the \
        same headers, `webhook-signature` only when the endpoint has secrets.";
    let envelope = format!(
        "Version {} of the generic JSON event (`format = \"json\"`, the default). `version` \
         changes only when a field is removed or changes meaning; new fields may appear \
         without a bump, so a receiver should not reject fields it does not know.",
        payload::SCHEMA_VERSION
    );
    let snippet = format!(
        "the body is ignored; its first {} bytes are kept with the attempt",
        delivery::SNIPPET_BYTES
    );
    let retried = json!({
        "2XX": {"description": format!("delivered: this endpoint has the event and is not posted it again; {snippet}")},
        "410": {"description": "Gone: the endpoint is disabled for the site. No delivery or escalation \
            is posted to it until the owner enables it (`POST /v1/admin/sites/{site}/endpoints/enable`); \
            the owner's alert endpoint gets one `endpoint.disabled`"},
        "default": {"description": format!(
            "anything else (a 3xx: redirects are not followed; any other 4xx, 429, 5xx; or no answer \
             within {timeout_s} s): posted again, same body and webhook-id, on the retry schedule \
             (RETRY_SCHEDULE) and not sooner than Retry-After (at most {retry_after_cap_h} h). When \
             the schedule runs out the owner gets `inquiry.failed` (`escalation.failed` for an escalation)"),
            "headers": {"Retry-After": {"description": "delta-seconds or an HTTP date",
                "schema": {"type": "string"}}}}
    });
    let reported = json!({
        "2XX": {"description": "`ok: true` in the answer to the test, with the status and the start of the body"},
        "default": {"description": format!(
            "anything else, or no answer within {timeout_s} s: `ok: false` with the status or the \
             error. One attempt, no retries, nothing stored; a 410 disables nothing")}
    });
    let logged = json!({
        "2XX": {"description": "received"},
        "default": {"description": format!(
            "anything else, or no answer within {timeout_s} s, is logged. An alert is posted once, \
             never retried, and a 410 disables nothing")}
    });
    let mut all = serde_json::Map::new();
    for hook in hooks() {
        let responses = match hook.answers {
            Answers::Retried => &retried,
            Answers::Reported => &reported,
            Answers::Logged => &logged,
        };
        let parameters = json!([
            {"name": "webhook-id", "in": "header", "required": true,
                "description": "the event's `id`: the same on every retry, so a receiver drops duplicates by it",
                "schema": {"type": "string", "pattern": hook.id}},
            {"name": "webhook-timestamp", "in": "header", "required": true,
                "description": format!("Unix seconds when this attempt was sent (each retry has its own). \
                    Refuse values far from your clock ({DEFAULT_TOLERANCE_SECS} s is the usual tolerance)"),
                "schema": {"type": "string", "pattern": "^[0-9]+$"}},
            {"name": "webhook-signature", "in": "header", "required": true,
                "description": "Standard Webhooks: `v1,` and the base64 HMAC-SHA256 of \
                    `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part of a \
                    `whsec_` secret after the prefix. One signature per secret of the endpoint, separated \
                    by spaces (rotation): accept the event when any one verifies. A JSON endpoint always \
                    has a secret; a chat endpoint without secrets gets no such header",
                "schema": {"type": "string", "pattern": "^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$"}},
            {"name": "user-agent", "in": "header", "required": true,
                "schema": {"const": delivery::USER_AGENT}}
        ]);
        all.insert(
            hook.kind.to_owned(),
            json!({"post": {
                "summary": hook.summary,
                "description": format!("{envelope} {chat}"),
                "parameters": parameters,
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": format!("#/components/schemas/{}", hook.event)}}}},
                "responses": responses,
            }}),
        );
    }
    Value::Object(all)
}

/// JSON Schemas of the webhook events: the envelope of each type around its `data`.
fn webhook_schemas() -> Value {
    let text = json!({"type": "string"});
    let time = json!({"type": "string", "format": "date-time"});
    let reference =
        json!({"type": "string", "pattern": "^SB-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$"});
    let level = json!({"type": "string", "pattern": format!("^{LEVEL}$")});
    let inquiry_details = json!({"type": "string", "pattern": "^/v1/admin/sites/[^/]+/inquiries/[^/]+$",
        "description": "admin API path of the inquiry with its delivery attempts and escalation steps"});
    let closed = |required: &[&str], properties: Value| json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties});
    let position = json!({"type": "integer", "minimum": 1});
    let reason = |kind: &str, mut extra: Vec<&str>, properties: Value| {
        let mut props = json!({"kind": {"const": kind}});
        if let (Some(map), Value::Object(more)) = (props.as_object_mut(), properties) {
            map.extend(more);
        }
        extra.insert(0, "kind");
        closed(&extra, props)
    };
    let mut all = json!({
        "InquiryData": closed(&["reference", "site", "poc", "team", "priority", "tags", "topic", "fields",
                "submitted_at", "deadline", "expected", "routing", "submitter"],
            json!({"reference": reference, "site": text, "poc": text,
                "team": {"type": "string", "description": "the POC's display name"},
                "priority": {"enum": ["low", "normal", "high", "urgent"]},
                "tags": {"type": "array", "items": text}, "topic": {"type": ["string", "null"]},
                "fields": {"type": "object", "description": "field id -> the normalized value the visitor submitted",
                    "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "boolean"},
                        {"type": "array", "items": {"type": "string"}}]}},
                "submitted_at": time, "deadline": time,
                "expected": {"$ref": "#/components/schemas/ExpectedResponse"},
                "routing": {"$ref": "#/components/schemas/RoutingExplanation"},
                "submitter": closed(&["email", "earlier_inquiries", "earlier_references"],
                    json!({"email": {"type": ["string", "null"]},
                        "earlier_inquiries": {"type": "integer", "minimum": 0,
                            "description": "inquiries from the same address to this site before this one (spam not counted)"},
                        "earlier_references": {"type": "array", "items": reference,
                            "maxItems": delivery::EARLIER_REFERENCES, "description": "the latest of them, newest first"}})),
                "confirmation": {"type": "string",
                    "description": "the confirmation the visitor was shown; absent for inquiries stored before confirmations"},
                "acknowledge_url": {"type": "string", "format": "uri",
                    "description": "signed link: GET shows a page with a button, POST acknowledges; absent when the \
                        Worker has no ACK_TOKEN_SECRET or PUBLIC_URL"}})),
        "RoutingExplanation": closed(&["reason", "explanation"], json!({
            "explanation": {"type": "string", "description": "the reason as one English sentence"},
            "reason": {"oneOf": [
                reason("rule", vec!["rule", "position", "matched"],
                    json!({"rule": text, "position": position, "matched": text})),
                reason("rule_then_topic_owner", vec!["rule", "position", "matched", "topic"],
                    json!({"rule": text, "position": position, "matched": text, "topic": text})),
                reason("topic_owner", vec!["topic"], json!({"topic": text})),
                reason("default", vec!["topic"], json!({"topic": {"type": ["string", "null"]}}))]}})),
        "EscalationData": closed(&["reference", "site", "level", "step", "owner", "escalated_from",
                "escalated_to", "escalated_at", "deadline", "overdue_seconds", "acknowledge_url",
                "routing_reason", "inquiry"],
            json!({"reference": reference, "site": text, "level": level,
                "step": {"type": "integer", "minimum": 0,
                    "description": "steps along the owner's backup chain: 0 for `warning`, 1 for `overdue`, N for `overdue-N`"},
                "owner": {"type": "string", "description": "the POC the inquiry was routed to"},
                "escalated_from": {"type": "string", "description": "the POC that held the inquiry before this step"},
                "escalated_to": {"type": "string", "description": "the POC told by this step"},
                "escalated_at": time, "deadline": time,
                "overdue_seconds": {"type": "integer", "description": "escalated_at minus deadline; negative for a `warning`"},
                "acknowledge_url": {"type": ["string", "null"], "format": "uri"},
                "routing_reason": {"type": ["string", "null"], "description": "the routing explanation"},
                "inquiry": {"$ref": "#/components/schemas/InquiryData"}})),
        "TestData": closed(&["site", "poc", "team", "message"], json!({"site": text,
            "poc": {"type": "string", "description": format!("the endpoint's POC, `{}` for the alert endpoint", ping::ALERT)},
            "team": {"type": "string", "description": "the POC's display name; the site's name for the alert endpoint"},
            "message": text})),
        "FailedAlertData": closed(&["site", "reference", "poc", "submitted_at", "details"], json!({
            "site": text, "reference": reference, "poc": text, "submitted_at": time, "details": inquiry_details})),
        "DisabledAlertData": closed(&["site", "poc", "endpoint_url", "reference", "details"], json!({
            "site": text, "poc": text, "endpoint_url": text,
            "reference": reference,
            "details": {"type": "string", "pattern": "^/v1/admin/sites/[^/]+/endpoints$",
                "description": "admin API path of the site's endpoints, where one is enabled again"}})),
        "EscalationFailedData": closed(&["site", "reference", "level", "target_poc", "details"], json!({
            "site": text, "reference": reference, "level": level,
            "target_poc": {"type": "string", "description": "the POC the escalation was for"},
            "details": inquiry_details}))
    });
    if let Some(map) = all.as_object_mut() {
        for hook in hooks() {
            let event = closed(
                &["type", "version", "id", "timestamp", "data"],
                json!({
                "type": {"const": hook.kind},
                "version": {"const": payload::SCHEMA_VERSION},
                "id": {"type": "string", "pattern": hook.id, "description": "the webhook-id header"},
                "timestamp": {"type": "string", "format": "date-time", "description": hook.timestamp},
                "data": {"$ref": format!("#/components/schemas/{}", hook.data)}}),
            );
            map.insert(hook.event.to_owned(), event);
        }
    }
    all
}

/// The query parameters of the admin list; the export takes them all but `limit`.
fn admin_list_parameters(site: &Value, with_limit: bool) -> Vec<Value> {
    let time = |name: &str, what: &str| {
        json!({"name": name, "in": "query",
        "description": format!("{what}; RFC 3339 or unix ms"),
        "schema": {"anyOf": [{"type": "string", "format": "date-time"},
            {"type": "string", "pattern": "^[+-]?[0-9]{1,18}$"}]}})
    };
    let mut list = vec![
        site.clone(),
        json!({"name": "status", "in": "query", "schema": {"enum": ["pending", "delivered", "failed", "spam"]}}),
        json!({"name": "poc", "in": "query", "schema": {"type": "string"}}),
        json!({"name": "topic", "in": "query", "schema": {"type": "string"}}),
        time("since", "submitted at or after"),
        time("until", "submitted before"),
        json!({"name": "q", "in": "query", "schema": {"type": "string", "maxLength": crate::inquiry_query::MAX_SEARCH_CHARS},
            "description": "search: an email address finds that submitter's inquiries, a reference that inquiry, \
                other text the inquiries with a field value containing it, in any case: Unicode full case \
                folding after NFC, so MÜLLER finds Müller and STRASSE finds Straße (inquiries stored \
                before this search existed: case-insensitive for ASCII letters only)"}),
        json!({"name": "cursor", "in": "query", "schema": {"type": "string"},
            "description": "next_cursor of the previous page (for the export: X-Next-Cursor)"}),
    ];
    if with_limit {
        list.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
            "maximum": crate::inquiry_query::LIST_LIMIT, "default": crate::inquiry_query::LIST_LIMIT}}));
    }
    list
}

/// JSON Schemas of the admin API's answers about inquiries and endpoints.
fn admin_schemas() -> Value {
    let text = json!({"type": "string"});
    let time = json!({"type": "string", "format": "date-time"});
    let maybe = |t: &str| json!({"type": [t, "null"]});
    let maybe_time = json!({"type": ["string", "null"], "format": "date-time"});
    json!({
        "InquirySummary": {"type": "object", "additionalProperties": false,
            "required": ["reference", "poc", "priority", "tags", "topic", "status", "locale", "submitted_at", "deadline",
                "acknowledged_at", "target_met", "acknowledged_by", "escalations"],
            "properties": {"reference": text, "poc": text, "priority": {"enum": ["low", "normal", "high", "urgent"]},
                "acknowledged_by": maybe("string"), "escalations": {"type": "integer", "minimum": 0},
                "tags": {"type": "array", "items": text}, "topic": maybe("string"),
                "status": {"enum": ["pending", "delivered", "failed", "spam"]}, "locale": text,
                "submitted_at": time, "deadline": time, "acknowledged_at": maybe_time,
                "target_met": {"type": ["boolean", "null"], "description": "acknowledged by the deadline; null until acknowledged"}}},
        "InquiryList": {"type": "object", "additionalProperties": false, "required": ["site", "inquiries", "next_cursor", "away"],
            "properties": {"site": text, "inquiries": {"type": "array", "items": {"$ref": "#/components/schemas/InquirySummary"}},
                "away": {"type": "array", "description": "the POCs away right now (config periods and away switches)",
                    "items": {"$ref": "#/components/schemas/Away"}},
                "next_cursor": {"type": ["string", "null"], "description": "pass as cursor for the next page; null on the last"}}},
        "InquiryExportLine": {"type": "object", "required": ["inquiry", "webhook_id", "fields", "routing", "answer"],
            "description": "an inquiry with its field values: one line of an NDJSON export, and the single-inquiry view without its log",
            "properties": {"inquiry": {"$ref": "#/components/schemas/InquirySummary"},
                "webhook_id": {"type": "string", "pattern": "^msg_"},
                "fields": {"type": "object", "description": "field id -> normalized value"},
                "routing": {"type": ["object", "null"], "properties": {"reason": {}, "explanation": text}},
                "answer": {"type": ["object", "null"], "description": "the body the visitor got"}}},
        "DeliveryAttempt": {"type": "object", "additionalProperties": false,
            "required": ["endpoint_url", "attempt", "status_code", "error", "latency_ms", "response_snippet", "at"],
            "properties": {"endpoint_url": text, "attempt": {"type": "integer", "minimum": 1},
                "status_code": maybe("integer"), "error": maybe("string"), "latency_ms": {"type": "integer", "minimum": 0},
                "response_snippet": maybe("string"), "at": time}},
        "EscalationStep": {"type": "object", "required": ["level", "target_poc", "at", "attempts"],
            "properties": {"level": text, "target_poc": text, "at": time, "attempts": {"type": "array", "items": {
                "type": "object", "required": ["endpoint_url", "attempt", "status_code", "error", "at"]}}}},
        "Inquiry": {"allOf": [{"$ref": "#/components/schemas/InquiryExportLine"},
            {"type": "object", "required": ["attempts", "escalations"], "properties": {
                "attempts": {"type": "array", "items": {"$ref": "#/components/schemas/DeliveryAttempt"}},
                "escalations": {"type": "array", "items": {"$ref": "#/components/schemas/EscalationStep"}}}}]},
        "Redelivery": {"type": "object", "additionalProperties": false, "required": ["reference", "status"],
            "properties": {"reference": text, "status": {"const": "pending"}}},
        "FailedRedelivery": {"type": "object", "additionalProperties": false,
            "required": ["site", "redelivered", "more", "disabled_endpoints"],
            "properties": {"site": text, "redelivered": {"type": "integer", "minimum": 0}, "more": {"type": "boolean"},
                "disabled_endpoints": {"type": "integer", "minimum": 0}}},
        "Acknowledgement": {"type": "object", "additionalProperties": false,
            "required": ["reference", "acknowledged", "acknowledged_at", "deadline", "target_met",
                "acknowledged_by", "acknowledged_via"],
            "properties": {"reference": text, "acknowledged": {"type": "boolean"}, "acknowledged_at": maybe_time,
                "deadline": time, "target_met": maybe("boolean"), "acknowledged_by": maybe("string"),
                "acknowledged_via": {"enum": ["link", "api", null]}}},
        "Report": {"type": "object", "additionalProperties": false,
            "required": ["site", "from", "to", "by", "complete", "groups"],
            "properties": {"site": text, "from": {"type": "string", "format": "date-time"},
                "to": {"type": "string", "format": "date-time"}, "by": {"enum": ["poc", "priority", "week"]},
                "complete": {"type": "boolean", "description": format!("false when the span holds more than {} inquiries; the first ones are reported", crate::report::MAX_REPORT_ROWS)},
                "groups": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                    "required": ["key", "inquiries", "acknowledged", "within_target", "within_target_pct",
                        "ack_business_minutes", "ack_calendar_minutes", "open_past_deadline", "escalations", "failed_deliveries"],
                    "properties": {"key": {"type": "string", "description": "the POC id, the priority, or the ISO week (2026-W49, UTC)"},
                        "inquiries": {"type": "integer", "minimum": 0}, "acknowledged": {"type": "integer", "minimum": 0},
                        "within_target": {"type": "integer", "minimum": 0, "description": "acknowledged by the deadline"},
                        "within_target_pct": {"type": ["number", "null"], "description": "of the inquiries acknowledged or past their deadline"},
                        "ack_business_minutes": {"$ref": "#/components/schemas/Spread"},
                        "ack_calendar_minutes": {"$ref": "#/components/schemas/Spread"},
                        "open_past_deadline": {"type": "integer", "minimum": 0},
                        "escalations": {"type": "integer", "minimum": 0},
                        "failed_deliveries": {"type": "integer", "minimum": 0}}}}}},
        "Spread": {"type": "object", "additionalProperties": false, "required": ["median", "p90"],
            "properties": {"median": {"type": ["integer", "null"]}, "p90": {"type": ["integer", "null"]}}},
        "Away": {"type": "object", "additionalProperties": false, "required": ["poc", "until", "note"],
            "properties": {"poc": text, "until": {"type": ["string", "null"], "format": "date-time",
                "description": "when the POC is back; null when it is present"},
                "note": {"type": ["string", "null"]}}},
        "EndpointState": {"type": "object", "additionalProperties": false,
            "required": ["poc", "url", "format", "state", "disabled_at", "disabled_status"],
            "properties": {"poc": {"type": ["string", "null"], "description": "the POC, `alert` for the alert endpoint, null when no longer configured"},
                "url": text, "format": {"enum": ["json", "slack", "discord", "teams", null]},
                "state": {"enum": ["active", "disabled"]}, "disabled_at": maybe_time, "disabled_status": maybe("integer")}},
        "Endpoints": {"type": "object", "additionalProperties": false, "required": ["site", "endpoints"],
            "properties": {"site": text, "endpoints": {"type": "array", "items": {"$ref": "#/components/schemas/EndpointState"}}}},
        "EndpointEnabled": {"type": "object", "additionalProperties": false, "required": ["site", "url", "state"],
            "properties": {"site": text, "url": text, "state": {"const": "active"}}}
    })
}

/// JSON Schemas (2020-12, as OpenAPI 3.1 uses) of every request and response body.
fn schemas() -> Value {
    let text = json!({"type": "string"});
    json!({
        "Error": {"type": "object", "required": ["error"], "additionalProperties": false,
            "description": "every 4xx and 5xx body",
            "properties": {"error": {"type": "object", "required": ["code", "message", "fields"],
                "additionalProperties": false, "properties": {
                    "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    "message": {"type": "string", "minLength": 1},
                    "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}}}}},
        "FieldError": {"type": "object", "required": ["field", "code", "message"], "additionalProperties": false,
            "properties": {"field": text, "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "message": text, "limit": {"type": "integer", "minimum": 0}}},
        "Health": {"type": "object", "required": ["ok"], "properties": {"ok": {"const": true}}},
        "EndpointTest": {"type": "object", "required": ["site", "type", "webhook_id", "results"], "additionalProperties": false,
            "properties": {"site": text, "type": {"const": "webhook.test"}, "webhook_id": text,
                "results": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                    "required": ["poc", "url", "format", "state", "ok", "status_code", "latency_ms", "error", "response_snippet"],
                    "properties": {"poc": text, "url": text,
                        "format": {"enum": ["json", "slack", "discord", "teams"]},
                        "state": {"enum": ["active", "disabled"]}, "ok": {"type": "boolean"},
                        "status_code": {"type": ["integer", "null"]}, "latency_ms": {"type": "integer", "minimum": 0},
                        "error": {"type": ["string", "null"]}, "response_snippet": {"type": ["string", "null"]}}}}}},
        "SubmitRequest": {"type": "object", "required": ["fields"], "additionalProperties": false,
            "properties": {
                "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 100, "description": "required unless the Idempotency-Key header is sent"},
                "locale": text, "time_zone": text,
                "render_token": {"type": "string", "description": "from the form definition; required unless the site turns it off"},
                "turnstile_token": {"type": "string", "maxLength": 2048},
                "fields": {"type": "object", "maxProperties": 50, "propertyNames": {"maxLength": 64},
                    "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "boolean"},
                        {"type": "array", "maxItems": 100, "items": {"type": "string"}}]}}}},
        "FormPagePost": {"type": "object", "description": "what the page's form sends: each form field under its id (a multi choice once per chosen option, a checkbox only when ticked), the honeypot, and the page's hidden fields",
            "required": ["idempotency_key"],
            "properties": {"idempotency_key": {"type": "string", "minLength": 1, "maxLength": 100},
                "locale": text, "time_zone": text, "render_token": text},
            "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}},
        "ExpectedResponse": {"type": "object", "additionalProperties": false,
            "required": ["deadline", "deadline_local", "within", "open_now", "sentence"],
            "properties": {"deadline": {"type": "string", "format": "date-time"}, "deadline_local": text,
                "within": text, "open_now": {"type": "boolean"}, "sentence": text}},
        "SubmitAccepted": {"type": "object", "required": ["reference", "poc", "team", "priority", "expected"],
            "properties": {"reference": {"type": "string", "minLength": 1}, "poc": text, "team": text, "scope": text,
                "priority": {"enum": ["low", "normal", "high", "urgent"]},
                "expected": {"$ref": "#/components/schemas/ExpectedResponse"}}},
        "TopicInfo": {"type": "object", "required": ["topic", "team", "expected"],
            "properties": {"topic": text, "team": text, "scope": text, "expected": {"$ref": "#/components/schemas/ExpectedResponse"}}},
        "PreviewAnswer": {"type": "object", "required": ["poc", "team", "priority", "expected"], "additionalProperties": false,
            "properties": {"topic": text, "poc": text, "team": text, "scope": text,
                "priority": {"enum": ["low", "normal", "high", "urgent"]},
                "expected": {"$ref": "#/components/schemas/ExpectedResponse"}}},
        "FormDefinition": {"type": "object", "required": ["site", "locale", "form", "topics", "render_token"],
            "properties": {"site": text, "locale": text,
                "form": {"type": "object", "required": ["fields"], "properties": {"fields": {"type": "array",
                    "items": {"type": "object", "required": ["id", "kind"], "properties": {"id": text, "kind": text}}}}},
                "topics": {"type": "array", "items": {"$ref": "#/components/schemas/TopicInfo"}},
                "render_token": {"type": "string", "minLength": 1},
                "turnstile_site_key": text,
                "turnstile_script": {"type": "string", "description": "with a Turnstile site key: the Turnstile script the loader adds to the page"},
                "time_zone": {"type": "string", "description": "the visitor zone the topic sentences use: tz, or the request's cf.timezone"},
                "html": {"type": "string", "description": "with prerender=1: the idle form as HTML"},
                "routing_fields": {"type": "array", "items": text,
                    "description": "ids of the fields whose values can change who answers; the widget previews again when one changes"}}},
        "Erased": {"type": "object", "required": ["site", "erased", "references"], "additionalProperties": false,
            "properties": {"site": text, "erased": {"type": "integer", "minimum": 0},
                "references": {"type": "array", "items": text, "description": "newest first"}}},
        "AdminKey": {"type": "object", "required": ["site", "admin_key"],
            "properties": {"site": text, "admin_key": {"type": "string", "pattern": "^sbk_"}}},
        "ConfigVersion": {"type": "object", "required": ["site", "version"], "additionalProperties": false,
            "properties": {"site": text, "version": {"type": "integer", "minimum": 1},
                "restored_from": {"type": "integer", "minimum": 1, "description": "after a rollback: the version restored"}}},
        "ConfigVersions": {"type": "object", "required": ["site", "live", "versions"], "additionalProperties": false,
            "properties": {"site": text, "live": {"type": "integer", "minimum": 0},
                "versions": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                    "required": ["version", "pushed_at", "restored_from", "live"],
                    "properties": {"version": {"type": "integer", "minimum": 1},
                        "pushed_at": {"type": "string", "format": "date-time"},
                        "restored_from": {"type": ["integer", "null"]}, "live": {"type": "boolean"}}}}}}
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    #[test]
    fn every_routed_path_is_documented() {
        let doc = super::document();
        let paths = doc["paths"].as_object().unwrap();
        for p in paths.keys() {
            let concrete = p
                .replace("{site}", "demo")
                .replace("{reference}", "SB-2222-3333")
                .replace("{token}", "abc.def")
                .replace("{poc}", "billing");
            assert_ne!(
                crate::http::route(&concrete),
                crate::http::Route::NotFound,
                "{p}"
            );
        }
        assert_eq!(paths.len(), 23);
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for name in [
            "Error",
            "SubmitRequest",
            "SubmitAccepted",
            "PreviewAnswer",
            "SiteConfig",
            "FormDefinition",
            "Health",
            "EndpointTest",
            "InquiryList",
            "Inquiry",
            "InquiryExportLine",
            "Redelivery",
            "FailedRedelivery",
            "Acknowledgement",
            "Endpoints",
            "EndpointEnabled",
            "Erased",
            "ConfigVersion",
            "ConfigVersions",
            "InquiryData",
            "EscalationData",
        ] {
            assert!(schemas.contains_key(name), "{name}");
        }
    }

    /// Each path's documented operations are the methods its 405 lists in `Allow` (a GET
    /// also answers HEAD), so a client reading either learns the same.
    #[test]
    fn documented_methods_are_the_allowed_ones() {
        let doc = super::document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            let concrete = path
                .replace("{site}", "demo")
                .replace("{reference}", "SB-2222-3333")
                .replace("{token}", "abc.def")
                .replace("{poc}", "billing");
            let mut documented: Vec<String> = item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| !matches!(k.as_str(), "parameters" | "summary" | "description"))
                .map(|k| k.to_uppercase())
                .collect();
            documented.sort();
            let mut allowed: Vec<String> =
                crate::http::allowed_methods(&crate::http::route(&concrete))
                    .split(", ")
                    .filter(|m| *m != "HEAD")
                    .map(str::to_owned)
                    .collect();
            allowed.sort();
            assert_eq!(documented, allowed, "{path}");
        }
    }

    #[test]
    fn every_503_says_when_to_try_again() {
        let doc = super::document();
        let mut seen = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let unavailable = &operation["responses"]["503"];
                if unavailable.is_null() {
                    continue;
                }
                seen += 1;
                assert!(
                    unavailable["headers"]["Retry-After"].is_object()
                        && unavailable["content"]["application/json"].is_object(),
                    "{method} {path}: {unavailable}"
                );
            }
        }
        // Only the single redelivery answers 503 (`EdgeError::Unavailable` in admin.rs).
        assert_eq!(seen, 1);
    }

    /// A validator for the schema at `pointer` in `doc`, with the document's components and
    /// webhooks beside it so its `$ref`s resolve.
    fn validator(doc: &Value, pointer: &str) -> jsonschema::Validator {
        assert!(doc.pointer(pointer).is_some(), "{pointer}");
        let wrapper = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#{pointer}"),
            "components": doc["components"],
            "webhooks": doc["webhooks"],
        });
        jsonschema::validator_for(&wrapper).unwrap()
    }

    fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
        v.iter_errors(instance).map(|e| e.to_string()).collect()
    }

    const INQUIRY: &str = "0123456789abcdef0123456789abcdef";

    /// Events as the edge builds them, by `type`: each event kind at least once, optional
    /// parts present and absent.
    fn built_events() -> Vec<Value> {
        use crate::escalation::{EscalationInput, Level};
        use switchboard_shared::config::{Endpoint, PayloadFormat};
        use switchboard_shared::routing::Reason;
        let mut full = crate::payload::tests::sample();
        full.inquiry_id = INQUIRY.into();
        full.routing = json!({
            "reason": Reason::Rule {rule: "refunds".into(), position: 3, matched: "message mentions \"refund\"".into()},
            "explanation": "rule `refunds` (#3) matched because message mentions \"refund\"; routed to `billing`",
        });
        full.confirmation =
            Some("Thanks Ada! Billing will answer SB-7KQ2-M9XD by tomorrow.".into());
        full.acknowledge_url = Some(format!("https://edge.example/v1/ack/{INQUIRY}.c2ln"));
        let mut bare = full.clone();
        bare.routing = json!({"reason": Reason::Default { topic: None }, "explanation": "default"});
        (
            bare.topic,
            bare.email,
            bare.confirmation,
            bare.acknowledge_url,
        ) = (None, None, None, None);
        bare.earlier_references.clear();
        bare.earlier_inquiries = 0;
        let routed = crate::payload::build(full);
        let deadline_ms = 1_795_527_000_000;
        let step = |level: Level, data: &crate::payload::InquiryData| {
            crate::escalation::event(EscalationInput {
                inquiry_id: INQUIRY,
                level,
                owner: "billing",
                escalated_from: "billing",
                escalated_to: "leads",
                escalated_ms: deadline_ms - 60_000,
                deadline_ms,
                inquiry: data.clone(),
            })
        };
        let bare_routed = crate::payload::build(bare);
        let target = crate::ping::Target {
            poc: crate::ping::ALERT.into(),
            team: "Demo".into(),
            endpoint: Endpoint {
                url: "https://hooks.example/alerts".into(),
                format: PayloadFormat::Json,
                secrets: Vec::new(),
            },
            disabled: false,
        };
        let test =
            crate::ping::body("demo", &target, &format!("msg_test_{INQUIRY}"), 1_000).unwrap();
        vec![
            serde_json::to_value(step(Level::Overdue(2), &routed.data)).unwrap(),
            serde_json::to_value(step(Level::Warning, &bare_routed.data)).unwrap(),
            serde_json::to_value(&routed).unwrap(),
            serde_json::to_value(&bare_routed).unwrap(),
            serde_json::from_str(&test).unwrap(),
            serde_json::to_value(crate::dead_letter::failed_alert(
                INQUIRY,
                "demo",
                "SB-7KQ2-M9XD",
                "press",
                0,
                1_000,
            ))
            .unwrap(),
            serde_json::to_value(crate::dead_letter::disabled_alert(
                INQUIRY,
                "demo",
                "press",
                "https://hooks.example/x",
                "SB-7KQ2-M9XD",
                1_000,
            ))
            .unwrap(),
            serde_json::to_value(crate::dead_letter::escalation_failed_alert(
                INQUIRY,
                "demo",
                "SB-7KQ2-M9XD",
                "overdue-3",
                "leads",
                1_000,
            ))
            .unwrap(),
        ]
    }

    #[test]
    fn events_the_edge_builds_match_their_webhook_schemas() {
        let doc = super::document();
        let mut kinds = std::collections::BTreeSet::new();
        for event in built_events() {
            let kind = event["type"].as_str().unwrap().to_owned();
            let operation = format!("/webhooks/{kind}/post");
            let body = validator(
                &doc,
                &format!("{operation}/requestBody/content/application~1json/schema"),
            );
            assert_eq!(errors(&body, &event), Vec::<String>::new(), "{event}");
            let id = validator(&doc, &format!("{operation}/parameters/0/schema"));
            assert_eq!(
                doc.pointer(&format!("{operation}/parameters/0/name")),
                Some(&json!("webhook-id"))
            );
            assert_eq!(errors(&id, &event["id"]), Vec::<String>::new(), "{kind}");
            // The schemas are closed: a field the edge does not send, or another type, fails.
            let mut extra = event.clone();
            extra["data"]["surprise"] = json!(1);
            assert!(
                !body.is_valid(&extra),
                "{kind} accepts an unknown data field"
            );
            let mut other = event.clone();
            other["type"] = json!("inquiry.other");
            assert!(!body.is_valid(&other), "{kind} accepts another type");
            kinds.insert(kind);
        }
        let documented: std::collections::BTreeSet<String> = doc["webhooks"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(kinds, documented);
    }
}
