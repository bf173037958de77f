//! The promise before sending is the promise kept (issue 19): `POST /v1/sites/{site}/preview`
//! answers what a submit at that instant answers, for 50 drafts through the real Worker;
//! it stores nothing, says no more than a submit's answer and refuses bad input with typed
//! 4xx; and in Chromium the hint follows a rule on the email domain before sending (and
//! the success view agrees), while typing inside one field asks for no preview.

use crate::env::{Env, Test};
use fantoccini::Locator;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use switchboard_tests::browser::Browser;
use switchboard_tests::pages::host_page;
use switchboard_tests::{Error, Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "preview::fifty_drafts_preview_as_they_submit",
        fifty_drafts_preview_as_they_submit,
    ),
    (
        "preview::stores_nothing_reveals_no_rules_and_refuses_bad_input",
        stores_nothing_and_refuses_bad_input,
    ),
    (
        "preview::hint_follows_the_email_domain_rule_before_sending",
        hint_follows_the_email_domain_rule,
    ),
    (
        "preview::an_away_poc_passes_to_its_backup_through_the_cli",
        away_through_the_cli,
    ),
    (
        "preview::continuity_keeps_a_returning_submitter",
        continuity_keeps_a_returning_submitter,
    ),
];

/// With `[continuity] mode = "last_poc"`, a submitter's second inquiry goes to the POC that
/// acknowledged their first, whatever its topic, with the reason in its routing, and the
/// preview says so; on a site without continuity it routes by topic.
fn continuity_keeps_a_returning_submitter(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let off = format!("{site}-off");
        let on = env
            .admin
            .provision(
                site,
                &format!(
                    "{}\n[continuity]\nmode = \"last_poc\"\n",
                    env.site_config(site)?
                ),
            )
            .await?;
        env.provision(&off).await?;
        let body = |topic: &str, key: &str| {
            json!({ "idempotency_key": key, "locale": "en", "fields": {
                "name": "Ada", "email": "ada@example.com", "topic": topic,
                "message": "A follow-up on my last message." } })
        };
        for (site_id, stays) in [(site, true), (off.as_str(), false)] {
            let first = env
                .submit(site_id, &body("billing", &format!("{site_id}-1")))
                .await?
                .expect_status(202, "the first inquiry")?;
            ensure(first.body["poc"] == "billing", || {
                format!("the first inquiry: {}", first.raw)
            })?;
            let expected = if stays { "billing" } else { "support" };
            let preview = env
                .preview(site_id, &body("support", ""))
                .await?
                .expect_status(200, "the preview")?;
            ensure(preview.body["poc"] == expected, || {
                format!("{site_id}: the preview of the second: {}", preview.raw)
            })?;
            let second = env
                .submit(site_id, &body("support", &format!("{site_id}-2")))
                .await?
                .expect_status(202, "the second inquiry")?;
            ensure(second.body["poc"] == expected, || {
                format!("{site_id}: the second inquiry: {}", second.raw)
            })?;
            if stays {
                let reference = second.body["reference"].as_str().unwrap_or_default();
                let detail = env
                    .admin
                    .get(&on, &format!("inquiries/{reference}"))
                    .await?
                    .expect_status(200, "the second inquiry's detail")?;
                let why = detail.body["routing"]["explanation"].to_string();
                ensure(
                    why.contains("returning submitter: kept with `billing`"),
                    || format!("the routing explanation: {why}"),
                )?;
            }
        }
        Ok(())
    })
}

/// `switchboard away billing`: the next billing inquiry goes to its backup (support), with
/// the reason in its routing and support's deadline, and the preview says so; the list
/// and GET config show the switch; `switchboard back` routes to billing again; a switch
/// that runs out ends by itself.
fn away_through_the_cli(env: &Env, site: &str) -> Result<()> {
    let admin = env.block_on(env.provision(site))?;
    let billing = json!({ "locale": "en", "fields": {
        "name": "Ada", "email": "ada@example.com", "topic": "billing",
        "message": "A question about the last invoice." } });
    let submit = |key: &str| {
        let mut body = billing.clone();
        body["idempotency_key"] = json!(format!("{site}-{key}"));
        env.block_on(async {
            env.submit(site, &body)
                .await?
                .expect_status(202, &format!("submit {key}"))
        })
    };
    let previewed = || {
        env.block_on(async {
            env.preview(site, &billing)
                .await?
                .expect_status(200, "preview")
        })
    };
    ensure(submit("before")?.body["poc"] == "billing", || {
        "billing inquiries go to billing".to_owned()
    })?;

    let until = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(2))?
        .to_string();
    let said = crate::inquiries::cli(
        &env.admin,
        &admin,
        &[
            "away",
            "billing",
            "--until",
            &until,
            "--note",
            "parental leave",
        ],
    )?;
    ensure(said.contains("billing is away until"), || {
        format!("switchboard away said {said:?}")
    })?;
    ensure(previewed()?.body["poc"] == "support", || {
        "the preview does not route around the away POC".to_owned()
    })?;
    let sent = submit("away")?;
    // Support's 4-hour target, not billing's day.
    let deadline: jiff::Timestamp = sent.body["expected"]["deadline"]
        .as_str()
        .unwrap_or_default()
        .parse()?;
    let hours = deadline.duration_since(jiff::Timestamp::now()).as_hours();
    ensure(
        sent.body["poc"] == "support" && (3..=4).contains(&hours),
        || format!("while billing is away: {}", sent.raw),
    )?;
    let reference = sent.body["reference"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    env.block_on(async {
        let one = env
            .admin
            .get(&admin, &format!("inquiries/{reference}"))
            .await?
            .expect_status(200, "the inquiry")?;
        let why = one.body["routing"]["explanation"].to_string();
        ensure(why.contains("`billing` is away until"), || {
            format!("the routing explanation: {why}")
        })?;
        let list = env
            .admin
            .get(&admin, "inquiries")
            .await?
            .expect_status(200, "the list")?;
        ensure(
            list.body["away"][0]["poc"] == "billing"
                && list.body["away"][0]["note"] == "parental leave",
            || format!("the list's away: {}", list.body["away"]),
        )?;
        let config = env
            .admin
            .get_response(&admin, "config")
            .await?
            .text()
            .await?;
        ensure(
            config.starts_with("# away now (switchboard away): billing until"),
            || format!("GET config: {}", config.lines().next().unwrap_or_default()),
        )
    })?;

    let said = crate::inquiries::cli(&env.admin, &admin, &["back", "billing"])?;
    ensure(said.contains("billing is back"), || {
        format!("switchboard back said {said:?}")
    })?;
    ensure(submit("back")?.body["poc"] == "billing", || {
        "after `back`, billing inquiries go to billing".to_owned()
    })?;

    // A switch that runs out: away for 3 seconds, then back without anyone asking.
    let soon = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(3))?
        .to_string();
    crate::inquiries::cli(&env.admin, &admin, &["away", "billing", "--until", &soon])?;
    ensure(submit("brief")?.body["poc"] == "support", || {
        "during a short switch billing inquiries go to support".to_owned()
    })?;
    std::thread::sleep(Duration::from_secs(4));
    ensure(submit("ran-out")?.body["poc"] == "billing", || {
        "the switch did not end by itself".to_owned()
    })
}

/// The fixture plus a key-account team in Tokyo office hours, which a rule on the email
/// domain picks whatever the topic: the case a per-topic hint gets wrong.
async fn provision_with_key_accounts(env: &Env, site: &str) -> Result<()> {
    let receiver = env.receiver.origin();
    let secret = switchboard_tests::fixture::TEST_SECRET;
    let config = format!(
        r#"{base}
[[pocs]]
id = "keys"
name = "Key accounts"
kind = "account_manager"
scope = "Contracts and projects of our key accounts"
calendar = {{ time_zone = "Asia/Tokyo", hours = {{ mon = ["09:00-18:00"], tue = ["09:00-18:00"], wed = ["09:00-18:00"], thu = ["09:00-18:00"], fri = ["09:00-18:00"] }} }}
targets = {{ normal = "4h", high = "2h" }}
endpoints = [{{ url = "{receiver}/hooks/{site}/keys", secrets = ["{secret}"] }}]

[[rules]]
id = "key-accounts"
when = {{ email_domain = ["bigcorp.example"] }}
route = "keys"

[[rules]]
id = "invoices-are-high"
when = {{ all = [{{ topic = "billing" }}, {{ field_contains = {{ field = "message", value = "invoice" }} }}] }}
priority = "high"
"#,
        base = env.site_config(site)?
    );
    env.admin.provision(site, &config).await?;
    Ok(())
}

/// What a visitor is told, comparable between a preview and a submit.
fn told(body: &Value) -> (String, String, String, String) {
    let s = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
    (s("poc"), s("team"), s("scope"), s("priority"))
}

fn fifty_drafts_preview_as_they_submit(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        provision_with_key_accounts(env, site).await?;
        let emails = [
            "ada@example.com",
            "grace@bigcorp.example",
            "linus@eu.bigcorp.example",
            "anna@bücher.example",
            "joan@BIGCORP.example",
        ];
        let topics = ["support", "billing"];
        let messages = [
            "The analytical engine prints nothing since this morning.",
            "Our service is down, please help.",
            "A question about the last invoice we received.",
            "Bitte um Rückruf wegen der Rechnung.",
            "Just saying hello to the team.",
        ];
        let locales = ["en", "de", "fr", "es"];
        let zones = ["Europe/London", "Asia/Tokyo", "America/New_York"];
        let mut routed_to = std::collections::BTreeSet::new();
        for i in 0..50 {
            let fields = json!({
                "name": format!("Visitor {i}"),
                "email": emails[i % emails.len()],
                "topic": topics[(i / 5) % topics.len()],
                "message": messages[(i / 2) % messages.len()],
            });
            let body = json!({
                "idempotency_key": format!("{site}-{i}"),
                "locale": locales[i % locales.len()],
                "time_zone": zones[i % zones.len()],
                "fields": fields,
            });
            let started = Instant::now();
            let preview = env
                .preview(site, &body)
                .await?
                .expect_status(200, "POST preview")?;
            let submitted = env
                .submit(site, &body)
                .await?
                .expect_status(202, "POST inquiries")?;
            let apart = started.elapsed();
            ensure(told(&preview.body) == told(&submitted.body), || {
                format!(
                    "draft {i}: the preview told {:?}, the submit {:?}",
                    told(&preview.body),
                    told(&submitted.body)
                )
            })?;
            // The same instant, up to the time between the two requests: a team that is
            // open moves its deadline with the clock, a closed one not at all.
            let at = |b: &Value| {
                b["expected"]["deadline"]
                    .as_str()
                    .and_then(|d| d.parse::<jiff::Timestamp>().ok())
                    .ok_or_else(|| Error::msg(format!("draft {i}: no deadline in {b}")))
            };
            let gap = at(&submitted.body)?.duration_since(at(&preview.body)?);
            ensure(
                gap >= jiff::SignedDuration::ZERO && gap <= jiff::SignedDuration::try_from(apart)?,
                || format!("draft {i}: the deadlines are {gap} apart, the requests {apart:?}"),
            )?;
            routed_to.insert(told(&submitted.body).0);
        }
        ensure(routed_to.len() == 3, || {
            format!(
                "the drafts reached only {routed_to:?}; the trial needs support, billing and keys"
            )
        })
    })
}

fn stores_nothing_and_refuses_bad_input(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        provision_with_key_accounts(env, site).await?;
        // A half-filled form: an address still being typed and no message yet.
        let draft = json!({ "locale": "de", "time_zone": "Europe/Berlin",
            "fields": { "topic": "support", "email": "grace@bigcorp" } });
        let answer = env
            .preview(site, &draft)
            .await?
            .expect_status(200, "preview of a half-filled form")?;
        ensure(answer.body["poc"] == "support", || {
            format!("an unfinished address routes by topic: {}", answer.body)
        })?;
        let done = json!({ "locale": "de", "fields": { "topic": "support", "email": "grace@bigcorp.example" } });
        let answer = env
            .preview(site, &done)
            .await?
            .expect_status(200, "preview at a key-account address")?;
        let keys: Vec<&str> = answer
            .body
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        ensure(
            answer.body["poc"] == "keys"
                && keys == ["expected", "poc", "priority", "scope", "team", "topic"],
            || format!("the preview answer holds {keys:?}: {}", answer.body),
        )?;
        let text = answer.body.to_string();
        ensure(
            !text.contains("key-accounts") && !text.contains("bigcorp"),
            || format!("the preview reveals the rule: {text}"),
        )?;
        let schemas = crate::abuse::Schemas::fetch(env).await?;
        schemas.check("PreviewAnswer", &answer, "preview answer")?;

        // Typed refusals, never a 5xx.
        let refusals = [
            (
                json!({ "fields": { "nope": "x" } }),
                422,
                "invalid_input",
                "an unknown field",
            ),
            (json!({ "fields": 3 }), 400, "invalid_request", "fields not an object"),
            (json!({ "extra": 1, "fields": {} }), 400, "unknown_field", "an unknown member"),
        ];
        for (body, status, code, what) in refusals {
            let answer = env.preview(site, &body).await?;
            ensure(
                answer.status == status && answer.body["error"]["code"] == code,
                || format!("{what}: {} {}", answer.status, answer.body),
            )?;
        }
        let url = format!("{}/v1/sites/{site}/preview", env.worker.origin);
        let plain = env
            .http
            .post(&url)
            .header("origin", env.pages.origin())
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await?;
        ensure(plain.status() == 415, || {
            format!("text/plain: {}", plain.status())
        })?;
        let get = env
            .http
            .get(&url)
            .header("origin", env.pages.origin())
            .send()
            .await?;
        ensure(get.status() == 405, || format!("GET: {}", get.status()))?;
        let foreign = env
            .http
            .post(&url)
            .header("origin", "https://evil.example")
            .json(&done)
            .send()
            .await?;
        ensure(foreign.status() == 403, || {
            format!("a foreign origin: {}", foreign.status())
        })?;
        let preflight = env
            .http
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", env.pages.origin())
            .header("access-control-request-method", "POST")
            .send()
            .await?;
        ensure(
            preflight.status() == 204
                && preflight
                    .headers()
                    .get("access-control-allow-origin")
                    .is_some(),
            || format!("preflight: {} {:?}", preflight.status(), preflight.headers()),
        )?;
        let unknown = env.preview("t-no-such-site", &done).await?;
        ensure(unknown.status == 404, || {
            format!("an unknown site: {}", unknown.status)
        })?;

        let stored = env
            .worker
            .d1_query(&format!(
                "SELECT COUNT(*) AS n FROM inquiries WHERE site_id = '{site}'"
            ))
            .await?;
        ensure(stored.first().is_some_and(|r| r["n"] == 0), || {
            format!("previews stored something: {stored:?}")
        })
    })
}

/// The hint's text, or `null` before the widget drew it.
const HINT: &str = "const r = document.querySelector('switchboard-form'); \
    const h = r && r.shadowRoot && r.shadowRoot.querySelector('[part=\"topic-hint\"]'); \
    return h ? h.textContent : null;";
/// Preview requests the page made so far.
const PREVIEWS: &str = "return performance.getEntriesByType('resource').filter(e => e.name.includes('/preview')).length;";

fn hint_follows_the_email_domain_rule(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        provision_with_key_accounts(env, site).await?;
        let html = host_page(&env.worker.origin, site, "", "<main><h1>Contact</h1></main>");
        let url = env.pages.put(&format!("/preview/{site}.html"), html);
        let browser = Browser::start().await?;
        let outcome = async {
            let b = &browser;
            b.client.goto(&url).await?;
            let root = b.widget(Duration::from_secs(30)).await?;
            let wait = Duration::from_secs(15);
            let field = async |name: &str| b.find_in(&root, &format!("[name=\"{name}\"]"), wait).await;
            let hint_says = async |text: &str, what: &str| {
                b.wait_for_js(
                    &format!(
                        "const t = (() => {{ {HINT} }})(); return t && t.includes({}) ? t : null;",
                        json!(text)
                    ),
                    wait,
                    what,
                )
                .await
            };
            let topic = field("topic").await?;
            if topic.tag_name().await?.eq_ignore_ascii_case("select") {
                topic.select_by_value("support").await?;
            } else {
                root.find(Locator::Css("[name=\"topic\"][value=\"support\"]"))
                    .await?
                    .click()
                    .await?;
            }
            hint_says("Support", "the support topic's hint").await?;

            let email = field("email").await?;
            email.click().await?;
            email.send_keys("grace@bigcorp.example").await?;
            let before_blur = b.eval(PREVIEWS, vec![]).await?;
            field("name").await?.click().await?;
            let keys = hint_says("Key accounts", "the key-account hint after the address").await?;
            let keys = keys.as_str().unwrap_or_default().to_owned();
            ensure(keys.contains("Contracts and projects"), || {
                format!("the hint lacks the team's scope: {keys:?}")
            })?;

            // Typing inside one field asks nothing; neither does leaving a field no rule reads.
            let counted = b.eval(PREVIEWS, vec![]).await?;
            let name = field("name").await?;
            name.send_keys("Grace Hopper").await?;
            let message = field("message").await?;
            message.click().await?;
            message
                .send_keys("We need a quote for forty more robot arms.")
                .await?;
            tokio::time::sleep(Duration::from_millis(800)).await;
            let after_typing = b.eval(PREVIEWS, vec![]).await?;
            ensure(after_typing == counted, || {
                format!("typing asked for previews: {counted} before, {after_typing} after (and {before_blur} before the address left its field)")
            })?;

            // Another domain turns the hint back.
            email.clear().await?;
            email.send_keys("grace@example.com").await?;
            message.click().await?;
            hint_says("Support", "the hint back at support").await?;
            email.clear().await?;
            email.send_keys("grace@bigcorp.example").await?;
            message.click().await?;
            let promised = hint_says("Key accounts", "the key-account hint again").await?;

            b.find_in(&root, "button[part=\"submit\"]", wait)
                .await?
                .click()
                .await?;
            let success = b
                .find_in(&root, "[part=\"success\"]", wait)
                .await?
                .text()
                .await?;
            ensure(
                success.contains("Key accounts") && success.contains("Contracts and projects"),
                || format!("the success view after the hint {promised}: {success:?}"),
            )?;
            let stored = env
                .worker
                .d1_query(&format!(
                    "SELECT poc FROM inquiries WHERE site_id = '{site}'"
                ))
                .await?;
            ensure(
                stored.len() == 1 && stored[0]["poc"] == "keys",
                || format!("stored: {stored:?}"),
            )
        }
        .await;
        browser.close().await;
        outcome
    })
}
