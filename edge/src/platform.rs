//! The only module that touches the JavaScript runtime directly: the clock, secure random
//! bytes, bounded body reads, the request's `cf` time zone and environment lookups. Everything else takes plain values.

use crate::error::EdgeError;
use wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Env, Request};

/// Milliseconds since the unix epoch.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The IANA time zone Cloudflare places the request in (`request.cf.timezone`), if any.
pub fn request_time_zone(req: &Request) -> Option<String> {
    let cf = js_sys::Reflect::get(req.inner(), &"cf".into()).ok()?;
    if !cf.is_object() {
        return None;
    }
    js_sys::Reflect::get(&cf, &"timezone".into())
        .ok()?
        .as_string()
        .filter(|tz| !tz.is_empty())
}

/// `N` bytes from the platform's cryptographically secure generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], EdgeError> {
    let mut buf = [0u8; N];
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    scope
        .crypto()
        .and_then(|c| c.get_random_values_with_u8_array(&mut buf))
        .map_err(|_| EdgeError::internal("crypto.getRandomValues failed"))?;
    Ok(buf)
}

/// Reads the whole request body, refusing it as soon as it grows past `limit` bytes, so a
/// large or endless body never sits in memory.
pub async fn read_body_limited(req: &Request, limit: usize) -> Result<Vec<u8>, EdgeError> {
    if let Some(len) = req
        .headers()
        .get("content-length")?
        .and_then(|v| v.trim().parse::<usize>().ok())
        && len > limit
    {
        return Err(EdgeError::PayloadTooLarge { limit });
    }
    let Some(stream) = req.inner().body() else {
        return Ok(Vec::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|_| {
            EdgeError::bad_request("unreadable_body", "the request body could not be read")
        })?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .map(|d| d.is_truthy())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into())
            .map_err(|_| EdgeError::internal("body chunk without value"))?;
        let bytes: js_sys::Uint8Array = value.unchecked_into();
        if body.len() + bytes.length() as usize > limit {
            // Dropping the rest; the promise is not awaited because the answer is already known.
            let _ = reader.cancel();
            return Err(EdgeError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&bytes.to_vec());
    }
    Ok(body)
}

/// The request's method exactly as the client sent it. `Request::method` maps any method
/// it does not know (QUERY, PROPFIND, ...) to GET, which would answer them as GETs.
pub fn raw_method(req: &Request) -> String {
    req.inner().method()
}

/// A secret from `.dev.vars` or `wrangler secret`. Missing secrets are a deployment mistake.
pub fn secret(env: &Env, name: &str) -> Result<String, EdgeError> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .map_err(|_| EdgeError::internal(format!("secret {name} is not set")))
}

/// A plain `[vars]` value, or `None` when it is not set.
pub fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

/// Whether webhook URLs may be plain http to loopback addresses (local development, tests).
pub fn allow_loopback_http(env: &Env) -> bool {
    var(env, "ALLOW_LOOPBACK_HTTP").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Writes one line to the Worker log. Callers pass ids and causes, never bodies or secrets.
pub fn log(line: &str) {
    worker::console_log!("{line}");
}
