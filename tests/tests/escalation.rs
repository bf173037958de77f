//! Acknowledgement and escalation against the real Worker: the signed acknowledgement link
//! from a delivered webhook, and the cron trigger (`wrangler dev --test-scheduled`, fired
//! through `GET /__scheduled`) escalating an overdue, unacknowledged inquiry to the backup
//! POC's receiver exactly once, as a signed `inquiry.escalated` event in the envelope of
//! the inquiry's own webhook, and leaving the acknowledged one alone; and more finished
//! escalation ladders than one scan batch not starving a newer inquiry of its step.

use crate::abuse::Schemas;
use crate::env::{Env, Test};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use switchboard_edge::escalation;
use switchboard_tests::admin::Answer;
use switchboard_tests::fixture::{TEST_SECRET, hook_path};
use switchboard_tests::receiver::{self, Behavior, Delivery, Signature};
use switchboard_tests::{Error, Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "escalation::overdue_unacknowledged_inquiry_reaches_the_backup_once_acknowledged_one_never",
        overdue_inquiry_escalates_once,
    ),
    (
        "escalation::finished_ladders_do_not_starve_newer_inquiries_migration_0005",
        finished_ladders_do_not_starve,
    ),
    (
        "escalation::an_acknowledgement_records_who_and_how",
        acknowledgement_records_who,
    ),
    (
        "escalation::the_acknowledgement_page_in_chromium",
        acknowledgement_page_in_chromium,
    ),
];

/// The acknowledgement page a POC works from, in Chromium: the team, what the visitor
/// wrote, why it came here and the promise with the time left; acknowledging with a name;
/// a second visit saying who did; HTML pages for a forged and an erased link. axe-core
/// finds no violation on any of them.
fn acknowledgement_page_in_chromium(env: &Env, site: &str) -> Result<()> {
    use fantoccini::Locator;
    env.block_on(async {
        let admin = env.provision(site).await?;
        let mut fields = crate::api::valid_fields();
        fields["message"] = json!("The invoice for order 4711 is wrong.");
        fields["topic"] = json!("billing");
        let answer = env
            .submit(site, &crate::api::submission(&format!("{site}-0"), fields))
            .await?
            .expect_status(202, "submit")?;
        let reference = answer.body["reference"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let id = env
            .worker
            .d1_query(&format!(
                "SELECT id FROM inquiries WHERE site_id = '{site}' AND reference = '{reference}'"
            ))
            .await?
            .first()
            .and_then(|r| r["id"].as_str().map(str::to_owned))
            .ok_or_else(|| Error::msg("the inquiry is not stored"))?;
        let secret = switchboard_tests::repo::dev_var("ACK_TOKEN_SECRET")?;
        let token = switchboard_edge::ack::sign(&secret, &id);
        let url = format!("{}/v1/ack/{token}", env.worker.origin);
        let browser = switchboard_tests::browser::Browser::start().await?;
        let outcome = async {
            let b = &browser;
            let text = async || -> Result<String> {
                let t = b
                    .eval(
                        "const m = document.querySelector('main'); return m ? m.innerText : '';",
                        vec![],
                    )
                    .await?;
                Ok(t.as_str().unwrap_or_default().to_owned())
            };
            let clean = async |what: &str| -> Result<()> {
                let violations = crate::widget::axe(b).await?;
                ensure(violations.is_empty(), || {
                    format!("axe on {what}: {violations:#?}")
                })
            };
            b.client.goto(&url).await?;
            let page = text().await?;
            for part in [
                reference.as_str(),
                "Billing",
                "The invoice for order 4711 is wrong.",
                "owns topic `billing`",
                "(America/New_York)",
                "left",
            ] {
                ensure(page.contains(part), || {
                    format!("the page lacks {part:?}: {page}")
                })?;
            }
            let styled = b
                .eval(
                    "return getComputedStyle(document.querySelector('main')).maxWidth;",
                    vec![],
                )
                .await?;
            ensure(styled != json!("none"), || {
                format!("the widget's stylesheet did not apply: max-width {styled}")
            })?;
            clean("the open inquiry").await?;
            let name = b.client.find(Locator::Css("#name")).await?;
            name.send_keys("Grace Hopper").await?;
            b.client
                .find(Locator::Css("form button[type=submit]"))
                .await?
                .click()
                .await?;
            // The button posts and the browser loads the answer: wait for it rather than
            // read the page being left.
            let done = b
                .wait_for_js(
                    "const m = document.querySelector('main');                      return m && m.innerText.includes('Thank you: acknowledged.') ? m.innerText : null;",
                    Duration::from_secs(20),
                    "the page after acknowledging",
                )
                .await?;
            let done = done.as_str().unwrap_or_default();
            ensure(done.contains("by Grace Hopper"), || {
                format!("after acknowledging: {done}")
            })?;
            b.client.goto(&url).await?;
            let again = text().await?;
            ensure(
                again.contains("Already acknowledged.") && again.contains("by Grace Hopper"),
                || format!("a second visit: {again}"),
            )?;
            clean("the acknowledged inquiry").await?;

            let forged = format!(
                "{}/v1/ack/{}x",
                env.worker.origin,
                &token[..token.len() - 1]
            );
            b.client.goto(&forged).await?;
            let bad = text().await?;
            ensure(bad.contains("This link does not work"), || {
                format!("a forged link: {bad}")
            })?;
            clean("the forged link's page").await?;
            env.admin
                .delete(&admin, &format!("inquiries/{reference}"))
                .await?
                .expect_status(200, "erasing it")?;
            b.client.goto(&url).await?;
            let gone = text().await?;
            ensure(gone.contains("This inquiry is no longer here"), || {
                format!("an erased inquiry's link: {gone}")
            })?;
            clean("the erased inquiry's page").await
        }
        .await;
        browser.close().await;
        outcome
    })
}

/// The name typed on the acknowledgement page is kept (`acknowledged_by`, `via` link) and
/// shown on the next visit, in the admin view and the export; an admin API call without
/// a name is recorded as the site admin's, via `api`.
fn acknowledgement_records_who(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin = env.provision(site).await?;
        let mut references = Vec::new();
        for n in 0..2 {
            let answer = env
                .submit(
                    site,
                    &crate::api::submission(&format!("{site}-{n}"), crate::api::valid_fields()),
                )
                .await?
                .expect_status(202, "submit")?;
            references.push(
                answer.body["reference"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        let id = env
            .worker
            .d1_query(&format!(
                "SELECT id FROM inquiries WHERE site_id = '{site}' AND reference = '{}'",
                references[0]
            ))
            .await?
            .first()
            .and_then(|r| r["id"].as_str().map(str::to_owned))
            .ok_or_else(|| Error::msg("the first inquiry is not stored"))?;
        let secret = switchboard_tests::repo::dev_var("ACK_TOKEN_SECRET")?;
        let url = format!(
            "{}/v1/ack/{}",
            env.worker.origin,
            switchboard_edge::ack::sign(&secret, &id)
        );
        let form = env.http.get(&url).send().await?.text().await?;
        ensure(form.contains("name=\"name\""), || {
            format!("the page asks for no name: {form}")
        })?;
        let page = env
            .http
            .post(&url)
            .header("accept", "text/html")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=Grace+Hopper")
            .send()
            .await?
            .text()
            .await?;
        ensure(page.contains("Acknowledged by Grace Hopper at"), || {
            format!("after acknowledging: {page}")
        })?;
        let again = env.http.get(&url).send().await?.text().await?;
        ensure(
            again.contains("Already acknowledged.") && again.contains("by Grace Hopper"),
            || format!("a second visit: {again}"),
        )?;
        let detail = env
            .admin
            .get(&admin, &format!("inquiries/{}", references[0]))
            .await?
            .expect_status(200, "the inquiry")?;
        ensure(
            detail.body["inquiry"]["acknowledged_by"] == "Grace Hopper",
            || format!("the admin view: {}", detail.body["inquiry"]),
        )?;
        let by_api = env
            .admin
            .post(&admin, &format!("inquiries/{}/ack", references[1]), None)
            .await?
            .expect_status(200, "the admin acknowledgement")?;
        Schemas::fetch(env).await?.check(
            "Acknowledgement",
            &by_api,
            "the admin acknowledgement",
        )?;
        ensure(
            by_api.body["acknowledged_by"] == "site admin"
                && by_api.body["acknowledged_via"] == "api",
            || format!("the admin acknowledgement: {}", by_api.raw),
        )?;
        let export = env
            .admin
            .get_response(&admin, "export?format=csv")
            .await?
            .text()
            .await?;
        ensure(
            export
                .lines()
                .next()
                .is_some_and(|h| h.contains("acknowledged_by,target_met,escalations"))
                && export.contains("Grace Hopper")
                && export.contains("site admin"),
            || format!("the export: {export}"),
        )
    })
}

/// The owning POC's target: one minute on the calendar clock, so the test waits about a minute.
const TARGET: Duration = Duration::from_secs(60);
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);

/// A site whose `desk` POC promises a reply within a minute and is backed up by `lead`. Both
/// share the `gone` endpoint, which answers 410: the desk's deliveries disable it, so the
/// escalation must skip it. `lead` also has a Slack endpoint.
fn site_config(env: &Env, site: &str) -> String {
    let receiver = env.receiver.origin();
    let pages = env.pages.origin();
    format!(
        r#"site = "{site}"
name = "Escalation test site"
allowed_origins = ["{pages}"]
default_poc = "desk"

[abuse]
require_render_token = false
min_fill_seconds = 0
max_inquiries_per_12h = 1000
burst_limit = false

[form]
honeypot = "website"
fields = [
  {{ id = "name", kind = "text", label = "Name", required = true }},
  {{ id = "email", kind = "email", label = "Email", required = true }},
  {{ id = "message", kind = "long_text", label = "Message", required = true }},
]

[[pocs]]
id = "desk"
name = "Front desk"
kind = "support"
backup = "lead"
calendar = {{ time_zone = "Europe/Berlin", always_open = true }}
targets = {{ normal = "1m calendar" }}
endpoints = [
  {{ url = "{receiver}/hooks/{site}/desk", secrets = ["{TEST_SECRET}"] }},
  {{ url = "{receiver}/hooks/{site}/gone", secrets = ["{TEST_SECRET}"] }},
]
confirmation = {{ en = "Hello {{name}}: {{team}} answers {{reference}} by {{deadline}}." }}

[[pocs]]
id = "lead"
name = "Team lead"
kind = "support"
calendar = {{ time_zone = "Europe/Berlin", always_open = true }}
targets = {{ normal = "1d" }}
endpoints = [
  {{ url = "{receiver}/hooks/{site}/lead", secrets = ["{TEST_SECRET}"] }},
  {{ url = "{receiver}/hooks/{site}/slack-lead", secrets = ["{TEST_SECRET}"], format = "slack" }},
  {{ url = "{receiver}/hooks/{site}/gone", secrets = ["{TEST_SECRET}"] }},
]
"#
    )
}

fn fields(name: &str) -> Value {
    json!({
        "name": name,
        "email": "ada@example.com",
        "message": "Please call me back about my order.",
    })
}

fn kind(d: &Delivery) -> String {
    d.json()
        .ok()
        .and_then(|b| b["type"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The escalations under `path` (routed deliveries left out).
fn escalations(env: &Env, path: &str) -> Vec<Delivery> {
    env.receiver
        .deliveries(path)
        .into_iter()
        .filter(|d| kind(d) == "inquiry.escalated")
        .collect()
}

fn summary(ds: &[Delivery]) -> String {
    ds.iter()
        .map(|d| format!("{} {}", d.path, d.body_text()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A secret the endpoints do not have: a signature must not verify with it.
const OTHER_SECRET: &str = "whsec_bm90IHRoZSBlbmRwb2ludCdzIHNlY3JldCBrZXk=";

/// Checks the JSON escalation `d` of the `overdue` step from desk to lead as a POC's
/// receiver would: signed with the endpoint's secret like the inquiry's own delivery
/// `routed`, in the same versioned envelope with an id to drop duplicates by, and with
/// typed `data` about the step that carries the inquiry's own event whole. Returns the body.
fn check_escalation_event(d: &Delivery, site: &str, routed: &Delivery) -> Result<Value> {
    let mut headers = http::HeaderMap::new();
    for (name, value) in &d.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    let with_secret = receiver::verify(TEST_SECRET, &headers, &d.body);
    let with_other = receiver::verify(OTHER_SECRET, &headers, &d.body);
    ensure(
        with_secret == Signature::Valid && matches!(with_other, Signature::Invalid(_)),
        || {
            format!(
                "the escalation must verify with the endpoint's secret only: {with_secret:?}, other {with_other:?}"
            )
        },
    )?;
    let body = d.json()?;
    let inquiry_event = routed.json()?;
    let routed_id = routed.header("webhook-id").unwrap_or_default();
    let id = d.header("webhook-id").unwrap_or_default();
    ensure(
        inquiry_event["id"] == routed_id && id == format!("{routed_id}_overdue"),
        || {
            format!(
                "event ids: routed {routed_id:?} in a body with {}, escalation {id:?}",
                inquiry_event["id"]
            )
        },
    )?;
    let data = body["data"].clone();
    let mut envelope = body.clone();
    if let Some(map) = envelope.as_object_mut() {
        map.remove("data");
    }
    let expected = json!({"type": "inquiry.escalated", "version": 1, "id": id,
        "timestamp": data["escalated_at"]});
    ensure(envelope == expected, || {
        format!("escalation envelope:\n expected {expected}\n actual   {envelope}")
    })?;
    let inquiry = &inquiry_event["data"];
    let parse = |v: &Value| {
        v.as_str()
            .and_then(switchboard_edge::payload::parse_rfc3339_ms)
    };
    let overdue_ms = match (parse(&data["escalated_at"]), parse(&inquiry["deadline"])) {
        (Some(at), Some(deadline)) => at - deadline,
        _ => return Err(Error::msg(format!("escalation times: {data}"))),
    };
    ensure((0..300_000).contains(&overdue_ms), || {
        format!("the escalation should be taken just after the deadline: {overdue_ms} ms: {data}")
    })?;
    let reason = inquiry["routing"]["explanation"].as_str().map(str::trim);
    ensure(reason.is_some_and(|r| !r.is_empty()), || {
        format!("no routing explanation: {inquiry}")
    })?;
    let expected = json!({
        "reference": inquiry["reference"],
        "site": site,
        "level": "overdue",
        "step": 1,
        "owner": "desk",
        "escalated_from": "desk",
        "escalated_to": "lead",
        "escalated_at": data["escalated_at"],
        "deadline": inquiry["deadline"],
        "overdue_seconds": overdue_ms / 1000,
        "acknowledge_url": inquiry["acknowledge_url"],
        "routing_reason": reason,
        "inquiry": inquiry,
    });
    ensure(
        data == expected && inquiry["acknowledge_url"].is_string(),
        || format!("escalation data:\n expected {expected}\n actual   {data}"),
    )?;
    Ok(body)
}

fn overdue_inquiry_escalates_once(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let gone = hook_path(site, "gone");
        env.receiver.set_behavior(&gone, Behavior::Always(410));
        let admin_site = env.admin.provision(site, &site_config(env, site)).await?;
        let submitted = Instant::now();
        let mut answers = Vec::new();
        for (key, name) in [("late", "Ada"), ("acked", "Grace")] {
            let body = json!({ "idempotency_key": format!("{site}-{key}"), "locale": "en",
                "time_zone": "Europe/London", "fields": fields(name) });
            answers.push(env.submit(site, &body).await?.expect_status(202, "submit")?);
        }
        let reference = |a: &Answer| a.body["reference"].as_str().unwrap_or_default().to_owned();
        let (late, acked) = (reference(&answers[0]), reference(&answers[1]));

        // The 202 carries the owner's confirmation, rendered.
        let confirmation = answers[0].body["confirmation"].as_str().unwrap_or_default();
        ensure(
            confirmation.starts_with(&format!("Hello Ada: Front desk answers {late} by today at "))
                || confirmation.starts_with(&format!("Hello Ada: Front desk answers {late} by tomorrow at ")),
            || format!("unexpected confirmation in the 202: {}", answers[0].raw),
        )?;

        // Both are delivered to the desk, each with its confirmation and a signed ack link.
        let desk = hook_path(site, "desk");
        let lead = hook_path(site, "lead");
        let routed = env.receiver.wait_for(&desk, 2, DELIVERY_TIMEOUT).await?;
        let payload_of = |reference: &str| -> Result<Value> {
            routed
                .iter()
                .filter_map(|d| d.json().ok())
                .find(|b| b["data"]["reference"] == reference)
                .ok_or_else(|| Error::msg(format!("no delivery for {reference}: {}", summary(&routed))))
        };
        let late_payload = payload_of(&late)?;
        ensure(late_payload["data"]["confirmation"] == confirmation, || {
            format!("the webhook should carry the confirmation {confirmation:?}: {late_payload}")
        })?;
        let link = payload_of(&acked)?["data"]["acknowledge_url"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let path = link
            .find("/v1/ack/")
            .map(|i| link[i..].to_owned())
            .ok_or_else(|| Error::msg(format!("no acknowledgement link in the payload: {link:?}")))?;
        let ack_url = format!("{}{path}", env.worker.origin);

        // GET shows a page with a POST button and acknowledges nothing.
        let page = env.http.get(&ack_url).send().await?;
        let page_type = page
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let page_status = page.status().as_u16();
        let page_body = page.text().await?;
        ensure(
            page_status == 200 && page_type.starts_with("text/html") && page_body.contains("method=\"post\""),
            || format!("GET {path}: expected an HTML page with a POST form, got {page_status} {page_type}: {page_body}"),
        )?;
        let detail = env.admin.get(&admin_site, &format!("inquiries/{acked}")).await?.expect_status(200, "inquiry")?;
        ensure(detail.body["inquiry"]["acknowledged_at"].is_null(), || {
            format!("GET on the link must not acknowledge: {}", detail.raw)
        })?;

        // A forged token is refused with a 4xx JSON error.
        let forged = format!("{}{}x", env.worker.origin, path.trim_end_matches(|c: char| c != '.'));
        let refused = Answer::read(env.http.post(&forged).send().await?).await?;
        ensure(refused.status == 400 && refused.body["error"]["code"] == "invalid_ack_token", || {
            format!("a forged token should get 400 invalid_ack_token, got {}: {}", refused.status, refused.raw)
        })?;

        // POST acknowledges, in time; again, it answers the first acknowledgement.
        let first = Answer::read(env.http.post(&ack_url).send().await?).await?.expect_status(200, "POST ack")?;
        ensure(first.body["acknowledged"] == true && first.body["target_met"] == true, || {
            format!("expected an acknowledgement within the target: {}", first.raw)
        })?;
        let again = Answer::read(env.http.post(&ack_url).send().await?).await?.expect_status(200, "POST ack again")?;
        ensure(again.body["acknowledged_at"] == first.body["acknowledged_at"], || {
            format!("acknowledging twice must keep the first time: {} then {}", first.raw, again.raw)
        })?;

        // Past the deadline (plus slack for the clocks), fire the cron several times.
        let wait = (TARGET + Duration::from_secs(2)).saturating_sub(submitted.elapsed());
        tokio::time::sleep(wait).await;
        for _ in 0..3 {
            env.fire_cron().await?;
        }
        env.receiver.wait_for(&lead, 1, DELIVERY_TIMEOUT).await?;
        // More runs, and time for a duplicate to arrive if one were sent.
        for _ in 0..2 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            env.fire_cron().await?;
        }
        tokio::time::sleep(Duration::from_secs(4)).await;

        let at_lead = escalations(env, &lead);
        ensure(at_lead.len() == 1, || {
            format!("expected exactly one escalation at the backup, got {}:\n{}", at_lead.len(), summary(&at_lead))
        })?;
        let late_routed = routed
            .iter()
            .find(|d| d.json().is_ok_and(|b| b["data"]["reference"] == late.as_str()))
            .ok_or_else(|| Error::msg(format!("no delivery for {late}: {}", summary(&routed))))?;
        let body = check_escalation_event(&at_lead[0], site, late_routed)?;
        // Both events, the inquiry's own with its confirmation and acknowledgement link, are
        // what /openapi.json publishes under `webhooks`.
        let schemas = Schemas::fetch(env).await?;
        schemas.check_webhook(&at_lead[0], "inquiry.escalated")?;
        for d in &routed {
            schemas.check_webhook(d, "inquiry.routed with an acknowledgement link")?;
        }
        // The Slack endpoint got the escalation as a Slack message, not as the JSON event.
        let slack_lead = hook_path(site, "slack-lead");
        let at_slack = env.receiver.wait_for(&slack_lead, 1, DELIVERY_TIMEOUT).await?;
        ensure(at_slack.len() == 1, || {
            format!("expected one Slack escalation, got {}:\n{}", at_slack.len(), summary(&at_slack))
        })?;
        let slack = at_slack[0].json()?;
        let slack_text = slack.to_string();
        ensure(
            at_slack[0].signature == Signature::Valid
                && slack["type"].is_null()
                && slack["blocks"].is_array()
                && slack["text"].as_str().is_some_and(|t| t.starts_with(&format!("Escalated inquiry {late} for Front desk")))
                && slack_text.contains("Team lead"),
            || format!("expected a signed Slack message about the escalation of {late} to Team lead: {slack}"),
        )?;
        // It links to the same acknowledgement page as the JSON escalation, so a POC on
        // Slack can acknowledge.
        let late_ack = body["data"]["inquiry"]["acknowledge_url"].as_str().unwrap_or_default();
        ensure(
            late_ack.contains("/v1/ack/") && slack_text.contains(&format!("<{late_ack}|Acknowledge>")),
            || format!("the Slack escalation should link to {late_ack:?}: {slack}"),
        )?;
        // The 410 endpoint was disabled by the desk's deliveries and skipped by the escalation.
        let at_gone = env.receiver.deliveries(&gone);
        ensure(!at_gone.is_empty() && at_gone.iter().all(|d| kind(d) == "inquiry.routed"), || {
            format!("the disabled endpoint must get no escalation:\n{}", summary(&at_gone))
        })?;

        // The acknowledged inquiry was escalated nowhere.
        let everywhere = escalations(env, &format!("/hooks/{site}/"));
        ensure(!everywhere.iter().any(|d| d.body_text().contains(&acked)), || {
            format!("the acknowledged inquiry {acked} was escalated:\n{}", summary(&everywhere))
        })?;

        // The admin view records the step and, after an admin acknowledgement, the miss.
        let detail = env.admin.get(&admin_site, &format!("inquiries/{late}")).await?.expect_status(200, "inquiry")?;
        let steps = detail.body["escalations"].as_array().cloned().unwrap_or_default();
        ensure(
            steps.len() == 1 && steps[0]["level"] == "overdue" && steps[0]["target_poc"] == "lead",
            || format!("expected one recorded `overdue` step to lead: {}", detail.raw),
        )?;
        let resp = env
            .http
            .post(format!("{}/v1/admin/sites/{site}/inquiries/{late}/ack", env.worker.origin))
            .bearer_auth(&admin_site.admin_key)
            .send()
            .await?;
        let acked_late = Answer::read(resp).await?.expect_status(200, "admin ack")?;
        ensure(acked_late.body["target_met"] == false, || {
            format!("an acknowledgement after the deadline misses the target: {}", acked_late.raw)
        })?;
        let detail = env.admin.get(&admin_site, &format!("inquiries/{acked}")).await?.expect_status(200, "inquiry")?;
        ensure(
            detail.body["inquiry"]["acknowledged_at"].is_string() && detail.body["inquiry"]["target_met"] == true,
            || format!("the admin view should show the acknowledgement and the met target: {}", detail.raw),
        )
    })
}

/// Finished ladders ahead of the scan's batch: one more than a cron run looks at.
const FINISHED: usize = escalation::BATCH as usize + 1;

/// Migration 0005: an inquiry whose ladder is finished stays unacknowledged and within 30
/// days of its deadline, but the scan must not pick it again. With more finished ladders
/// than one batch, all with earlier deadlines, the newest inquiry still gets its step.
fn finished_ladders_do_not_starve(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.admin.provision(site, &site_config(env, site)).await?;
        // At the desk, whose only backup is the lead: `overdue` finishes each ladder.
        for n in 0..FINISHED {
            let body = json!({ "idempotency_key": format!("{site}-{n}"), "locale": "en",
                "fields": fields("Filler") });
            env.submit(site, &body).await?.expect_status(202, "submit")?;
        }
        let submitted = Instant::now();
        let body = json!({ "idempotency_key": format!("{site}-newest"), "locale": "en",
            "fields": fields("Newest") });
        let newest = env.submit(site, &body).await?.expect_status(202, "submit")?;
        let newest = newest.body["reference"].as_str().unwrap_or_default().to_owned();

        tokio::time::sleep((TARGET + Duration::from_secs(2)).saturating_sub(submitted.elapsed())).await;
        let lead = hook_path(site, "lead");
        let of_newest = |env: &Env| {
            escalations(env, &lead)
                .into_iter()
                .filter(|d| d.json().is_ok_and(|b| b["data"]["reference"] == newest.as_str()))
                .count()
        };
        // Each run looks at one batch; two are enough once finished ladders are left out.
        let started = Instant::now();
        while of_newest(env) == 0 {
            ensure(started.elapsed() < DELIVERY_TIMEOUT, || {
                let references: std::collections::BTreeSet<String> = escalations(env, &lead)
                    .iter()
                    .filter_map(|d| d.json().ok()?["data"]["reference"].as_str().map(str::to_owned))
                    .collect();
                format!(
                    "the newest inquiry {newest} was never escalated; {} of the {FINISHED} earlier ones were",
                    references.len()
                )
            })?;
            env.fire_cron().await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        // No inquiry's step went out twice.
        let all = escalations(env, &lead);
        let mut ids: Vec<&str> = all.iter().filter_map(|d| d.header("webhook-id")).collect();
        ids.sort_unstable();
        let total = ids.len();
        ids.dedup();
        ensure(ids.len() == total && of_newest(env) == 1, || {
            format!("{total} escalations at the lead, {} distinct", ids.len())
        })
    })
}
