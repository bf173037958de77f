//! Abuse resistance of the public endpoint (issue 8): the CORS matrix, body limits, the
//! honeypot, render tokens, Turnstile against a local fake, both rate limits, retention,
//! answers checked against the served OpenAPI schemas, and 10,000 adversarial requests.

use crate::api::{submission, valid_fields};
use crate::env::{Env, Test};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use switchboard_tests::admin::Answer;
use switchboard_tests::fixture::hook_path;
use switchboard_tests::receiver::{Behavior, Delivery};
use switchboard_tests::{Error, Result, ensure, repo};

pub const TRIALS: &[(&str, Test)] = &[
    ("abuse::cors_matrix", cors_matrix),
    (
        "abuse::limits_answer_413_415_and_400_by_name",
        limits_answer_by_name,
    ),
    (
        "abuse::chunked_body_over_32_kb_is_413",
        chunked_body_is_cut_off,
    ),
    (
        "abuse::honeypot_gets_202_and_nothing_is_delivered",
        honeypot,
    ),
    ("abuse::render_token_too_fast_expired_forged", render_token),
    ("abuse::turnstile_pass_fail_duplicate_timeout", turnstile),
    (
        "abuse::rate_limit_after_the_limit_is_429_with_retry_after",
        rate_limit,
    ),
    ("abuse::burst_limit_answers_429", burst_limit),
    (
        "abuse::retention_purges_settled_inquiries_from_every_table",
        retention,
    ),
    (
        "abuse::real_answers_match_the_openapi_schemas",
        openapi_matches,
    ),
    (
        "abuse::ten_thousand_adversarial_requests_get_no_5xx",
        adversarial,
    ),
];

/// The fixture config with `edits` (find, replace) applied and `extra` appended.
fn config(env: &Env, site: &str, edits: &[(&str, &str)], extra: &str) -> Result<String> {
    let mut text = env.site_config(site)?;
    for (from, to) in edits {
        ensure(text.contains(from), || {
            format!("the fixture has no `{from}` to edit")
        })?;
        text = text.replacen(from, to, 1);
    }
    text.push_str(extra);
    Ok(text)
}

/// Render tokens required and a fill time of `min_fill` seconds.
fn strict(min_fill: u32) -> Vec<(&'static str, String)> {
    vec![
        (
            "require_render_token = false",
            "require_render_token = true".into(),
        ),
        (
            "min_fill_seconds = 0",
            format!("min_fill_seconds = {min_fill}"),
        ),
    ]
}

async fn provision_with(
    env: &Env,
    site: &str,
    toml: &str,
) -> Result<switchboard_tests::admin::Site> {
    env.admin.provision(site, toml).await
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A render token signed with the Worker's RENDER_TOKEN_SECRET, issued at `issued_ms`.
fn signed_token(site: &str, issued_ms: i64) -> Result<String> {
    let secret = repo::dev_var("RENDER_TOKEN_SECRET")?;
    Ok(switchboard_edge::auth::issue_render_token(
        &secret, site, issued_ms,
    ))
}

/// POST to the inquiry endpoint with a JSON body and extra headers.
async fn post(
    env: &Env,
    site: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> Result<(Answer, reqwest::header::HeaderMap)> {
    let mut req = env
        .http
        .post(format!("{}/v1/sites/{site}/inquiries", env.worker.origin))
        .header("origin", env.pages.origin())
        .json(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await?;
    let headers = resp.headers().clone();
    Ok((Answer::read(resp).await?, headers))
}

fn expect_error(answer: &Answer, status: u16, code: &str, what: &str) -> Result<()> {
    ensure(
        answer.status == status && answer.body["error"]["code"] == code,
        || {
            format!(
                "{what}: expected {status} `{code}`, got {} {}",
                answer.status, answer.raw
            )
        },
    )
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Validators for the component and webhook schemas of the served /openapi.json.
pub struct Schemas {
    doc: Value,
    cache: std::sync::Mutex<BTreeMap<String, Arc<jsonschema::Validator>>>,
}

impl Schemas {
    pub async fn fetch(env: &Env) -> Result<Schemas> {
        let doc = Answer::read(
            env.http
                .get(format!("{}/openapi.json", env.worker.origin))
                .send()
                .await?,
        )
        .await?
        .expect_status(200, "GET /openapi.json")?
        .body;
        ensure(doc["openapi"] == "3.1.0", || {
            format!("not an OpenAPI 3.1 document: {}", doc["openapi"])
        })?;
        Ok(Schemas {
            doc,
            cache: std::sync::Mutex::default(),
        })
    }

    pub fn validator(&self, name: &str) -> Result<Arc<jsonschema::Validator>> {
        self.compiled(&format!("/components/schemas/{name}"))
    }

    /// The schema at `pointer` (a JSON Pointer into the document), compiled once, with the
    /// document's components and webhooks beside it so `$ref`s resolve.
    fn compiled(&self, pointer: &str) -> Result<Arc<jsonschema::Validator>> {
        let mut cache = self.cache.lock().map_err(|_| Error::msg("poisoned"))?;
        if let Some(v) = cache.get(pointer) {
            return Ok(Arc::clone(v));
        }
        ensure(
            self.doc.pointer(pointer).is_some_and(Value::is_object),
            || format!("/openapi.json has no schema at {pointer}"),
        )?;
        let wrapper = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#{pointer}"),
            "components": self.doc["components"],
            "webhooks": self.doc["webhooks"],
        });
        let v = Arc::new(
            jsonschema::validator_for(&wrapper)
                .map_err(|e| Error::msg(format!("schema {pointer} does not compile: {e}")))?,
        );
        cache.insert(pointer.to_owned(), Arc::clone(&v));
        Ok(v)
    }

    /// Checks a webhook body against the request body the document's `webhooks` lists for
    /// its `type`.
    pub fn check_event(&self, event: &Value, what: &str) -> Result<()> {
        let kind = event["type"].as_str().unwrap_or_default();
        let operation = format!("/webhooks/{kind}/post");
        ensure(self.doc.pointer(&operation).is_some(), || {
            format!("{what}: /openapi.json lists no webhook `{kind}`: {event}")
        })?;
        let v = self.compiled(&format!(
            "{operation}/requestBody/content/application~1json/schema"
        ))?;
        let errors: Vec<String> = v.iter_errors(event).map(|e| e.to_string()).collect();
        ensure(errors.is_empty(), || {
            format!(
                "{what}: the {kind} body does not match its webhook schema: {errors:?}\n{event}"
            )
        })
    }

    /// Checks a request the receiver got as the document's `webhooks` describe it: the body
    /// against its type's schema, each header parameter against its own. Returns the body.
    pub fn check_webhook(&self, d: &Delivery, what: &str) -> Result<Value> {
        let event = d.json()?;
        self.check_event(&event, what)?;
        let operation = format!(
            "/webhooks/{}/post",
            event["type"].as_str().unwrap_or_default()
        );
        let listed = self
            .doc
            .pointer(&format!("{operation}/parameters"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        ensure(!listed.is_empty(), || {
            format!("/openapi.json lists no headers for {operation}")
        })?;
        for (i, parameter) in listed.iter().enumerate() {
            if parameter["in"] != "header" {
                continue;
            }
            let name = parameter["name"].as_str().unwrap_or_default();
            let Some(value) = d.header(name) else {
                ensure(parameter["required"] != true, || {
                    format!("{what}: no `{name}` header, which the document requires")
                })?;
                continue;
            };
            let v = self.compiled(&format!("{operation}/parameters/{i}/schema"))?;
            ensure(v.is_valid(&json!(value)), || {
                format!(
                    "{what}: header `{name}: {value}` does not match {}",
                    parameter["schema"]
                )
            })?;
        }
        Ok(event)
    }

    /// Checks that the document lists `status` with a body of `media_type` for `method` on
    /// the path template `path`.
    fn documents(&self, path: &str, method: &str, status: u16, media_type: &str) -> Result<()> {
        let responses = &self.doc["paths"][path][method]["responses"];
        ensure(
            responses[status.to_string()]["content"][media_type].is_object(),
            || {
                format!(
                    "/openapi.json does not list {method} {path} answering {status} {media_type}: {responses}"
                )
            },
        )
    }

    pub fn check(&self, name: &str, answer: &Answer, what: &str) -> Result<()> {
        let v = self.validator(name)?;
        let errors: Vec<String> = v.iter_errors(&answer.body).map(|e| e.to_string()).collect();
        ensure(errors.is_empty(), || {
            format!(
                "{what}: {} {} does not match {name}: {errors:?}",
                answer.status, answer.raw
            )
        })
    }
}

fn cors_matrix(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let allowed = env.pages.origin();
        let form_url = format!("{}/v1/sites/{site}/form", env.worker.origin);
        let submit_url = format!("{}/v1/sites/{site}/inquiries", env.worker.origin);
        let schemas = Schemas::fetch(env).await?;

        // Allowed origin: the exact origin echoed, caches told to vary on it.
        let resp = env
            .http
            .get(&form_url)
            .header("origin", &allowed)
            .send()
            .await?;
        let h = resp.headers().clone();
        let answer = Answer::read(resp)
            .await?
            .expect_status(200, "GET form, allowed origin")?;
        ensure(
            header(&h, "access-control-allow-origin") == Some(allowed.as_str()),
            || format!("allowed origin not echoed: {h:?}"),
        )?;
        ensure(
            header(&h, "vary").is_some_and(|v| v.contains("Origin")),
            || format!("no Vary: Origin: {h:?}"),
        )?;
        schemas.check("FormDefinition", &answer, "form")?;

        // Preflight from the allowed origin.
        let resp = env
            .http
            .request(Method::OPTIONS, &submit_url)
            .header("origin", &allowed)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await?;
        let h = resp.headers().clone();
        ensure(resp.status().as_u16() == 204, || {
            format!("preflight: expected 204, got {}", resp.status())
        })?;
        ensure(
            header(&h, "access-control-allow-origin") == Some(allowed.as_str()),
            || format!("preflight did not echo the origin: {h:?}"),
        )?;
        ensure(
            header(&h, "access-control-allow-methods").is_some_and(|m| m.contains("POST")),
            || format!("preflight allows no POST: {h:?}"),
        )?;
        ensure(
            header(&h, "access-control-allow-headers").is_some_and(|m| m.contains("content-type")),
            || format!("preflight allows no content-type: {h:?}"),
        )?;
        ensure(header(&h, "access-control-max-age") == Some("600"), || {
            format!("preflight max-age is not 600: {h:?}")
        })?;
        ensure(
            header(&h, "vary").is_some_and(|v| v.contains("Origin")),
            || format!("preflight without Vary: Origin: {h:?}"),
        )?;

        // Disallowed, `null` and look-alike origins: 403 JSON, no CORS headers at all.
        for origin in [
            "https://evil.example",
            "null",
            &format!("{allowed}.evil.example"),
            "http://127.0.0.1",
        ] {
            for (method, url) in [
                (Method::GET, &form_url),
                (Method::OPTIONS, &submit_url),
                (Method::POST, &submit_url),
            ] {
                let mut req = env
                    .http
                    .request(method.clone(), url)
                    .header("origin", origin);
                if method == Method::POST {
                    req = req.json(&submission("k-cors", valid_fields()));
                } else if method == Method::OPTIONS {
                    req = req.header("access-control-request-method", "POST");
                }
                let resp = req.send().await?;
                let h = resp.headers().clone();
                let answer = Answer::read(resp).await?;
                expect_error(
                    &answer,
                    403,
                    "origin_not_allowed",
                    &format!("{method} from {origin}"),
                )?;
                schemas.check("Error", &answer, "403")?;
                ensure(
                    !h.keys().any(|k| k.as_str().starts_with("access-control-")),
                    || format!("{method} from {origin}: CORS headers on a refusal: {h:?}"),
                )?;
            }
        }

        // No Origin at all: a server or curl, not a browser. Served, without CORS headers.
        let resp = env.http.get(&form_url).send().await?;
        let h = resp.headers().clone();
        Answer::read(resp)
            .await?
            .expect_status(200, "GET form without Origin")?;
        ensure(header(&h, "access-control-allow-origin").is_none(), || {
            format!("CORS header without Origin: {h:?}")
        })?;
        let resp = env
            .http
            .post(&submit_url)
            .json(&submission(&format!("{site}-no-origin"), valid_fields()))
            .send()
            .await?;
        let answer = Answer::read(resp)
            .await?
            .expect_status(202, "POST without Origin (server-to-server)")?;
        schemas.check("SubmitAccepted", &answer, "202")
    })
}

fn limits_answer_by_name(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = format!("{}/v1/sites/{site}/inquiries", env.worker.origin);
        let origin = env.pages.origin();
        let raw = |ct: Option<&'static str>, body: Vec<u8>| {
            let mut req = env.http.post(&url).header("origin", &origin).body(body);
            if let Some(ct) = ct {
                req = req.header("content-type", ct);
            }
            req
        };
        let good = serde_json::to_vec(&submission("k", valid_fields()))?;
        let cases: Vec<(reqwest::RequestBuilder, u16, &str, &str)> = vec![
            (raw(Some("text/plain"), good.clone()), 415, "unsupported_media_type", "text/plain"),
            (raw(Some("application/x-www-form-urlencoded"), b"name=Ada".to_vec()), 415, "unsupported_media_type", "urlencoded on the JSON API"),
            (raw(None, good.clone()), 415, "unsupported_media_type", "no content-type"),
            (raw(Some("application/json"), vec![b' '; 40 * 1024]), 413, "payload_too_large", "40 KB body"),
            (raw(Some("application/json"), b"{\"idempotency_key\":\"k\",\"fields\":{},\"admin\":true}".to_vec()), 400, "unknown_field", "unknown top-level field"),
            (raw(Some("application/json"), b"\xff\xfe{}".to_vec()), 400, "invalid_json", "invalid utf-8"),
            (raw(Some("application/json"), format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes()), 400, "json_too_deep", "deep nesting"),
            (raw(Some("application/json"), serde_json::to_vec(&json!({"idempotency_key": "k", "fields": (0..60).map(|i| (format!("f{i}"), json!("x"))).collect::<serde_json::Map<_, _>>()}))?), 400, "too_many_fields", "60 fields"),
            (raw(Some("application/json"), serde_json::to_vec(&json!({"idempotency_key": "k", "fields": {"k".repeat(100): "x"}}))?), 400, "invalid_fields", "100-byte field name"),
            (raw(Some("application/json"), serde_json::to_vec(&json!({"idempotency_key": "k", "fields": {"name": "Ada", "favourite_colour": "blue"}}))?), 422, "invalid_input", "unknown form field"),
        ];
        for (req, status, code, what) in cases {
            let answer = Answer::read(req.send().await?).await?;
            expect_error(&answer, status, code, what)?;
        }
        // The unknown field is named.
        let answer = Answer::read(raw(Some("application/json"), b"{\"idempotency_key\":\"k\",\"fields\":{},\"admin\":true}".to_vec()).send().await?).await?;
        ensure(answer.body["error"]["fields"][0]["field"] == "admin", || format!("unknown field not named: {}", answer.raw))
    })
}

/// A chunked body (no content-length) is refused once it passes 32 KB, over a raw socket
/// so nothing in between buffers it into a sized body.
fn chunked_body_is_cut_off(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let addr = env.worker.origin.trim_start_matches("http://").to_owned();
        let head = format!(
            "POST /v1/sites/{site}/inquiries HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        // Plain blocking socket on a blocking thread: nothing in between can size the body.
        let response = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
            let mut stream = std::net::TcpStream::connect(&addr)?;
            stream.set_read_timeout(Some(Duration::from_secs(30)))?;
            stream.write_all(head.as_bytes())?;
            let chunk = vec![b' '; 4096];
            // 64 KB in 4 KB chunks; the Worker may answer (and close) before all are sent.
            for _ in 0..16 {
                let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
                frame.extend_from_slice(&chunk);
                frame.extend_from_slice(b"\r\n");
                if stream.write_all(&frame).is_err() {
                    break;
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n");
            let mut response = Vec::new();
            let _ = stream.read_to_end(&mut response);
            Ok(response)
        })
        .await
        .map_err(|e| Error::msg(e.to_string()))??;
        let text = String::from_utf8_lossy(&response);
        ensure(text.starts_with("HTTP/1.1 413"), || format!("expected 413 for a 64 KB chunked body, got:\n{text}"))?;
        ensure(text.contains("payload_too_large"), || format!("413 without the JSON error:\n{text}"))
    })
}

fn honeypot(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let mut fields = valid_fields();
        fields["website"] = json!("http://spam.example");
        let (bot, _) = post(env, site, &submission(&format!("{site}-bot"), fields), &[]).await?;
        let bot = bot.expect_status(202, "honeypot hit")?;
        ensure(
            bot.body["reference"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
                && bot.body["expected"]["sentence"].is_string(),
            || {
                format!(
                    "the honeypot answer does not look like a real one: {}",
                    bot.raw
                )
            },
        )?;
        // A real inquiry after it: once it is delivered, the queue has had its chance.
        let (real, _) = post(
            env,
            site,
            &submission(&format!("{site}-real"), valid_fields()),
            &[],
        )
        .await?;
        let real = real.expect_status(202, "real inquiry")?;
        let hooks = hook_path(site, "");
        env.receiver
            .wait_for(&hooks, 1, Duration::from_secs(60))
            .await?;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let delivered = env.receiver.deliveries(&hooks);
        let bot_ref = bot.body["reference"].as_str().unwrap_or("?");
        ensure(
            delivered.iter().all(|d| !d.body_text().contains(bot_ref)),
            || format!("the honeypot inquiry {bot_ref} was delivered"),
        )?;
        ensure(
            delivered.iter().any(|d| {
                d.body_text()
                    .contains(real.body["reference"].as_str().unwrap_or("?"))
            }),
            || "the real inquiry was not delivered".to_owned(),
        )?;
        let stored = env.admin.inquiries(&admin_site).await?;
        let spam = stored.iter().find(|i| i["reference"] == bot_ref);
        ensure(spam.is_some_and(|i| i["status"] == "spam"), || {
            format!("the honeypot inquiry is not marked spam: {stored:?}")
        })
    })
}

fn render_token(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let edits = strict(3);
        let edits: Vec<(&str, &str)> = edits.iter().map(|(a, b)| (*a, b.as_str())).collect();
        provision_with(env, site, &config(env, site, &edits, "")?).await?;
        let with_token = |key: &str, token: Option<String>| {
            let mut body = submission(&format!("{site}-{key}"), valid_fields());
            if let Some(t) = token {
                body["render_token"] = json!(t);
            }
            body
        };
        let (a, _) = post(env, site, &with_token("missing", None), &[]).await?;
        expect_error(&a, 400, "render_token_missing", "no token")?;

        let form = env.form(site, "").await?.expect_status(200, "GET form")?;
        let fresh = form.body["render_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (a, h) = post(env, site, &with_token("fast", Some(fresh.clone())), &[]).await?;
        expect_error(&a, 429, "too_fast", "submitted at once")?;
        let retry: u32 = header(&h, "retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        ensure((1..=3).contains(&retry), || {
            format!("too_fast Retry-After should be 1..=3, got {h:?}")
        })?;

        let (a, _) = post(
            env,
            site,
            &with_token(
                "expired",
                Some(signed_token(site, now_ms() - 25 * 3600 * 1000)?),
            ),
            &[],
        )
        .await?;
        expect_error(&a, 422, "render_token_expired", "25 h old token")?;
        ensure(
            a.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("reload")),
            || format!("expired token message should say to reload: {}", a.raw),
        )?;

        let forged =
            switchboard_edge::auth::issue_render_token("not-the-secret", site, now_ms() - 60_000);
        let (a, _) = post(env, site, &with_token("forged", Some(forged)), &[]).await?;
        expect_error(&a, 400, "render_token_invalid", "forged token")?;
        let tampered = match fresh.split('.').collect::<Vec<_>>().as_slice() {
            [s, _, sig] => format!("{s}.{}.{sig}", now_ms() - 60_000),
            _ => return Err(Error::msg(format!("unexpected token shape {fresh}"))),
        };
        let (a, _) = post(env, site, &with_token("tampered", Some(tampered)), &[]).await?;
        expect_error(&a, 400, "render_token_invalid", "tampered timestamp")?;
        let (a, _) = post(
            env,
            site,
            &with_token(
                "other-site",
                Some(signed_token("another-site", now_ms() - 60_000)?),
            ),
            &[],
        )
        .await?;
        expect_error(&a, 400, "render_token_invalid", "token of another site")?;

        // The real flow: fetch, wait out the fill time, submit.
        tokio::time::sleep(Duration::from_millis(3200)).await;
        let (a, _) = post(env, site, &with_token("human", Some(fresh)), &[]).await?;
        a.expect_status(202, "a token older than the fill time")?;
        Ok(())
    })
}

fn turnstile(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let extra = "\n[abuse.turnstile]\nsite_key = \"1x00000000000000000000AA\"\n";
        let admin_site = provision_with(env, site, &config(env, site, &[], extra)?).await?;
        let form = env.form(site, "").await?.expect_status(200, "GET form")?;
        ensure(form.body["turnstile_site_key"] == "1x00000000000000000000AA", || format!("the form does not carry the site key: {}", form.raw))?;
        let with = |key: &str, token: Option<&str>| {
            let mut body = submission(&format!("{site}-{key}"), valid_fields());
            if let Some(t) = token {
                body["turnstile_token"] = json!(t);
            }
            body
        };
        let ip = [("cf-connecting-ip", "198.51.100.23")];
        let pass = format!("pass-{site}");
        let (a, _) = post(env, site, &with("pass", Some(&pass)), &ip).await?;
        a.expect_status(202, "a passing turnstile token")?;
        let seen = env.turnstile.requests_for(&pass);
        ensure(seen.len() == 1 && seen[0]["idempotency_key"].as_str().is_some_and(|k| k.len() == 36) && seen[0]["remoteip"] == "198.51.100.23", || {
            format!("siteverify should get the token once with a uuid idempotency key and the remote ip: {seen:?}")
        })?;

        let (a, _) = post(env, site, &with("dup", Some(&pass)), &ip).await?;
        expect_error(&a, 422, "turnstile_failed", "the same token again")?;
        ensure(a.body["error"]["fields"][0]["field"] == "turnstile_token", || format!("the error should name turnstile_token: {}", a.raw))?;
        let (a, _) = post(env, site, &with("fail", Some(&format!("fail-{site}"))), &ip).await?;
        expect_error(&a, 422, "turnstile_failed", "a refused token")?;
        let (a, _) = post(env, site, &with("missing", None), &ip).await?;
        expect_error(&a, 422, "turnstile_failed", "no token")?;
        let (a, _) = post(env, site, &with("elsewhere", Some(&format!("elsewhere-{site}"))), &ip).await?;
        expect_error(&a, 422, "turnstile_failed", "solved on another hostname")?;

        // siteverify too slow: accepted, tagged for the owner to look at.
        let started = Instant::now();
        let (a, _) = post(env, site, &with("slow", Some(&format!("slow-{site}"))), &ip).await?;
        let a = a.expect_status(202, "siteverify timed out")?;
        ensure(started.elapsed() < Duration::from_secs(7), || format!("the siteverify timeout did not cut in: {:?}", started.elapsed()))?;
        let stored = env.admin.inquiries(&admin_site).await?;
        let slow = stored.iter().find(|i| i["reference"] == a.body["reference"]);
        ensure(slow.is_some_and(|i| i["tags"].as_array().is_some_and(|t| t.contains(&json!("turnstile_unverified")))), || {
            format!("the unverified inquiry is not tagged turnstile_unverified: {slow:?}")
        })?;
        // Refused tokens stored nothing.
        ensure(stored.len() == 2, || format!("expected 2 stored inquiries (pass, slow), got {}: {stored:?}", stored.len()))
    })
}

fn rate_limit(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let toml = config(
            env,
            site,
            &[("max_inquiries_per_12h = 10000", "max_inquiries_per_12h = 3")],
            "",
        )?;
        provision_with(env, site, &toml).await?;
        let ip = "203.0.113.77";
        for i in 0..3 {
            let (a, _) = post(
                env,
                site,
                &submission(&format!("{site}-{i}"), valid_fields()),
                &[("cf-connecting-ip", ip)],
            )
            .await?;
            a.expect_status(202, &format!("inquiry {} of 3", i + 1))?;
        }
        let (a, h) = post(
            env,
            site,
            &submission(&format!("{site}-over"), valid_fields()),
            &[("cf-connecting-ip", ip)],
        )
        .await?;
        expect_error(&a, 429, "rate_limited", "the 4th inquiry in 12 h")?;
        let retry: u64 = header(&h, "retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        ensure((12 * 3600 - 120..=12 * 3600).contains(&retry), || {
            format!("Retry-After should be about 12 h, got {h:?}")
        })?;
        // A retry of a stored inquiry is not counted again: it gets its answer.
        let (a, _) = post(
            env,
            site,
            &submission(&format!("{site}-0"), valid_fields()),
            &[("cf-connecting-ip", ip)],
        )
        .await?;
        a.expect_status(202, "a retry of a stored inquiry at the limit")?;
        // Another visitor is not affected.
        let (a, _) = post(
            env,
            site,
            &submission(&format!("{site}-other"), valid_fields()),
            &[("cf-connecting-ip", "203.0.113.78")],
        )
        .await?;
        a.expect_status(202, "another IP")?;
        // The IP is not stored anywhere in D1.
        let rows = env
            .worker
            .d1_query(&format!(
                "SELECT visitor FROM submission_events WHERE site_id = '{site}'"
            ))
            .await?;
        ensure(rows.len() == 4, || {
            format!("expected 4 submission events, got {rows:?}")
        })?;
        ensure(
            rows.iter().all(|r| {
                r["visitor"]
                    .as_str()
                    .is_some_and(|v| v.len() == 64 && !v.contains("203.0.113"))
            }),
            || format!("visitors are not keyed hashes: {rows:?}"),
        )?;
        let mut found = Vec::new();
        grep_dir(env.worker.state_dir(), ip.as_bytes(), &mut found);
        ensure(found.is_empty(), || {
            format!("the raw IP {ip} is stored in {found:?}")
        })
    })
}

/// Files under `dir` that contain `needle`.
fn grep_dir(dir: &std::path::Path, needle: &[u8], found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            grep_dir(&path, needle, found);
        } else if path.extension().is_none_or(|e| e != "log")
            && std::fs::read(&path).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
        {
            found.push(path.display().to_string());
        }
    }
}

fn burst_limit(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let toml = config(
            env,
            site,
            &[("burst_limit = false", "burst_limit = true")],
            "",
        )?;
        provision_with(env, site, &toml).await?;
        // Invalid drafts pass the burst check before validation refuses them: no D1 rows.
        // The limiter counts in fixed 10 s windows, so a burst may straddle two of them;
        // 45 requests in well under 10 s put more than 20 into one window either way.
        let mut statuses = Vec::new();
        let mut retry_after = None;
        for i in 0..45 {
            let (a, h) = post(
                env,
                site,
                &submission(&format!("{site}-{i}"), json!({})),
                &[("cf-connecting-ip", "192.0.2.99")],
            )
            .await?;
            if a.status == 429 {
                expect_error(&a, 429, "rate_limited", "burst")?;
                retry_after = header(&h, "retry-after").map(str::to_owned);
            }
            statuses.push(a.status);
        }
        ensure(statuses.contains(&429), || {
            format!("45 requests in a burst never got 429: {statuses:?}")
        })?;
        ensure(statuses.iter().take(20).all(|s| *s == 422), || {
            format!("the first 20 should pass the burst limit: {statuses:?}")
        })?;
        ensure(retry_after.as_deref() == Some("10"), || {
            format!("burst Retry-After should be 10, got {retry_after:?}")
        })
    })
}

fn retention(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let purged = provision_with(env, site, &config(env, site, &[("default_poc = \"support\"", "default_poc = \"support\"\nretention_days = 0")], "")?).await?;
        let kept_site = format!("{site}-keep");
        let kept = env.provision(&kept_site).await?;
        for i in 0..2 {
            post(env, site, &submission(&format!("{site}-{i}"), valid_fields()), &[]).await?.0.expect_status(202, "inquiry to purge")?;
        }
        post(env, &kept_site, &submission(&format!("{kept_site}-0"), valid_fields()), &[]).await?.0.expect_status(202, "inquiry to keep")?;
        // Delivered first, so delivery attempts exist to be purged too.
        env.receiver.wait_for(&hook_path(site, ""), 2, Duration::from_secs(60)).await?;
        let ids: Vec<String> = env
            .worker
            .d1_query(&format!("SELECT id FROM inquiries WHERE site_id = '{site}'"))
            .await?
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect();
        ensure(ids.len() == 2, || format!("expected 2 stored inquiries, got {ids:?}"))?;
        let id_list = ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(",");
        let tables: Vec<String> = env
            .worker
            .d1_query("SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'inquiry_id'")
            .await?
            .iter()
            .filter_map(|r| r["name"].as_str().map(str::to_owned))
            .collect();
        ensure(tables.contains(&"delivery_attempts".to_owned()), || format!("per-inquiry tables: {tables:?}"))?;
        let count = |table: &str| format!("SELECT COUNT(*) AS n FROM {table} WHERE inquiry_id IN ({id_list})");
        let before = env.worker.d1_query(&count("delivery_attempts")).await?;
        ensure(before[0]["n"].as_i64().unwrap_or(0) >= 2, || format!("no delivery attempts before the purge: {before:?}"))?;
        // The folded copy of the field values (migration 0007) is personal data too.
        let searchable = format!("SELECT COUNT(*) AS n FROM inquiries WHERE id IN ({id_list}) AND search_text LIKE '%ada lovelace%'");
        let folded = env.worker.d1_query(&searchable).await?;
        ensure(folded[0]["n"].as_i64() == Some(2), || format!("the search text of the inquiries to purge: {folded:?}"))?;
        // Both settled, so the purge may take them.
        let started = Instant::now();
        while env.worker.d1_query(&format!("SELECT COUNT(*) AS n FROM inquiries WHERE site_id = '{site}' AND status = 'pending'")).await?[0]["n"].as_i64() != Some(0) {
            if started.elapsed() > Duration::from_secs(30) {
                return Err(Error::msg("the delivered inquiries are still pending after 30 s"));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // A third one whose POC is down: still being delivered when the cron runs, so it stays.
        env.receiver.set_behavior(&hook_path(site, ""), Behavior::Always(503));
        let (third, _) = post(env, site, &submission(&format!("{site}-2"), valid_fields()), &[]).await?;
        let third = third.expect_status(202, "inquiry still being delivered")?.body["reference"].as_str().unwrap_or_default().to_owned();
        env.receiver.wait_for(&hook_path(site, ""), 3, Duration::from_secs(60)).await?;
        // An endpoint disabled by a 410 on a purged inquiry stays disabled.
        env.worker
            .d1_query(&format!(
                "INSERT INTO disabled_endpoints (site_id, endpoint_url, inquiry_id, status_code, disabled_ms) \
                 VALUES ('{site}', 'https://gone.example/hook', '{}', 410, 0)",
                ids[0]
            ))
            .await?;

        env.fire_cron().await?;
        // The cron handler runs after the answer; give it a moment.
        let started = Instant::now();
        loop {
            let left = env.worker.d1_query(&format!("SELECT COUNT(*) AS n FROM inquiries WHERE site_id = '{site}'")).await?;
            if left[0]["n"].as_i64() == Some(1) {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(Error::msg(format!("inquiries still stored 30 s after the cron: {left:?}")));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        for table in tables.iter().filter(|t| *t != "disabled_endpoints") {
            let left = env.worker.d1_query(&count(table)).await?;
            ensure(left[0]["n"].as_i64() == Some(0), || format!("{table} still holds rows of purged inquiries: {left:?}"))?;
        }
        let folded = env.worker.d1_query(&searchable).await?;
        ensure(folded[0]["n"].as_i64() == Some(0), || format!("the search text of purged inquiries survived: {folded:?}"))?;
        let listed = env.admin.inquiries(&purged).await?;
        ensure(listed.len() == 1 && listed[0]["reference"].as_str() == Some(third.as_str()), || {
            format!("after the purge the admin API should list only {third}, still being delivered: {listed:?}")
        })?;
        let disabled = env.worker.d1_query(&format!("SELECT COUNT(*) AS n FROM disabled_endpoints WHERE site_id = '{site}'")).await?;
        ensure(disabled[0]["n"].as_i64() == Some(1), || format!("the purge re-enabled a disabled endpoint: {disabled:?}"))?;
        let still = env.admin.inquiries(&kept).await?;
        ensure(still.len() == 1, || format!("the site with default retention lost its inquiry: {still:?}"))
    })
}

fn openapi_matches(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let schemas = Schemas::fetch(env).await?;
        let paths = schemas.doc["paths"]
            .as_object()
            .map(|p| p.len())
            .unwrap_or(0);
        ensure(paths >= 9, || format!("the document lists {paths} paths"))?;
        let health = Answer::read(
            env.http
                .get(format!("{}/healthz", env.worker.origin))
                .send()
                .await?,
        )
        .await?;
        schemas.check("Health", &health, "healthz")?;
        let key = env.admin.mint_key(site).await?;
        let answer = env
            .admin
            .put_config(&key, &env.site_config(site)?)
            .await?
            .expect_status(200, "config")?;
        schemas.check("ConfigVersion", &answer, "PUT config")?;
        let form = env
            .form(site, "?locale=de&tz=Europe/Berlin")
            .await?
            .expect_status(200, "form")?;
        schemas.check("FormDefinition", &form, "form")?;
        let (accepted, _) = post(
            env,
            site,
            &submission(&format!("{site}-1"), valid_fields()),
            &[],
        )
        .await?;
        schemas.check(
            "SubmitAccepted",
            &accepted.expect_status(202, "submit")?,
            "202",
        )?;
        // A valid submit body matches SubmitRequest too.
        let request = Answer {
            status: 0,
            body: submission("k", valid_fields()),
            raw: String::new(),
        };
        schemas.check("SubmitRequest", &request, "request body")?;
        let mut bad = valid_fields();
        bad["email"] = json!("nope");
        let (invalid, _) = post(env, site, &submission(&format!("{site}-2"), bad), &[]).await?;
        expect_error(&invalid, 422, "invalid_input", "bad email")?;
        schemas.check("Error", &invalid, "422")?;
        // The form without JavaScript answers as the document says.
        let page = format!("{}/v1/sites/{site}/form.html", env.worker.origin);
        let path = "/v1/sites/{site}/form.html";
        let media = |r: &reqwest::Response| {
            let ct = header(r.headers(), "content-type").unwrap_or_default();
            ct.split(';').next().unwrap_or_default().trim().to_owned()
        };
        let got = env.http.get(&page).send().await?;
        schemas.documents(path, "get", got.status().as_u16(), &media(&got))?;
        let valid = valid_fields();
        let form = |key: &str, email: &str| {
            let mut pairs: Vec<(&str, String)> = vec![("idempotency_key", key.to_owned())];
            for (name, value) in valid.as_object().into_iter().flatten() {
                let value = if name == "email" {
                    email
                } else {
                    value.as_str().unwrap_or_default()
                };
                pairs.push((name.as_str(), value.to_owned()));
            }
            crate::widget::urlencode(&pairs)
        };
        let urlencoded = "application/x-www-form-urlencoded";
        for (body, content_type, status) in [
            (
                form(&format!("{site}-page-1"), "ada@example.com"),
                urlencoded,
                202,
            ),
            (form(&format!("{site}-page-2"), "nope"), urlencoded, 422),
            (
                form(&format!("{site}-page-3"), "ada@example.com"),
                "application/json",
                415,
            ),
        ] {
            let answer = env
                .http
                .post(&page)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await?;
            let (got, media) = (answer.status().as_u16(), media(&answer));
            ensure(got == status, || {
                format!("POST form.html as {content_type}: expected {status}, got {got}")
            })?;
            schemas.documents(path, "post", got, &media)?;
        }
        // Negative control: the validator does reject what breaks the contract.
        let wrong = Answer {
            status: 400,
            body: json!({"error": {"code": "x"}}),
            raw: String::new(),
        };
        ensure(schemas.check("Error", &wrong, "control").is_err(), || {
            "the Error schema accepts a body without message and fields".to_owned()
        })
    })
}

/// A small deterministic generator (xorshift64*), so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// One generated request.
struct Case {
    method: Method,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    kind: &'static str,
}

fn body_case(rng: &mut Rng, token: &str) -> (Vec<u8>, &'static str) {
    let valid = |rng: &mut Rng| {
        let mut v = submission(&format!("adv-{}", rng.next()), valid_fields());
        v["render_token"] = json!(token);
        v
    };
    match rng.below(16) {
        0 => {
            let n = rng.below(2000);
            (rng.bytes(n), "random bytes")
        }
        1 => {
            let mut b = serde_json::to_vec(&valid(rng)).unwrap_or_default();
            let n = rng.below(b.len().max(1));
            b.truncate(n);
            (b, "truncated json")
        }
        2 => {
            let mut b = serde_json::to_vec(&valid(rng)).unwrap_or_default();
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
            (b, "mutated json")
        }
        3 => {
            let d = 10 + rng.below(20_000);
            let (o, c) = if rng.below(2) == 0 {
                ("[", "]")
            } else {
                ("{\"a\":", "}")
            };
            (
                format!("{}1{}", o.repeat(d), c.repeat(d)).into_bytes(),
                "deep json",
            )
        }
        4 => (vec![b'"'; 33 * 1024 + rng.below(100_000)], "huge body"),
        5 => {
            let mut v = valid(rng);
            let keys = [
                "idempotency_key",
                "locale",
                "time_zone",
                "render_token",
                "fields",
                "turnstile_token",
            ];
            let values = [
                json!(null),
                json!(1e308),
                json!(-1),
                json!([]),
                json!({}),
                json!("\u{202e}x"),
                json!(true),
                json!("x".repeat(5000)),
            ];
            v[*rng.pick(&keys)] = rng.pick(&values).clone();
            (serde_json::to_vec(&v).unwrap_or_default(), "wrong types")
        }
        6 => {
            let mut v = valid(rng);
            let fields = ["name", "email", "topic", "message", "website", "zzz"];
            let values = [
                json!(null),
                json!(42),
                json!({"a": 1}),
                json!(vec!["x"; 200]),
                json!("\0\u{7}"),
                json!("a".repeat(20_000)),
                json!("ада@пример.рф"),
                json!("x\u{200b}\u{202e}y"),
                json!(false),
            ];
            v["fields"][*rng.pick(&fields)] = rng.pick(&values).clone();
            (serde_json::to_vec(&v).unwrap_or_default(), "field values")
        }
        7 => {
            let n = 40 + rng.below(200);
            let fields: serde_json::Map<String, Value> =
                (0..n).map(|i| (format!("f{i}"), json!("x"))).collect();
            (
                serde_json::to_vec(&json!({"idempotency_key": "k", "fields": fields}))
                    .unwrap_or_default(),
                "many fields",
            )
        }
        8 => (
            serde_json::to_vec(
                &json!({"idempotency_key": "k", "fields": {"k".repeat(60 + rng.below(2000)): "x"}}),
            )
            .unwrap_or_default(),
            "long keys",
        ),
        9 => {
            let mut b = serde_json::to_vec(&valid(rng)).unwrap_or_default();
            let i = rng.below(b.len());
            b.splice(i..i, [0xC3u8, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80]);
            (b, "invalid utf-8")
        }
        10 => (
            serde_json::to_vec(&json!({"idempotency_key": "k", "fields": {}, "extra": rng.next()}))
                .unwrap_or_default(),
            "unknown field",
        ),
        11 => {
            let mut v = valid(rng);
            v["fields"]["website"] = json!("http://bot.example");
            (serde_json::to_vec(&v).unwrap_or_default(), "honeypot")
        }
        12 => (serde_json::to_vec(&valid(rng)).unwrap_or_default(), "valid"),
        13 => {
            let mut v = valid(rng);
            v["render_token"] = json!(
                rng.pick(&["", "a.b.c", "x", "demo.1.sig", "..", "\u{0}"])
                    .to_string()
            );
            (serde_json::to_vec(&v).unwrap_or_default(), "bad token")
        }
        14 => (
            rng.pick(&[
                &b""[..],
                b"null",
                b"[]",
                b"\"str\"",
                b"1",
                b"{}",
                b"{\"fields\":{}}",
                b"\xef\xbb\xbf{}",
                b"{\"a\":1,\"a\":2}",
            ])
            .to_vec(),
            "small json",
        ),
        _ => (
            format!(
                "{{\"idempotency_key\":\"k\",\"fields\":{{\"message\":\"{}\"}}}}",
                "\\ud800".repeat(1 + rng.below(50))
            )
            .into_bytes(),
            "lone surrogates",
        ),
    }
}

/// A text of `bytes` bytes (or the nearest a character boundary allows) from one of the
/// scripts a visitor or an owner types: ASCII with LIKE wildcards and quotes, accented
/// Latin, CJK (3 bytes a character) and emoji (4 bytes).
fn odd_text(rng: &mut Rng, bytes: usize) -> String {
    const SCRIPTS: [&[&str]; 4] = [
        &["a", "Z", "%", "_", "\\", "'", "\"", " ", "-"],
        &["é", "ß", "Ø", "ñ", "a"],
        &["東", "京", "駅", "カ"],
        &["🦀", "😀", "𝄞"],
    ];
    let alphabet: &[&str] = SCRIPTS[rng.below(SCRIPTS.len())];
    let mut out = String::new();
    while out.len() < bytes {
        let next = *rng.pick(alphabet);
        if out.len() + next.len() > bytes && !out.is_empty() {
            break;
        }
        out.push_str(next);
    }
    out
}

/// Percent-encodes `s` for a query value or a path segment.
fn encoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A text parameter of a site that holds inquiries, with the owner's key, at one of the
/// lengths around D1's 50-byte LIKE limit: 0, 1, 48 to 51 and 200 bytes.
fn long_parameter(rng: &mut Rng, site: &str, admin_key: &str, token: &str) -> Case {
    let bytes = *rng.pick(&[0, 1, 48, 49, 50, 51, 200]);
    let value = odd_text(rng, bytes);
    let v = encoded(&value);
    let admin = |rest: String| format!("/v1/admin/sites/{site}/{rest}");
    let path = match rng.below(12) {
        0 | 1 => admin(format!("inquiries?q={v}")),
        2 => admin(format!("export?format=ndjson&q={v}")),
        3 => admin(format!(
            "inquiries?{}={v}",
            rng.pick(&["status", "poc", "topic", "cursor", "limit"])
        )),
        4 => admin(format!("inquiries?{}={v}", rng.pick(&["since", "until"]))),
        5 => admin(format!("report?{}={v}", rng.pick(&["from", "to", "by"]))),
        6 => admin(format!("inquiries/{v}")),
        7 => admin(format!("config?version={v}")),
        8 => format!(
            "/v1/sites/{site}/form?{}={v}",
            rng.pick(&["locale", "tz", "prerender"])
        ),
        9 => format!("/v1/ack/{v}"),
        10 => format!("/v1/ack/{token}{v}"),
        _ => admin(format!("pocs/{v}/away")),
    };
    Case {
        method: Method::GET,
        path,
        headers: vec![(
            "authorization".into(),
            format!("Bearer {admin_key}").into_bytes(),
        )],
        body: Vec::new(),
        kind: "long text parameter",
    }
}

fn generate(rng: &mut Rng, site: &str, token: &str, origin: &str, admin_key: &str) -> Case {
    let inquiries = format!("/v1/sites/{site}/inquiries");
    let kind = rng.below(10);
    if rng.below(8) == 0 {
        return long_parameter(rng, site, admin_key, token);
    }
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    // Mostly allowed origin; sometimes hostile or odd.
    match rng.below(6) {
        0 => {}
        1 => headers.push((
            "origin".into(),
            rng.pick(&[
                "null",
                "https://evil.example",
                "http://127.0.0.1",
                "file://",
                "*",
            ])
            .as_bytes()
            .to_vec(),
        )),
        _ => headers.push(("origin".into(), origin.as_bytes().to_vec())),
    }
    // Spread over many visitors so the burst limit does not answer everything.
    headers.push((
        "cf-connecting-ip".into(),
        format!(
            "10.{}.{}.{}",
            rng.below(256),
            rng.below(256),
            rng.below(256)
        )
        .into_bytes(),
    ));
    if kind < 6 {
        let (body, what) = body_case(rng, token);
        let ct = *rng.pick(&[
            "application/json",
            "application/json",
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
            "",
        ]);
        if !ct.is_empty() {
            headers.push(("content-type".into(), ct.as_bytes().to_vec()));
        }
        if rng.below(10) == 0 {
            headers.push((
                "content-encoding".into(),
                rng.pick(&["gzip", "br", "deflate", "identity"])
                    .as_bytes()
                    .to_vec(),
            ));
        }
        if rng.below(10) == 0 {
            headers.push((
                "idempotency-key".into(),
                rng.pick(&["", "x y", "k\u{e9}", &"k".repeat(500)])
                    .as_bytes()
                    .to_vec(),
            ));
        }
        return Case {
            method: Method::POST,
            path: inquiries,
            headers,
            body,
            kind: what,
        };
    }
    // Only method tokens the runtime knows: workerd's HTTP parser answers an unknown token
    // (say `FOO`) with its own 501 before any Worker code runs.
    let methods = [
        "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "POST", "TRACE", "PROPFIND", "MKCOL",
    ];
    let method = Method::from_bytes(rng.pick(&methods).as_bytes()).unwrap_or(Method::GET);
    let long = "a".repeat(1000 + rng.below(6000));
    let paths: Vec<String> = vec![
        inquiries.clone(),
        format!("/v1/sites/{site}/form"),
        format!("/v1/sites/{site}/preview"),
        format!("/v1/sites/{site}/form?locale=\u{0}&tz=../../etc/passwd"),
        format!("/v1/sites/{site}/form?tz=Mars/Olympus&locale=xx-YY-zz"),
        "/v1/sites/../admin/sites/x/key".into(),
        "/v1/sites/%2e%2e/form".into(),
        "/v1/sites/DEMO!/form".into(),
        format!("/v1/sites/{long}/form"),
        "/v1/sites//inquiries".into(),
        "/v1/sites/%00/inquiries".into(),
        "/v1/sites/%E2%80%AE/inquiries".into(),
        "/v1/admin/sites/x/config".into(),
        "/v1/admin/sites/x/inquiries?limit=-1&since=yesterday".into(),
        "/v1/admin/sites/x/inquiries/SB-XXXX-XXXX/redeliver".into(),
        "/v1/admin/sites/x/key".into(),
        "/healthz".into(),
        "/openapi.json".into(),
        "/v1".into(),
        "/v2/sites/x/form".into(),
        format!("/v1/sites/{site}/inquiries/{long}"),
        "/v1/sites/x/form?%ZZ=1".into(),
    ];
    let path = rng.pick(&paths).clone();
    if path.starts_with("/v1/admin") {
        headers.push((
            "authorization".into(),
            rng.pick(&[
                "Bearer x",
                "Bearer ",
                "Basic Zm9vOmJhcg==",
                "bearer sbk_00000000000000000000000000000000",
            ])
            .as_bytes()
            .to_vec(),
        ));
    }
    let body = if rng.below(2) == 0 {
        body_case(rng, token).0
    } else {
        Vec::new()
    };
    if !body.is_empty() {
        headers.push((
            "content-type".into(),
            rng.pick(&["application/json", "application/toml", "text/plain"])
                .as_bytes()
                .to_vec(),
        ));
    }
    Case {
        method,
        path,
        headers,
        body,
        kind: "method/path/header",
    }
}

fn adversarial(env: &Env, site: &str) -> Result<()> {
    const TOTAL: usize = 10_000;
    const CONCURRENCY: usize = 16;
    env.block_on(async {
        // Tokens required, no fill time: generated requests carry a valid token or a bad one.
        let edits = strict(0);
        let edits: Vec<(&str, &str)> = edits.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let admin = provision_with(env, site, &config(env, site, &edits, "")?).await?;
        let token = env.form(site, "").await?.expect_status(200, "GET form")?.body["render_token"].as_str().unwrap_or_default().to_owned();
        // The site holds inquiries before the run, so searches and exports read rows.
        for n in 0..3 {
            let mut body = submission(&format!("{site}-seed-{n}"), crate::api::valid_fields());
            body["render_token"] = json!(token);
            env.submit(site, &body).await?.expect_status(202, "a seed inquiry")?;
        }
        let schemas = Arc::new(Schemas::fetch(env).await?);
        let error_schema = schemas.validator("Error")?;
        let mut rng = Rng(0x05EE_D0FA_B05E);
        let origin = env.pages.origin();
        let sem = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        let started = Instant::now();
        for n in 0..TOTAL {
            let case = generate(&mut rng, site, &token, &origin, &admin.admin_key);
            let permit = Arc::clone(&sem).acquire_owned().await.map_err(|e| Error::msg(e.to_string()))?;
            let http = env.http.clone();
            let url = format!("{}{}", env.worker.origin, case.path);
            tasks.spawn(async move {
                let _permit = permit;
                let mut req = http.request(case.method.clone(), &url);
                for (k, v) in &case.headers {
                    if let Ok(v) = reqwest::header::HeaderValue::from_bytes(v) {
                        req = req.header(k.as_str(), v);
                    }
                }
                if !case.body.is_empty() {
                    req = req.body(case.body.clone());
                }
                let outcome = match req.send().await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                        let bytes = resp.bytes().await.unwrap_or_default();
                        Ok((status, content_type, bytes.to_vec()))
                    }
                    Err(e) => Err(e.to_string()),
                };
                (n, case.method, case.path, case.kind, outcome)
            });
        }
        let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
        let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
        let mut failures = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (n, method, path, kind, outcome) = joined.map_err(|e| Error::msg(e.to_string()))?;
            *by_kind.entry(kind).or_default() += 1;
            let short_path: String = path.chars().take(80).collect();
            match outcome {
                Err(e) => failures.push(format!("#{n} {method} {short_path} ({kind}): no answer: {e}")),
                Ok((status, content_type, body)) => {
                    *by_status.entry(status).or_default() += 1;
                    let json_ct = content_type.starts_with("application/json");
                    // The acknowledgement link is a page: its GET answers every problem as
                    // an HTML page that says what to do (documented as text/html).
                    let page = method == Method::GET
                        && path.strip_prefix("/v1/ack/").is_some_and(|t| !t.is_empty() && !t.contains('/'));
                    if status >= 500 {
                        failures.push(format!("#{n} {method} {short_path} ({kind}): {status} {}", String::from_utf8_lossy(&body)));
                    } else if (400..500).contains(&status) && page {
                        if !content_type.starts_with("text/html") {
                            failures.push(format!("#{n} {method} {short_path} ({kind}): {status} is not an HTML page: {content_type}"));
                        }
                    } else if (400..500).contains(&status) && method != Method::HEAD {
                        let parsed: Option<Value> = serde_json::from_slice(&body).ok();
                        let ok = json_ct && parsed.as_ref().is_some_and(|v| error_schema.is_valid(v));
                        if !ok {
                            failures.push(format!("#{n} {method} {short_path} ({kind}): {status} body does not match Error: {}", String::from_utf8_lossy(&body).chars().take(300).collect::<String>()));
                        }
                    }
                }
            }
        }
        let elapsed = started.elapsed();
        println!("\nadversarial: {TOTAL} requests in {:.1} s ({:.0}/s), concurrency {CONCURRENCY}", elapsed.as_secs_f64(), TOTAL as f64 / elapsed.as_secs_f64());
        println!("  by status: {by_status:?}");
        println!("  by kind:   {by_kind:?}");
        let health = env.http.get(format!("{}/healthz", env.worker.origin)).send().await?;
        ensure(health.status().as_u16() == 200, || format!("the Worker does not answer /healthz after the run: {}", health.status()))?;
        ensure(failures.is_empty(), || {
            format!("{} of {TOTAL} requests broke the contract; first ones:\n{}", failures.len(), failures.iter().take(15).cloned().collect::<Vec<_>>().join("\n"))
        })
    })
}
