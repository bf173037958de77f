//! `GET /openapi.json`: a machine-readable outline of the HTTP API (paths, methods, auth,
//! status codes), kept next to the router it describes.

use serde_json::{Value, json};

/// The OpenAPI 3.1 document of this Worker's API.
pub fn document() -> Value {
    let error = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let site = json!({"name": "site", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"}});
    let reference = json!({"name": "reference", "in": "path", "required": true, "schema": {"type": "string", "example": "SB-7KQ2-M9XD"}});
    let admin = json!([{"siteAdminKey": []}]);
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Switchboard edge API", "version": env!("CARGO_PKG_VERSION")},
        "paths": {
            "/healthz": {"get": {"summary": "liveness", "responses": {"200": {"description": "{\"ok\":true}"}}}},
            "/v1/sites/{site}/form": {"get": {
                "summary": "form definition with per-topic team, expected response and a render token",
                "parameters": [site, {"name": "locale", "in": "query", "schema": {"type": "string"}},
                    {"name": "tz", "in": "query", "schema": {"type": "string", "example": "Europe/Paris"}}],
                "responses": {"200": {"description": "FormDefinition"}, "403": error, "404": error}}},
            "/v1/sites/{site}/inquiries": {"post": {
                "summary": "submit an inquiry; a repeated idempotency_key answers the stored 202 again",
                "parameters": [site],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmitRequest"}}}},
                "responses": {"202": {"description": "SubmitAccepted"}, "400": error, "403": error, "404": error,
                    "413": error, "415": error, "422": error}}},
            "/v1/admin/sites/{site}/key": {"put": {
                "summary": "mint or rotate the site's admin key (operator key)", "parameters": [site],
                "security": [{"operatorKey": []}], "responses": {"200": {"description": "{site, admin_key}"}, "401": error}}},
            "/v1/admin/sites/{site}/config": {
                "put": {"summary": "upload the site config (TOML); refused configs leave the old one live",
                    "parameters": [site], "security": admin,
                    "requestBody": {"required": true, "content": {"application/toml": {"schema": {"type": "string"}}}},
                    "responses": {"200": {"description": "{site, version}"}, "400": error, "401": error, "413": error, "415": error}},
                "get": {"summary": "the live config as TOML, webhook secrets redacted", "parameters": [site],
                    "security": admin, "responses": {"200": {"description": "TOML"}, "401": error, "404": error}}},
            "/v1/admin/sites/{site}/inquiries": {"get": {
                "summary": "list inquiries, newest first",
                "parameters": [site,
                    {"name": "status", "in": "query", "schema": {"enum": ["pending", "delivered", "failed", "spam"]}},
                    {"name": "poc", "in": "query", "schema": {"type": "string"}},
                    {"name": "since", "in": "query", "description": "RFC 3339 or unix ms", "schema": {"type": "string"}},
                    {"name": "until", "in": "query", "description": "RFC 3339 or unix ms", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
                "security": admin, "responses": {"200": {"description": "{site, inquiries}"}, "400": error, "401": error}}},
            "/v1/admin/sites/{site}/inquiries/{reference}": {"get": {
                "summary": "one inquiry with fields, routing explanation and delivery attempts",
                "parameters": [site, reference], "security": admin,
                "responses": {"200": {"description": "inquiry"}, "401": error, "404": error}}},
            "/v1/admin/sites/{site}/inquiries/{reference}/redeliver": {"post": {
                "summary": "deliver the inquiry again to every endpoint of its POC",
                "parameters": [site, reference], "security": admin,
                "responses": {"202": {"description": "{reference, status}"}, "400": error, "401": error, "404": error}}},
            "/v1/admin/sites/{site}/inquiries/{reference}/ack": {"post": {
                "summary": "acknowledge the inquiry (the first acknowledgement stands)",
                "parameters": [site, reference], "security": admin,
                "responses": {"200": {"description": "{reference, acknowledged, acknowledged_at, deadline, target_met}"}, "401": error, "404": error}}},
            "/v1/ack/{token}": {
                "parameters": [{"name": "token", "in": "path", "required": true, "schema": {"type": "string"},
                    "description": "from the webhook's acknowledge_url"}],
                "get": {"summary": "acknowledgement page with a button; changes nothing",
                    "responses": {"200": {"description": "text/html"}, "400": error}},
                "post": {"summary": "acknowledge; JSON unless the client accepts text/html",
                    "responses": {"200": {"description": "{reference, acknowledged, acknowledged_at, deadline, target_met}"}, "400": error}}},
            "/v1/admin/sites/{site}/redeliver-failed": {"post": {
                "summary": "deliver every failed inquiry of the site again (500 per call); disabled endpoints stay disabled",
                "parameters": [site], "security": admin,
                "responses": {"202": {"description": "{site, redelivered, more, disabled_endpoints}"}, "401": error}}},
            "/v1/admin/sites/{site}/endpoints": {"get": {
                "summary": "every webhook endpoint of the site with its state (active, or disabled after a 410)",
                "parameters": [site], "security": admin,
                "responses": {"200": {"description": "{site, endpoints}"}, "401": error}}},
            "/v1/admin/sites/{site}/endpoints/enable": {"post": {
                "summary": "enable an endpoint disabled after a 410; body {\"url\": ...}",
                "parameters": [site], "security": admin,
                "responses": {"200": {"description": "{site, url, state}"}, "400": error, "401": error, "415": error}}}
        },
        "components": {
            "securitySchemes": {
                "operatorKey": {"type": "http", "scheme": "bearer"},
                "siteAdminKey": {"type": "http", "scheme": "bearer"}
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
                    "required": ["code", "message", "fields"], "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"},
                        "fields": {"type": "array", "items": {"type": "object", "properties": {
                            "field": {"type": "string"}, "code": {"type": "string"},
                            "message": {"type": "string"}, "limit": {"type": "integer"}}}}}}}},
                "SubmitRequest": {"type": "object", "required": ["idempotency_key", "fields"], "properties": {
                    "idempotency_key": {"type": "string", "maxLength": 100},
                    "locale": {"type": "string"}, "time_zone": {"type": "string"}, "render_token": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {
                        "oneOf": [{"type": "string"}, {"type": "boolean"}, {"type": "array", "items": {"type": "string"}}]}}}}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_routed_path_is_documented() {
        let doc = super::document();
        let paths = doc["paths"].as_object().unwrap();
        for p in paths.keys() {
            let concrete = p
                .replace("{site}", "demo")
                .replace("{reference}", "SB-2222-3333")
                .replace("{token}", "abc.def");
            assert_ne!(
                crate::http::route(&concrete),
                crate::http::Route::NotFound,
                "{p}"
            );
        }
        assert_eq!(paths.len(), 13);
    }
}
