//! Every way a request can fail, and the one place that turns a failure into an HTTP answer.
//!
//! Client mistakes become a 4xx with a typed JSON body and are not logged. Internal failures
//! become a generic 500 and are logged once, with their cause (never with request bodies,
//! emails or secrets).

use switchboard_shared::api::{ErrorBody, ErrorDetail, FieldErrorView};

/// Largest request body the public inquiry endpoint reads.
pub const MAX_INQUIRY_BODY: usize = 32 * 1024;
/// Largest site config an owner may upload. Below shared's own ceiling because D1 stores
/// the TOML and its JSON copy as single values, and a D1 value is at most 2 MB.
pub const MAX_CONFIG_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum EdgeError {
    /// The body is not the JSON (or TOML) the endpoint expects, or a parameter is malformed.
    BadRequest {
        code: &'static str,
        message: String,
    },
    /// Like `BadRequest`, naming the offending parts of the body in `fields`.
    BadRequestFields {
        code: &'static str,
        message: String,
        fields: Vec<FieldErrorView>,
    },
    /// The inquiry has field errors: every one of them, in the request's locale.
    InvalidInput {
        fields: Vec<FieldErrorView>,
    },
    /// The uploaded site config was refused; the previous one stays live.
    InvalidConfig {
        fields: Vec<FieldErrorView>,
    },
    /// Missing or wrong bearer key.
    Unauthorized,
    /// The request's `Origin` is not on the site's allowlist.
    OriginNotAllowed,
    SiteNotFound,
    InquiryNotFound,
    /// The site's config has no POC with this id.
    PocNotFound,
    /// The site keeps no config version with this number.
    VersionNotFound {
        version: i64,
    },
    /// `If-Match` named a config version that is no longer live: someone pushed since.
    VersionConflict {
        live: i64,
    },
    /// No route for this path.
    NotFound,
    /// The path exists but not for this method; `allow` lists the methods it takes, for
    /// the `Allow` header RFC 9110 requires on a 405.
    MethodNotAllowed {
        allow: &'static str,
    },
    PayloadTooLarge {
        limit: usize,
    },
    UnsupportedMediaType {
        expected: &'static str,
    },
    /// The request is well formed but refused for what it carries (an expired render
    /// token, a failed Turnstile check): 422 with its own code, naming the field if any.
    Refused {
        code: &'static str,
        message: String,
        field: Option<&'static str>,
    },
    /// Too many requests, or too soon: 429 with `Retry-After: retry_after_s`.
    TooManyRequests {
        code: &'static str,
        message: String,
        retry_after_s: u32,
    },
    /// A service the request needs (the delivery queue) refused it; nothing was changed,
    /// so the client may try again: 503 with its own code and `Retry-After`. The cause is
    /// logged, never sent.
    Unavailable {
        code: &'static str,
        message: String,
        cause: String,
        retry_after_s: u32,
    },
    /// Something on our side broke; the cause is logged, never sent.
    Internal(String),
}

impl EdgeError {
    /// A 400 with `code` naming the one value it refuses (`field`, field code
    /// `invalid_value`): a query parameter, a header, a member of a small admin body.
    pub fn invalid_value(code: &'static str, field: &str, message: &str) -> EdgeError {
        EdgeError::BadRequestFields {
            code,
            message: message.to_owned(),
            fields: vec![FieldErrorView {
                field: field.to_owned(),
                code: "invalid_value".to_owned(),
                message: message.to_owned(),
                limit: None,
            }],
        }
    }

    /// The 422 for field errors, each message in `locale`.
    pub fn invalid_input(
        errors: &[switchboard_shared::FieldError],
        locale: switchboard_shared::Locale,
    ) -> EdgeError {
        EdgeError::InvalidInput {
            fields: errors
                .iter()
                .map(|e| FieldErrorView::new(e, locale))
                .collect(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        EdgeError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        EdgeError::Internal(cause.to_string())
    }

    /// The HTTP status and JSON body for this error. The only mapping from errors to HTTP.
    pub fn to_http(&self) -> (u16, ErrorBody) {
        let (status, code, message, fields): (u16, &str, String, Vec<FieldErrorView>) = match self {
            EdgeError::BadRequest { code, message } => (400, code, message.clone(), Vec::new()),
            EdgeError::BadRequestFields {
                code,
                message,
                fields,
            } => (400, code, message.clone(), fields.clone()),
            EdgeError::InvalidInput { fields } => (
                422,
                "invalid_input",
                "some fields are not valid".to_owned(),
                fields.clone(),
            ),
            EdgeError::InvalidConfig { fields } => (
                400,
                "invalid_config",
                "the site config was refused; the previous one stays live".to_owned(),
                fields.clone(),
            ),
            EdgeError::Unauthorized => (
                401,
                "unauthorized",
                "a valid bearer key is required".to_owned(),
                Vec::new(),
            ),
            EdgeError::OriginNotAllowed => (
                403,
                "origin_not_allowed",
                "this origin may not use this site's form".to_owned(),
                Vec::new(),
            ),
            EdgeError::SiteNotFound => (
                404,
                "site_not_found",
                "no site with this id".to_owned(),
                Vec::new(),
            ),
            EdgeError::InquiryNotFound => (
                404,
                "inquiry_not_found",
                "no inquiry with this reference".to_owned(),
                Vec::new(),
            ),
            EdgeError::PocNotFound => (
                404,
                "poc_not_found",
                "the site's config has no POC with this id".to_owned(),
                Vec::new(),
            ),
            EdgeError::VersionNotFound { version } => (
                404,
                "version_not_found",
                format!("this site keeps no config version {version}"),
                Vec::new(),
            ),
            EdgeError::VersionConflict { live } => (
                412,
                "version_conflict",
                format!("the live config is version {live}: fetch it and push again"),
                vec![FieldErrorView {
                    field: "If-Match".to_owned(),
                    code: "version_conflict".to_owned(),
                    message: format!("the live config is version {live}"),
                    limit: None,
                }],
            ),
            EdgeError::NotFound => (404, "not_found", "no such endpoint".to_owned(), Vec::new()),
            EdgeError::MethodNotAllowed { .. } => (
                405,
                "method_not_allowed",
                "this endpoint does not accept this method".to_owned(),
                Vec::new(),
            ),
            EdgeError::PayloadTooLarge { limit } => (
                413,
                "payload_too_large",
                format!("the request body is larger than {limit} bytes"),
                Vec::new(),
            ),
            EdgeError::UnsupportedMediaType { expected } => (
                415,
                "unsupported_media_type",
                format!("the request body must be {expected}"),
                Vec::new(),
            ),
            EdgeError::Refused {
                code,
                message,
                field,
            } => (
                422,
                code,
                message.clone(),
                field
                    .map(|f| {
                        vec![FieldErrorView {
                            field: f.to_owned(),
                            code: (*code).to_owned(),
                            message: message.clone(),
                            limit: None,
                        }]
                    })
                    .unwrap_or_default(),
            ),
            EdgeError::TooManyRequests { code, message, .. } => {
                (429, code, message.clone(), Vec::new())
            }
            EdgeError::Unavailable { code, message, .. } => {
                (503, code, message.clone(), Vec::new())
            }
            EdgeError::Internal(_) => (
                500,
                "internal",
                "something went wrong on our side; please try again".to_owned(),
                Vec::new(),
            ),
        };
        (
            status,
            ErrorBody {
                error: ErrorDetail {
                    code: code.to_owned(),
                    message,
                    fields,
                },
            },
        )
    }

    /// Seconds the client should wait before trying again, for answers that say so.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            EdgeError::TooManyRequests { retry_after_s, .. }
            | EdgeError::Unavailable { retry_after_s, .. } => Some(*retry_after_s),
            _ => None,
        }
    }

    /// The cause to log, for internal failures only: client errors are not logged.
    pub fn log_cause(&self) -> Option<&str> {
        match self {
            EdgeError::Internal(cause) | EdgeError::Unavailable { cause, .. } => Some(cause),
            _ => None,
        }
    }
}

impl From<worker::Error> for EdgeError {
    fn from(e: worker::Error) -> Self {
        EdgeError::Internal(e.to_string())
    }
}

impl From<serde_json::Error> for EdgeError {
    fn from(e: serde_json::Error) -> Self {
        EdgeError::Internal(format!("json: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_typed_4xx_and_not_logged() {
        let e = EdgeError::InvalidInput {
            fields: vec![FieldErrorView {
                field: "email".into(),
                code: "invalid_email".into(),
                message: "m".into(),
                limit: None,
            }],
        };
        let (status, body) = e.to_http();
        assert_eq!(status, 422);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"error": {"code": "invalid_input", "message": "some fields are not valid",
                "fields": [{"field": "email", "code": "invalid_email", "message": "m"}]}})
        );
        assert_eq!(e.log_cause(), None);
        assert_eq!(EdgeError::PayloadTooLarge { limit: 32768 }.to_http().0, 413);
        assert_eq!(
            EdgeError::UnsupportedMediaType {
                expected: "application/json"
            }
            .to_http()
            .0,
            415
        );
        assert_eq!(
            EdgeError::SiteNotFound.to_http().1.error.code,
            "site_not_found"
        );
    }

    #[test]
    fn unavailable_is_a_typed_503_that_logs_its_cause() {
        let e = EdgeError::Unavailable {
            code: "queue_unavailable",
            message: "try again".into(),
            cause: "Queue send failed: boom".into(),
            retry_after_s: 30,
        };
        let (status, body) = e.to_http();
        assert_eq!(status, 503);
        assert_eq!(body.error.code, "queue_unavailable");
        assert!(!body.error.message.contains("boom"));
        assert_eq!(e.log_cause(), Some("Queue send failed: boom"));
        assert_eq!(e.retry_after(), Some(30));
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = EdgeError::internal("D1_ERROR: no such table: sites");
        let (status, body) = e.to_http();
        assert_eq!(status, 500);
        assert!(!body.error.message.contains("D1"));
        assert_eq!(e.log_cause(), Some("D1_ERROR: no such table: sites"));
    }

    #[test]
    fn messages_are_lowercase_without_trailing_period() {
        let all = [
            EdgeError::bad_request("invalid_json", "x"),
            EdgeError::BadRequestFields {
                code: "unknown_field",
                message: "x".into(),
                fields: vec![],
            },
            EdgeError::InvalidInput { fields: vec![] },
            EdgeError::InvalidConfig { fields: vec![] },
            EdgeError::Unauthorized,
            EdgeError::OriginNotAllowed,
            EdgeError::SiteNotFound,
            EdgeError::InquiryNotFound,
            EdgeError::PocNotFound,
            EdgeError::NotFound,
            EdgeError::MethodNotAllowed { allow: "GET" },
            EdgeError::PayloadTooLarge { limit: 1 },
            EdgeError::UnsupportedMediaType {
                expected: "application/json",
            },
            EdgeError::Refused {
                code: "render_token_expired",
                message: "x".into(),
                field: None,
            },
            EdgeError::TooManyRequests {
                code: "rate_limited",
                message: "x".into(),
                retry_after_s: 1,
            },
            EdgeError::Internal("x".into()),
        ];
        for e in all {
            let m = e.to_http().1.error.message;
            assert!(!m.ends_with('.'), "{m}");
            assert_eq!(m.chars().next().map(char::is_lowercase), Some(true), "{m}");
        }
    }
}
