//! The HTTP surface: which handler answers which path, CORS for the public endpoints, and
//! the one conversion from handler results (or [`EdgeError`]s) to `worker::Response`.

use crate::cors::{self, OriginDecision};
use crate::error::EdgeError;
use crate::platform::log;
use crate::{admin, config_cache, form, plain_form, preview, store, submit};
use serde::Serialize;
use std::rc::Rc;
use switchboard_shared::config::SiteConfig;
use worker::{Context, Env, Method, Request, Response};

/// Which endpoint a path names. Methods are checked by the handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Health,
    OpenApi,
    Form {
        site: String,
    },
    /// The plain HTML form (no JavaScript).
    FormPage {
        site: String,
    },
    Inquiries {
        site: String,
    },
    /// Who would answer a draft, and by when.
    Preview {
        site: String,
    },
    AdminKey {
        site: String,
    },
    /// The record of promises kept.
    AdminReport {
        site: String,
    },
    /// A POC's away switch.
    AdminPocAway {
        site: String,
        poc: String,
    },
    AdminConfig {
        site: String,
    },
    AdminInquiries {
        site: String,
    },
    AdminInquiry {
        site: String,
        reference: String,
    },
    AdminRedeliver {
        site: String,
        reference: String,
    },
    AdminAck {
        site: String,
        reference: String,
    },
    Ack {
        token: String,
    },
    AdminRedeliverFailed {
        site: String,
    },
    AdminEndpoints {
        site: String,
    },
    AdminExport {
        site: String,
    },
    AdminEnableEndpoint {
        site: String,
    },
    AdminTestEndpoints {
        site: String,
    },
    AdminErase {
        site: String,
    },
    AdminConfigVersions {
        site: String,
    },
    AdminConfigRollback {
        site: String,
    },
    NotFound,
}

pub fn route(path: &str) -> Route {
    let segments: Vec<&str> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .collect();
    let s = |x: &str| x.to_owned();
    match segments.as_slice() {
        ["healthz"] => Route::Health,
        ["openapi.json"] => Route::OpenApi,
        ["v1", "sites", site, "form"] => Route::Form { site: s(site) },
        ["v1", "sites", site, "form.html"] => Route::FormPage { site: s(site) },
        ["v1", "sites", site, "inquiries"] => Route::Inquiries { site: s(site) },
        ["v1", "sites", site, "preview"] => Route::Preview { site: s(site) },
        ["v1", "admin", "sites", site, "key"] => Route::AdminKey { site: s(site) },
        ["v1", "admin", "sites", site, "report"] => Route::AdminReport { site: s(site) },
        ["v1", "admin", "sites", site, "pocs", poc, "away"] => Route::AdminPocAway {
            site: s(site),
            poc: s(poc),
        },
        ["v1", "admin", "sites", site, "config"] => Route::AdminConfig { site: s(site) },
        ["v1", "admin", "sites", site, "inquiries"] => Route::AdminInquiries { site: s(site) },
        ["v1", "admin", "sites", site, "inquiries", r] => Route::AdminInquiry {
            site: s(site),
            reference: s(r),
        },
        ["v1", "admin", "sites", site, "inquiries", r, "redeliver"] => Route::AdminRedeliver {
            site: s(site),
            reference: s(r),
        },
        ["v1", "admin", "sites", site, "inquiries", r, "ack"] => Route::AdminAck {
            site: s(site),
            reference: s(r),
        },
        ["v1", "ack", token] => Route::Ack { token: s(token) },
        ["v1", "admin", "sites", site, "redeliver-failed"] => {
            Route::AdminRedeliverFailed { site: s(site) }
        }
        ["v1", "admin", "sites", site, "endpoints"] => Route::AdminEndpoints { site: s(site) },
        ["v1", "admin", "sites", site, "export"] => Route::AdminExport { site: s(site) },
        ["v1", "admin", "sites", site, "endpoints", "enable"] => {
            Route::AdminEnableEndpoint { site: s(site) }
        }
        ["v1", "admin", "sites", site, "endpoints", "test"] => {
            Route::AdminTestEndpoints { site: s(site) }
        }
        ["v1", "admin", "sites", site, "erase"] => Route::AdminErase { site: s(site) },
        ["v1", "admin", "sites", site, "config", "versions"] => {
            Route::AdminConfigVersions { site: s(site) }
        }
        ["v1", "admin", "sites", site, "config", "rollback"] => {
            Route::AdminConfigRollback { site: s(site) }
        }
        _ => Route::NotFound,
    }
}

/// A handler's answer, as plain values.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Reply, EdgeError> {
        Ok(Reply::raw_json(status, serde_json::to_string(value)?))
    }

    /// A JSON body that is already serialized (an idempotent replay sends stored bytes).
    pub fn raw_json(status: u16, body: String) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body,
            headers: Vec::new(),
        }
    }

    pub fn text(status: u16, content_type: &'static str, body: String) -> Reply {
        Reply {
            status,
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            content_type: "",
            body: String::new(),
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// The reply for an error: the only place errors become HTTP, and the only place
    /// internal failures are logged.
    pub fn from_error(e: &EdgeError) -> Reply {
        if let Some(cause) = e.log_cause() {
            log(&format!("internal error: {cause}"));
        }
        let (status, body) = e.to_http();
        let reply = Reply::raw_json(status, serde_json::to_string(&body).unwrap_or_default());
        match e {
            EdgeError::Unauthorized => reply.with_header("www-authenticate", "Bearer"),
            EdgeError::MethodNotAllowed { allow } => reply.with_header("allow", *allow),
            _ => match e.retry_after() {
                Some(seconds) => reply.with_header("retry-after", seconds.to_string()),
                None => reply,
            },
        }
    }
}

/// Answers one request. Never fails: errors become their JSON answers here.
pub async fn handle(req: Request, env: Env, ctx: &Context) -> Response {
    let reply = match dispatch(req, &env, ctx).await {
        Ok(r) => r,
        Err(e) => Reply::from_error(&e),
    };
    into_response(reply)
}

fn into_response(reply: Reply) -> Response {
    let headers = worker::Headers::new();
    let filled = (|| -> worker::Result<()> {
        if !reply.content_type.is_empty() {
            headers.set("content-type", reply.content_type)?;
        }
        for (name, value) in &reply.headers {
            headers.append(name, value)?;
        }
        Ok(())
    })();
    if let Err(e) = filled {
        log(&format!("internal error: building a response: {e}"));
        return Response::builder().with_status(500).empty();
    }
    let builder = Response::builder()
        .with_status(reply.status)
        .with_headers(headers);
    if reply.body.is_empty() {
        builder.empty()
    } else {
        builder.fixed(reply.body.into_bytes())
    }
}

async fn dispatch(mut req: Request, env: &Env, ctx: &Context) -> Result<Reply, EdgeError> {
    let method = req.method();
    let route = route(&req.path());
    let allow = allowed_methods(&route);
    if route != Route::NotFound && !is_known_method(&crate::platform::raw_method(&req)) {
        return Err(EdgeError::MethodNotAllowed { allow });
    }
    match route {
        Route::Health => match method {
            Method::Get | Method::Head => Reply::json(200, &serde_json::json!({"ok": true})),
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::OpenApi => match method {
            Method::Get | Method::Head => Ok(Reply::json(200, &crate::openapi::document())?
                .with_header("access-control-allow-origin", "*")),
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::Form { site } => {
            public(&mut req, env, ctx, &site, PublicEndpoint::Form, allow).await
        }
        Route::FormPage { site } => {
            public(&mut req, env, ctx, &site, PublicEndpoint::FormPage, allow).await
        }
        Route::Inquiries { site } => {
            public(&mut req, env, ctx, &site, PublicEndpoint::Inquiries, allow).await
        }
        Route::Preview { site } => {
            public(&mut req, env, ctx, &site, PublicEndpoint::Preview, allow).await
        }
        Route::AdminReport { site } => match method {
            Method::Get => admin::report(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminPocAway { site, poc } => match method {
            Method::Put => crate::away::put(&req, env, &site, &poc).await,
            Method::Delete => crate::away::delete(&req, env, &site, &poc).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminKey { site } => match method {
            Method::Put => admin::put_key(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminConfig { site } => match method {
            Method::Put => admin::put_config(&req, env, &site).await,
            Method::Get => crate::config_history::get(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminInquiries { site } => match method {
            Method::Get => admin::list_inquiries(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminInquiry { site, reference } => match method {
            Method::Get => admin::get_inquiry(&req, env, &site, &reference).await,
            Method::Delete => crate::erase::erase_inquiry(&req, env, &site, &reference).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminRedeliver { site, reference } => match method {
            Method::Post => admin::redeliver(&req, env, &site, &reference).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminAck { site, reference } => match method {
            Method::Post => crate::ack::admin_ack(&req, env, &site, &reference).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::Ack { token } => match method {
            Method::Get | Method::Head => crate::ack::get(env, &token).await,
            Method::Post => crate::ack::post(&req, env, &token).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminRedeliverFailed { site } => match method {
            Method::Post => crate::redelivery::redeliver_failed(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminEndpoints { site } => match method {
            Method::Get => crate::redelivery::list_endpoints(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminExport { site } => match method {
            Method::Get => crate::export::export(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminEnableEndpoint { site } => match method {
            Method::Post => crate::redelivery::enable_endpoint(&mut req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminTestEndpoints { site } => match method {
            Method::Post => crate::ping::test_endpoints(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminConfigVersions { site } => match method {
            Method::Get => crate::config_history::list(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminConfigRollback { site } => match method {
            Method::Post => crate::config_history::rollback(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::AdminErase { site } => match method {
            Method::Post => crate::erase::erase_submitter(&req, env, &site).await,
            _ => Err(EdgeError::MethodNotAllowed { allow }),
        },
        Route::NotFound => Err(EdgeError::NotFound),
    }
}

/// Whether `raw` is one of the methods `worker::Method` names; any other would reach the
/// handlers disguised as GET.
pub fn is_known_method(raw: &str) -> bool {
    matches!(
        raw.to_ascii_uppercase().as_str(),
        "GET"
            | "HEAD"
            | "POST"
            | "PUT"
            | "PATCH"
            | "DELETE"
            | "OPTIONS"
            | "CONNECT"
            | "TRACE"
            | "REPORT"
    )
}

/// The methods a route answers, as the `Allow` header of its 405 lists them. The OpenAPI
/// document's operations agree with it (a unit test in `openapi` holds them together).
pub fn allowed_methods(route: &Route) -> &'static str {
    match route {
        Route::Health | Route::OpenApi => "GET, HEAD",
        Route::Form { .. } => "GET, OPTIONS",
        Route::FormPage { .. } => "GET, POST, OPTIONS",
        Route::Inquiries { .. } | Route::Preview { .. } => "POST, OPTIONS",
        Route::AdminKey { .. } => "PUT",
        Route::AdminPocAway { .. } => "PUT, DELETE",
        Route::AdminConfig { .. } => "GET, PUT",
        Route::AdminInquiry { .. } => "GET, DELETE",
        Route::Ack { .. } => "GET, HEAD, POST",
        Route::AdminInquiries { .. }
        | Route::AdminEndpoints { .. }
        | Route::AdminExport { .. }
        | Route::AdminReport { .. }
        | Route::AdminConfigVersions { .. } => "GET",
        Route::AdminRedeliver { .. }
        | Route::AdminAck { .. }
        | Route::AdminRedeliverFailed { .. }
        | Route::AdminEnableEndpoint { .. }
        | Route::AdminTestEndpoints { .. }
        | Route::AdminConfigRollback { .. }
        | Route::AdminErase { .. } => "POST",
        Route::NotFound => "",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PublicEndpoint {
    Form,
    FormPage,
    Inquiries,
    Preview,
}

/// The public endpoints: load the site, apply its origin allowlist and CORS (to errors too,
/// so the widget can read a 422), then run the handler.
async fn public(
    req: &mut Request,
    env: &Env,
    ctx: &Context,
    site: &str,
    endpoint: PublicEndpoint,
    allow: &'static str,
) -> Result<Reply, EdgeError> {
    let method = req.method();
    let db = env.d1("DB")?;
    let mut steps = crate::bench_timing::Steps::start(env);
    let loopback = crate::platform::allow_loopback_http(env);
    let config = if endpoint == PublicEndpoint::Form && method == Method::Get {
        definition_config(env, ctx, &db, site, loopback).await?
    } else {
        live_config(&db, site, loopback).await?
    };
    steps.mark("site_read");
    // The edge's own plain form posts from the edge's origin: same-origin, not CORS.
    let own = req.url()?.origin().ascii_serialization();
    let origin = req.headers().get("origin")?.filter(|o| *o != own);
    let decision = cors::decide(origin.as_deref(), &config.allowed_origins);
    let preflight = method == Method::Options;
    let result = match (&decision, endpoint, method) {
        (OriginDecision::Denied, _, _) => Err(EdgeError::OriginNotAllowed),
        (_, _, Method::Options) => Ok(Reply::empty(204)),
        (_, PublicEndpoint::Form, Method::Get) => form::handle(req, env, &config).await,
        (_, PublicEndpoint::FormPage, Method::Get) => plain_form::get(req, env, &config).await,
        (_, PublicEndpoint::FormPage, Method::Post) => {
            plain_form::post(req, env, ctx, &db, &config, &mut steps).await
        }
        (_, PublicEndpoint::Inquiries, Method::Post) => {
            submit::handle(req, env, ctx, &db, &config, &mut steps).await
        }
        (_, PublicEndpoint::Preview, Method::Post) => preview::handle(req, env, &config).await,
        _ => Err(EdgeError::MethodNotAllowed { allow }),
    };
    steps.finish();
    let mut reply = result.unwrap_or_else(|e| Reply::from_error(&e));
    reply
        .headers
        .extend(cors::response_headers(&decision, preflight));
    Ok(reply)
}

/// The live config of a site, or `SiteNotFound` (unknown site, or no config uploaded yet).
/// Read from D1 at most every few seconds per isolate (`config_cache`).
pub async fn live_config(
    db: &worker::D1Database,
    site: &str,
    allow_loopback_http: bool,
) -> Result<Rc<SiteConfig>, EdgeError> {
    if !crate::ids::valid_site_id(site) {
        return Err(EdgeError::SiteNotFound);
    }
    let now = crate::platform::now_ms();
    if let Some(config) = config_cache::get(site, now) {
        return Ok(config);
    }
    let config = store::site_config(db, site, allow_loopback_http)
        .await?
        .ok_or(EdgeError::SiteNotFound)?;
    let config = Rc::new(config);
    config_cache::put(site, now, Rc::clone(&config));
    Ok(config)
}

/// The config a form definition is drawn from: like [`live_config`], except that an entry
/// up to `config_cache::STALE_MS` old answers at once while the Worker reads a fresh one
/// after the response (`wait_until`), so the visitor never waits on D1 for the form.
async fn definition_config(
    env: &Env,
    ctx: &Context,
    db: &worker::D1Database,
    site: &str,
    allow_loopback_http: bool,
) -> Result<Rc<SiteConfig>, EdgeError> {
    let now = crate::platform::now_ms();
    let Some((config, due)) = config_cache::get_stale(site, now) else {
        return live_config(db, site, allow_loopback_http).await;
    };
    if due {
        let env = env.clone();
        let site = site.to_owned();
        ctx.wait_until(async move {
            let read = match env.d1("DB") {
                Ok(db) => store::site_config(&db, &site, allow_loopback_http).await,
                Err(e) => Err(e.into()),
            };
            match read {
                Ok(Some(fresh)) => {
                    config_cache::put(&site, crate::platform::now_ms(), Rc::new(fresh))
                }
                // Gone: the next request reads D1 itself (and answers 404).
                Ok(None) => config_cache::forget(&site),
                Err(e) => log(&format!(
                    "site config refresh failed: {}",
                    e.log_cause().unwrap_or("")
                )),
            }
        });
    }
    Ok(config)
}

/// The value of one query parameter.
pub fn query_param(req: &Request, name: &str) -> Result<Option<String>, EdgeError> {
    Ok(req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned()))
}

/// Every query parameter, decoded, in order.
pub fn query_pairs(req: &Request) -> Result<Vec<(String, String)>, EdgeError> {
    Ok(req
        .url()?
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// True when a `content-type` header names `expected` (parameters such as charset ignored).
pub fn content_type_is(header: Option<&str>, expected: &[&str]) -> bool {
    header
        .and_then(|h| h.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .is_some_and(|t| expected.contains(&t.as_str()))
}

#[cfg(test)]
mod tests {

    #[test]
    fn unknown_methods_are_not_taken_for_get() {
        for known in [
            "GET", "get", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
        ] {
            assert!(is_known_method(known), "{known}");
        }
        for unknown in ["QUERY", "PROPFIND", "MKCOL", "FOO", ""] {
            assert!(!is_known_method(unknown), "{unknown}");
        }
    }

    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("/healthz"), Route::Health);
        assert_eq!(
            route("/v1/sites/demo/form"),
            Route::Form {
                site: "demo".into()
            }
        );
        assert_eq!(
            route("/v1/sites/demo/inquiries/"),
            Route::Inquiries {
                site: "demo".into()
            }
        );
        assert_eq!(
            route("/v1/admin/sites/demo/key"),
            Route::AdminKey {
                site: "demo".into()
            }
        );
        assert_eq!(
            route("/v1/admin/sites/demo/inquiries/SB-2222-3333/redeliver"),
            Route::AdminRedeliver {
                site: "demo".into(),
                reference: "SB-2222-3333".into()
            }
        );
        assert_eq!(
            route("/v1/admin/sites/demo/inquiries/SB-2222-3333/ack"),
            Route::AdminAck {
                site: "demo".into(),
                reference: "SB-2222-3333".into()
            }
        );
        assert_eq!(
            route("/v1/ack/abc.def"),
            Route::Ack {
                token: "abc.def".into()
            }
        );
        assert_eq!(
            route("/v1/sites/demo/form.html"),
            Route::FormPage {
                site: "demo".into()
            }
        );
        assert_eq!(
            route("/v1/admin/sites/demo/erase"),
            Route::AdminErase {
                site: "demo".into()
            }
        );
        assert_eq!(
            route("/v1/admin/sites/demo/config/versions"),
            Route::AdminConfigVersions {
                site: "demo".into()
            }
        );
        assert_eq!(
            route("/v1/admin/sites/demo/config/rollback"),
            Route::AdminConfigRollback {
                site: "demo".into()
            }
        );
        assert_eq!(route("/v1/sites/demo"), Route::NotFound);
        assert_eq!(route("/"), Route::NotFound);
    }

    #[test]
    fn content_types() {
        assert!(content_type_is(
            Some("application/json; charset=utf-8"),
            &["application/json"]
        ));
        assert!(content_type_is(
            Some("Application/JSON"),
            &["application/json"]
        ));
        assert!(!content_type_is(Some("text/plain"), &["application/json"]));
        assert!(!content_type_is(None, &["application/json"]));
    }

    #[test]
    fn errors_become_their_json_reply() {
        let r = Reply::from_error(&EdgeError::Unauthorized);
        assert_eq!(r.status, 401);
        assert_eq!(r.content_type, "application/json");
        assert!(r.body.contains("\"code\":\"unauthorized\""));
        assert_eq!(r.headers, vec![("www-authenticate", "Bearer".to_owned())]);
    }
}
