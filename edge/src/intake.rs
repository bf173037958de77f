//! Request parsing for the public inquiry endpoint as plain functions over raw bytes and
//! header values: media type, nesting depth, top-level keys, field count and key sizes,
//! then the typed [`SubmitRequest`]. Every refusal is a typed [`EdgeError`]; nothing here
//! panics on any input (the `fuzz/` target `submit_request` holds it to that).

use crate::error::{EdgeError, MAX_INQUIRY_BODY};
use serde_json::Value;
use switchboard_shared::api::{FieldErrorView, SubmitRequest};

/// Deepest JSON nesting accepted. A valid body nests three levels (object, `fields`, a
/// list value); the margin is for clients, not for attackers.
pub const MAX_JSON_DEPTH: usize = 8;
/// Most entries in `fields`. The form spec allows 40 fields; a honeypot and slack on top.
pub const MAX_FIELDS: usize = 50;
/// Longest field id accepted, in bytes.
pub const MAX_FIELD_KEY: usize = 64;
/// Most items in one list value (multi-choice); shared checks them against the options.
pub const MAX_LIST_ITEMS: usize = 100;
/// Top-level keys of a submit body; anything else is refused by name.
pub const SUBMIT_KEYS: [&str; 6] = [
    "idempotency_key",
    "locale",
    "time_zone",
    "render_token",
    "turnstile_token",
    "fields",
];

/// Which body encoding an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// The JSON API the widget uses.
    Json,
    /// A plain HTML form post (the no-JavaScript endpoint, `form.html`).
    UrlEncoded,
}

impl BodyKind {
    pub fn media_type(self) -> &'static str {
        match self {
            BodyKind::Json => "application/json",
            BodyKind::UrlEncoded => "application/x-www-form-urlencoded",
        }
    }
}

/// Refuses a `content-type` other than the one the endpoint takes (parameters such as
/// `charset` are ignored; a missing header is refused too).
pub fn check_media_type(header: Option<&str>, kind: BodyKind) -> Result<(), EdgeError> {
    if crate::http::content_type_is(header, &[kind.media_type()]) {
        Ok(())
    } else {
        Err(EdgeError::UnsupportedMediaType {
            expected: kind.media_type(),
        })
    }
}

/// Refuses a declared `content-length` above the limit before any byte is read. A body
/// without a length (chunked) is cut off while it is read, in `platform::read_body_limited`.
pub fn check_declared_length(header: Option<&str>) -> Result<(), EdgeError> {
    let Some(value) = header.map(str::trim) else {
        return Ok(());
    };
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    match value.parse::<u64>() {
        Ok(n) if n <= MAX_INQUIRY_BODY as u64 => Ok(()),
        // Too many digits for u64 is too large as well.
        _ if digits => Err(EdgeError::PayloadTooLarge {
            limit: MAX_INQUIRY_BODY,
        }),
        _ => Err(EdgeError::bad_request(
            "invalid_content_length",
            "the content-length header is not a number",
        )),
    }
}

/// The deepest nesting of arrays and objects in `body`, counted without parsing (strings
/// and escapes skipped), stopping as soon as it passes `limit`.
pub fn json_depth_exceeds(body: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The body of `POST /v1/sites/{site}/inquiries` as a [`SubmitRequest`], or the 4xx that
/// says what is wrong with it.
pub fn parse_submit(body: &[u8]) -> Result<SubmitRequest, EdgeError> {
    if body.len() > MAX_INQUIRY_BODY {
        return Err(EdgeError::PayloadTooLarge {
            limit: MAX_INQUIRY_BODY,
        });
    }
    if std::str::from_utf8(body).is_err() {
        return Err(EdgeError::bad_request(
            "invalid_json",
            "the request body is not valid utf-8",
        ));
    }
    if json_depth_exceeds(body, MAX_JSON_DEPTH) {
        return Err(EdgeError::bad_request(
            "json_too_deep",
            format!("the request body nests deeper than {MAX_JSON_DEPTH} levels"),
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        EdgeError::bad_request(
            "invalid_json",
            format!("the request body is not valid json: {e}"),
        )
    })?;
    let Value::Object(top) = &value else {
        return Err(EdgeError::bad_request(
            "invalid_request",
            "the request body must be a json object",
        ));
    };
    let unknown: Vec<&String> = top
        .keys()
        .filter(|k| !SUBMIT_KEYS.contains(&k.as_str()))
        .collect();
    if !unknown.is_empty() {
        return Err(EdgeError::BadRequestFields {
            code: "unknown_field",
            message: format!(
                "the request body has fields this endpoint does not know: {}",
                unknown
                    .iter()
                    .take(5)
                    .map(|k| shorten(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            fields: unknown
                .iter()
                .take(MAX_FIELDS)
                .map(|k| field_error(&shorten(k), "unknown_field", "unknown top-level field"))
                .collect(),
        });
    }
    if let Some(Value::Object(fields)) = top.get("fields") {
        check_field_shape(fields)?;
    }
    serde_json::from_value(value).map_err(|e| {
        EdgeError::bad_request(
            "invalid_request",
            format!("the request body is not a valid inquiry: {e}"),
        )
    })
}

fn check_field_shape(fields: &serde_json::Map<String, Value>) -> Result<(), EdgeError> {
    if fields.len() > MAX_FIELDS {
        return Err(EdgeError::bad_request(
            "too_many_fields",
            format!("an inquiry has at most {MAX_FIELDS} fields"),
        ));
    }
    let mut problems = Vec::new();
    for (key, value) in fields {
        if key.is_empty() || key.len() > MAX_FIELD_KEY {
            problems.push(field_error(
                &shorten(key),
                "field_name_too_long",
                &format!("field names are 1 to {MAX_FIELD_KEY} bytes"),
            ));
        } else if let Value::Array(items) = value
            && items.len() > MAX_LIST_ITEMS
        {
            problems.push(field_error(
                key,
                "too_many_items",
                &format!("a list has at most {MAX_LIST_ITEMS} items"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(EdgeError::BadRequestFields {
            code: "invalid_fields",
            message: "some field names or lists exceed their limits".to_owned(),
            fields: problems,
        })
    }
}

fn field_error(field: &str, code: &str, message: &str) -> FieldErrorView {
    FieldErrorView {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
        limit: None,
    }
}

/// A key as echoed back in an error: at most 64 bytes, cut on a character boundary.
fn shorten(key: &str) -> String {
    let mut end = key.len().min(MAX_FIELD_KEY);
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    key[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<SubmitRequest, EdgeError>) -> (u16, String) {
        let (status, body) = r.unwrap_err().to_http();
        (status, body.error.code)
    }

    #[test]
    fn valid_bodies_parse() {
        let ok = parse_submit(
            br#"{"idempotency_key":"k","render_token":"t","fields":{"name":"Ada","agree":true,"tags":["a"]}}"#,
        )
        .unwrap();
        assert_eq!(ok.idempotency_key, "k");
        assert_eq!(ok.render_token.as_deref(), Some("t"));
    }

    #[test]
    fn malformed_bodies_get_their_own_codes() {
        assert_eq!(
            code(parse_submit(b"{not json")),
            (400, "invalid_json".into())
        );
        assert_eq!(
            code(parse_submit(b"\xff\xfe")),
            (400, "invalid_json".into())
        );
        assert_eq!(code(parse_submit(b"[1]")), (400, "invalid_request".into()));
        assert_eq!(
            code(parse_submit(
                br#"{"idempotency_key":"k","fields":{},"extra":1}"#
            )),
            (400, "unknown_field".into())
        );
        assert_eq!(
            code(parse_submit(br#"{"idempotency_key":1,"fields":{}}"#)),
            (400, "invalid_request".into())
        );
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(
            code(parse_submit(deep.as_bytes())),
            (400, "json_too_deep".into())
        );
        let big = vec![b' '; MAX_INQUIRY_BODY + 1];
        assert_eq!(code(parse_submit(&big)), (413, "payload_too_large".into()));
    }

    #[test]
    fn field_count_key_size_and_list_length_are_bounded() {
        let many: serde_json::Map<String, Value> = (0..=MAX_FIELDS)
            .map(|i| (format!("f{i}"), Value::from("x")))
            .collect();
        let body = serde_json::json!({"idempotency_key": "k", "fields": many}).to_string();
        assert_eq!(
            code(parse_submit(body.as_bytes())),
            (400, "too_many_fields".into())
        );
        let body = serde_json::json!({"idempotency_key": "k", "fields": {"k".repeat(65): "x"}})
            .to_string();
        let e = parse_submit(body.as_bytes()).unwrap_err().to_http().1;
        assert_eq!(e.error.code, "invalid_fields");
        assert_eq!(e.error.fields[0].field.len(), 64);
        let body = serde_json::json!({"idempotency_key": "k", "fields": {"t": vec!["a"; 101]}})
            .to_string();
        assert_eq!(
            code(parse_submit(body.as_bytes())),
            (400, "invalid_fields".into())
        );
    }

    #[test]
    fn depth_ignores_brackets_inside_strings() {
        assert!(!json_depth_exceeds(br#"{"a":"[[[[[[[[[[[[\"[["}"#, 2));
        assert!(json_depth_exceeds(b"[[[", 2));
        assert!(!json_depth_exceeds(b"[[]]", 2));
    }

    #[test]
    fn media_types_and_lengths() {
        assert!(check_media_type(Some("application/json; charset=utf-8"), BodyKind::Json).is_ok());
        assert_eq!(
            check_media_type(Some("application/x-www-form-urlencoded"), BodyKind::Json)
                .unwrap_err()
                .to_http()
                .0,
            415
        );
        assert!(
            check_media_type(
                Some("application/x-www-form-urlencoded"),
                BodyKind::UrlEncoded
            )
            .is_ok()
        );
        assert!(check_media_type(None, BodyKind::Json).is_err());
        assert!(check_declared_length(Some("32768")).is_ok());
        assert_eq!(
            check_declared_length(Some("32769"))
                .unwrap_err()
                .to_http()
                .0,
            413
        );
        assert_eq!(
            check_declared_length(Some("99999999999999999999999"))
                .unwrap_err()
                .to_http()
                .0,
            413
        );
        assert_eq!(
            check_declared_length(Some("12x")).unwrap_err().to_http().0,
            400
        );
        assert!(check_declared_length(None).is_ok());
    }
}
