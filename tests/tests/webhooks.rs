//! Webhook delivery from the Worker's queue consumer to the local receiver, with signatures
//! checked by the `standardwebhooks` crate rather than by `shared::signing`, and the body
//! and headers by the `webhooks` schemas of the served /openapi.json.

use crate::abuse::Schemas;
use crate::api::{submission, valid_fields};
use crate::env::{Env, Test};
use serde_json::{Value, json};
use std::time::Duration;
use switchboard_tests::fixture::hook_path;
use switchboard_tests::receiver::{Behavior, Delivery, Signature};
use switchboard_tests::{Error, Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "webhooks::delivery_reaches_the_poc_with_a_valid_signature",
        delivery_is_signed,
    ),
    (
        "webhooks::failed_attempt_is_retried_with_the_same_webhook_id",
        failed_attempt_is_retried,
    ),
];

/// Local queues batch for up to a second and the Worker starts cold: allow for a slow machine.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);

/// True when `needle` appears as a string anywhere in `value`.
fn mentions(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s == needle,
        Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        Value::Object(map) => map.values().any(|v| mentions(v, needle)),
        _ => false,
    }
}

fn check_signed(d: &Delivery) -> Result<()> {
    ensure(d.signature == Signature::Valid, || {
        format!(
            "signature of {} is not valid: {:?}\nheaders: {:?}\nbody: {}",
            d.path,
            d.signature,
            d.headers,
            d.body_text()
        )
    })?;
    ensure(
        d.header("webhook-id")
            .is_some_and(|id| id.starts_with("msg_")),
        || {
            format!(
                "webhook-id should be msg_<inquiry id>, got {:?}",
                d.header("webhook-id")
            )
        },
    )?;
    ensure(
        d.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        || {
            format!(
                "content-type should be JSON, got {:?}",
                d.header("content-type")
            )
        },
    )
}

fn delivery_is_signed(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let mut fields = valid_fields();
        fields["topic"] = json!("billing");
        let answer = env
            .submit(site, &submission(&format!("{site}-1"), fields))
            .await?
            .expect_status(202, "submit")?;
        let reference = answer.body["reference"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        ensure(answer.body["poc"] == "billing", || {
            format!("expected the billing POC, got {}", answer.raw)
        })?;

        let path = hook_path(site, "billing");
        let deliveries = env.receiver.wait_for(&path, 1, DELIVERY_TIMEOUT).await?;
        let d = &deliveries[0];
        check_signed(d)?;
        ensure(d.method == "POST", || {
            format!("expected POST, got {}", d.method)
        })?;
        let body = d.json()?;
        ensure(body["type"] == "inquiry.routed", || {
            format!("expected type inquiry.routed, got {body}")
        })?;
        // The body and headers are what /openapi.json publishes under `webhooks`, and the
        // check does fail when they are not: a field the schema does not know, a missing one.
        let schemas = Schemas::fetch(env).await?;
        schemas.check_webhook(d, "inquiry.routed")?;
        let mut unknown = body.clone();
        unknown["data"]["surprise"] = json!(true);
        let mut missing = body.clone();
        if let Some(data) = missing["data"].as_object_mut() {
            data.remove("deadline");
        }
        for (control, what) in [(unknown, "an unknown field"), (missing, "no deadline")] {
            ensure(schemas.check_event(&control, what).is_err(), || {
                format!("the inquiry.routed schema accepts a body with {what}")
            })?;
        }
        ensure(
            body["timestamp"].is_string() || body["timestamp"].is_number(),
            || format!("no timestamp in {body}"),
        )?;
        ensure(mentions(&body["data"], &reference), || {
            format!("the payload does not carry reference {reference}: {body}")
        })?;
        ensure(d.body_text().contains("Ada Lovelace"), || {
            format!("the payload lacks the submitted name: {body}")
        })?;
        // Only the chosen POC hears about it.
        let elsewhere = env.receiver.deliveries(&hook_path(site, "support"));
        ensure(elsewhere.is_empty(), || {
            format!(
                "support got {} deliveries for a billing inquiry",
                elsewhere.len()
            )
        })
    })
}

fn failed_attempt_is_retried(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let path = hook_path(site, "support");
        env.receiver.set_behavior(&path, Behavior::DownFor(1));
        let admin_site = env.provision(site).await?;
        let answer = env
            .submit(site, &submission(&format!("{site}-1"), valid_fields()))
            .await?
            .expect_status(202, "submit")?;

        let deliveries = env.receiver.wait_for(&path, 2, DELIVERY_TIMEOUT).await?;
        let (first, second) = (&deliveries[0], &deliveries[1]);
        check_signed(first)?;
        check_signed(second)?;
        ensure(first.answered == 500 && second.answered == 200, || {
            format!(
                "expected a 500 then a 200, the receiver answered {} then {}",
                first.answered, second.answered
            )
        })?;
        ensure(
            first.header("webhook-id") == second.header("webhook-id"),
            || {
                format!(
                    "a retry must keep its webhook-id: {:?} then {:?}",
                    first.header("webhook-id"),
                    second.header("webhook-id")
                )
            },
        )?;

        // The admin view lists both attempts.
        let reference = answer.body["reference"].as_str().unwrap_or_default();
        let started = std::time::Instant::now();
        loop {
            let detail = env
                .admin
                .get(&admin_site, &format!("inquiries/{reference}"))
                .await?
                .expect_status(200, "inquiry detail")?;
            let attempts = find_array(&detail.body, "attempts").map_or(0, |a| a.len());
            if attempts >= 2 {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(20) {
                return Err(Error::msg(format!(
                    "expected 2 recorded attempts, the admin view shows {attempts}: {}",
                    detail.raw
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    })
}

/// The first array under `key` at any depth.
fn find_array<'a>(value: &'a Value, key: &str) -> Option<&'a Vec<Value>> {
    match value {
        Value::Object(map) => map
            .get(key)
            .and_then(Value::as_array)
            .or_else(|| map.values().find_map(|v| find_array(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find_array(v, key)),
        _ => None,
    }
}
