//! The public HTTP API of the real Worker: what a visitor's browser (or a bot) can send.

use crate::env::{Env, Test};
use serde_json::{Value, json};
use switchboard_shared::api::{ErrorBody, FormDefinition, SubmitAccepted};
use switchboard_tests::{Error, Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "api::valid_inquiry_is_accepted_with_reference_and_expected_response",
        valid_inquiry_is_accepted,
    ),
    (
        "api::missing_email_is_422_naming_the_field",
        missing_email_is_named,
    ),
    (
        "api::invalid_email_is_422_naming_the_field",
        invalid_email_is_named,
    ),
    (
        "api::repeated_idempotency_key_stores_one_inquiry_and_answers_the_same",
        idempotent_retry,
    ),
    ("api::unknown_site_is_404_json", unknown_site_is_404_json),
    (
        "api::every_405_names_the_allowed_methods",
        every_405_names_the_allowed_methods,
    ),
    (
        "api::prerender_is_0_or_1_as_documented",
        prerender_is_0_or_1,
    ),
    (
        "api::the_served_document_is_valid_openapi_3_1",
        served_document_is_valid_openapi,
    ),
];

/// `/openapi.json` as served passes `openapi-spec-validator` (installed by `cargo xtask
/// setup` into .venv), which checks it against the OpenAPI 3.1 schema and resolves every
/// `$ref`.
fn served_document_is_valid_openapi(env: &Env, _site: &str) -> Result<()> {
    env.block_on(async {
        let doc = env
            .http
            .get(format!("{}/openapi.json", env.worker.origin))
            .send()
            .await?
            .text()
            .await?;
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("openapi.json");
        std::fs::write(&file, &doc)?;
        let validator = switchboard_tests::repo::path(".venv/bin/openapi-spec-validator");
        let out = std::process::Command::new(&validator)
            .arg(&file)
            .output()
            .map_err(|e| {
                Error::msg(format!(
                    "{}: {e}; run `cargo xtask setup`",
                    validator.display()
                ))
            })?;
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        ensure(out.status.success() && said.contains("OK"), || {
            format!("openapi-spec-validator: {}\n{said}", out.status)
        })
    })
}

/// The document lists `prerender` as 0 or 1; the server takes exactly those.
fn prerender_is_0_or_1(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        for (value, status, html) in [("1", 200, true), ("0", 200, false), ("", 200, false)] {
            let query = if value.is_empty() {
                String::new()
            } else {
                format!("?prerender={value}")
            };
            let answer = env.form(site, &query).await?;
            ensure(
                answer.status == status && answer.body["html"].is_string() == html,
                || format!("prerender={value:?}: {} {}", answer.status, answer.raw),
            )?;
        }
        for value in ["true", "2", "yes"] {
            let answer = env.form(site, &format!("?prerender={value}")).await?;
            ensure(
                answer.status == 400
                    && answer.body["error"]["code"] == "invalid_query"
                    && answer.body["error"]["fields"][0]["field"] == "prerender",
                || format!("prerender={value}: {} {}", answer.status, answer.raw),
            )?;
        }
        Ok(())
    })
}

/// RFC 9110: a 405 carries `Allow`. Every path of the served document, asked with each
/// method it does not document, answers 405 with an `Allow` that lists exactly the
/// documented methods (HEAD aside: it goes with GET where the server answers it).
fn every_405_names_the_allowed_methods(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let doc: Value = env
            .http
            .get(format!("{}/openapi.json", env.worker.origin))
            .send()
            .await?
            .json()
            .await?;
        let paths = doc["paths"]
            .as_object()
            .ok_or_else(|| Error::msg("the document has no paths"))?;
        let mut tried = 0;
        for (path, item) in paths {
            let mut documented: Vec<String> = item
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k.to_uppercase())
                .filter(|k| !matches!(k.as_str(), "PARAMETERS" | "SUMMARY" | "DESCRIPTION"))
                .collect();
            documented.sort();
            let url = format!(
                "{}{}",
                env.worker.origin,
                path.replace("{site}", site)
                    .replace("{reference}", "SB-2222-3333")
                    .replace("{token}", "abc.def")
                    .replace("{poc}", "support")
            );
            // QUERY and PROPFIND: methods the runtime passes on but `worker::Method` would
            // turn into GET.
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "QUERY", "PROPFIND"] {
                if documented.iter().any(|m| m == method) {
                    continue;
                }
                let resp = env
                    .http
                    .request(reqwest::Method::from_bytes(method.as_bytes())?, &url)
                    .header("origin", env.pages.origin())
                    .send()
                    .await?;
                let status = resp.status().as_u16();
                let mut allow: Vec<String> = resp
                    .headers()
                    .get("allow")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .split(',')
                    .map(|m| m.trim().to_owned())
                    // HEAD goes with GET where the server answers it; OpenAPI lists GET.
                    .filter(|m| !m.is_empty() && m != "HEAD")
                    .collect();
                allow.sort();
                let code = resp.json::<Value>().await.unwrap_or_default()["error"]["code"].clone();
                ensure(
                    status == 405 && allow == documented && code == "method_not_allowed",
                    || format!("{method} {path}: {status} {code}, Allow {allow:?}, documented {documented:?}"),
                )?;
                tried += 1;
            }
        }
        ensure(tried > 100, || format!("only {tried} wrong methods tried"))
    })
}

/// A draft every field of the fixture form accepts.
pub fn valid_fields() -> Value {
    json!({
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "topic": "support",
        "message": "The analytical engine prints nothing since this morning.",
    })
}

pub fn submission(key: &str, fields: Value) -> Value {
    json!({ "idempotency_key": key, "locale": "en", "time_zone": "Europe/London", "fields": fields })
}

fn valid_inquiry_is_accepted(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let form = env
            .form(site, "?locale=en&tz=Europe/London")
            .await?
            .expect_status(200, "GET form")?;
        let form: FormDefinition = serde_json::from_value(form.body)?;
        let support = form
            .topics
            .iter()
            .find(|t| t.topic == "support")
            .ok_or_else(|| {
                Error::msg(format!(
                    "the form lists no `support` topic: {:?}",
                    form.topics
                ))
            })?;

        let answer = env
            .submit(site, &submission(&format!("{site}-1"), valid_fields()))
            .await?;
        let answer = answer.expect_status(202, "valid inquiry")?;
        let accepted: SubmitAccepted =
            serde_json::from_value(answer.body.clone()).map_err(|e| {
                Error::msg(format!(
                    "202 body is not a SubmitAccepted ({e}): {}",
                    answer.raw
                ))
            })?;
        ensure(!accepted.reference.trim().is_empty(), || {
            format!("empty reference in {}", answer.raw)
        })?;
        ensure(
            accepted.poc == "support" && accepted.team == "Support",
            || {
                format!(
                    "expected poc support / team Support, got {} / {}",
                    accepted.poc, accepted.team
                )
            },
        )?;
        ensure(accepted.priority == "normal", || {
            format!("expected priority normal, got {}", accepted.priority)
        })?;
        // The promise made on submit is the one the form showed before it.
        ensure(accepted.expected.within == support.expected.within, || {
            format!(
                "expected `within` {:?} as the form said, got {:?}",
                support.expected.within, accepted.expected.within
            )
        })?;
        ensure(accepted.expected.open_now, || {
            "the always-open support POC is reported closed".to_owned()
        })?;
        ensure(!accepted.expected.sentence.is_empty(), || {
            "the expected response has no sentence".to_owned()
        })?;
        ensure(!accepted.expected.deadline.is_empty(), || {
            "the expected response has no deadline".to_owned()
        })?;
        Ok(())
    })
}

/// Checks a 422 whose error names `field` with `code`.
fn expect_field_error(
    answer: &switchboard_tests::admin::Answer,
    field: &str,
    code: &str,
) -> Result<()> {
    ensure(answer.status == 422, || {
        format!("expected 422, got {}: {}", answer.status, answer.raw)
    })?;
    let body: ErrorBody = serde_json::from_value(answer.body.clone()).map_err(|e| {
        Error::msg(format!(
            "error body is not {{\"error\":{{...}}}} ({e}): {}",
            answer.raw
        ))
    })?;
    ensure(body.error.code == "invalid_input", || {
        format!("expected code invalid_input, got {}", body.error.code)
    })?;
    let named = body.error.fields.iter().find(|f| f.field == field);
    ensure(
        named.is_some_and(|f| f.code == code && !f.message.is_empty()),
        || {
            format!(
                "expected a `{code}` error with a message on field `{field}`, got {:?}",
                body.error.fields
            )
        },
    )?;
    ensure(body.error.fields.len() == 1, || {
        format!("only `{field}` is wrong, got {:?}", body.error.fields)
    })
}

fn missing_email_is_named(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let mut fields = valid_fields();
        if let Some(map) = fields.as_object_mut() {
            map.remove("email");
        }
        let answer = env
            .submit(site, &submission(&format!("{site}-1"), fields))
            .await?;
        expect_field_error(&answer, "email", "required")?;
        let stored = env.admin.inquiries(&admin_site).await?;
        ensure(stored.is_empty(), || {
            format!("a refused inquiry was stored: {stored:?}")
        })
    })
}

fn invalid_email_is_named(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let mut fields = valid_fields();
        fields["email"] = json!("ada at example dot com");
        let answer = env
            .submit(site, &submission(&format!("{site}-1"), fields))
            .await?;
        expect_field_error(&answer, "email", "invalid_email")
    })
}

fn idempotent_retry(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let body = submission(&format!("{site}-once"), valid_fields());
        let first = env
            .submit(site, &body)
            .await?
            .expect_status(202, "first submit")?;
        let second = env.submit(site, &body).await?;
        ensure(
            second.status == first.status && second.raw == first.raw,
            || {
                format!(
                    "a retry must get the same answer:\n first: {} {}\nsecond: {} {}",
                    first.status, first.raw, second.status, second.raw
                )
            },
        )?;
        let stored = env.admin.inquiries(&admin_site).await?;
        ensure(stored.len() == 1, || {
            format!(
                "expected 1 stored inquiry, got {}: {stored:?}",
                stored.len()
            )
        })?;
        let reference = first.body["reference"].as_str().unwrap_or_default();
        ensure(stored[0]["reference"].as_str() == Some(reference), || {
            format!("stored inquiry {:?} is not {reference}", stored[0])
        })
    })
}

fn unknown_site_is_404_json(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        // Never provisioned: the site id is this trial's own.
        let answer = env.submit(site, &submission("k-1", valid_fields())).await?;
        ensure(answer.status == 404, || {
            format!("expected 404, got {}: {}", answer.status, answer.raw)
        })?;
        let body: ErrorBody = serde_json::from_value(answer.body.clone()).map_err(|e| {
            Error::msg(format!(
                "404 body is not an error JSON ({e}): {}",
                answer.raw
            ))
        })?;
        ensure(body.error.code == "site_not_found", || {
            format!("expected code site_not_found, got {}", body.error.code)
        })?;
        let form = env.form(site, "").await?;
        ensure(
            form.status == 404 && form.body["error"]["code"].is_string(),
            || {
                format!(
                    "GET form of an unknown site: expected 404 JSON, got {}: {}",
                    form.status, form.raw
                )
            },
        )
    })
}
