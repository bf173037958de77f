//! The site owner's admin API on the real Worker: a pushed config takes effect, a bad push
//! is refused with located errors while the old config stays live, wrong keys get 401, and
//! the inquiry list filters by POC. A config changed behind the Worker's back (as through
//! another isolate) reaches form definitions after one answer from the kept copy. Config
//! versions are listed, read and rolled back to, and a push naming a version that is no
//! longer live is refused.

use crate::abuse::Schemas;
use crate::api::{submission, valid_fields};
use crate::env::{Env, Test};
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_shared::api::ErrorBody;
use switchboard_tests::admin::{Answer, Site};
use switchboard_tests::fixture::TEST_SECRET;
use switchboard_tests::{Error, Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "admin::pushed_config_takes_effect",
        pushed_config_takes_effect,
    ),
    (
        "admin::bad_push_is_refused_and_the_old_config_stays_live",
        bad_push_keeps_old_config,
    ),
    ("admin::wrong_keys_get_401", wrong_keys_get_401),
    ("admin::inquiry_list_filters_by_poc", list_filters_by_poc),
    (
        "admin::config_changed_elsewhere_reaches_the_form_after_one_stale_answer",
        config_changed_elsewhere,
    ),
    (
        "admin::config_versions_roll_back_and_stale_pushes_are_refused",
        config_history,
    ),
    (
        "admin::a_config_pushed_as_json_is_the_toml_config",
        json_config_push,
    ),
    (
        "admin::report_figures_equal_counts_made_here",
        report_figures,
    ),
];

/// Nearest-rank percentile of sorted minutes, as the report defines it.
fn nearest_rank(sorted: &[i64], p: usize) -> serde_json::Value {
    if sorted.is_empty() {
        return serde_json::Value::Null;
    }
    json!(sorted[(p * sorted.len()).div_ceil(100).max(1) - 1])
}

/// 20 inquiries with known submission, deadline and acknowledgement times (some in time,
/// some late, some never), failed deliveries and escalations written straight into D1:
/// every figure of `GET …/report?by=poc` equals a count made here, and `switchboard
/// report` prints the same in its table.
fn report_figures(env: &Env, site: &str) -> Result<()> {
    let admin = env.block_on(async {
        let admin = env.provision(site).await?;
        for i in 0..20 {
            let mut fields = valid_fields();
            fields["topic"] = json!(if i % 3 == 0 { "billing" } else { "support" });
            env.submit(site, &submission(&format!("{site}-{i}"), fields))
                .await?
                .expect_status(202, "submit")?;
        }
        // Deliveries settle first, so nothing changes the rows after they are set.
        let started = Instant::now();
        loop {
            let pending = env
                .worker
                .d1_query(&format!(
                    "SELECT COUNT(*) AS n FROM inquiries WHERE site_id = '{site}' AND status = 'pending'"
                ))
                .await?;
            if pending.first().is_some_and(|r| r["n"] == 0) {
                break;
            }
            // Other trials share the queue (the outage trial sends 1,000): allow for them.
            ensure(started.elapsed() < Duration::from_secs(180), || {
                "deliveries did not settle in 180 s".to_owned()
            })?;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        Ok::<_, Error>(admin)
    })?;
    let ids: Vec<(String, String)> = env.block_on(async {
        let rows = env
            .worker
            .d1_query(&format!(
                "SELECT id, poc FROM inquiries WHERE site_id = '{site}' ORDER BY submitted_ms, id"
            ))
            .await?;
        Ok::<_, Error>(
            rows.iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap_or_default().to_owned(),
                        r["poc"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
        )
    })?;
    ensure(ids.len() == 20, || {
        format!("{} inquiries stored", ids.len())
    })?;
    const MIN: i64 = 60_000;
    let t0 = jiff::Timestamp::now().as_millisecond() - 10 * 24 * 60 * MIN;
    // Per POC: inquiries, acknowledged, in time, open past deadline, escalations, failed,
    // and the minutes to acknowledge.
    #[derive(Default)]
    struct Count {
        inquiries: i64,
        acked: i64,
        in_time: i64,
        open_late: i64,
        escalations: i64,
        failed: i64,
        minutes: Vec<i64>,
    }
    let mut counts: std::collections::BTreeMap<String, Count> = Default::default();
    for (i, (id, poc)) in ids.iter().enumerate() {
        let i = i as i64;
        let submitted = t0 + i * 60 * MIN;
        let deadline = submitted + 60 * MIN;
        let acked = match i % 4 {
            0 => None,
            1 => Some(submitted + 30 * MIN),
            2 => Some(submitted + 90 * MIN),
            _ => Some(submitted + 45 * MIN),
        };
        let failed = i % 5 == 0;
        let escalated = if acked.is_none() { 1 + i % 2 } else { 0 };
        let c = counts.entry(poc.clone()).or_default();
        c.inquiries += 1;
        c.failed += i64::from(failed);
        c.escalations += escalated;
        match acked {
            Some(at) => {
                c.acked += 1;
                c.in_time += i64::from(at <= deadline);
                c.minutes.push((at - submitted) / MIN);
            }
            None => c.open_late += 1,
        }
        let acked_sql = acked.map_or("NULL".to_owned(), |a| a.to_string());
        let status = if failed { "failed" } else { "delivered" };
        env.block_on(async {
            env.worker
                .d1_query(&format!(
                    "UPDATE inquiries SET submitted_ms = {submitted}, deadline_ms = {deadline}, \
                     acknowledged_ms = {acked_sql}, status = '{status}', escalation_done_ms = {submitted} \
                     WHERE id = '{id}'"
                ))
                .await?;
            for level in ["warning", "overdue"].iter().take(escalated as usize) {
                env.worker
                    .d1_query(&format!(
                        "INSERT INTO escalations (inquiry_id, level, target_poc, at_ms) \
                         VALUES ('{id}', '{level}', 'support', {deadline})"
                    ))
                    .await?;
            }
            Ok::<_, Error>(())
        })?;
    }
    let report = env.block_on(async {
        env.admin
            .get(&admin, &format!("report?from={}&by=poc", t0 - 1))
            .await?
            .expect_status(200, "the report")
    })?;
    let schemas = env.block_on(Schemas::fetch(env))?;
    schemas.check("Report", &report, "the report")?;
    let groups = report.body["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure(groups.len() == counts.len(), || {
        format!(
            "{} groups for {} POCs: {}",
            groups.len(),
            counts.len(),
            report.raw
        )
    })?;
    for (g, (poc, c)) in groups.iter().zip(counts.iter_mut()) {
        c.minutes.sort_unstable();
        let decided = c.acked + c.open_late;
        let pct = (c.in_time as f64 * 1000.0 / decided as f64).round() / 10.0;
        let expected = json!({
            "key": poc, "inquiries": c.inquiries, "acknowledged": c.acked,
            "within_target": c.in_time, "within_target_pct": pct,
            "ack_business_minutes": {"median": nearest_rank(&c.minutes, 50), "p90": nearest_rank(&c.minutes, 90)},
            "ack_calendar_minutes": {"median": nearest_rank(&c.minutes, 50), "p90": nearest_rank(&c.minutes, 90)},
            "open_past_deadline": c.open_late, "escalations": c.escalations, "failed_deliveries": c.failed,
        });
        ensure(*g == expected, || {
            format!("report for {poc}:\n  got      {g}\n  expected {expected}")
        })?;
    }
    let table = crate::inquiries::cli(&env.admin, &admin, &["report", "--since", "30d"])?;
    for (poc, c) in &counts {
        let line = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(poc))
            .ok_or_else(|| Error::msg(format!("no {poc} line in\n{table}")))?;
        let cells: Vec<&str> = line.split_whitespace().collect();
        ensure(
            cells[1] == c.inquiries.to_string()
                && cells[2] == c.acked.to_string()
                && cells[3] == c.in_time.to_string()
                && cells[7] == c.open_late.to_string()
                && cells[8] == c.escalations.to_string()
                && cells[9] == c.failed.to_string(),
            || format!("switchboard report's {poc} line: {line}"),
        )?;
    }
    Ok(())
}

/// Generic OpenAPI clients cannot write TOML: the same config as JSON, checked against the
/// document's `SiteConfig` schema, takes effect; GET gives it back as TOML; a bad value is
/// refused with the config's own error, a `null` or a non-object with a typed 400.
fn json_config_push(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin = env.provision(site).await?;
        let toml_text = env.site_config(site)?;
        let mut config = switchboard_shared::config::parse_config_with(
            &toml_text,
            switchboard_shared::config::ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .map_err(|e| Error::msg(format!("fixture: {e:?}")))?;
        config.name = "Pushed as JSON".into();
        let body = serde_json::to_value(&config)?;
        let schemas = Schemas::fetch(env).await?;
        let errors: Vec<String> = schemas
            .validator("SiteConfig")?
            .iter_errors(&body)
            .map(|e| e.to_string())
            .collect();
        ensure(errors.is_empty(), || {
            format!("the served SiteConfig schema refuses a real config: {errors:?}")
        })?;
        let put = |body: String| {
            env.http
                .put(format!(
                    "{}/v1/admin/sites/{site}/config",
                    env.worker.origin
                ))
                .bearer_auth(&admin.admin_key)
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        let pushed = Answer::read(put(body.to_string()).await?)
            .await?
            .expect_status(200, "a JSON push")?;
        schemas.check("ConfigVersion", &pushed, "JSON push answer")?;
        let live = env
            .admin
            .get_response(&admin, "config")
            .await?
            .text()
            .await?;
        ensure(live.contains("Pushed as JSON"), || {
            format!("GET config after the JSON push: {live}")
        })?;
        let refusals = [
            (
                body.to_string().replacen("\"Europe/", "\"Mars/", 1),
                "a zone that does not exist",
            ),
            (json!({"site": null}).to_string(), "a null"),
            ("[1, 2]".to_owned(), "a list"),
            ("{not json".to_owned(), "broken JSON"),
        ];
        for (text, what) in refusals {
            let answer = Answer::read(put(text).await?).await?;
            ensure(
                answer.status == 400 && answer.body["error"]["code"] == "invalid_config",
                || format!("{what}: {} {}", answer.status, answer.raw),
            )?;
        }
        let still = env
            .admin
            .get_response(&admin, "config")
            .await?
            .text()
            .await?;
        ensure(still == live, || {
            "a refused JSON push changed the live config".to_owned()
        })
    })
}

/// How long the Worker uses a kept config before reading it again (`config_cache::TTL_MS`).
const CONFIG_TTL: Duration = Duration::from_millis(5_000);

/// Submits a valid inquiry on `topic` and returns the POC the edge routed it to.
async fn routed_poc(env: &Env, site: &str, key: &str, topic: &str) -> Result<String> {
    let mut fields = valid_fields();
    fields["topic"] = json!(topic);
    let answer = env
        .submit(site, &submission(key, fields))
        .await?
        .expect_status(202, "submit")?;
    answer.body["poc"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::msg(format!("no poc in {}", answer.raw)))
}

/// The fixture config plus one rule sending billing inquiries to support.
fn with_billing_rule(config: &str) -> String {
    format!(
        "{config}\n[[rules]]\nid = \"billing-to-support\"\nwhen = {{ topic = \"billing\" }}\nroute = \"support\"\npriority = \"high\"\n"
    )
}

fn pushed_config_takes_effect(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let before = routed_poc(env, site, &format!("{site}-1"), "billing").await?;
        ensure(before == "billing", || {
            format!("before the push billing went to {before}")
        })?;
        env.admin
            .put_config(&admin_site, &with_billing_rule(&env.site_config(site)?))
            .await?
            .expect_status(200, "push")?;
        let after = routed_poc(env, site, &format!("{site}-2"), "billing").await?;
        ensure(after == "support", || {
            format!("after the push billing went to {after}, not support")
        })
    })
}

/// The row is changed in D1 directly, so the isolate's kept copy is not dropped as it is
/// for a push. Past the 5 s the kept copy answers once more while a fresh read runs after
/// that answer; the next definitions carry the change.
fn config_changed_elsewhere(env: &Env, site: &str) -> Result<()> {
    const OLD: &str = "Technical support";
    const NEW: &str = "Hardware support";
    env.block_on(async {
        env.provision(site).await?;
        let first = env.form(site, "?locale=en").await?;
        let kept_at = Instant::now();
        ensure(first.status == 200 && first.raw.contains(OLD), || {
            format!("first definition: {} {}", first.status, first.raw)
        })?;
        env.worker
            .d1_query(&format!(
                "UPDATE sites SET config_json = replace(config_json, '{OLD}', '{NEW}') WHERE id = '{site}'"
            ))
            .await?;
        tokio::time::sleep((CONFIG_TTL + Duration::from_millis(300)).saturating_sub(kept_at.elapsed())).await;
        let stale = env.form(site, "?locale=en").await?;
        ensure(stale.status == 200 && stale.raw.contains(OLD), || {
            format!("past the TTL the kept config should answer once more: {} {}", stale.status, stale.raw)
        })?;
        let mut last = stale;
        for _ in 0..20 {
            last = env.form(site, "?locale=en").await?;
            if last.status == 200 && last.raw.contains(NEW) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(Error::msg(format!(
            "the changed config never reached the definition: {} {}",
            last.status, last.raw
        )))
    })
}

fn bad_push_keeps_old_config(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let broken = env
            .site_config(site)?
            .replace("default_poc = \"support\"", "default_poc = \"nobody\"");
        let answer = env.admin.put_config(&admin_site, &broken).await?;
        ensure(answer.status == 400, || {
            format!("a broken config got {}: {}", answer.status, answer.raw)
        })?;
        let body: ErrorBody = serde_json::from_value(answer.body.clone()).map_err(|e| {
            Error::msg(format!(
                "400 body is not an error JSON ({e}): {}",
                answer.raw
            ))
        })?;
        ensure(body.error.code == "invalid_config", || {
            format!("code {}", body.error.code)
        })?;
        let named = body
            .error
            .fields
            .iter()
            .any(|f| f.field == "default_poc" && f.message.contains("unknown POC `nobody`"));
        ensure(named, || {
            format!("the error does not name default_poc: {}", answer.raw)
        })?;
        ensure(
            body.error.fields.iter().any(|f| f.message.contains(":15")),
            || format!("no line:column in {}", answer.raw),
        )?;
        // The old config still routes.
        let poc = routed_poc(env, site, &format!("{site}-1"), "billing").await?;
        ensure(poc == "billing", || {
            format!("after a refused push billing went to {poc}")
        })?;
        let live = env
            .admin
            .get(&admin_site, "config")
            .await?
            .expect_status(200, "GET config")?;
        ensure(live.raw.contains("default_poc = \"support\""), || {
            format!("live config changed: {}", live.raw)
        })
    })
}

fn expect_401(answer: &Answer, what: &str) -> Result<()> {
    ensure(answer.status == 401, || {
        format!(
            "{what}: expected 401, got {}: {}",
            answer.status, answer.raw
        )
    })?;
    serde_json::from_value::<ErrorBody>(answer.body.clone())
        .map(|_| ())
        .map_err(|e| {
            Error::msg(format!(
                "{what}: 401 body is not an error JSON ({e}): {}",
                answer.raw
            ))
        })
}

fn wrong_keys_get_401(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let real = env.provision(site).await?;
        let forged = Site {
            id: real.id.clone(),
            admin_key: format!("{}x", real.admin_key),
        };
        expect_401(
            &env.admin.get(&forged, "inquiries").await?,
            "listing with a wrong key",
        )?;
        expect_401(
            &env.admin.get(&forged, "config").await?,
            "reading the config with a wrong key",
        )?;
        expect_401(
            &env.admin
                .put_config(&forged, &env.site_config(site)?)
                .await?,
            "pushing with a wrong key",
        )?;
        // Another site's valid key is wrong here too.
        let other = env.provision(&format!("{site}-other")).await?;
        let borrowed = Site {
            id: real.id.clone(),
            admin_key: other.admin_key,
        };
        expect_401(
            &env.admin.get(&borrowed, "inquiries").await?,
            "listing with another site's key",
        )?;
        let resp = env
            .http
            .put(format!("{}/v1/admin/sites/{site}/key", env.worker.origin))
            .bearer_auth("not-the-operator-key")
            .send()
            .await?;
        expect_401(
            &Answer::read(resp).await?,
            "minting with a wrong operator key",
        )
    })
}

fn list_filters_by_poc(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        routed_poc(env, site, &format!("{site}-a"), "billing").await?;
        routed_poc(env, site, &format!("{site}-b"), "support").await?;
        routed_poc(env, site, &format!("{site}-c"), "billing").await?;
        let answer = env
            .admin
            .get(&admin_site, "inquiries?poc=billing")
            .await?
            .expect_status(200, "filtered list")?;
        let items = answer
            .body
            .as_array()
            .or_else(|| answer.body["inquiries"].as_array())
            .cloned()
            .unwrap_or_default();
        ensure(
            items.len() == 2 && items.iter().all(|i| i["poc"] == "billing"),
            || format!("?poc=billing listed {}", answer.raw),
        )
    })
}

/// An admin call: method, path under the site, `If-Match`, and a body with its media type.
type Call<'a> = (
    reqwest::Method,
    &'a str,
    Option<&'a str>,
    Option<(&'a str, String)>,
);
/// An expected refusal: status, error code, and the field it names.
type Refusal<'a> = (u16, &'a str, Option<&'a str>);

/// A request to the site's admin API with its key; `if_match` and a body as given.
async fn admin_call(
    env: &Env,
    site: &Site,
    method: reqwest::Method,
    path: &str,
    if_match: Option<&str>,
    body: Option<(&str, String)>,
) -> Result<(Answer, Option<String>)> {
    let mut req = env
        .http
        .request(
            method,
            format!("{}/v1/admin/sites/{}/{path}", env.worker.origin, site.id),
        )
        .bearer_auth(&site.admin_key);
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    if let Some((content_type, body)) = body {
        req = req.header("content-type", content_type).body(body);
    }
    let resp = req.send().await?;
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((Answer::read(resp).await?, etag))
}

/// The `version` numbers `GET …/config/versions` lists, newest first, and the live one.
async fn versions(env: &Env, site: &Site, schemas: &Schemas) -> Result<(Vec<i64>, i64)> {
    let (answer, _) = admin_call(
        env,
        site,
        reqwest::Method::GET,
        "config/versions",
        None,
        None,
    )
    .await?;
    let answer = answer.expect_status(200, "listing config versions")?;
    schemas.check("ConfigVersions", &answer, "GET config/versions")?;
    let listed = answer.body["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["version"].as_i64())
        .collect();
    Ok((listed, answer.body["live"].as_i64().unwrap_or(-1)))
}

fn expect_code(answer: &Answer, status: u16, code: &str, field: Option<&str>) -> Result<()> {
    let body: ErrorBody = serde_json::from_value(answer.body.clone())
        .map_err(|e| Error::msg(format!("not an error body ({e}): {}", answer.raw)))?;
    ensure(
        answer.status == status
            && body.error.code == code
            && field.is_none_or(|f| body.error.fields.iter().any(|e| e.field == f)),
        || {
            format!(
                "expected {status} {code} naming {field:?}, got {} {}",
                answer.status, answer.raw
            )
        },
    )
}

/// Versions 1 (provisioning) and 2 (billing goes to support): the list, each version's
/// TOML with secrets redacted, a rollback to 1 that routes billing to billing again as
/// version 3, `If-Match` refusing a push based on version 2, pruning past 20 versions,
/// typed 4xx answers, and the `switchboard` commands for the same.
fn config_history(env: &Env, site: &str) -> Result<()> {
    use reqwest::Method;
    let (admin, live) = env.block_on(async {
        let schemas = Schemas::fetch(env).await?;
        let admin = env.provision(site).await?;
        let base = env.site_config(site)?;
        let (pushed, etag) = admin_call(
            env,
            &admin,
            Method::PUT,
            "config",
            None,
            Some(("application/toml", with_billing_rule(&base))),
        )
        .await?;
        let pushed = pushed.expect_status(200, "pushing version 2")?;
        schemas.check("ConfigVersion", &pushed, "PUT config")?;
        ensure(
            pushed.body["version"] == 2 && etag.as_deref() == Some("\"2\""),
            || format!("version 2 answered {} with ETag {etag:?}", pushed.raw),
        )?;
        let (listed, live) = versions(env, &admin, &schemas).await?;
        ensure(listed == vec![2, 1] && live == 2, || {
            format!("versions {listed:?}, live {live}")
        })?;

        let (old, old_tag) =
            admin_call(env, &admin, Method::GET, "config?version=1", None, None).await?;
        let (now, now_tag) = admin_call(env, &admin, Method::GET, "config", None, None).await?;
        ensure(
            old.status == 200
                && !old.raw.contains("billing-to-support")
                && old_tag.as_deref() == Some("\"1\"")
                && now.status == 200
                && now.raw.contains("billing-to-support")
                && now_tag.as_deref() == Some("\"2\""),
            || {
                format!(
                    "version 1 ({old_tag:?}): {}\nlive ({now_tag:?}): {}",
                    old.raw, now.raw
                )
            },
        )?;
        ensure(
            !old.raw.contains(TEST_SECRET) && !now.raw.contains(TEST_SECRET),
            || "a webhook secret came back in a config".to_owned(),
        )?;

        let (back, _) = admin_call(
            env,
            &admin,
            Method::POST,
            "config/rollback",
            None,
            Some(("application/json", json!({"version": 1}).to_string())),
        )
        .await?;
        let back = back.expect_status(200, "rolling back to 1")?;
        schemas.check("ConfigVersion", &back, "POST config/rollback")?;
        ensure(
            back.body["version"] == 3 && back.body["restored_from"] == 1,
            || format!("rollback answered {}", back.raw),
        )?;
        let poc = routed_poc(env, site, &format!("{site}-rolled-back"), "billing").await?;
        ensure(poc == "billing", || {
            format!("after the rollback billing went to {poc}")
        })?;

        // A teammate's push based on version 2 is refused; nothing changes.
        let (stale, _) = admin_call(
            env,
            &admin,
            Method::PUT,
            "config",
            Some("\"2\""),
            Some(("application/toml", with_billing_rule(&base))),
        )
        .await?;
        expect_code(&stale, 412, "version_conflict", Some("If-Match"))?;
        ensure(stale.raw.contains('3'), || {
            format!("the conflict should name version 3: {}", stale.raw)
        })?;
        let poc = routed_poc(env, site, &format!("{site}-after-conflict"), "billing").await?;
        ensure(poc == "billing", || {
            format!("a refused push changed routing: billing went to {poc}")
        })?;
        let (fresh, _) = admin_call(
            env,
            &admin,
            Method::PUT,
            "config",
            Some("\"3\""),
            Some(("application/toml", base.clone())),
        )
        .await?;
        ensure(fresh.status == 200 && fresh.body["version"] == 4, || {
            format!(
                "a push naming the live version: {} {}",
                fresh.status, fresh.raw
            )
        })?;

        // Typed refusals: (method, path, If-Match, body) and (status, code, field named).
        let rollback_to = |body: String| Some(("application/json", body));
        let refusals: [(Call, Refusal); 6] = [
            (
                (
                    Method::POST,
                    "config/rollback",
                    None,
                    rollback_to(json!({"version": 99}).to_string()),
                ),
                (404, "version_not_found", None),
            ),
            (
                (
                    Method::POST,
                    "config/rollback",
                    None,
                    rollback_to("{}".to_owned()),
                ),
                (400, "invalid_body", Some("version")),
            ),
            (
                (
                    Method::POST,
                    "config/rollback",
                    None,
                    Some(("text/plain", json!({"version": 1}).to_string())),
                ),
                (415, "unsupported_media_type", None),
            ),
            (
                (Method::GET, "config?version=abc", None, None),
                (400, "invalid_query", Some("version")),
            ),
            (
                (Method::GET, "config?version=99", None, None),
                (404, "version_not_found", None),
            ),
            (
                (
                    Method::PUT,
                    "config",
                    Some("seven"),
                    Some(("application/toml", base.clone())),
                ),
                (400, "invalid_header", Some("If-Match")),
            ),
        ];
        for ((method, path, if_match, body), (status, code, field)) in refusals {
            let (answer, _) = admin_call(env, &admin, method.clone(), path, if_match, body).await?;
            expect_code(&answer, status, code, field)
                .map_err(|e| Error::msg(format!("{method} {path}: {e}")))?;
        }

        // Only the latest 20 are kept.
        for _ in 0..18 {
            env.admin
                .put_config(&admin, &base)
                .await?
                .expect_status(200, "pushing again")?;
        }
        let (listed, live) = versions(env, &admin, &schemas).await?;
        let expected: Vec<i64> = (live - 19..=live).rev().collect();
        ensure(live == 22 && listed == expected, || {
            format!("after 22 pushes: live {live}, kept {listed:?}")
        })?;
        let (pruned, _) =
            admin_call(env, &admin, Method::GET, "config?version=2", None, None).await?;
        expect_code(&pruned, 404, "version_not_found", None)?;
        Ok::<_, Error>((admin, live))
    })?;

    // The same from the command line.
    let cli = |args: &[&str]| -> Result<String> {
        let (command, rest) = args.split_first().ok_or_else(|| Error::msg("no command"))?;
        let mut argv = vec![
            "switchboard",
            command,
            "--edge",
            &env.admin.origin,
            "--key",
            &admin.admin_key,
            "--site",
            &admin.id,
        ];
        argv.extend(rest);
        let mut out = Vec::new();
        switchboard_cli::run_args(argv, &mut out)
            .map_err(|e| Error::msg(format!("switchboard {args:?}: {e}")))?;
        String::from_utf8(out).map_err(|e| Error::msg(e.to_string()))
    };
    let listed = cli(&["config-versions"])?;
    let first = listed.lines().next().unwrap_or_default();
    ensure(
        listed.lines().count() == 20
            && first.starts_with(&format!("v{live}"))
            && first.ends_with("live"),
        || format!("switchboard config-versions printed {listed}"),
    )?;
    let target = (live - 1).to_string();
    let rolled = cli(&[
        "rollback",
        "--to",
        &target,
        "--if-version",
        &live.to_string(),
    ])?;
    let rolled: serde_json::Value = serde_json::from_str(&rolled)?;
    ensure(
        rolled["version"] == live + 1 && rolled["restored_from"] == live - 1,
        || format!("switchboard rollback printed {rolled}"),
    )?;
    let stale = cli(&[
        "rollback",
        "--to",
        &target,
        "--if-version",
        &live.to_string(),
    ]);
    ensure(
        stale.as_ref().is_err_and(|e| {
            e.to_string().contains("412") && e.to_string().contains("version_conflict")
        }),
        || format!("a rollback naming a stale version should fail with 412: {stale:?}"),
    )?;
    let pulled = cli(&["pull", "--version", &target])?;
    ensure(
        pulled.contains(&format!("site = \"{}\"", admin.id)) && !pulled.contains(TEST_SECRET),
        || format!("switchboard pull printed {pulled}"),
    )
}
